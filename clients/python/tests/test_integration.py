"""Against the real gateway binary: README flows, parity with `mxgw`, TLS default, redaction."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mxgateway import (
    GatewayClient,
    MxAccessError,
    MxGatewayAuthorizationError,
    MxGatewayInvalidArgumentError,
    MxGatewaySessionError,
    Session,
    WriteEntry,
    pb,
)

from .conftest import TEST_ITEM, RealGateway, binary

pytestmark = pytest.mark.integration


def run(cmd: list[str], args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60, env=full_env)
    return p.returncode, p.stdout, p.stderr


def py_cli() -> list[str]:
    return [sys.executable, "-m", "mxgateway_cli"]


def rust_cli() -> list[str]:
    return [str(binary("mxgw"))]


def shape(value: Any) -> Any:
    """Keys and types, not values: session ids and event values differ between runs."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def flow(cli: list[str], gw: RealGateway) -> list[tuple[int, list[dict[str, Any]]]]:
    """The README's command sequence, on its own session; returns (exit code, JSON lines)."""
    common = ["--endpoint", gw.endpoint, "--plaintext", "--api-key-env", "MXGW_IT_KEY", "--json"]
    env = {"MXGW_IT_KEY": gw.admin_key}
    results: list[tuple[int, list[dict[str, Any]]]] = []

    def step(*args: str) -> list[dict[str, Any]]:
        code, out, err = run(
            cli, list(args) + (common if args[0] != "version" else ["--json"]), env
        )
        lines = [json.loads(line) for line in out.splitlines()]
        results.append((code, lines))
        assert gw.admin_key not in out + err
        return lines

    step("version")
    sid = step("open-session")[0]["sessionId"]
    s = ["--session-id", sid]
    server = str(step("register", *s, "--client-name", "python-client")[0]["serverHandle"])
    item = str(
        step("add-item", *s, "--server-handle", server, "--item", TEST_ITEM)[0]["itemHandle"]
    )
    h = ["--server-handle", server, "--item-handle", item]
    step("advise", *s, *h)
    step("stream-events", *s, "--max-events", "1")
    step("write", *s, *h, "--type", "int32", "--value", "123")
    step(
        "write",
        *s,
        *h,
        "--type",
        "int32",
        "--value",
        "124",
        "--timestamp",
        "2024-01-02T03:04:05.5+01:00",
    )
    step("add-item", *s, "--server-handle", server, "--item", TEST_ITEM, "--context", "ctx")
    step("unadvise", *s, *h)
    step("remove-item", *s, *h)
    step("unregister", *s, "--server-handle", server)
    step("close-session", *s)
    step("register", *s)  # the session is gone: a session error
    step("smoke", "--item", TEST_ITEM)
    step("smoke", "--item", "No.Such.Item")
    return results


def test_cli_parity_with_mxgw(gateway: RealGateway) -> None:
    py = flow(py_cli(), gateway)
    rust = flow(rust_cli(), gateway)
    assert len(py) == len(rust)
    for i, ((py_code, py_lines), (rust_code, rust_lines)) in enumerate(zip(py, rust, strict=True)):
        assert py_code == rust_code, (i, py_lines, rust_lines)
        assert [shape(x) for x in py_lines] == [shape(x) for x in rust_lines], (
            i,
            py_lines,
            rust_lines,
        )
        for p, r in zip(py_lines, rust_lines, strict=True):
            if "error" in r:
                assert p["type"] == r["type"], (i, p, r)
    # Inputs and deterministic outputs agree exactly.
    assert py[0][1][0]["protocol"] == rust[0][1][0]["protocol"] == "mxgateway.v1"
    for i in (6, 7):  # the writes echo their parsed value and timestamp
        p, r = py[i][1][0], rust[i][1][0]
        assert {k: v for k, v in p.items() if k != "sessionId"} == {
            k: v for k, v in r.items() if k != "sessionId"
        }


