"""Suspend / Activate, ArchestrAUserToId and buffered items against the real gateway
binary and its demo galaxy, through the library and through ``mxgw-py``, with
byte-for-byte parity with ``mxgw`` where the output is deterministic.

Demo facts used: ``TestChildObject.TestInt`` counts up once a second;
``TestChildObject.FreeAccessValue`` changes only when written (no other test
writes it); the demo users ``operator``, ``supervisor``, ``engineer`` and
``viewer`` have the passwords ``<name>-demo`` and the GUIDs
``6f1d2a3b-000N-4c5d-8e9f-0a1b2c3d4e0N`` (N = 1..4, galaxies/demo.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator

import pytest

from mxgateway import (
    EventStream,
    GatewayClient,
    MxAccessError,
    MxGatewayAuthorizationError,
    Session,
    WriteEntry,
    pb,
)

from .conftest import TEST_ITEM, RealGateway
from .event_reader import EventReader
from .test_integration import py_cli, run, rust_cli

pytestmark = pytest.mark.integration

E_INVALIDARG = -2147024809
#: How long anything the tests wait for may take.
WAIT = 20.0
#: How long a suspended TestInt is watched for data changes (it changes every second).
QUIET = 2.5
STATIC_ITEM = "TestChildObject.FreeAccessValue"
#: Well formed, but no demo user has it.
UNKNOWN_GUID = "00000000-0000-0000-0000-000000000000"
DEMO_USERS = {
    "operator": "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01",
    "supervisor": "6f1d2a3b-0002-4c5d-8e9f-0a1b2c3d4e02",
    "engineer": "6f1d2a3b-0003-4c5d-8e9f-0a1b2c3d4e03",
    "viewer": "6f1d2a3b-0004-4c5d-8e9f-0a1b2c3d4e04",
}


async def connect(gw: RealGateway, key: str = "admin") -> GatewayClient:
    return await GatewayClient.connect(
        endpoint=gw.endpoint, api_key=gw.keys[key], plaintext=True, timeout=WAIT
    )


@pytest.fixture
async def admin(gateway: RealGateway) -> AsyncIterator[GatewayClient]:
    async with await connect(gateway) as client:
        yield client


class ItemEvents:
    """One item's events from a session's stream, read with timeouts that leave the
    stream open (see :class:`EventReader`)."""

    def __init__(self, events: EventStream, item_handle: int) -> None:
        self._reader = EventReader(events)
        self._item = item_handle

    async def next(self) -> pb.MxEvent:
        """The item's next event, within ``WAIT``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while (remaining := deadline - loop.time()) > 0:
            event = await self._reader.next(remaining)
            if event is not None and event.item_handle == self._item:
                return event
        raise AssertionError(f"no event for item {self._item} within {WAIT} s")

    async def during(self, seconds: float) -> list[pb.MxEvent]:
        """Every event of the item that arrives within ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        seen: list[pb.MxEvent] = []
        while (remaining := deadline - loop.time()) > 0:
            event = await self._reader.next(remaining)
            if event is not None and event.item_handle == self._item:
                seen.append(event)
        return seen

    async def aclose(self) -> None:
        """Stops the pending read and cancels the stream."""
        await self._reader.aclose()


@contextlib.asynccontextmanager
async def item_events(session: Session, item_handle: int) -> AsyncIterator[ItemEvents]:
    """A new event stream of ``session``, filtered to one item."""
    events = ItemEvents(session.stream_events(), item_handle)
    try:
        yield events
    finally:
        await events.aclose()


def kind(event: pb.MxEvent) -> str | None:
    name: str | None = event.WhichOneof("kind")
    return name


def is_ok(status: pb.MxStatus) -> bool:
    return status.success == 1 and status.category == pb.MX_STATUS_CATEGORY_OK


# === Suspend / Activate ===


async def test_a_suspended_item_raises_no_data_change_until_activated(
    admin: GatewayClient,
) -> None:
    session = await admin.open_session("python-suspend")
    try:
        server = await session.register("python-suspend")
        item = await session.add_item(server, TEST_ITEM)
        with pytest.raises(MxAccessError) as e:
            await session.suspend(server, item)  # not advised yet
        assert e.value.hresult == E_INVALIDARG
        await session.advise(server, item)
        async with item_events(session, item) as events:
            first = await events.next()
            assert kind(first) == "data_change"
            last = first.data_change.value.int32_value

            assert is_ok(await session.suspend(server, item))
            # A change raised before the suspension may still precede its completion.
            while kind(event := await events.next()) == "data_change":
                last = event.data_change.value.int32_value
            assert kind(event) == "operation_complete", event
            assert [is_ok(s) for s in event.operation_complete.statuses] == [True]

            # TestInt keeps counting, but nothing reaches the client...
            quiet = await events.during(QUIET)
            assert quiet == [], quiet
            # ...while the subscription stays current in the gateway.
            (read,) = await session.read_bulk(server, [TEST_ITEM])
            assert read.was_cached and read.value.int32_value > last, (read, last)

            assert is_ok(await session.activate(server, item))
            current = await events.next()
            assert kind(current) == "data_change", current
            assert current.data_change.value.int32_value >= read.value.int32_value
            assert current.data_change.quality == 192
            done = await events.next()
            assert kind(done) == "operation_complete", done
            assert [is_ok(s) for s in done.operation_complete.statuses] == [True]

            # Active again: the counter's changes flow as before.
            after = await events.next()
            assert kind(after) == "data_change"
            assert after.data_change.value.int32_value > current.data_change.value.int32_value
        await session.unadvise(server, item)
        with pytest.raises(MxAccessError) as e:
            await session.activate(server, item)  # UnAdvise ended the subscription
        assert e.value.hresult == E_INVALIDARG
    finally:
        await session.close()


# === ArchestrAUserToId ===


async def test_archestra_user_to_id_gives_the_authenticated_id(gateway: RealGateway) -> None:
    async with await connect(gateway, "secured") as client:
        session = await client.open_session("python-user-to-id")
        try:
            server = await session.register("python-user-to-id")
            ids: dict[str, int] = {}
            for user, guid in DEMO_USERS.items():
                ids[user] = await session.authenticate_user(server, user, f"{user}-demo")
                assert await session.archestra_user_to_id(server, guid) == ids[user], user
                braced = "{" + guid.upper() + "}"
                assert await session.archestra_user_to_id(server, braced) == ids[user], user
            assert len(set(ids.values())) == len(ids), ids
            for bad in (UNKNOWN_GUID, "operator", ""):
                with pytest.raises(MxAccessError) as e:
                    await session.archestra_user_to_id(server, bad)
                assert e.value.hresult == E_INVALIDARG, bad
            with pytest.raises(MxAccessError) as e:
                await session.archestra_user_to_id(server + 1000, DEMO_USERS["operator"])
            assert e.value.hresult == E_INVALIDARG
        finally:
            await session.close()
    # The call needs the mx:write-secured scope.
    async with await connect(gateway, "reader") as client:
        session = await client.open_session("python-user-to-id-reader")
        try:
            server = await session.register("r")
            with pytest.raises(MxGatewayAuthorizationError):
                await session.archestra_user_to_id(server, DEMO_USERS["operator"])
        finally:
            await session.close()


# === buffered items ===


async def first_buffered_value(events: ItemEvents) -> int:
    """The value of the item's first buffered event (advise delivers the current value)."""
    event = await events.next()
    assert kind(event) == "buffered_data_change", event
    return event.buffered_data_change.samples[-1].value.int32_value


