"""The bulk command family: the write entry types, request building and reply checks.

MXAccess has no bulk calls; the gateway runs the single call for every entry
inside the worker, in one round trip, and answers with exactly one result per
entry, in request order. A failed entry (``was_successful`` false) is data,
never an exception; a failure of the call itself raises as for the single
commands.

Before anything is sent, a request is refused locally with
:class:`MxGatewayInvalidArgumentError` (the class of the gateway's own
refusal) when its list of entries is ``None``, not a list, empty, or longer
than a known ``max_bulk_items`` limit; an entry that cannot be sent (a handle
outside int32, a value :func:`to_mx_value` rejects, a non-finite float, an
entry of the wrong type) raises ``ValueError`` naming the entry.

:class:`Session` uses these functions; ``mxgw-py`` uses them too, so that it
checks every entry before connecting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal, TypeAlias

from ._errors import MxGatewayCommandError, MxGatewayInvalidArgumentError
from ._values import MxValueInput, TimestampInput, to_mx_value, to_timestamp
from .generated.mxgateway.v1 import commands_pb2

__all__ = [
    "DefinitionsArm",
    "HandlesArm",
    "Write2Entry",
    "WriteEntry",
    "WriteSecured2Entry",
    "WriteSecuredEntry",
    "entry_count",
    "item_definitions_command",
    "item_handles_command",
    "read_bulk_command",
    "read_results",
    "subscribe_results",
    "write2_bulk_command",
    "write_bulk_command",
    "write_results",
    "write_secured2_bulk_command",
    "write_secured_bulk_command",
]

#: The arms that carry item references (``ItemDefinitionsBulkCommand``).
DefinitionsArm: TypeAlias = Literal["add_item_bulk", "subscribe_bulk"]
#: The arms that carry item handles (``ItemHandlesBulkCommand``).
HandlesArm: TypeAlias = Literal[
    "advise_item_bulk", "unadvise_item_bulk", "remove_item_bulk", "unsubscribe_bulk"
]

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_UINT32_MAX = 2**32 - 1


@dataclass(frozen=True)
class WriteEntry:
    """One entry of :meth:`Session.write_bulk`: ``Write(item_handle, value, user_id)``.

    ``value`` is converted with :func:`to_mx_value` (``as_type`` picks the kind
    explicitly, e.g. ``"float"`` for a 32-bit float or ``"int32-array"`` for an
    empty list); non-finite floats are rejected. ``WriteEntry(2, 5)`` writes 5
    to item handle 2 with user id 0.
    """

    item_handle: int
    value: MxValueInput
    _: KW_ONLY
    user_id: int = 0
    as_type: str | None = None


@dataclass(frozen=True)
class Write2Entry:
    """One entry of :meth:`Session.write2_bulk`: ``Write2`` with a source timestamp.

    ``Write2Entry(2, 5, timestamp=datetime.now(timezone.utc))``; ``timestamp``
    is an aware ``datetime`` or a protobuf ``Timestamp``.
    """

    item_handle: int
    value: MxValueInput
    _: KW_ONLY
    timestamp: TimestampInput
    user_id: int = 0
    as_type: str | None = None


@dataclass(frozen=True)
class WriteSecuredEntry:
    """One entry of :meth:`Session.write_secured_bulk`: ``WriteSecured``.

    ``WriteSecuredEntry(2, 5, current_user_id=uid)``; ``verifier_user_id``
    (default 0: none) is for verified writes. The user ids come from
    :meth:`Session.authenticate_user`.
    """

    item_handle: int
    value: MxValueInput
    _: KW_ONLY
    current_user_id: int
    verifier_user_id: int = 0
    as_type: str | None = None


@dataclass(frozen=True)
class WriteSecured2Entry:
    """One entry of :meth:`Session.write_secured2_bulk`: ``WriteSecured2``.

    A :class:`WriteSecuredEntry` with a source ``timestamp``.
    """

    item_handle: int
    value: MxValueInput
    _: KW_ONLY
    current_user_id: int
    timestamp: TimestampInput
    verifier_user_id: int = 0
    as_type: str | None = None


# === local checks ===


def _entries(what: str, entries: object, limit: int | None) -> list[Any]:
    """The entries as a list; refuses None, a non-list, an empty list and one over the limit."""
    if entries is None:
        raise MxGatewayInvalidArgumentError(f"{what}: the list of entries is None")
    if isinstance(entries, (str, bytes, bytearray)) or not isinstance(entries, Iterable):
        # A lone str is iterable, and would silently become one entry per character.
        raise MxGatewayInvalidArgumentError(
            f"{what}: expected a list of entries, got {type(entries).__name__}"
        )
    out = list(entries)
    if not out:
        raise MxGatewayInvalidArgumentError(f"{what}: no entries (at least one is needed)")
    if limit and len(out) > limit:
        raise MxGatewayInvalidArgumentError(
            f"{what}: {len(out)} entries exceed the gateway's max_bulk_items limit of {limit}"
        )
    return out


def _int32(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}: {value!r} is not an int32")
    if not _INT32_MIN <= value <= _INT32_MAX:
        raise ValueError(f"{what}: {value} is outside the int32 range")
    return value


def _reference(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what}: {value!r} is not an item reference (str)")
    return value


def _value(entry: Any, what: str) -> Any:
    try:
        return to_mx_value(entry.value, as_type=entry.as_type)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


def _timestamp(entry: Any, what: str) -> Any:
    try:
        return to_timestamp(entry.timestamp)
    except (ValueError, TypeError, AttributeError) as e:
        raise ValueError(f"{what}: invalid timestamp {entry.timestamp!r}: {e}") from None


def _typed(entry: object, cls: type[Any], what: str) -> Any:
    if not isinstance(entry, cls):
        raise ValueError(f"{what}: expected a {cls.__name__}, got {entry!r}")
    return entry


# === requests ===


def item_definitions_command(
    arm: DefinitionsArm, server_handle: int, items: Iterable[str], limit: int | None = None
) -> commands_pb2.MxCommand:
    """``add_item_bulk`` / ``subscribe_bulk`` for these references, checked."""
    refs = [
        _reference(item, f"{arm} entry {i}") for i, item in enumerate(_entries(arm, items, limit))
    ]
    body = commands_pb2.ItemDefinitionsBulkCommand(
        server_handle=_int32(server_handle, "server handle"), item_definitions=refs
    )
    command = commands_pb2.MxCommand()
    getattr(command, arm).CopyFrom(body)
    return command


def item_handles_command(
    arm: HandlesArm, server_handle: int, item_handles: Iterable[int], limit: int | None = None
) -> commands_pb2.MxCommand:
    """``advise_item_bulk`` / ``unadvise_item_bulk`` / ``remove_item_bulk`` /
    ``unsubscribe_bulk`` for these item handles, checked."""
    handles = [
        _int32(h, f"{arm} entry {i}") for i, h in enumerate(_entries(arm, item_handles, limit))
    ]
    body = commands_pb2.ItemHandlesBulkCommand(
        server_handle=_int32(server_handle, "server handle"), item_handles=handles
    )
    command = commands_pb2.MxCommand()
    getattr(command, arm).CopyFrom(body)
    return command


def read_bulk_command(
    server_handle: int, items: Iterable[str], timeout_ms: int = 0, limit: int | None = None
) -> commands_pb2.MxCommand:
    """``read_bulk`` for these references; ``timeout_ms`` 0 is the gateway's default."""
    what = "read_bulk"
    refs = [
        _reference(item, f"{what} entry {i}") for i, item in enumerate(_entries(what, items, limit))
    ]
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int):
        raise ValueError(f"{what}: timeout_ms {timeout_ms!r} is not an int")
    if not 0 <= timeout_ms <= _UINT32_MAX:
        raise ValueError(f"{what}: timeout_ms {timeout_ms} is outside 0..{_UINT32_MAX}")
    return commands_pb2.MxCommand(
        read_bulk=commands_pb2.ReadBulkCommand(
            server_handle=_int32(server_handle, "server handle"),
            item_definitions=refs,
            timeout_ms=timeout_ms,
        )
    )


