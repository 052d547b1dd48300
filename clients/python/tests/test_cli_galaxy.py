"""The ``galaxy-*`` commands of ``mxgw-py`` over the in-process fake: the exact
JSON of docs/cli-json.md, lazy paging, the watch's stop rules, and errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from mxgateway import pb

from .conftest import REPO_ROOT, TEST_KEY
from .fake_gateway import Failure, FakeGateway, galaxy_object
from .test_cli import ainvoke, common, invoke

CLI_DOC = REPO_ROOT / "docs" / "cli-json.md"

# The examples of docs/cli-json.md, "Galaxy Repository commands", verbatim.
DOC_TEST_CONNECTION = (
    '{"command":"galaxy-test-connection","ok":true,"provider":"sqlite","message":""}'
)
DOC_LAST_DEPLOY = (
    '{"command":"galaxy-last-deploy","present":true,"timeOfLastDeploy":"2026-11-21T23:47:16.854Z"}'
)
DOC_OBJECT = (
    '{"gobjectId":5,"tagName":"TestChildObject","containedName":"TestChild",'
    '"hierarchicalName":"TestParentObject.TestChild","browseName":"TestChild",'
    '"parentGobjectId":4,"parentTagName":"TestParentObject","areaTagName":"TestArea",'
    '"templateChain":["$TestChild","$UserDefined"],"categoryId":10,"category":"ApplicationObject",'
    '"attributes":[{"attributeName":"TestInt","fullTagReference":"TestChildObject.TestInt",'
    '"dataType":"Integer","isArray":false,"securityClassification":"FREE_ACCESS",'
    '"rawSecurityClassification":0,"isAlarm":false,"isHistorized":false}]}'
)
DOC_EVENT = (
    '{"sequence":1,"timeOfLastDeploy":"2026-11-21T23:47:16.854Z","timeOfLastDeployPresent":true,'
    '"objectCount":17,"attributeCount":96}'
)
DOC_DEPLOY = (
    '{"command":"galaxy-deploy","timeOfLastDeploy":"2026-11-21T23:50:02.001Z",'
    '"objectCount":18,"attributeCount":99}'
)


def test_the_expected_lines_are_the_doc_examples() -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    for line in (DOC_TEST_CONNECTION, DOC_LAST_DEPLOY, DOC_OBJECT, DOC_EVENT, DOC_DEPLOY):
        assert f"\n{line}\n" in doc, line


def doc_object() -> pb.GalaxyObject:
    """The docs' example object, as the gateway would send it."""
    obj = pb.GalaxyObject(
        gobject_id=5,
        tag_name="TestChildObject",
        contained_name="TestChild",
        hierarchical_name="TestParentObject.TestChild",
        browse_name="TestChild",
        parent_gobject_id=4,
        parent_tag_name="TestParentObject",
        area_tag_name="TestArea",
        template_chain=["$TestChild", "$UserDefined"],
        category_id=10,
        category="ApplicationObject",
    )
    obj.attributes.add(
        attribute_name="TestInt",
        full_tag_reference="TestChildObject.TestInt",
        data_type=pb.MX_DATA_TYPE_INTEGER,
        is_array=False,
        security_classification=pb.SECURITY_CLASSIFICATION_FREE_ACCESS,
        raw_security_classification=0,
    )
    return obj


def lines(stdout: str) -> list[str]:
    return stdout.splitlines()


# === galaxy-test-connection, galaxy-last-deploy ===


async def test_test_connection_json(fake: FakeGateway) -> None:
    r = await ainvoke(["galaxy-test-connection", *common(fake)])
    assert r.exit_code == 0
    assert r.stdout == DOC_TEST_CONNECTION + "\n"
    assert fake.calls[-1].metadata["authorization"] == f"Bearer {TEST_KEY}"


async def test_an_unreachable_database_is_not_an_error(fake: FakeGateway) -> None:
    fake.connection = pb.TestConnectionReply(
        ok=False, message='login failed for "sa"', provider="sqlserver"
    )
    r = await ainvoke(["galaxy-test-connection", *common(fake)])
    assert r.exit_code == 0
    assert r.stdout == (
        '{"command":"galaxy-test-connection","ok":false,"provider":"sqlserver",'
        '"message":"login failed for \\"sa\\""}\n'
    )


