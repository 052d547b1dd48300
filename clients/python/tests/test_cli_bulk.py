"""The bulk commands of ``mxgw-py`` over the in-process fake: the JSON of every
command (the examples of docs/cli-json.md byte for byte), items files, usage
and invalid-value errors before any network use, and the error types."""

from __future__ import annotations

import json
import re
from pathlib import Path

import grpc
import pytest

from mxgateway import pb

from .conftest import REPO_ROOT
from .fake_gateway import Failure, FakeGateway
from .test_cli import ainvoke, common, invoke, one_json

DOC_SESSION = "2f0c6d0e9a2b4d1f"
#: A port nothing listens on: a command that got this far would fail as `transport`.
NOWHERE = ["--endpoint", "127.0.0.1:1", "--plaintext", "--json"]
OK = '"hresult":0,"statuses":[],"message":"","deniedByConstraint":false'


def bulk_doc_examples() -> dict[str, str]:
    """The JSON examples of the "Bulk commands" section, by command name."""
    text = (REPO_ROOT / "docs" / "cli-json.md").read_text(encoding="utf-8")
    section = text.split("### Bulk commands", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"^```json\n(.*?)\n^```", section, flags=re.S | re.M)
    return {json.loads(b)["command"]: b for b in blocks}


def status(category: str, detected_by: str, success: int, detail: int, raw: int) -> pb.MxStatus:
    """A status; ``raw`` is the vendor's category number, the vendor's source number
    is 0 for the requesting and 1 for the responding LMX (as in the doc)."""
    return pb.MxStatus(
        success=success,
        category=f"MX_STATUS_CATEGORY_{category}",
        detected_by=f"MX_STATUS_SOURCE_{detected_by}",
        detail=detail,
        raw_category=raw,
        raw_detected_by=0 if detected_by.startswith("REQUESTING") else 1,
    )


def doc_reply(command: str) -> pb.MxCommandReply:
    """The reply behind each example of docs/cli-json.md."""
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
    if command == "subscribe-bulk":
        results = reply.subscribe_results.results
        results.add(item_definition="TestChildObject.TestInt", item_handle=1, was_successful=True)
        denied = results.add(
            item_definition="Secret.Tag",
            hresult=-2147024891,
            message="the API key may not read Secret.Tag",
            denied_by_constraint=True,
        )
        denied.statuses.append(status("SECURITY_ERROR", "REQUESTING_LMX", 0, 1006, 6))
    elif command == "write-bulk":
        reply.write_results.results.add(item_handle=2, was_successful=True)
    else:
        r = reply.read_results.results.add(
            item_definition="TestChildObject.TestInt", was_successful=True, was_cached=True
        )
        r.value.CopyFrom(
            pb.MxValue(data_type=pb.MX_DATA_TYPE_INTEGER, variant_type=3, int32_value=42)
        )
        r.quality = 192
        r.timestamp.FromNanoseconds(1_700_000_000_500_000_000)
        r.statuses.append(status("OK", "RESPONDING_LMX", 1, 0, 0))
    return reply


DOC_ARGV = {
    "subscribe-bulk": ["--item", "TestChildObject.TestInt", "--item", "Secret.Tag"],
    "write-bulk": ["--type", "int32", "--item", "2=7"],
    "read-bulk": ["--item", "TestChildObject.TestInt"],
}


def test_the_doc_has_the_three_bulk_examples() -> None:
    assert sorted(bulk_doc_examples()) == sorted(DOC_ARGV)


@pytest.mark.parametrize("command", sorted(DOC_ARGV))
async def test_doc_examples_byte_for_byte(fake: FakeGateway, command: str) -> None:
    fake.invoke_replies.append(doc_reply(command))
    args = [command, *common(fake), "--session-id", DOC_SESSION, "--server-handle", "1"]
    r = await ainvoke([*args, *DOC_ARGV[command]])
    assert r.exit_code == 0, r.output
    assert r.stdout == bulk_doc_examples()[command] + "\n"


def head(command: str, inputs: str = "") -> str:
    return f'{{"command":"{command}","sessionId":"sess-1","serverHandle":1,{inputs}'


