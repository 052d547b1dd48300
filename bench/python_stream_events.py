"""Events/s delivered by the Python library's per-event API, ``Session.stream_events()``.

    python bench/python_stream_events.py --endpoint HOST:PORT --items-file FILE \\
        [--duration-seconds 8] [--warmup-seconds 2]

The API key comes from ``$MXGW_BENCH_KEY``; the connection is plaintext (a loopback
benchmark). It opens a session, subscribes every tag of ``--items-file`` and
counts the events ``async for event in session.stream_events()`` yields, with no
work per event, so the figure is the library's own ceiling. ``mxgw-py
bench-stream-events`` reads the wire batches instead and measures latency per
event; ``bench/run`` runs both. Prints one JSON line. A tool under ``bench/``,
run with the Python client's virtual environment (clients/python/.venv).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from mxgateway import GatewayClient

SUBSCRIBE_CHUNK = 10_000  # the gateway's default max_bulk_items


async def measure(
    endpoint: str, tags: list[str], warmup: float, duration: float
) -> dict[str, object]:
    client = await GatewayClient.connect(
        endpoint=endpoint, api_key=os.environ["MXGW_BENCH_KEY"], plaintext=True
    )
    session = await client.open_session("python-stream-events")
    try:
        server = await session.register("python-stream-events")
        for start in range(0, len(tags), SUBSCRIBE_CHUNK):
            await session.subscribe_bulk(server, tags[start : start + SUBSCRIBE_CHUNK])
        events = 0
        measuring = False
        warm_until = time.perf_counter() + warmup
        started = end = 0.0
        stream = session.stream_events()
        conflated_before = 0
        async for _event in stream:
            if measuring:
                events += 1
                # Checking the clock every event would cost more than the loop.
                if events & 1023 == 0 and time.perf_counter() >= end:
                    break
            elif time.perf_counter() >= warm_until:
                measuring = True
                started = time.perf_counter()
                end = started + duration
                conflated_before = stream.conflated_seen
        elapsed = time.perf_counter() - started
        await stream.aclose()
    finally:
        await session.close()
        await client.close()
    return {
        "language": "python",
        "command": "stream_events",
        "tags": len(tags),
        "durationMs": round(elapsed * 1000, 3),
        "totalEvents": events,
        "eventsPerSecond": round(events / elapsed, 3) if elapsed > 0 else 0.0,
        "conflatedEvents": stream.conflated_seen - conflated_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--items-file", required=True)
    parser.add_argument("--duration-seconds", type=float, default=8.0)
    parser.add_argument("--warmup-seconds", type=float, default=2.0)
    opts = parser.parse_args()
    with open(opts.items_file, encoding="utf-8") as f:
        tags = [line.strip() for line in f if line.strip()]
    result = asyncio.run(
        measure(opts.endpoint, tags, opts.warmup_seconds, opts.duration_seconds)
    )
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