async def test_last_deploy_json(fake: FakeGateway) -> None:
    r = await ainvoke(["galaxy-last-deploy", *common(fake)])
    assert r.exit_code == 0
    assert r.stdout == DOC_LAST_DEPLOY + "\n"


async def test_last_deploy_absent_is_null(fake: FakeGateway) -> None:
    fake.deploy = pb.DeployEvent(time_of_last_deploy_present=False)
    r = await ainvoke(["galaxy-last-deploy", *common(fake)])
    assert r.exit_code == 0
    assert r.stdout == '{"command":"galaxy-last-deploy","present":false,"timeOfLastDeploy":null}\n'


async def test_last_deploy_prints_nanoseconds_exactly(fake: FakeGateway) -> None:
    fake.deploy.time_of_last_deploy.FromNanoseconds(1_795_304_836_123_456_789)
    r = await ainvoke(["galaxy-last-deploy", *common(fake)])
    assert json.loads(r.stdout)["timeOfLastDeploy"] == "2026-11-21T23:47:16.123456789Z"


# === galaxy-discover ===


async def test_discover_prints_the_doc_object(fake: FakeGateway) -> None:
    fake.galaxy_objects = [doc_object()]
    r = await ainvoke(["galaxy-discover", *common(fake)])
    assert r.exit_code == 0
    assert r.stdout == DOC_OBJECT + "\n"
    assert [(q.page_size, q.page_token) for q in fake.requests("DiscoverHierarchy")] == [(0, "")]


async def test_discover_prints_one_line_per_object_across_pages(fake: FakeGateway) -> None:
    fake.galaxy_objects = [galaxy_object(10 + i, f"Obj{i}", attributes=i) for i in range(5)]
    r = await ainvoke(["galaxy-discover", *common(fake), "--page-size", "2"])
    assert r.exit_code == 0
    out = [json.loads(line) for line in lines(r.stdout)]
    assert [o["tagName"] for o in out] == ["Obj0", "Obj1", "Obj2", "Obj3", "Obj4"]
    assert [len(o["attributes"]) for o in out] == [0, 1, 2, 3, 4]
    assert [(q.page_size, q.page_token) for q in fake.requests("DiscoverHierarchy")] == [
        (2, ""),
        (2, "tok-2"),
        (2, "tok-4"),
    ]


@pytest.mark.parametrize(("max_objects", "calls"), [(1, 1), (2, 1), (3, 2), (5, 3), (9, 3)])
async def test_max_objects_stops_without_fetching_more_pages(
    fake: FakeGateway, max_objects: int, calls: int
) -> None:
    fake.galaxy_objects = [galaxy_object(10 + i, f"Obj{i}") for i in range(5)]
    r = await ainvoke(
        ["galaxy-discover", *common(fake), "--page-size", "2", "--max-objects", str(max_objects)]
    )
    assert r.exit_code == 0
    assert len(lines(r.stdout)) == min(max_objects, 5)
    assert len(fake.requests("DiscoverHierarchy")) == calls


async def test_discover_prints_unknown_enum_numbers_as_the_contract_says(
    fake: FakeGateway,
) -> None:
    obj = galaxy_object(1, "Odd")
    obj.attributes[0].security_classification = 42  # type: ignore[assignment]
    obj.attributes[0].raw_security_classification = -1
    obj.attributes[0].data_type = pb.MX_DATA_TYPE_DOUBLE
    obj.attributes[0].is_array = True
    fake.galaxy_objects = [obj]
    r = await ainvoke(["galaxy-discover", *common(fake)])
    attribute = json.loads(r.stdout)["attributes"][0]
    assert attribute["securityClassification"] == "UNRECOGNIZED"
    assert attribute["rawSecurityClassification"] == -1
    assert (attribute["dataType"], attribute["isArray"]) == ("Double", True)


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (pb.SECURITY_CLASSIFICATION_UNSPECIFIED, "UNSPECIFIED"),
        (pb.SECURITY_CLASSIFICATION_OPERATE, "OPERATE"),
        (pb.SECURITY_CLASSIFICATION_VERIFIED_WRITE, "VERIFIED_WRITE"),
        (pb.SECURITY_CLASSIFICATION_VIEW_ONLY, "VIEW_ONLY"),
        (pb.SECURITY_CLASSIFICATION_UNDEFINED, "UNDEFINED"),
    ],
)
def test_security_classification_names(number: int, name: str) -> None:
    from mxgateway_cli._json import security_classification_name

    assert security_classification_name(number) == name


