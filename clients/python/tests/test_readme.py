"""Every example in README.md runs: Python blocks and `mxgw-py` lines against the real
gateway here; the install, build and regenerate lines in the tests named below."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import CLIENT_ROOT, RealGateway

README = CLIENT_ROOT / "README.md"
README_ENDPOINT = "127.0.0.1:5000"

#: Shell lines that other tests execute, and where.
COVERED_ELSEWHERE = {
    "python -m pip wheel . --no-deps -w dist": "test_packaging.py",
    (
        "python -m pip install dist/mxaccess_gateway_client-0.1.0-py3-none-any.whl"
    ): "test_packaging.py",
    'python -m pip install -e ".[dev]"': "scripts/test.sh (every run)",
    "python scripts/generate_proto.py": "test_generated.py",
    "scripts/test.sh": "the repository's scripts/test",
}


def blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def shell_lines() -> list[str]:
    return [line.strip() for block in blocks("sh") for line in block.splitlines() if line.strip()]


def test_every_shell_line_is_run_somewhere() -> None:
    lines = shell_lines()
    assert any(line.startswith("mxgw-py ") for line in lines)
    for line in lines:
        if not line.startswith("mxgw-py "):
            assert line in COVERED_ELSEWHERE, f"README line not exercised by any test: {line}"
    for test_file, line in ((v, k) for k, v in COVERED_ELSEWHERE.items()):
        if test_file.endswith(".py"):
            source = (CLIENT_ROOT / "tests" / test_file).read_text(encoding="utf-8")
            assert "README" in source, (test_file, line)


@pytest.mark.integration
def test_readme_python_examples_run(gateway: RealGateway) -> None:
    examples = blocks("python")
    assert examples
    for code in examples:
        assert README_ENDPOINT in code
        result = subprocess.run(
            [sys.executable, "-c", code.replace(README_ENDPOINT, gateway.endpoint)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "MXGATEWAY_API_KEY": gateway.admin_key},
        )
        assert result.returncode == 0, result.stderr
        assert gateway.admin_key not in result.stdout + result.stderr


@pytest.mark.integration
def test_readme_cli_examples_run(gateway: RealGateway) -> None:
    session = "SESSION"
    ran = 0
    for line in shell_lines():
        if not line.startswith("mxgw-py "):
            continue
        args = line.split()[1:]
        args = [gateway.endpoint if a == README_ENDPOINT else a for a in args]
        args = [session if a == "SESSION" else a for a in args]
        result = subprocess.run(
            [sys.executable, "-m", "mxgateway_cli", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "MXGATEWAY_API_KEY": gateway.admin_key},
        )
        assert result.returncode == 0, (line, result.stdout, result.stderr)
        first = json.loads(result.stdout.splitlines()[0])
        if args[0] == "open-session":
            session = first["sessionId"]
        ran += 1
    assert ran >= 9


def test_readme_names_real_flags() -> None:
    from click.testing import CliRunner

    from mxgateway_cli import cli

    for line in shell_lines():
        if line.startswith("mxgw-py "):
            command = line.split()[1]
            help_text = CliRunner().invoke(cli, [command, "--help"]).stdout
            for flag in re.findall(r"(--[a-z-]+)", line):
                assert flag in help_text, (command, flag)
