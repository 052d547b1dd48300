"""The alarm calls and the alarm commands of ``mxgw-py`` over the in-process fake:
the requests sent, the exact JSON of docs/cli-json.md, stream cancellation, and
the errors (a refused acknowledgement, an unknown alarm)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import grpc
import pytest
from google.protobuf import timestamp_pb2

from mxgateway import (
    GatewayClient,
    MxAccessError,
    MxGatewayCommandError,
    MxGatewayInvalidArgumentError,
    MxGatewayNotFoundError,
    MxGatewaySessionError,
    pb,
)

from .conftest import REPO_ROOT
from .fake_gateway import Failure, FakeGateway
from .test_cli import ainvoke, common

CLI_DOC = REPO_ROOT / "docs" / "cli-json.md"

# The examples of docs/cli-json.md, "Alarm commands", verbatim.
DOC_ALARM = (
    '{"reference":"Tank_001.Level.Hi","tagName":"Tank_001","alarmName":"Level.Hi",'
    '"area":"TankFarm","sourceReference":"Tank_001.Level","condition":"HI","state":"UNACK_ALM",'
    '"priority":500,"category":"Value Hi","description":"Tank 1 level high","value":77.5,'
    '"limit":75.0,"quality":192,"timeAlarmOn":"2026-11-22T03:04:05.500Z","timeAlarmOff":null,'
    '"timeAlarmAcked":null,"ackOperator":"","ackComment":"",'
    '"transitionTime":"2026-11-22T03:04:05.500Z"}'
)
DOC_SNAPSHOT_END = (
    '{"kind":"SNAPSHOT_END","sequence":41,"resync":false,"snapshotCount":0,"alarm":null}'
)
DOC_QUERY = '{"command":"query-active-alarms","alarms":[]}'
DOC_ACK = (
    '{"command":"acknowledge-alarm","reference":"Tank_001.Level.Hi","status":{"success":1,'
    '"category":"OK","detectedBy":"RESPONDING_AUTOMATION_OBJECT","detail":0,"rawCategory":0,'
    '"rawDetectedBy":5},"alarm":{"reference":"Tank_001.Level.Hi","tagName":"Tank_001",'
    '"alarmName":"Level.Hi","area":"TankFarm","sourceReference":"Tank_001.Level",'
    '"condition":"HI","state":"ACK_ALM","priority":500,"category":"Value Hi",'
    '"description":"Tank 1 level high","value":77.5,"limit":75.0,"quality":192,'
    '"timeAlarmOn":"2026-11-22T03:04:05.500Z","timeAlarmOff":null,'
    '"timeAlarmAcked":"2026-11-22T03:04:09Z","ackOperator":"supervisor","ackComment":"seen",'
    '"transitionTime":"2026-11-22T03:04:09Z"}}'
)


def _ts(text: str) -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(datetime.fromisoformat(text).replace(tzinfo=timezone.utc))
    return t


def doc_alarm() -> pb.AlarmRecord:
    """The docs' example alarm, as the gateway would send it."""
    alarm = pb.AlarmRecord(
        reference="Tank_001.Level.Hi",
        tag_name="Tank_001",
        alarm_name="Level.Hi",
        area="TankFarm",
        source_reference="Tank_001.Level",
        condition=pb.ALARM_CONDITION_HI,
        state=pb.ALARM_STATE_UNACK_ALM,
        priority=500,
        category="Value Hi",
        description="Tank 1 level high",
        value=pb.MxValue(data_type=pb.MX_DATA_TYPE_DOUBLE, variant_type=5, double_value=77.5),
        limit=pb.MxValue(data_type=pb.MX_DATA_TYPE_DOUBLE, variant_type=5, double_value=75.0),
        quality=192,
    )
    alarm.time_alarm_on.CopyFrom(_ts("2026-11-22T03:04:05.500"))
    alarm.transition_time.CopyFrom(_ts("2026-11-22T03:04:05.500"))
    return alarm


def doc_acked() -> pb.AlarmRecord:
    alarm = doc_alarm()
    alarm.state = pb.ALARM_STATE_ACK_ALM
    alarm.time_alarm_acked.CopyFrom(_ts("2026-11-22T03:04:09"))
    alarm.transition_time.CopyFrom(_ts("2026-11-22T03:04:09"))
    alarm.ack_operator = "supervisor"
    alarm.ack_comment = "seen"
    return alarm


def refused(detail: int) -> pb.AcknowledgeAlarmReply:
    category = (
        pb.MX_STATUS_CATEGORY_SECURITY_ERROR
        if detail == 1014
        else (pb.MX_STATUS_CATEGORY_OPERATIONAL_ERROR)
    )
    return pb.AcknowledgeAlarmReply(
        status=pb.MxStatus(
            success=0,
            category=category,
            detected_by=pb.MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT,
            detail=detail,
            raw_category=6 if detail == 1014 else 3,
            raw_detected_by=5,
        ),
        alarm=doc_acked(),
    )


