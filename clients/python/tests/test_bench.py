"""The measuring parts of the benchmark commands without a gateway: the shared
percentile algorithm (the worked example of fixtures/bench-schema.json), the
rounding, the tag walk, the stream tallies, and the two measuring loops driven
by a scripted clock and an in-memory stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
import pytest

from mxgateway import MxGatewayError, MxGatewayTransportError, pb
from mxgateway_cli import _bench
from mxgateway_cli._bench import (
    StreamEnded,
    StreamMeasurement,
    StreamTally,
    TagWindows,
    latency_summary,
    measure_read_bulk,
    measure_stream,
    percentile,
    round3,
)

from .conftest import REPO_ROOT


def schema() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(
        (REPO_ROOT / "fixtures" / "bench-schema.json").read_text(encoding="utf-8")
    )
    return value


# === percentiles and the summary ===


def test_the_fixtures_worked_example() -> None:
    example = schema()["percentiles"]
    samples: list[float] = example["samples"]
    summary = latency_summary(samples)
    assert list(summary) == schema()["latencyMs"]
    assert summary == example["expected"]
    # The unsorted samples give the same summary: it sorts them.
    assert latency_summary(list(reversed(samples))) == example["expected"]


def test_percentiles_follow_the_cross_language_algorithm() -> None:
    five = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(five, 0.5) == 30.0
    assert percentile(five, 0.95) == pytest.approx(48.0, abs=1e-9)
    assert percentile(five, 0.99) == pytest.approx(49.6, abs=1e-9)
    assert percentile(five, 0.0) == 10.0
    assert percentile(five, 1.0) == 50.0
    # rank = 0.5 * (4 - 1) = 1.5: halfway between the second and third samples.
    assert percentile([1.0, 2.0, 4.0, 8.0], 0.5) == 3.0
    # q outside 0..1 is clamped.
    assert percentile(five, -1.0) == 10.0
    assert percentile(five, 2.0) == 50.0


def test_no_samples_give_zero_and_one_sample_gives_itself() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([7.25], 0.99) == 7.25
    assert latency_summary([]) == {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0}
    assert latency_summary([7.25]) == {
        "p50": 7.25,
        "p95": 7.25,
        "p99": 7.25,
        "max": 7.25,
        "mean": 7.25,
    }


def test_the_summary_rounds_to_three_decimals_as_mxgw_does() -> None:
    # The case of mxgw's own unit test (crates/cli/src/bench.rs), the same output.
    assert latency_summary([0.0004, 1.23456, 2.0]) == {
        "p50": 1.235,
        "p95": 1.923,
        "p99": 1.985,
        "max": 2.0,
        "mean": 1.078,
    }
    # Exact halves go away from zero, as Rust's f64::round (Python's round() gives 0.062).
    assert round3(0.0625) == 0.063
    assert round3(1.0625) == 1.063
    assert round3(-0.0625) == -0.063
    assert round3(0.0004) == 0.0
    assert round3(2.0) == 2.0
    assert round3(1e300) == 1e300
    assert round3(float("inf")) == float("inf")


def test_rates_never_raise_on_a_zero_time() -> None:
    assert _bench.rate(10, 2.0) == 5.0
    assert _bench.rate(1, 0.0) == float("inf")
    assert _bench.rate(0, 0.0) != _bench.rate(0, 0.0)  # NaN, printed as null
    assert _bench.stream_rate(0, 0.0) == 0.0
    assert _bench.stream_rate(3, 1.5) == 2.0


# === the ReadBulk walk and loop ===


def test_calls_walk_the_tag_list_and_wrap_around() -> None:
    windows = TagWindows(["a", "b", "c"], 2)
    assert [windows.next() for _ in range(4)] == [["a", "b"], ["c", "a"], ["b", "c"], ["a", "b"]]
    every = TagWindows(["a", "b", "c"], 3)
    assert [every.next() for _ in range(2)] == [["a", "b", "c"], ["a", "b", "c"]]
    wider = TagWindows(["a", "b"], 5)
    assert wider.next() == ["a", "b", "a", "b", "a"]
    assert wider.next() == ["b", "a", "b", "a", "b"]
    with pytest.raises(ValueError):
        TagWindows([], 1)
    with pytest.raises(ValueError):
        TagWindows(["a"], 0)


class ScriptedReads:
    """A ReadBulk stand-in on a clock it advances: each call takes ``took``
    seconds (binary fractions, so the sums are exact) and fails when its
    number (from 1) is in ``failing``. Results are cached for tags ending in Int."""

    def __init__(self, took: float = 0.25, failing: Sequence[int] = (), fail_took: float = 1.0):
        self.now = 0.0
        self.took = took
        self.fail_took = fail_took
        self.failing = set(failing)
        self.calls: list[list[str]] = []

    def clock(self) -> float:
        return self.now

    async def read(self, tags: list[str]) -> Sequence[pb.BulkReadResult]:
        self.calls.append(tags)
        if len(self.calls) in self.failing:
            self.now += self.fail_took
            raise MxGatewayTransportError("the gateway went away", code=grpc.StatusCode.UNAVAILABLE)
        self.now += self.took
        return [pb.BulkReadResult(item_definition=t, was_cached=t.endswith("Int")) for t in tags]


async def test_the_read_loop_measures_after_the_warmup_and_leaves_failures_out() -> None:
    reads = ScriptedReads(took=0.25, failing=[4], fail_took=1.0)
    failures: list[MxGatewayError] = []
    tally = await measure_read_bulk(
        reads.read,
        TagWindows(["A.Int", "B.Str", "C.Int"], 2),
        warmup=0.5,
        duration=2.0,
        on_failure=failures.append,
        clock=reads.clock,
    )
    # Warm-up: calls 1 and 2 (t 0 -> 0.5). Measured from t 0.5: call 3 (to 0.75),
    # call 4 fails (to 1.75), calls 5, 6 and 7 (to 2.5, 2 s after the start).
    assert len(reads.calls) == 7
    assert reads.calls[:4] == [["A.Int", "B.Str"], ["C.Int", "A.Int"], ["B.Str", "C.Int"]] + [
        ["A.Int", "B.Str"]
    ]
    assert (tally.calls, tally.failed, tally.successful) == (5, 1, 4)
    assert [e.message for e in failures] == ["the gateway went away"]
    # The failed call's second is not among the latencies.
    assert tally.latencies == [250.0] * 4
    assert latency_summary(tally.latencies)["max"] == 250.0
    assert tally.elapsed == 2.0
    # Calls 3, 5, 6, 7: [B.Str, C.Int], [C.Int, A.Int], [B.Str, C.Int], [A.Int, B.Str].
    assert (tally.results, tally.cached) == (8, 5)


async def test_a_zero_duration_still_makes_one_measured_call() -> None:
    reads = ScriptedReads()
    tally = await measure_read_bulk(
        reads.read, TagWindows(["A.Int"], 1), 0.0, 0.0, lambda e: None, clock=reads.clock
    )
    assert (tally.calls, tally.successful, tally.results, tally.cached) == (1, 1, 1, 1)
    assert tally.latencies == [250.0]


async def test_a_failed_only_call_gives_an_empty_summary() -> None:
    reads = ScriptedReads(failing=[1])
    tally = await measure_read_bulk(
        reads.read, TagWindows(["A.Int"], 1), 0.0, 0.0, lambda e: None, clock=reads.clock
    )
    assert (tally.calls, tally.failed, tally.results) == (1, 1, 0)
    assert latency_summary(tally.latencies) == latency_summary([])


async def test_a_failure_during_the_warmup_ends_the_benchmark() -> None:
    reads = ScriptedReads(failing=[2])
    with pytest.raises(MxGatewayTransportError):
        await measure_read_bulk(
            reads.read, TagWindows(["A.Int"], 1), 5.0, 1.0, lambda e: None, clock=reads.clock
        )
    assert len(reads.calls) == 2


# === the stream tallies ===


def reply(seqs: Sequence[int], conflated: int = 0) -> pb.StreamEventsReply:
    return pb.StreamEventsReply(
        events=[pb.MxEvent(worker_sequence=s) for s in seqs], conflated_since_last=conflated
    )


def test_sequence_gaps_count_the_skipped_numbers() -> None:
    # The case of mxgw's own unit test.
    tally = StreamTally()
    tally.batch(reply([5, 6, 9], 2))
    tally.batch(reply([10, 14], 3))
    assert (tally.events, tally.sequence_gaps, tally.conflated) == (5, 2 + 3, 5)


def test_the_first_event_and_a_sequence_going_back_are_no_gaps() -> None:
    tally = StreamTally()
    tally.batch(reply([100]))
    assert tally.sequence_gaps == 0
    tally.batch(reply([3, 4]))  # a restarted worker: no negative gap
    assert tally.sequence_gaps == 0
    tally.batch(reply([]))
    tally.batch(reply([6]))
    assert (tally.events, tally.sequence_gaps) == (4, 1)


def data_change(seq: int, seconds: int | None, nanos: int = 0) -> pb.MxEvent:
    event = pb.MxEvent(worker_sequence=seq, data_change=pb.OnDataChange(quality=192))
    if seconds is not None:
        event.data_change.timestamp.seconds = seconds
        event.data_change.timestamp.nanos = nanos
    return event


def test_latencies_run_from_the_source_timestamp_to_the_receipt() -> None:
    m = StreamMeasurement()
    batch = pb.StreamEventsReply(
        events=[
            data_change(1, 100, 250_000_000),  # 250 ms before the receipt
            data_change(2, 101),  # after the receipt (clock skew): 0
            data_change(3, None),  # no timestamp: counted, no latency
            pb.MxEvent(worker_sequence=4, operation_complete=pb.OperationComplete()),
            pb.MxEvent(worker_sequence=5, buffered_data_change=pb.OnBufferedDataChange()),
        ]
    )
    m.add(batch, received=100.5)
    assert (m.tally.events, m.tally.data_changes) == (5, 3)
    assert m.latencies == [250.0, 0.0]


def test_a_measurement_counts_batches_as_the_tally_does() -> None:
    batches = [
        pb.StreamEventsReply(events=[data_change(1, 100), data_change(2, 100)]),
        pb.StreamEventsReply(conflated_since_last=3, events=[data_change(6, 100)]),
        pb.StreamEventsReply(),
        pb.StreamEventsReply(events=[data_change(7, None), data_change(10, 100)]),
    ]
    m = StreamMeasurement()
    tally = StreamTally()
    for b in batches:
        m.add(b, received=100.0)
        tally.batch(b)
    assert (m.tally.events, m.tally.conflated, m.tally.sequence_gaps) == (5, 3, 5)
    assert (tally.events, tally.conflated, tally.sequence_gaps) == (5, 3, 5)
    assert m.tally.last_sequence == tally.last_sequence == 10
    assert m.tally.data_changes == 5


# === the stream loop ===


class MemoryStream:
    """Batches given up front, then nothing until cancelled (or the end, or an error)."""

    def __init__(self, batches: Sequence[pb.StreamEventsReply], then: str = "wait") -> None:
        self.batches = list(batches)
        self.then = then
        self.cancelled = False

    async def iterate(self) -> AsyncIterator[pb.StreamEventsReply]:
        try:
            for b in self.batches:
                yield b
            if self.then == "error":
                raise MxGatewayTransportError("stream broke", code=grpc.StatusCode.UNAVAILABLE)
            if self.then == "wait":
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


FIVE = [reply([1, 2], 1), reply([4], 0), pb.StreamEventsReply(events=[data_change(5, None)])]


async def test_without_a_warmup_every_batch_is_measured() -> None:
    stream = MemoryStream(FIVE)
    m = await measure_stream(stream.iterate(), warmup=0.0, duration=0.05)
    assert (m.tally.events, m.tally.data_changes, m.tally.conflated) == (4, 1, 1)
    assert m.tally.sequence_gaps == 1
    assert m.elapsed > 0
    assert stream.cancelled, "the read pending at the end is cancelled"


async def test_batches_received_during_the_warmup_are_not_measured() -> None:
    stream = MemoryStream(FIVE)
    m = await measure_stream(stream.iterate(), warmup=0.05, duration=0.0)
    assert m.tally == StreamTally()
    assert m.latencies == []
    assert stream.cancelled


@pytest.mark.parametrize("warmup", [0.0, 30.0])
async def test_the_end_of_the_stream_ends_the_benchmark(warmup: float) -> None:
    with pytest.raises(StreamEnded):
        await measure_stream(MemoryStream(FIVE, then="end").iterate(), warmup, 30.0)


@pytest.mark.parametrize("warmup", [0.0, 30.0])
async def test_a_stream_error_ends_the_benchmark(warmup: float) -> None:
    with pytest.raises(MxGatewayTransportError, match="stream broke"):
        await measure_stream(MemoryStream(FIVE, then="error").iterate(), warmup, 30.0)
