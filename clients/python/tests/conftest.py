"""Shared fixtures: the in-process fake gateway, and the real gateway binary.

The real gateway (``target/debug/mxgateway``) is started once per test
session on a free port with a fresh state directory; ``MXGATEWAY_BIN_DIR``
points elsewhere. When the binaries are missing the integration tests fail
with a message saying how to build them (``scripts/test`` builds them first).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mxgateway import GatewayClient

from .fake_gateway import FakeGateway

CLIENT_ROOT = Path(__file__).resolve().parent.parent
REPO_ROOT = CLIENT_ROOT.parent.parent
TEST_KEY = "mxgw_testid_s3cr3tvalue0123456789"
TEST_ITEM = "TestChildObject.TestInt"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGateway]:
    gateway = FakeGateway()
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


@pytest.fixture
async def client(fake: FakeGateway) -> AsyncIterator[GatewayClient]:
    async with await GatewayClient.connect(
        endpoint=fake.endpoint, api_key=TEST_KEY, plaintext=True, timeout=5
    ) as c:
        yield c


# === the real gateway ===


def bin_dir() -> Path:
    return Path(os.environ.get("MXGATEWAY_BIN_DIR", REPO_ROOT / "target" / "debug"))


def binary(name: str) -> Path:
    path = bin_dir() / name
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: build the gateway first with "
            "`cargo build --workspace --bins --locked` (scripts/test does), "
            "or point MXGATEWAY_BIN_DIR at the binaries",
            pytrace=False,
        )
    return path


@dataclass
class RealGateway:
    endpoint: str
    state_dir: Path
    process: subprocess.Popen[str]
    #: Keys by name: ``admin``, ``secured`` (read, write, write-secured), ``reader`` (read),
    #: ``metadata`` (metadata:read: the Galaxy Repository), and ``constrained`` (read and
    #: write, reading only ``TestChildObject.*``) when the binary supports tag constraints.
    keys: dict[str, str]

    @property
    def admin_key(self) -> str:
        return self.keys["admin"]


def create_key(state_dir: Path, name: str, *scopes: str, allow_read: tuple[str, ...] = ()) -> str:
    """Creates a key (the gateway reads its key store when it starts); ``allow_read``
    restricts the references it may read (glob patterns)."""
    args = [str(binary("mxgateway")), "keys", "create", "--state-dir", str(state_dir)]
    args += ["--name", name]
    for scope in scopes:
        args += ["--scope", scope]
    for pattern in allow_read:
        args += ["--allow-read", pattern]
    out = subprocess.run([*args, "--json"], check=True, capture_output=True, text=True, timeout=60)
    key: str = json.loads(out.stdout)["key"]
    return key


@contextlib.contextmanager
def start_gateway(
    state: Path, keys: dict[str, str], extra_args: tuple[str, ...] = ()
) -> Iterator[RealGateway]:
    """Runs ``mxgateway serve`` on a free port with ``state`` (keys already created
    there) and ``extra_args`` until the block ends. Readiness is the "listening"
    line, never a sleep."""
    exe = binary("mxgateway")
    process = subprocess.Popen(
        [str(exe), "serve", "--listen", "127.0.0.1:0", "--state-dir", str(state), *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    pump_thread = threading.Thread(target=pump, daemon=True)
    pump_thread.start()
    endpoint: str | None = None
    try:
        while endpoint is None:
            line = lines.get(timeout=60)
            if line is None:
                pytest.fail(f"mxgateway exited with {process.wait()} before listening")
            if line.startswith("mxgateway listening on "):
                endpoint = line.split()[3]
        yield RealGateway(endpoint, state, process, keys)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        pump_thread.join(timeout=20)
        process.stdout.close()


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealGateway]:
    binary("mxgateway")
    binary("mxgw")
    state = tmp_path_factory.mktemp("gateway-state")
    keys = {
        "admin": create_key(state, "admin", "admin"),
        "secured": create_key(state, "secured", "mx:read", "mx:write", "mx:write-secured"),
        "reader": create_key(state, "reader", "mx:read"),
        "metadata": create_key(state, "metadata", "metadata:read"),
    }
    try:
        keys["constrained"] = create_key(
            state, "constrained", "mx:read", "mx:write", allow_read=("TestChildObject.*",)
        )
    except subprocess.CalledProcessError:
        pass  # a gateway without tag constraints; only the test that needs the key fails
    with start_gateway(state, keys) as gw:
        yield gw
