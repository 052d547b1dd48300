"""The bulk helpers of ``Session`` over the in-process fake: request shapes, local
refusals (None, empty, over the advertised limit), reply checks, per-entry failures."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2

from mxgateway import (
    GatewayClient,
    MxAccessError,
    MxGatewayCommandError,
    MxGatewayInvalidArgumentError,
    Session,
    Write2Entry,
    WriteEntry,
    WriteSecured2Entry,
    WriteSecuredEntry,
    pb,
)

from .conftest import TEST_KEY
from .fake_gateway import Failure, FakeGateway

T0 = datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=timezone.utc)
T0_PB = timestamp_pb2.Timestamp(seconds=int(T0.timestamp()), nanos=500_000_000)


def int_value(n: int) -> pb.MxValue:
    return pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=n)


def double_value(x: float) -> pb.MxValue:
    return pb.MxValue(data_type=pb.MX_DATA_TYPE_DOUBLE, variant_type=5, double_value=x)


#: A bulk helper called with n entries.
Call = Callable[[Session, int], Awaitable[list[Any]]]
#: The request a helper must send for n entries.
Expected = Callable[[int], pb.MxCommand]


def cases() -> list[tuple[str, Call, Expected, str]]:
    """Every bulk helper: (arm name, call, expected request, reply result arm)."""
    refs = [f"TestChildObject.Attr{i}" for i in range(100)]

    def defs(arm: str) -> Callable[[int], pb.MxCommand]:
        def build(n: int) -> pb.MxCommand:
            command = pb.MxCommand()
            getattr(command, arm).CopyFrom(
                pb.ItemDefinitionsBulkCommand(server_handle=1, item_definitions=refs[:n])
            )
            return command

        return build

    def handles(arm: str) -> Callable[[int], pb.MxCommand]:
        def build(n: int) -> pb.MxCommand:
            command = pb.MxCommand()
            getattr(command, arm).CopyFrom(
                pb.ItemHandlesBulkCommand(server_handle=1, item_handles=range(10, 10 + n))
            )
            return command

        return build

    def write(n: int) -> pb.MxCommand:
        return pb.MxCommand(
            write_bulk=pb.WriteBulkCommand(
                server_handle=1,
                entries=[
                    pb.WriteBulkEntry(item_handle=10 + i, value=int_value(i), user_id=5)
                    for i in range(n)
                ],
            )
        )

    def write2(n: int) -> pb.MxCommand:
        return pb.MxCommand(
            write2_bulk=pb.Write2BulkCommand(
                server_handle=1,
                entries=[
                    pb.Write2BulkEntry(
                        item_handle=10 + i, value=double_value(i + 0.5), timestamp=T0_PB
                    )
                    for i in range(n)
                ],
            )
        )

    def secured(n: int) -> pb.MxCommand:
        return pb.MxCommand(
            write_secured_bulk=pb.WriteSecuredBulkCommand(
                server_handle=1,
                entries=[
                    pb.WriteSecuredBulkEntry(
                        item_handle=10 + i,
                        current_user_id=7,
                        verifier_user_id=8,
                        value=pb.MxValue(
                            data_type=pb.MX_DATA_TYPE_STRING, variant_type=8, string_value=f"s{i}"
                        ),
                    )
                    for i in range(n)
                ],
            )
        )

    def secured2(n: int) -> pb.MxCommand:
        return pb.MxCommand(
            write_secured2_bulk=pb.WriteSecured2BulkCommand(
                server_handle=1,
                entries=[
                    pb.WriteSecured2BulkEntry(
                        item_handle=10 + i,
                        current_user_id=7,
                        value=pb.MxValue(
                            data_type=pb.MX_DATA_TYPE_FLOAT, variant_type=4, float_value=0.5
                        ),
                        timestamp=T0_PB,
                    )
                    for i in range(n)
                ],
            )
        )

    def read(n: int) -> pb.MxCommand:
        return pb.MxCommand(
            read_bulk=pb.ReadBulkCommand(
                server_handle=1, item_definitions=refs[:n], timeout_ms=2500
            )
        )

    return [
        (
            "add_item_bulk",
            lambda s, n: s.add_item_bulk(1, refs[:n]),
            defs("add_item_bulk"),
            "subscribe_results",
        ),
        (
            "subscribe_bulk",
            lambda s, n: s.subscribe_bulk(1, refs[:n]),
            defs("subscribe_bulk"),
            "subscribe_results",
        ),
        (
            "advise_item_bulk",
            lambda s, n: s.advise_item_bulk(1, range(10, 10 + n)),
            handles("advise_item_bulk"),
            "subscribe_results",
        ),
        (
            "unadvise_item_bulk",
            lambda s, n: s.unadvise_item_bulk(1, list(range(10, 10 + n))),
            handles("unadvise_item_bulk"),
            "subscribe_results",
        ),
        (
            "remove_item_bulk",
            lambda s, n: s.remove_item_bulk(1, list(range(10, 10 + n))),
            handles("remove_item_bulk"),
            "subscribe_results",
        ),
        (
            "unsubscribe_bulk",
            lambda s, n: s.unsubscribe_bulk(1, list(range(10, 10 + n))),
            handles("unsubscribe_bulk"),
            "subscribe_results",
        ),
        (
            "write_bulk",
            lambda s, n: s.write_bulk(1, [WriteEntry(10 + i, i, user_id=5) for i in range(n)]),
            write,
            "write_results",
        ),
        (
            "write2_bulk",
            lambda s, n: s.write2_bulk(
                1, [Write2Entry(10 + i, i + 0.5, timestamp=T0) for i in range(n)]
            ),
            write2,
            "write_results",
        ),
        (
            "write_secured_bulk",
            lambda s, n: s.write_secured_bulk(
                1,
                [
                    WriteSecuredEntry(10 + i, f"s{i}", current_user_id=7, verifier_user_id=8)
                    for i in range(n)
                ],
            ),
            secured,
            "write_results",
        ),
        (
            "write_secured2_bulk",
            lambda s, n: s.write_secured2_bulk(
                1,
                [
                    WriteSecured2Entry(
                        10 + i, 0.5, current_user_id=7, timestamp=T0_PB, as_type="float"
                    )
                    for i in range(n)
                ],
            ),
            secured2,
            "write_results",
        ),
        ("read_bulk", lambda s, n: s.read_bulk(1, refs[:n], timeout_ms=2500), read, "read_results"),
    ]


CASES = cases()
IDS = [c[0] for c in CASES]


async def opened(client: GatewayClient) -> Session:
    return await client.open_session("bulk-test")


def last_command(fake: FakeGateway) -> pb.MxCommand:
    request: pb.MxCommandRequest = fake.requests("Invoke")[-1]
    return request.command


@pytest.mark.parametrize(("name", "call", "expected", "arm"), CASES, ids=IDS)
async def test_request_shape_and_results(
    client: GatewayClient,
    fake: FakeGateway,
    name: str,
    call: Call,
    expected: Expected,
    arm: str,
) -> None:
    session = client.session("sess-1")
    results = await call(session, 3)
    request = fake.requests("Invoke")[-1]
    assert request.session_id == "sess-1"
    assert request.command == expected(3)
    assert request.command.WhichOneof("command") == name
    assert len(results) == 3
    assert all(r.was_successful for r in results)
    # The results are the reply's own messages, in request order.
    kind = {
        "subscribe_results": pb.SubscribeResult,
        "write_results": pb.BulkWriteResult,
        "read_results": pb.BulkReadResult,
    }[arm]
    assert all(isinstance(r, kind) for r in results)


@pytest.mark.parametrize(("name", "call", "expected", "arm"), CASES, ids=IDS)
async def test_empty_lists_are_refused_locally(
    client: GatewayClient,
    fake: FakeGateway,
    name: str,
    call: Call,
    expected: Expected,
    arm: str,
) -> None:
    with pytest.raises(MxGatewayInvalidArgumentError, match="no entries"):
        await call(client.session("sess-1"), 0)
    assert fake.requests("Invoke") == []


@pytest.mark.parametrize(("name", "call", "expected", "arm"), CASES, ids=IDS)
async def test_the_advertised_limit_is_enforced_locally(
    client: GatewayClient,
    fake: FakeGateway,
    name: str,
    call: Call,
    expected: Expected,
    arm: str,
) -> None:
    fake.limits.max_bulk_items = 4
    session = await opened(client)
    assert session.max_bulk_items == 4
    # Exactly at the limit is allowed...
    assert len(await call(session, 4)) == 4
    assert last_command(fake) == expected(4)
    sent = len(fake.requests("Invoke"))
    # ...one more is refused before anything is sent, naming the limit.
    with pytest.raises(MxGatewayInvalidArgumentError) as e:
        await call(session, 5)
    assert "max_bulk_items limit of 4" in str(e.value) and "5 entries" in str(e.value)
    assert e.value.kind == "invalid-argument"
    assert len(fake.requests("Invoke")) == sent


async def test_no_limit_is_enforced_when_unknown_or_zero(
    client: GatewayClient, fake: FakeGateway
) -> None:
    # The fake advertises max_bulk_items 0 (no limit): nothing is refused locally.
    session = await opened(client)
    assert session.max_bulk_items is None
    assert len(await session.add_item_bulk(1, [f"A.B{i}" for i in range(50)])) == 50
    # An attached session does not know the limit; the gateway decides.
    attached = client.session("sess-1")
    assert attached.max_bulk_items is None
    fake.failures["Invoke"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT,
        "12 entries exceed max_bulk_items (10)",
        "invalid-argument",
    )
    with pytest.raises(MxGatewayInvalidArgumentError, match="max_bulk_items"):
        await attached.read_bulk(1, [f"A.B{i}" for i in range(12)])
    # A caller that knows the limit may set it on an attached session.
    attached.max_bulk_items = 10
    with pytest.raises(MxGatewayInvalidArgumentError, match="limit of 10"):
        await attached.read_bulk(1, [f"A.B{i}" for i in range(11)])
    assert len(fake.requests("Invoke")) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.add_item_bulk(1, None),
        lambda s: s.subscribe_bulk(1, None),
        lambda s: s.advise_item_bulk(1, None),
        lambda s: s.unadvise_item_bulk(1, None),
        lambda s: s.remove_item_bulk(1, None),
        lambda s: s.unsubscribe_bulk(1, None),
        lambda s: s.write_bulk(1, None),
        lambda s: s.write2_bulk(1, None),
        lambda s: s.write_secured_bulk(1, None),
        lambda s: s.write_secured2_bulk(1, None),
        lambda s: s.read_bulk(1, None),
        # A lone string would otherwise become one entry per character.
        lambda s: s.add_item_bulk(1, "TestChildObject.TestInt"),
        lambda s: s.read_bulk(1, "TestChildObject.TestInt"),
        lambda s: s.advise_item_bulk(1, 5),
    ],
)
async def test_none_and_non_lists_are_refused_locally(
    client: GatewayClient, fake: FakeGateway, call: Callable[[Session], Awaitable[Any]]
) -> None:
    with pytest.raises(MxGatewayInvalidArgumentError):
        await call(client.session("sess-1"))
    assert fake.requests("Invoke") == []


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.add_item_bulk(1, ["A.B", None]), "add_item_bulk entry 1"),
        (lambda s: s.read_bulk(1, ["A.B", 5]), "read_bulk entry 1"),
        (lambda s: s.advise_item_bulk(1, [1, 2**31]), "int32 range"),
        (lambda s: s.remove_item_bulk(1, [1, True]), "remove_item_bulk entry 1"),
        (lambda s: s.unsubscribe_bulk(1, ["3"]), "not an int32"),
        (lambda s: s.write_bulk(1, [WriteEntry(2, 1.0), WriteEntry(3, math.nan)]), "entry 1"),
        (lambda s: s.write_bulk(1, [WriteEntry(2, [1.0, -math.inf])]), "non-finite"),
        (lambda s: s.write2_bulk(1, [Write2Entry(2, math.inf, timestamp=T0)]), "non-finite"),
        (
            lambda s: s.write_secured_bulk(
                1, [WriteSecuredEntry(2, 1e39, current_user_id=7, as_type="float")]
            ),
            "overflows",
        ),
        (
            lambda s: s.write_secured2_bulk(
                1, [WriteSecured2Entry(2, math.nan, current_user_id=7, timestamp=T0)]
            ),
            "non-finite",
        ),
        (lambda s: s.write_bulk(1, [(2, 5)]), "expected a WriteEntry"),
        (lambda s: s.write2_bulk(1, [WriteEntry(2, 5)]), "expected a Write2Entry"),
        (
            lambda s: s.write2_bulk(
                1,
                [Write2Entry(2, 5, timestamp=datetime(2026, 1, 1))],  # naive: ambiguous
            ),
            "invalid timestamp",
        ),
        (lambda s: s.write_bulk(1, [WriteEntry(2, 5, user_id=2**31)]), "user id"),
        (lambda s: s.read_bulk(1, ["A.B"], timeout_ms=-1), "timeout_ms"),
        (lambda s: s.read_bulk(1, ["A.B"], timeout_ms=2**32), "timeout_ms"),
    ],
)
async def test_bad_entries_raise_value_error_naming_them(
    client: GatewayClient,
    fake: FakeGateway,
    call: Callable[[Session], Awaitable[Any]],
    match: str,
) -> None:
    with pytest.raises(ValueError, match=match):
        await call(client.session("sess-1"))
    assert fake.requests("Invoke") == []


async def test_write_entries_convert_python_values(
    client: GatewayClient, fake: FakeGateway
) -> None:
    session = client.session("sess-1")
    await session.write_bulk(
        1,
        [
            WriteEntry(2, True),
            WriteEntry(3, 0.1, as_type="float"),
            WriteEntry(4, [1, 2, 3]),
            WriteEntry(5, timedelta(seconds=1.5)),
            WriteEntry(6, [], as_type="int32-array"),
            WriteEntry(7, int_value(9)),
        ],
    )
    entries = last_command(fake).write_bulk.entries
    assert [e.value.WhichOneof("kind") for e in entries] == [
        "bool_value",
        "float_value",
        "int32_array",
        "elapsed_value",
        "int32_array",
        "int32_value",
    ]
    assert entries[1].value.variant_type == 4 and entries[2].value.variant_type == 0x2003
    with pytest.raises(TypeError):
        WriteEntry(2, 5, 7)  # type: ignore[call-arg]  # user_id is keyword-only


async def test_per_entry_failures_are_returned_not_raised(
    client: GatewayClient, fake: FakeGateway
) -> None:
    denied = pb.SubscribeResult(
        item_definition="Secret.Tag",
        was_successful=False,
        hresult=-2147024891,
        message="the API key may not read Secret.Tag",
        denied_by_constraint=True,
    )
    denied.statuses.add(
        success=0, category=pb.MX_STATUS_CATEGORY_SECURITY_ERROR, detail=1006, raw_category=6
    )
    ok = pb.SubscribeResult(item_definition="A.B", item_handle=2, was_successful=True)
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
    reply.subscribe_results.results.extend([ok, denied])
    fake.invoke_replies.append(reply)
    results = await client.session("sess-1").subscribe_bulk(1, ["A.B", "Secret.Tag"])
    assert results == [ok, denied]
    assert results[1].denied_by_constraint and not results[1].was_successful

    bad = pb.BulkWriteResult(item_handle=999, was_successful=False, hresult=-2147024809)
    bad.statuses.add(success=0, category=pb.MX_STATUS_CATEGORY_CONFIGURATION_ERROR)
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
    reply.write_results.results.extend(
        [pb.BulkWriteResult(item_handle=2, was_successful=True), bad]
    )
    fake.invoke_replies.append(reply)
    written = await client.session("sess-1").write_bulk(1, [WriteEntry(2, 1), WriteEntry(999, 1)])
    assert [r.was_successful for r in written] == [True, False]
    assert written[1].hresult == -2147024809

    missing = pb.BulkReadResult(item_definition="No.Such", message="no data change within 10 ms")
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
    reply.read_results.results.append(missing)
    fake.invoke_replies.append(reply)
    read = await client.session("sess-1").read_bulk(1, ["No.Such"], timeout_ms=10)
    assert read == [missing] and not read[0].HasField("value")


def reply_with(arm: str, count: int, **fields: Any) -> pb.MxCommandReply:
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, **fields)
    if arm:
        getattr(reply, arm).SetInParent()
        for _ in range(count):
            getattr(reply, arm).results.add()
    return reply


@pytest.mark.parametrize(("name", "call", "expected", "arm"), CASES, ids=IDS)
async def test_result_count_and_arm_are_checked(
    client: GatewayClient,
    fake: FakeGateway,
    name: str,
    call: Call,
    expected: Expected,
    arm: str,
) -> None:
    session = client.session("sess-1")
    wrong_arm = "read_results" if arm != "read_results" else "write_results"
    for reply, match in [
        (reply_with(arm, 1), "1 results for 2 entries"),
        (reply_with(arm, 3), "3 results for 2 entries"),
        (reply_with(arm, 0), "0 results for 2 entries"),
        (reply_with("", 0), "carries no result instead of " + arm),
        (reply_with(wrong_arm, 2), f"carries {wrong_arm} instead of {arm}"),
        (reply_with("", 0, item_handle=2), f"carries item_handle instead of {arm}"),
    ]:
        fake.invoke_replies.append(reply)
        with pytest.raises(MxGatewayCommandError, match=match) as e:
            await call(session, 2)
        assert type(e.value) is MxGatewayCommandError and e.value.kind == "command"
        assert e.value.reply == reply


async def test_call_level_failures_raise_as_for_single_commands(
    client: GatewayClient, fake: FakeGateway
) -> None:
    session = client.session("sess-1")
    # A failed HRESULT of the call (e.g. an unknown server handle).
    failed = reply_with("subscribe_results", 1, hresult=-2147024809, message="unknown handle")
    fake.invoke_replies.append(failed)
    with pytest.raises(MxAccessError) as e:
        await session.add_item_bulk(99, ["A.B"])
    assert e.value.hresult == -2147024809 and e.value.reply == failed
    # A failed call-level status.
    status_failed = reply_with("write_results", 1)
    status_failed.statuses.add(success=0, category=pb.MX_STATUS_CATEGORY_COMMUNICATION_ERROR)
    fake.invoke_replies.append(status_failed)
    with pytest.raises(MxAccessError):
        await session.write_bulk(1, [WriteEntry(2, 1)])
    # A protocol failure, including the tag-constraint denial of a single command.
    for status in (pb.PROTOCOL_STATUS_INVALID_REQUEST, pb.PROTOCOL_STATUS_PERMISSION_DENIED):
        fake.invoke_replies.append(pb.MxCommandReply(protocol_status=status, message="no"))
        with pytest.raises(MxGatewayCommandError, match="protocol status") as c:
            await session.read_bulk(1, ["A.B"])
        assert type(c.value) is MxGatewayCommandError
    # A gRPC error of the call (the gateway's own refusal).
    fake.failures["Invoke"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT, "empty bulk request", "invalid-argument"
    )
    with pytest.raises(MxGatewayInvalidArgumentError):
        await session.unsubscribe_bulk(1, [2])


async def test_a_key_quoted_in_an_entry_message_is_redacted(
    client: GatewayClient, fake: FakeGateway
) -> None:
    reply = reply_with("subscribe_results", 0)
    reply.subscribe_results.results.add(message=f"key {TEST_KEY} may not read A.B")
    fake.invoke_replies.append(reply)
    (result,) = await client.session("sess-1").add_item_bulk(1, ["A.B"])
    assert TEST_KEY not in result.message and "<redacted>" in result.message


async def test_generators_are_accepted(client: GatewayClient, fake: FakeGateway) -> None:
    results = await client.session("sess-1").advise_item_bulk(1, (h for h in (4, 5)))
    assert [r.item_handle for r in results] == [4, 5]
    assert list(last_command(fake).advise_item_bulk.item_handles) == [4, 5]
