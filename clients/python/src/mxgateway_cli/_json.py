"""The JSON the CLI prints; ``docs/cli-json.md`` is the contract, shared with ``mxgw``.

Objects keep their insertion order; output is compact UTF-8 with only ``"``,
``\\`` and control characters escaped; floats print as ``repr(float)``
prints them; non-finite floats (which the gateway never sends) become
``null``. The shapes of statuses, events (buffered samples included), values,
galaxy objects, deploy events and alarms are built here, so every command
prints them the same way.
"""

from __future__ import annotations

import json
import math
from typing import TypeAlias

from google.protobuf import timestamp_pb2

from mxgateway import category_name, pb, source_name
from mxgateway._values import data_type_name
from mxgateway.generated.mxgateway.v1 import alarms_pb2, values_pb2

from ._rfc3339 import format_timestamp

__all__ = [
    "Json",
    "acknowledge_json",
    "alarm_event_json",
    "alarm_json",
    "active_alarms_json",
    "buffered_sample_json",
    "bulk_json",
    "command_json",
    "deploy_event_json",
    "deploy_reply_json",
    "event_json",
    "galaxy_attribute_json",
    "galaxy_object_json",
    "last_deploy_json",
    "limits_json",
    "read_result_json",
    "render",
    "security_classification_name",
    "status_json",
    "statuses_json",
    "subscribe_result_json",
    "connection_json",
    "timestamp_json",
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
    value: pb.MxValue,
    quality: int,
    holder: pb.OnDataChange | pb.BulkReadResult | pb.BufferedSample,
) -> dict[str, Json]:
    """``value``, ``dataType``, ``variantType``, ``quality``, ``timestamp``: a data
    change as events, buffered samples and read results print it (an unset value
    prints as ``null``, ``NoData``, 0)."""
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


def buffered_sample_json(s: pb.BufferedSample) -> Json:
    """One sample of a ``bufferedDataChange``: its data as a data change prints it,
    then its own ``status`` (an unset one prints as the empty status)."""
    out = _data_json(s.value, s.quality, s)
    out["status"] = status_json(s.status)
    return out