def test_readme_cli_examples_with_plaintext(gateway: RealGateway) -> None:
    results = flow(py_cli(), gateway)
    codes = [code for code, _ in results]
    assert codes[:13] == [0] * 13 and codes[13:15] == [1, 0]
    event = results[5][1][0]
    assert event["type"] == "dataChange" and event["quality"] == 192
    assert event["dataType"] == "Integer" and isinstance(event["value"], int)
    write = results[6][1][0]
    assert write["value"] == 123 and write["hresult"] == 0
    smoke = results[14][1][0]
    assert smoke["closed"] is True and len(smoke["events"]) == 1


def test_without_plaintext_the_cli_does_not_reach_a_plaintext_gateway(gateway: RealGateway) -> None:
    for extra in ([], ["--tls"]):
        for json_flag in ([], ["--json"]):
            code, out, err = run(
                py_cli(),
                [
                    "smoke",
                    "--endpoint",
                    gateway.endpoint,
                    "--api-key",
                    gateway.admin_key,
                    "--item",
                    TEST_ITEM,
                    *extra,
                    *json_flag,
                ],
            )
            assert code == 1
            assert gateway.admin_key not in out + err
            assert gateway.admin_key.rsplit("_", 1)[1] not in out + err
            if json_flag:
                assert json.loads(out)["type"] == "transport"


def test_secured_write_flow_never_prints_secrets(gateway: RealGateway) -> None:
    key = gateway.keys["secured"]
    read_only = gateway.keys["reader"]
    password = "operator-demo"
    outputs: list[str] = []

    def cli(args: list[str], k: str = key) -> dict[str, Any]:
        code, out, err = run(
            py_cli(),
            [*args, "--endpoint", gateway.endpoint, "--plaintext", "--api-key", k, "--json"],
        )
        outputs.append(out + err)
        return {"code": code, **json.loads(out.splitlines()[-1])}

    sid = cli(["open-session"])["sessionId"]
    s = ["--session-id", sid]
    server = str(cli(["register", *s])["serverHandle"])
    item = str(cli(["add-item", *s, "--server-handle", server, "--item", TEST_ITEM])["itemHandle"])
    cli(["advise", *s, "--server-handle", server, "--item-handle", item])
    user = cli(
        [
            "authenticate-user",
            *s,
            "--server-handle",
            server,
            "--user",
            "operator",
            "--password",
            password,
        ]
    )
    assert user["code"] == 0 and user["userId"] != 0
    write = [
        "write-secured",
        *s,
        "--server-handle",
        server,
        "--item-handle",
        item,
        "--type",
        "int32",
        "--value",
        "5",
        "--current-user-id",
        str(user["userId"]),
    ]
    secured = cli(write)
    assert secured["code"] == 0, secured
    denied = cli(write, read_only)
    assert denied["code"] == 1 and denied["type"] in ("authorization", "session")
    bad_password = cli(
        [
            "authenticate-user",
            *s,
            "--server-handle",
            server,
            "--user",
            "operator",
            "--password",
            "wrong-password-123",
        ]
    )
    assert bad_password["code"] == 1
    cli(["close-session", *s])
    everything = "\n".join(outputs)
    for secret in (key, key.rsplit("_", 1)[1], read_only, password, "wrong-password-123"):
        assert secret not in everything


async def test_library_against_the_real_gateway(gateway: RealGateway) -> None:
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=gateway.admin_key, plaintext=True, timeout=20
    ) as client:
        session = await client.open_session(client_session_name="python-it")
        try:
            server = await session.register("python-it")
            item = await session.add_item(server, TEST_ITEM)
            await session.advise(server, item)
            await session.write(server, item, 77)
            seen_written = False
            async with session.stream_events() as events:
                async for event in events:
                    dc = event.data_change
                    if event.WhichOneof("kind") == "data_change" and dc.value.int32_value == 77:
                        seen_written = True
                        break
            assert seen_written
            raw = await session.invoke_raw(
                pb.MxCommand(advise=pb.ItemCommand(server_handle=server, item_handle=999))
            )
            assert raw.hresult != 0  # an MXAccess failure stays in the raw reply
        finally:
            await session.close()
        with pytest.raises(MxGatewaySessionError):
            await client.session("s-does-not-exist").register("x")
    reader = gateway.keys["reader"]
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=reader, plaintext=True, timeout=20
    ) as client:
        session = await client.open_session("reader")
        try:
            server = await session.register("r")
            item = await session.add_item(server, TEST_ITEM)
            with pytest.raises(MxGatewayAuthorizationError) as e:
                await session.write(server, item, 1)
            assert reader not in str(e.value)
        finally:
            await session.close()


