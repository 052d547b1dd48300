"""``mxgw-py bench-read-bulk`` and ``bench-stream-events`` over the in-process
fake: the keys of fixtures/bench-schema.json in their order, counts that agree
with what the fake saw, failed calls left out of the latencies, the session
always closed (a failed close a warning on stderr), and the usage errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
from click.testing import Result

from mxgateway import pb

from .fake_gateway import E_INVALIDARG, Failure, FakeGateway
from .test_bench import data_change, schema
from .test_cli import ainvoke, common, invoke, one_json

#: A port nothing listens on: a command that got this far would fail as `transport`.
NOWHERE = ["--endpoint", "127.0.0.1:1", "--plaintext", "--json"]
TAGS = ["A.Int", "B.Str", "C.Int"]
ZERO = ["--duration-seconds", "0", "--warmup-seconds", "0"]


def items(tags: Sequence[str] = TAGS) -> list[str]:
    return [a for t in tags for a in ("--item", t)]


def pairs(line: str) -> list[tuple[str, Any]]:
    """The printed object's (key, value) pairs in their printed order, nested
    objects likewise."""
    result: list[tuple[str, Any]] = json.loads(line, object_pairs_hook=lambda p: p)
    return result


def bench_output(result: Result, command: str) -> dict[str, Any]:
    """The one printed line, its keys (and latencyMs's) checked in order against the schema."""
    assert result.exit_code == 0, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    printed = pairs(lines[0])
    assert [k for k, _ in printed] == schema()[command]
    assert [k for k, _ in dict(printed)["latencyMs"]] == schema()["latencyMs"]
    value: dict[str, Any] = json.loads(lines[0])
    return value


def ok_reply(**fields: Any) -> pb.MxCommandReply:
    return pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, **fields)


def subscribed(tags: Sequence[str], failing: str | None = None) -> pb.MxCommandReply:
    reply = ok_reply()
    for i, tag in enumerate(tags):
        if tag == failing:
            reply.subscribe_results.results.add(
                item_definition=tag, hresult=E_INVALIDARG, message=f"{tag} does not resolve"
            )
        else:
            reply.subscribe_results.results.add(
                item_definition=tag, item_handle=2 + i, was_successful=True
            )
    return reply


FAILED_READ = ok_reply(hresult=E_INVALIDARG, message="the read broke")


def script(fake: FakeGateway, tags: Sequence[str], *reads: pb.MxCommandReply) -> None:
    """Register and SubscribeBulk succeed, then ``reads`` answer the first reads
    (the fake's default replies the rest)."""
    fake.invoke_replies.extend([ok_reply(server_handle=1), subscribed(tags), *reads])


def arms(fake: FakeGateway) -> list[str]:
    return [r.command.WhichOneof("command") for r in fake.requests("Invoke")]


def closed(fake: FakeGateway) -> bool:
    return [q.session_id for q in fake.requests("CloseSession")] == ["sess-1"]


# === bench-read-bulk ===


async def test_read_bulk_with_zero_durations_makes_one_call(fake: FakeGateway) -> None:
    r = await ainvoke(["bench-read-bulk", *common(fake), *items(), "--bulk-size", "2", *ZERO])
    out = bench_output(r, "bench-read-bulk")
    assert {k: v for k, v in out.items() if k not in ("durationMs", "callsPerSecond")} == {
        "language": "python",
        "command": "bench-read-bulk",
        "endpoint": fake.endpoint,
        "clientName": "mxgw-bench",
        "bulkSize": 2,
        "durationSeconds": 0.0,
        "warmupSeconds": 0.0,
        "tags": 3,
        "totalCalls": 1,
        "successfulCalls": 1,
        "failedCalls": 0,
        "totalReadResults": 2,
        "cachedReadResults": 1,  # A.Int of [A.Int, B.Str]
        "latencyMs": out["latencyMs"],
    }
    # Floats print as floats, counts as ints.
    assert '"durationSeconds":0.0,"warmupSeconds":0.0,' in r.stdout
    assert '"totalCalls":1,' in r.stdout
    latency = out["latencyMs"]
    assert latency["p50"] == latency["p95"] == latency["p99"] == latency["max"] >= 0.0
    assert out["callsPerSecond"] > 0
    # Its own session: opened with the client name, registered, subscribed, closed.
    assert [q.client_session_name for q in fake.requests("OpenSession")] == ["mxgw-bench"]
    assert arms(fake) == ["register", "subscribe_bulk", "read_bulk"]
    invokes = fake.requests("Invoke")
    assert invokes[0].command.register.client_name == "mxgw-bench"
    assert list(invokes[1].command.subscribe_bulk.item_definitions) == TAGS
    assert list(invokes[2].command.read_bulk.item_definitions) == ["A.Int", "B.Str"]
    assert closed(fake)