async def test_a_buffered_item_delivers_its_samples_oldest_first(admin: GatewayClient) -> None:
    session = await admin.open_session("python-buffered")
    try:
        server = await session.register("python-buffered")
        assert await session.set_buffered_update_interval(server, 250) == 300
        for bad in (0, -5, 3_600_001):
            with pytest.raises(MxAccessError) as e:
                await session.set_buffered_update_interval(server, bad)
            assert e.value.hresult == E_INVALIDARG, bad
        assert await session.set_buffered_update_interval(server, 100) == 100
        item = await session.add_buffered_item(server, STATIC_ITEM)
        await session.advise(server, item)
        async with item_events(session, item) as events:
            base = await first_buffered_value(events) + 100
            written = [base + i for i in range(1, 6)]
            # One round trip: the five changes land within one interval, or very few.
            results = await session.write_bulk(server, [WriteEntry(item, v) for v in written])
            assert all(r.was_successful for r in results), results

            buffered: list[pb.OnBufferedDataChange] = []
            while sum(len(b.samples) for b in buffered) < len(written):
                event = await events.next()
                # Each write also completes (write_complete); never a plain data_change.
                if kind(event) != "write_complete":
                    assert kind(event) == "buffered_data_change", event
                    buffered.append(event.buffered_data_change)
        samples = [s for b in buffered for s in b.samples]
        assert [s.value.int32_value for s in samples] == written
        # Usually all five arrive in one event; a loaded machine may split the burst
        # across an interval boundary, but an event still holds several samples.
        assert max(len(b.samples) for b in buffered) >= 2, buffered
        stamps = [s.timestamp.ToNanoseconds() for s in samples]
        assert stamps == sorted(stamps)
        for b in buffered:
            assert b.data_type == pb.MX_DATA_TYPE_INTEGER and b.samples_dropped == 0
            assert list(b.statuses) == [b.samples[-1].status]
        assert all(s.quality == 192 and is_ok(s.status) for s in samples)
    finally:
        await session.close()


