"""The shared MXAccess conformance cases (``fixtures/conformance.json``) end to
end through the Python client: a real gateway on the demo galaxy, one session,
commands through :meth:`Session.invoke_raw` (MXAccess failures stay in the
reply, to be compared) and events through :meth:`Session.stream_events`.

The runner mirrors the Rust one (``crates/conformance/src/lib.rs``), which runs
the same cases through the worker protocol and through the Rust client: one
Register, then per case AddItem2, Advise, the first OnDataChange against
``read``, the write and its OnWriteComplete (or HRESULT), the ``after`` value,
and UnAdvise + RemoveItem. Every mismatch is collected; the test fails once,
naming every failing case.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import json_format

from mxgateway import GatewayClient, MxGatewayError, Session, pb

from .conftest import REPO_ROOT, RealGateway
from .event_reader import EventReader

FIXTURE = REPO_ROOT / "fixtures" / "conformance.json"
DOC: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DOC["cases"]
#: How long the runner waits for each event (the Rust runners wait as long).
EVENT_TIMEOUT = 10.0


class CaseFailed(Exception):
    """Why a case does not hold."""


# === the fixture's JSON forms ===


def value_json(value: pb.MxValue) -> Any:
    """A value in the protobuf JSON form of its ``kind`` (``{"int32Value": 5}``), as
    the fixture writes it and exactly as the Rust runner renders it: unlike
    ``MessageToDict`` an empty array keeps ``"values": []``, a NaN is ``null``, and
    times print their raw ``[seconds, nanos]`` (no case compares one)."""

    def number(x: float) -> float | None:
        return None if math.isnan(x) else x

    kind = value.WhichOneof("kind")
    if kind is None:
        return {}
    if kind in ("bool_value", "int32_value", "string_value"):
        return {_camel(kind): getattr(value, kind)}
    if kind in ("float_value", "double_value"):
        return {_camel(kind): number(getattr(value, kind))}
    if kind in ("bool_array", "int32_array", "string_array"):
        return {_camel(kind): {"values": list(getattr(value, kind).values)}}
    if kind in ("float_array", "double_array"):
        return {_camel(kind): {"values": [number(x) for x in getattr(value, kind).values]}}
    if kind == "time_value":
        return {"timeValue": [value.time_value.seconds, value.time_value.nanos]}
    if kind == "elapsed_value":
        return {"elapsedValue": [value.elapsed_value.seconds, value.elapsed_value.nanos]}
    return {"unsupported": str(value)}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def value_from_json(value: Any) -> pb.MxValue:
    """The fixture's JSON form of a value to write."""
    if not isinstance(value, dict) or len(value) != 1:
        raise CaseFailed(f"not a value: {json.dumps(value)}")
    try:
        return json_format.ParseDict(value, pb.MxValue())
    except json_format.ParseError as e:
        raise CaseFailed(f"not a value: {json.dumps(value)}: {e}") from None