async def test_read_bulk_counts_agree_and_calls_walk_the_tags(fake: FakeGateway) -> None:
    r = await ainvoke(
        [
            "bench-read-bulk",
            *common(fake),
            *items(),
            "--bulk-size",
            "2",
            "--duration-seconds",
            "0.3",
            "--warmup-seconds",
            "0.1",
            "--timeout-ms",
            "750",
            "--client-name",
            "bench-test",
        ]
    )
    out = bench_output(r, "bench-read-bulk")
    assert (out["clientName"], out["durationSeconds"], out["warmupSeconds"]) == (
        "bench-test",
        0.3,
        0.1,
    )
    calls = out["successfulCalls"]
    assert calls >= 1 and out["totalCalls"] == calls and out["failedCalls"] == 0
    assert out["totalReadResults"] == 2 * calls
    assert out["durationMs"] >= 300.0
    assert out["callsPerSecond"] > 0
    reads = [q.command.read_bulk for q in fake.requests("Invoke")[2:]]
    # Warm-up and measured calls, one walk: [A, B], [C, A], [B, C], [A, B], ...
    assert len(reads) >= calls
    walk = [TAGS[i % 3] for i in range(2 * len(reads))]
    assert [t for read in reads for t in read.item_definitions] == walk
    assert {read.timeout_ms for read in reads} == {750}
    assert {read.server_handle for read in reads} == {1}
    # The measured calls are the last ones; each window of [A, B], [C, A], [B, C] has
    # 1, 2 and 1 cached (…Int) tags.
    measured = reads[-calls:]
    assert out["cachedReadResults"] == sum(
        sum(1 for t in read.item_definitions if t.endswith("Int")) for read in measured
    )
    assert closed(fake)


async def test_bulk_size_zero_reads_every_tag_per_call(fake: FakeGateway) -> None:
    r = await ainvoke(["bench-read-bulk", *common(fake), *items(), *ZERO])
    out = bench_output(r, "bench-read-bulk")
    assert (out["bulkSize"], out["totalReadResults"], out["cachedReadResults"]) == (3, 3, 2)


async def test_items_file_tags_follow_the_item_flags(fake: FakeGateway, tmp_path: Path) -> None:
    path = tmp_path / "tags.txt"
    path.write_text("# tags\nB.Str\n\n  C.Int  \n", encoding="utf-8")
    r = await ainvoke(
        ["bench-read-bulk", *common(fake), "--item", "A.Int", "--items-file", str(path), *ZERO]
    )
    out = bench_output(r, "bench-read-bulk")
    assert out["tags"] == 3
    assert list(fake.requests("Invoke")[1].command.subscribe_bulk.item_definitions) == TAGS


async def test_a_failed_call_is_counted_reported_and_left_out_of_the_latencies(
    fake: FakeGateway,
) -> None:
    script(fake, TAGS, FAILED_READ)
    r = await ainvoke(["bench-read-bulk", *common(fake), *items(), *ZERO])
    out = bench_output(r, "bench-read-bulk")
    assert (out["totalCalls"], out["successfulCalls"], out["failedCalls"]) == (1, 0, 1)
    assert (out["totalReadResults"], out["cachedReadResults"]) == (0, 0)
    assert out["callsPerSecond"] == 0.0
    # The one call failed, so there is no latency at all.
    assert out["latencyMs"] == {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0}
    assert r.stderr.startswith("mxgw-py: warning: read-bulk call failed: ")
    assert "the read broke" in r.stderr
    assert closed(fake)


async def test_failed_calls_among_successful_ones(fake: FakeGateway) -> None:
    script(fake, TAGS, FAILED_READ, ok_reply(), FAILED_READ)  # the 2nd read: no results
    r = await ainvoke(
        ["bench-read-bulk", *common(fake), *items(), "--duration-seconds", "0.3"]
        + ["--warmup-seconds", "0", "--bulk-size", "1"]
    )
    out = bench_output(r, "bench-read-bulk")
    assert out["failedCalls"] == 3  # the empty reply lacks its one result: a failed call too
    assert out["successfulCalls"] == out["totalCalls"] - 3
    assert out["totalReadResults"] == out["successfulCalls"]
    assert r.stderr.count("mxgw-py: warning: read-bulk call failed: ") == 3
    assert closed(fake)


async def test_a_failed_close_is_a_warning_after_the_result(fake: FakeGateway) -> None:
    fake.failures["CloseSession"] = Failure(grpc.StatusCode.INTERNAL, "close broke")
    r = await ainvoke(["bench-read-bulk", *common(fake), *items(), *ZERO])
    out = bench_output(r, "bench-read-bulk")
    assert out["successfulCalls"] == 1
    assert r.stderr.startswith("mxgw-py: warning: closing benchmark session sess-1 failed: ")
    assert "close broke" in r.stderr
    assert len(fake.requests("CloseSession")) == 1