# === mxgw-py and mxgw ===


def both(
    gw: RealGateway, session: Session, server: int, args: list[str]
) -> tuple[tuple[int, str], tuple[int, str]]:
    common = [
        "--session-id",
        session.session_id,
        "--server-handle",
        str(server),
        "--endpoint",
        gw.endpoint,
        "--plaintext",
        "--api-key-env",
        "MXGW_IT_KEY",
        "--json",
    ]
    env = {"MXGW_IT_KEY": gw.admin_key}
    py = run(py_cli(), [*args, *common], env)
    rust = run(rust_cli(), [*args, *common], env)
    assert gw.admin_key not in py[1] + py[2] + rust[1] + rust[2]
    return (py[0], py[1]), (rust[0], rust[1])


def normalize_handles(out: str) -> str:
    return re.sub(r'"itemHandle":-?[0-9]+', '"itemHandle":N', out)


async def test_cli_parity_with_mxgw(gateway: RealGateway, admin: GatewayClient) -> None:
    session = await admin.open_session("python-item-commands-parity")
    try:
        server = await session.register("python-item-commands-parity")
        item = await session.add_item(server, TEST_ITEM)
        await session.advise(server, item)
        unadvised = await session.add_item(server, TEST_ITEM)
        operator = DEMO_USERS["operator"]
        h = ["--item-handle", str(item)]
        deterministic: list[list[str]] = [
            ["suspend", *h],
            ["suspend", *h],  # suspending a suspended item changes nothing
            ["activate", *h],
            ["activate", *h],
            ["archestra-user-to-id", "--user-guid", operator],
            ["archestra-user-to-id", "--user-guid", "{" + operator.upper() + "}"],
            ["set-buffered-update-interval", "--interval-ms", "250"],
            ["set-buffered-update-interval", "--interval-ms", "1"],
        ]
        for args in deterministic:
            p, r = both(gateway, session, server, args)
            assert p == r and p[0] == 0, (args, p, r)
        suspended, _ = both(gateway, session, server, ["suspend", *h])
        assert json.loads(suspended[1])["statuses"][0]["category"] == "OK"

        for args in (
            ["add-buffered-item", "--item", STATIC_ITEM],
            ["add-buffered-item", "--item", "Me.FreeAccessValue", "--context", "TestChildObject"],
        ):
            p, r = both(gateway, session, server, args)
            assert p[0] == r[0] == 0, (args, p, r)
            # Fresh item handles differ between the two runs; nothing else may.
            assert normalize_handles(p[1]) == normalize_handles(r[1]), (args, p, r)

        # Errors: exit codes and types agree.
        failing: list[tuple[list[str], int, str]] = [
            (["suspend", "--item-handle", str(unadvised)], 1, "mxaccess"),
            (["activate", "--item-handle", "987654"], 1, "mxaccess"),
            (["archestra-user-to-id", "--user-guid", "nope"], 1, "mxaccess"),
            (["archestra-user-to-id", "--user-guid", UNKNOWN_GUID], 1, "mxaccess"),
            (["set-buffered-update-interval", "--interval-ms", "-5"], 1, "mxaccess"),
            (["set-buffered-update-interval", "--interval-ms", "0"], 1, "mxaccess"),
            (["set-buffered-update-interval", "--interval-ms", "3600001"], 1, "mxaccess"),
            (["set-buffered-update-interval", "--interval-ms", "2147483648"], 2, "usage"),
            (["suspend"], 2, "usage"),
        ]
        for args, code, error_type in failing:
            p, r = both(gateway, session, server, args)
            assert p[0] == r[0] == code, (args, p, r)
            pj, rj = json.loads(p[1]), json.loads(r[1])
            assert list(pj) == list(rj) == ["error", "type"], (args, pj, rj)
            assert pj["type"] == rj["type"] == error_type, (args, pj, rj)
    finally:
        await session.close()


