"""Python values to and from the wire ``MxValue``.

:func:`to_mx_value` maps ``None`` (empty), ``bool``, ``int`` (int32),
``float`` (double), ``str``, aware ``datetime`` (time), ``timedelta``
(elapsed time), ``bytes`` (an opaque ``VT_RECORD`` that MXAccess does not
interpret) and lists of the scalar kinds. ``as_type`` picks a kind explicitly,
using the CLI's type names (``float`` for a 32-bit float, ``double-array``,
...); it is needed for empty lists and 32-bit floats.

Non-finite floats (``nan``, ``inf``, ``-inf``) are rejected with
``ValueError``, scalar and inside arrays: MXAccess has no representation for
them. :func:`from_mx_value` rejects them on the way in, too.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TypeAlias

from google.protobuf import duration_pb2, timestamp_pb2

from .generated.mxgateway.v1 import values_pb2

__all__ = [
    "VALUE_TYPES",
    "MxValueInput",
    "MxValueOutput",
    "TimestampInput",
    "VariantType",
    "data_type_name",
    "duration_from_nanos",
    "from_mx_value",
    "timestamp_from_datetime",
    "to_mx_value",
    "to_timestamp",
]

Scalar: TypeAlias = "bool | int | float | str | datetime | timedelta"
#: What :func:`to_mx_value` accepts.
MxValueInput: TypeAlias = "Scalar | bytes | Sequence[Scalar] | values_pb2.MxValue | None"
#: What :func:`from_mx_value` returns.
MxValueOutput: TypeAlias = (
    "bool | int | float | str | datetime | timedelta | bytes | list[bool] | list[int]"
    " | list[float] | list[str] | list[datetime] | list[timedelta] | None"
)

#: A source timestamp: an aware ``datetime`` or a protobuf ``Timestamp`` (nanoseconds).
TimestampInput: TypeAlias = "datetime | timestamp_pb2.Timestamp"


class VariantType:
    """COM VARIANT type codes used on the wire."""

    EMPTY = 0
    I4 = 3
    R4 = 4
    R8 = 5
    DATE = 7
    BSTR = 8
    BOOL = 11
    RECORD = 36
    ARRAY = 0x2000


_NANOS = 1_000_000_000
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

# type name -> (oneof field, MxDataType, element VARIANT type)
_TYPES: dict[str, tuple[str, values_pb2.MxDataType, int]] = {
    "bool": ("bool_value", values_pb2.MX_DATA_TYPE_BOOLEAN, VariantType.BOOL),
    "int32": ("int32_value", values_pb2.MX_DATA_TYPE_INTEGER, VariantType.I4),
    "float": ("float_value", values_pb2.MX_DATA_TYPE_FLOAT, VariantType.R4),
    "double": ("double_value", values_pb2.MX_DATA_TYPE_DOUBLE, VariantType.R8),
    "string": ("string_value", values_pb2.MX_DATA_TYPE_STRING, VariantType.BSTR),
    "time": ("time_value", values_pb2.MX_DATA_TYPE_TIME, VariantType.DATE),
    "elapsed": ("elapsed_value", values_pb2.MX_DATA_TYPE_ELAPSED_TIME, VariantType.R8),
    "bool-array": ("bool_array", values_pb2.MX_DATA_TYPE_BOOLEAN, VariantType.BOOL),
    "int32-array": ("int32_array", values_pb2.MX_DATA_TYPE_INTEGER, VariantType.I4),
    "float-array": ("float_array", values_pb2.MX_DATA_TYPE_FLOAT, VariantType.R4),
    "double-array": ("double_array", values_pb2.MX_DATA_TYPE_DOUBLE, VariantType.R8),
    "string-array": ("string_array", values_pb2.MX_DATA_TYPE_STRING, VariantType.BSTR),
    "time-array": ("time_array", values_pb2.MX_DATA_TYPE_TIME, VariantType.DATE),
    "elapsed-array": ("elapsed_array", values_pb2.MX_DATA_TYPE_ELAPSED_TIME, VariantType.R8),
}

#: The type names ``as_type`` (and the CLI's ``--type``) accept.
VALUE_TYPES: tuple[str, ...] = tuple(_TYPES)


def data_type_name(number: int) -> str:
    """The MxDataType name as JSON prints it (``Integer``); ``Unknown`` if unknown."""
    value = values_pb2.DESCRIPTOR.enum_types_by_name["MxDataType"].values_by_number.get(number)
    if value is None:
        return "Unknown"
    words = value.name.removeprefix("MX_DATA_TYPE_").split("_")
    return "".join(w.capitalize() for w in words)


def _finite(x: float, where: str) -> float:
    if not math.isfinite(x):
        raise ValueError(f"{where}: non-finite float ({x}) has no MXAccess representation")
    return x


def _float32(x: float) -> float:
    """Rounds to a 32-bit float; ``ValueError`` when it overflows."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", x))[0])
    except OverflowError:
        raise ValueError(f"{x!r} overflows a 32-bit float") from None


