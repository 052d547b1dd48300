"""The committed bindings match a fresh generation, and their imports work."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from .conftest import CLIENT_ROOT

COMMITTED = CLIENT_ROOT / "src" / "mxgateway" / "generated"


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_bindings_are_not_stale(tmp_path: Path) -> None:
    # The README's regenerate command, writing into a temporary folder.
    assert "python scripts/generate_proto.py" in (CLIENT_ROOT / "README.md").read_text("utf-8")
    out = tmp_path / "generated"
    subprocess.run(
        [sys.executable, str(CLIENT_ROOT / "scripts" / "generate_proto.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh, committed = _files(out), _files(COMMITTED)
    assert fresh == committed, "run `python scripts/generate_proto.py`"
    stale = [f for f in sorted(fresh) if not filecmp.cmp(out / f, COMMITTED / f, shallow=False)]
    assert stale == [], f"stale generated files {stale}: run `python scripts/generate_proto.py`"


def test_imports_are_rerooted_without_touching_descriptors() -> None:
    from mxgateway.generated.mxgateway.v1 import gateway_pb2
    from mxgateway.generated.mxgateway.worker.v1 import worker_pb2

    assert gateway_pb2.DESCRIPTOR.name == "mxgateway/v1/gateway.proto"
    assert "mxgateway/v1/commands.proto" in [d.name for d in gateway_pb2.DESCRIPTOR.dependencies]
    assert worker_pb2.DESCRIPTOR.package == "mxgateway.worker.v1"
    for path in COMMITTED.rglob("*.py*"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("from mxgateway", "import mxgateway")):
                assert line.startswith(
                    ("from mxgateway.generated.", "import mxgateway.generated.")
                ), f"{path}: {line}"
