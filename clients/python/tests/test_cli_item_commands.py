"""``mxgw-py suspend``, ``activate``, ``archestra-user-to-id``, ``add-buffered-item``,
``set-buffered-update-interval`` and the ``bufferedDataChange`` event over the
in-process fake: each command line of docs/cli-json.md prints that document's
example byte for byte, refused calls are ``mxaccess`` errors (exit 1), bad flags
usage errors (exit 2) before any network use."""

from __future__ import annotations

import json
import re

import pytest

from mxgateway import pb
from mxgateway_cli._json import event_json, render

from .conftest import REPO_ROOT
from .fake_gateway import E_INVALIDARG, OK_STATUS, FakeGateway
from .test_cli import ainvoke, common, invoke, one_json

CLI_DOC = REPO_ROOT / "docs" / "cli-json.md"
DOC_SESSION = "2f0c6d0e9a2b4d1f"
#: A port nothing listens on: a command that got this far would fail as `transport`.
NOWHERE = ["--endpoint", "127.0.0.1:1", "--plaintext", "--json"]
COMMANDS = [
    "add-buffered-item",
    "set-buffered-update-interval",
    "suspend",
    "activate",
    "archestra-user-to-id",
]


def doc_section(command: str) -> str:
    text = CLI_DOC.read_text(encoding="utf-8")
    return text.split(f"\n### `{command}`\n", 1)[1].split("\n### ", 1)[0]


def doc_example(command: str) -> tuple[list[str], list[str]]:
    """The section's command line (after ``mxgw``, ``<id>`` replaced by the doc's
    session id, ``--json`` dropped) and the lines of its JSON example."""
    section = doc_section(command)
    line = re.search(rf"`mxgw ({re.escape(command)} [^`]*)`", section)
    assert line is not None, command
    argv = [DOC_SESSION if a == "<id>" else a for a in line.group(1).split() if a != "--json"]
    block = re.search(r"^```json\n(.*?)\n^```", section, flags=re.S | re.M)
    assert block is not None, command
    return argv, block.group(1).splitlines()


@pytest.mark.parametrize("command", COMMANDS)
async def test_the_doc_command_line_prints_the_doc_example(fake: FakeGateway, command: str) -> None:
    argv, (expected,) = doc_example(command)
    r = await ainvoke([*argv, *common(fake)])
    assert r.exit_code == 0, r.output
    assert r.stdout == expected + "\n"
    (request,) = fake.requests("Invoke")
    assert request.session_id == DOC_SESSION


async def test_add_buffered_item_context_defaults_to_empty(fake: FakeGateway) -> None:
    r = await ainvoke(
        [
            "add-buffered-item",
            *common(fake),
            "--session-id",
            "sess-1",
            "--server-handle",
            "1",
            "--item",
            "Tank_001.Level",
        ]
    )
    assert r.stdout == (
        '{"command":"add-buffered-item","sessionId":"sess-1","serverHandle":1,'
        '"item":"Tank_001.Level","context":"","itemHandle":2,"hresult":0,"statuses":[]}\n'
    )
    sent = fake.requests("Invoke")[0].command
    assert sent.WhichOneof("command") == "add_buffered_item"
    assert sent.add_buffered_item.item_context == ""


def interval_args(fake: FakeGateway, interval: str) -> list[str]:
    return [
        "set-buffered-update-interval",
        *common(fake),
        "--session-id",
        "sess-1",
        "--server-handle",
        "1",
        "--interval-ms",
        interval,
    ]


@pytest.mark.parametrize("interval", ["0", "-5", "-2147483648", "3600001"])
async def test_an_interval_out_of_range_is_sent_and_refused(
    fake: FakeGateway, interval: str
) -> None:
    # Negative numbers parse: refusing them is the gateway's call, as for mxgw.
    r = await ainvoke(interval_args(fake, interval))
    assert r.exit_code == 1, r.output
    body = one_json(r)
    assert list(body) == ["error", "type"] and body["type"] == "mxaccess"
    assert "E_INVALIDARG" in body["error"] and f"not {interval}" in body["error"]
    sent = fake.requests("Invoke")[0].command.set_buffered_update_interval
    assert sent.update_interval_ms == int(interval)


async def test_the_interval_in_effect_is_printed(fake: FakeGateway) -> None:
    r = await ainvoke(interval_args(fake, "1"))
    assert r.exit_code == 0
    body = one_json(r)
    assert (body["requestedIntervalMs"], body["updateIntervalMs"]) == (1, 100)