def same_json(a: Any, b: Any) -> bool:
    """JSON equality as ``serde_json`` has it: ``true`` is not ``1`` and ``1`` is not
    ``1.0``, so a value of the wrong kind never passes for the right one."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float, str)) or isinstance(b, (int, float, str)):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return a is None and b is None


def _enum_name(enum: Any, raw: int) -> str:
    name: str = enum.Name(raw) if raw in enum.values() else "UNRECOGNIZED"
    return name


def data_type_name(raw: int) -> str:
    return _enum_name(pb.MxDataType, raw)


def category_name(raw: int) -> str:
    return _enum_name(pb.MxStatusCategory, raw)


def source_name(raw: int) -> str:
    return _enum_name(pb.MxStatusSource, raw)


def status_text(status: pb.MxStatus) -> str:
    return json_format.MessageToJson(status, indent=None)


def check_status(what: str, got: pb.MxStatus, expected: Any) -> None:
    """``"ok"`` or ``{category, detectedBy, detail}`` against a status."""
    category = category_name(got.category)
    source = source_name(got.detected_by)
    if same_json(expected, "ok"):
        matches = got.success != 0
    else:
        matches = (
            isinstance(expected, dict)
            and got.success == 0
            and same_json(expected.get("category"), category)
            and same_json(expected.get("detectedBy"), source)
            and same_json(expected.get("detail"), got.detail)
        )
    if not matches:
        raise CaseFailed(
            f"{what} success={got.success} {category} {source} detail {got.detail} "
            f"(expected {json.dumps(expected)})"
        )


def first_status(statuses: Any) -> pb.MxStatus:
    return statuses[0] if len(statuses) else pb.MxStatus()


def text(case: dict[str, Any], key: str) -> str:
    value = case.get(key)
    return value if isinstance(value, str) else ""


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def kind_is(kind: str) -> Callable[[pb.MxEvent], bool]:
    return lambda event: event.WhichOneof("kind") == kind


# === the runner ===


class Runner:
    """Runs the cases in order on one session, as the Rust runner does."""

    def __init__(self, session: Session, events: EventReader, passwords: dict[str, Any]) -> None:
        self.session = session
        self.events = events
        self.passwords = passwords
        #: Events of other items or kinds, waiting for the step that wants them.
        self.backlog: deque[pb.MxEvent] = deque()
        self.users: dict[str, int] = {}
        self.server = 0

    async def command(self, command: pb.MxCommand) -> pb.MxCommandReply:
        """One command, unchecked; a gateway failure ends the run with context."""
        try:
            return await self.session.invoke_raw(command)
        except MxGatewayError as e:
            raise AssertionError(f"{json_format.MessageToJson(command, indent=None)}: {e}") from e

    async def run_all(self, cases: list[dict[str, Any]]) -> tuple[list[str], int]:
        """Every case; returns one line per failing case and the number of cases run."""
        reply = await self.command(
            pb.MxCommand(register=pb.RegisterCommand(client_name="conformance"))
        )
        assert reply.WhichOneof("result") == "server_handle", f"Register failed: {reply}"
        self.server = reply.server_handle
        failures: list[str] = []
        ran = 0
        for case in cases:
            ran += 1
            try:
                await self.run(case)
            except CaseFailed as why:
                name = case.get("name", "?")
                reference, context = text(case, "reference"), text(case, "context")
                failures.append(f"{name} [{reference}] {json.dumps(context)}: {why}")
        return failures, ran

    async def run(self, case: dict[str, Any]) -> None:
        reply = await self.command(
            pb.MxCommand(
                add_item2=pb.AddItem2Command(
                    server_handle=self.server,
                    item_definition=text(case, "reference"),
                    item_context=text(case, "context"),
                )
            )
        )
        if reply.WhichOneof("result") != "item_handle":
            raise CaseFailed(f"AddItem2 failed: {json_format.MessageToJson(reply, indent=None)}")
        item = reply.item_handle
        try:
            await self.run_item(case, item)
        finally:
            # Leave nothing behind for the next case, whatever happened.
            handles = pb.ItemCommand(server_handle=self.server, item_handle=item)
            await self.command(pb.MxCommand(unadvise=handles))
            await self.command(pb.MxCommand(remove_item=handles))
            self.backlog = deque(e for e in self.backlog if e.item_handle != item)

    async def run_item(self, case: dict[str, Any], item: int) -> None:
        reply = await self.command(
            pb.MxCommand(advise=pb.ItemCommand(server_handle=self.server, item_handle=item))
        )
        if reply.hresult != 0:
            raise CaseFailed(f"Advise failed: {json_format.MessageToJson(reply, indent=None)}")
        first = await self.event_of(item, kind_is("data_change"))
        if first is None:
            raise CaseFailed("no OnDataChange after Advise")
        change = first.data_change
        status = first_status(change.statuses)
        if "read" in case:
            read = case["read"]
            check_status("read status", status, read.get("status"))
            quality = integer(read.get("quality"))
            if quality is not None and change.quality != quality:
                raise CaseFailed(f"quality {change.quality} (expected {quality})")
            data_type = read.get("dataType")
            if isinstance(data_type, str):
                got_type = data_type_name(change.value.data_type)
                if got_type != data_type:
                    raise CaseFailed(f"data type {got_type} (expected {data_type})")
            if "value" in read:
                got = value_json(change.value)
                if not same_json(got, read["value"]):
                    raise CaseFailed(
                        f"value {json.dumps(got)} (expected {json.dumps(read['value'])})"
                    )
        elif status.success == 0:
            raise CaseFailed(f"the item did not resolve: {status_text(status)}")
        if "write" in case:
            await self.write(case, case["write"], item)

    async def write(self, case: dict[str, Any], write: dict[str, Any], item: int) -> None:
        value = value_from_json(write.get("value"))
        user_name, verifier_name = write.get("user"), write.get("verifier")
        user = await self.user_id(user_name) if isinstance(user_name, str) else 0
        if isinstance(verifier_name, str):
            command = pb.MxCommand(
                write_secured=pb.WriteSecuredCommand(
                    server_handle=self.server,
                    item_handle=item,
                    current_user_id=user,
                    verifier_user_id=await self.user_id(verifier_name),
                    value=value,
                )
            )
        else:
            command = pb.MxCommand(
                write=pb.WriteCommand(
                    server_handle=self.server, item_handle=item, value=value, user_id=user
                )
            )
        reply = await self.command(command)
        expected_hresult = integer(case.get("writeHresult"))
        if expected_hresult is not None:
            if reply.hresult != expected_hresult:
                raise CaseFailed(f"write HRESULT {reply.hresult} (expected {expected_hresult})")
            return
        if reply.hresult != 0:
            raise CaseFailed(
                f"the write was refused: {json_format.MessageToJson(reply, indent=None)}"
            )
        done = await self.event_of(item, kind_is("write_complete"))
        if done is None:
            raise CaseFailed("no OnWriteComplete")
        check_status(
            "write status", first_status(done.write_complete.statuses), case.get("writeStatus")
        )
        if "after" in case:
            wanted = case["after"]

            def carries_it(event: pb.MxEvent) -> bool:
                return kind_is("data_change")(event) and same_json(
                    value_json(event.data_change.value), wanted
                )

            if await self.event_of(item, carries_it) is None:
                raise CaseFailed(f"no OnDataChange carrying {json.dumps(wanted)} after the write")

    async def user_id(self, name: str) -> int:
        """The id of a demo user, authenticated once per run."""
        if name in self.users:
            return self.users[name]
        password = self.passwords.get(name)
        if not isinstance(password, str):
            raise CaseFailed(f"no password for demo user {name}")
        reply = await self.command(
            pb.MxCommand(
                authenticate_user=pb.AuthenticateUserCommand(
                    server_handle=self.server, user_name=name, password=password
                )
            )
        )
        if reply.WhichOneof("result") != "user_id":
            raise CaseFailed(
                f"AuthenticateUser {name} failed: {json_format.MessageToJson(reply, indent=None)}"
            )
        self.users[name] = reply.user_id
        return reply.user_id

    async def event_of(self, item: int, wanted: Callable[[pb.MxEvent], bool]) -> pb.MxEvent | None:
        """The first event of ``item`` matching ``wanted``, from the backlog or the
        stream; events of other items (or kinds) wait in the backlog. ``None`` when
        no event at all came within ``EVENT_TIMEOUT``."""
        for at, waiting in enumerate(self.backlog):
            if waiting.item_handle == item and wanted(waiting):
                del self.backlog[at]
                return waiting
        while True:
            event = await self.events.next(EVENT_TIMEOUT)
            if event is None:
                return None
            if event.item_handle == item and wanted(event):
                return event
            self.backlog.append(event)


# === the tests ===


def test_the_fixture_is_well_formed() -> None:
    names: set[str] = set()
    for case in CASES:
        name = case["name"]
        assert isinstance(name, str) and name not in names, name
        names.add(name)
        assert isinstance(case["reference"], str), name
        assert "read" in case or "write" in case, name
        if "write" in case:
            value_from_json(case["write"]["value"])
            assert "writeStatus" in case or "writeHresult" in case, name
    assert set(DOC["users"]) >= {
        u for c in CASES for k in ("user", "verifier") if (u := c.get("write", {}).get(k))
    }


@pytest.mark.parametrize(
    "value",
    [
        {"int32Value": 5},
        {"int32Value": 0},
        {"doubleValue": 1.5},
        {"stringValue": "x"},
        {"stringValue": ""},
        {"boolValue": True},
        {"boolValue": False},
        {"int32Array": {"values": [1, 2]}},
        {"int32Array": {"values": []}},
        {"stringArray": {"values": ["a"]}},
    ],
)
def test_values_round_trip_through_the_fixture_form(value: dict[str, Any]) -> None:
    assert same_json(value_json(value_from_json(value)), value)


def test_json_equality_tells_kinds_apart() -> None:
    assert same_json({"int32Value": 5}, {"int32Value": 5})
    assert not same_json({"int32Value": 1}, {"int32Value": True})
    assert not same_json({"doubleValue": 1.0}, {"doubleValue": 1})
    assert not same_json({"int32Array": {"values": [1]}}, {"int32Array": {}})
    assert same_json(None, None) and not same_json(None, 0)


@pytest.mark.integration
@pytest.mark.timeout(600)  # 135 cases, each a few round trips and events
async def test_every_conformance_case_holds_through_the_python_client(
    gateway: RealGateway,
) -> None:
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=gateway.keys["secured"], plaintext=True, timeout=20
    ) as client:
        session = await client.open_session("conformance")
        events = EventReader(session.stream_events())
        try:
            # The stream opens now, before the first command, as in the Rust runners.
            events.start()
            runner = Runner(session, events, DOC["users"])
            failures, ran = await runner.run_all(CASES)
        finally:
            await events.aclose()
            await session.close()
    assert ran == len(CASES)
    assert not failures, f"{len(failures)} of {ran} cases failed:\n" + "\n".join(failures)
