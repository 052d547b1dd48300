"""The benchmark commands against the real gateway and its demo galaxy, through
``mxgw-py`` and, for parity, through ``mxgw`` on the same gateway: the keys of
fixtures/bench-schema.json in order, sane figures (as crates/cli/tests/bench_e2e.rs
checks them), and identical values where the output is deterministic. The
figures themselves are measured by the benchmarks, never asserted here.

Demo facts used: ``PackLine_001.GoodCount`` changes every 500 ms and
``TestChildObject.TestInt`` every second; ``NoSuchObject.PV`` does not resolve.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import RealGateway
from .test_bench import schema
from .test_cli_bench import pairs
from .test_integration import py_cli, run, rust_cli

pytestmark = pytest.mark.integration

READ_ARGS = [
    "bench-read-bulk",
    "--item",
    "TestChildObject.TestInt",
    "--item",
    "TestChildObject.TestDouble",
    "--item",
    "Tank_001.Level",
    "--bulk-size",
    "2",
    "--duration-seconds",
    "1",
    "--warmup-seconds",
    "0.2",
    "--client-name",
    "bench-test",
]
STREAM_ARGS = [
    "bench-stream-events",
    "--item",
    "PackLine_001.GoodCount",
    "--item",
    "TestChildObject.TestInt",
    "--duration-seconds",
    "1.5",
    "--warmup-seconds",
    "0.2",
]
#: The keys whose values do not depend on timing.
DETERMINISTIC = {
    "bench-read-bulk": [
        "command",
        "endpoint",
        "clientName",
        "bulkSize",
        "durationSeconds",
        "warmupSeconds",
        "tags",
        "failedCalls",
    ],
    "bench-stream-events": [
        "command",
        "endpoint",
        "clientName",
        "durationSeconds",
        "warmupSeconds",
        "tags",
        "conflatedEvents",
    ],
}


def bench(cli: list[str], gw: RealGateway, args: list[str]) -> tuple[dict[str, Any], str]:
    """Runs a benchmark; returns the printed object, its keys checked in their
    printed order against the schema, and stderr."""
    common = ["--endpoint", gw.endpoint, "--plaintext", "--api-key-env", "MXGW_IT_KEY", "--json"]
    code, out, err = run(cli, [*args, *common], {"MXGW_IT_KEY": gw.admin_key})
    assert code == 0, (args, out, err)
    lines = out.splitlines()
    assert len(lines) == 1, out
    printed = pairs(lines[0])
    assert [k for k, _ in printed] == schema()[args[0]], lines[0]
    assert [k for k, _ in dict(printed)["latencyMs"]] == schema()["latencyMs"], lines[0]
    value: dict[str, Any] = json.loads(lines[0])  # a dict keeps the printed order
    return value, err


def assert_latency_summary(latency: dict[str, float]) -> None:
    assert latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"], latency
    assert 0.0 <= latency["mean"] <= latency["max"], latency


def check_read(out: dict[str, Any], gw: RealGateway, language: str) -> None:
    assert out["language"] == language
    assert out["command"] == "bench-read-bulk"
    assert out["endpoint"] == gw.endpoint
    assert out["clientName"] == "bench-test"
    assert (out["bulkSize"], out["tags"]) == (2, 3)
    assert (out["durationSeconds"], out["warmupSeconds"]) == (1.0, 0.2)
    assert out["durationMs"] >= 1000.0, out
    calls = out["successfulCalls"]
    assert calls > 0, out
    assert out["totalCalls"] == calls and out["failedCalls"] == 0, out
    assert out["totalReadResults"] == 2 * calls, out
    # Subscribed tags are read from the session's cache.
    assert out["cachedReadResults"] == out["totalReadResults"], out
    assert out["callsPerSecond"] > 0
    assert_latency_summary(out["latencyMs"])


def check_stream(out: dict[str, Any], language: str) -> None:
    assert out["language"] == language
    assert out["command"] == "bench-stream-events"
    assert out["clientName"] == "mxgw-bench"
    assert out["tags"] == 2
    assert (out["durationSeconds"], out["warmupSeconds"]) == (1.5, 0.2)
    assert out["durationMs"] >= 1500.0 * 0.99, out  # timer granularity, not speed
    data_changes = out["dataChanges"]
    assert data_changes >= 1, out
    assert out["totalEvents"] >= data_changes
    assert out["eventsPerSecond"] > 0
    assert out["conflatedEvents"] == 0, "a light load is never conflated"
    assert out["sequenceGaps"] == 0, out
    assert_latency_summary(out["latencyMs"])


def test_bench_read_bulk_reads_from_the_cache(gateway: RealGateway) -> None:
    out, err = bench(py_cli(), gateway, READ_ARGS)
    check_read(out, gateway, "python")
    assert err == ""


def test_bench_stream_events_counts_data_changes(gateway: RealGateway) -> None:
    out, err = bench(py_cli(), gateway, STREAM_ARGS)
    check_stream(out, "python")
    assert err == ""


def test_an_unresolved_tag_still_benchmarks(gateway: RealGateway) -> None:
    # It subscribes (MXAccess reports the bad reference later), so every call
    # succeeds with a failed entry, as with mxgw.
    args = ["bench-read-bulk", "--item", "NoSuchObject.PV", "--duration-seconds", "0.3"]
    out, _ = bench(py_cli(), gateway, [*args, "--warmup-seconds", "0"])
    assert out["failedCalls"] == 0, out
    assert out["totalReadResults"] == out["successfulCalls"] >= 1


@pytest.mark.parametrize("args", [READ_ARGS, STREAM_ARGS], ids=["read-bulk", "stream-events"])
def test_mxgw_and_mxgw_py_print_the_same_benchmark(gateway: RealGateway, args: list[str]) -> None:
    rust, _ = bench(rust_cli(), gateway, args)
    python, _ = bench(py_cli(), gateway, args)
    assert list(python) == list(rust)
    assert list(python["latencyMs"]) == list(rust["latencyMs"])
    assert (rust["language"], python["language"]) == ("rust", "python")
    for key in DETERMINISTIC[args[0]]:
        assert python[key] == rust[key], key
        # The same JSON types too (10.0, not 10).
        assert type(python[key]) is type(rust[key]), key
    for out, language in ((rust, "rust"), (python, "python")):
        if args[0] == "bench-read-bulk":
            check_read(out, gateway, language)
        else:
            check_stream(out, language)


@pytest.mark.parametrize(
    ("args", "same_message"),
    [
        (["bench-read-bulk", "--duration-seconds", "1"], True),
        (["bench-stream-events", "--item", "X.Y", "--duration-seconds=-1"], True),
        (["bench-read-bulk", "--item", "X.Y", "--warmup-seconds=-0.5"], True),
        (["bench-read-bulk", "--item", "X.Y", "--warmup-seconds=nan"], True),
        # mxgw's parser takes "-1" after a space for a flag ("unexpected argument");
        # mxgw-py takes it as the value and refuses it: a usage error either way.
        (["bench-stream-events", "--item", "X.Y", "--duration-seconds", "-1"], False),
    ],
)
def test_usage_errors_are_those_of_mxgw(
    gateway: RealGateway, args: list[str], same_message: bool
) -> None:
    outputs = []
    for cli in (rust_cli(), py_cli()):
        code, out, _ = run(cli, [*args, "--endpoint", gateway.endpoint, "--plaintext", "--json"])
        assert code == 2, (cli, out)
        assert json.loads(out)["type"] == "usage"
        outputs.append(out)
    if same_message:
        assert outputs[0] == outputs[1]
