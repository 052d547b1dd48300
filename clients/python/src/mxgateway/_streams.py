"""The one server-stream wrapper every stream of the client is built on.

:class:`RpcStream` owns a ``grpc.aio`` unary-stream call and is an async
iterator over its messages. It is the only place a stream is cancelled:
leaving it by any route (the consuming task is cancelled, ``aclose()``, the
``async with`` block ends, an error, or a ``break`` that drops the last
reference to it) cancels the gRPC call, which resets the
HTTP/2 stream so the gateway stops its handler. Errors are mapped through
:func:`map_rpc_error`. Opening is bounded by the client's timeout; an open
stream is not.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

import grpc

from ._errors import MxGatewayError, MxGatewayTimeoutError, Redactor, map_rpc_error

__all__ = ["RpcStream"]

T = TypeVar("T")

# The end-of-stream sentinel of grpc.aio (absent from the type stubs).
_EOF: object = grpc.aio.EOF  # type: ignore[attr-defined]


class RpcStream(Generic[T]):
    """Async iterator over a server stream that cancels the call when left."""

    def __init__(
        self,
        call: grpc.aio.UnaryStreamCall[Any, Any],
        redactor: Redactor,
        open_timeout: float | None,
    ) -> None:
        self._call = call
        self._redactor = redactor
        self._open_timeout = open_timeout
        self._opened = False
        self._done = False

    def __repr__(self) -> str:
        return f"RpcStream(opened={self._opened}, done={self._done})"

    def __aiter__(self) -> RpcStream[T]:
        return self

    async def __anext__(self) -> T:
        if self._done:
            raise StopAsyncIteration
        try:
            if not self._opened:
                await self._open()
            message = await self._call.read()
        except asyncio.CancelledError:
            # The consuming task was cancelled: take the call down with it.
            self.cancel()
            raise
        except grpc.aio.AioRpcError as e:
            self.cancel()
            raise map_rpc_error(e, self._redactor) from None
        except MxGatewayError:
            self.cancel()
            raise
        if message is _EOF:
            self._done = True
            raise StopAsyncIteration
        return cast(T, message)

    async def _open(self) -> None:
        """Waits until the gateway accepts the stream, bounded by the timeout."""
        try:
            await asyncio.wait_for(self._call.initial_metadata(), self._open_timeout)
        except asyncio.TimeoutError:
            raise MxGatewayTimeoutError(
                f"the gateway did not open the stream within {self._open_timeout} s"
            ) from None
        self._opened = True

    def __del__(self) -> None:
        # `async for ...: break` drops the stream without closing it, and the
        # gRPC call object outlives it (the channel keeps it referenced), so
        # the stream is cancelled here, when the last reference goes.
        if not getattr(self, "_done", True):
            self._done = True
            with contextlib.suppress(Exception):  # e.g. the loop is already closed
                self._call.cancel()

    def cancel(self) -> None:
        """Cancels the call (idempotent); the iterator then ends."""
        self._done = True
        self._call.cancel()

    @property
    def cancelled(self) -> bool:
        """True once the gRPC call was cancelled by this side."""
        return self._call.cancelled()

    async def aclose(self) -> None:
        """Cancels the call; the usual async-iterator close protocol."""
        self.cancel()

    async def __aenter__(self) -> RpcStream[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()
