//! The JSON the CLI prints, written by hand so that it is byte-for-byte
//! predictable and identical to what `mxgw-py` prints:
//!
//! - objects keep the key order they were built with (no sorting);
//! - compact form, no spaces (Python: `separators=(",", ":")`);
//! - strings are UTF-8; only `"`, `\`, and control characters are escaped,
//!   as `serde_json` and Python's `json.dumps(..., ensure_ascii=False)` do;
//! - integers in plain decimal, `u64` as unsigned;
//! - doubles exactly as Python's `repr(float)`: the shortest digits that
//!   round-trip, fixed notation when the decimal exponent is in `-4..16`
//!   (always with a fractional part, `2.0`), else `1e+16` / `1.5e-05`.
//!
//! The output format is documented in `docs/cli-json.md`; it may grow new
//! keys only in new commands or behind new flags.

use std::fmt::Write as _;

/// A JSON value with ordered object keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// An object from `(key, value)` pairs, in order.
    pub fn obj<K: Into<String>>(fields: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Obj(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The compact JSON text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::UInt(u) => {
                let _ = write!(out, "{u}");
            }
            Json::Float(f) => out.push_str(&python_float(*f)),
            Json::Str(s) => write_str(s, out),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// A plain-text rendering for humans (not a contract): strings bare,
    /// everything else as JSON.
    pub fn human(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.render(),
        }
    }
}

fn write_str(s: &str, out: &mut String) {
    // serde_json's escaping is the same set as Python's with ensure_ascii=False.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

/// Formats a double as Python's `repr` does; non-finite values (which have
/// no JSON form and which the gateway never sends) become `null`.
pub fn python_float(v: f64) -> String {
    if !v.is_finite() {
        return "null".into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Python's repr.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                out.push_str(&"0".repeat(point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

impl From<bool> for Json {
    fn from(v: bool) -> Self {
        Json::Bool(v)
    }
}
impl From<i32> for Json {
    fn from(v: i32) -> Self {
        Json::Int(v.into())
    }
}
impl From<u32> for Json {
    fn from(v: u32) -> Self {
        Json::UInt(v.into())
    }
}
impl From<u64> for Json {
    fn from(v: u64) -> Self {
        Json::UInt(v)
    }
}
impl From<f64> for Json {
    fn from(v: f64) -> Self {
        Json::Float(v)
    }
}
impl From<&str> for Json {
    fn from(v: &str) -> Self {
        Json::Str(v.to_string())
    }
}
impl From<String> for Json {
    fn from(v: String) -> Self {
        Json::Str(v)
    }
}
impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Self {
        v.map_or(Json::Null, Into::into)
    }
}
impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(v: Vec<T>) -> Self {
        Json::Arr(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (2.0, "2.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (123456789012345.6, "123456789012345.6"),
            (f64::from(0.1_f32), "0.10000000149011612"),
            (f64::from(f32::MAX), "3.4028234663852886e+38"),
            (1e300, "1e+300"),
            (-2.5e-300, "-2.5e-300"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (f64::NAN, "null"),
        ];
        for (v, text) in cases {
            assert_eq!(python_float(v), text, "{v:e}");
        }
    }

    #[test]
    fn objects_keep_order_and_are_compact() {
        let j = Json::obj([
            ("z", Json::from(1)),
            ("a", Json::from("x\"y\n")),
            ("m", Json::from(vec![Json::Null, Json::from(u64::MAX)])),
        ]);
        assert_eq!(
            j.render(),
            r#"{"z":1,"a":"x\"y\n","m":[null,18446744073709551615]}"#
        );
        assert_eq!(Json::from("ü").render(), "\"ü\"");
    }
}