@pytest.mark.parametrize(
    "args",
    [
        ["suspend", "--session-id", "s", "--server-handle", "1"],
        ["activate", "--session-id", "s", "--item-handle", "2"],
        ["suspend", "--session-id", "s", "--server-handle", "1", "--item-handle", "x"],
        ["archestra-user-to-id", "--session-id", "s", "--server-handle", "1"],
        ["add-buffered-item", "--session-id", "s", "--server-handle", "1"],
        ["set-buffered-update-interval", "--session-id", "s", "--server-handle", "1"],
        [
            "set-buffered-update-interval",
            "--session-id",
            "s",
            "--server-handle",
            "1",
            "--interval-ms",
            "2147483648",
        ],
        [
            "set-buffered-update-interval",
            "--session-id",
            "s",
            "--server-handle",
            "1",
            "--interval-ms",
            "1.5",
        ],
    ],
)
def test_bad_flags_are_usage_errors_before_any_network_use(args: list[str]) -> None:
    result = invoke([*args, *NOWHERE])
    assert result.exit_code == 2, result.output
    assert one_json(result)["type"] == "usage"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["suspend", "--server-handle", "1", "--item-handle", "2"],
            "Suspend needs an advised item; item 2 is not advised",
        ),
        (
            ["activate", "--server-handle", "1", "--item-handle", "2"],
            "Activate needs an advised item; item 2 is not advised",
        ),
        (
            ["archestra-user-to-id", "--server-handle", "1", "--user-guid", "nope"],
            '"nope" is not a user GUID',
        ),
        (
            ["add-buffered-item", "--server-handle", "9", "--item", "A.B"],
            "unknown server handle 9",
        ),
    ],
)
async def test_a_refused_call_is_an_mxaccess_error(
    fake: FakeGateway, args: list[str], message: str
) -> None:
    reply = pb.MxCommandReply(
        protocol_status=pb.PROTOCOL_STATUS_OK, hresult=E_INVALIDARG, message=message
    )
    fake.invoke_replies.extend([reply, reply])
    r = await ainvoke([*args, *common(fake), "--session-id", "sess-1"])
    assert r.exit_code == 1
    body = one_json(r)
    assert body["type"] == "mxaccess" and message in body["error"]
    # Without --json: one line on stderr.
    plain = [a for a in common(fake) if a != "--json"]
    r = await ainvoke([*args, *plain, "--session-id", "sess-1"])
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("mxgw-py: error: MXAccess call failed: HRESULT 0x80070057")


async def test_a_reply_without_the_result_is_a_command_error(fake: FakeGateway) -> None:
    fake.invoke_replies.append(pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK))
    r = await ainvoke(interval_args(fake, "100"))
    assert r.exit_code == 1
    assert one_json(r) == {"error": "the reply carries no update interval", "type": "command"}


# === the bufferedDataChange event ===


def doc_event_lines() -> list[str]:
    section = doc_section("stream-events")
    block = re.search(r"^```json\n(.*?)\n^```", section, flags=re.S | re.M)
    assert block is not None
    return block.group(1).splitlines()


def int_sample(value: int, nanos: int) -> pb.BufferedSample:
    sample = pb.BufferedSample(quality=192, status=OK_STATUS)
    sample.value.CopyFrom(
        pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=value)
    )
    sample.timestamp.FromNanoseconds(nanos)
    return sample


def doc_events() -> list[pb.MxEvent]:
    """The four events of the stream-events example, as the gateway would send them."""
    dc = pb.MxEvent(worker_sequence=1, server_handle=1, item_handle=2)
    dc.data_change.value.CopyFrom(
        pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=42)
    )
    dc.data_change.quality = 192
    dc.data_change.timestamp.FromNanoseconds(1_700_000_000_500_000_000)
    dc.data_change.statuses.append(OK_STATUS)
    wc = pb.MxEvent(worker_sequence=2, server_handle=1, item_handle=2)
    wc.write_complete.statuses.append(OK_STATUS)
    oc = pb.MxEvent(worker_sequence=3, server_handle=1, item_handle=0)
    oc.operation_complete.SetInParent()
    bdc = pb.MxEvent(worker_sequence=4, server_handle=1, item_handle=3)
    b = bdc.buffered_data_change
    b.data_type = pb.MX_DATA_TYPE_INTEGER
    b.samples.extend(
        [
            int_sample(41, 1_700_000_000_500_000_000),
            int_sample(42, 1_700_000_000_600_000_000),
        ]
    )
    b.statuses.append(OK_STATUS)
    return [dc, wc, oc, bdc]


def test_event_json_renders_the_doc_lines() -> None:
    lines = doc_event_lines()
    assert len(lines) == 4 and '"type":"bufferedDataChange"' in lines[3]
    assert [render(event_json(e)) for e in doc_events()] == lines


async def test_stream_events_prints_the_doc_lines(fake: FakeGateway) -> None:
    fake.events.put_nowait(pb.StreamEventsReply(events=doc_events()))
    r = await ainvoke(
        ["stream-events", *common(fake), "--session-id", DOC_SESSION, "--max-events", "4"]
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == doc_event_lines()


def test_buffered_event_keys_and_unset_fields() -> None:
    # A sample with nothing set (an unresolved item) prints as an unset data change
    # does, with the empty status; dropped samples and conflation are counted.
    event = pb.MxEvent(worker_sequence=9, server_handle=1, item_handle=3, conflated=2)
    b = event.buffered_data_change
    b.samples.add()
    b.samples_dropped = 17
    rendered = render(event_json(event))
    assert rendered == (
        '{"type":"bufferedDataChange","workerSequence":9,"serverHandle":1,"itemHandle":3,'
        '"conflated":2,"dataType":"NoData","samples":[{"value":null,"dataType":"NoData",'
        '"variantType":0,"quality":0,"timestamp":null,"status":{"success":0,'
        '"category":"UNSPECIFIED","detectedBy":"UNSPECIFIED","detail":0,"rawCategory":0,'
        '"rawDetectedBy":0}}],"samplesDropped":17,"statuses":[]}'
    )
    keys = list(json.loads(rendered))
    assert keys == [
        "type",
        "workerSequence",
        "serverHandle",
        "itemHandle",
        "conflated",
        "dataType",
        "samples",
        "samplesDropped",
        "statuses",
    ]