async def test_a_repeated_page_token_is_a_command_error_after_the_good_lines(
    fake: FakeGateway,
) -> None:
    objs = [galaxy_object(10 + i, f"Obj{i}") for i in range(3)]
    fake.galaxy_pages = {
        "": pb.DiscoverHierarchyReply(objects=objs[:2], next_page_token="A"),
        "A": pb.DiscoverHierarchyReply(objects=objs[2:], next_page_token="A"),
    }
    r = await ainvoke(["galaxy-discover", *common(fake)])
    assert r.exit_code == 1
    out = [json.loads(line) for line in lines(r.stdout)]
    assert [o.get("tagName") for o in out[:-1]] == ["Obj0", "Obj1"]
    assert list(out[-1]) == ["error", "type"] and out[-1]["type"] == "command"
    assert len(fake.requests("DiscoverHierarchy")) == 2


async def test_a_deploy_during_the_browse_is_a_command_error(fake: FakeGateway) -> None:
    fake.failures["DiscoverHierarchy"] = Failure(
        grpc.StatusCode.ABORTED, "the galaxy was deployed during the browse", "aborted"
    )
    r = await ainvoke(["galaxy-discover", *common(fake)])
    assert r.exit_code == 1
    assert json.loads(r.stdout) == {
        "error": "command failed at the gateway: the galaxy was deployed during the browse",
        "type": "command",
    }


def test_page_size_must_be_a_uint32() -> None:
    for bad in ("-1", "4294967296", "x"):
        r = invoke(["galaxy-discover", "--page-size", bad, "--json"])
        assert r.exit_code == 2 and json.loads(r.stdout)["type"] == "usage", bad


# === galaxy-watch ===


async def test_watch_prints_the_doc_event_then_stops_at_max_events(fake: FakeGateway) -> None:
    fake.deploy_events.put_nowait(
        pb.DeployEvent(sequence=2, time_of_last_deploy_present=False, object_count=3)
    )
    fake.deploy_events.put_nowait(pb.DeployEvent(sequence=3))
    r = await ainvoke(["galaxy-watch", *common(fake), "--max-events", "2"])
    assert r.exit_code == 0
    assert lines(r.stdout) == [
        DOC_EVENT,
        '{"sequence":2,"timeOfLastDeploy":null,"timeOfLastDeployPresent":false,'
        '"objectCount":3,"attributeCount":0}',
    ]
    # Leaving cancelled the stream at the gateway.
    await asyncio.wait_for(fake.watch_cancelled.wait(), 5)


@pytest.mark.parametrize(
    "last_seen", ["2026-11-21T23:47:16.854Z", "2026-11-22T00:47:16.854000+01:00"]
)
async def test_watch_skips_the_last_seen_state(fake: FakeGateway, last_seen: str) -> None:
    fake.deploy_events.put_nowait(pb.DeployEvent(sequence=2, object_count=18))
    r = await ainvoke(
        [
            "galaxy-watch",
            *common(fake),
            "--last-seen-deploy-time",
            last_seen,
            "--max-events",
            "1",
        ]
    )
    assert r.exit_code == 0
    assert [json.loads(line)["sequence"] for line in lines(r.stdout)] == [2]
    sent = fake.requests("WatchDeployEvents")[0]
    assert json_format.MessageToDict(sent) == {"lastSeenDeployTime": "2026-11-21T23:47:16.854Z"}


async def test_watch_timeout_is_not_an_error(fake: FakeGateway) -> None:
    r = await ainvoke(["galaxy-watch", *common(fake), "--timeout-ms", "300"])
    assert r.exit_code == 0
    assert lines(r.stdout) == [DOC_EVENT]
    assert not fake.requests("WatchDeployEvents")[0].HasField("last_seen_deploy_time")


