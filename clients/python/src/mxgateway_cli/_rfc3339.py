"""RFC 3339 timestamps for the CLI, exact to the nanosecond (``datetime`` is not).

Output is the protobuf JSON form: UTC, ``Z``, and 0, 3, 6 or 9 fractional
digits (the fewest that keep the value exact); ``None`` outside years
1..9999. Input is strict: ``YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)``, with
``t``/``z`` accepted. Both directions match ``mxgw`` byte for byte.
"""

from __future__ import annotations

__all__ = ["format_timestamp", "parse_timestamp"]

_DAY = 86_400
_MIN_SECONDS = -62_135_596_800  # 0001-01-01T00:00:00Z
_MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = year - 1 if month <= 2 else year
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719_468
    era = (z if z >= 0 else z - 146_096) // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if month <= 2 else y), month, day


def _days_in_month(year: int, month: int) -> int:
    if month in (1, 3, 5, 7, 8, 10, 12):
        return 31
    if month in (4, 6, 9, 11):
        return 30
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    return 29 if leap else 28


def format_timestamp(seconds: int, nanos: int) -> str | None:
    """Formats seconds and nanoseconds since the epoch, or ``None`` if unrepresentable."""
    if not 0 <= nanos < 1_000_000_000 or not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
        return None
    year, month, day = _civil_from_days(seconds // _DAY)
    secs = seconds % _DAY
    text = f"{year:04}-{month:02}-{day:02}T{secs // 3600:02}:{secs % 3600 // 60:02}:{secs % 60:02}"
    if nanos:
        if nanos % 1_000_000 == 0:
            text += f".{nanos // 1_000_000:03}"
        elif nanos % 1000 == 0:
            text += f".{nanos // 1000:06}"
        else:
            text += f".{nanos:09}"
    return text + "Z"


def _rust_debug(text: str) -> str:
    """The quoted form error messages use (close to Rust's ``{:?}``)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def parse_timestamp(text: str) -> tuple[int, int]:
    """Parses into (seconds since the epoch in UTC, nanoseconds); ``ValueError`` if invalid."""
    bad = ValueError(
        f"{_rust_debug(text)} is not an RFC 3339 timestamp "
        "(expected e.g. 2024-01-02T03:04:05.5Z or ...+01:00)"
    )
    b = text.encode("utf-8")

    def digits(start: int, end: int) -> int:
        part = b[start:end]
        if len(part) != end - start or not part or not all(0x30 <= c <= 0x39 for c in part):
            raise bad
        return int(part)

    if (
        len(b) < 20
        or b[4:5] != b"-"
        or b[7:8] != b"-"
        or b[10:11] not in (b"T", b"t")
        or b[13:14] != b":"
        or b[16:17] != b":"
    ):
        raise bad
    year, month, day = digits(0, 4), digits(5, 7), digits(8, 10)
    hour, minute, second = digits(11, 13), digits(14, 16), digits(17, 19)
    if (
        year < 1
        or not 1 <= month <= 12
        or not 1 <= day <= _days_in_month(year, month)
        or hour > 23
        or minute > 59
        or second > 59
    ):
        raise bad
    pos = 19
    nanos = 0
    if b[pos : pos + 1] == b".":
        start = end = pos + 1
        while end < len(b) and 0x30 <= b[end] <= 0x39:
            end += 1
        count = end - start
        if count == 0 or count > 9:
            raise bad
        nanos = digits(start, end) * 10 ** (9 - count)
        pos = end
    rest = b[pos:]
    if rest in (b"Z", b"z"):
        offset = 0
    elif len(rest) == 6 and rest[0:1] in (b"+", b"-") and rest[3:4] == b":":
        oh, om = digits(pos + 1, pos + 3), digits(pos + 4, pos + 6)
        if oh > 23 or om > 59:
            raise bad
        offset = oh * 3600 + om * 60
        if rest[0:1] == b"-":
            offset = -offset
    else:
        raise bad
    local = _days_from_civil(year, month, day) * _DAY + hour * 3600 + minute * 60 + second
    return local - offset, nanos