def write_bulk_command(
    server_handle: int, entries: Iterable[WriteEntry], limit: int | None = None
) -> commands_pb2.MxCommand:
    """``write_bulk`` for these entries, each value converted and checked."""
    what = "write_bulk"
    body = commands_pb2.WriteBulkCommand(server_handle=_int32(server_handle, "server handle"))
    for i, raw in enumerate(_entries(what, entries, limit)):
        where = f"{what} entry {i}"
        e: WriteEntry = _typed(raw, WriteEntry, where)
        body.entries.append(
            commands_pb2.WriteBulkEntry(
                item_handle=_int32(e.item_handle, f"{where} item handle"),
                value=_value(e, where),
                user_id=_int32(e.user_id, f"{where} user id"),
            )
        )
    return commands_pb2.MxCommand(write_bulk=body)


def write2_bulk_command(
    server_handle: int, entries: Iterable[Write2Entry], limit: int | None = None
) -> commands_pb2.MxCommand:
    """``write2_bulk`` for these entries (each with its source timestamp)."""
    what = "write2_bulk"
    body = commands_pb2.Write2BulkCommand(server_handle=_int32(server_handle, "server handle"))
    for i, raw in enumerate(_entries(what, entries, limit)):
        where = f"{what} entry {i}"
        e: Write2Entry = _typed(raw, Write2Entry, where)
        body.entries.append(
            commands_pb2.Write2BulkEntry(
                item_handle=_int32(e.item_handle, f"{where} item handle"),
                value=_value(e, where),
                timestamp=_timestamp(e, where),
                user_id=_int32(e.user_id, f"{where} user id"),
            )
        )
    return commands_pb2.MxCommand(write2_bulk=body)