def normalize_event(line: str) -> str:
    line = re.sub(r'"workerSequence":[0-9]+', '"workerSequence":N', line)
    return re.sub(r'"timestamp":"[^"]*"', '"timestamp":T', line)


async def test_stream_events_prints_buffered_events_as_mxgw_does(
    gateway: RealGateway, admin: GatewayClient
) -> None:
    session = await admin.open_session("python-buffered-stream")
    try:
        server = await session.register("python-buffered-stream")
        # A wide interval: one burst of writes is one buffered event.
        assert await session.set_buffered_update_interval(server, 500) == 500
        item = await session.add_buffered_item(server, STATIC_ITEM)
        await session.advise(server, item)
        async with item_events(session, item) as events:
            base = await first_buffered_value(events) + 1000
        # Each CLI reads the same burst: three writes, the same three values.
        values = [base + 1, base + 2, base + 3]
        outputs: list[list[str]] = []
        for cli in (py_cli(), rust_cli()):
            results = await session.write_bulk(server, [WriteEntry(item, v) for v in values])
            assert all(r.was_successful for r in results), results
            code, out, err = run(
                cli,
                [
                    "stream-events",
                    "--session-id",
                    session.session_id,
                    "--max-events",
                    "4",
                    "--timeout-ms",
                    str(int(WAIT * 1000)),
                    "--endpoint",
                    gateway.endpoint,
                    "--plaintext",
                    "--api-key-env",
                    "MXGW_IT_KEY",
                    "--json",
                ],
                {"MXGW_IT_KEY": gateway.admin_key},
            )
            assert code == 0, (out, err)
            outputs.append(out.splitlines())
        py, rust = outputs
        assert [normalize_event(x) for x in py] == [normalize_event(x) for x in rust]
        parsed = [json.loads(x) for x in py]
        assert [e["type"] for e in parsed] == ["writeComplete"] * 3 + ["bufferedDataChange"]
        buffered = parsed[3]
        assert buffered["itemHandle"] == item and buffered["dataType"] == "Integer"
        assert [s["value"] for s in buffered["samples"]] == values
        assert buffered["samplesDropped"] == 0
        assert buffered["statuses"] == [buffered["samples"][-1]["status"]]
    finally:
        await session.close()