#: Every command with the fake's default replies: (argv after the command, exact stdout).
OUTPUTS: dict[str, tuple[list[str], str]] = {
    "add-item-bulk": (
        ["--item", "A.B", "--item", "C.D"],
        head("add-item-bulk") + '"hresult":0,"statuses":[],"results":['
        f'{{"itemDefinition":"A.B","itemHandle":2,"wasSuccessful":true,{OK}}},'
        f'{{"itemDefinition":"C.D","itemHandle":3,"wasSuccessful":true,{OK}}}]}}',
    ),
    "subscribe-bulk": (
        ["--item", "A.B"],
        head("subscribe-bulk") + '"hresult":0,"statuses":[],"results":['
        f'{{"itemDefinition":"A.B","itemHandle":2,"wasSuccessful":true,{OK}}}]}}',
    ),
    **{
        name: (
            ["--item-handle", "4", "--item-handle", "-5"],
            head(name) + '"hresult":0,"statuses":[],"results":['
            f'{{"itemDefinition":"","itemHandle":4,"wasSuccessful":true,{OK}}},'
            f'{{"itemDefinition":"","itemHandle":-5,"wasSuccessful":true,{OK}}}]}}',
        )
        for name in (
            "advise-item-bulk",
            "unadvise-item-bulk",
            "remove-item-bulk",
            "unsubscribe-bulk",
        )
    },
    "read-bulk": (
        ["--item", "A.Int", "--item", "A.Str", "--timeout-ms", "4294967295"],
        head("read-bulk", '"timeoutMs":4294967295,') + '"hresult":0,"statuses":[],"results":['
        '{"itemDefinition":"A.Int","wasSuccessful":true,"wasCached":true,"value":42,'
        '"dataType":"Integer","variantType":3,"quality":192,'
        '"timestamp":"2023-11-14T22:13:20.500Z","statuses":[],"message":"",'
        '"deniedByConstraint":false},'
        '{"itemDefinition":"A.Str","wasSuccessful":true,"wasCached":false,"value":42,'
        '"dataType":"Integer","variantType":3,"quality":192,'
        '"timestamp":"2023-11-14T22:13:20.500Z","statuses":[],"message":"",'
        '"deniedByConstraint":false}]}',
    ),
    "write-bulk": (
        ["--type", "double", "--item", "2=0.1", "--item", "3=1e16"],
        head("write-bulk", '"type":"double","userId":0,') + '"hresult":0,"statuses":[],'
        f'"results":[{{"itemHandle":2,"wasSuccessful":true,{OK}}},'
        f'{{"itemHandle":3,"wasSuccessful":true,{OK}}}]}}',
    ),
    "write2-bulk": (
        ["--type", "string", "--item", "2=a=b", "--user-id", "9",
         "--timestamp", "2026-01-02T03:04:05.5+01:00"],
        head("write2-bulk", '"type":"string","userId":9,"timestamp":"2026-01-02T02:04:05.500Z",')
        + f'"hresult":0,"statuses":[],"results":[{{"itemHandle":2,"wasSuccessful":true,{OK}}}]}}',
    ),
    "write-secured-bulk": (
        ["--type", "bool", "--item", "2=TRUE", "--current-user-id", "7", "--verifier-user-id", "8"],
        head("write-secured-bulk", '"type":"bool","currentUserId":7,"verifierUserId":8,')
        + f'"hresult":0,"statuses":[],"results":[{{"itemHandle":2,"wasSuccessful":true,{OK}}}]}}',
    ),
    "write-secured2-bulk": (
        ["--type", "int32-array", "--item", "2=[1,2]", "--timestamp", "2026-01-02T03:04:05Z"],
        head(
            "write-secured2-bulk",
            '"type":"int32-array","currentUserId":0,"verifierUserId":0,'
            '"timestamp":"2026-01-02T03:04:05Z",',
        )
        + f'"hresult":0,"statuses":[],"results":[{{"itemHandle":2,"wasSuccessful":true,{OK}}}]}}',
    ),
}  # fmt: skip


