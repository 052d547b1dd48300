"""``GatewayClient``: one authenticated channel to a gateway."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import grpc

from ._check import check_protocol, status_is_failure
from ._errors import MxAccessError, MxGatewayInternalError
from ._options import ClientOptions, merge_options
from ._session import EventStream, Session
from ._streams import RpcStream
from ._transport import SERVICE, Transport
from .generated.mxgateway.v1 import alarms_pb2, commands_pb2, gateway_pb2

__all__ = ["AlarmEvent", "AlarmRecord", "GatewayClient"]

#: One message of :meth:`GatewayClient.stream_alarms` (a snapshot record,
#: the end of a snapshot, or a transition).
AlarmEvent = alarms_pb2.AlarmEvent
#: One alarm as it stands at the moment a message describes.
AlarmRecord = alarms_pb2.AlarmRecord

#: The largest priority bound the wire can carry (a ``uint32``); the gateway
#: itself accepts 1..999, and 0 for an open end.
_MAX_PRIORITY_BOUND = 2**32 - 1


def alarm_filter(
    queries: Sequence[str], min_priority: int, max_priority: int
) -> alarms_pb2.AlarmFilter:
    """The ``AlarmFilter`` of the alarm calls; ``ValueError`` for what the wire
    cannot carry (a bare string for ``queries``, a bound outside uint32)."""
    if isinstance(queries, (str, bytes)):
        raise ValueError("queries must be a sequence of query strings, not one string")
    for name, bound in (("min_priority", min_priority), ("max_priority", max_priority)):
        if not 0 <= bound <= _MAX_PRIORITY_BOUND:
            raise ValueError(f"{name} {bound} is outside 0..{_MAX_PRIORITY_BOUND}")
    return alarms_pb2.AlarmFilter(
        queries=list(queries), min_priority=min_priority, max_priority=max_priority
    )


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

    # === alarms (session-less) ===

    def stream_alarms(
        self, queries: Sequence[str] = (), min_priority: int = 0, max_priority: int = 0
    ) -> RpcStream[alarms_pb2.AlarmEvent]:
        """StreamAlarms: a snapshot of the active alarms, then every transition.

        The stream starts with one ``ALARM_EVENT_KIND_SNAPSHOT`` message per
        active alarm matching the filter, closed by ``SNAPSHOT_END`` (its
        ``snapshot_count`` says how many preceded it), then one ``TRANSITION``
        per state change of a matching alarm, in order. A later snapshot with
        ``resync`` set (the stream fell behind, or a deploy replaced the
        alarms) replaces everything seen before it.

        ``queries`` are alarm queries (``\\Galaxy!Area``,
        ``\\Galaxy!Area!Tank_*``; none: every alarm), ``min_priority`` and
        ``max_priority`` the inclusive priority range (0: open). Needs the
        ``alarms:read`` scope; a malformed query raises
        :class:`MxGatewayInvalidArgumentError` at the first iteration. The
        stream opens at the first iteration (bounded by the timeout; an open
        stream is not). Leaving the loop, ``aclose()``, the end of an
        ``async with`` block or cancelling the consuming task cancels the
        gRPC call.
        """
        request = alarms_pb2.StreamAlarmsRequest(
            filter=alarm_filter(queries, min_priority, max_priority)
        )
        return self._transport.server_stream("StreamAlarms", request, alarms_pb2.AlarmEvent)

    async def query_active_alarms(
        self, queries: Sequence[str] = (), min_priority: int = 0, max_priority: int = 0
    ) -> list[alarms_pb2.AlarmRecord]:
        """QueryActiveAlarms: the active alarms (``UNACK_ALM``, ``ACK_ALM``,
        ``UNACK_RTN``) matching the filter, most urgent first.

        The filter is that of :meth:`stream_alarms`; scope ``alarms:read``.
        The timeout bounds the whole call, as for a unary call.
        """
        request = alarms_pb2.QueryActiveAlarmsRequest(
            filter=alarm_filter(queries, min_priority, max_priority)
        )
        async with self._transport.server_stream(
            "QueryActiveAlarms", request, alarms_pb2.AlarmRecord, finite=True
        ) as records:
            return [record async for record in records]

    async def acknowledge_alarm_raw(
        self, reference: str, comment: str = "", operator: str = ""
    ) -> alarms_pb2.AcknowledgeAlarmReply:
        """AcknowledgeAlarm, returning the gateway's reply as is.

        ``reference`` is ``TagName.AlarmName`` (``Tank_001.Level.Hi``) or
        ``Area!TagName.AlarmName``; ``comment`` (at most 256 characters) is
        written to the alarm's ``.AckMsg``; ``operator`` names the galaxy user
        acknowledging (with galaxy security on, one allowed to acknowledge
        alarms). Needs the ``alarms:ack`` scope.

        Raises only for gateway failures: an unknown reference is
        :class:`MxGatewayNotFoundError`, a too long comment
        :class:`MxGatewayInvalidArgumentError`. A refusal by the alarm
        runtime (detail 1015: already acknowledged; 1014: no privilege) is a
        reply whose ``status`` failed.
        """
        reply = await self._transport.unary(
            "AcknowledgeAlarm",
            alarms_pb2.AcknowledgeAlarmRequest(
                reference=reference, comment=comment, operator=operator
            ),
            alarms_pb2.AcknowledgeAlarmReply,
        )
        return reply

    async def acknowledge_alarm(
        self, reference: str, comment: str = "", operator: str = ""
    ) -> alarms_pb2.AlarmRecord:
        """AcknowledgeAlarm, checked: returns the alarm after the call.

        As :meth:`acknowledge_alarm_raw`, but a refused acknowledgement raises
        :class:`MxAccessError` with the raw :class:`AcknowledgeAlarmReply` in
        ``reply`` and its failed status in ``status`` (``detail`` 1015:
        already acknowledged; 1014: the operator may not acknowledge alarms).
        """
        reply = await self.acknowledge_alarm_raw(reference, comment, operator)
        if reply.HasField("status") and status_is_failure(reply.status):
            raise MxAccessError(reply, reply.status)
        return reply.alarm

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
