"""The JSON the CLI prints; ``docs/cli-json.md`` is the contract, shared with ``mxgw``.

Objects keep their insertion order; output is compact UTF-8 with only ``"``,
``\\`` and control characters escaped; floats print as ``repr(float)``
prints them; non-finite floats (which the gateway never sends) become
``null``. The shapes of statuses, events and values are built here, so
every command prints them the same way.
"""

from __future__ import annotations

import json
import math
from typing import TypeAlias

from mxgateway import category_name, pb, source_name
from mxgateway._values import data_type_name

from ._rfc3339 import format_timestamp

__all__ = [
    "Json",
    "bulk_json",
    "command_json",
    "event_json",
    "limits_json",
    "read_result_json",
    "render",
    "status_json",
    "statuses_json",
    "subscribe_result_json",
    "value_json",
    "write_result_json",
]

Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"


def _finite_only(value: Json) -> Json:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite_only(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_only(v) for k, v in value.items()}
    return value


def render(value: Json) -> str:
    """The compact JSON text of ``value``."""
    return json.dumps(
        _finite_only(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def status_json(s: pb.MxStatus) -> Json:
    return {
        "success": s.success,
        "category": category_name(s.category),
        "detectedBy": source_name(s.detected_by),
        "detail": s.detail,
        "rawCategory": s.raw_category,
        "rawDetectedBy": s.raw_detected_by,
    }


def statuses_json(statuses: list[pb.MxStatus]) -> Json:
    return [status_json(s) for s in statuses]


def _time(t: pb.MxValue | object) -> Json:
    seconds = getattr(t, "seconds", 0)
    nanos = getattr(t, "nanos", 0)
    return format_timestamp(int(seconds), int(nanos))


def _seconds(d: object) -> Json:
    # `seconds + nanos / 1e9` in double precision, the formula mxgw uses too.
    return int(getattr(d, "seconds", 0)) + int(getattr(d, "nanos", 0)) / 1e9


def value_json(value: pb.MxValue) -> Json:
    """A value's payload: see the value table in docs/cli-json.md."""
    kind = value.WhichOneof("kind")
    if kind is None:
        return None
    if kind in ("bool_value", "int32_value", "float_value", "double_value", "string_value"):
        scalar: Json = getattr(value, kind)
        return scalar
    if kind == "time_value":
        return _time(value.time_value)
    if kind == "elapsed_value":
        return _seconds(value.elapsed_value)
    if kind == "record_value":
        return {"record": value.record_value.hex()}
    items = getattr(value, kind).values
    if kind == "time_array":
        return [_time(t) for t in items]
    if kind == "elapsed_array":
        return [_seconds(d) for d in items]
    return list(items)


def _data_json(
    value: pb.MxValue, quality: int, holder: pb.OnDataChange | pb.BulkReadResult
) -> dict[str, Json]:
    """``value``, ``dataType``, ``variantType``, ``quality``, ``timestamp``: a data
    change as events and read results print it (an unset value prints as
    ``null``, ``NoData``, 0)."""
    return {
        "value": value_json(value),
        "dataType": data_type_name(value.data_type),
        "variantType": value.variant_type,
        "quality": quality,
        "timestamp": (
            format_timestamp(holder.timestamp.seconds, holder.timestamp.nanos)
            if holder.HasField("timestamp")
            else None
        ),
    }


def event_json(e: pb.MxEvent) -> Json:
    """One event: a common header, then the fields of its kind."""
    kind = e.WhichOneof("kind")
    names = {
        "data_change": "dataChange",
        "write_complete": "writeComplete",
        "operation_complete": "operationComplete",
    }
    out: dict[str, Json] = {
        "type": names.get(kind or "", "unknown"),
        "workerSequence": e.worker_sequence,
        "serverHandle": e.server_handle,
        "itemHandle": e.item_handle,
        "conflated": e.conflated,
    }
    if kind == "data_change":
        dc = e.data_change
        out.update(_data_json(dc.value, dc.quality, dc))
        out["statuses"] = statuses_json(list(dc.statuses))
    elif kind == "write_complete":
        out["statuses"] = statuses_json(list(e.write_complete.statuses))
    elif kind == "operation_complete":
        out["statuses"] = statuses_json(list(e.operation_complete.statuses))
    else:
        out["statuses"] = []
    return out


def command_json(
    command: str, session_id: str, inputs: dict[str, Json], reply: pb.MxCommandReply
) -> Json:
    """``{"command", "sessionId", <inputs and result>, "hresult", "statuses"}``."""
    out: dict[str, Json] = {"command": command, "sessionId": session_id}
    out.update(inputs)
    out["hresult"] = reply.hresult
    out["statuses"] = statuses_json(list(reply.statuses))
    return out


def _outcome_json(
    r: pb.SubscribeResult | pb.BulkWriteResult | pb.BulkReadResult,
) -> dict[str, Json]:
    return {
        "statuses": statuses_json(list(r.statuses)),
        "message": r.message,
        "deniedByConstraint": r.denied_by_constraint,
    }


def subscribe_result_json(r: pb.SubscribeResult) -> Json:
    """One entry of the item-definition and item-handle bulk commands."""
    out: dict[str, Json] = {
        "itemDefinition": r.item_definition,
        "itemHandle": r.item_handle,
        "wasSuccessful": r.was_successful,
        "hresult": r.hresult,
    }
    out.update(_outcome_json(r))
    return out


def write_result_json(r: pb.BulkWriteResult) -> Json:
    """One entry of a bulk write."""
    out: dict[str, Json] = {
        "itemHandle": r.item_handle,
        "wasSuccessful": r.was_successful,
        "hresult": r.hresult,
    }
    out.update(_outcome_json(r))
    return out


def read_result_json(r: pb.BulkReadResult) -> Json:
    """One entry of ``read-bulk``: its value printed as a data change prints it."""
    out: dict[str, Json] = {
        "itemDefinition": r.item_definition,
        "wasSuccessful": r.was_successful,
        "wasCached": r.was_cached,
    }
    out.update(_data_json(r.value, r.quality, r))
    out.update(_outcome_json(r))
    return out


def bulk_json(
    command: str,
    session_id: str,
    inputs: dict[str, Json],
    reply: pb.MxCommandReply,
    results: list[Json],
) -> Json:
    """``{"command", "sessionId", "serverHandle", <inputs>, "hresult", "statuses",
    "results"}``: ``inputs`` starts with ``serverHandle``."""
    out = command_json(command, session_id, inputs, reply)
    assert isinstance(out, dict)
    out["results"] = results
    return out


def limits_json(limits: pb.ServerLimits) -> Json:
    return {
        "maxSessions": limits.max_sessions,
        "maxBulkItems": limits.max_bulk_items,
        "maxMessageBytes": limits.max_message_bytes,
        "eventQueueCapacity": limits.event_queue_capacity,
        "defaultCommandTimeoutMs": limits.default_command_timeout_ms,
        "sessionIdleTimeoutMs": limits.session_idle_timeout_ms,
        "maxEventsPerBatch": limits.max_events_per_batch,
    }
