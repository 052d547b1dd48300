//! Value conversions: model-file values and written values into an attribute's
//! type, array element access, and the RFC 3339 text form of times.
//!
//! Writes convert "when it sensibly can" (`docs/galaxy-model.md` §7 lists every
//! rule), and a failure is reported as the MXAccess detail code a client would see,
//! so the plant can wrap it in an `MxStatus` without a second mapping table:
//! - 19 `UnableToConvertString`: a string that does not parse as the target type;
//! - 20 `Overflow`: a number (or a numeric string) that the target cannot hold,
//!   NaN and infinities included;
//! - 13 `WrongDataType`: a combination with no conversion at all (a time into a
//!   number, an array into a scalar, an empty value).
//!
//! Numeric strings are decimal text: digits with an optional sign, point and
//! exponent. `NaN`, `inf` and `infinity`, which Rust's float parser would accept,
//! are unparseable strings (19), as in COM's string-to-number conversions; digits
//! too large for the target are an overflow (20).

use mxgateway_mx::{detail, DataType, MxValue, Timestamp};

/// How values of a data type are stored (the `MxValue` variant family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repr {
    Bool,
    Int,
    Float,
    Double,
    Str,
    Time,
    Elapsed,
}

impl Repr {
    /// The storage of a data type, or `None` for types the simulator does not model
    /// (NoData, Unknown, Status, QualifiedStruct).
    pub(crate) fn of(data_type: DataType) -> Option<Repr> {
        Some(match data_type {
            DataType::Boolean => Repr::Bool,
            DataType::Integer
            | DataType::DataTypeEnum
            | DataType::SecurityClassificationEnum
            | DataType::DataQuality
            | DataType::QualifiedEnum => Repr::Int,
            DataType::Float => Repr::Float,
            DataType::Double => Repr::Double,
            DataType::String
            | DataType::Reference
            | DataType::InternationalizedString
            | DataType::BigString => Repr::Str,
            DataType::Time => Repr::Time,
            DataType::ElapsedTime => Repr::Elapsed,
            DataType::Unknown | DataType::NoData | DataType::Status | DataType::QualifiedStruct => {
                return None
            }
        })
    }

    /// True when generators that compute numbers apply.
    pub(crate) fn is_numeric(self) -> bool {
        matches!(self, Repr::Int | Repr::Float | Repr::Double | Repr::Elapsed)
    }

    /// The zero value of a scalar.
    pub(crate) fn zero(self) -> MxValue {
        match self {
            Repr::Bool => MxValue::Bool(false),
            Repr::Int => MxValue::Int32(0),
            Repr::Float => MxValue::Float(0.0),
            Repr::Double => MxValue::Double(0.0),
            Repr::Str => MxValue::String(String::new()),
            Repr::Time => MxValue::Time(Timestamp::default()),
            Repr::Elapsed => MxValue::ElapsedTime(0),
        }
    }

    /// An array of `len` zero values.
    pub(crate) fn zero_array(self, len: usize) -> MxValue {
        match self {
            Repr::Bool => MxValue::BoolArray(vec![false; len]),
            Repr::Int => MxValue::Int32Array(vec![0; len]),
            Repr::Float => MxValue::FloatArray(vec![0.0; len]),
            Repr::Double => MxValue::DoubleArray(vec![0.0; len]),
            Repr::Str => MxValue::StringArray(vec![String::new(); len]),
            Repr::Time => MxValue::TimeArray(vec![Timestamp::default(); len]),
            Repr::Elapsed => MxValue::ElapsedTimeArray(vec![0; len]),
        }
    }

    /// Builds a scalar from a generator's number, saturating instead of failing:
    /// generators are configured by the model author, not by a client.
    pub(crate) fn number(self, v: f64) -> MxValue {
        match self {
            Repr::Bool => MxValue::Bool(v != 0.0),
            Repr::Int => MxValue::Int32(v.round().clamp(i32::MIN as f64, i32::MAX as f64) as i32),
            Repr::Float => MxValue::Float(v as f32),
            Repr::Double => MxValue::Double(v),
            Repr::Elapsed => MxValue::ElapsedTime((v * 1e9).round() as i64),
            Repr::Str => MxValue::String(v.to_string()),
            Repr::Time => MxValue::Time(Timestamp {
                unix_nanos: (v * 1e9) as i64,
            }),
        }
    }
}

