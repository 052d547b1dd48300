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
    "command_json",
    "event_json",
    "limits_json",
    "render",
    "status_json",
    "statuses_json",
    "value_json",
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
        out["value"] = value_json(dc.value)
        out["dataType"] = data_type_name(dc.value.data_type)
        out["variantType"] = dc.value.variant_type
        out["quality"] = dc.quality
        out["timestamp"] = (
            format_timestamp(dc.timestamp.seconds, dc.timestamp.nanos)
            if dc.HasField("timestamp")
            else None
        )
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
