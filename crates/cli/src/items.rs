//! The entries of the bulk commands, from repeated flags and `--items-file`.
//!
//! Flag entries come first, then the file's (`docs/cli-json.md`, "Bulk
//! commands"). A file is UTF-8 with one entry per line; lines end at `\n`,
//! surrounding whitespace (`str::trim`, so a `\r` too) is removed, and blank
//! lines and lines starting with `#` are skipped. Flag entries are taken
//! verbatim. `mxgw-py` reads entries the same way (`mxgateway_cli._items`).
//!
//! Everything is parsed before any network use. A malformed entry is a
//! `usage` error (a handle that is not an int32, `HANDLE=VALUE` without `=`)
//! or an `invalid-value` error (a value not valid for `--type`); either names
//! the entry (`--item #2`, `items file PATH line 3`), and nothing is sent.

use std::path::Path;

use mxgateway_mx::MxValue;

use crate::commands::CliError;
use crate::values::{self, ValueType};

/// One entry's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub text: String,
    /// `--item #2` or `items file PATH line 3`, for error messages.
    pub place: String,
}

fn usage(message: String) -> CliError {
    CliError::new("usage", message)
}

/// The entries of an items file.
pub fn read_items_file(path: &Path) -> Result<Vec<Entry>, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        // "No such file or directory", without Rust's "(os error 2)".
        let text = e.to_string();
        let reason = text
            .rsplit_once(" (os error ")
            .map_or(text.as_str(), |(reason, _)| reason);
        usage(format!(
            "cannot read items file {}: {reason}",
            path.display()
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        usage(format!(
            "cannot read items file {}: it is not valid UTF-8",
            path.display()
        ))
    })?;
    Ok(text
        .split('\n')
        .enumerate()
        .filter_map(|(i, line)| {
            let entry = line.trim();
            (!entry.is_empty() && !entry.starts_with('#')).then(|| Entry {
                text: entry.to_string(),
                place: format!("items file {} line {}", path.display(), i + 1),
            })
        })
        .collect())
}

/// The flag entries (numbered from 1), then the items file's; at least one.
pub fn collect(
    flag: &str,
    values: &[String],
    items_file: Option<&Path>,
) -> Result<Vec<Entry>, CliError> {
    let mut entries: Vec<Entry> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Entry {
            text: v.clone(),
            place: format!("{flag} #{}", i + 1),
        })
        .collect();
    if let Some(path) = items_file {
        entries.extend(read_items_file(path)?);
    }
    if entries.is_empty() {
        return Err(usage(format!(
            "no entries: give at least one {flag} or an --items-file"
        )));
    }
    Ok(entries)
}

/// The references of a definition-based command.
pub fn references(values: &[String], items_file: Option<&Path>) -> Result<Vec<String>, CliError> {
    Ok(collect("--item", values, items_file)?
        .into_iter()
        .map(|e| e.text)
        .collect())
}

/// The item handles of a handle-based command.
pub fn handles(values: &[String], items_file: Option<&Path>) -> Result<Vec<i32>, CliError> {
    collect("--item-handle", values, items_file)?
        .iter()
        .map(|e| handle(&e.text, e))
        .collect()
}

/// The `(handle, value)` pairs of a write command, every value as `ty`.
pub fn handle_values(
    values: &[String],
    items_file: Option<&Path>,
    ty: ValueType,
) -> Result<Vec<(i32, MxValue)>, CliError> {
    collect("--item", values, items_file)?
        .iter()
        .map(|e| handle_value(e, ty))
        .collect()
}

/// An item handle: `[+-]?[0-9]+` within the int32 range (the `--type int32`
/// grammar).
fn handle(text: &str, entry: &Entry) -> Result<i32, CliError> {
    match values::parse_value(ValueType::Int32, text) {
        Ok(MxValue::Int32(h)) => Ok(h),
        _ => Err(usage(format!(
            "{}: {text:?} is not an int32 item handle",
            entry.place
        ))),
    }
}