def test_every_bulk_command_is_covered() -> None:
    # bench-read-bulk is a benchmark, not a bulk command (tests/test_cli_bench.py).
    bulk = [n for n in invoke_names() if n.endswith("-bulk") and not n.startswith("bench-")]
    assert sorted(OUTPUTS) == sorted(bulk)
    assert len(OUTPUTS) == 11


def invoke_names() -> list[str]:
    from mxgateway_cli import cli

    return list(cli.commands)


@pytest.mark.parametrize("command", sorted(OUTPUTS))
async def test_json_output_of_every_bulk_command(fake: FakeGateway, command: str) -> None:
    argv, expected = OUTPUTS[command]
    r = await ainvoke(
        [command, *common(fake), "--session-id", "sess-1", "--server-handle", "1", *argv]
    )
    assert r.exit_code == 0, r.output
    assert r.stdout == expected + "\n"
    assert len(fake.requests("Invoke")) == 1


async def test_write_values_reach_the_wire(fake: FakeGateway) -> None:
    argv, _ = OUTPUTS["write-bulk"]
    await ainvoke(["write-bulk", *common(fake), "--session-id", "s", "--server-handle", "1", *argv])
    entries = fake.requests("Invoke")[0].command.write_bulk.entries
    assert [(e.item_handle, e.value.double_value) for e in entries] == [(2, 0.1), (3, 1e16)]


async def test_an_entry_that_got_no_data_change(fake: FakeGateway) -> None:
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
    reply.read_results.results.add(item_definition="No.Such", message="no data within 10 ms")
    fake.invoke_replies.append(reply)
    r = await ainvoke(
        ["read-bulk", *common(fake), "--session-id", "sess-1", "--server-handle", "1"]
        + ["--item", "No.Such", "--timeout-ms", "10"]
    )
    assert r.exit_code == 0
    assert r.stdout == (
        head("read-bulk", '"timeoutMs":10,') + '"hresult":0,"statuses":[],"results":['
        '{"itemDefinition":"No.Such","wasSuccessful":false,"wasCached":false,"value":null,'
        '"dataType":"NoData","variantType":0,"quality":0,"timestamp":null,"statuses":[],'
        '"message":"no data within 10 ms","deniedByConstraint":false}]}\n'
    )


async def test_failed_entries_exit_0(fake: FakeGateway) -> None:
    reply = pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK)
    reply.write_results.results.add(item_handle=2, was_successful=True)
    reply.write_results.results.add(item_handle=999, hresult=-2147024809, message="bad handle")
    fake.invoke_replies.append(reply)
    r = await ainvoke(
        ["write-bulk", *common(fake), "--session-id", "sess-1", "--server-handle", "1"]
        + ["--type", "int32", "--item", "2=1", "--item", "999=1"]
    )
    assert r.exit_code == 0
    body = one_json(r)
    assert [x["wasSuccessful"] for x in body["results"]] == [True, False]
    assert body["results"][1]["hresult"] == -2147024809


def bulk_args(fake: FakeGateway, command: str, *argv: str) -> list[str]:
    return [command, *common(fake), "--session-id", "sess-1", "--server-handle", "1", *argv]


@pytest.mark.parametrize(
    ("reply", "failure", "kind"),
    [
        # The gateway refuses more entries than max_bulk_items.
        (
            None,
            Failure(grpc.StatusCode.INVALID_ARGUMENT, "3 entries exceed 2", "invalid-argument"),
            "invalid-argument",
        ),
        (None, Failure(grpc.StatusCode.NOT_FOUND, "no session", "session-not-found"), "session"),
        # A failed HRESULT of the call itself.
        (pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, hresult=-2147024809), None,
         "mxaccess"),
        (pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_PERMISSION_DENIED), None, "command"),
        # A reply with fewer results than entries.
        (pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK, subscribe_results={}), None,
         "command"),
    ],
)  # fmt: skip
async def test_call_level_failures_exit_1(
    fake: FakeGateway, reply: pb.MxCommandReply | None, failure: Failure | None, kind: str
) -> None:
    if reply is not None:
        fake.invoke_replies.append(reply)
    if failure is not None:
        fake.failures["Invoke"] = failure
    r = await ainvoke(bulk_args(fake, "subscribe-bulk", "--item", "A.B", "--item", "C.D"))
    assert r.exit_code == 1
    assert one_json(r)["type"] == kind


