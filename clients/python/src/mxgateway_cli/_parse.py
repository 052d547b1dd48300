"""``--type`` / ``--value`` / ``--timestamp`` parsing, as ``mxgw`` does it.

The grammar is in ``docs/cli-json.md``; ``fixtures/values.json`` pins it for
both CLIs. Values are built as wire ``MxValue`` messages directly, because
times and elapsed times are exact to the nanosecond here.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from google.protobuf import duration_pb2, timestamp_pb2

from mxgateway import pb
from mxgateway._values import VALUE_TYPES, VariantType, duration_from_nanos

from ._rfc3339 import _rust_debug, parse_timestamp

__all__ = ["VALUE_TYPES", "InvalidValue", "parse_time", "parse_value"]

T = TypeVar("T")

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


class InvalidValue(ValueError):
    """A ``--value`` (or ``--timestamp``) that does not fit its type."""


def _invalid(text: str, what: str) -> InvalidValue:
    return InvalidValue(f"{_rust_debug(text)} is not a valid {what}")


def _non_finite(text: str) -> InvalidValue:
    return InvalidValue(
        f"{_rust_debug(text)} is not finite: MXAccess has no representation for NaN or infinity"
    )


def _is_non_finite_word(text: str) -> bool:
    return text.lstrip("+-").lower() in ("nan", "inf", "infinity")


def _parse_bool(text: str) -> bool:
    lowered = text.lower() if text.isascii() else text
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _invalid(text, "bool (true, false, 1 or 0)")


def _parse_int32(text: str) -> int:
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not all("0" <= c <= "9" for c in digits):
        raise _invalid(text, "int32")
    value = int(text)
    if not -(2**31) <= value <= 2**31 - 1:
        raise InvalidValue(f"{_rust_debug(text)} is outside the int32 range")
    return value


def _parse_double(text: str) -> float:
    if _is_non_finite_word(text):
        raise _non_finite(text)
    if not _DECIMAL.fullmatch(text):
        raise _invalid(text, "number")
    value = float(text)
    if not math.isfinite(value):
        raise _non_finite(text)
    return value


def _f32_bits(x: float) -> int:
    bits: int = struct.unpack("<I", struct.pack("<f", x))[0]
    return bits


def _f32_from_bits(bits: int) -> float:
    value: float = struct.unpack("<f", struct.pack("<I", bits))[0]
    return value


def _parse_float(text: str) -> float:
    """Parses to the nearest 32-bit float, rounding the decimal text once (as Rust does)."""
    if _is_non_finite_word(text):
        raise _non_finite(text)
    if not _DECIMAL.fullmatch(text):
        raise _invalid(text, "number")
    as_double = float(text)
    try:
        rounded = _f32_from_bits(_f32_bits(as_double))
    except OverflowError:
        raise _non_finite(text) from None
    if not math.isfinite(rounded):
        raise _non_finite(text)
    # Going through a double can round twice; pick the 32-bit float nearest
    # to the exact decimal among the neighbours (ties to even).
    exact = abs(Decimal(text))
    magnitude = abs(rounded)
    bits = _f32_bits(magnitude)
    best_bits, best_err = bits, abs(Decimal(magnitude) - exact)
    for candidate in (bits - 1, bits + 1):
        if candidate < 0 or candidate >= 0x7F800000:
            continue
        err = abs(Decimal(_f32_from_bits(candidate)) - exact)
        if err < best_err or (err == best_err and candidate % 2 == 0):
            best_bits, best_err = candidate, err
    result = _f32_from_bits(best_bits)
    return -result if text.startswith("-") else result


def parse_time(text: str) -> timestamp_pb2.Timestamp:
    """An RFC 3339 time within the i64-nanosecond range MXAccess times can hold."""
    try:
        seconds, nanos = parse_timestamp(text)
    except ValueError as e:
        raise InvalidValue(str(e)) from None
    total = seconds * 1_000_000_000 + nanos
    if not _I64_MIN <= total <= _I64_MAX:
        raise InvalidValue(
            f"{_rust_debug(text)} is outside the representable range "
            "1677-09-21T00:12:43.145224192Z..2262-04-11T23:47:16.854775807Z"
        )
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def _parse_elapsed(text: str) -> duration_pb2.Duration:
    """Seconds exact to the nanosecond: ``[+-]?(\\d+(\\.\\d{0,9})?|\\.\\d{1,9})``."""
    if _is_non_finite_word(text):
        raise _non_finite(text)
    bad = _invalid(text, "number of seconds (e.g. 1.5)")
    negative = text.startswith("-")
    body = text[1:] if text[:1] in ("+", "-") else text
    whole, _, frac = body.partition(".")

    def ascii_digits(s: str) -> bool:
        return all("0" <= c <= "9" for c in s)

    if (not whole and not frac) or len(frac) > 9 or not ascii_digits(whole + frac):
        raise bad
    secs = int(whole) if whole else 0
    if secs > _I64_MAX:
        raise bad
    nanos = secs * 1_000_000_000 + (int(frac.ljust(9, "0")) if frac else 0)
    if nanos > _I64_MAX:
        raise InvalidValue(f"{_rust_debug(text)} seconds is out of range")
    return duration_from_nanos(-nanos if negative else nanos)


def _ryu_text(value: float) -> str:
    """A double as serde_json (ryu) prints it, e.g. ``1000.0``, ``1e-7``, ``1e22``."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    dec = Decimal(repr(abs(value))).normalize()
    digits = "".join(str(d) for d in dec.as_tuple().digits)
    exponent = dec.as_tuple().exponent
    assert isinstance(exponent, int)
    length = len(digits)
    kk = length + exponent  # the decimal point's position after the first digit
    if 0 <= exponent and kk <= 16:
        return f"{sign}{digits}{'0' * exponent}.0"
    if 0 < kk <= 16:
        return f"{sign}{digits[:kk]}.{digits[kk:]}"
    if -5 < kk <= 0:
        return f"{sign}0.{'0' * -kk}{digits}"
    mantissa = digits if length == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{kk - 1}"


