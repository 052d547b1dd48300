"""Suspend, Activate, ArchestrAUserToId, AddBufferedItem and SetBufferedUpdateInterval
over the in-process fake: the requests the ``Session`` helpers send, what they
return, and how a refused call (E_INVALIDARG) or a malformed reply surfaces."""

from __future__ import annotations

import grpc
import pytest

from mxgateway import (
    GatewayClient,
    MxAccessError,
    MxGatewayAuthorizationError,
    MxGatewayCommandError,
    pb,
)

from .fake_gateway import E_INVALIDARG, OK_STATUS, Failure, FakeGateway

OPERATOR_GUID = "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01"


def invalid_arg(message: str) -> pb.MxCommandReply:
    """A call the gateway refused, as it sends it: protocol OK, E_INVALIDARG, a message."""
    return pb.MxCommandReply(
        protocol_status=pb.PROTOCOL_STATUS_OK, hresult=E_INVALIDARG, message=message
    )


async def test_the_helpers_build_their_commands(fake: FakeGateway, client: GatewayClient) -> None:
    session = client.session("sess-1")
    assert await session.suspend(1, 2) == OK_STATUS
    assert await session.activate(1, 2) == OK_STATUS
    assert await session.archestra_user_to_id(1, OPERATOR_GUID) == 7
    assert await session.add_buffered_item(1, "Me.Level", "Tank_001") == 2
    assert await session.add_buffered_item(1, "Tank_001.Level") == 2
    assert await session.set_buffered_update_interval(1, 250) == 300
    requests = fake.requests("Invoke")
    assert all(r.session_id == "sess-1" for r in requests)
    commands = [r.command for r in requests]
    assert [c.WhichOneof("command") for c in commands] == [
        "suspend",
        "activate",
        "archestra_user_to_id",
        "add_buffered_item",
        "add_buffered_item",
        "set_buffered_update_interval",
    ]
    suspend, activate, to_id, buffered, buffered_no_context, interval = commands
    for item in (suspend.suspend, activate.activate):
        assert (item.server_handle, item.item_handle) == (1, 2)
    assert (to_id.archestra_user_to_id.server_handle, to_id.archestra_user_to_id.user_guid) == (
        1,
        OPERATOR_GUID,
    )
    b = buffered.add_buffered_item
    assert (b.server_handle, b.item_definition, b.item_context) == (1, "Me.Level", "Tank_001")
    assert buffered_no_context.add_buffered_item.item_context == ""
    s = interval.set_buffered_update_interval
    assert (s.server_handle, s.update_interval_ms) == (1, 250)


async def test_suspend_returns_the_first_status_or_an_empty_one(
    fake: FakeGateway, client: GatewayClient
) -> None:
    pending = pb.MxStatus(success=1, category=pb.MX_STATUS_CATEGORY_PENDING, detail=3)
    fake.invoke_replies.append(
        pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, statuses=[pending, OK_STATUS])
    )
    assert await client.session("sess-1").suspend(1, 2) == pending
    # A reply without statuses is not a failure: the status is the empty one (as in mxgw).
    fake.invoke_replies.append(pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK))
    assert await client.session("sess-1").activate(1, 2) == pb.MxStatus()


@pytest.mark.parametrize(
    ("method", "args", "message"),
    [
        ("suspend", (1, 2), "Suspend needs an advised item; item 2 is not advised"),
        ("activate", (1, 2), "Activate needs an advised item; item 2 is not advised"),
        ("archestra_user_to_id", (1, "nope"), '"nope" is not a user GUID'),
        ("add_buffered_item", (9, "A.B"), "unknown server handle 9"),
        ("set_buffered_update_interval", (9, 100), "unknown server handle 9"),
    ],
)
async def test_a_refused_call_raises_mxaccess_error(
    fake: FakeGateway,
    client: GatewayClient,
    method: str,
    args: tuple[object, ...],
    message: str,
) -> None:
    fake.invoke_replies.append(invalid_arg(message))
    with pytest.raises(MxAccessError) as e:
        await getattr(client.session("sess-1"), method)(*args)
    assert e.value.hresult == E_INVALIDARG
    assert isinstance(e.value.reply, pb.MxCommandReply) and e.value.reply.message == message
    assert "E_INVALIDARG" in str(e.value) and message in str(e.value)
    assert e.value.kind == "mxaccess"


