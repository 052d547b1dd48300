"""``GalaxyRepositoryClient`` over the in-process fake: paging, deploy time,
deploy watch, simulated deploy, error mapping and the shared connect policy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import grpc
import pytest
from google.protobuf import timestamp_pb2

from mxgateway import (
    DeployEvent,
    GalaxyObject,
    GalaxyRepositoryClient,
    MxGatewayAuthorizationError,
    MxGatewayCommandError,
    MxGatewayConfigError,
    MxGatewayInvalidArgumentError,
    pb,
)

from .conftest import TEST_KEY
from .fake_gateway import DEPLOY_NANOS, Failure, FakeGateway, galaxy_object

DEPLOY_TIME = datetime(2026, 11, 21, 23, 47, 16, 854000, tzinfo=timezone.utc)


@pytest.fixture
async def galaxy(fake: FakeGateway) -> AsyncIterator[GalaxyRepositoryClient]:
    async with await GalaxyRepositoryClient.connect(
        endpoint=fake.endpoint, api_key=TEST_KEY, plaintext=True, timeout=5
    ) as g:
        yield g


def objects(n: int) -> list[pb.GalaxyObject]:
    return [galaxy_object(10 + i, f"Obj{i}") for i in range(n)]


def page(objs: list[pb.GalaxyObject], next_token: str = "") -> pb.DiscoverHierarchyReply:
    return pb.DiscoverHierarchyReply(objects=objs, next_page_token=next_token, total_objects=99)


def browse_requests(fake: FakeGateway) -> list[tuple[int, str]]:
    return [(r.page_size, r.page_token) for r in fake.requests("DiscoverHierarchy")]


# === connect, test connection, deploy time ===


async def test_test_connection_sends_the_key(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    assert await galaxy.test_connection() is True
    assert fake.calls[-1].metadata["authorization"] == f"Bearer {TEST_KEY}"
    fake.connection = pb.TestConnectionReply(ok=False, message="no database", provider="sqlserver")
    assert await galaxy.test_connection() is False
    raw = await galaxy.test_connection_raw()
    assert (raw.ok, raw.message, raw.provider) == (False, "no database", "sqlserver")


async def test_test_connection_message_never_carries_the_key(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.connection = pb.TestConnectionReply(ok=False, message=f"login as {TEST_KEY} failed")
    raw = await galaxy.test_connection_raw()
    assert TEST_KEY not in raw.message and "<redacted>" in raw.message


async def test_last_deploy_time_is_utc_aware(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    when = await galaxy.get_last_deploy_time()
    assert when == DEPLOY_TIME
    assert when is not None and when.utcoffset() is not None and when.tzinfo is timezone.utc
    raw = await galaxy.get_last_deploy_time_raw()
    assert raw.present and raw.time_of_last_deploy.ToNanoseconds() == DEPLOY_NANOS


async def test_absent_last_deploy_time_is_none(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.deploy = pb.DeployEvent(sequence=1, time_of_last_deploy_present=False)
    assert await galaxy.get_last_deploy_time() is None


async def test_connect_shares_the_gateway_client_options() -> None:
    with pytest.raises(MxGatewayConfigError, match="TLS is the default"):
        await GalaxyRepositoryClient.connect(endpoint="http://127.0.0.1:1", api_key=TEST_KEY)
    with pytest.raises(MxGatewayConfigError):
        await GalaxyRepositoryClient.connect(
            endpoint="127.0.0.1:1", plaintext=True, ca_file="ca.pem"
        )


async def test_repr_hides_the_key_and_close_is_idempotent(
    galaxy: GalaxyRepositoryClient,
) -> None:
    assert TEST_KEY not in repr(galaxy) and "<redacted>" in repr(galaxy)
    await asyncio.gather(galaxy.close(), galaxy.close())
    assert galaxy.closed


# === browse ===


async def test_pages_are_chained_by_echoing_the_token(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.galaxy_objects = objects(5)
    got = [o.tag_name async for o in galaxy.iter_hierarchy(page_size=2)]
    assert got == ["Obj0", "Obj1", "Obj2", "Obj3", "Obj4"]
    assert browse_requests(fake) == [(2, ""), (2, "tok-2"), (2, "tok-4")]


async def test_discover_hierarchy_collects_every_page(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.galaxy_objects = objects(7)
    fake.default_page_size = 3
    got = await galaxy.discover_hierarchy()
    assert [o.gobject_id for o in got] == list(range(10, 17))
    assert all(isinstance(o, GalaxyObject) for o in got)
    assert got[0].attributes[0].full_tag_reference == "Obj0.Attr0"
    assert browse_requests(fake) == [(0, ""), (0, "tok-3"), (0, "tok-6")]


async def test_an_empty_galaxy_is_one_empty_page(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    assert await galaxy.discover_hierarchy(page_size=10) == []
    assert browse_requests(fake) == [(10, "")]


async def test_the_next_page_is_fetched_only_when_the_current_one_is_used_up(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.galaxy_objects = objects(5)
    it = galaxy.iter_hierarchy(page_size=2)
    calls_after_each = []
    for _ in range(5):
        await it.__anext__()
        calls_after_each.append(len(fake.requests("DiscoverHierarchy")))
    # Objects 1-2 come from call 1, 3-4 from call 2, 5 from call 3: never a page ahead.
    assert calls_after_each == [1, 1, 2, 2, 3]
    with pytest.raises(StopAsyncIteration):
        await it.__anext__()
    assert len(fake.requests("DiscoverHierarchy")) == 3


async def test_stopping_early_fetches_no_further_page(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.galaxy_objects = objects(10)
    async for obj in galaxy.iter_hierarchy(page_size=3):
        if obj.tag_name == "Obj3":  # the first object of page 2
            break
    assert browse_requests(fake) == [(3, ""), (3, "tok-3")]


async def test_nothing_is_fetched_before_the_first_object_is_asked_for(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.galaxy_objects = objects(3)
    it = galaxy.iter_hierarchy()
    assert fake.requests("DiscoverHierarchy") == []
    await it.aclose()
    assert fake.requests("DiscoverHierarchy") == []


async def test_a_repeated_page_token_is_an_error_not_a_loop(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    objs = objects(5)
    fake.galaxy_pages = {
        "": page(objs[0:2], "A"),
        "A": page(objs[2:4], "B"),
        "B": page(objs[4:5], "A"),  # back to an earlier token
    }
    seen: list[str] = []
    with pytest.raises(MxGatewayCommandError, match="page token 'A' a second time") as e:
        async for obj in galaxy.iter_hierarchy():
            seen.append(obj.tag_name)
    assert e.value.kind == "command" and e.value.reply is None
    # The looping page's objects are not yielded, and no further call is made.
    assert seen == ["Obj0", "Obj1", "Obj2", "Obj3"]
    assert [t for _, t in browse_requests(fake)] == ["", "A", "B"]


async def test_a_token_echoed_straight_back_is_an_error(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    objs = objects(2)
    fake.galaxy_pages = {"": page(objs[:1], "same"), "same": page(objs[1:], "same")}
    with pytest.raises(MxGatewayCommandError, match="a second time"):
        await galaxy.discover_hierarchy()
    assert len(fake.requests("DiscoverHierarchy")) == 2


async def test_a_deploy_during_the_browse_is_a_command_error(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.galaxy_objects = objects(4)
    it = galaxy.iter_hierarchy(page_size=2)
    await it.__anext__()
    await it.__anext__()
    # The galaxy is redeployed: the gateway refuses the old deploy's token.
    fake.failures["DiscoverHierarchy"] = Failure(
        grpc.StatusCode.ABORTED, "page token from an earlier deploy; start again", "aborted"
    )
    with pytest.raises(MxGatewayCommandError, match="start again") as e:
        await it.__anext__()
    assert e.value.code is grpc.StatusCode.ABORTED and e.value.kind == "command"


async def test_page_size_must_fit_the_wire(galaxy: GalaxyRepositoryClient) -> None:
    with pytest.raises(ValueError, match="page_size"):
        await galaxy.discover_hierarchy(page_size=-1)
    with pytest.raises(ValueError, match="page_size"):
        await galaxy.discover_hierarchy_page(page_size=2**32)


async def test_browse_errors_are_mapped(fake: FakeGateway, galaxy: GalaxyRepositoryClient) -> None:
    fake.failures["DiscoverHierarchy"] = Failure(
        grpc.StatusCode.PERMISSION_DENIED, f"key {TEST_KEY} lacks metadata:read"
    )
    with pytest.raises(MxGatewayAuthorizationError) as e:
        await galaxy.discover_hierarchy()
    assert TEST_KEY not in str(e.value)


# === deploy watch ===


async def test_watch_starts_with_the_current_state(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.deploy_events.put_nowait(pb.DeployEvent(sequence=2, object_count=18))
    fake.deploy_events.put_nowait(None)  # the gateway ends the stream
    got = [e async for e in galaxy.watch_deploy_events()]
    assert all(isinstance(e, DeployEvent) for e in got)
    assert [(e.sequence, e.object_count) for e in got] == [(1, 17), (2, 18)]
    assert got[0].time_of_last_deploy.ToNanoseconds() == DEPLOY_NANOS
    assert not fake.requests("WatchDeployEvents")[0].HasField("last_seen_deploy_time")


@pytest.mark.parametrize(
    "last_seen",
    [DEPLOY_TIME, timestamp_pb2.Timestamp(seconds=DEPLOY_NANOS // 10**9, nanos=854_000_000)],
    ids=["datetime", "timestamp"],
)
async def test_watch_skips_the_state_the_caller_has_seen(
    fake: FakeGateway,
    galaxy: GalaxyRepositoryClient,
    last_seen: datetime | timestamp_pb2.Timestamp,
) -> None:
    fake.deploy_events.put_nowait(pb.DeployEvent(sequence=2))
    fake.deploy_events.put_nowait(None)
    got = [e.sequence async for e in galaxy.watch_deploy_events(last_seen_deploy_time=last_seen)]
    assert got == [2]
    sent = fake.requests("WatchDeployEvents")[0].last_seen_deploy_time
    assert sent.ToNanoseconds() == DEPLOY_NANOS


async def test_watch_with_an_older_time_still_gets_the_state(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    fake.deploy_events.put_nowait(None)
    older = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert [e.sequence async for e in galaxy.watch_deploy_events(older)] == [1]


async def test_watch_refuses_a_naive_time(galaxy: GalaxyRepositoryClient) -> None:
    with pytest.raises(ValueError, match="time zone"):
        galaxy.watch_deploy_events(datetime(2026, 11, 21, 23, 47, 16))


async def test_cancelling_the_task_cancels_the_watch(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    stream = galaxy.watch_deploy_events()
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in stream:
            first.set()

    task = asyncio.create_task(consume())
    # Cancelled while waiting for the second event, with the stream open.
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.cancelled
    await asyncio.wait_for(fake.watch_cancelled.wait(), 5)


async def test_breaking_out_of_the_watch_closes_it(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    async with galaxy.watch_deploy_events() as events:
        async for _ in events:
            break
    assert events.cancelled
    await asyncio.wait_for(fake.watch_cancelled.wait(), 5)


async def test_aclose_closes_the_watch(fake: FakeGateway, galaxy: GalaxyRepositoryClient) -> None:
    events = galaxy.watch_deploy_events()
    assert (await events.__anext__()).sequence == 1
    await events.aclose()
    assert events.cancelled
    await asyncio.wait_for(fake.watch_cancelled.wait(), 5)
    with pytest.raises(StopAsyncIteration):
        await events.__anext__()


async def test_watch_errors_are_mapped(fake: FakeGateway, galaxy: GalaxyRepositoryClient) -> None:
    fake.failures["WatchDeployEvents"] = Failure(
        grpc.StatusCode.PERMISSION_DENIED, "metadata:read needed", "permission-denied"
    )
    with pytest.raises(MxGatewayAuthorizationError):
        async for _ in galaxy.watch_deploy_events():
            pass


# === simulated deploy ===


async def test_deploy_sends_the_model_and_returns_the_reply(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    reply = await galaxy.deploy_simulated_galaxy('galaxy = "G"\n')
    assert fake.requests("DeploySimulatedGalaxy")[0].model_toml == 'galaxy = "G"\n'
    assert (reply.object_count, reply.attribute_count) == (18, 99)
    assert reply.time_of_last_deploy.ToNanoseconds() == DEPLOY_NANOS


@pytest.mark.parametrize(
    ("code", "kind", "expected"),
    [
        (grpc.StatusCode.FAILED_PRECONDITION, "failed-precondition", MxGatewayCommandError),
        (grpc.StatusCode.FAILED_PRECONDITION, None, MxGatewayCommandError),
        (grpc.StatusCode.INVALID_ARGUMENT, "invalid-argument", MxGatewayInvalidArgumentError),
        (grpc.StatusCode.PERMISSION_DENIED, "permission-denied", MxGatewayAuthorizationError),
    ],
)
async def test_deploy_errors_are_mapped(
    fake: FakeGateway,
    galaxy: GalaxyRepositoryClient,
    code: grpc.StatusCode,
    kind: str | None,
    expected: type[Exception],
) -> None:
    fake.failures["DeploySimulatedGalaxy"] = Failure(code, "refused", kind)
    with pytest.raises(expected) as e:
        await galaxy.deploy_simulated_galaxy("x")
    assert type(e.value) is expected


async def test_a_bare_break_closes_the_watch(
    fake: FakeGateway, galaxy: GalaxyRepositoryClient
) -> None:
    # No `async with`: the README's loop. Dropping the stream cancels the call.
    async for _ in galaxy.watch_deploy_events():
        break
    await asyncio.wait_for(fake.watch_cancelled.wait(), 5)