def test_the_expected_lines_are_the_doc_examples() -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    for line in (DOC_ALARM, DOC_SNAPSHOT_END, DOC_QUERY, DOC_ACK):
        assert f"\n{line}\n" in doc, line


async def test_stream_alarms_sends_the_filter_and_prints_the_doc_lines(fake: FakeGateway) -> None:
    fake.alarm_events.put_nowait(
        pb.AlarmEvent(kind=pb.ALARM_EVENT_KIND_SNAPSHOT, sequence=41, alarm=doc_alarm())
    )
    fake.alarm_events.put_nowait(pb.AlarmEvent(kind=pb.ALARM_EVENT_KIND_SNAPSHOT_END, sequence=41))
    fake.alarm_events.put_nowait(None)
    args = ["stream-alarms", "--query", r"\Galaxy!TankFarm", "--query", r"\Galaxy!Utilities!C*"]
    result = await ainvoke([*args, "--min-priority", "1", "--max-priority", "500", *common(fake)])
    assert result.exit_code == 0, result.output
    snapshot = (
        '{"kind":"SNAPSHOT","sequence":41,"resync":false,"snapshotCount":0,"alarm":'
        + DOC_ALARM
        + "}"
    )
    assert result.stdout == f"{snapshot}\n{DOC_SNAPSHOT_END}\n"
    (request,) = fake.requests("StreamAlarms")
    assert list(request.filter.queries) == [r"\Galaxy!TankFarm", r"\Galaxy!Utilities!C*"]
    assert (request.filter.min_priority, request.filter.max_priority) == (1, 500)