def _int32(x: object) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise ValueError(f"{x!r} is not an int32")
    if not _INT32_MIN <= x <= _INT32_MAX:
        raise ValueError(f"{x} is outside the int32 range")
    return x


def _number(x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{x!r} is not a number")
    return float(x)


def timestamp_from_datetime(value: datetime) -> timestamp_pb2.Timestamp:
    """An aware ``datetime`` as a protobuf timestamp (naive ones are ambiguous)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone; use an aware datetime (e.g. UTC)")
    delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    seconds, rest = divmod(micros, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=rest * 1000)


def to_timestamp(value: TimestampInput) -> timestamp_pb2.Timestamp:
    """A source timestamp for the wire: a ``Timestamp`` as is, an aware ``datetime`` converted."""
    if isinstance(value, timestamp_pb2.Timestamp):
        return value
    return timestamp_from_datetime(value)


def duration_from_nanos(nanos: int) -> duration_pb2.Duration:
    """A protobuf duration; seconds and nanos share the sign (truncating division)."""
    seconds = abs(nanos) // _NANOS
    rest = abs(nanos) % _NANOS
    sign = -1 if nanos < 0 else 1
    return duration_pb2.Duration(seconds=sign * seconds, nanos=sign * rest)


def _duration(value: object) -> duration_pb2.Duration:
    if not isinstance(value, timedelta):
        raise ValueError(f"{value!r} is not a timedelta")
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return duration_from_nanos(micros * 1000)


def _timestamp(value: object) -> timestamp_pb2.Timestamp:
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a datetime")
    return timestamp_from_datetime(value)


def _natural_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "time"
    if isinstance(value, timedelta):
        return "elapsed"
    raise ValueError(f"{type(value).__name__} values cannot be sent to MXAccess")


def _array_type(items: Sequence[object]) -> str:
    if not items:
        raise ValueError("an empty list has no element type: pass as_type (e.g. 'int32-array')")
    kinds = {_natural_type(item) for item in items}
    if kinds == {"int32", "double"}:
        return "double-array"
    if len(kinds) != 1:
        raise ValueError(f"a list mixes element types: {sorted(kinds)}")
    return f"{kinds.pop()}-array"


def to_mx_value(value: MxValueInput, *, as_type: str | None = None) -> values_pb2.MxValue:
    """Wraps a Python value as an ``MxValue`` (see the module docstring)."""
    if isinstance(value, values_pb2.MxValue):
        if as_type is not None:
            raise ValueError("as_type cannot re-type an MxValue")
        from_mx_value(value)  # the same checks as for received values
        return value
    if value is None:
        if as_type is not None:
            raise ValueError("None is the empty value and has no type")
        return values_pb2.MxValue(
            data_type=values_pb2.MX_DATA_TYPE_NO_DATA, variant_type=VariantType.EMPTY
        )
    if isinstance(value, (bytes, bytearray)):
        if as_type is not None:
            raise ValueError("bytes are an opaque record and have no other type")
        return values_pb2.MxValue(
            data_type=values_pb2.MX_DATA_TYPE_QUALIFIED_STRUCT,
            variant_type=VariantType.RECORD,
            record_value=bytes(value),
        )
    is_list = isinstance(value, (list, tuple))
    if as_type is None:
        as_type = _array_type(value) if isinstance(value, (list, tuple)) else _natural_type(value)
    if as_type not in _TYPES:
        raise ValueError(f"unknown value type {as_type!r}; expected one of {', '.join(_TYPES)}")
    field, data_type, variant = _TYPES[as_type]
    array = as_type.endswith("-array")
    if array != is_list:
        raise ValueError(f"{as_type} needs {'a list' if array else 'a scalar'}, got {value!r}")
    out = values_pb2.MxValue(data_type=data_type, variant_type=variant)
    if array:
        out.variant_type = variant | VariantType.ARRAY
        assert isinstance(value, (list, tuple))
        _fill_array(out, as_type, field, value)
    else:
        _fill_scalar(out, as_type, field, value)
    return out


def _fill_scalar(out: values_pb2.MxValue, kind: str, field: str, value: object) -> None:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a bool")
        out.bool_value = value
    elif kind == "int32":
        out.int32_value = _int32(value)
    elif kind == "float":
        out.float_value = _float32(_finite(_number(value), "float"))
    elif kind == "double":
        out.double_value = _finite(_number(value), "double")
    elif kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a str")
        out.string_value = value
    elif kind == "time":
        out.time_value.CopyFrom(_timestamp(value))
    else:
        out.elapsed_value.CopyFrom(_duration(value))


def _fill_array(out: values_pb2.MxValue, kind: str, field: str, items: Sequence[object]) -> None:
    where = f"{kind} element"
    if kind == "bool-array":
        if not all(isinstance(i, bool) for i in items):
            raise ValueError(f"{list(items)!r} is not a list of bool")
        out.bool_array.values.extend(bool(i) for i in items)
    elif kind == "int32-array":
        out.int32_array.values.extend(_int32(i) for i in items)
    elif kind == "float-array":
        out.float_array.values.extend(_float32(_finite(_number(i), where)) for i in items)
    elif kind == "double-array":
        out.double_array.values.extend(_finite(_number(i), where) for i in items)
    elif kind == "string-array":
        if not all(isinstance(i, str) for i in items):
            raise ValueError(f"{list(items)!r} is not a list of str")
        out.string_array.values.extend(str(i) for i in items)
    elif kind == "time-array":
        out.time_array.values.extend(_timestamp(i) for i in items)
    else:
        out.elapsed_array.values.extend(_duration(i) for i in items)
    # An empty repeated field does not select the oneof arm; do it explicitly.
    getattr(out, field).SetInParent()


def _datetime(t: timestamp_pb2.Timestamp) -> datetime:
    if not 0 <= t.nanos < _NANOS:
        raise ValueError("timestamp nanos out of range")
    try:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(
            seconds=t.seconds, microseconds=t.nanos // 1000
        )
    except OverflowError:
        raise ValueError(f"timestamp {t.seconds}s is out of range") from None


def _timedelta(d: duration_pb2.Duration) -> timedelta:
    return timedelta(seconds=d.seconds, microseconds=d.nanos / 1000)


def from_mx_value(value: values_pb2.MxValue) -> MxValueOutput:
    """Unwraps a received ``MxValue`` into Python (times lose sub-microsecond digits)."""
    kind = value.WhichOneof("kind")
    if kind is None:
        return None
    if kind == "bool_value":
        return value.bool_value
    if kind == "int32_value":
        return value.int32_value
    if kind == "float_value":
        return _finite(value.float_value, "float")
    if kind == "double_value":
        return _finite(value.double_value, "double")
    if kind == "string_value":
        return value.string_value
    if kind == "time_value":
        return _datetime(value.time_value)
    if kind == "elapsed_value":
        return _timedelta(value.elapsed_value)
    if kind == "bool_array":
        return list(value.bool_array.values)
    if kind == "int32_array":
        return list(value.int32_array.values)
    if kind == "float_array":
        return [_finite(v, "float element") for v in value.float_array.values]
    if kind == "double_array":
        return [_finite(v, "double element") for v in value.double_array.values]
    if kind == "string_array":
        return list(value.string_array.values)
    if kind == "time_array":
        return [_datetime(t) for t in value.time_array.values]
    if kind == "elapsed_array":
        return [_timedelta(d) for d in value.elapsed_array.values]
    return bytes(value.record_value)
