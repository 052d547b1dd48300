"""``GatewayClient``: one authenticated channel to a gateway."""

from __future__ import annotations

from types import TracebackType

import grpc

from ._check import check_protocol
from ._errors import MxGatewayInternalError
from ._options import ClientOptions, merge_options
from ._session import EventStream, Session
from ._streams import RpcStream
from ._transport import SERVICE, Transport
from .generated.mxgateway.v1 import commands_pb2, gateway_pb2

__all__ = ["GatewayClient"]


class GatewayClient:
    """A client of the ``MxAccessGateway`` service.

    Create it with :meth:`connect`; use it as ``async with await
    GatewayClient.connect(...) as client``. Closing the client closes its
    channel, not its sessions: sessions outlive client processes by design.
    """

    def __init__(self, transport: Transport, options: ClientOptions) -> None:
        self._transport = transport
        self._options = options
        self._closed = False

    def __repr__(self) -> str:
        return f"GatewayClient({self._options!r}, closed={self._closed})"

    @classmethod
    async def connect(
        cls,
        options: ClientOptions | None = None,
        *,
        endpoint: str | None = None,
        api_key: str | None = None,
        plaintext: bool | None = None,
        ca_file: str | None = None,
        server_name_override: str | None = None,
        timeout: float | None = None,
        channel: grpc.aio.Channel | None = None,
    ) -> GatewayClient:
        """Validates the options and connects, bounded by the timeout.

        Pass a :class:`ClientOptions`, keyword arguments, or both (keywords
        override the options). ``channel`` injects a ready-made channel (the
        test seam); the TLS options are then not used.
        """
        options = merge_options(
            options,
            endpoint=endpoint,
            api_key=api_key,
            plaintext=plaintext,
            ca_file=ca_file,
            server_name_override=server_name_override,
            timeout=timeout,
        )
        transport = await Transport.open(options, SERVICE, channel)
        return cls(transport, options)

    @property
    def options(self) -> ClientOptions:
        return self._options

    @property
    def closed(self) -> bool:
        return self._closed

    # === sessions ===

    async def open_session_raw(
        self, request: gateway_pb2.OpenSessionRequest
    ) -> gateway_pb2.OpenSessionReply:
        """OpenSession, returning the gateway's reply as is."""
        return await self._transport.unary("OpenSession", request, gateway_pb2.OpenSessionReply)

    async def open_session(self, client_session_name: str = "mxgateway-python") -> Session:
        """Opens a session labelled ``client_session_name`` (shown to operators)."""
        reply = await self.open_session_raw(
            gateway_pb2.OpenSessionRequest(client_session_name=client_session_name)
        )
        if not reply.session_id:
            raise MxGatewayInternalError(
                "the gateway opened a session without an id", code=grpc.StatusCode.INTERNAL
            )
        return Session(self, reply.session_id, open_reply=reply)

    def session(self, session_id: str) -> Session:
        """Attaches to an existing session by id; no call is made."""
        return Session(self, session_id)

    async def close_session(self, session_id: str) -> bool:
        """CloseSession; returns the gateway's ``closed`` flag."""
        reply = await self._transport.unary(
            "CloseSession",
            gateway_pb2.CloseSessionRequest(session_id=session_id),
            gateway_pb2.CloseSessionReply,
        )
        return reply.closed

    # === commands and events ===

    async def invoke_raw(
        self, request: gateway_pb2.MxCommandRequest
    ) -> commands_pb2.MxCommandReply:
        """Invoke. Raises only for gateway failures (including a protocol-failure
        reply); MXAccess failures stay inside the returned reply."""
        reply = await self._transport.unary("Invoke", request, commands_pb2.MxCommandReply)
        # A gateway quoting our own key back must not put it in the caller's logs.
        scrub = self._transport.redactor.scrub
        if reply.message:
            reply.message = scrub(reply.message)
        arm = reply.WhichOneof("result")
        if arm in ("subscribe_results", "write_results", "read_results"):
            for result in getattr(reply, arm).results:
                if result.message:
                    result.message = scrub(result.message)
        return check_protocol(reply)

    def stream_events_raw(self, session_id: str) -> RpcStream[gateway_pb2.StreamEventsReply]:
        """StreamEvents, yielding the wire batches. Leaving the iterator cancels the call."""
        return self._transport.server_stream(
            "StreamEvents",
            gateway_pb2.StreamEventsRequest(session_id=session_id),
            gateway_pb2.StreamEventsReply,
        )

    def stream_events(self, session_id: str) -> EventStream:
        """A session's events one at a time (batches flattened)."""
        return EventStream(self.stream_events_raw(session_id))

    # === lifetime ===

    async def close(self) -> None:
        """Closes the channel. Idempotent, also under concurrent calls."""
        if self._closed:
            return
        # Set before the first await, so a concurrent close returns at once.
        self._closed = True
        await self._transport.close()

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
