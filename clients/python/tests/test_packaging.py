"""The package builds as a wheel and installs into a fresh environment, as the README says."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import CLIENT_ROOT

README = (CLIENT_ROOT / "README.md").read_text(encoding="utf-8")
BUILD = "python -m pip wheel . --no-deps -w dist"
INSTALL = "python -m pip install dist/mxaccess_gateway_client-0.1.0-py3-none-any.whl"


def sh(args: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.timeout(1200)
def test_wheel_builds_installs_and_runs(tmp_path: Path) -> None:
    # The README's build and install lines, with `dist` in a temporary folder.
    assert BUILD in README and INSTALL in README
    dist = tmp_path / "dist"
    sh([sys.executable, *BUILD.split()[1:-1], str(dist)], cwd=CLIENT_ROOT)
    wheel = dist / INSTALL.split("/")[-1]
    assert wheel.is_file(), list(dist.iterdir())
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read("mxaccess_gateway_client-0.1.0.dist-info/METADATA").decode()
    assert "mxgateway/py.typed" in names and "mxgateway_cli/py.typed" in names
    assert "mxgateway/generated/mxgateway/v1/gateway_pb2.pyi" in names
    assert "License-Expression: Apache-2.0" in metadata
    assert "Requires-Dist: grpcio" in metadata

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    sh([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
    out = sh([str(bin_dir / "mxgw-py"), "version", "--json"])
    assert json.loads(out) == {"client": "mxgw-py", "version": "0.1.0", "protocol": "mxgateway.v1"}
