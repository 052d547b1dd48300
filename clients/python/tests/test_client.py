"""The library over the in-process fake gateway: metadata, requests, streams, lifetime."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import grpc
import pytest

from mxgateway import (
    ClientOptions,
    GatewayClient,
    MxAccessError,
    MxGatewayAuthenticationError,
    MxGatewayCommandError,
    MxGatewayError,
    MxGatewaySessionError,
    MxGatewayTimeoutError,
    MxGatewayTransportError,
    MxGatewayWorkerError,
    pb,
)
from mxgateway._options import SERVER_NAME_OVERRIDE_OPTION, plan_channel

from .conftest import TEST_KEY
from .fake_gateway import Failure, FakeGateway

# === metadata ===


async def test_every_call_path_carries_the_bearer_key(
    fake: FakeGateway, client: GatewayClient
) -> None:
    session = await client.open_session("t")
    await session.register("x")
    fake.events.put_nowait(pb.StreamEventsReply(events=[pb.MxEvent(worker_sequence=1)]))
    async with session.stream_events() as events:
        await events.__anext__()
    await session.close()
    methods = {c.method for c in fake.calls}
    assert methods == {"OpenSession", "Invoke", "StreamEvents", "CloseSession"}
    for call in fake.calls:
        assert call.metadata.get("authorization") == f"Bearer {TEST_KEY}", call.method


async def test_no_key_sends_no_authorization(fake: FakeGateway) -> None:
    async with await GatewayClient.connect(endpoint=fake.endpoint, plaintext=True) as c:
        await c.open_session("t")
    assert "authorization" not in fake.calls[0].metadata


async def test_a_key_with_control_characters_is_rejected_without_echo(fake: FakeGateway) -> None:
    with pytest.raises(MxGatewayError) as e:
        await GatewayClient.connect(
            endpoint=fake.endpoint, plaintext=True, api_key="mxgw_a_bad\nsecretvalue"
        )
    assert "secretvalue" not in str(e.value)


# === request construction ===


async def test_every_helper_builds_its_command(fake: FakeGateway, client: GatewayClient) -> None:
    session = await client.open_session("label")
    assert fake.requests("OpenSession")[0].client_session_name == "label"
    assert session.session_id == "sess-1"
    assert session.open_reply is not None and session.open_reply.backend == "sim"
    stamp = datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=timezone.utc)
    assert await session.register("py") == 1
    await session.unregister(1)
    assert await session.add_item(1, "A.B") == 2
    assert await session.add_item2(1, "A.B", "ctx") == 2
    await session.remove_item(1, 2)
    await session.advise(1, 2)
    await session.advise_supervisory(1, 2)
    await session.unadvise(1, 2)
    await session.write(1, 2, 123, 5)
    await session.write2(1, 2, 1.5, stamp, 6)
    await session.write_secured(1, 2, 7, 8, "text")
    await session.write_secured2(1, 2, 7, 8, [1, 2], stamp)
    assert await session.authenticate_user(1, "operator", "pw") == 7
    commands = [r.command for r in fake.requests("Invoke")]
    assert all(r.session_id == "sess-1" for r in fake.requests("Invoke"))
    arms = [c.WhichOneof("command") for c in commands]
    assert arms == [
        "register",
        "unregister",
        "add_item",
        "add_item2",
        "remove_item",
        "advise",
        "advise_supervisory",
        "unadvise",
        "write",
        "write2",
        "write_secured",
        "write_secured2",
        "authenticate_user",
    ]
    (reg, unreg, add, add2, rem, adv, sup, unadv, w, w2, ws, ws2, auth) = commands
    assert reg.register.client_name == "py"
    assert unreg.unregister.server_handle == 1
    assert (add.add_item.server_handle, add.add_item.item_definition) == (1, "A.B")
    assert add2.add_item2.item_context == "ctx"
    for c, arm in (
        (rem, "remove_item"),
        (adv, "advise"),
        (sup, "advise_supervisory"),
        (unadv, "unadvise"),
    ):
        item = getattr(c, arm)
        assert (item.server_handle, item.item_handle) == (1, 2)
    assert w.write.value.int32_value == 123 and w.write.user_id == 5
    assert w2.write2.value.double_value == 1.5 and w2.write2.user_id == 6
    assert (w2.write2.timestamp.seconds, w2.write2.timestamp.nanos) == (1704164645, 500000000)
    assert ws.write_secured.current_user_id == 7 and ws.write_secured.verifier_user_id == 8
    assert ws.write_secured.value.string_value == "text"
    assert list(ws2.write_secured2.value.int32_array.values) == [1, 2]
    assert auth.authenticate_user.user_name == "operator"
    assert auth.authenticate_user.password == "pw"


async def test_non_finite_writes_never_reach_the_gateway(
    fake: FakeGateway, client: GatewayClient
) -> None:
    session = client.session("sess-1")
    for bad in (float("nan"), float("inf"), [1.0, float("-inf")]):
        with pytest.raises(ValueError, match="non-finite"):
            await session.write(1, 2, bad)
    assert fake.requests("Invoke") == []


# === raw vs checked ===


def _failed_reply() -> pb.MxCommandReply:
    return pb.MxCommandReply(
        protocol_status=pb.PROTOCOL_STATUS_OK,
        hresult=-2147024809,
        message="unknown handle",
        statuses=[pb.MxStatus(success=0, category=pb.MX_STATUS_CATEGORY_SECURITY_ERROR)],
    )


async def test_raw_returns_mxaccess_failures_and_checked_raises(
    fake: FakeGateway, client: GatewayClient
) -> None:
    session = client.session("sess-1")
    command = pb.MxCommand(advise=pb.ItemCommand(server_handle=1, item_handle=9))
    fake.invoke_replies.append(_failed_reply())
    raw = await session.invoke_raw(command)
    assert raw.hresult == -2147024809
    fake.invoke_replies.append(_failed_reply())
    with pytest.raises(MxAccessError) as e:
        await session.invoke(command)
    assert isinstance(e.value.reply, pb.MxCommandReply)
    assert e.value.reply.message == "unknown handle"
    assert e.value.hresult == -2147024809
    assert e.value.status is not None and e.value.status.category == 7
    assert "0x80070057" in str(e.value) and "E_INVALIDARG" in str(e.value)
    assert isinstance(e.value, MxGatewayCommandError)
    fake.invoke_replies.append(_failed_reply())
    with pytest.raises(MxAccessError):
        await session.advise(1, 9)


async def test_raw_raises_protocol_failures(fake: FakeGateway, client: GatewayClient) -> None:
    fake.invoke_replies.append(
        pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_INVALID_REQUEST, message="bad")
    )
    with pytest.raises(MxGatewayCommandError) as e:
        await client.invoke_raw(pb.MxCommandRequest(session_id="sess-1"))
    assert not isinstance(e.value, MxAccessError)
    assert isinstance(e.value.reply, pb.MxCommandReply)
    assert e.value.reply.protocol_status == pb.PROTOCOL_STATUS_INVALID_REQUEST


async def test_unpopulated_statuses_do_not_raise(fake: FakeGateway, client: GatewayClient) -> None:
    fake.invoke_replies.append(
        pb.MxCommandReply(
            protocol_status=pb.PROTOCOL_STATUS_OK,
            server_handle=3,
            statuses=[
                pb.MxStatus(),
                pb.MxStatus(success=0, category=pb.MX_STATUS_CATEGORY_UNKNOWN),
                pb.MxStatus(success=0, category=pb.MX_STATUS_CATEGORY_PENDING),
            ],
        )
    )
    assert await client.session("sess-1").register("x") == 3


async def test_a_reply_without_the_expected_result_is_a_command_error(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.invoke_replies.append(pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK))
    with pytest.raises(MxGatewayCommandError, match="no server handle"):
        await client.session("sess-1").register("x")


# === errors from the wire ===


async def test_gateway_errors_are_typed_and_redacted(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.failures["Invoke"] = Failure(
        grpc.StatusCode.UNAVAILABLE,
        f"worker died; header was Bearer {TEST_KEY}",
        "worker-unavailable",
    )
    with pytest.raises(MxGatewayWorkerError) as e:
        await client.session("sess-1").register("x")
    assert e.value.code is grpc.StatusCode.UNAVAILABLE
    text = f"{e.value} {e.value!r} {e.value.args}"
    assert TEST_KEY not in text and TEST_KEY.rsplit("_", 1)[1] not in text
    fake.failures["Invoke"] = Failure(grpc.StatusCode.NOT_FOUND, "unknown session x", None)
    with pytest.raises(MxGatewaySessionError):
        await client.session("x").register("x")
    fake.failures["OpenSession"] = Failure(
        grpc.StatusCode.UNAUTHENTICATED, "missing or invalid API key", "unauthenticated"
    )
    with pytest.raises(MxGatewayAuthenticationError):
        await client.open_session("t")


async def test_stream_errors_are_typed(fake: FakeGateway, client: GatewayClient) -> None:
    fake.failures["StreamEvents"] = Failure(
        grpc.StatusCode.NOT_FOUND, "unknown session x", "session-not-found"
    )
    with pytest.raises(MxGatewaySessionError):
        async for _ in client.session("x").stream_events():
            pass


# === streams ===


async def test_events_are_flattened_with_conflation_counters(
    fake: FakeGateway, client: GatewayClient
) -> None:
    fake.events.put_nowait(
        pb.StreamEventsReply(
            events=[pb.MxEvent(worker_sequence=1), pb.MxEvent(worker_sequence=2)],
            conflated_since_last=0,
            conflated_total=0,
        )
    )
    fake.events.put_nowait(
        pb.StreamEventsReply(
            events=[pb.MxEvent(worker_sequence=5, conflated=2)],
            conflated_since_last=2,
            conflated_total=2,
        )
    )
    fake.events.put_nowait(None)
    stream = client.session("sess-1").stream_events()
    seen = [e.worker_sequence async for e in stream]
    assert seen == [1, 2, 5]
    assert (stream.conflated_since_last, stream.conflated_total, stream.conflated_seen) == (2, 2, 2)
    assert fake.requests("StreamEvents")[0].session_id == "sess-1"


async def test_cancelling_the_task_cancels_the_grpc_stream(
    fake: FakeGateway, client: GatewayClient
) -> None:
    stream = client.session("sess-1").stream_events()

    async def consume() -> None:
        async for _ in stream:
            pass

    task = asyncio.create_task(consume())
    await asyncio.wait_for(fake.stream_started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.batches.cancelled
    await asyncio.wait_for(fake.stream_cancelled.wait(), 5)


async def test_leaving_a_loop_cancels_the_stream(fake: FakeGateway, client: GatewayClient) -> None:
    fake.events.put_nowait(pb.StreamEventsReply(events=[pb.MxEvent(worker_sequence=1)]))
    async with client.session("sess-1").stream_events() as events:
        async for _ in events:
            break
    assert events.batches.cancelled
    await asyncio.wait_for(fake.stream_cancelled.wait(), 5)


# === lifetime and timeouts ===


async def test_close_is_idempotent_under_concurrency(
    fake: FakeGateway, client: GatewayClient
) -> None:
    session = await client.open_session("t")
    await asyncio.gather(session.close(), session.close(), session.close())
    await session.close()
    assert len(fake.requests("CloseSession")) == 1
    with pytest.raises(MxGatewaySessionError):
        await session.register("x")
    await asyncio.gather(client.close(), client.close())
    assert client.closed


async def test_the_timeout_bounds_unary_calls(fake: FakeGateway) -> None:
    fake.invoke_delay = 2.0
    async with await GatewayClient.connect(
        endpoint=fake.endpoint, plaintext=True, timeout=0.2
    ) as c:
        with pytest.raises(MxGatewayTimeoutError):
            await c.session("s").register("x")


async def test_tls_is_the_default_even_for_loopback(fake: FakeGateway) -> None:
    # The fake speaks plaintext only: a client that silently downgraded would connect.
    with pytest.raises(MxGatewayTransportError):
        await GatewayClient.connect(endpoint=fake.endpoint, api_key=TEST_KEY, timeout=5)
    with pytest.raises(MxGatewayTransportError):
        await GatewayClient.connect(
            endpoint=fake.endpoint.replace("127.0.0.1", "localhost"), timeout=5
        )


async def test_connect_accepts_options_and_keywords(fake: FakeGateway) -> None:
    options = ClientOptions(endpoint="unused:1", api_key=TEST_KEY, plaintext=True)
    async with await GatewayClient.connect(options, endpoint=fake.endpoint) as c:
        assert c.options.endpoint == fake.endpoint
        assert c.options.api_key == TEST_KEY
        await c.open_session("t")


# === options ===


def test_options_repr_redacts_the_key() -> None:
    options = ClientOptions(endpoint="h:1", api_key=TEST_KEY)
    assert TEST_KEY not in repr(options) and "<redacted>" in repr(options)
    assert TEST_KEY not in str(options)


def test_tls_plan_uses_system_roots_by_default() -> None:
    plan = plan_channel(ClientOptions(endpoint="127.0.0.1:5000"))
    assert not plan.plaintext and plan.root_certificates is None
    assert plan.target == "127.0.0.1:5000" and plan.channel_options == ()


def test_tls_plan_with_ca_file_and_server_name(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    plan = plan_channel(
        ClientOptions(endpoint="https://gw:5001", ca_file=ca, server_name_override="gw.example")
    )
    assert plan.root_certificates == b"-----BEGIN CERTIFICATE-----\n"
    assert plan.channel_options == ((SERVER_NAME_OVERRIDE_OPTION, "gw.example"),)
    assert plan.target == "gw:5001"


@pytest.mark.parametrize(
    "options",
    [
        ClientOptions(endpoint="h:1", plaintext=True, ca_file="ca.pem"),
        ClientOptions(endpoint="h:1", plaintext=True, server_name_override="x"),
        ClientOptions(endpoint="http://h:1"),
        ClientOptions(endpoint="https://h:1", plaintext=True),
        ClientOptions(endpoint="ftp://h:1"),
        ClientOptions(endpoint="  "),
        ClientOptions(endpoint="h:1", ca_file="/nonexistent/mxgw-ca.pem"),
    ],
)
def test_inconsistent_options_are_config_errors(options: ClientOptions) -> None:
    from mxgateway import MxGatewayConfigError

    with pytest.raises(MxGatewayConfigError):
        plan_channel(options)


def test_plaintext_only_when_asked() -> None:
    plan = plan_channel(ClientOptions(endpoint="http://localhost:5000", plaintext=True))
    assert plan.plaintext and plan.target == "localhost:5000"


async def test_a_bare_break_cancels_the_stream(fake: FakeGateway, client: GatewayClient) -> None:
    # No `async with`: dropping the stream after the loop cancels the call.
    fake.events.put_nowait(pb.StreamEventsReply(events=[pb.MxEvent(worker_sequence=1)]))
    async for _ in client.session("sess-1").stream_events():
        break
    await asyncio.wait_for(fake.stream_cancelled.wait(), 5)
