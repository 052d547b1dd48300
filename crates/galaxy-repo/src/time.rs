//! `galaxy.time_of_last_deploy` as text.
//!
//! Both dialects return the deploy time as ISO-8601 text, so one parser serves both:
//! the SQLite copy stores `2026-05-01T12:00:00.123456789Z` (nanoseconds, so the time
//! handed to a rebuild comes back exactly), and SQL Server's `datetime` column is
//! converted with style 126 (`2026-05-01T12:00:00.123`). A time without an offset is
//! taken as UTC **(guess: whether ZB stores local or UTC time is unconfirmed)**.

use mxgateway_mx::Timestamp;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// `YYYY-MM-DDTHH:MM:SS.fffffffffZ`, always with nine fraction digits.
pub(crate) fn format(ts: Timestamp) -> String {
    let seconds = ts.seconds();
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        ts.subsec_nanos()
    )
}

/// Parses `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z]` (up to nine fraction digits; `Z` or
/// `+00:00` optional). `None` for anything else.
pub(crate) fn parse(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let text = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix("+00:00"))
        .unwrap_or(text);
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let hour = digits(&text[11..13])?;
    let minute = digits(&text[14..16])?;
    let second = digits(&text[17..19])?;
    let nanos = match &text[19..] {
        "" => 0,
        fraction => {
            let fraction = fraction.strip_prefix('.')?;
            if fraction.is_empty() || fraction.len() > 9 {
                return None;
            }
            let value = digits(fraction)?;
            value * 10_i64.pow(9 - fraction.len() as u32)
        }
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    Some(Timestamp {
        unix_nanos: seconds.checked_mul(NANOS_PER_SECOND)?.checked_add(nanos)?,
    })
}

/// A run of ASCII digits as a number (no sign, no spaces).
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// The two conversions below count days in 400-year eras of the proleptic Gregorian
// calendar, with years starting on March 1st so that the leap day comes last.

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_nanoseconds() {
        for nanos in [
            0_i64,
            1,
            1_704_067_200_000_000_000,
            1_714_564_800_123_456_789,
            951_782_400_000_000_000,    // 2000-02-29
            -1,                         // 1969-12-31T23:59:59.999999999
            9_000_000_000_000_000_000,  // 2255
            -9_000_000_000_000_000_000, // 1684
        ] {
            let ts = Timestamp { unix_nanos: nanos };
            let text = format(ts);
            assert_eq!(parse(&text), Some(ts), "{text}");
        }
        assert_eq!(
            format(Timestamp {
                unix_nanos: 1_714_564_800_123_456_789
            }),
            "2024-05-01T12:00:00.123456789Z"
        );
    }

    #[test]
    fn parses_sql_server_style_126_and_sqlite_forms() {
        let expected = Timestamp::from_parts(1_714_564_800, 123_000_000);
        assert_eq!(parse("2024-05-01T12:00:00.123"), Some(expected));
        assert_eq!(parse("2024-05-01 12:00:00.123"), Some(expected));
        assert_eq!(parse("2024-05-01T12:00:00.123+00:00"), Some(expected));
        assert_eq!(
            parse("2024-05-01T12:00:00"),
            Some(Timestamp::from_parts(1_714_564_800, 0))
        );
    }

    #[test]
    fn rejects_malformed_text() {
        for text in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00",
            "2023-02-29T00:00:00",
            "2024-05-01T24:00:00",
            "2024-05-01T12:00:00.",
            "2024-05-01T12:00:00.1234567890",
            "2024-05-01T12:00:00+02:00",
            "2024-05-01X12:00:00",
            "+024-05-01T12:00:00",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