/// `HANDLE=VALUE`: the text after the first `=` is the value, verbatim.
fn handle_value(entry: &Entry, ty: ValueType) -> Result<(i32, MxValue), CliError> {
    let Some((handle_text, value_text)) = entry.text.split_once('=') else {
        return Err(usage(format!(
            "{}: {:?} is not HANDLE=VALUE (no '=')",
            entry.place, entry.text
        )));
    };
    let h = handle(handle_text, entry)?;
    let value = values::parse_value(ty, value_text)
        .map_err(|e| CliError::new("invalid-value", format!("{}: {e}", entry.place)))?;
    Ok((h, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn file(text: &[u8]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn flag_entries_come_first_and_files_skip_blank_and_comment_lines() {
        let f =
            file(b"  A.B  \n\n# a comment\n   # indented comment\r\nC.D\r\n\t\n E.F#not-a-comment");
        let refs = references(&strings(&["X.Y"]), Some(f.path())).unwrap();
        assert_eq!(refs, ["X.Y", "A.B", "C.D", "E.F#not-a-comment"]);
        let entries = collect("--item", &[], Some(f.path())).unwrap();
        let place = format!("items file {} line 5", f.path().display());
        assert_eq!(entries[1].place, place);
        // Flag entries are verbatim.
        assert_eq!(references(&strings(&[" A "]), None).unwrap(), [" A "]);
    }

    #[test]
    fn no_entries_is_a_usage_error() {
        let e = references(&[], None).unwrap_err();
        assert_eq!(e.kind, "usage");
        assert!(e.message.contains("no entries"), "{e}");
        let f = file(b"\n# only comments\n   \n");
        let e = handles(&[], Some(f.path())).unwrap_err();
        assert_eq!(e.kind, "usage");
        assert!(e.message.contains("--item-handle"), "{e}");
    }

    #[test]
    fn handles_use_the_int32_grammar_and_name_the_entry() {
        let f = file(b"2\n  -3  \n+4\n");
        assert_eq!(
            handles(&strings(&["1"]), Some(f.path())).unwrap(),
            [1, 2, -3, 4]
        );
        for bad in ["x", "1.0", " 1", "", "2147483648", "0x10", "1_000"] {
            let e = handles(&strings(&["1", bad]), None).unwrap_err();
            assert_eq!(e.kind, "usage", "{bad:?}");
            assert!(e.message.starts_with("--item-handle #2: "), "{e}");
            assert!(e.message.contains("is not an int32 item handle"), "{e}");
        }
        let f = file(b"1\n\nseven\n");
        let e = handles(&[], Some(f.path())).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "items file {} line 3: \"seven\" is not an int32 item handle",
                f.path().display()
            )
        );
    }

    #[test]
    fn handle_values_split_at_the_first_equals_sign() {
        let f = file(b"3 = x\n4=\n");
        let got = handle_values(
            &strings(&["2=a=b", "-1= padded "]),
            Some(f.path()),
            ValueType::String,
        );
        // "3 " is not a handle: only the line's ends are trimmed.
        let e = got.unwrap_err();
        assert_eq!(e.kind, "usage");
        assert!(e.message.contains("line 1"), "{e}");
        let got = handle_values(
            &strings(&["2=a=b", "-1= padded ", "4="]),
            None,
            ValueType::String,
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (2, MxValue::String("a=b".into())),
                (-1, MxValue::String(" padded ".into())),
                (4, MxValue::String(String::new())),
            ]
        );
    }

    #[test]
    fn malformed_write_entries_are_usage_or_invalid_value_errors() {
        let e = handle_values(&strings(&["2:5"]), None, ValueType::Int32).unwrap_err();
        assert_eq!(e.kind, "usage");
        assert_eq!(e.message, "--item #1: \"2:5\" is not HANDLE=VALUE (no '=')");
        let e = handle_values(&strings(&["two=5"]), None, ValueType::Int32).unwrap_err();
        assert_eq!(e.kind, "usage");
        let e = handle_values(&strings(&["2=5", "3=abc"]), None, ValueType::Int32).unwrap_err();
        assert_eq!(e.kind, "invalid-value");
        assert!(e.message.starts_with("--item #2: "), "{e}");
        let f = file(b"2=1.5\n3=nan\n");
        let e = handle_values(&[], Some(f.path()), ValueType::Double).unwrap_err();
        assert_eq!(e.kind, "invalid-value");
        assert!(e.message.contains("line 2"), "{e}");
    }

    #[test]
    fn unreadable_files_are_usage_errors() {
        let e = references(&[], Some(Path::new("/nonexistent/items.txt"))).unwrap_err();
        assert_eq!(e.kind, "usage");
        assert_eq!(
            e.message,
            "cannot read items file /nonexistent/items.txt: No such file or directory"
        );
        let f = file(b"A.B\n\xff\n");
        let e = references(&[], Some(f.path())).unwrap_err();
        assert!(e.message.contains("not valid UTF-8"), "{e}");
    }
}
