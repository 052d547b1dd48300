//! `--type` / `--value` parsing and the JSON rendering of values.
//!
//! Both halves are part of the CLI contract shared with `mxgw-py` and are
//! pinned by `fixtures/values.json`; `docs/cli-json.md` states the grammar.

use clap::ValueEnum;
use mxgateway_mx::{MxValue, Timestamp};
use mxgateway_proto::v1::{self, mx_value::Kind};
use serde_json::Value;

use crate::json::Json;
use crate::rfc3339;

/// The value types `--type` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValueType {
    Bool,
    Int32,
    Float,
    Double,
    String,
    /// RFC 3339 with an offset.
    Time,
    /// Seconds, e.g. `1.5`.
    Elapsed,
    BoolArray,
    Int32Array,
    FloatArray,
    DoubleArray,
    StringArray,
    TimeArray,
    ElapsedArray,
}

impl ValueType {
    /// The name as typed on the command line (`int32`, `double-array`, ...).
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// A `--value` that does not fit its `--type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue(pub String);

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidValue {}

fn invalid(text: &str, what: &str) -> InvalidValue {
    InvalidValue(format!("{text:?} is not a valid {what}"))
}

/// True for the words Rust and Python read as non-finite floats.
fn is_non_finite_word(text: &str) -> bool {
    let t = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
    matches!(t.as_str(), "nan" | "inf" | "infinity")
}

/// `[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`: the decimal grammar both CLIs accept.
fn is_decimal(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

fn non_finite(text: &str) -> InvalidValue {
    InvalidValue(format!(
        "{text:?} is not finite: MXAccess has no representation for NaN or infinity"
    ))
}

fn parse_bool(text: &str) -> Result<bool, InvalidValue> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid(text, "bool (true, false, 1 or 0)")),
    }
}

fn parse_int32(text: &str) -> Result<i32, InvalidValue> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(invalid(text, "int32"));
    }
    text.parse()
        .map_err(|_| InvalidValue(format!("{text:?} is outside the int32 range")))
}

fn parse_double(text: &str) -> Result<f64, InvalidValue> {
    if is_non_finite_word(text) {
        return Err(non_finite(text));
    }
    if !is_decimal(text) {
        return Err(invalid(text, "number"));
    }
    let v: f64 = text.parse().map_err(|_| invalid(text, "number"))?;
    if !v.is_finite() {
        return Err(non_finite(text));
    }
    Ok(v)
}

fn parse_float(text: &str) -> Result<f32, InvalidValue> {
    if is_non_finite_word(text) {
        return Err(non_finite(text));
    }
    if !is_decimal(text) {
        return Err(invalid(text, "number"));
    }
    let v: f32 = text.parse().map_err(|_| invalid(text, "number"))?;
    // Finite text can overflow a 32-bit float (e.g. 1e39).
    if !v.is_finite() {
        return Err(non_finite(text));
    }
    Ok(v)
}

/// An RFC 3339 time. MXAccess times travel as nanoseconds since the epoch in
/// an `i64`, so only 1677-09-21T00:12:43.145224192Z through
/// 2262-04-11T23:47:16.854775807Z exist; anything else is rejected rather
/// than silently clamped.
fn parse_time(text: &str) -> Result<Timestamp, InvalidValue> {
    let (seconds, nanos) = rfc3339::parse(text).map_err(InvalidValue)?;
    // i128 so the lowest instant (negative seconds, positive nanos) fits.
    let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    i64::try_from(total)
        .map(|unix_nanos| Timestamp { unix_nanos })
        .map_err(|_| {
            InvalidValue(format!(
                "{text:?} is outside the representable range \
                 1677-09-21T00:12:43.145224192Z..2262-04-11T23:47:16.854775807Z"
            ))
        })
}

/// Parses `--timestamp`.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, InvalidValue> {
    parse_time(text)
}

/// Elapsed seconds, exact to the nanosecond:
/// `[+-]?(\d+(\.\d{0,9})?|\.\d{1,9})`, no exponent.
fn parse_elapsed(text: &str) -> Result<i64, InvalidValue> {
    if is_non_finite_word(text) {
        return Err(non_finite(text));
    }
    let bad = || invalid(text, "number of seconds (e.g. 1.5)");
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if (whole.is_empty() && frac.is_empty())
        || frac.len() > 9
        || !whole.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let secs: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac_nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| bad())?
    };
    let nanos = secs
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(frac_nanos))
        .ok_or_else(|| InvalidValue(format!("{text:?} seconds is out of range")))?;
    Ok(if negative { -nanos } else { nanos })
}