# === bulk commands ===

E_ACCESSDENIED = -2147024891


async def first_data_changes(session: Session, handles: set[int], timeout: float) -> None:
    """Waits until every handle has delivered a data change (bounded, never a sleep)."""
    waiting = set(handles)

    async def consume() -> None:
        async with session.stream_events() as events:
            async for event in events:
                if event.WhichOneof("kind") == "data_change":
                    waiting.discard(event.item_handle)
                    if not waiting:
                        return

    try:
        await asyncio.wait_for(consume(), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"no data change within {timeout} s for item handles {sorted(waiting)}")


async def test_subscribe_bulk_then_read_bulk_serves_advised_items_from_the_cache(
    gateway: RealGateway,
) -> None:
    advised = ["TestChildObject.TestInt", "TestChildObject.TestString"]
    others = ["TestChildObject.TestDouble", "TestChildObject.TestBool"]
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=gateway.admin_key, plaintext=True, timeout=30
    ) as client:
        session = await client.open_session("python-bulk-read")
        try:
            server = await session.register("python-bulk-read")
            subscribed = await session.subscribe_bulk(server, advised)
            assert [r.item_definition for r in subscribed] == advised
            assert all(r.was_successful for r in subscribed), subscribed
            handles = [r.item_handle for r in subscribed]
            assert len(set(handles)) == 2 and 0 not in handles
            # An advised item is cached once it has delivered a data change.
            await first_data_changes(session, set(handles), 20)

            read = await session.read_bulk(server, [*advised, *others], timeout_ms=10_000)
            assert [r.item_definition for r in read] == [*advised, *others]
            assert [r.was_cached for r in read] == [True, True, False, False], read
            assert all(r.was_successful and r.quality == 192 for r in read), read
            kinds = [r.value.WhichOneof("kind") for r in read]
            assert kinds == ["int32_value", "string_value", "double_value", "bool_value"]
            assert read[2].value.double_value == 3.25
            assert read[3].HasField("timestamp")

            # The same through mxgw-py, on the same session: JSON, exit 0.
            code, out, err = run(
                py_cli(),
                [
                    "read-bulk",
                    "--session-id",
                    session.session_id,
                    "--server-handle",
                    str(server),
                    "--item",
                    advised[0],
                    "--item",
                    others[0],
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
            body = json.loads(out)
            assert list(body) == [
                "command",
                "sessionId",
                "serverHandle",
                "timeoutMs",
                "hresult",
                "statuses",
                "results",
            ]
            assert [(r["itemDefinition"], r["wasCached"]) for r in body["results"]] == [
                (advised[0], True),
                (others[0], False),
            ]
            assert body["results"][1]["value"] == 3.25 and body["results"][1]["quality"] == 192

            # Reading did not touch the subscriptions: they end cleanly.
            ended = await session.unsubscribe_bulk(server, handles)
            assert all(r.was_successful for r in ended), ended
        finally:
            await session.close()


async def test_write_bulk_fails_only_the_entries_with_bad_handles(gateway: RealGateway) -> None:
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=gateway.admin_key, plaintext=True, timeout=30
    ) as client:
        session = await client.open_session("python-bulk-write")
        try:
            server = await session.register("python-bulk-write")
            # MXAccess writes an item only once it is advised and has a value.
            added = await session.subscribe_bulk(
                server, ["TestChildObject.TestInt", "TestChildObject.TestDouble"]
            )
            assert all(r.was_successful for r in added), added
            h_int, h_double = (r.item_handle for r in added)
            await first_data_changes(session, {h_int, h_double}, 20)
            results = await session.write_bulk(
                server,
                [
                    WriteEntry(h_int, 11),
                    WriteEntry(987654, 1),
                    WriteEntry(h_double, 2.5),
                    WriteEntry(-3, 1),
                ],
            )
            assert [r.item_handle for r in results] == [h_int, 987654, h_double, -3]
            assert [r.was_successful for r in results] == [True, False, True, False], results
            for bad in (results[1], results[3]):
                assert bad.hresult != 0 and bad.message and not bad.denied_by_constraint
            assert results[0].hresult == 0 and results[2].hresult == 0

            # mxgw-py: a failed entry never fails the command.
            code, out, err = run(
                py_cli(),
                [
                    "write-bulk",
                    "--session-id",
                    session.session_id,
                    "--server-handle",
                    str(server),
                    "--type",
                    "int32",
                    "--item",
                    f"{h_int}=12",
                    "--item",
                    "987654=1",
                    "--endpoint",
                    gateway.endpoint,
                    "--plaintext",
                    "--api-key",
                    gateway.admin_key,
                    "--json",
                ],
            )
            assert code == 0, (out, err)
            body = json.loads(out)
            assert [r["wasSuccessful"] for r in body["results"]] == [True, False]
            assert gateway.admin_key not in out + err

            # A bad server handle fails the whole call, as for the single commands.
            with pytest.raises(MxAccessError):
                await session.write_bulk(server + 1000, [WriteEntry(h_int, 13)])
        finally:
            await session.close()


async def test_bulk_requests_over_the_limit_are_refused(
    gateway: RealGateway, tmp_path: Path
) -> None:
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=gateway.admin_key, plaintext=True, timeout=60
    ) as client:
        session = await client.open_session("python-bulk-limit")
        try:
            limit = session.max_bulk_items
            assert limit is not None and limit > 0, session.open_reply
            server = await session.register("python-bulk-limit")
            refs = [f"TestChildObject.TestInt{i}" for i in range(limit + 1)]
            # Refused by the library, which knows the advertised limit...
            with pytest.raises(MxGatewayInvalidArgumentError, match=f"limit of {limit}"):
                await session.add_item_bulk(server, refs)
            # ...and by the gateway, for a caller that does not.
            attached = client.session(session.session_id)
            with pytest.raises(MxGatewayInvalidArgumentError) as e:
                await attached.read_bulk(server, refs, timeout_ms=100)
            assert e.value.code is not None and e.value.code.name == "INVALID_ARGUMENT"
            # An empty list is refused by the gateway too.
            with pytest.raises(MxGatewayInvalidArgumentError):
                await attached.invoke(
                    pb.MxCommand(add_item_bulk=pb.ItemDefinitionsBulkCommand(server_handle=server))
                )
            # mxgw-py reports the gateway's refusal as invalid-argument, exit 1.
            items = tmp_path / "items.txt"
            items.write_text("\n".join(refs) + "\n", encoding="utf-8")
            code, out, err = run(
                py_cli(),
                [
                    "subscribe-bulk",
                    "--session-id",
                    session.session_id,
                    "--server-handle",
                    str(server),
                    "--items-file",
                    str(items),
                    "--endpoint",
                    gateway.endpoint,
                    "--plaintext",
                    "--api-key",
                    gateway.admin_key,
                    "--json",
                ],
            )
            assert code == 1, (out, err)
            assert json.loads(out)["type"] == "invalid-argument"
            # Exactly at the limit is accepted.
            at_limit = await session.add_item_bulk(server, refs[:limit])
            assert len(at_limit) == limit
        finally:
            await session.close()


