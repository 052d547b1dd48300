"""``mxgw-py`` over the in-process fake: parsing, usage errors, JSON output, redaction."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mxgateway import pb
from mxgateway_cli import cli

from .conftest import TEST_KEY
from .fake_gateway import FakeGateway

SECRET_TAIL = TEST_KEY.rsplit("_", 1)[1]


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


async def ainvoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    # The CLI runs its own event loop; the fake serves from this one.
    return await asyncio.to_thread(invoke, args, env)


def common(fake: FakeGateway) -> list[str]:
    return ["--endpoint", fake.endpoint, "--plaintext", "--api-key", TEST_KEY, "--json"]


def one_json(result: Result) -> dict[str, Any]:
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    value: dict[str, Any] = json.loads(lines[0])
    return value


def test_version_json() -> None:
    result = invoke(["version", "--json"])
    assert result.exit_code == 0
    assert result.stdout == '{"client":"mxgw-py","version":"0.1.0","protocol":"mxgateway.v1"}\n'


@pytest.mark.parametrize(
    "args",
    [
        ["smoke", "--item", "X", "--plaintext", "--tls", "--json"],
        ["smoke", "--item", "X", "--api-key", "k", "--api-key-env", "E", "--json"],
        ["smoke", "--item", "X", "--plaintext", "--ca-file", "ca.pem", "--json"],
        ["smoke", "--item", "X", "--plaintext", "--server-name-override", "n", "--json"],
        ["smoke", "--item", "X", "--max-events", "1000001", "--json"],
        ["stream-events", "--session-id", "s", "--max-events", "-1", "--json"],
        ["register", "--json"],
        ["no-such-command", "--json"],
        [
            "write",
            "--session-id",
            "s",
            "--server-handle",
            "1",
            "--item-handle",
            "2",
            "--type",
            "int64",
            "--value",
            "1",
            "--json",
        ],
        ["authenticate-user", "--session-id", "s", "--server-handle", "1", "--user", "u", "--json"],
        ["unregister", "--session-id", "s", "--server-handle", "2147483648", "--json"],
    ],
)
def test_usage_errors_exit_2_with_json(args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.output
    body = one_json(result)
    assert list(body) == ["error", "type"] and body["type"] == "usage"


def test_usage_error_without_json_goes_to_stderr() -> None:
    result = invoke(["smoke", "--item", "X", "--plaintext", "--tls"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("mxgw-py: error: ")


def test_max_events_cap_is_inclusive() -> None:
    # At the cap the flags parse (and the command fails later, at the network).
    result = invoke(
        [
            "smoke",
            "--item",
            "X",
            "--max-events",
            "1000000",
            "--endpoint",
            "127.0.0.1:1",
            "--plaintext",
            "--json",
        ]
    )
    assert one_json(result)["type"] == "transport"
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("value_type", "value"),
    [
        ("int32", "abc"),
        ("double", "nan"),
        ("float", "1e39"),
        ("double-array", '[0.5, "-inf"]'),
        ("time", "2024-01-02"),
    ],
)
def test_bad_values_are_invalid_value_errors(value_type: str, value: str) -> None:
    result = invoke(
        [
            "write",
            "--session-id",
            "s",
            "--server-handle",
            "1",
            "--item-handle",
            "2",
            "--type",
            value_type,
            "--value",
            value,
            "--endpoint",
            "127.0.0.1:1",
            "--plaintext",
            "--json",
        ]
    )
    assert result.exit_code == 2
    assert one_json(result)["type"] == "invalid-value"


def test_unset_env_variable_is_a_usage_error() -> None:
    result = invoke(
        ["open-session", "--api-key-env", "MXGW_TEST_UNSET_VARIABLE", "--plaintext", "--json"],
        env={"MXGW_TEST_UNSET_VARIABLE": ""},
    )
    assert result.exit_code == 2 and one_json(result)["type"] == "usage"


def test_unreadable_ca_file_is_a_config_error() -> None:
    result = invoke(["open-session", "--ca-file", "/nonexistent/ca.pem", "--json"])
    assert result.exit_code == 2 and one_json(result)["type"] == "config"


async def test_open_session_json_shape(fake: FakeGateway) -> None:
    result = await ainvoke(["open-session", *common(fake), "--client-session-name", "ops"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        '{"sessionId":"sess-1","gatewayVersion":"0.1.0","backend":"sim",'
        '"workerProtocolVersion":1,"capabilities":["mxaccess-core","event-conflation"],'
        '"limits":{"maxSessions":64,"maxBulkItems":0,"maxMessageBytes":0,'
        '"eventQueueCapacity":0,"defaultCommandTimeoutMs":0,"sessionIdleTimeoutMs":0,'
        '"maxEventsPerBatch":256}}\n'
    )
    assert fake.requests("OpenSession")[0].client_session_name == "ops"
    assert fake.calls[0].metadata["authorization"] == f"Bearer {TEST_KEY}"


async def test_command_json_shapes(fake: FakeGateway) -> None:
    s = ["--session-id", "sess-1"]
    r = await ainvoke(["register", *common(fake), *s, "--client-name", "python-client"])
    assert r.stdout == (
        '{"command":"register","sessionId":"sess-1","clientName":"python-client",'
        '"serverHandle":1,"hresult":0,"statuses":[]}\n'
    )
    r = await ainvoke(["add-item", *common(fake), *s, "--server-handle", "1", "--item", "A.B"])
    assert r.stdout == (
        '{"command":"add-item","sessionId":"sess-1","serverHandle":1,"item":"A.B",'
        '"context":null,"itemHandle":2,"hresult":0,"statuses":[]}\n'
    )
    r = await ainvoke(
        ["add-item", *common(fake), *s, "--server-handle", "1", "--item", "A.B", "--context", "ctx"]
    )
    assert one_json(r)["context"] == "ctx"
    assert fake.requests("Invoke")[-1].command.WhichOneof("command") == "add_item2"
    r = await ainvoke(
        ["advise", *common(fake), *s, "--server-handle", "1", "--item-handle", "2", "--supervisory"]
    )
    assert one_json(r)["supervisory"] is True
    assert fake.requests("Invoke")[-1].command.WhichOneof("command") == "advise_supervisory"
    r = await ainvoke(
        [
            "write-secured",
            *common(fake),
            *s,
            "--server-handle",
            "1",
            "--item-handle",
            "2",
            "--type",
            "double",
            "--value",
            "1.5",
            "--current-user-id",
            "7",
            "--verifier-user-id",
            "8",
            "--timestamp",
            "2024-01-02T03:04:05+01:00",
        ]
    )
    assert r.stdout == (
        '{"command":"write-secured","sessionId":"sess-1","serverHandle":1,'
        '"itemHandle":2,"type":"double","value":1.5,"currentUserId":7,'
        '"verifierUserId":8,"timestamp":"2024-01-02T02:04:05Z","hresult":0,'
        '"statuses":[]}\n'
    )
    assert fake.requests("Invoke")[-1].command.WhichOneof("command") == "write_secured2"
    r = await ainvoke(
        [
            "write",
            *common(fake),
            *s,
            "--server-handle",
            "-1",
            "--item-handle",
            "2",
            "--type",
            "string",
            "--value",
            "-starts-with-dash",
        ]
    )
    assert one_json(r)["value"] == "-starts-with-dash" and one_json(r)["serverHandle"] == -1


async def test_stream_events_prints_json_lines(fake: FakeGateway) -> None:
    status = pb.MxStatus(
        success=1,
        category=pb.MX_STATUS_CATEGORY_OK,
        detected_by=pb.MX_STATUS_SOURCE_RESPONDING_LMX,
        raw_detected_by=1,
    )
    dc = pb.MxEvent(worker_sequence=18446744073709551615, server_handle=1, item_handle=2)
    dc.data_change.value.CopyFrom(
        pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=42)
    )
    dc.data_change.quality = 192
    dc.data_change.timestamp.FromNanoseconds(1_700_000_000_500_000_000)
    dc.data_change.statuses.append(status)
    wc = pb.MxEvent(worker_sequence=2, server_handle=1, item_handle=2)
    wc.write_complete.statuses.append(status)
    fake.events.put_nowait(pb.StreamEventsReply(events=[dc, wc]))
    r = await ainvoke(
        ["stream-events", *common(fake), "--session-id", "sess-1", "--max-events", "2"]
    )
    assert r.exit_code == 0
    st = (
        '{"success":1,"category":"OK","detectedBy":"RESPONDING_LMX","detail":0,'
        '"rawCategory":0,"rawDetectedBy":1}'
    )
    assert r.stdout.splitlines() == [
        '{"type":"dataChange","workerSequence":18446744073709551615,"serverHandle":1,'
        '"itemHandle":2,"conflated":0,"value":42,"dataType":"Integer","variantType":3,'
        f'"quality":192,"timestamp":"2023-11-14T22:13:20.500Z","statuses":[{st}]}}',
        '{"type":"writeComplete","workerSequence":2,"serverHandle":1,"itemHandle":2,'
        f'"conflated":0,"statuses":[{st}]}}',
    ]
    # Leaving at --max-events cancels the stream at the gateway.
    await asyncio.wait_for(fake.stream_cancelled.wait(), 5)


async def test_stream_events_timeout_is_not_an_error(fake: FakeGateway) -> None:
    r = await ainvoke(
        ["stream-events", *common(fake), "--session-id", "sess-1", "--timeout-ms", "200"]
    )
    assert r.exit_code == 0 and r.stdout == ""


async def test_smoke_closes_the_session_and_reports_the_failed_step(fake: FakeGateway) -> None:
    fake.invoke_replies.extend(
        [
            pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, server_handle=1),
            pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, item_handle=2),
            pb.MxCommandReply(
                protocol_status=pb.PROTOCOL_STATUS_OK, hresult=-2147024809, message="unknown handle"
            ),
        ]
    )
    r = await ainvoke(["smoke", *common(fake), "--item", "A.B"])
    assert r.exit_code == 1
    body = one_json(r)
    assert body["type"] == "mxaccess" and body["error"].startswith("advise: MXAccess call failed")
    assert len(fake.requests("CloseSession")) == 1


async def test_smoke_timeout_when_events_are_missing(fake: FakeGateway) -> None:
    r = await ainvoke(["smoke", *common(fake), "--item", "A.B", "--timeout-ms", "200"])
    assert r.exit_code == 1 and one_json(r)["type"] == "timeout"
    assert len(fake.requests("CloseSession")) == 1


async def test_keys_never_appear_in_error_output(fake: FakeGateway) -> None:
    import grpc

    from .fake_gateway import Failure

    fake.failures["Invoke"] = Failure(
        grpc.StatusCode.PERMISSION_DENIED,
        f"key {TEST_KEY} lacks mx:write-secured ({SECRET_TAIL})",
        "permission-denied",
    )
    for json_flag in ([], ["--json"]):
        args = [
            "write-secured",
            "--endpoint",
            fake.endpoint,
            "--plaintext",
            "--api-key-env",
            "MXGW_TEST_KEY",
            "--session-id",
            "sess-1",
            "--server-handle",
            "1",
            "--item-handle",
            "2",
            "--type",
            "int32",
            "--value",
            "5",
            "--current-user-id",
            "7",
            *json_flag,
        ]
        r = await ainvoke(args, env={"MXGW_TEST_KEY": TEST_KEY})
        assert r.exit_code == 1
        everything = r.stdout + r.stderr
        assert TEST_KEY not in everything and SECRET_TAIL not in everything
        assert "<redacted>" in everything
    # Also when the key is given on the command line and the flags are rejected.
    r = invoke(["smoke", "--api-key", TEST_KEY, "--bogus", TEST_KEY, "--json"])
    assert r.exit_code == 2 and TEST_KEY not in r.stdout + r.stderr


async def test_authenticate_user_never_prints_the_password(fake: FakeGateway) -> None:
    r = await ainvoke(
        [
            "authenticate-user",
            *common(fake),
            "--session-id",
            "sess-1",
            "--server-handle",
            "1",
            "--user",
            "operator",
            "--password-env",
            "PW",
        ],
        env={"PW": "operator-demo"},
    )
    assert r.exit_code == 0
    assert r.stdout == (
        '{"command":"authenticate-user","sessionId":"sess-1","serverHandle":1,'
        '"user":"operator","userId":7,"hresult":0,"statuses":[]}\n'
    )
    assert fake.requests("Invoke")[0].command.authenticate_user.password == "operator-demo"


def test_every_command_has_help() -> None:
    for name, command in cli.commands.items():
        assert command.help, name
        r = invoke([name, "--help"])
        assert r.exit_code == 0 and "Usage:" in r.stdout