/// The texts of a JSON array's elements, for the array types. Strings give
/// their content; numbers and booleans their JSON text (only where
/// `allow_scalars`).
fn array_elements(text: &str, allow_scalars: bool) -> Result<Vec<String>, InvalidValue> {
    let bad = || {
        InvalidValue(format!(
            "{text:?} is not a JSON array of {}",
            if allow_scalars {
                "numbers, booleans or strings"
            } else {
                "strings"
            }
        ))
    };
    let value: Value = serde_json::from_str(text).map_err(|_| bad())?;
    let Value::Array(items) = value else {
        return Err(bad());
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(s),
            Value::Number(n) if allow_scalars => Ok(n.to_string()),
            Value::Bool(b) if allow_scalars => Ok(b.to_string()),
            _ => Err(bad()),
        })
        .collect()
}

fn each<T>(
    text: &str,
    allow_scalars: bool,
    parse: impl Fn(&str) -> Result<T, InvalidValue>,
) -> Result<Vec<T>, InvalidValue> {
    array_elements(text, allow_scalars)?
        .iter()
        .map(|s| parse(s))
        .collect()
}

/// Parses `--value` as `--type`.
pub fn parse_value(ty: ValueType, text: &str) -> Result<MxValue, InvalidValue> {
    Ok(match ty {
        ValueType::Bool => MxValue::Bool(parse_bool(text)?),
        ValueType::Int32 => MxValue::Int32(parse_int32(text)?),
        ValueType::Float => MxValue::Float(parse_float(text)?),
        ValueType::Double => MxValue::Double(parse_double(text)?),
        ValueType::String => MxValue::String(text.to_string()),
        ValueType::Time => MxValue::Time(parse_time(text)?),
        ValueType::Elapsed => MxValue::ElapsedTime(parse_elapsed(text)?),
        ValueType::BoolArray => MxValue::BoolArray(each(text, true, parse_bool)?),
        ValueType::Int32Array => MxValue::Int32Array(each(text, true, parse_int32)?),
        ValueType::FloatArray => MxValue::FloatArray(each(text, true, parse_float)?),
        ValueType::DoubleArray => MxValue::DoubleArray(each(text, true, parse_double)?),
        ValueType::StringArray => MxValue::StringArray(each(text, false, |s| Ok(s.to_string()))?),
        ValueType::TimeArray => MxValue::TimeArray(each(text, false, parse_time)?),
        ValueType::ElapsedArray => MxValue::ElapsedTimeArray(each(text, true, parse_elapsed)?),
    })
}

// === rendering ===

fn time(t: &prost_types::Timestamp) -> Json {
    rfc3339::format(t.seconds, t.nanos).map_or(Json::Null, Json::Str)
}

fn seconds(d: &prost_types::Duration) -> Json {
    // `seconds + nanos / 1e9` in double precision, the formula mxgw-py uses too.
    Json::Float(d.seconds as f64 + f64::from(d.nanos) / 1e9)
}

/// Renders a value's payload: bool, integer, number (floats are widened to
/// double first), string, RFC 3339 string (time; null outside years
/// 1..=9999), seconds (elapsed), arrays of those, `{"record": "<hex>"}`, or
/// null when empty.
pub fn render_value(value: &v1::MxValue) -> Json {
    let Some(kind) = &value.kind else {
        return Json::Null;
    };
    let list = |items: Vec<Json>| Json::Arr(items);
    match kind {
        Kind::BoolValue(v) => Json::Bool(*v),
        Kind::Int32Value(v) => Json::from(*v),
        Kind::FloatValue(v) => Json::Float(f64::from(*v)),
        Kind::DoubleValue(v) => Json::Float(*v),
        Kind::StringValue(v) => Json::from(v.as_str()),
        Kind::TimeValue(t) => time(t),
        Kind::ElapsedValue(d) => seconds(d),
        Kind::BoolArray(a) => list(a.values.iter().map(|v| Json::Bool(*v)).collect()),
        Kind::Int32Array(a) => list(a.values.iter().map(|v| Json::from(*v)).collect()),
        Kind::FloatArray(a) => list(
            a.values
                .iter()
                .map(|v| Json::Float(f64::from(*v)))
                .collect(),
        ),
        Kind::DoubleArray(a) => list(a.values.iter().map(|v| Json::Float(*v)).collect()),
        Kind::StringArray(a) => list(a.values.iter().map(|v| Json::from(v.as_str())).collect()),
        Kind::TimeArray(a) => list(a.values.iter().map(time).collect()),
        Kind::ElapsedArray(a) => list(a.values.iter().map(seconds).collect()),
        Kind::RecordValue(b) => Json::obj([("record", Json::Str(hex::encode(b)))]),
    }
}