/// A scalar's numeric value (elapsed times in seconds), for generators.
pub(crate) fn as_f64(v: &MxValue) -> Option<f64> {
    match v {
        MxValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        MxValue::Int32(i) => Some(f64::from(*i)),
        MxValue::Float(f) => Some(f64::from(*f)),
        MxValue::Double(d) => Some(*d),
        MxValue::ElapsedTime(n) => Some(*n as f64 / 1e9),
        _ => None,
    }
}

/// Converts a scalar into the given storage; the error is an MXAccess detail code.
pub(crate) fn convert_scalar(v: &MxValue, to: Repr) -> Result<MxValue, i16> {
    use MxValue as V;
    let wrong = Err(detail::WRONG_DATA_TYPE);
    match to {
        Repr::Bool => match v {
            V::Bool(b) => Ok(V::Bool(*b)),
            V::Int32(i) => Ok(V::Bool(*i != 0)),
            V::Float(_) | V::Double(_) => {
                let f = as_f64(v).unwrap_or(f64::NAN);
                if f.is_nan() {
                    Err(detail::OVERFLOW)
                } else {
                    Ok(V::Bool(f != 0.0))
                }
            }
            V::String(s) => parse_bool(s).map(V::Bool),
            _ => wrong,
        },
        Repr::Int => match v {
            V::Bool(b) => Ok(V::Int32(i32::from(*b))),
            V::Int32(i) => Ok(V::Int32(*i)),
            V::Float(_) | V::Double(_) | V::ElapsedTime(_) => {
                round_to_i32(as_f64(v).unwrap_or(f64::NAN)).map(V::Int32)
            }
            V::String(s) => parse_i32(s).map(V::Int32),
            _ => wrong,
        },
        Repr::Float | Repr::Double => {
            let f = match v {
                V::Bool(_) | V::Int32(_) | V::Float(_) | V::Double(_) | V::ElapsedTime(_) => {
                    as_f64(v).unwrap_or(f64::NAN)
                }
                V::String(s) => parse_f64(s)?,
                _ => return wrong,
            };
            if !f.is_finite() {
                return Err(detail::OVERFLOW);
            }
            if to == Repr::Float {
                if f.abs() > f64::from(f32::MAX) {
                    return Err(detail::OVERFLOW);
                }
                Ok(V::Float(f as f32))
            } else {
                Ok(V::Double(f))
            }
        }
        Repr::Str => Ok(V::String(match v {
            V::Bool(b) => b.to_string(),
            V::Int32(i) => i.to_string(),
            V::Float(f) => f.to_string(),
            V::Double(d) => d.to_string(),
            V::String(s) => s.clone(),
            V::Time(t) => format_rfc3339(*t),
            V::ElapsedTime(n) => format_elapsed(*n),
            _ => return wrong,
        })),
        Repr::Time => match v {
            V::Time(t) => Ok(V::Time(*t)),
            V::String(s) => parse_rfc3339(s)
                .map(V::Time)
                .ok_or(detail::UNABLE_TO_CONVERT_STRING),
            _ => wrong,
        },
        Repr::Elapsed => match v {
            V::ElapsedTime(n) => Ok(V::ElapsedTime(*n)),
            V::Int32(_) | V::Float(_) | V::Double(_) => {
                seconds_to_nanos(as_f64(v).unwrap_or(f64::NAN)).map(V::ElapsedTime)
            }
            V::String(s) => parse_elapsed(s)
                .ok_or(detail::UNABLE_TO_CONVERT_STRING)
                .and_then(seconds_to_nanos)
                .map(V::ElapsedTime),
            _ => wrong,
        },
    }
}

