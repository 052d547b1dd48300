"""Value conversion: Python values, the shared CLI fixtures, and JSON rendering."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mxgateway import VALUE_TYPES, from_mx_value, pb, to_mx_value
from mxgateway._values import data_type_name
from mxgateway_cli._json import render, value_json
from mxgateway_cli._parse import InvalidValue, parse_value
from mxgateway_cli._rfc3339 import format_timestamp, parse_timestamp

from .conftest import REPO_ROOT

FIXTURE = REPO_ROOT / "fixtures" / "values.json"


def load_cases() -> list[dict[str, Any]]:
    data = json.loads(Path(FIXTURE).read_text(encoding="utf-8"))
    assert data["version"] == 1
    cases: list[dict[str, Any]] = data["cases"]
    assert len(cases) > 40
    return cases


CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c['type']}:{c['input']!r}" for c in CASES])
def test_shared_value_fixtures(case: dict[str, Any]) -> None:
    if "error" in case:
        assert case["error"] == "invalid-value"
        with pytest.raises(InvalidValue):
            parse_value(case["type"], case["input"])
        return
    value = parse_value(case["type"], case["input"])
    assert data_type_name(value.data_type) == case["dataType"]
    assert value.variant_type == case["variantType"]
    assert value.WhichOneof("kind") == case["kind"]
    text = render(value_json(value))
    assert text == case["jsonText"]
    assert json.loads(text) == case["json"]
    # The library accepts what the CLI builds (and re-checks it).
    assert to_mx_value(value) is value


def test_every_type_has_a_valid_fixture_case() -> None:
    for name in VALUE_TYPES:
        assert any(c["type"] == name and "error" not in c for c in CASES), name


@pytest.mark.parametrize(
    ("value", "kind", "data_type", "variant"),
    [
        (True, "bool_value", pb.MX_DATA_TYPE_BOOLEAN, 11),
        (5, "int32_value", pb.MX_DATA_TYPE_INTEGER, 3),
        (1.5, "double_value", pb.MX_DATA_TYPE_DOUBLE, 5),
        ("s", "string_value", pb.MX_DATA_TYPE_STRING, 8),
        (datetime(2024, 1, 2, tzinfo=timezone.utc), "time_value", pb.MX_DATA_TYPE_TIME, 7),
        (timedelta(seconds=1.5), "elapsed_value", pb.MX_DATA_TYPE_ELAPSED_TIME, 5),
        (b"\x0a\xff", "record_value", pb.MX_DATA_TYPE_QUALIFIED_STRUCT, 36),
        ([True, False], "bool_array", pb.MX_DATA_TYPE_BOOLEAN, 0x2000 | 11),
        ([1, 2], "int32_array", pb.MX_DATA_TYPE_INTEGER, 0x2000 | 3),
        ([1.5, 2], "double_array", pb.MX_DATA_TYPE_DOUBLE, 0x2000 | 5),
        (["a"], "string_array", pb.MX_DATA_TYPE_STRING, 0x2000 | 8),
        ([datetime(2024, 1, 2, tzinfo=timezone.utc)], "time_array", pb.MX_DATA_TYPE_TIME, 0x2007),
        ([timedelta(seconds=-2.5)], "elapsed_array", pb.MX_DATA_TYPE_ELAPSED_TIME, 0x2005),
        (None, None, pb.MX_DATA_TYPE_NO_DATA, 0),
    ],
)
def test_python_values_round_trip(
    value: Any, kind: str | None, data_type: int, variant: int
) -> None:
    wire = to_mx_value(value)
    assert wire.WhichOneof("kind") == kind
    assert (wire.data_type, wire.variant_type) == (data_type, variant)
    back = from_mx_value(wire)
    if isinstance(value, list) and value and isinstance(value[0], int) and kind == "double_array":
        value = [float(v) for v in value]
    assert back == value


def test_float32_and_empty_arrays_need_as_type() -> None:
    wire = to_mx_value(0.1, as_type="float")
    assert wire.WhichOneof("kind") == "float_value" and wire.variant_type == 4
    assert from_mx_value(wire) == pytest.approx(0.1, rel=1e-7)
    empty = to_mx_value([], as_type="int32-array")
    assert empty.WhichOneof("kind") == "int32_array" and from_mx_value(empty) == []
    with pytest.raises(ValueError):
        to_mx_value([])


@pytest.mark.parametrize(
    ("value", "as_type"),
    [
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, "float"),
        (math.inf, "float"),
        ([1.0, math.nan], None),
        ([math.inf], "float-array"),
        ([0.5, -math.inf], "double-array"),
        (1e39, "float"),
    ],
)
def test_non_finite_floats_are_rejected(value: Any, as_type: str | None) -> None:
    with pytest.raises(ValueError):
        to_mx_value(value, as_type=as_type)


def test_received_non_finite_values_are_rejected() -> None:
    with pytest.raises(ValueError):
        from_mx_value(pb.MxValue(double_value=math.nan))
    with pytest.raises(ValueError):
        from_mx_value(pb.MxValue(float_array=pb.FloatArray(values=[1.0, math.inf])))


@pytest.mark.parametrize(
    "bad",
    [2**31, -(2**31) - 1, True.__class__, datetime(2024, 1, 1), [1, "a"], object()],
)
def test_unsupported_values_are_value_errors(bad: Any) -> None:
    with pytest.raises(ValueError):
        to_mx_value(bad)


def test_bytes_are_an_opaque_record() -> None:
    wire = to_mx_value(b"\x00\x01")
    assert wire.record_value == b"\x00\x01" and from_mx_value(wire) == b"\x00\x01"
    assert render(value_json(wire)) == '{"record":"0001"}'
    assert value_json(pb.MxValue()) is None


def test_times_render_with_0_3_6_or_9_digits() -> None:
    assert format_timestamp(0, 0) == "1970-01-01T00:00:00Z"
    assert format_timestamp(1_700_000_000, 500_000_000) == "2023-11-14T22:13:20.500Z"
    assert format_timestamp(1_700_000_000, 1000) == "2023-11-14T22:13:20.000001Z"
    assert format_timestamp(1_700_000_000, 1) == "2023-11-14T22:13:20.000000001Z"
    assert format_timestamp(253_402_300_800, 0) is None
    assert format_timestamp(-62_135_596_801, 0) is None
    assert parse_timestamp("1969-12-31T23:00:00.25-01:00") == (0, 250_000_000)


def test_floats_render_like_python_repr_and_non_finite_as_null() -> None:
    assert render([0.0, -0.0, 2.0, 1e16, 1e-05, math.nan]) == "[0.0,-0.0,2.0,1e+16,1e-05,null]"
    assert render({"z": 1, "a": 'x"y\n', "u": "ü"}) == '{"z":1,"a":"x\\"y\\n","u":"ü"}'
