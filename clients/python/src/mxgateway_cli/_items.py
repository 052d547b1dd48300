"""The entries of the bulk commands, from repeated flags and ``--items-file``.

Flag entries come first, then the file's (``docs/cli-json.md``, "Bulk
commands"). A file has one entry per line; surrounding whitespace is trimmed
(the characters Rust's ``str::trim`` removes, so both CLIs agree), and blank
lines and lines starting with ``#`` are skipped. Lines end at ``\\n`` (a
trailing ``\\r`` is whitespace). Flag entries are taken verbatim.

Everything is parsed before any network use: a malformed entry is a
``usage`` error (a handle that is not an int32, ``HANDLE=VALUE`` without
``=``) or an ``invalid-value`` error (a value not valid for ``--type``),
naming the entry, and nothing is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mxgateway import pb

from ._parse import InvalidValue, parse_value
from ._rfc3339 import _rust_debug

__all__ = [
    "Entry",
    "EntryError",
    "RUST_WHITESPACE",
    "collect",
    "parse_handle",
    "parse_handle_value",
    "read_items_file",
]

#: Unicode White_Space, the set Rust's ``char::is_whitespace`` (and ``str::trim``) uses.
#: Python's ``str.strip()`` also strips U+001C..U+001F, which Rust keeps.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

_INT32 = re.compile(r"[+-]?[0-9]+")


class EntryError(Exception):
    """A malformed entry or an unreadable items file: a ``usage`` error."""


@dataclass(frozen=True)
class Entry:
    """One entry's text and where it came from (``--item 2`` or ``FILE line 3``)."""

    text: str
    where: str


def read_items_file(path: str) -> list[Entry]:
    """The entries of an items file (UTF-8), blank and ``#`` lines skipped."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as e:
        raise EntryError(f"cannot read items file {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise EntryError(f"cannot read items file {path}: it is not valid UTF-8") from None
    entries: list[Entry] = []
    for number, line in enumerate(text.split("\n"), start=1):
        entry = line.strip(RUST_WHITESPACE)
        if entry and not entry.startswith("#"):
            entries.append(Entry(entry, f"items file {path} line {number}"))
    return entries


def collect(flag: str, values: tuple[str, ...], items_file: str | None) -> list[Entry]:
    """The flag entries (numbered from 1), then the items file's; at least one."""
    entries = [Entry(v, f"{flag} #{i}") for i, v in enumerate(values, start=1)]
    if items_file is not None:
        entries.extend(read_items_file(items_file))
    if not entries:
        raise EntryError(f"no entries: give at least one {flag} or an --items-file")
    return entries


def parse_handle(entry: Entry) -> int:
    """An item handle: ``[+-]?[0-9]+`` within the int32 range."""
    return _handle(entry.text, entry)


def _handle(text: str, entry: Entry) -> int:
    if not _INT32.fullmatch(text) or not -(2**31) <= int(text) <= 2**31 - 1:
        raise EntryError(f"{entry.where}: {_rust_debug(text)} is not an int32 item handle")
    return int(text)


def parse_handle_value(entry: Entry, value_type: str) -> tuple[int, pb.MxValue]:
    """``HANDLE=VALUE``: the text after the first ``=`` is the value, verbatim."""
    handle_text, sep, value_text = entry.text.partition("=")
    if not sep:
        raise EntryError(f"{entry.where}: {_rust_debug(entry.text)} is not HANDLE=VALUE (no '=')")
    handle = _handle(handle_text, entry)
    try:
        value = parse_value(value_type, value_text)
    except InvalidValue as e:
        raise InvalidValue(f"{entry.where}: {e}") from None
    return handle, value
