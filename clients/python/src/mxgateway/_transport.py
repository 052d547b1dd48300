"""The transport seam: every RPC of the client goes through :class:`Transport`.

It adds the ``authorization: Bearer <key>`` metadata (:func:`auth_metadata`)
and applies the one timeout policy to both call shapes, unary and
server-streaming, and it is the only code that calls a gRPC method. Tests
inject a channel to an in-process fake server through
:meth:`GatewayClient.connect`'s ``channel`` argument.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar, cast

import grpc
from google.protobuf import message as pb_message

from ._errors import (
    MxGatewayConfigError,
    MxGatewayTimeoutError,
    MxGatewayTransportError,
    Redactor,
    map_rpc_error,
)
from ._streams import RpcStream
from .generated.mxgateway.v1 import gateway_pb2

__all__ = ["SERVICE", "Transport", "auth_metadata", "method_path"]

#: The full name of the gateway service, from the generated descriptor.
SERVICE = gateway_pb2.DESCRIPTOR.services_by_name["MxAccessGateway"]

Reply = TypeVar("Reply", bound=pb_message.Message)


def method_path(name: str) -> str:
    """The gRPC path of a gateway method, e.g. ``/mxgateway.v1.MxAccessGateway/Invoke``."""
    return f"/{SERVICE.full_name}/{SERVICE.methods_by_name[name].name}"


def auth_metadata(api_key: str | None) -> tuple[tuple[str, str], ...]:
    """The call metadata for a key: ``authorization: Bearer <key>``, or nothing."""
    if not api_key:
        return ()
    if any(ord(c) < 0x20 or ord(c) > 0x7E for c in api_key):
        # Never echo the key, not even a malformed one.
        raise MxGatewayConfigError("the API key contains characters not allowed in a header")
    return (("authorization", f"Bearer {api_key}"),)


class Transport:
    """A channel plus the call policy (metadata, timeout, error mapping)."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        api_key: str | None,
        timeout: float | None,
        endpoint: str,
    ) -> None:
        self.channel = channel
        self.metadata = auth_metadata(api_key)
        self.redactor = Redactor(api_key)
        self.timeout = timeout
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"Transport(endpoint={self.endpoint!r}, timeout={self.timeout!r})"

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
            method_path(method),
            request_serializer=_serialize,
            response_deserializer=reply_type.FromString,
        )
        try:
            reply = await call(request, metadata=self.metadata, timeout=self.timeout)
        except grpc.aio.AioRpcError as e:
            raise map_rpc_error(e, self.redactor) from None
        return cast(Reply, reply)

    def server_stream(
        self, method: str, request: pb_message.Message, reply_type: type[Reply]
    ) -> RpcStream[Reply]:
        """A server stream. No gRPC deadline (it would end a healthy stream);
        the timeout bounds only the wait for the gateway to accept it."""
        call = self.channel.unary_stream(
            method_path(method),
            request_serializer=_serialize,
            response_deserializer=reply_type.FromString,
        )
        return RpcStream(call(request, metadata=self.metadata), self.redactor, self.timeout)

    async def close(self) -> None:
        await self.channel.close(None)


def _serialize(message: pb_message.Message) -> bytes:
    return message.SerializeToString()