def write_secured_bulk_command(
    server_handle: int, entries: Iterable[WriteSecuredEntry], limit: int | None = None
) -> commands_pb2.MxCommand:
    """``write_secured_bulk`` for these entries."""
    what = "write_secured_bulk"
    body = commands_pb2.WriteSecuredBulkCommand(
        server_handle=_int32(server_handle, "server handle")
    )
    for i, raw in enumerate(_entries(what, entries, limit)):
        where = f"{what} entry {i}"
        e: WriteSecuredEntry = _typed(raw, WriteSecuredEntry, where)
        body.entries.append(
            commands_pb2.WriteSecuredBulkEntry(
                item_handle=_int32(e.item_handle, f"{where} item handle"),
                current_user_id=_int32(e.current_user_id, f"{where} current user id"),
                verifier_user_id=_int32(e.verifier_user_id, f"{where} verifier user id"),
                value=_value(e, where),
            )
        )
    return commands_pb2.MxCommand(write_secured_bulk=body)


def write_secured2_bulk_command(
    server_handle: int, entries: Iterable[WriteSecured2Entry], limit: int | None = None
) -> commands_pb2.MxCommand:
    """``write_secured2_bulk`` for these entries (each with its source timestamp)."""
    what = "write_secured2_bulk"
    body = commands_pb2.WriteSecured2BulkCommand(
        server_handle=_int32(server_handle, "server handle")
    )
    for i, raw in enumerate(_entries(what, entries, limit)):
        where = f"{what} entry {i}"
        e: WriteSecured2Entry = _typed(raw, WriteSecured2Entry, where)
        body.entries.append(
            commands_pb2.WriteSecured2BulkEntry(
                item_handle=_int32(e.item_handle, f"{where} item handle"),
                current_user_id=_int32(e.current_user_id, f"{where} current user id"),
                verifier_user_id=_int32(e.verifier_user_id, f"{where} verifier user id"),
                value=_value(e, where),
                timestamp=_timestamp(e, where),
            )
        )
    return commands_pb2.MxCommand(write_secured2_bulk=body)


# === replies ===


def entry_count(command: commands_pb2.MxCommand) -> int:
    """How many entries a bulk command carries (``ValueError`` for other commands)."""
    arm = command.WhichOneof("command")
    if arm in ("add_item_bulk", "subscribe_bulk", "read_bulk"):
        return len(getattr(command, arm).item_definitions)
    if arm in ("advise_item_bulk", "unadvise_item_bulk", "remove_item_bulk", "unsubscribe_bulk"):
        return len(getattr(command, arm).item_handles)
    if arm in ("write_bulk", "write2_bulk", "write_secured_bulk", "write_secured2_bulk"):
        return len(getattr(command, arm).entries)
    raise ValueError(f"{arm} is not a bulk command")


def _results(
    reply: commands_pb2.MxCommandReply, command: commands_pb2.MxCommand, arm: str
) -> list[Any]:
    # The call itself was checked already (check_reply); here only the shape.
    if reply.WhichOneof("result") != arm:
        found = reply.WhichOneof("result") or "no result"
        raise MxGatewayCommandError(
            f"the reply to {command.WhichOneof('command')} carries {found} instead of {arm}",
            reply,
        )
    results = list(getattr(reply, arm).results)
    expected = entry_count(command)
    if len(results) != expected:
        raise MxGatewayCommandError(
            f"the reply to {command.WhichOneof('command')} carries {len(results)} results "
            f"for {expected} entries",
            reply,
        )
    return results


def subscribe_results(
    reply: commands_pb2.MxCommandReply, command: commands_pb2.MxCommand
) -> list[commands_pb2.SubscribeResult]:
    """The per-entry results of an item-definitions or item-handles bulk command."""
    return _results(reply, command, "subscribe_results")


def write_results(
    reply: commands_pb2.MxCommandReply, command: commands_pb2.MxCommand
) -> list[commands_pb2.BulkWriteResult]:
    """The per-entry results of a bulk write."""
    return _results(reply, command, "write_results")


def read_results(
    reply: commands_pb2.MxCommandReply, command: commands_pb2.MxCommand
) -> list[commands_pb2.BulkReadResult]:
    """The per-entry results of ``read_bulk``."""
    return _results(reply, command, "read_results")