async def test_a_failed_subscribe_entry_is_a_command_error_and_closes(fake: FakeGateway) -> None:
    fake.invoke_replies.extend([ok_reply(server_handle=1), subscribed(TAGS, failing="B.Str")])
    r = await ainvoke(["bench-read-bulk", *common(fake), *items(), *ZERO])
    assert r.exit_code == 1
    assert one_json(r) == {
        "error": "subscribing B.Str failed: B.Str does not resolve",
        "type": "command",
    }
    assert arms(fake) == ["register", "subscribe_bulk"]
    assert closed(fake)


async def test_a_failed_close_never_replaces_the_first_error(fake: FakeGateway) -> None:
    fake.invoke_replies.extend([ok_reply(server_handle=1), subscribed(TAGS, failing="A.Int")])
    fake.failures["CloseSession"] = Failure(grpc.StatusCode.INTERNAL, "close broke")
    r = await ainvoke(["bench-stream-events", *common(fake), *items(), *ZERO])
    assert r.exit_code == 1
    assert one_json(r)["error"] == "subscribing A.Int failed: A.Int does not resolve"
    assert r.stderr.startswith("mxgw-py: warning: closing benchmark session sess-1 failed: ")


async def test_a_failed_register_names_the_step_and_closes(fake: FakeGateway) -> None:
    fake.invoke_replies.append(ok_reply(hresult=E_INVALIDARG, message="no registering"))
    r = await ainvoke(["bench-read-bulk", *common(fake), *items(), *ZERO])
    assert r.exit_code == 1
    body = one_json(r)
    assert body["type"] == "mxaccess"
    assert body["error"].startswith("register: ") and "no registering" in body["error"]
    assert closed(fake)


async def test_a_failed_warmup_call_is_the_error_and_closes(fake: FakeGateway) -> None:
    script(fake, TAGS, FAILED_READ)
    r = await ainvoke(
        ["bench-read-bulk", *common(fake), *items(), "--warmup-seconds", "30"]
        + ["--duration-seconds", "30"]
    )
    assert r.exit_code == 1
    body = one_json(r)
    assert body["type"] == "mxaccess" and "the read broke" in body["error"]
    assert arms(fake) == ["register", "subscribe_bulk", "read_bulk"]
    assert closed(fake)


# === bench-stream-events ===


#: A data change with a source time far in the future: its latency is clamped to 0.
def future_change(seq: int) -> pb.MxEvent:
    return data_change(seq, 4_102_444_800)  # 2100-01-01


STREAM = [
    pb.StreamEventsReply(events=[future_change(1), future_change(2)], conflated_since_last=0),
    pb.StreamEventsReply(
        events=[
            future_change(5),
            pb.MxEvent(worker_sequence=6, operation_complete=pb.OperationComplete()),
        ],
        conflated_since_last=2,
    ),
    pb.StreamEventsReply(events=[data_change(9, None)], conflated_since_last=1),
]


async def test_stream_events_counts_what_it_received(fake: FakeGateway) -> None:
    for batch in STREAM:
        fake.events.put_nowait(batch)
    # Without a warm-up the batches, queued before the stream opens, are measured
    # as they arrive; the window is long enough for three local batches.
    r = await ainvoke(
        ["bench-stream-events", *common(fake), *items(["P.Count", "A.Int"])]
        + ["--duration-seconds", "3", "--warmup-seconds", "0", "--client-name", "streamer"]
    )
    out = bench_output(r, "bench-stream-events")
    assert {k: v for k, v in out.items() if k not in ("durationMs", "eventsPerSecond")} == {
        "language": "python",
        "command": "bench-stream-events",
        "endpoint": fake.endpoint,
        "clientName": "streamer",
        "durationSeconds": 3.0,
        "warmupSeconds": 0.0,
        "tags": 2,
        "totalEvents": 5,
        "dataChanges": 4,
        "conflatedEvents": 3,
        "sequenceGaps": 2 + 2,  # 3 and 4 skipped, 7 and 8 skipped
        # Three data changes with a source time, all in the future: clamped to 0.
        "latencyMs": {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0},
    }
    assert out["durationMs"] >= 3000.0
    assert out["eventsPerSecond"] == pytest.approx(5 / (out["durationMs"] / 1000), rel=1e-3)
    assert [q.client_session_name for q in fake.requests("OpenSession")] == ["streamer"]
    assert arms(fake) == ["register", "subscribe_bulk"]
    assert [q.session_id for q in fake.requests("StreamEvents")] == ["sess-1"]
    assert fake.stream_cancelled.is_set(), "the stream is cancelled at the end"
    assert closed(fake)


