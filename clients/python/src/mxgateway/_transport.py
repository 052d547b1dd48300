"""The transport seam: every RPC of the client goes through :class:`Transport`.

It adds the ``authorization: Bearer <key>`` metadata (:func:`auth_metadata`)
and applies the one timeout policy to both call shapes, unary and
server-streaming, and it is the only code that calls a gRPC method. One
transport serves one gRPC service (``MxAccessGateway`` for
:class:`GatewayClient`, ``GalaxyRepository`` for
:class:`GalaxyRepositoryClient`); :meth:`Transport.open` is the one way both
clients connect, so options, TLS, timeouts and redaction are the same. Tests
inject a channel to an in-process fake server through the clients'
``connect(channel=...)`` argument.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar, cast

import grpc
from google.protobuf import descriptor
from google.protobuf import message as pb_message

from ._errors import (
    MxGatewayConfigError,
    MxGatewayTimeoutError,
    MxGatewayTransportError,
    Redactor,
    map_rpc_error,
)
from ._options import ClientOptions, build_channel, plan_channel
from ._streams import RpcStream
from .generated.mxgateway.v1 import galaxy_pb2, gateway_pb2

__all__ = ["GALAXY_SERVICE", "SERVICE", "Transport", "auth_metadata", "method_path"]

#: The gateway's session service, from the generated descriptor.
SERVICE = gateway_pb2.DESCRIPTOR.services_by_name["MxAccessGateway"]
#: The Galaxy Repository service, from the generated descriptor.
GALAXY_SERVICE = galaxy_pb2.DESCRIPTOR.services_by_name["GalaxyRepository"]

Reply = TypeVar("Reply", bound=pb_message.Message)


def method_path(name: str, service: descriptor.ServiceDescriptor = SERVICE) -> str:
    """The gRPC path of a method, e.g. ``/mxgateway.v1.MxAccessGateway/Invoke``.

    ``KeyError`` when ``service`` has no method ``name``.
    """
    return f"/{service.full_name}/{service.methods_by_name[name].name}"


def auth_metadata(api_key: str | None) -> tuple[tuple[str, str], ...]:
    """The call metadata for a key: ``authorization: Bearer <key>``, or nothing."""
    if not api_key:
        return ()
    if any(ord(c) < 0x20 or ord(c) > 0x7E for c in api_key):
        # Never echo the key, not even a malformed one.
        raise MxGatewayConfigError("the API key contains characters not allowed in a header")
    return (("authorization", f"Bearer {api_key}"),)


class Transport:
    """A channel plus the call policy (metadata, timeout, error mapping) for one service."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        api_key: str | None,
        timeout: float | None,
        endpoint: str,
        service: descriptor.ServiceDescriptor = SERVICE,
    ) -> None:
        self.channel = channel
        self.metadata = auth_metadata(api_key)
        self.redactor = Redactor(api_key)
        self.timeout = timeout
        self.endpoint = endpoint
        self.service = service

    def __repr__(self) -> str:
        return (
            f"Transport(service={self.service.name}, endpoint={self.endpoint!r}, "
            f"timeout={self.timeout!r})"
        )

    @classmethod
    async def open(
        cls,
        options: ClientOptions,
        service: descriptor.ServiceDescriptor,
        channel: grpc.aio.Channel | None = None,
    ) -> Transport:
        """Builds the channel the options describe (unless ``channel`` is given)
        and connects, bounded by the timeout; the channel is closed on failure."""
        if channel is None:
            channel = build_channel(plan_channel(options))
        transport = cls(
            channel, options.api_key, options.effective_timeout, options.endpoint, service
        )
        try:
            await transport.wait_ready()
        except BaseException:
            await transport.close()
            raise
        return transport

    async def wait_ready(self) -> None:
        """Connects, bounded by the timeout; a failed attempt fails at once."""
        try:
            await asyncio.wait_for(self._connect(), self.timeout)
        except asyncio.TimeoutError:
            raise MxGatewayTimeoutError(
                f"cannot connect to {self.redactor.scrub(self.endpoint)} within {self.timeout} s"
            ) from None

    async def _connect(self) -> None:
        state = self.channel.get_state(try_to_connect=True)
        while state is not grpc.ChannelConnectivity.READY:
            if state in (
                grpc.ChannelConnectivity.TRANSIENT_FAILURE,
                grpc.ChannelConnectivity.SHUTDOWN,
            ):
                raise MxGatewayTransportError(
                    f"cannot connect to {self.redactor.scrub(self.endpoint)}: the connection "
                    "or the TLS handshake failed (is the gateway up, and is TLS/plaintext "
                    "chosen to match it?)",
                    code=grpc.StatusCode.UNAVAILABLE,
                )
            await self.channel.wait_for_state_change(state)
            state = self.channel.get_state(try_to_connect=True)

    async def unary(
        self, method: str, request: pb_message.Message, reply_type: type[Reply]
    ) -> Reply:
        """A unary call: the timeout is the gRPC deadline, enforced on both sides."""
        call = self.channel.unary_unary(
            method_path(method, self.service),
            request_serializer=_serialize,
            response_deserializer=reply_type.FromString,
        )
        try:
            reply = await call(request, metadata=self.metadata, timeout=self.timeout)
        except grpc.aio.AioRpcError as e:
            raise map_rpc_error(e, self.redactor) from None
        return cast(Reply, reply)

    def server_stream(
        self,
        method: str,
        request: pb_message.Message,
        reply_type: type[Reply],
        *,
        finite: bool = False,
    ) -> RpcStream[Reply]:
        """A server stream. No gRPC deadline (it would end a healthy stream);
        the timeout bounds only the wait for the gateway to accept it.

        ``finite=True`` is for a stream that is one answer read to its end
        (QueryActiveAlarms): the timeout is then also its gRPC deadline, as
        for a unary call, so the whole call is bounded."""
        call = self.channel.unary_stream(
            method_path(method, self.service),
            request_serializer=_serialize,
            response_deserializer=reply_type.FromString,
        )
        deadline = self.timeout if finite else None
        return RpcStream(
            call(request, metadata=self.metadata, timeout=deadline), self.redactor, self.timeout
        )

    async def close(self) -> None:
        """Closes the channel; calls still running fail with ``CANCELLED``."""
        await self.channel.close(None)


def _serialize(message: pb_message.Message) -> bytes:
    return message.SerializeToString()