/// The data type's name (`Integer`, ...), as `mxgateway-mx` spells it.
pub fn data_type_name(raw: i32) -> &'static str {
    mxgateway_mx::DataType::from_raw(raw).name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The proto oneof field name of a value's kind (`int32_value`, ...), or
    /// `empty`.
    pub fn kind_name(value: &v1::MxValue) -> &'static str {
        match &value.kind {
            None => "empty",
            Some(Kind::BoolValue(_)) => "bool_value",
            Some(Kind::Int32Value(_)) => "int32_value",
            Some(Kind::FloatValue(_)) => "float_value",
            Some(Kind::DoubleValue(_)) => "double_value",
            Some(Kind::StringValue(_)) => "string_value",
            Some(Kind::TimeValue(_)) => "time_value",
            Some(Kind::ElapsedValue(_)) => "elapsed_value",
            Some(Kind::BoolArray(_)) => "bool_array",
            Some(Kind::Int32Array(_)) => "int32_array",
            Some(Kind::FloatArray(_)) => "float_array",
            Some(Kind::DoubleArray(_)) => "double_array",
            Some(Kind::StringArray(_)) => "string_array",
            Some(Kind::TimeArray(_)) => "time_array",
            Some(Kind::ElapsedArray(_)) => "elapsed_array",
            Some(Kind::RecordValue(_)) => "record_value",
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Fixture {
        #[allow(dead_code)]
        description: String,
        version: u32,
        cases: Vec<Case>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Case {
        #[serde(rename = "type")]
        ty: String,
        input: String,
        #[serde(default)]
        data_type: Option<String>,
        #[serde(default)]
        variant_type: Option<i32>,
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        json: Option<Value>,
        #[serde(default)]
        json_text: Option<String>,
        #[serde(default)]
        error: Option<String>,
    }

    fn fixture() -> Fixture {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/values.json");
        let text = std::fs::read_to_string(path).expect("fixtures/values.json");
        serde_json::from_str(&text).expect("valid fixture")
    }

    #[test]
    fn shared_value_fixtures() {
        let fixture = fixture();
        assert_eq!(fixture.version, 1);
        assert!(fixture.cases.len() > 40);
        for case in &fixture.cases {
            let label = format!("{} {:?}", case.ty, case.input);
            let ty =
                ValueType::from_str(&case.ty, false).unwrap_or_else(|e| panic!("{label}: {e}"));
            let parsed = parse_value(ty, &case.input);
            if let Some(error) = &case.error {
                assert_eq!(error, "invalid-value", "{label}");
                assert!(parsed.is_err(), "{label}: parsed as {parsed:?}");
                continue;
            }
            let value = parsed.unwrap_or_else(|e| panic!("{label}: {e}"));
            let wire = mxgateway_client::value::to_wire(&value).unwrap();
            assert_eq!(
                Some(data_type_name(wire.data_type)),
                case.data_type.as_deref(),
                "{label}"
            );
            assert_eq!(Some(wire.variant_type), case.variant_type, "{label}");
            assert_eq!(Some(kind_name(&wire)), case.kind.as_deref(), "{label}");
            let text = render_value(&wire).render();
            let reparsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(Some(&reparsed), case.json.as_ref(), "{label}");
            assert_eq!(Some(&text), case.json_text.as_ref(), "{label}");
        }
    }

    #[test]
    fn every_type_is_covered_by_the_fixture() {
        let fixture = fixture();
        for ty in ValueType::value_variants() {
            let name = ty.name();
            assert!(
                fixture
                    .cases
                    .iter()
                    .any(|c| c.ty == name && c.error.is_none()),
                "no valid case for {name}"
            );
        }
    }

    #[test]
    fn renders_received_kinds_without_a_cli_type() {
        let record = v1::MxValue {
            data_type: 14,
            variant_type: 36,
            kind: Some(Kind::RecordValue(vec![0x0a, 0xff])),
        };
        assert_eq!(render_value(&record).render(), r#"{"record":"0aff"}"#);
        assert_eq!(render_value(&v1::MxValue::default()), Json::Null);
        let bad_time = v1::MxValue {
            kind: Some(Kind::TimeValue(prost_types::Timestamp {
                seconds: i64::MAX,
                nanos: 0,
            })),
            ..Default::default()
        };
        assert_eq!(render_value(&bad_time), Json::Null);
    }
}
