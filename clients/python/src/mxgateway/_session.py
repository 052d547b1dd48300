"""``Session``: typed MXAccess commands on one gateway session, and its events.

The typed helpers are *checked*: an MXAccess failure (a non-zero HRESULT or a
failed status) raises :class:`MxAccessError` carrying the raw reply.
:meth:`Session.invoke_raw` is the unchecked path: it raises only for gateway
failures and leaves MXAccess failures inside the reply.

The bulk helpers (``*_bulk``) return one result per entry, in request order;
a failed entry is a result with ``was_successful`` false, never an exception
(see :mod:`mxgateway._bulk` for the local checks).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

import grpc

from . import _bulk
from ._bulk import (
    DefinitionsArm,
    HandlesArm,
    Write2Entry,
    WriteEntry,
    WriteSecured2Entry,
    WriteSecuredEntry,
)
from ._check import check_reply
from ._errors import MxGatewayCommandError, MxGatewaySessionError
from ._streams import RpcStream
from ._values import MxValueInput, TimestampInput, to_mx_value, to_timestamp
from .generated.mxgateway.v1 import commands_pb2, gateway_pb2, values_pb2

if TYPE_CHECKING:
    from ._client import GatewayClient

__all__ = ["EventStream", "Session", "TimestampInput"]


def _item(server_handle: int, item_handle: int) -> commands_pb2.ItemCommand:
    return commands_pb2.ItemCommand(server_handle=server_handle, item_handle=item_handle)


class EventStream:
    """A session's events one at a time, batches flattened.

    ``conflated_since_last`` is the gateway's count for the latest batch,
    ``conflated_total`` its running total for the session, and
    ``conflated_seen`` the sum over the batches this stream received.
    Leaving the iteration (task cancelled, ``aclose()``, ``async with`` exit)
    cancels the gRPC call.
    """

    def __init__(self, batches: RpcStream[gateway_pb2.StreamEventsReply]) -> None:
        self._batches = batches
        self._queue: deque[commands_pb2.MxEvent] = deque()
        self.conflated_since_last = 0
        self.conflated_total = 0
        self.conflated_seen = 0

    def __repr__(self) -> str:
        return f"EventStream(queued={len(self._queue)}, conflated_total={self.conflated_total})"

    @property
    def batches(self) -> RpcStream[gateway_pb2.StreamEventsReply]:
        """The underlying wire stream."""
        return self._batches

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> commands_pb2.MxEvent:
        while not self._queue:
            batch = await self._batches.__anext__()
            self.conflated_since_last = batch.conflated_since_last
            self.conflated_total = batch.conflated_total
            self.conflated_seen += batch.conflated_since_last
            self._queue.extend(batch.events)
        return self._queue.popleft()

    async def aclose(self) -> None:
        await self._batches.aclose()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class Session:
    """A gateway session. Create it with :meth:`GatewayClient.open_session` or
    attach to an existing one with :meth:`GatewayClient.session`.

    Sessions outlive client processes: leaving the object does not close the
    session; call :meth:`close` (or use ``async with``).
    """

    def __init__(
        self,
        client: GatewayClient,
        session_id: str,
        *,
        open_reply: gateway_pb2.OpenSessionReply | None = None,
        command_timeout_ms: int = 0,
    ) -> None:
        self._client = client
        self.session_id = session_id
        #: The gateway's OpenSession reply, when this object opened the session.
        self.open_reply = open_reply
        #: The per-command deadline asked of the gateway (0: its default).
        self.command_timeout_ms = command_timeout_ms
        #: The gateway's ``max_bulk_items`` limit, from the OpenSession reply when
        #: it advertises one (non-zero); ``None`` when unknown, e.g. for a session
        #: attached by id. Bulk calls with more entries are refused locally.
        #: Settable, for an attached session whose limit the caller knows.
        self.max_bulk_items: int | None = None
        if open_reply is not None and open_reply.HasField("limits"):
            self.max_bulk_items = open_reply.limits.max_bulk_items or None
        self._closed = False

    def __repr__(self) -> str:
        return f"Session(session_id={self.session_id!r}, closed={self._closed})"

    @property
    def closed(self) -> bool:
        return self._closed

    def _ensure_open(self) -> None:
        if self._closed:
            raise MxGatewaySessionError(
                f"session {self.session_id} was closed by this client",
                code=grpc.StatusCode.FAILED_PRECONDITION,
            )

    # === commands ===

    async def invoke_raw(self, command: commands_pb2.MxCommand) -> commands_pb2.MxCommandReply:
        """Runs one command unchecked: raises only for gateway failures."""
        self._ensure_open()
        return await self._client.invoke_raw(
            gateway_pb2.MxCommandRequest(
                session_id=self.session_id,
                timeout_ms=self.command_timeout_ms,
                command=command,
            )
        )

    async def invoke(self, command: commands_pb2.MxCommand) -> commands_pb2.MxCommandReply:
        """Runs one command and raises :class:`MxAccessError` on an MXAccess failure."""
        return check_reply(await self.invoke_raw(command))

    async def _result(self, command: commands_pb2.MxCommand, field: str, what: str) -> int:
        reply = await self.invoke(command)
        if reply.WhichOneof("result") != field:
            raise MxGatewayCommandError(f"the reply carries no {what}", reply)
        value: int = getattr(reply, field)
        return value

    async def register(self, client_name: str) -> int:
        """``Register(client_name)``; returns the server handle."""
        command = commands_pb2.MxCommand(
            register=commands_pb2.RegisterCommand(client_name=client_name)
        )
        return await self._result(command, "server_handle", "server handle")

    async def unregister(self, server_handle: int) -> None:
        """``Unregister(server_handle)``."""
        await self.invoke(
            commands_pb2.MxCommand(
                unregister=commands_pb2.UnregisterCommand(server_handle=server_handle)
            )
        )

    async def add_item(self, server_handle: int, item: str) -> int:
        """``AddItem(server_handle, item)``; returns the item handle."""
        command = commands_pb2.MxCommand(
            add_item=commands_pb2.AddItemCommand(server_handle=server_handle, item_definition=item)
        )
        return await self._result(command, "item_handle", "item handle")

    async def add_item2(self, server_handle: int, item: str, context: str) -> int:
        """``AddItem2(server_handle, item, context)``; returns the item handle."""
        command = commands_pb2.MxCommand(
            add_item2=commands_pb2.AddItem2Command(
                server_handle=server_handle, item_definition=item, item_context=context
            )
        )
        return await self._result(command, "item_handle", "item handle")

    async def add_buffered_item(self, server_handle: int, item: str, context: str = "") -> int:
        """``AddBufferedItem(server_handle, item, context)``; returns the item handle.

        Once advised, the item reports through ``buffered_data_change`` events
        (:class:`~mxgateway.pb.OnBufferedDataChange`) instead of ``data_change``:
        every change is kept as a :class:`~mxgateway.pb.BufferedSample`, and the
        samples arrive together, oldest first, once per buffered update interval
        of the server handle (see :meth:`set_buffered_update_interval`).
        """
        command = commands_pb2.MxCommand(
            add_buffered_item=commands_pb2.AddBufferedItemCommand(
                server_handle=server_handle, item_definition=item, item_context=context
            )
        )
        return await self._result(command, "item_handle", "item handle")

    async def set_buffered_update_interval(self, server_handle: int, interval_ms: int) -> int:
        """``SetBufferedUpdateInterval(server_handle, interval_ms)``: how often the
        server handle's buffered items report (1000 ms until set).

        The gateway rounds the interval up to a multiple of 100 ms, as the
        runtime does, and returns the interval in effect (250 gives 300). An
        interval outside 1 to 3,600,000 ms raises :class:`MxAccessError`
        (E_INVALIDARG), as does an unknown server handle.
        """
        command = commands_pb2.MxCommand(
            set_buffered_update_interval=commands_pb2.SetBufferedUpdateIntervalCommand(
                server_handle=server_handle, update_interval_ms=interval_ms
            )
        )
        return await self._result(command, "update_interval_ms", "update interval")

    async def remove_item(self, server_handle: int, item_handle: int) -> None:
        """``RemoveItem(server_handle, item_handle)``."""
        await self.invoke(commands_pb2.MxCommand(remove_item=_item(server_handle, item_handle)))

    async def advise(self, server_handle: int, item_handle: int) -> None:
        """``Advise(server_handle, item_handle)``: data changes arrive as events."""
        await self.invoke(commands_pb2.MxCommand(advise=_item(server_handle, item_handle)))

    async def advise_supervisory(self, server_handle: int, item_handle: int) -> None:
        """``AdviseSupervisory(server_handle, item_handle)``."""
        await self.invoke(
            commands_pb2.MxCommand(advise_supervisory=_item(server_handle, item_handle))
        )

    async def unadvise(self, server_handle: int, item_handle: int) -> None:
        """``UnAdvise(server_handle, item_handle)``."""
        await self.invoke(commands_pb2.MxCommand(unadvise=_item(server_handle, item_handle)))

    async def suspend(self, server_handle: int, item_handle: int) -> values_pb2.MxStatus:
        """``Suspend(server_handle, item_handle)`` of an advised item: it keeps its
        subscription (the value stays current, :meth:`read_bulk` still serves it)
        but delivers no data changes until :meth:`activate`.

        Returns the synchronous MxStatus (the reply's first status; an empty
        status if the reply has none). An ``operation_complete`` event for the
        item follows on the event stream. An item that is not advised raises
        :class:`MxAccessError` (E_INVALIDARG).
        """
        return await self._item_status(
            commands_pb2.MxCommand(suspend=_item(server_handle, item_handle))
        )

    async def activate(self, server_handle: int, item_handle: int) -> values_pb2.MxStatus:
        """``Activate(server_handle, item_handle)``: ends a suspension and delivers
        the item's current value at once as a data change (a buffered item: the
        samples it held plus the current value).

        Returns the synchronous MxStatus, as :meth:`suspend` does; an
        ``operation_complete`` event follows the data change. Activating an item
        that is not suspended changes nothing (the event still follows).
        """
        return await self._item_status(
            commands_pb2.MxCommand(activate=_item(server_handle, item_handle))
        )

    async def _item_status(self, command: commands_pb2.MxCommand) -> values_pb2.MxStatus:
        reply = await self.invoke(command)
        if reply.statuses:
            return reply.statuses[0]
        return values_pb2.MxStatus()

    async def write(
        self,
        server_handle: int,
        item_handle: int,
        value: MxValueInput,
        user_id: int = 0,
        *,
        as_type: str | None = None,
    ) -> commands_pb2.MxCommandReply:
        """``Write``; the completion arrives later as a ``write_complete`` event."""
        command = commands_pb2.MxCommand(
            write=commands_pb2.WriteCommand(
                server_handle=server_handle,
                item_handle=item_handle,
                value=to_mx_value(value, as_type=as_type),
                user_id=user_id,
            )
        )
        return await self.invoke(command)

    async def write2(
        self,
        server_handle: int,
        item_handle: int,
        value: MxValueInput,
        timestamp: TimestampInput,
        user_id: int = 0,
        *,
        as_type: str | None = None,
    ) -> commands_pb2.MxCommandReply:
        """``Write2``: a write with a source timestamp."""
        command = commands_pb2.MxCommand(
            write2=commands_pb2.Write2Command(
                server_handle=server_handle,
                item_handle=item_handle,
                value=to_mx_value(value, as_type=as_type),
                timestamp=to_timestamp(timestamp),
                user_id=user_id,
            )
        )
        return await self.invoke(command)

    async def write_secured(
        self,
        server_handle: int,
        item_handle: int,
        current_user_id: int,
        verifier_user_id: int,
        value: MxValueInput,
        *,
        as_type: str | None = None,
    ) -> commands_pb2.MxCommandReply:
        """``WriteSecured``: a write as an authenticated user (and a verifier)."""
        command = commands_pb2.MxCommand(
            write_secured=commands_pb2.WriteSecuredCommand(
                server_handle=server_handle,
                item_handle=item_handle,
                current_user_id=current_user_id,
                verifier_user_id=verifier_user_id,
                value=to_mx_value(value, as_type=as_type),
            )
        )
        return await self.invoke(command)

    async def write_secured2(
        self,
        server_handle: int,
        item_handle: int,
        current_user_id: int,
        verifier_user_id: int,
        value: MxValueInput,
        timestamp: TimestampInput,
        *,
        as_type: str | None = None,
    ) -> commands_pb2.MxCommandReply:
        """``WriteSecured2``: a secured write with a source timestamp."""
        command = commands_pb2.MxCommand(
            write_secured2=commands_pb2.WriteSecured2Command(
                server_handle=server_handle,
                item_handle=item_handle,
                current_user_id=current_user_id,
                verifier_user_id=verifier_user_id,
                value=to_mx_value(value, as_type=as_type),
                timestamp=to_timestamp(timestamp),
            )
        )
        return await self.invoke(command)

    async def authenticate_user(self, server_handle: int, user: str, password: str) -> int:
        """``AuthenticateUser``; returns the user id for secured writes."""
        command = commands_pb2.MxCommand(
            authenticate_user=commands_pb2.AuthenticateUserCommand(
                server_handle=server_handle, user_name=user, password=password
            )
        )
        return await self._result(command, "user_id", "user id")

    async def archestra_user_to_id(self, server_handle: int, user_guid: str) -> int:
        """``ArchestrAUserToId(server_handle, user_guid)``: the id of the galaxy user
        with this ArchestrA user GUID, the id :meth:`authenticate_user` returns for
        that user. Needs the API key scope ``mx:write-secured``.

        The GUID is matched case-insensitively, braces optional. An unknown or
        malformed GUID raises :class:`MxAccessError` (E_INVALIDARG); with galaxy
        security off every well-formed GUID gives 1. A GUID is not a
        credential: the id counts for secured writes only once the user
        authenticated on the session.
        """
        command = commands_pb2.MxCommand(
            archestra_user_to_id=commands_pb2.ArchestraUserToIdCommand(
                server_handle=server_handle, user_guid=user_guid
            )
        )
        return await self._result(command, "user_id", "user id")

    # === bulk commands ===

    async def _definitions_bulk(
        self, arm: DefinitionsArm, server_handle: int, items: Iterable[str]
    ) -> list[commands_pb2.SubscribeResult]:
        command = _bulk.item_definitions_command(arm, server_handle, items, self.max_bulk_items)
        return _bulk.subscribe_results(await self.invoke(command), command)

    async def _handles_bulk(
        self, arm: HandlesArm, server_handle: int, item_handles: Iterable[int]
    ) -> list[commands_pb2.SubscribeResult]:
        command = _bulk.item_handles_command(arm, server_handle, item_handles, self.max_bulk_items)
        return _bulk.subscribe_results(await self.invoke(command), command)

    async def add_item_bulk(
        self, server_handle: int, items: Iterable[str]
    ) -> list[commands_pb2.SubscribeResult]:
        """``AddItem`` for every reference in ``items``, in one round trip.

        Returns one :class:`~mxgateway.pb.SubscribeResult` per reference, in
        order; ``item_handle`` is the new handle of each successful entry. A
        failed entry (``was_successful`` false, with its ``hresult``,
        ``statuses``, ``message`` and ``denied_by_constraint``) does not raise;
        a failure of the call does, as for :meth:`add_item`. ``None``, an empty
        list, or more entries than :attr:`max_bulk_items` raise
        :class:`MxGatewayInvalidArgumentError` before anything is sent.
        """
        return await self._definitions_bulk("add_item_bulk", server_handle, items)

    async def subscribe_bulk(
        self, server_handle: int, items: Iterable[str]
    ) -> list[commands_pb2.SubscribeResult]:
        """``AddItem`` then ``Advise`` for every reference in ``items``, in one round trip.

        Data changes of the successful entries arrive as events. Results and
        errors as for :meth:`add_item_bulk`.
        """
        return await self._definitions_bulk("subscribe_bulk", server_handle, items)

    async def advise_item_bulk(
        self, server_handle: int, item_handles: Iterable[int]
    ) -> list[commands_pb2.SubscribeResult]:
        """``Advise`` for every item handle, in one round trip.

        One :class:`~mxgateway.pb.SubscribeResult` per handle, in order; failed
        entries do not raise. Errors as for :meth:`add_item_bulk`.
        """
        return await self._handles_bulk("advise_item_bulk", server_handle, item_handles)

    async def unadvise_item_bulk(
        self, server_handle: int, item_handles: Iterable[int]
    ) -> list[commands_pb2.SubscribeResult]:
        """``UnAdvise`` for every item handle, in one round trip; see :meth:`advise_item_bulk`."""
        return await self._handles_bulk("unadvise_item_bulk", server_handle, item_handles)

    async def remove_item_bulk(
        self, server_handle: int, item_handles: Iterable[int]
    ) -> list[commands_pb2.SubscribeResult]:
        """``RemoveItem`` for every item handle, in one round trip; see :meth:`advise_item_bulk`."""
        return await self._handles_bulk("remove_item_bulk", server_handle, item_handles)

    async def unsubscribe_bulk(
        self, server_handle: int, item_handles: Iterable[int]
    ) -> list[commands_pb2.SubscribeResult]:
        """``UnAdvise`` then ``RemoveItem`` for every item handle: the inverse of
        :meth:`subscribe_bulk` (see :meth:`advise_item_bulk`)."""
        return await self._handles_bulk("unsubscribe_bulk", server_handle, item_handles)

    async def write_bulk(
        self, server_handle: int, entries: Iterable[WriteEntry]
    ) -> list[commands_pb2.BulkWriteResult]:
        """``Write`` for every :class:`WriteEntry`, in one round trip.

        Values are converted with :func:`to_mx_value` (non-finite floats raise
        ``ValueError`` naming the entry, before anything is sent). Returns one
        :class:`~mxgateway.pb.BulkWriteResult` per entry, in order: success
        means the runtime accepted the write, whose outcome arrives later as a
        ``write_complete`` event for the item handle. Failed entries do not
        raise; errors as for :meth:`add_item_bulk`.
        """
        command = _bulk.write_bulk_command(server_handle, entries, self.max_bulk_items)
        return _bulk.write_results(await self.invoke(command), command)

    async def write2_bulk(
        self, server_handle: int, entries: Iterable[Write2Entry]
    ) -> list[commands_pb2.BulkWriteResult]:
        """``Write2`` (a write with a source timestamp) for every :class:`Write2Entry`;
        see :meth:`write_bulk`."""
        command = _bulk.write2_bulk_command(server_handle, entries, self.max_bulk_items)
        return _bulk.write_results(await self.invoke(command), command)

    async def write_secured_bulk(
        self, server_handle: int, entries: Iterable[WriteSecuredEntry]
    ) -> list[commands_pb2.BulkWriteResult]:
        """``WriteSecured`` for every :class:`WriteSecuredEntry`; see :meth:`write_bulk`."""
        command = _bulk.write_secured_bulk_command(server_handle, entries, self.max_bulk_items)
        return _bulk.write_results(await self.invoke(command), command)

    async def write_secured2_bulk(
        self, server_handle: int, entries: Iterable[WriteSecured2Entry]
    ) -> list[commands_pb2.BulkWriteResult]:
        """``WriteSecured2`` for every :class:`WriteSecured2Entry`; see :meth:`write_bulk`."""
        command = _bulk.write_secured2_bulk_command(server_handle, entries, self.max_bulk_items)
        return _bulk.write_results(await self.invoke(command), command)

    async def read_bulk(
        self, server_handle: int, items: Iterable[str], timeout_ms: int = 0
    ) -> list[commands_pb2.BulkReadResult]:
        """The current value of every reference in ``items``, in one round trip.

        A reference this session already advises is answered from its last data
        change (``was_cached`` true; the subscription is untouched); any other
        is read the MXAccess way (add, advise, first data change, unadvise,
        remove), all concurrently, each waiting at most ``timeout_ms`` (0: the
        gateway's default). Returns one :class:`~mxgateway.pb.BulkReadResult`
        per reference, in order; an entry that got no data change is a failed
        result, not an exception. Errors as for :meth:`add_item_bulk`.
        """
        command = _bulk.read_bulk_command(server_handle, items, timeout_ms, self.max_bulk_items)
        return _bulk.read_results(await self.invoke(command), command)

    # === events ===

    def stream_events(self) -> EventStream:
        """The session's events, one at a time. A new stream replaces any previous one.

        Use ``async for event in session.stream_events():``; leaving the loop
        (``break``, an exception, task cancellation) cancels the stream.
        """
        self._ensure_open()
        return self._client.stream_events(self.session_id)

    def stream_events_raw(self) -> RpcStream[gateway_pb2.StreamEventsReply]:
        """The session's wire batches (with their conflation counters)."""
        self._ensure_open()
        return self._client.stream_events_raw(self.session_id)

    # === lifetime ===

    async def close(self) -> None:
        """Closes the session at the gateway. Idempotent, also under concurrent calls."""
        if self._closed:
            return
        # Set before the first await: a concurrent close returns at once.
        self._closed = True
        await self._client.close_session(self.session_id)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