/// Converts a whole array (any element type that converts) into the given storage
/// with exactly `len` elements. A scalar is a wrong type; a length mismatch is
/// `DATA_OUT_OF_RANGE` because attribute arrays keep their configured dimension.
pub(crate) fn convert_array(v: &MxValue, to: Repr, len: usize) -> Result<MxValue, i16> {
    let n = array_len(v).ok_or(detail::WRONG_DATA_TYPE)?;
    if n != len {
        return Err(detail::DATA_OUT_OF_RANGE);
    }
    let mut out = to.zero_array(len);
    for i in 0..len {
        let e = convert_scalar(&element(v, i).ok_or(detail::WRONG_DATA_TYPE)?, to)?;
        set_element(&mut out, i, e)?;
    }
    Ok(out)
}

/// The number of elements of an array value; `None` for scalars.
pub(crate) fn array_len(v: &MxValue) -> Option<usize> {
    Some(match v {
        MxValue::BoolArray(a) => a.len(),
        MxValue::Int32Array(a) => a.len(),
        MxValue::FloatArray(a) => a.len(),
        MxValue::DoubleArray(a) => a.len(),
        MxValue::StringArray(a) => a.len(),
        MxValue::TimeArray(a) => a.len(),
        MxValue::ElapsedTimeArray(a) => a.len(),
        _ => return None,
    })
}

/// Element `idx` (0-based) of an array value as a scalar.
pub(crate) fn element(v: &MxValue, idx: usize) -> Option<MxValue> {
    Some(match v {
        MxValue::BoolArray(a) => MxValue::Bool(*a.get(idx)?),
        MxValue::Int32Array(a) => MxValue::Int32(*a.get(idx)?),
        MxValue::FloatArray(a) => MxValue::Float(*a.get(idx)?),
        MxValue::DoubleArray(a) => MxValue::Double(*a.get(idx)?),
        MxValue::StringArray(a) => MxValue::String(a.get(idx)?.clone()),
        MxValue::TimeArray(a) => MxValue::Time(*a.get(idx)?),
        MxValue::ElapsedTimeArray(a) => MxValue::ElapsedTime(*a.get(idx)?),
        _ => return None,
    })
}

/// Replaces element `idx` (0-based) with a scalar already in the array's storage.
pub(crate) fn set_element(v: &mut MxValue, idx: usize, scalar: MxValue) -> Result<(), i16> {
    use MxValue as V;
    fn put<T>(a: &mut [T], idx: usize, x: T) -> Result<(), i16> {
        let slot = a.get_mut(idx).ok_or(detail::INDEX_OUT_OF_RANGE)?;
        *slot = x;
        Ok(())
    }
    match (v, scalar) {
        (V::BoolArray(a), V::Bool(x)) => put(a, idx, x),
        (V::Int32Array(a), V::Int32(x)) => put(a, idx, x),
        (V::FloatArray(a), V::Float(x)) => put(a, idx, x),
        (V::DoubleArray(a), V::Double(x)) => put(a, idx, x),
        (V::StringArray(a), V::String(x)) => put(a, idx, x),
        (V::TimeArray(a), V::Time(x)) => put(a, idx, x),
        (V::ElapsedTimeArray(a), V::ElapsedTime(x)) => put(a, idx, x),
        _ => Err(detail::WRONG_DATA_TYPE),
    }
}

/// Sets (`on`) or clears bit `bit` (0–31) of an Integer value in place; any other
/// value is a wrong data type (reference resolution only makes bit fields of
/// Integer attributes, so that is a bug guard, not a client-visible rule).
pub(crate) fn set_bit(v: &mut MxValue, bit: u8, on: bool) -> Result<(), i16> {
    let MxValue::Int32(i) = v else {
        return Err(detail::WRONG_DATA_TYPE);
    };
    let mask = 1i32
        .checked_shl(u32::from(bit))
        .ok_or(detail::INDEX_OUT_OF_RANGE)?;
    *i = if on { *i | mask } else { *i & !mask };
    Ok(())
}