async def test_stream_alarms_stops_after_max_messages(fake: FakeGateway) -> None:
    for _ in range(5):
        fake.alarm_events.put_nowait(
            pb.AlarmEvent(kind=pb.ALARM_EVENT_KIND_SNAPSHOT_END, sequence=2**64 - 1, resync=True)
        )
    result = await ainvoke(["stream-alarms", "--max-messages", "3", *common(fake)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0] == {
        "kind": "SNAPSHOT_END",
        "sequence": 18446744073709551615,
        "resync": True,
        "snapshotCount": 0,
        "alarm": None,
    }
    await asyncio.wait_for(fake.alarm_stream_cancelled.wait(), 5)


async def test_max_messages_is_capped(fake: FakeGateway) -> None:
    result = await ainvoke(["stream-alarms", "--max-messages", "1000001", *common(fake)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["type"] == "usage"
    assert fake.requests("StreamAlarms") == []


async def test_unknown_enum_numbers_print_as_unrecognized(fake: FakeGateway) -> None:
    alarm = pb.AlarmRecord(reference="X.Y", condition=77, state=78)  # type: ignore[arg-type]
    fake.alarm_events.put_nowait(pb.AlarmEvent(kind=79, alarm=alarm))  # type: ignore[arg-type]
    fake.alarm_events.put_nowait(None)
    result = await ainvoke(["stream-alarms", *common(fake)])
    line = json.loads(result.stdout)
    assert line["kind"] == "UNRECOGNIZED"
    assert line["alarm"]["condition"] == "UNRECOGNIZED" and line["alarm"]["state"] == "UNRECOGNIZED"
    # Unset values and times are null.
    assert line["alarm"]["value"] is None and line["alarm"]["limit"] is None
    assert line["alarm"]["transitionTime"] is None


async def test_query_active_alarms_prints_the_doc_object(fake: FakeGateway) -> None:
    result = await ainvoke(["query-active-alarms", *common(fake)])
    assert result.exit_code == 0, result.output
    assert result.stdout == DOC_QUERY + "\n"
    fake.active_alarms = [doc_alarm(), doc_acked()]
    result = await ainvoke(["query-active-alarms", "--max-priority", "999", *common(fake)])
    assert result.stdout == (
        '{"command":"query-active-alarms","alarms":['
        + DOC_ALARM
        + ","
        + json.dumps(json.loads(DOC_ACK)["alarm"], separators=(",", ":"))
        + "]}\n"
    )
    assert fake.requests("QueryActiveAlarms")[-1].filter.max_priority == 999


async def test_acknowledge_alarm_prints_the_doc_object(fake: FakeGateway) -> None:
    fake.ack_reply = pb.AcknowledgeAlarmReply(
        status=pb.MxStatus(
            success=1,
            category=pb.MX_STATUS_CATEGORY_OK,
            detected_by=pb.MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT,
            raw_detected_by=5,
        ),
        alarm=doc_acked(),
    )
    args = ["acknowledge-alarm", "--reference", "Tank_001.Level.Hi", "--comment", "seen"]
    result = await ainvoke([*args, "--operator", "supervisor", *common(fake)])
    assert result.exit_code == 0, result.output
    assert result.stdout == DOC_ACK + "\n"
    (request,) = fake.requests("AcknowledgeAlarm")
    assert (request.reference, request.comment, request.operator) == (
        "Tank_001.Level.Hi",
        "seen",
        "supervisor",
    )


async def test_acknowledge_alarm_needs_a_reference(fake: FakeGateway) -> None:
    result = await ainvoke(["acknowledge-alarm", *common(fake)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["type"] == "usage"
    assert fake.requests("AcknowledgeAlarm") == []


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        (1015, "the alarm is already acknowledged"),
        (1014, "the operator may not acknowledge alarms"),
    ],
)
async def test_a_refused_acknowledgement_is_an_mxaccess_error(
    fake: FakeGateway, client: GatewayClient, detail: int, reason: str
) -> None:
    fake.ack_reply = refused(detail)
    raw = await client.acknowledge_alarm_raw("Tank_001.Level.Hi")
    assert raw == fake.ack_reply
    with pytest.raises(MxAccessError) as e:
        await client.acknowledge_alarm("Tank_001.Level.Hi", operator="operator")
    assert isinstance(e.value, MxGatewayCommandError) and e.value.kind == "mxaccess"
    assert e.value.reply == fake.ack_reply and e.value.hresult == 0
    assert e.value.status is not None and e.value.status.detail == detail
    category = "SECURITY_ERROR" if detail == 1014 else "OPERATIONAL_ERROR"
    message = (
        f"MXAccess refused the acknowledgement: status category {category}, detail {detail}, "
        f"detected by RESPONDING_AUTOMATION_OBJECT ({reason}): Tank_001.Level.Hi"
    )
    assert str(e.value) == message
    result = await ainvoke(["acknowledge-alarm", "--reference", "Tank_001.Level.Hi", *common(fake)])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": message, "type": "mxaccess"}


async def test_acknowledge_alarm_returns_the_record(
    fake: FakeGateway, client: GatewayClient
) -> None:
    record = await client.acknowledge_alarm("Tank_001.Level.Hi", "seen", "supervisor")
    assert record.reference == "Tank_001.Level.Hi" and record.state == pb.ALARM_STATE_ACK_ALM


async def test_an_unknown_alarm_is_not_found(fake: FakeGateway, client: GatewayClient) -> None:
    fake.failures["AcknowledgeAlarm"] = Failure(
        grpc.StatusCode.NOT_FOUND, 'no alarm "No.Such" in the galaxy', kind="not-found"
    )
    with pytest.raises(MxGatewayNotFoundError) as e:
        await client.acknowledge_alarm("No.Such")
    assert e.value.kind == "not-found" and e.value.code is grpc.StatusCode.NOT_FOUND
    assert str(e.value) == 'not found: no alarm "No.Such" in the galaxy'
    result = await ainvoke(["acknowledge-alarm", "--reference", "No.Such", *common(fake)])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "error": 'not found: no alarm "No.Such" in the galaxy',
        "type": "not-found",
    }
    # NOT_FOUND without the gateway's kind stays a session error, as before.
    fake.failures["AcknowledgeAlarm"] = Failure(grpc.StatusCode.NOT_FOUND, "gone")
    with pytest.raises(MxGatewaySessionError):
        await client.acknowledge_alarm("No.Such")


async def test_a_malformed_query_is_invalid_argument(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.failures["QueryActiveAlarms"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT, "bad query", kind="invalid-argument"
    )
    with pytest.raises(MxGatewayInvalidArgumentError):
        await client.query_active_alarms(["Galaxy!Area"])


async def test_values_the_wire_cannot_carry_raise_before_sending(
    fake: FakeGateway, client: GatewayClient
) -> None:
    with pytest.raises(ValueError, match="min_priority"):
        await client.query_active_alarms(min_priority=-1)
    with pytest.raises(ValueError, match="max_priority"):
        client.stream_alarms(max_priority=2**32)
    with pytest.raises(ValueError, match="sequence"):
        client.stream_alarms(r"\Galaxy!Area")
    assert fake.calls == []


async def test_cancelling_the_task_cancels_the_alarm_stream(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.alarm_events.put_nowait(pb.AlarmEvent(kind=pb.ALARM_EVENT_KIND_SNAPSHOT_END))
    stream = client.stream_alarms()
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in stream:
            first.set()

    task = asyncio.create_task(consume())
    # Cancelled while waiting for the next message, with the stream open.
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.cancelled
    await asyncio.wait_for(fake.alarm_stream_cancelled.wait(), 5)


async def test_leaving_the_loop_cancels_the_alarm_stream(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.alarm_events.put_nowait(pb.AlarmEvent(kind=pb.ALARM_EVENT_KIND_SNAPSHOT_END))
    async with client.stream_alarms() as events:
        async for event in events:
            assert event.kind == pb.ALARM_EVENT_KIND_SNAPSHOT_END
            break
    assert events.cancelled
    await asyncio.wait_for(fake.alarm_stream_cancelled.wait(), 5)
