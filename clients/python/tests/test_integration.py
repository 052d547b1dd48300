"""Against the real gateway binary: README flows, parity with `mxgw`, TLS default, redaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from mxgateway import GatewayClient, MxGatewayAuthorizationError, MxGatewaySessionError, pb

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
