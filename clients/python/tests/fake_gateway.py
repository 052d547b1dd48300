"""An in-process fake of the gateway's services on 127.0.0.1:0, for unit tests.

It serves ``MxAccessGateway`` and ``GalaxyRepository`` on one port, records
every request with its metadata, answers from programmable replies, and can
fail a method with a status and ``mxgateway-error`` kind. Without programmed
replies, Invoke answers every command successfully (handles 1 and 2, user id
7, an OK status for Suspend and Activate, the gateway's rounding and range
check for SetBufferedUpdateInterval, one result per bulk entry). Streams are fed
from an :class:`asyncio.Queue`, and the fake notes when the client cancelled
one. The browse pages ``galaxy_objects`` with the tokens ``tok-<offset>``
(the gateway's tokens are opaque; these just make tests readable), unless
``galaxy_pages`` scripts the replies by request token. The alarm RPCs answer
from ``alarm_events`` (a queue, like the event stream), ``active_alarms`` and
``ack_reply``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import grpc
from google.protobuf import timestamp_pb2

from mxgateway import pb
from mxgateway._transport import GALAXY_SERVICE, method_path

__all__ = [
    "DEPLOY_NANOS",
    "E_INVALIDARG",
    "FakeGateway",
    "Failure",
    "OK_STATUS",
    "Recorded",
    "bulk_reply",
    "galaxy_object",
    "set_interval_reply",
]

# Generic only in the type stubs, so the aliases are strings.
Ctx: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"


def bulk_reply(command: pb.MxCommand, reply: pb.MxCommandReply) -> None:
    """A successful result per entry of a bulk command (other commands: nothing).

    References get item handles 2, 3, ...; reads return int32 42 with quality
    192 at 2023-11-14T22:13:20.500Z, cached for references ending in ``Int``.
    """
    arm = command.WhichOneof("command") or ""
    body: Any = getattr(command, arm, None)
    if arm in ("add_item_bulk", "subscribe_bulk"):
        for i, ref in enumerate(body.item_definitions):
            reply.subscribe_results.results.add(
                item_definition=ref, item_handle=2 + i, was_successful=True
            )
        reply.subscribe_results.SetInParent()
    elif arm in ("advise_item_bulk", "unadvise_item_bulk", "remove_item_bulk", "unsubscribe_bulk"):
        for handle in body.item_handles:
            reply.subscribe_results.results.add(item_handle=handle, was_successful=True)
        reply.subscribe_results.SetInParent()
    elif arm in ("write_bulk", "write2_bulk", "write_secured_bulk", "write_secured2_bulk"):
        for entry in body.entries:
            reply.write_results.results.add(item_handle=entry.item_handle, was_successful=True)
        reply.write_results.SetInParent()
    elif arm == "read_bulk":
        for ref in body.item_definitions:
            r = reply.read_results.results.add(
                item_definition=ref, was_successful=True, was_cached=ref.endswith("Int")
            )
            r.value.CopyFrom(
                pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=42)
            )
            r.quality = 192
            r.timestamp.FromNanoseconds(1_700_000_000_500_000_000)
        reply.read_results.SetInParent()


#: The synchronous status of a successful Suspend or Activate, as the gateway sends it.
OK_STATUS = pb.MxStatus(
    success=1,
    category=pb.MX_STATUS_CATEGORY_OK,
    detected_by=pb.MX_STATUS_SOURCE_RESPONDING_LMX,
    raw_detected_by=1,
)

#: E_INVALIDARG, the HRESULT of a refused argument (an out-of-range interval).
E_INVALIDARG = -2147024809


def set_interval_reply(
    command: pb.SetBufferedUpdateIntervalCommand, reply: pb.MxCommandReply
) -> None:
    """SetBufferedUpdateInterval as the gateway answers it: 1 to 3,600,000 ms,
    rounded up to a multiple of 100 ms; anything else fails with E_INVALIDARG."""
    requested = command.update_interval_ms
    if not 1 <= requested <= 3_600_000:
        reply.hresult = E_INVALIDARG
        reply.message = f"the buffered update interval must be 1 to 3600000 ms, not {requested}"
        return
    reply.update_interval_ms = (requested + 99) // 100 * 100


def galaxy_object(gobject_id: int, tag_name: str, attributes: int = 1) -> pb.GalaxyObject:
    """A deployed object with ``attributes`` Integer attributes ``Attr0``, ``Attr1``, ..."""
    obj = pb.GalaxyObject(
        gobject_id=gobject_id,
        tag_name=tag_name,
        contained_name=tag_name,
        hierarchical_name=f"Area.{tag_name}",
        browse_name=tag_name,
        parent_gobject_id=1,
        parent_tag_name="Area",
        area_tag_name="Area",
        template_chain=["$Thing", "$UserDefined"],
        category_id=10,
        category="ApplicationObject",
    )
    for i in range(attributes):
        obj.attributes.add(
            attribute_name=f"Attr{i}",
            full_tag_reference=f"{tag_name}.Attr{i}",
            data_type=pb.MX_DATA_TYPE_INTEGER,
            security_classification=pb.SECURITY_CLASSIFICATION_FREE_ACCESS,
        )
    return obj


#: 2026-11-21T23:47:16.854Z, the deploy time of the docs' examples.
DEPLOY_NANOS = 1_795_304_836_854_000_000


def _deploy_time() -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromNanoseconds(DEPLOY_NANOS)
    return t


@dataclass
class Recorded:
    method: str
    request: Any
    metadata: dict[str, str]


@dataclass
class Failure:
    code: grpc.StatusCode
    message: str
    kind: str | None = None


@dataclass
class FakeGateway:
    """The fake's state; tests program it and read what it saw."""

    calls: list[Recorded] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    invoke_replies: list[pb.MxCommandReply] = field(default_factory=list)
    events: asyncio.Queue[pb.StreamEventsReply | None] = field(default_factory=asyncio.Queue)
    stream_cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    stream_started: asyncio.Event = field(default_factory=asyncio.Event)
    invoke_delay: float = 0.0
    #: The limits OpenSession advertises.
    limits: pb.ServerLimits = field(
        default_factory=lambda: pb.ServerLimits(max_sessions=64, max_events_per_batch=256)
    )
    # --- GalaxyRepository ---
    connection: pb.TestConnectionReply = field(
        default_factory=lambda: pb.TestConnectionReply(ok=True, provider="sqlite")
    )
    #: The deploy state: GetLastDeployTime and the watch's first event.
    deploy: pb.DeployEvent = field(
        default_factory=lambda: pb.DeployEvent(
            sequence=1,
            time_of_last_deploy=_deploy_time(),
            time_of_last_deploy_present=True,
            object_count=17,
            attribute_count=96,
        )
    )
    galaxy_objects: list[pb.GalaxyObject] = field(default_factory=list)
    #: Objects per page when the request says 0.
    default_page_size: int = 100
    #: Scripted browse replies by request token; replaces the paging of ``galaxy_objects``.
    galaxy_pages: dict[str, pb.DiscoverHierarchyReply] | None = None
    deploy_events: asyncio.Queue[pb.DeployEvent | None] = field(default_factory=asyncio.Queue)
    watch_started: asyncio.Event = field(default_factory=asyncio.Event)
    watch_cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    deploy_reply: pb.DeploySimulatedGalaxyReply = field(
        default_factory=lambda: pb.DeploySimulatedGalaxyReply(
            time_of_last_deploy=_deploy_time(), object_count=18, attribute_count=99
        )
    )

    # --- alarms ---
    alarm_events: asyncio.Queue[pb.AlarmEvent | None] = field(default_factory=asyncio.Queue)
    alarm_stream_started: asyncio.Event = field(default_factory=asyncio.Event)
    alarm_stream_cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    active_alarms: list[pb.AlarmRecord] = field(default_factory=list)
    #: The AcknowledgeAlarm reply; ``None``: an OK status and the alarm asked for.
    ack_reply: pb.AcknowledgeAlarmReply | None = None

    server: grpc.aio.Server | None = None
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def requests(self, method: str) -> list[Any]:
        return [c.request for c in self.calls if c.method == method]

    async def _record(self, method: str, request: Any, context: Ctx) -> None:
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        self.calls.append(Recorded(method, request, metadata))
        failure = self.failures.get(method)
        if failure is not None:
            if failure.kind is not None:
                context.set_trailing_metadata((("mxgateway-error", failure.kind),))
            await context.abort(failure.code, failure.message)

    async def open_session(
        self, request: pb.OpenSessionRequest, context: Ctx
    ) -> pb.OpenSessionReply:
        await self._record("OpenSession", request, context)
        return pb.OpenSessionReply(
            session_id="sess-1",
            gateway_version="0.1.0",
            backend="sim",
            worker_protocol_version=1,
            capabilities=["mxaccess-core", "event-conflation"],
            limits=self.limits,
        )

    async def close_session(
        self, request: pb.CloseSessionRequest, context: Ctx
    ) -> pb.CloseSessionReply:
        await self._record("CloseSession", request, context)
        return pb.CloseSessionReply(closed=True)

    async def invoke(self, request: pb.MxCommandRequest, context: Ctx) -> pb.MxCommandReply:
        await self._record("Invoke", request, context)
        if self.invoke_delay:
            await asyncio.sleep(self.invoke_delay)
        if self.invoke_replies:
            return self.invoke_replies.pop(0)
        arm = request.command.WhichOneof("command")
        reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
        if arm == "register":
            reply.server_handle = 1
        elif arm in ("add_item", "add_item2", "add_buffered_item"):
            reply.item_handle = 2
        elif arm in ("authenticate_user", "archestra_user_to_id"):
            reply.user_id = 7
        elif arm in ("suspend", "activate"):
            reply.statuses.append(OK_STATUS)
        elif arm == "set_buffered_update_interval":
            set_interval_reply(request.command.set_buffered_update_interval, reply)
        else:
            bulk_reply(request.command, reply)
        return reply

    async def stream_events(
        self, request: pb.StreamEventsRequest, context: Ctx
    ) -> AsyncIterator[pb.StreamEventsReply]:
        await self._record("StreamEvents", request, context)
        self.stream_started.set()
        # A cancelled call stops this generator with CancelledError while it
        # waits, or with GeneratorExit while it is suspended at a yield: both
        # count as cancellation, an end by `None` does not.
        ended = False
        try:
            while True:
                batch = await self.events.get()
                if batch is None:
                    ended = True
                    return
                yield batch
        finally:
            if not ended:
                self.stream_cancelled.set()

    # === GalaxyRepository ===

    async def test_connection(
        self, request: pb.TestConnectionRequest, context: Ctx
    ) -> pb.TestConnectionReply:
        await self._record("TestConnection", request, context)
        return self.connection

    async def get_last_deploy_time(
        self, request: pb.GetLastDeployTimeRequest, context: Ctx
    ) -> pb.GetLastDeployTimeReply:
        await self._record("GetLastDeployTime", request, context)
        reply = pb.GetLastDeployTimeReply(present=self.deploy.time_of_last_deploy_present)
        if reply.present:
            reply.time_of_last_deploy.CopyFrom(self.deploy.time_of_last_deploy)
        return reply

    async def discover_hierarchy(
        self, request: pb.DiscoverHierarchyRequest, context: Ctx
    ) -> pb.DiscoverHierarchyReply:
        await self._record("DiscoverHierarchy", request, context)
        if self.galaxy_pages is not None:
            scripted = self.galaxy_pages.get(request.page_token)
            if scripted is None:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
            return scripted
        offset = 0
        if request.page_token:
            if not request.page_token.startswith("tok-"):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
            offset = int(request.page_token[4:])
        size = request.page_size or self.default_page_size
        end = offset + size
        reply = pb.DiscoverHierarchyReply(
            objects=self.galaxy_objects[offset:end], total_objects=len(self.galaxy_objects)
        )
        if end < len(self.galaxy_objects):
            reply.next_page_token = f"tok-{end}"
        return reply

    async def watch_deploy_events(
        self, request: pb.WatchDeployEventsRequest, context: Ctx
    ) -> AsyncIterator[pb.DeployEvent]:
        await self._record("WatchDeployEvents", request, context)
        # Headers first, as the gateway sends them, so the stream opens even
        # when no event follows.
        await context.send_initial_metadata(())
        self.watch_started.set()
        ended = False  # As in stream_events: a yield may see GeneratorExit.
        try:
            seen = request.HasField("last_seen_deploy_time") and (
                request.last_seen_deploy_time == self.deploy.time_of_last_deploy
            )
            if not seen:
                yield self.deploy
            while True:
                event = await self.deploy_events.get()
                if event is None:
                    ended = True
                    return
                yield event
        finally:
            if not ended:
                self.watch_cancelled.set()

    async def deploy_simulated_galaxy(
        self, request: pb.DeploySimulatedGalaxyRequest, context: Ctx
    ) -> pb.DeploySimulatedGalaxyReply:
        await self._record("DeploySimulatedGalaxy", request, context)
        return self.deploy_reply

    # === alarms ===

    async def stream_alarms(
        self, request: pb.StreamAlarmsRequest, context: Ctx
    ) -> AsyncIterator[pb.AlarmEvent]:
        await self._record("StreamAlarms", request, context)
        await context.send_initial_metadata(())
        self.alarm_stream_started.set()
        ended = False  # As in stream_events: a yield may see GeneratorExit.
        try:
            while True:
                event = await self.alarm_events.get()
                if event is None:
                    ended = True
                    return
                yield event
        finally:
            if not ended:
                self.alarm_stream_cancelled.set()

    async def query_active_alarms(
        self, request: pb.QueryActiveAlarmsRequest, context: Ctx
    ) -> AsyncIterator[pb.AlarmRecord]:
        await self._record("QueryActiveAlarms", request, context)
        for record in self.active_alarms:
            yield record

    async def acknowledge_alarm(
        self, request: pb.AcknowledgeAlarmRequest, context: Ctx
    ) -> pb.AcknowledgeAlarmReply:
        await self._record("AcknowledgeAlarm", request, context)
        if self.ack_reply is not None:
            return self.ack_reply
        return pb.AcknowledgeAlarmReply(
            status=pb.MxStatus(success=1, category=pb.MX_STATUS_CATEGORY_OK),
            alarm=pb.AlarmRecord(reference=request.reference, state=pb.ALARM_STATE_ACK_ALM),
        )

    def handler(self) -> grpc.GenericRpcHandler[Any, Any]:
        def unary(fn: Callable[..., Any], req: Any, rep: Any) -> Handler:
            return grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=req.FromString, response_serializer=rep.SerializeToString
            )

        handlers = {
            method_path("OpenSession"): unary(
                self.open_session, pb.OpenSessionRequest, pb.OpenSessionReply
            ),
            method_path("CloseSession"): unary(
                self.close_session, pb.CloseSessionRequest, pb.CloseSessionReply
            ),
            method_path("Invoke"): unary(self.invoke, pb.MxCommandRequest, pb.MxCommandReply),
            method_path("StreamEvents"): grpc.unary_stream_rpc_method_handler(
                self.stream_events,
                request_deserializer=pb.StreamEventsRequest.FromString,
                response_serializer=pb.StreamEventsReply.SerializeToString,
            ),
        }

        handlers.update(
            {
                method_path("StreamAlarms"): grpc.unary_stream_rpc_method_handler(
                    self.stream_alarms,
                    request_deserializer=pb.StreamAlarmsRequest.FromString,
                    response_serializer=pb.AlarmEvent.SerializeToString,
                ),
                method_path("QueryActiveAlarms"): grpc.unary_stream_rpc_method_handler(
                    self.query_active_alarms,
                    request_deserializer=pb.QueryActiveAlarmsRequest.FromString,
                    response_serializer=pb.AlarmRecord.SerializeToString,
                ),
                method_path("AcknowledgeAlarm"): unary(
                    self.acknowledge_alarm, pb.AcknowledgeAlarmRequest, pb.AcknowledgeAlarmReply
                ),
            }
        )

        def galaxy(name: str) -> str:
            return method_path(name, GALAXY_SERVICE)

        handlers.update(
            {
                galaxy("TestConnection"): unary(
                    self.test_connection, pb.TestConnectionRequest, pb.TestConnectionReply
                ),
                galaxy("GetLastDeployTime"): unary(
                    self.get_last_deploy_time,
                    pb.GetLastDeployTimeRequest,
                    pb.GetLastDeployTimeReply,
                ),
                galaxy("DiscoverHierarchy"): unary(
                    self.discover_hierarchy,
                    pb.DiscoverHierarchyRequest,
                    pb.DiscoverHierarchyReply,
                ),
                galaxy("WatchDeployEvents"): grpc.unary_stream_rpc_method_handler(
                    self.watch_deploy_events,
                    request_deserializer=pb.WatchDeployEventsRequest.FromString,
                    response_serializer=pb.DeployEvent.SerializeToString,
                ),
                galaxy("DeploySimulatedGalaxy"): unary(
                    self.deploy_simulated_galaxy,
                    pb.DeploySimulatedGalaxyRequest,
                    pb.DeploySimulatedGalaxyReply,
                ),
            }
        )

        class Generic(grpc.GenericRpcHandler):  # type: ignore[type-arg]
            def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
                return handlers.get(handler_call_details.method)

        return Generic()

    async def start(self) -> None:
        self.server = grpc.aio.server()
        self.server.add_generic_rpc_handlers((self.handler(),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        await self.server.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(None)
