"""The alarm calls against the real gateway binary and its demo galaxy: the
snapshot and the transitions a write causes, acknowledgement by the API and by
a ``.AckMsg`` write, the refusals and errors, the installed ``mxgw-py`` entry
point, and byte-for-byte parity with ``mxgw``.

Each test gets a fresh gateway (alarm state is global to a gateway). The demo
alarms used: ``TestChildObject.TestDouble.Hi`` (priority 300) trips when
TestDouble is written >= 100 and nothing else changes it;
``Compressor_001.Overload`` comes and goes on its own every 5 s.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mxgateway import (
    AlarmEvent,
    GatewayClient,
    MxAccessError,
    MxGatewayAuthorizationError,
    MxGatewayInvalidArgumentError,
    MxGatewayNotFoundError,
    RpcStream,
    Session,
    pb,
)

from .conftest import RealGateway, binary, create_key, start_gateway
from .test_integration import run, rust_cli

pytestmark = pytest.mark.integration

HI = "TestChildObject.TestDouble.Hi"
#: Only TestDouble.Hi has priority 300 in the demo galaxy: a filter no timer disturbs.
ONLY_HI = ["--min-priority", "300", "--max-priority", "300"]
#: How long anything the tests wait for may take (the demo's timers are 5 s).
WAIT = 30.0


@pytest.fixture
def alarm_gateway(tmp_path: Path) -> Iterator[RealGateway]:
    """A fresh demo gateway with keys ``alarms`` (alarms:read, alarms:ack), ``mx``
    (session reads and writes), ``reader`` (alarms:read only) and ``noalarms`` (mx:read)."""
    state = tmp_path / "state"
    state.mkdir()
    keys = {
        "admin": create_key(state, "admin", "admin"),
        "alarms": create_key(state, "alarms", "alarms:read", "alarms:ack"),
        "mx": create_key(state, "mx", "mx:read", "mx:write", "mx:write-secured"),
        "reader": create_key(state, "reader", "alarms:read"),
        "noalarms": create_key(state, "noalarms", "mx:read"),
    }
    with start_gateway(state, keys) as gw:
        yield gw


async def connect(gw: RealGateway, key: str = "alarms") -> GatewayClient:
    return await GatewayClient.connect(
        endpoint=gw.endpoint, api_key=gw.keys[key], plaintext=True, timeout=WAIT
    )


@pytest.fixture
async def alarms(alarm_gateway: RealGateway) -> AsyncIterator[GatewayClient]:
    async with await connect(alarm_gateway) as client:
        yield client


async def subscribe(session: Session, server: int, *refs: str) -> list[int]:
    """Adds and advises ``refs``; returns once each had its first data change
    (MXAccess resolves an item then, and a write needs that)."""
    handles = [await session.add_item(server, ref) for ref in refs]
    for handle in handles:
        await session.advise(server, handle)
    pending = set(handles)

    async def first_changes() -> None:
        async for event in session.stream_events():
            pending.discard(event.item_handle)
            if not pending:
                return

    await asyncio.wait_for(first_changes(), WAIT)
    return handles


async def write_double(gw: RealGateway, ref: str, value: float) -> None:
    """Writes a double through a session of its own, and closes it."""
    async with await connect(gw, "mx") as client:
        session = await client.open_session("alarm-tests")
        try:
            server = await session.register("alarm-tests")
            (handle,) = await subscribe(session, server, ref)
            await session.write(server, handle, value)
        finally:
            await session.close()


async def until(stream: RpcStream[AlarmEvent], matches: Callable[[AlarmEvent], bool]) -> AlarmEvent:
    """The next message of ``stream`` that ``matches``, within ``WAIT``."""

    async def find() -> AlarmEvent:
        async for event in stream:
            if matches(event):
                return event
        raise AssertionError("the alarm stream ended")

    return await asyncio.wait_for(find(), WAIT)


def transition(reference: str, state: int) -> Callable[[AlarmEvent], bool]:
    return lambda e: (
        e.kind == pb.ALARM_EVENT_KIND_TRANSITION
        and e.alarm.reference == reference
        and e.alarm.state == state
    )


def snapshot_end(e: AlarmEvent) -> bool:
    return e.kind == pb.ALARM_EVENT_KIND_SNAPSHOT_END


# === the library ===


async def test_snapshot_transitions_and_acknowledgement(
    alarm_gateway: RealGateway, alarms: GatewayClient
) -> None:
    async with alarms.stream_alarms() as stream:
        snapshot: list[AlarmEvent] = []

        def collect(e: AlarmEvent) -> bool:
            snapshot.append(e)
            return snapshot_end(e)

        end = await until(stream, collect)
        assert end.snapshot_count == len(snapshot) - 1 and not end.resync
        assert all(e.kind == pb.ALARM_EVENT_KIND_SNAPSHOT for e in snapshot[:-1])
        assert HI not in [e.alarm.reference for e in snapshot[:-1]]

        await write_double(alarm_gateway, "TestChildObject.TestDouble", 150.0)
        tripped = await until(stream, transition(HI, pb.ALARM_STATE_UNACK_ALM))
        assert tripped.sequence > end.sequence
        alarm = tripped.alarm
        assert (alarm.tag_name, alarm.alarm_name) == ("TestChildObject", "TestDouble.Hi")
        assert alarm.source_reference == "TestChildObject.TestDouble"
        assert alarm.condition == pb.ALARM_CONDITION_HI and alarm.priority == 300
        assert alarm.value.double_value == 150.0 and alarm.limit.double_value == 100.0
        assert alarm.HasField("time_alarm_on") and not alarm.HasField("time_alarm_acked")

        active = await alarms.query_active_alarms(min_priority=300, max_priority=300)
        assert [(a.reference, a.state) for a in active] == [(HI, pb.ALARM_STATE_UNACK_ALM)]

        record = await alarms.acknowledge_alarm(HI, "seen", "supervisor")
        assert record.state == pb.ALARM_STATE_ACK_ALM
        assert (record.ack_operator, record.ack_comment) == ("supervisor", "seen")
        acked = await until(stream, transition(HI, pb.ALARM_STATE_ACK_ALM))
        assert acked.alarm.ack_operator == "supervisor" and acked.alarm.HasField("time_alarm_acked")

        with pytest.raises(MxAccessError) as e:
            await alarms.acknowledge_alarm(HI, "again", "supervisor")
        assert e.value.status is not None and e.value.status.detail == 1015
        assert isinstance(e.value.reply, pb.AcknowledgeAlarmReply)
        assert e.value.reply.alarm.state == pb.ALARM_STATE_ACK_ALM
        raw = await alarms.acknowledge_alarm_raw(HI, "again", "supervisor")
        assert raw.status.success == 0 and raw.status.detail == 1015

        # Back to normal: acknowledged and returned, so no longer active.
        await write_double(alarm_gateway, "TestChildObject.TestDouble", 3.25)
        await until(stream, transition(HI, pb.ALARM_STATE_ACK_RTN))
        assert await alarms.query_active_alarms(min_priority=300, max_priority=300) == []
    assert stream.cancelled


async def test_an_operator_without_the_privilege_is_refused(
    alarm_gateway: RealGateway, alarms: GatewayClient
) -> None:
    await write_double(alarm_gateway, "TestChildObject.TestDouble", 150.0)
    with pytest.raises(MxAccessError) as e:
        await alarms.acknowledge_alarm(HI, "not mine", "operator")
    assert e.value.kind == "mxaccess"
    assert e.value.status is not None and e.value.status.detail == 1014
    assert e.value.status.category == pb.MX_STATUS_CATEGORY_SECURITY_ERROR
    assert isinstance(e.value.reply, pb.AcknowledgeAlarmReply)
    assert e.value.reply.alarm.state == pb.ALARM_STATE_UNACK_ALM
    assert "1014" in str(e.value) and HI in str(e.value)


async def test_acknowledging_by_writing_ackmsg(
    alarm_gateway: RealGateway, alarms: GatewayClient
) -> None:
    async with alarms.stream_alarms(min_priority=300, max_priority=300) as stream:
        await until(stream, snapshot_end)
        async with await connect(alarm_gateway, "mx") as client:
            session = await client.open_session("ackmsg")
            try:
                server = await session.register("ackmsg")
                user = await session.authenticate_user(server, "supervisor", "supervisor-demo")
                value, ack_msg = await subscribe(
                    session, server, "TestChildObject.TestDouble", f"{HI}.AckMsg"
                )
                await session.write(server, value, 150.0)
                await until(stream, transition(HI, pb.ALARM_STATE_UNACK_ALM))
                await session.write(server, ack_msg, "acked by a write", user_id=user)
                acked = await until(stream, transition(HI, pb.ALARM_STATE_ACK_ALM))
            finally:
                await session.close()
    assert acked.alarm.ack_operator == "supervisor"
    assert acked.alarm.ack_comment == "acked by a write"
    (active,) = await alarms.query_active_alarms(min_priority=300, max_priority=300)
    assert active.state == pb.ALARM_STATE_ACK_ALM


async def test_errors(alarm_gateway: RealGateway, alarms: GatewayClient) -> None:
    with pytest.raises(MxGatewayNotFoundError) as nf:
        await alarms.acknowledge_alarm("No.Such.Alarm")
    assert nf.value.kind == "not-found" and "No.Such.Alarm" in str(nf.value)
    with pytest.raises(MxGatewayNotFoundError):
        await alarms.acknowledge_alarm_raw("No.Such.Alarm")
    with pytest.raises(MxGatewayInvalidArgumentError):
        await alarms.acknowledge_alarm(HI, "x" * 257, "supervisor")
    with pytest.raises(MxGatewayInvalidArgumentError):
        await alarms.query_active_alarms(["Galaxy!Area"])
    with pytest.raises(MxGatewayInvalidArgumentError):
        async with alarms.stream_alarms(["Galaxy!Area"]) as stream:
            await stream.__anext__()
    with pytest.raises(MxGatewayInvalidArgumentError):
        await alarms.query_active_alarms(min_priority=1000)

    async with await connect(alarm_gateway, "noalarms") as other:
        with pytest.raises(MxGatewayAuthorizationError):
            await other.query_active_alarms()
        with pytest.raises(MxGatewayAuthorizationError):
            async with other.stream_alarms() as stream:
                await stream.__anext__()
    async with await connect(alarm_gateway, "reader") as reader:
        await reader.query_active_alarms()  # alarms:read is enough to read...
        with pytest.raises(MxGatewayAuthorizationError):
            await reader.acknowledge_alarm(HI, operator="supervisor")  # ...not to acknowledge


async def test_a_query_selects_an_area(alarms: GatewayClient) -> None:
    everything = await alarms.query_active_alarms()
    utilities = await alarms.query_active_alarms([r"\Galaxy!Utilities"])
    assert all(a.area == "Utilities" for a in utilities)
    assert {a.reference for a in utilities} <= {a.reference for a in everything} | {
        "Compressor_001.Overload"  # it may come between the two calls
    }
    assert await alarms.query_active_alarms([r"\Galaxy!Utilities!Nothing*"]) == []


# === mxgw-py, the installed entry point ===


def installed_cli() -> list[str]:
    path = Path(sys.executable).parent / "mxgw-py"
    if not path.is_file():
        pytest.fail(f"{path} is missing: install the package (pip install -e .)", pytrace=False)
    return [str(path)]


def common(gw: RealGateway, key: str = "alarms") -> tuple[list[str], dict[str, str]]:
    args = ["--endpoint", gw.endpoint, "--plaintext", "--api-key-env", "MXGW_ALARM_KEY", "--json"]
    return args, {"MXGW_ALARM_KEY": gw.keys[key]}


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_stream_alarms_prints_three_lines(alarm_gateway: RealGateway) -> None:
    args, env = common(alarm_gateway)
    # Within 30 s on a fresh gateway: the compressor's overload changes every 5 s.
    started = time.monotonic()
    code, out, err = run(installed_cli(), ["stream-alarms", "--max-messages", "3", *args], env)
    assert time.monotonic() - started < WAIT
    assert code == 0, err
    lines = json_lines(out)
    assert len(lines) == 3
    assert [list(line) for line in lines] == [
        ["kind", "sequence", "resync", "snapshotCount", "alarm"]
    ] * 3
    kinds = [line["kind"] for line in lines]
    assert "SNAPSHOT_END" in kinds
    assert kinds.index("SNAPSHOT_END") == lines[kinds.index("SNAPSHOT_END")]["snapshotCount"]
    records = [line["alarm"] for line in lines if line["alarm"] is not None]
    assert records, lines
    assert list(records[0])[:3] == ["reference", "tagName", "alarmName"]
    assert alarm_gateway.keys["alarms"] not in out + err


def test_stream_alarms_timeout_is_not_an_error(alarm_gateway: RealGateway) -> None:
    args, env = common(alarm_gateway)
    filt = ["--query", r"\Galaxy!Utilities!Nothing*"]
    code, out, err = run(
        installed_cli(), ["stream-alarms", *filt, "--timeout-ms", "300", *args], env
    )
    assert code == 0, err
    (line,) = json_lines(out)
    assert line["kind"] == "SNAPSHOT_END" and line["snapshotCount"] == 0 and line["alarm"] is None


async def test_query_and_acknowledge_commands(alarm_gateway: RealGateway) -> None:
    args, env = common(alarm_gateway)
    cli = installed_cli()
    code, out, _ = await asyncio.to_thread(run, cli, ["query-active-alarms", *ONLY_HI, *args], env)
    assert (code, out) == (0, '{"command":"query-active-alarms","alarms":[]}\n')

    await write_double(alarm_gateway, "TestChildObject.TestDouble", 150.0)
    code, out, _ = await asyncio.to_thread(run, cli, ["query-active-alarms", *ONLY_HI, *args], env)
    (listed,) = json.loads(out)["alarms"]
    assert code == 0 and listed["reference"] == HI and listed["state"] == "UNACK_ALM"
    assert listed["condition"] == "HI" and listed["value"] == 150.0 and listed["limit"] == 100.0

    ack = ["acknowledge-alarm", "--reference", HI, "--comment", "seen"]
    code, out, _ = await asyncio.to_thread(run, cli, [*ack, "--operator", "operator", *args], env)
    error = json.loads(out)
    assert code == 1 and error["type"] == "mxaccess" and "detail 1014" in error["error"]

    code, out, err = await asyncio.to_thread(
        run, cli, [*ack, "--operator", "supervisor", *args], env
    )
    assert code == 0, err
    result = json.loads(out)
    assert list(result) == ["command", "reference", "status", "alarm"]
    assert result["command"] == "acknowledge-alarm" and result["reference"] == HI
    assert result["status"]["success"] == 1 and result["status"]["category"] == "OK"
    assert result["alarm"]["state"] == "ACK_ALM" and result["alarm"]["ackComment"] == "seen"

    code, out, _ = await asyncio.to_thread(run, cli, [*ack, "--operator", "supervisor", *args], env)
    error = json.loads(out)
    assert code == 1 and error["type"] == "mxaccess" and "detail 1015" in error["error"]

    code, out, _ = await asyncio.to_thread(
        run, cli, ["acknowledge-alarm", "--reference", "No.Such.Alarm", *args], env
    )
    assert code == 1 and json.loads(out)["type"] == "not-found"


def test_command_errors(alarm_gateway: RealGateway) -> None:
    cli = installed_cli()
    args, env = common(alarm_gateway)
    code, out, _ = run(cli, ["query-active-alarms", "--query", "Galaxy!Area", *args], env)
    assert code == 1 and json.loads(out)["type"] == "invalid-argument"
    args, env = common(alarm_gateway, "noalarms")
    code, out, _ = run(cli, ["stream-alarms", "--max-messages", "1", *args], env)
    assert code == 1 and json.loads(out)["type"] == "authorization"


# === parity with mxgw ===


def mxgw_has_alarm_commands() -> bool:
    help_text = subprocess.run(
        [*rust_cli(), "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    return all(c in help_text for c in ("query-active-alarms", "acknowledge-alarm"))


async def test_parity_with_mxgw(alarm_gateway: RealGateway) -> None:
    binary("mxgw")
    assert mxgw_has_alarm_commands(), "target/debug/mxgw lacks the alarm commands"
    args, env = common(alarm_gateway)
    py, rust = installed_cli(), rust_cli()

    def both(command: list[str]) -> tuple[tuple[int, str], tuple[int, str]]:
        p = run(py, [*command, *args], env)
        r = run(rust, [*command, *args], env)
        return (p[0], p[1]), (r[0], r[1])

    # The same state: nothing at priority 300, then TestDouble.Hi in alarm.
    p, r = both(["query-active-alarms", *ONLY_HI])
    assert p == r and p[0] == 0
    await write_double(alarm_gateway, "TestChildObject.TestDouble", 150.0)
    p, r = both(["query-active-alarms", *ONLY_HI])
    assert p == r and HI in p[1]
    p, r = both(["query-active-alarms", "--query", "Galaxy!Area"])
    assert p == r and p[0] == 1
    # Errors of acknowledge-alarm: an unknown alarm, and a refusal.
    p, r = both(["acknowledge-alarm", "--reference", "No.Such.Alarm"])
    assert p == r and p[0] == 1 and '"type":"not-found"' in p[1]
    p, r = both(["acknowledge-alarm", "--reference", HI, "--operator", "operator"])
    assert p == r and p[0] == 1 and '"type":"mxaccess"' in p[1]
