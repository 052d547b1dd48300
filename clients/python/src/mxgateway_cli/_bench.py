"""The measuring parts of ``bench-read-bulk`` and ``bench-stream-events``.

Their JSON is a contract shared with ``mxgw`` (``docs/cli-json.md``,
"Benchmarks"; the keys, in order, are pinned by ``fixtures/bench-schema.json``).
This module holds what can be tested without a gateway: the percentile
algorithm every language uses (the samples sorted, ``rank = q * (n - 1)``,
linear interpolation between the neighbouring ranks; no samples give 0, one
sample gives itself), the rounding to three decimals (half away from zero, as
Rust's ``f64::round``), the tallies, and the two measuring loops. Opening,
subscribing and closing the session are the commands' (``_commands``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from google.protobuf import timestamp_pb2

from mxgateway import MxGatewayError, pb

from ._json import Json

__all__ = [
    "ReadTally",
    "StreamEnded",
    "StreamMeasurement",
    "StreamTally",
    "TagWindows",
    "age_ms",
    "latency_summary",
    "measure_read_bulk",
    "measure_stream",
    "percentile",
    "rate",
    "round3",
    "stream_rate",
    "SUBSCRIBE_CHUNK",
]


SUBSCRIBE_CHUNK = 10_000
"""Tags per SubscribeBulk call: the gateway's default ``max_bulk_items``, so a
benchmark of any size works against a gateway with default limits (as in mxgw)."""


def percentile(sorted_samples: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ascending ``sorted_samples``."""
    n = len(sorted_samples)
    if n == 0:
        return 0.0
    if n == 1:
        return sorted_samples[0]
    rank = min(max(q, 0.0), 1.0) * (n - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    fraction = rank - low
    return sorted_samples[low] + (sorted_samples[high] - sorted_samples[low]) * fraction


def _round_half_away(x: float) -> float:
    """Rust's ``f64::round``: the nearest integer, halves away from zero
    (Python's ``round`` rounds halves to even)."""
    if not math.isfinite(x):
        return x
    whole = float(math.trunc(x))
    if abs(x - whole) >= 0.5:  # exact: the fractional part of a float is a float
        whole += math.copysign(1.0, x)
    return whole


def round3(v: float) -> float:
    """``v`` rounded to three decimals the way ``mxgw`` rounds: ``(v * 1000).round() / 1000``."""
    return _round_half_away(v * 1000.0) / 1000.0


def latency_summary(samples: Sequence[float]) -> dict[str, Json]:
    """``{p50, p95, p99, max, mean}`` of the samples (milliseconds), rounded."""
    ordered = sorted(samples)
    # Summed one by one in ascending order, as mxgw does (Python 3.12's sum()
    # compensates, which could differ in the last bit).
    total = 0.0
    for s in ordered:
        total += s
    mean = total / len(ordered) if ordered else 0.0
    return {
        "p50": round3(percentile(ordered, 0.50)),
        "p95": round3(percentile(ordered, 0.95)),
        "p99": round3(percentile(ordered, 0.99)),
        "max": round3(ordered[-1] if ordered else 0.0),
        "mean": round3(mean),
    }


def rate(count: int, seconds: float) -> float:
    """``count / seconds`` as IEEE division gives it (a zero time gives infinity or
    NaN, printed as null, where Python would raise)."""
    if seconds > 0:
        return count / seconds
    return math.nan if count == 0 else math.inf


# === bench-read-bulk ===


class TagWindows:
    """The tags of successive ReadBulk calls: ``size`` at a time, walking the tag
    list and wrapping around."""

    def __init__(self, tags: Sequence[str], size: int) -> None:
        if not tags or size < 1:
            raise ValueError("TagWindows needs tags and a size of at least 1")
        self._tags = list(tags)
        self._size = size
        self._next = 0

    def next(self) -> list[str]:
        n = len(self._tags)
        batch = [self._tags[(self._next + i) % n] for i in range(self._size)]
        self._next = (self._next + self._size) % n
        return batch


@dataclass
class ReadTally:
    """What the measured part of a ReadBulk benchmark showed."""

    calls: int = 0
    failed: int = 0
    results: int = 0
    cached: int = 0
    #: Milliseconds per successful call.
    latencies: list[float] = field(default_factory=list)
    #: The measured seconds.
    elapsed: float = 0.0

    @property
    def successful(self) -> int:
        return self.calls - self.failed


ReadCall = Callable[[list[str]], Awaitable[Sequence[pb.BulkReadResult]]]


async def measure_read_bulk(
    read: ReadCall,
    windows: TagWindows,
    warmup: float,
    duration: float,
    on_failure: Callable[[MxGatewayError], None],
    clock: Callable[[], float] = time.perf_counter,
) -> ReadTally:
    """Calls ``read`` for ``warmup`` seconds unmeasured (a failure there ends the
    benchmark: the gateway is down), then for ``duration`` seconds measured, at
    least once. A failed measured call is counted, passed to ``on_failure`` and
    left out of the latencies."""
    warm_until = clock() + warmup
    while clock() < warm_until:
        await read(windows.next())
    tally = ReadTally()
    started = clock()
    while clock() - started < duration or tally.calls == 0:
        call = clock()
        try:
            entries = await read(windows.next())
        except MxGatewayError as e:
            tally.calls += 1
            tally.failed += 1
            on_failure(e)
            continue
        took = clock() - call
        tally.calls += 1
        tally.latencies.append(took * 1000.0)
        tally.results += len(entries)
        tally.cached += sum(1 for e in entries if e.was_cached)
    tally.elapsed = clock() - started
    return tally


# === bench-stream-events ===


def age_ms(t: timestamp_pb2.Timestamp, now: float) -> float:
    """Milliseconds from a source timestamp to ``now`` (Unix seconds); a source
    time ahead of ``now`` (clock skew) counts as 0."""
    source = t.seconds + t.nanos / 1e9
    return max((now - source) * 1000.0, 0.0)


@dataclass
class StreamTally:
    """Event counts of the measured part of an event stream."""

    events: int = 0
    data_changes: int = 0
    conflated: int = 0
    sequence_gaps: int = 0
    last_sequence: int | None = None

    def batch(self, reply: pb.StreamEventsReply) -> None:
        """Counts one batch: its events, the gateway's conflation since the last
        batch, and the worker sequence numbers skipped (conflated or lost events)."""
        self.conflated += reply.conflated_since_last
        for event in reply.events:
            self.events += 1
            if self.last_sequence is not None:
                self.sequence_gaps += max(event.worker_sequence - (self.last_sequence + 1), 0)
            self.last_sequence = event.worker_sequence


@dataclass
class StreamMeasurement:
    """A stream benchmark's counts, data-change latencies (ms) and measured seconds."""

    tally: StreamTally = field(default_factory=StreamTally)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, reply: pb.StreamEventsReply, received: float) -> None:
        """Counts a batch received at ``received`` (Unix seconds).

        The same counts as :meth:`StreamTally.batch` plus the latencies, in one
        pass with the lookups hoisted: this loop runs for every event, and at a
        few hundred thousand events a second it is the Python client's cost."""
        tally = self.tally
        tally.conflated += reply.conflated_since_last
        events = reply.events
        tally.events += len(events)
        last = tally.last_sequence
        gaps = 0
        changes = 0
        latency = self.latencies.append
        for event in events:
            sequence = event.worker_sequence
            if last is not None and sequence > last + 1:
                gaps += sequence - last - 1
            last = sequence
            if event.HasField("data_change"):
                changes += 1
                change = event.data_change
                if change.HasField("timestamp"):
                    t = change.timestamp
                    age = (received - (t.seconds + t.nanos / 1e9)) * 1000.0
                    latency(age if age > 0.0 else 0.0)
        tally.last_sequence = last
        tally.sequence_gaps += gaps
        tally.data_changes += changes