# === entries: flags and items files ===


def write_file(tmp_path: Path, text: str | bytes, name: str = "items.txt") -> str:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return str(path)


async def test_items_file_after_flags_skipping_blank_and_comment_lines(
    fake: FakeGateway, tmp_path: Path
) -> None:
    items = write_file(
        tmp_path,
        "# references, one per line\r\n"
        "  TestChildObject.TestString  \r\n"
        "\n"
        "   \t\n"
        "\u3000A.B\u3000\n"  # Unicode whitespace is trimmed...
        "  # an indented comment\n"
        "C.D#not-a-comment\n"
        "last.without.newline",
    )
    r = await ainvoke(
        bulk_args(fake, "read-bulk", "--item", " X.Y ", "--items-file", items, "--item", "Z")
    )
    assert r.exit_code == 0, r.output
    refs = list(fake.requests("Invoke")[0].command.read_bulk.item_definitions)
    # Flag entries verbatim and first, then the file's, trimmed.
    assert refs == [
        " X.Y ",
        "Z",
        "TestChildObject.TestString",
        "A.B",
        "C.D#not-a-comment",
        "last.without.newline",
    ]
    assert [x["itemDefinition"] for x in one_json(r)["results"]] == refs


async def test_items_file_only(fake: FakeGateway, tmp_path: Path) -> None:
    handles = write_file(tmp_path, "2\n+3\n-4\n")
    r = await ainvoke(bulk_args(fake, "unsubscribe-bulk", "--items-file", handles))
    assert r.exit_code == 0, r.output
    assert list(fake.requests("Invoke")[0].command.unsubscribe_bulk.item_handles) == [2, 3, -4]
    writes = write_file(tmp_path, "# handle=value\n2=  spaced value\n 3=x= y \n", "w.txt")
    r = await ainvoke(
        bulk_args(fake, "write-bulk", "--type", "string", "--items-file", writes, "--item", "1=")
    )
    assert r.exit_code == 0, r.output
    entries = fake.requests("Invoke")[1].command.write_bulk.entries
    # The text after the first '=' is the value, verbatim (the line itself is trimmed).
    assert [(e.item_handle, e.value.string_value) for e in entries] == [
        (1, ""),
        (2, "  spaced value"),
        (3, "x= y"),
    ]


@pytest.mark.parametrize(
    ("argv", "kind", "named"),
    [
        (["add-item-bulk"], "usage", "--item"),
        (["advise-item-bulk"], "usage", "--item-handle"),
        (["read-bulk", "--timeout-ms", "5"], "usage", "--item"),
        (["write-bulk", "--type", "int32"], "usage", "--item"),
        (["advise-item-bulk", "--item-handle", "abc"], "usage", '--item-handle #1: "abc"'),
        (["remove-item-bulk", "--item-handle", "1", "--item-handle", "2147483648"], "usage",
         '--item-handle #2: "2147483648"'),
        (["unadvise-item-bulk", "--item-handle", " 1"], "usage", '" 1"'),
        (["unsubscribe-bulk", "--item-handle", "1_0"], "usage", '"1_0"'),
        (["unsubscribe-bulk", "--item-handle", "+"], "usage", '"+"'),
        (["write-bulk", "--type", "int32", "--item", "2"], "usage",
         '--item #1: "2" is not HANDLE=VALUE'),
        (["write-bulk", "--type", "int32", "--item", "x=5"], "usage", '"x"'),
        (["write-bulk", "--type", "int32", "--item", "=5"], "usage", '""'),
        (["write-bulk", "--type", "int32", "--item", "2=5", "--item", "3=abc"], "invalid-value",
         '--item #2: "abc"'),
        (["write-bulk", "--type", "double", "--item", "2=nan"], "invalid-value", "--item #1"),
        (["write-bulk", "--type", "float", "--item", "2=1e39"], "invalid-value", "--item #1"),
        (["write-bulk", "--type", "double-array", "--item", '2=[1, "-inf"]'], "invalid-value",
         "--item #1"),
        (["write-bulk", "--type", "int64", "--item", "2=5"], "usage", "--type"),
        (["write-bulk", "--item", "2=5"], "usage", "--type"),
        (["write2-bulk", "--type", "int32", "--item", "2=5"], "usage", "--timestamp"),
        (["write-secured2-bulk", "--type", "int32", "--item", "2=5"], "usage", "--timestamp"),
        (["write2-bulk", "--type", "int32", "--item", "2=5", "--timestamp", "2026-01-02"],
         "invalid-value", "2026-01-02"),
        (["write-secured-bulk", "--type", "int32", "--item", "2=5", "--current-user-id", "x"],
         "usage", "--current-user-id"),
        (["read-bulk", "--item", "A", "--timeout-ms", "-1"], "usage", "--timeout-ms"),
        (["read-bulk", "--item", "A", "--timeout-ms", "4294967296"], "usage", "--timeout-ms"),
        (["add-item-bulk", "--item", "A", "--items-file", "/nonexistent/items.txt"], "usage",
         "/nonexistent/items.txt"),
    ],
)  # fmt: skip
def test_malformed_entries_are_refused_before_connecting(
    argv: list[str], kind: str, named: str
) -> None:
    r = invoke([*argv, "--session-id", "s", "--server-handle", "1", *NOWHERE])
    assert r.exit_code == 2, r.output
    body = one_json(r)
    assert body["type"] == kind, body
    assert named in body["error"], body