class _Constant(ValueError):
    pass


def _reject_constant(name: str) -> object:
    raise _Constant(name)


def _array_elements(text: str, allow_scalars: bool) -> list[str]:
    """The element texts of a JSON array: strings give their content, numbers and
    booleans (where allowed) the text ``mxgw`` sees for them."""
    what = "numbers, booleans or strings" if allow_scalars else "strings"
    bad = InvalidValue(f"{_rust_debug(text)} is not a JSON array of {what}")
    try:
        items = json.loads(
            text,
            parse_int=lambda s: ("int", s),
            parse_float=lambda s: ("float", s),
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError):
        raise bad from None
    if not isinstance(items, list):
        raise bad
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool) and allow_scalars:
            out.append("true" if item else "false")
        elif isinstance(item, tuple) and allow_scalars:
            kind, token = item
            number = int(token) if kind == "int" else None
            if number is not None and _I64_MIN <= number <= 2**64 - 1:
                out.append(str(number))
                continue
            as_double = float(token)
            if not math.isfinite(as_double):
                raise bad  # serde_json rejects numbers out of the double range
            out.append(_ryu_text(as_double))
        else:
            raise bad
    return out


def _each(text: str, allow_scalars: bool, parse: Callable[[str], T]) -> list[T]:
    return [parse(s) for s in _array_elements(text, allow_scalars)]


def parse_value(value_type: str, text: str) -> pb.MxValue:
    """Parses ``--value`` as ``--type`` into a wire value."""
    if value_type not in VALUE_TYPES:
        raise InvalidValue(f"unknown type {value_type!r}")
    out = pb.MxValue()
    if value_type == "bool":
        out.bool_value = _parse_bool(text)
    elif value_type == "int32":
        out.int32_value = _parse_int32(text)
    elif value_type == "float":
        out.float_value = _parse_float(text)
    elif value_type == "double":
        out.double_value = _parse_double(text)
    elif value_type == "string":
        out.string_value = text
    elif value_type == "time":
        out.time_value.CopyFrom(parse_time(text))
    elif value_type == "elapsed":
        out.elapsed_value.CopyFrom(_parse_elapsed(text))
    elif value_type == "bool-array":
        out.bool_array.values.extend(_each(text, True, _parse_bool))
    elif value_type == "int32-array":
        out.int32_array.values.extend(_each(text, True, _parse_int32))
    elif value_type == "float-array":
        out.float_array.values.extend(_each(text, True, _parse_float))
    elif value_type == "double-array":
        out.double_array.values.extend(_each(text, True, _parse_double))
    elif value_type == "string-array":
        out.string_array.values.extend(_each(text, False, str))
    elif value_type == "time-array":
        out.time_array.values.extend(_each(text, False, parse_time))
    else:
        out.elapsed_array.values.extend(_each(text, True, _parse_elapsed))
    _set_types(out, value_type)
    return out


_ARRAY_FIELDS = {
    "bool-array": "bool_array",
    "int32-array": "int32_array",
    "float-array": "float_array",
    "double-array": "double_array",
    "string-array": "string_array",
    "time-array": "time_array",
    "elapsed-array": "elapsed_array",
}

_DATA_TYPES = {
    "bool": (pb.MX_DATA_TYPE_BOOLEAN, VariantType.BOOL),
    "int32": (pb.MX_DATA_TYPE_INTEGER, VariantType.I4),
    "float": (pb.MX_DATA_TYPE_FLOAT, VariantType.R4),
    "double": (pb.MX_DATA_TYPE_DOUBLE, VariantType.R8),
    "string": (pb.MX_DATA_TYPE_STRING, VariantType.BSTR),
    "time": (pb.MX_DATA_TYPE_TIME, VariantType.DATE),
    "elapsed": (pb.MX_DATA_TYPE_ELAPSED_TIME, VariantType.R8),
}


def _set_types(out: pb.MxValue, value_type: str) -> None:
    element = value_type.removesuffix("-array")
    data_type, variant = _DATA_TYPES[element]
    out.data_type = data_type
    out.variant_type = variant
    if value_type in _ARRAY_FIELDS:
        out.variant_type = variant | VariantType.ARRAY
        # An empty array leaves the oneof unset; select the arm explicitly.
        getattr(out, _ARRAY_FIELDS[value_type]).SetInParent()