async def test_watch_ends_with_the_stream(fake: FakeGateway) -> None:
    fake.deploy_events.put_nowait(None)
    r = await ainvoke(["galaxy-watch", *common(fake)])
    assert r.exit_code == 0
    assert lines(r.stdout) == [DOC_EVENT]


async def test_watch_error_follows_the_printed_events(fake: FakeGateway) -> None:
    fake.failures["WatchDeployEvents"] = Failure(
        grpc.StatusCode.PERMISSION_DENIED, "the key lacks metadata:read", "permission-denied"
    )
    r = await ainvoke(["galaxy-watch", *common(fake), "--max-events", "1"])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["type"] == "authorization"


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["--last-seen-deploy-time", "2026-11-21"], "invalid-value"),
        (["--last-seen-deploy-time", "2026-11-21T23:47:16.8541234567Z"], "invalid-value"),
        (["--max-events", "1000001"], "usage"),
        (["--max-events", "-1"], "usage"),
        (["--timeout-ms", "-5"], "usage"),
    ],
)
async def test_watch_flags_are_checked_before_connecting(
    fake: FakeGateway, args: list[str], kind: str
) -> None:
    r = await ainvoke(["galaxy-watch", *common(fake), *args])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["type"] == kind
    assert fake.calls == []


# === galaxy-deploy ===


async def test_deploy_sends_the_model_file(fake: FakeGateway, tmp_path: Path) -> None:
    model = tmp_path / "galaxy.toml"
    model.write_text('galaxy = "G"\n# é\n', encoding="utf-8")
    fake.deploy_reply.time_of_last_deploy.FromNanoseconds(1_795_305_002_001_000_000)
    r = await ainvoke(["galaxy-deploy", *common(fake), "--model", str(model)])
    assert r.exit_code == 0
    assert r.stdout == DOC_DEPLOY + "\n"
    assert fake.requests("DeploySimulatedGalaxy")[0].model_toml == 'galaxy = "G"\n# é\n'


async def test_an_unreadable_model_is_a_usage_error_and_sends_nothing(
    fake: FakeGateway, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.toml"
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe")
    for path in (missing, binary):
        r = await ainvoke(["galaxy-deploy", *common(fake), "--model", str(path)])
        assert r.exit_code == 2
        body = json.loads(r.stdout)
        assert body["type"] == "usage" and str(path) in body["error"]
    assert fake.calls == []


@pytest.mark.parametrize(
    ("code", "kind", "expected"),
    [
        (grpc.StatusCode.FAILED_PRECONDITION, "failed-precondition", "command"),
        (grpc.StatusCode.INVALID_ARGUMENT, "invalid-argument", "invalid-argument"),
        (grpc.StatusCode.PERMISSION_DENIED, "permission-denied", "authorization"),
    ],
)
async def test_deploy_errors(
    fake: FakeGateway, tmp_path: Path, code: grpc.StatusCode, kind: str, expected: str
) -> None:
    model = tmp_path / "galaxy.toml"
    model.write_text("x", encoding="utf-8")
    fake.failures["DeploySimulatedGalaxy"] = Failure(code, f"refused for {TEST_KEY}", kind)
    r = await ainvoke(["galaxy-deploy", *common(fake), "--model", str(model)])
    assert r.exit_code == 1
    body = json.loads(r.stdout)
    assert body["type"] == expected
    assert TEST_KEY not in r.stdout and TEST_KEY.rsplit("_", 1)[1] not in r.stdout


def test_deploy_needs_a_model() -> None:
    r = invoke(["galaxy-deploy", "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["type"] == "usage"


# === without --json ===


async def test_plain_output(fake: FakeGateway) -> None:
    args = ["--endpoint", fake.endpoint, "--plaintext", "--api-key", TEST_KEY]
    r = await ainvoke(["galaxy-last-deploy", *args])
    assert r.stdout == (
        "command: galaxy-last-deploy\npresent: true\ntimeOfLastDeploy: 2026-11-21T23:47:16.854Z\n"
    )
    fake.galaxy_objects = [galaxy_object(1, "Obj0", attributes=0)]
    r = await ainvoke(["galaxy-discover", *args])
    assert r.stdout.startswith('1 tagName="Obj0" ')