/// A model-file value as an `MxValue` before conversion to the attribute's type.
/// Integers that do not fit 32 bits become doubles so that conversion reports the
/// overflow instead of this function.
pub(crate) fn from_toml(v: &toml::Value) -> Result<MxValue, String> {
    Ok(match v {
        toml::Value::Boolean(b) => MxValue::Bool(*b),
        toml::Value::Integer(i) => match i32::try_from(*i) {
            Ok(i) => MxValue::Int32(i),
            Err(_) => MxValue::Double(*i as f64),
        },
        toml::Value::Float(f) => MxValue::Double(*f),
        toml::Value::String(s) => MxValue::String(s.clone()),
        toml::Value::Datetime(d) => {
            let text = d.to_string();
            MxValue::Time(
                parse_rfc3339(&text).ok_or_else(|| format!("unsupported date-time {text}"))?,
            )
        }
        toml::Value::Array(_) => return Err("an array where a scalar is expected".into()),
        toml::Value::Table(_) => return Err("a table where a value is expected".into()),
    })
}

/// A model-file value converted to an attribute's type (`array` = its length).
pub(crate) fn toml_to_value(
    v: &toml::Value,
    repr: Repr,
    array: Option<usize>,
) -> Result<MxValue, String> {
    let describe = |code: i16| match code {
        detail::UNABLE_TO_CONVERT_STRING => "cannot parse the string",
        detail::OVERFLOW => "out of range",
        _ => "wrong type",
    };
    match (array, v) {
        (None, v) => {
            let raw = from_toml(v)?;
            convert_scalar(&raw, repr).map_err(|c| format!("{} ({v})", describe(c)))
        }
        (Some(len), toml::Value::Array(items)) => {
            if items.len() != len {
                return Err(format!(
                    "the array has {} element(s), the attribute {len}",
                    items.len()
                ));
            }
            let mut out = repr.zero_array(len);
            for (i, item) in items.iter().enumerate() {
                let raw = from_toml(item)?;
                let e = convert_scalar(&raw, repr)
                    .map_err(|c| format!("element {}: {} ({item})", i + 1, describe(c)))?;
                set_element(&mut out, i, e).map_err(|_| "element type".to_string())?;
            }
            Ok(out)
        }
        (Some(_), _) => Err("an array attribute needs an array value".into()),
    }
}

fn parse_bool(s: &str) -> Result<bool, i16> {
    let t = s.trim();
    for (word, b) in [
        ("true", true),
        ("false", false),
        ("on", true),
        ("off", false),
    ] {
        if t.eq_ignore_ascii_case(word) {
            return Ok(b);
        }
    }
    parse_f64(t).map(|f| f != 0.0)
}

/// True for decimal number text: an optional sign, digits with an optional point,
/// and an optional exponent. Excludes the `NaN`/`inf` spellings.
fn is_decimal(t: &str) -> bool {
    let mantissa_end = t.find(['e', 'E']).unwrap_or(t.len());
    let (mantissa, exponent) = t.split_at(mantissa_end);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let digits_ok = mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|&b| b == b'.').count() <= 1;
    let exponent_ok = match exponent.get(1..) {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        }
    };
    digits_ok && exponent_ok
}

/// Parses decimal number text (see [`is_decimal`]); the result may be infinite
/// when the digits overflow a double, which callers report as an overflow.
fn parse_f64(s: &str) -> Result<f64, i16> {
    let t = s.trim();
    if !is_decimal(t) {
        return Err(detail::UNABLE_TO_CONVERT_STRING);
    }
    t.parse::<f64>()
        .map_err(|_| detail::UNABLE_TO_CONVERT_STRING)
}

fn parse_i32(s: &str) -> Result<i32, i16> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return i32::try_from(i).map_err(|_| detail::OVERFLOW);
    }
    round_to_i32(parse_f64(t)?)
}

fn round_to_i32(f: f64) -> Result<i32, i16> {
    let r = f.round();
    if (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&r) {
        Ok(r as i32)
    } else {
        Err(detail::OVERFLOW)
    }
}

fn seconds_to_nanos(s: f64) -> Result<i64, i16> {
    let n = (s * 1e9).round();
    if n.is_finite() && n.abs() < 9.2e18 {
        Ok(n as i64)
    } else {
        Err(detail::OVERFLOW)
    }
}