def event_json(e: pb.MxEvent) -> Json:
    """One event: a common header, then the fields of its kind."""
    kind = e.WhichOneof("kind")
    names = {
        "data_change": "dataChange",
        "write_complete": "writeComplete",
        "operation_complete": "operationComplete",
        "buffered_data_change": "bufferedDataChange",
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
    elif kind == "buffered_data_change":
        bdc = e.buffered_data_change
        out["dataType"] = data_type_name(bdc.data_type)
        out["samples"] = [buffered_sample_json(s) for s in bdc.samples]
        out["samplesDropped"] = bdc.samples_dropped
        out["statuses"] = statuses_json(list(bdc.statuses))
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


# === Galaxy Repository ===


def timestamp_json(time: timestamp_pb2.Timestamp) -> Json:
    """A protobuf timestamp as RFC 3339 (``null`` outside years 1..9999)."""
    return format_timestamp(time.seconds, time.nanos)


def _deploy_time_json(present: bool, holder: pb.DeployEvent | pb.GetLastDeployTimeReply) -> Json:
    """``timeOfLastDeploy``: the time, or ``null`` when not present (or not sent)."""
    if not present or not holder.HasField("time_of_last_deploy"):
        return None
    return timestamp_json(holder.time_of_last_deploy)


def last_deploy_json(reply: pb.GetLastDeployTimeReply) -> Json:
    """``galaxy-last-deploy``: ``timeOfLastDeploy`` is ``null`` when ``present`` is false."""
    return {
        "command": "galaxy-last-deploy",
        "present": reply.present,
        "timeOfLastDeploy": _deploy_time_json(reply.present, reply),
    }


def security_classification_name(number: int) -> str:
    """``SECURITY_CLASSIFICATION_FREE_ACCESS`` → ``FREE_ACCESS``; else ``UNRECOGNIZED``."""
    descriptor = values_pb2.DESCRIPTOR.enum_types_by_name["SecurityClassification"]
    value = descriptor.values_by_number.get(number)
    if value is None:
        return "UNRECOGNIZED"
    return value.name.removeprefix("SECURITY_CLASSIFICATION_")


def galaxy_attribute_json(a: pb.GalaxyAttribute) -> Json:
    """One attribute of a ``galaxy-discover`` object."""
    return {
        "attributeName": a.attribute_name,
        "fullTagReference": a.full_tag_reference,
        "dataType": data_type_name(a.data_type),
        "isArray": a.is_array,
        "securityClassification": security_classification_name(a.security_classification),
        "rawSecurityClassification": a.raw_security_classification,
        "isAlarm": a.is_alarm,
        "isHistorized": a.is_historized,
    }


def galaxy_object_json(o: pb.GalaxyObject) -> Json:
    """One line of ``galaxy-discover``."""
    return {
        "gobjectId": o.gobject_id,
        "tagName": o.tag_name,
        "containedName": o.contained_name,
        "hierarchicalName": o.hierarchical_name,
        "browseName": o.browse_name,
        "parentGobjectId": o.parent_gobject_id,
        "parentTagName": o.parent_tag_name,
        "areaTagName": o.area_tag_name,
        "templateChain": list(o.template_chain),
        "categoryId": o.category_id,
        "category": o.category,
        "attributes": [galaxy_attribute_json(a) for a in o.attributes],
    }


def deploy_event_json(e: pb.DeployEvent) -> Json:
    """One line of ``galaxy-watch``: ``timeOfLastDeploy`` is ``null`` when
    ``timeOfLastDeployPresent`` is false."""
    return {
        "sequence": e.sequence,
        "timeOfLastDeploy": _deploy_time_json(e.time_of_last_deploy_present, e),
        "timeOfLastDeployPresent": e.time_of_last_deploy_present,
        "objectCount": e.object_count,
        "attributeCount": e.attribute_count,
    }


def deploy_reply_json(reply: pb.DeploySimulatedGalaxyReply) -> Json:
    """``galaxy-deploy``."""
    return {
        "command": "galaxy-deploy",
        "timeOfLastDeploy": (
            timestamp_json(reply.time_of_last_deploy)
            if reply.HasField("time_of_last_deploy")
            else None
        ),
        "objectCount": reply.object_count,
        "attributeCount": reply.attribute_count,
    }


def connection_json(reply: pb.TestConnectionReply) -> Json:
    """``galaxy-test-connection``."""
    return {
        "command": "galaxy-test-connection",
        "ok": reply.ok,
        "provider": reply.provider,
        "message": reply.message,
    }


# === alarms ===


def _alarm_enum_name(enum: str, prefix: str, number: int) -> str:
    """An ``alarms.proto`` enum value without its prefix; ``UNRECOGNIZED`` for
    a number this client does not know."""
    value = alarms_pb2.DESCRIPTOR.enum_types_by_name[enum].values_by_number.get(number)
    if value is None:
        return "UNRECOGNIZED"
    return value.name.removeprefix(prefix)


def _optional_time(holder: pb.AlarmRecord, field: str) -> Json:
    """An alarm time as RFC 3339, or ``null`` when unset."""
    if not holder.HasField(field):
        return None
    return timestamp_json(getattr(holder, field))


def alarm_json(a: pb.AlarmRecord) -> Json:
    """An alarm: the keys of docs/cli-json.md, in its order (``limit`` is
    ``null`` for discrete alarms, unset times are ``null``)."""
    return {
        "reference": a.reference,
        "tagName": a.tag_name,
        "alarmName": a.alarm_name,
        "area": a.area,
        "sourceReference": a.source_reference,
        "condition": _alarm_enum_name("AlarmCondition", "ALARM_CONDITION_", a.condition),
        "state": _alarm_enum_name("AlarmState", "ALARM_STATE_", a.state),
        "priority": a.priority,
        "category": a.category,
        "description": a.description,
        "value": value_json(a.value) if a.HasField("value") else None,
        "limit": value_json(a.limit) if a.HasField("limit") else None,
        "quality": a.quality,
        "timeAlarmOn": _optional_time(a, "time_alarm_on"),
        "timeAlarmOff": _optional_time(a, "time_alarm_off"),
        "timeAlarmAcked": _optional_time(a, "time_alarm_acked"),
        "ackOperator": a.ack_operator,
        "ackComment": a.ack_comment,
        "transitionTime": _optional_time(a, "transition_time"),
    }


def alarm_event_json(e: pb.AlarmEvent) -> Json:
    """One line of ``stream-alarms`` (``alarm`` is ``null`` on ``SNAPSHOT_END``)."""
    return {
        "kind": _alarm_enum_name("AlarmEventKind", "ALARM_EVENT_KIND_", e.kind),
        "sequence": e.sequence,
        "resync": e.resync,
        "snapshotCount": e.snapshot_count,
        "alarm": alarm_json(e.alarm) if e.HasField("alarm") else None,
    }


def active_alarms_json(records: list[pb.AlarmRecord]) -> Json:
    """``query-active-alarms``."""
    return {"command": "query-active-alarms", "alarms": [alarm_json(r) for r in records]}


def acknowledge_json(reference: str, reply: pb.AcknowledgeAlarmReply) -> Json:
    """``acknowledge-alarm``: the reference asked for, the status and the alarm after the call."""
    return {
        "command": "acknowledge-alarm",
        "reference": reference,
        "status": status_json(reply.status) if reply.HasField("status") else None,
        "alarm": alarm_json(reply.alarm) if reply.HasField("alarm") else None,
    }