async def test_a_failed_status_with_hresult_zero_raises_too(
    fake: FakeGateway, client: GatewayClient
) -> None:
    failed = pb.MxStatus(success=0, category=pb.MX_STATUS_CATEGORY_OPERATIONAL_ERROR, detail=1)
    fake.invoke_replies.append(
        pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, statuses=[failed])
    )
    with pytest.raises(MxAccessError) as e:
        await client.session("sess-1").suspend(1, 2)
    assert e.value.status == failed


@pytest.mark.parametrize("interval_ms", [0, -5, -(2**31), 3_600_001, 2**31 - 1])
async def test_an_interval_out_of_range_is_refused_by_the_gateway(
    fake: FakeGateway, client: GatewayClient, interval_ms: int
) -> None:
    # The client sends what it is given: the range is the gateway's rule.
    with pytest.raises(MxAccessError) as e:
        await client.session("sess-1").set_buffered_update_interval(1, interval_ms)
    assert e.value.hresult == E_INVALIDARG
    sent = fake.requests("Invoke")[-1].command.set_buffered_update_interval
    assert sent.update_interval_ms == interval_ms


@pytest.mark.parametrize(
    ("requested", "effective"),
    [(1, 100), (100, 100), (101, 200), (250, 300), (3_600_000, 3_600_000)],
)
async def test_the_interval_in_effect_is_returned(
    client: GatewayClient, requested: int, effective: int
) -> None:
    assert await client.session("sess-1").set_buffered_update_interval(1, requested) == effective


async def test_an_interval_beyond_int32_never_reaches_the_gateway(
    fake: FakeGateway, client: GatewayClient
) -> None:
    with pytest.raises(ValueError):
        await client.session("sess-1").set_buffered_update_interval(1, 2**31)
    assert fake.requests("Invoke") == []


@pytest.mark.parametrize(
    ("method", "args", "what"),
    [
        ("archestra_user_to_id", (1, OPERATOR_GUID), "user id"),
        ("add_buffered_item", (1, "A.B"), "item handle"),
        ("set_buffered_update_interval", (1, 100), "update interval"),
    ],
)
async def test_a_reply_without_the_result_is_a_command_error(
    fake: FakeGateway, client: GatewayClient, method: str, args: tuple[object, ...], what: str
) -> None:
    # The wrong result kind counts as none: an item handle is no user id.
    fake.invoke_replies.append(pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK))
    fake.invoke_replies.append(
        pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, server_handle=1)
    )
    session = client.session("sess-1")
    for _ in range(2):
        with pytest.raises(MxGatewayCommandError, match=f"no {what}") as e:
            await getattr(session, method)(*args)
        assert not isinstance(e.value, MxAccessError)


async def test_archestra_user_to_id_without_the_scope_is_an_authorization_error(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.failures["Invoke"] = Failure(
        grpc.StatusCode.PERMISSION_DENIED,
        "permission denied: the API key lacks the mx:write-secured scope",
        "permission-denied",
    )
    with pytest.raises(MxGatewayAuthorizationError):
        await client.session("sess-1").archestra_user_to_id(1, OPERATOR_GUID)


async def test_buffered_events_arrive_one_at_a_time_with_their_samples(
    fake: FakeGateway, client: GatewayClient
) -> None:
    buffered = pb.MxEvent(worker_sequence=4, server_handle=1, item_handle=3, conflated=1)
    bdc = buffered.buffered_data_change
    bdc.data_type = pb.MX_DATA_TYPE_INTEGER
    for value in (41, 42):
        sample = bdc.samples.add(quality=192, status=OK_STATUS)
        sample.value.CopyFrom(
            pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=value)
        )
    bdc.statuses.append(OK_STATUS)
    done = pb.MxEvent(worker_sequence=5, server_handle=1, item_handle=3)
    done.operation_complete.statuses.append(OK_STATUS)
    fake.events.put_nowait(pb.StreamEventsReply(events=[buffered, done]))
    fake.events.put_nowait(None)
    events = [e async for e in client.session("sess-1").stream_events()]
    assert [e.WhichOneof("kind") for e in events] == ["buffered_data_change", "operation_complete"]
    got = events[0].buffered_data_change
    assert [s.value.int32_value for s in got.samples] == [41, 42]
    assert events[0].conflated == 1 and got.samples_dropped == 0
