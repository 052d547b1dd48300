"""Reading a session's events with timeouts that leave the stream open.

``asyncio.wait_for(events.__anext__(), t)`` cancels the pending read when the
time runs out, and cancelling a pending read cancels the whole gRPC stream
(see :class:`mxgateway.EventStream`). :class:`EventReader` keeps one read
pending instead: a read that times out goes on waiting in the background and
serves the next call, so nothing is lost and the stream stays up.
"""

from __future__ import annotations

import asyncio
import contextlib

from mxgateway import EventStream, pb


class EventReader:
    """A session's events, one at a time, each waited for at most a given time."""

    def __init__(self, events: EventStream) -> None:
        self._events = events
        self._pending: asyncio.Future[pb.MxEvent] | None = None

    def start(self) -> None:
        """Starts the first read now (the gRPC call opens with it) without waiting."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._events.__anext__())

    async def next(self, timeout: float) -> pb.MxEvent | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds.

        Errors of the stream (and its end, as ``StopAsyncIteration``) propagate.
        """
        self.start()
        assert self._pending is not None
        done, _ = await asyncio.wait({self._pending}, timeout=timeout)
        if not done:
            return None
        future, self._pending = self._pending, None
        return future.result()

    async def aclose(self) -> None:
        """Stops the pending read and cancels the stream."""
        if self._pending is not None:
            self._pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pending
            self._pending = None
        await self._events.aclose()