@pytest.mark.parametrize(
    ("command", "text", "kind", "named"),
    [
        ("advise-item-bulk", "1\n\n# c\nabc\n", "usage", 'line 4: "abc" is not an int32'),
        ("write-bulk", "2=5\n3\n", "usage", 'line 2: "3" is not HANDLE=VALUE'),
        ("write-bulk", "2=5\n\n3=five\n", "invalid-value", 'line 3: "five"'),
        # Only Unicode White_Space is trimmed (as Rust's str::trim), not U+001C..U+001F.
        ("remove-item-bulk", "\x1c2\n", "usage", "line 1"),
        ("add-item-bulk", "# nothing but comments\n\n", "usage", "no entries"),
    ],
)
def test_malformed_items_file_lines_are_named(
    tmp_path: Path, command: str, text: str, kind: str, named: str
) -> None:
    path = write_file(tmp_path, text)
    extra = ["--type", "int32"] if command == "write-bulk" else []
    r = invoke(
        [command, "--items-file", path, *extra, "--session-id", "s", "--server-handle", "1"]
        + NOWHERE
    )
    assert r.exit_code == 2, r.output
    body = one_json(r)
    assert body["type"] == kind and named in body["error"], body
    if "line" in named:
        assert f"items file {path}" in body["error"]


def test_an_items_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = write_file(tmp_path, b"A.B\n\xff\xfe\n")
    r = invoke(
        ["add-item-bulk", "--items-file", path, "--session-id", "s", "--server-handle", "1"]
        + NOWHERE
    )
    assert r.exit_code == 2 and one_json(r)["type"] == "usage"
    assert "UTF-8" in one_json(r)["error"]


async def test_nothing_is_sent_for_a_malformed_entry(fake: FakeGateway, tmp_path: Path) -> None:
    path = write_file(tmp_path, "2=1\n3=oops\n")
    r = await ainvoke(bulk_args(fake, "write-bulk", "--type", "int32", "--items-file", path))
    assert r.exit_code == 2
    assert fake.calls == []


async def test_without_json_the_error_goes_to_stderr(fake: FakeGateway) -> None:
    r = invoke(["add-item-bulk", "--session-id", "s", "--server-handle", "1", "--plaintext"])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("mxgw-py: error: no entries")


def test_help_names_the_entry_flags() -> None:
    for command, flag in [
        ("add-item-bulk", "--item REFERENCE"),
        ("unsubscribe-bulk", "--item-handle HANDLE"),
        ("write-secured2-bulk", "--item HANDLE=VALUE"),
    ]:
        r = invoke([command, "--help"])
        assert r.exit_code == 0 and flag in r.stdout and "--items-file" in r.stdout