class StreamEnded(Exception):
    """The gateway ended the event stream during the benchmark."""


async def _until(task: asyncio.Task[None], seconds: float) -> None:
    """Waits ``seconds`` while ``task`` runs; the task's end (an error, or the
    stream's end) ends the wait with its exception."""
    done, _ = await asyncio.wait({task}, timeout=max(seconds, 0.0))
    if done:
        task.result()
        raise StreamEnded  # the reader only returns by raising


async def measure_stream(
    batches: AsyncIterator[pb.StreamEventsReply],
    warmup: float,
    duration: float,
    wall_clock: Callable[[], float] = time.time,
) -> StreamMeasurement:
    """Reads ``batches`` for ``warmup`` seconds unmeasured, then ``duration`` seconds
    measured. A batch belongs to the phase in which it is received.

    The reading runs as a task the phases only observe: a pending read is never
    cancelled at a phase boundary (cancelling it would cancel the gRPC call),
    only at the end, which cancels the stream. Errors of the stream propagate;
    its end raises :class:`StreamEnded`."""
    measurement = StreamMeasurement()
    measuring = warmup <= 0

    async def read() -> None:
        async for reply in batches:
            if measuring:
                measurement.add(reply, wall_clock())
        raise StreamEnded

    loop = asyncio.get_running_loop()
    warm_until = loop.time() + warmup
    # Created after `measuring` is set: without a warm-up, the first batch counts.
    reader = asyncio.create_task(read())
    try:
        if not measuring:
            await _until(reader, warm_until - loop.time())
            measuring = True
        started = time.perf_counter()
        await _until(reader, warm_until + duration - loop.time())
        measuring = False
        measurement.elapsed = time.perf_counter() - started
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, StreamEnded, MxGatewayError):
            await reader
    return measurement


def stream_rate(events: int, seconds: float) -> float:
    """Events per second; a zero time counts as the smallest positive one, as in mxgw."""
    return rate(events, max(seconds, sys.float_info.min))
