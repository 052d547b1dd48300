//! RFC 3339 timestamps, written and read without a date library.
//!
//! Output is the protobuf JSON form, which Python's
//! `Timestamp.ToJsonString()` also produces: UTC, a `Z` suffix, and 0, 3, 6
//! or 9 fractional digits (the fewest that keep the value exact).
//! Input is strict: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`; `t` and `z` may
//! be lower case; the offset is required; leap seconds are not accepted.

/// Seconds per day.
const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if month <= 2 { y + 1 } else { y }, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Formats seconds and nanoseconds since the epoch; `None` outside the
/// years 0001..=9999 (the protobuf Timestamp range) or for nanos outside
/// `0..1e9`.
pub fn format(seconds: i64, nanos: i32) -> Option<String> {
    if !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    let (year, month, day) = civil_from_days(seconds.div_euclid(DAY));
    if !(1..=9999).contains(&year) {
        return None;
    }
    let secs = seconds.rem_euclid(DAY);
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if nanos != 0 {
        if nanos % 1_000_000 == 0 {
            text.push_str(&format!(".{:03}", nanos / 1_000_000));
        } else if nanos % 1000 == 0 {
            text.push_str(&format!(".{:06}", nanos / 1000));
        } else {
            text.push_str(&format!(".{nanos:09}"));
        }
    }
    text.push('Z');
    Some(text)
}

/// Parses a timestamp into seconds since the epoch (UTC) and nanoseconds.
pub fn parse(text: &str) -> Result<(i64, i32), String> {
    let bad = || {
        format!("{text:?} is not an RFC 3339 timestamp (expected e.g. 2024-01-02T03:04:05.5Z or ...+01:00)")
    };
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let year = digits(0..4).ok_or_else(bad)?;
    let month = digits(5..7).ok_or_else(bad)? as u32;
    let day = digits(8..10).ok_or_else(bad)? as u32;
    let hour = digits(11..13).ok_or_else(bad)?;
    let minute = digits(14..16).ok_or_else(bad)?;
    let second = digits(17..19).ok_or_else(bad)?;
    if year < 1
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad());
    }
    let mut pos = 19;
    let mut nanos: i32 = 0;
    if b[pos] == b'.' {
        let start = pos + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        let count = end - start;
        if count == 0 || count > 9 {
            return Err(bad());
        }
        let frac = digits(start..end).ok_or_else(bad)? as i32;
        nanos = frac * 10_i32.pow((9 - count) as u32);
        pos = end;
    }
    let offset_secs = match &b[pos..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let oh = digits(pos + 1..pos + 3).ok_or_else(bad)?;
            let om = digits(pos + 4..pos + 6).ok_or_else(bad)?;
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let offset = oh * 3600 + om * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return Err(bad()),
    };
    let local = days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
    Ok((local - offset_secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_0_3_6_or_9_digits() {
        assert_eq!(format(0, 0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            format(1_700_000_000, 500_000_000).unwrap(),
            "2023-11-14T22:13:20.500Z"
        );
        assert_eq!(
            format(1_700_000_000, 1000).unwrap(),
            "2023-11-14T22:13:20.000001Z"
        );
        assert_eq!(
            format(1_700_000_000, 1).unwrap(),
            "2023-11-14T22:13:20.000000001Z"
        );
        assert_eq!(format(-1, 0).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(format(951_782_400, 0).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(format(253_402_300_799, 0).unwrap(), "9999-12-31T23:59:59Z");
        assert_eq!(format(253_402_300_800, 0), None);
        assert_eq!(format(-62_135_596_800, 0).unwrap(), "0001-01-01T00:00:00Z");
        assert_eq!(format(-62_135_596_801, 0), None);
        assert_eq!(format(0, -1), None);
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse("1970-01-01T00:00:00Z").unwrap(), (0, 0));
        assert_eq!(parse("1970-01-01t01:00:00+01:00").unwrap(), (0, 0));
        assert_eq!(
            parse("1969-12-31T23:00:00.25-01:00").unwrap(),
            (0, 250_000_000)
        );
        assert_eq!(
            parse("2023-11-14T22:13:20.123456789z").unwrap(),
            (1_700_000_000, 123_456_789)
        );
        assert_eq!(parse("2000-02-29T00:00:00Z").unwrap(), (951_782_400, 0));
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "",
            "2024-01-02",
            "2024-01-02T03:04:05",
            "2024-01-02 03:04:05Z",
            "2024-13-02T03:04:05Z",
            "2023-02-29T03:04:05Z",
            "2024-01-02T24:00:00Z",
            "2024-01-02T03:04:60Z",
            "2024-01-02T03:04:05.Z",
            "2024-01-02T03:04:05.1234567891Z",
            "2024-01-02T03:04:05+0100",
            "2024-01-02T03:04:05+24:00",
            "0000-01-01T00:00:00Z",
            "2024-01-02T03:04:05Zjunk",
            "２０２４-01-02T03:04:05Z",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_across_the_range() {
        let mut s = -62_135_596_800_i64;
        while s < 253_402_300_799 {
            let text = format(s, 0).unwrap();
            assert_eq!(parse(&text).unwrap(), (s, 0), "{text}");
            s += 86_400 * 97 + 3_671;
        }
    }
}
