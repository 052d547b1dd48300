"""The shared command vectors in ``fixtures/commands.json``: each ``mxgw-py``
invocation must send exactly the recorded request, compared as canonical
proto3 JSON (the Rust CLI is held to the same file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from .fake_gateway import FakeGateway
from .test_cli import ainvoke, common

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "commands.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_cli_sends_the_fixture_request(fake: FakeGateway, case: dict[str, Any]) -> None:
    before = len(fake.requests("Invoke"))
    result = await ainvoke([*case["argv"], *common(fake)])
    requests = fake.requests("Invoke")
    assert len(requests) == before + 1, result.output
    sent = json_format.MessageToDict(requests[-1])
    # The fixture pins the session and the command; a per-call deadline may be added.
    sent.pop("timeoutMs", None)
    assert sent == case["request"]