async def test_tag_constraints_fail_only_the_denied_entries(gateway: RealGateway) -> None:
    key = gateway.keys.get("constrained")
    assert key is not None, "this mxgateway cannot create keys with --allow-read (rebuild it)"
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=key, plaintext=True, timeout=30
    ) as client:
        session = await client.open_session("python-bulk-constraints")
        try:
            server = await session.register("python-bulk-constraints")
            results = await session.subscribe_bulk(
                server, ["TestChildObject.TestInt", "TestParentObject.PV"]
            )
            assert [r.was_successful for r in results] == [True, False], results
            denied = results[1]
            assert denied.denied_by_constraint and denied.hresult == E_ACCESSDENIED
            assert denied.item_definition == "TestParentObject.PV" and denied.item_handle == 0
            assert not results[0].denied_by_constraint
        finally:
            await session.close()


async def test_bulk_cli_parity_with_mxgw(gateway: RealGateway, tmp_path: Path) -> None:
    """mxgw-py and mxgw print the same bytes for the same bulk commands on one session."""
    async with await GatewayClient.connect(
        endpoint=gateway.endpoint, api_key=gateway.admin_key, plaintext=True, timeout=30
    ) as client:
        session = await client.open_session("python-bulk-parity")
        try:
            server = await session.register("python-bulk-parity")
            (double,) = await session.subscribe_bulk(server, ["TestChildObject.TestDouble"])
            await first_data_changes(session, {double.item_handle}, 20)
            h = str(double.item_handle)
            limit = session.max_bulk_items
            assert limit is not None
            too_many = tmp_path / "too-many.txt"
            too_many.write_text("\n".join(f"A.B{i}" for i in range(limit + 1)), encoding="utf-8")
            malformed = tmp_path / "malformed.txt"
            malformed.write_text("# handles\n1\n\nnot-a-handle\n", encoding="utf-8")
            common = [
                "--session-id",
                session.session_id,
                "--server-handle",
                str(server),
                "--endpoint",
                gateway.endpoint,
                "--plaintext",
                "--api-key-env",
                "MXGW_IT_KEY",
                "--json",
            ]
            commands: list[list[str]] = [
                ["add-item-bulk", "--item", "TestChildObject.TestString", "--item", "X"],
                ["advise-item-bulk", "--item-handle", "987654", "--item-handle", "-1"],
                ["unadvise-item-bulk", "--item-handle", "987654"],
                ["remove-item-bulk", "--item-handle", "987654"],
                ["unsubscribe-bulk", "--item-handle", "987654"],
                ["read-bulk", "--item", "TestChildObject.TestDouble", "--timeout-ms", "5000"],
                ["write-bulk", "--type", "double", "--item", f"{h}=4.5", "--item", "987654=1"],
                ["write2-bulk", "--type", "double", "--item", f"{h}=0.1"]
                + ["--timestamp", "2026-01-02T03:04:05.5+01:00", "--user-id", "3"],
                ["write-secured-bulk", "--type", "int32", "--item", "987654=1"]
                + ["--current-user-id", "7"],
                ["write-secured2-bulk", "--type", "string", "--item", "987654= a=b "]
                + ["--timestamp", "2026-01-02T03:04:05Z", "--verifier-user-id", "8"],
                # Errors: types and exit codes must agree.
                ["subscribe-bulk"],
                ["subscribe-bulk", "--items-file", str(too_many)],
                ["unsubscribe-bulk", "--items-file", str(malformed)],
                ["write-bulk", "--type", "int32", "--item", f"{h}=1.5"],
                ["write-bulk", "--type", "double", "--item", f"{h}=nan"],
                ["write2-bulk", "--type", "double", "--item", f"{h}=1"],
            ]
            env = {"MXGW_IT_KEY": gateway.admin_key}
            outcomes: list[int] = []
            for args in commands:
                py = run(py_cli(), [*args, *common], env)
                rust = run(rust_cli(), [*args, *common], env)
                assert py[0] == rust[0], (args, py, rust)
                if args[0] == "add-item-bulk":
                    # Fresh item handles differ between the two runs; nothing else may.
                    assert normalize_handles(py[1]) == normalize_handles(rust[1]), (args, py, rust)
                elif py[0] == 0:
                    assert py[1] == rust[1], (args, py, rust)
                else:
                    p, r = json.loads(py[1]), json.loads(rust[1])
                    assert list(p) == list(r) == ["error", "type"], (args, p, r)
                    assert p["type"] == r["type"], (args, p, r)
                assert gateway.admin_key not in py[1] + py[2] + rust[1] + rust[2]
                outcomes.append(py[0])
            # Ten commands succeed (failed entries included), six are refused.
            assert outcomes == [0] * 10 + [2, 1, 2, 2, 2, 2], outcomes
        finally:
            await session.close()


def normalize_handles(out: str) -> str:
    return re.sub(r'"itemHandle":-?[0-9]+', '"itemHandle":N', out)