async def test_stream_events_with_zero_durations(fake: FakeGateway) -> None:
    r = await ainvoke(["bench-stream-events", *common(fake), *items(), *ZERO])
    out = bench_output(r, "bench-stream-events")
    assert (out["totalEvents"], out["dataChanges"], out["tags"]) == (0, 0, 3)
    assert out["eventsPerSecond"] == 0.0
    assert out["latencyMs"] == {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0}
    assert closed(fake)


async def test_the_end_of_the_stream_is_a_transport_error_and_closes(fake: FakeGateway) -> None:
    fake.events.put_nowait(STREAM[0])
    fake.events.put_nowait(None)
    r = await ainvoke(
        ["bench-stream-events", *common(fake), *items(), "--duration-seconds", "60"]
        + ["--warmup-seconds", "0"]
    )
    assert r.exit_code == 1
    assert one_json(r) == {"error": "the event stream ended", "type": "transport"}
    assert closed(fake)


async def test_a_stream_error_names_the_step_and_closes(fake: FakeGateway) -> None:
    fake.failures["StreamEvents"] = Failure(
        grpc.StatusCode.NOT_FOUND, "no such session", "session-not-found"
    )
    r = await ainvoke(
        ["bench-stream-events", *common(fake), *items(), "--duration-seconds", "60"]
        + ["--warmup-seconds", "60"]
    )
    assert r.exit_code == 1
    body = one_json(r)
    assert body["error"].startswith("stream-events: ") and "no such session" in body["error"]
    assert closed(fake)


async def test_a_failed_close_after_a_stream_bench_is_a_warning(fake: FakeGateway) -> None:
    fake.failures["CloseSession"] = Failure(grpc.StatusCode.INTERNAL, "close broke")
    r = await ainvoke(["bench-stream-events", *common(fake), *items(), *ZERO])
    bench_output(r, "bench-stream-events")
    assert r.stderr.startswith("mxgw-py: warning: closing benchmark session sess-1 failed: ")


# === usage errors: nothing is sent ===


@pytest.mark.parametrize("command", ["bench-read-bulk", "bench-stream-events"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no entries: give at least one --item or an --items-file"),
        (["--item", "X.Y", "--duration-seconds", "-1"], "--duration-seconds must be a "),
        (["--item", "X.Y", "--warmup-seconds", "-0.5"], "--warmup-seconds must be a "),
        (["--item", "X.Y", "--duration-seconds", "nan"], "--duration-seconds must be a "),
        (["--item", "X.Y", "--warmup-seconds", "inf"], "--warmup-seconds must be a "),
        (["--item", "X.Y", "--duration-seconds", "1e20"], "--duration-seconds must be a "),
        (["--item", "X.Y", "--duration-seconds", "1_0"], "'1_0' is not a number of seconds"),
        (["--item", "X.Y", "--warmup-seconds", "two"], "'two' is not a number of seconds"),
        (["--item", "X.Y", "--warmup-seconds", "+-inf"], "'+-inf' is not a number of seconds"),
        (["--item", "X.Y", "--warmup-seconds", " 1"], "' 1' is not a number of seconds"),
        (["--items-file", "/nonexistent/tags.txt"], "cannot read items file"),
    ],
)
def test_usage_errors(command: str, args: list[str], message: str) -> None:
    r = invoke([command, *NOWHERE, *args])
    assert r.exit_code == 2, r.output
    body = one_json(r)
    assert body["type"] == "usage"
    assert message in body["error"]


def test_read_only_flags_are_not_stream_flags() -> None:
    for flag in ("--bulk-size", "--timeout-ms"):
        r = invoke(["bench-stream-events", *NOWHERE, "--item", "X.Y", flag, "1"])
        assert r.exit_code == 2
        assert one_json(r)["type"] == "usage"


def test_flag_defaults_are_those_of_mxgw() -> None:
    from mxgateway_cli import cli

    def defaults(command: str) -> dict[str, Any]:
        named = ("bulk_size", "duration_seconds", "warmup_seconds", "timeout_ms", "client_name")
        return {p.name: p.default for p in cli.commands[command].params if p.name in named}

    read = {
        "bulk_size": 0,
        "duration_seconds": 10.0,
        "warmup_seconds": 2.0,
        "timeout_ms": 0,
        "client_name": "mxgw-bench",
    }
    assert defaults("bench-read-bulk") == read
    assert defaults("bench-stream-events") == {
        k: v for k, v in read.items() if k not in ("bulk_size", "timeout_ms")
    }
