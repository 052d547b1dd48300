"""The Galaxy Repository against the real gateway binary: the library, a
simulated deploy seen by a watcher and by a browse in progress, and
byte-for-byte parity of the ``galaxy-*`` commands with ``mxgw``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path

import pytest

from mxgateway import (
    GalaxyRepositoryClient,
    MxGatewayAuthorizationError,
    MxGatewayCommandError,
    MxGatewayInvalidArgumentError,
    pb,
)

from .conftest import REPO_ROOT, RealGateway, create_key, start_gateway
from .test_integration import py_cli, run, rust_cli

pytestmark = pytest.mark.integration

DEMO = REPO_ROOT / "galaxies" / "demo.toml"
#: The demo galaxy plus one tank.
EXTRA_TANK = '\n[[objects]]\ntag_name = "Tank_900"\ntemplate = "$Tank"\narea = "TankFarm"\n'


async def connect(gw: RealGateway, key: str | None = None) -> GalaxyRepositoryClient:
    return await GalaxyRepositoryClient.connect(
        endpoint=gw.endpoint, api_key=key or gw.admin_key, plaintext=True, timeout=30
    )


@pytest.fixture
def own_gateway(tmp_path: Path) -> Iterator[RealGateway]:
    """A gateway of its own, for the tests that redeploy the galaxy."""
    state = tmp_path / "state"
    state.mkdir()
    keys = {
        "admin": create_key(state, "admin", "admin"),
        "metadata": create_key(state, "metadata", "metadata:read"),
    }
    with start_gateway(state, keys) as gw:
        yield gw


async def test_browse_and_deploy_time(gateway: RealGateway) -> None:
    async with await connect(gateway, gateway.keys["metadata"]) as galaxy:
        assert await galaxy.test_connection()
        assert (await galaxy.test_connection_raw()).provider == "sqlite"
        when = await galaxy.get_last_deploy_time()
        assert when is not None and when.tzinfo is timezone.utc
        everything = await galaxy.discover_hierarchy()
        paged = [o async for o in galaxy.iter_hierarchy(page_size=2)]
        assert paged == everything
        first = await galaxy.discover_hierarchy_page(page_size=2)
        assert first.total_objects == len(everything) and first.next_page_token
        seen: set[int] = set()
        for obj in everything:
            # Parents before children.
            assert obj.parent_gobject_id == 0 or obj.parent_gobject_id in seen, obj.tag_name
            seen.add(obj.gobject_id)
        child = next(o for o in everything if o.tag_name == "TestChildObject")
        assert child.contained_name == "TestChild"
        assert child.hierarchical_name.endswith("TestParentObject.TestChild")
        refs = [a.full_tag_reference for a in child.attributes]
        assert "TestChildObject.TestInt" in refs


async def test_watch_starts_with_the_state_unless_seen(gateway: RealGateway) -> None:
    async with await connect(gateway, gateway.keys["metadata"]) as galaxy:
        raw = await galaxy.get_last_deploy_time_raw()
        async with galaxy.watch_deploy_events() as events:
            first = await asyncio.wait_for(events.__anext__(), 10)
        assert first.time_of_last_deploy_present == raw.present
        assert first.time_of_last_deploy == raw.time_of_last_deploy
        assert first.object_count == len(await galaxy.discover_hierarchy())
        async with galaxy.watch_deploy_events(raw.time_of_last_deploy) as events:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(events.__anext__(), 1)


async def test_a_key_without_metadata_read_is_refused(gateway: RealGateway) -> None:
    async with await connect(gateway, gateway.keys["reader"]) as galaxy:
        with pytest.raises(MxGatewayAuthorizationError):
            await galaxy.discover_hierarchy()
    async with await connect(gateway, gateway.keys["metadata"]) as galaxy:
        with pytest.raises(MxGatewayAuthorizationError):
            await galaxy.deploy_simulated_galaxy(DEMO.read_text(encoding="utf-8"))


async def test_a_deploy_reaches_watchers_and_stops_old_browses(own_gateway: RealGateway) -> None:
    model = DEMO.read_text(encoding="utf-8") + EXTRA_TANK
    async with await connect(own_gateway) as galaxy:
        before = await galaxy.discover_hierarchy()
        browse = galaxy.iter_hierarchy(page_size=1)
        await browse.__anext__()
        async with galaxy.watch_deploy_events() as events:
            bootstrap = await asyncio.wait_for(events.__anext__(), 10)
            reply = await galaxy.deploy_simulated_galaxy(model)
            event = await asyncio.wait_for(events.__anext__(), 10)
        assert event.sequence > bootstrap.sequence
        assert event.time_of_last_deploy == reply.time_of_last_deploy
        assert (event.object_count, event.attribute_count) == (
            reply.object_count,
            reply.attribute_count,
        )
        assert reply.object_count == len(before) + 1
        # The browse began under the old deploy: its next token is refused.
        with pytest.raises(MxGatewayCommandError):
            await browse.__anext__()
        after = await galaxy.discover_hierarchy()
        assert "Tank_900" in [o.tag_name for o in after]
        raw = await galaxy.get_last_deploy_time_raw()
        assert raw.time_of_last_deploy == reply.time_of_last_deploy
        # An invalid model is refused and changes nothing.
        with pytest.raises(MxGatewayInvalidArgumentError):
            await galaxy.deploy_simulated_galaxy("galaxy = ")
        assert (await galaxy.get_last_deploy_time_raw()) == raw


def test_galaxy_cli_parity_with_mxgw(gateway: RealGateway, tmp_path: Path) -> None:
    """mxgw-py and mxgw print the same bytes for the same galaxy commands."""
    common = ["--endpoint", gateway.endpoint, "--plaintext", "--api-key-env", "MXGW_IT_KEY"]
    common.append("--json")
    env = {"MXGW_IT_KEY": gateway.keys["metadata"]}
    code, out, _ = run(py_cli(), ["galaxy-last-deploy", *common], env)
    assert code == 0, out
    deployed = json.loads(out)["timeOfLastDeploy"]
    commands: list[list[str]] = [
        ["galaxy-test-connection"],
        ["galaxy-last-deploy"],
        ["galaxy-discover"],
        ["galaxy-discover", "--page-size", "2", "--max-objects", "5"],
        ["galaxy-watch", "--max-events", "1"],
        ["galaxy-watch", "--last-seen-deploy-time", deployed, "--timeout-ms", "500"],
        # Errors: types and exit codes must agree.
        ["galaxy-deploy", "--model", str(tmp_path / "missing.toml")],
        ["galaxy-deploy", "--model", str(DEMO)],  # the key lacks admin
        ["galaxy-watch", "--last-seen-deploy-time", "yesterday"],
        ["galaxy-discover", "--page-size", "-1"],
    ]
    outcomes: list[int] = []
    for args in commands:
        py = run(py_cli(), [*args, *common], env)
        rust = run(rust_cli(), [*args, *common], env)
        assert py[0] == rust[0], (args, py, rust)
        if py[0] == 0:
            assert py[1] == rust[1], (args, py, rust)
        else:
            p, r = json.loads(py[1]), json.loads(rust[1])
            assert list(p) == list(r) == ["error", "type"], (args, p, r)
            assert p["type"] == r["type"], (args, p, r)
        assert env["MXGW_IT_KEY"] not in py[1] + py[2] + rust[1] + rust[2]
        outcomes.append(py[0])
    assert outcomes == [0] * 6 + [2, 1, 2, 2], outcomes


async def test_iter_hierarchy_over_100000_generated_objects_holds_one_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 5: a browse of a 100,000-object galaxy, page by page. The iterator
    never asks for a page before the previous one is consumed, and never holds
    more than one: each page it fetched is released (weakly referenced here)
    before the next request."""
    import gc
    import weakref

    state = tmp_path / "state"
    state.mkdir()
    keys = {"admin": create_key(state, "admin", "admin")}
    page_size = 2_000
    # One attribute per object, scanning once a minute: the test is about browse.
    with start_gateway(state, keys, ("--generated-galaxy", "100000x1@60000")) as gw:
        async with await connect(gw) as galaxy:
            fetched: list[weakref.ref[Page]] = []
            real_page = galaxy.discover_hierarchy_page

            class Page:
                """The reply's two fields the iterator reads, in an object that can be
                weakly referenced (protobuf messages cannot)."""

                def __init__(self, reply: pb.DiscoverHierarchyReply) -> None:
                    self.objects = list(reply.objects)
                    self.next_page_token = reply.next_page_token

            async def counting_page(size: int = 0, token: str = "") -> Page:
                # Every earlier page must be gone before the next one is fetched.
                gc.collect()
                assert all(ref() is None for ref in fetched), "two pages held at once"
                page = Page(await real_page(size, token))
                fetched.append(weakref.ref(page))
                return page

            monkeypatch.setattr(galaxy, "discover_hierarchy_page", counting_page)
            seen = 0
            names: set[str] = set()
            async for obj in galaxy.iter_hierarchy(page_size=page_size):
                seen += 1
                names.add(obj.tag_name)
                # Lazy: never more pages requested than needed for what was consumed.
                assert len(fetched) == (seen - 1) // page_size + 1
    assert seen >= 100_000
    assert {f"GenObj_{n:06}" for n in (1, 50_000, 100_000)} <= names
    assert len(fetched) == -(-seen // page_size)