/// `[-]HH:MM:SS.fff` (hours unbounded), the form elapsed times take as text.
pub(crate) fn format_elapsed(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let ms = (n / 1_000_000) % 1000;
    let s = n / 1_000_000_000;
    format!(
        "{sign}{:02}:{:02}:{:02}.{ms:03}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Seconds from `[-]HH:MM:SS[.fff]` or a plain number of seconds.
fn parse_elapsed(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Ok(f) = parse_f64(t) {
        return Some(f);
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let mut parts = t.split(':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || m >= 60 || !(0.0..60.0).contains(&sec) {
        return None;
    }
    let total = (h * 3600 + m * 60) as f64 + sec;
    Some(if neg { -total } else { total })
}

// === RFC 3339 ===

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Formats as `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z` (fraction trimmed).
pub(crate) fn format_rfc3339(t: Timestamp) -> String {
    let secs = t.seconds();
    let nanos = t.subsec_nanos();
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let mut out = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±HH:MM]`. Times without an offset
/// are taken as UTC (the simulator keeps every time in UTC).
pub(crate) fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let num = |t: &str| -> Option<u32> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let date = s.get(..10)?;
    let mut dp = date.split('-');
    let y = num(dp.next()?)?;
    let mo = num(dp.next()?)?;
    let d = num(dp.next()?)?;
    if date.as_bytes()[4] != b'-' || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(i64::from(y), mo, d) * 86_400;
    let mut nanos: i64 = 0;
    let rest = &s[10..];
    if !rest.is_empty() {
        let sep = rest.as_bytes()[0];
        if !matches!(sep, b'T' | b't' | b' ') {
            return None;
        }
        let rest = &rest[1..];
        // Split off the offset: 'Z' or the last '+'/'-'.
        let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
            (c, 0i64)
        } else if let Some(pos) = rest.rfind(['+', '-']) {
            let (c, o) = rest.split_at(pos);
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let mut op = o[1..].split(':');
            let oh = i64::from(num(op.next()?)?);
            let om = i64::from(num(op.next().unwrap_or("0"))?);
            (c, sign * (oh * 3600 + om * 60))
        } else {
            (rest, 0)
        };
        let (hms, frac) = match clock.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (clock, None),
        };
        let mut cp = hms.split(':');
        let h = num(cp.next()?)?;
        let mi = num(cp.next()?)?;
        let sec = cp.next().map(num).unwrap_or(Some(0))?;
        if cp.next().is_some() || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        if let Some(f) = frac {
            let digits: String = f.chars().take(9).collect();
            let n = num(&digits)?;
            nanos = i64::from(n) * 10i64.pow(9 - digits.len() as u32);
        }
        secs += i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec) - offset;
    }
    Some(Timestamp {
        unix_nanos: secs.checked_mul(1_000_000_000)?.checked_add(nanos)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.5Z",
            "1900-01-01T00:00:00Z",
            "2026-05-03T10:11:12.123456789Z",
        ] {
            let t = parse_rfc3339(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(format_rfc3339(t), text);
        }
        let offset = parse_rfc3339("2024-01-01T02:00:00+02:00").unwrap();
        assert_eq!(format_rfc3339(offset), "2024-01-01T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2024-01-01").unwrap(),
            parse_rfc3339("2024-01-01T00:00:00Z").unwrap()
        );
        assert!(parse_rfc3339("yesterday").is_none());
        assert!(parse_rfc3339("2024-13-01T00:00:00Z").is_none());
    }

    #[test]
    fn numbers_convert_between_types() {
        assert_eq!(
            convert_scalar(&MxValue::Double(2.5), Repr::Int),
            Ok(MxValue::Int32(3))
        );
        assert_eq!(
            convert_scalar(&MxValue::Int32(7), Repr::Double),
            Ok(MxValue::Double(7.0))
        );
        assert_eq!(
            convert_scalar(&MxValue::Bool(true), Repr::Int),
            Ok(MxValue::Int32(1))
        );
        assert_eq!(
            convert_scalar(&MxValue::Int32(0), Repr::Bool),
            Ok(MxValue::Bool(false))
        );
        assert_eq!(
            convert_scalar(&MxValue::Double(1e10), Repr::Int),
            Err(detail::OVERFLOW)
        );
        assert_eq!(
            convert_scalar(&MxValue::Double(1e300), Repr::Float),
            Err(detail::OVERFLOW)
        );
        assert_eq!(
            convert_scalar(&MxValue::Double(f64::NAN), Repr::Double),
            Err(detail::OVERFLOW)
        );
    }

    #[test]
    fn strings_parse_or_fail_with_19() {
        let s = |t: &str| MxValue::String(t.into());
        assert_eq!(
            convert_scalar(&s(" 42 "), Repr::Int),
            Ok(MxValue::Int32(42))
        );
        assert_eq!(convert_scalar(&s("4.6"), Repr::Int), Ok(MxValue::Int32(5)));
        assert_eq!(
            convert_scalar(&s("9999999999"), Repr::Int),
            Err(detail::OVERFLOW)
        );
        assert_eq!(
            convert_scalar(&s("abc"), Repr::Double),
            Err(detail::UNABLE_TO_CONVERT_STRING)
        );
        assert_eq!(
            convert_scalar(&s("TRUE"), Repr::Bool),
            Ok(MxValue::Bool(true))
        );
        assert_eq!(
            convert_scalar(&s("maybe"), Repr::Bool),
            Err(detail::UNABLE_TO_CONVERT_STRING)
        );
        // Non-finite spellings are not numbers; digits past the range are.
        for text in ["NaN", "inf", "-Infinity", "1e", "1.2.3", "+", ""] {
            for to in [Repr::Bool, Repr::Int, Repr::Double, Repr::Elapsed] {
                assert_eq!(
                    convert_scalar(&s(text), to),
                    Err(detail::UNABLE_TO_CONVERT_STRING),
                    "{text:?} into {to:?}"
                );
            }
        }
        assert_eq!(
            convert_scalar(&s("1e400"), Repr::Double),
            Err(detail::OVERFLOW)
        );
        assert_eq!(
            convert_scalar(&s("-1.5E+2"), Repr::Double),
            Ok(MxValue::Double(-150.0))
        );
        assert_eq!(
            convert_scalar(&s(".5"), Repr::Float),
            Ok(MxValue::Float(0.5))
        );
        assert_eq!(
            convert_scalar(&s("01:00:01.5"), Repr::Elapsed),
            Ok(MxValue::ElapsedTime(3_601_500_000_000))
        );
        assert_eq!(
            convert_scalar(&MxValue::ElapsedTime(3_601_500_000_000), Repr::Str),
            Ok(s("01:00:01.500"))
        );
    }

    #[test]
    fn impossible_conversions_are_wrong_data_type() {
        assert_eq!(
            convert_scalar(&MxValue::Bool(true), Repr::Time),
            Err(detail::WRONG_DATA_TYPE)
        );
        assert_eq!(
            convert_scalar(&MxValue::DoubleArray(vec![1.0]), Repr::Double),
            Err(detail::WRONG_DATA_TYPE)
        );
        assert_eq!(
            convert_scalar(&MxValue::Empty, Repr::Str),
            Err(detail::WRONG_DATA_TYPE)
        );
        assert_eq!(
            convert_array(&MxValue::Double(1.0), Repr::Double, 1),
            Err(detail::WRONG_DATA_TYPE)
        );
    }

    #[test]
    fn arrays_convert_elementwise_and_keep_their_length() {
        assert_eq!(
            convert_array(&MxValue::Int32Array(vec![1, 2]), Repr::Double, 2),
            Ok(MxValue::DoubleArray(vec![1.0, 2.0]))
        );
        assert_eq!(
            convert_array(&MxValue::Int32Array(vec![1, 2]), Repr::Double, 3),
            Err(detail::DATA_OUT_OF_RANGE)
        );
        let mut a = MxValue::StringArray(vec!["a".into(), "b".into()]);
        set_element(&mut a, 1, MxValue::String("z".into())).unwrap();
        assert_eq!(element(&a, 1), Some(MxValue::String("z".into())));
        assert_eq!(element(&a, 2), None);
    }
}
