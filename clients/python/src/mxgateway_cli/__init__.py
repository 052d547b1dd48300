"""``mxgw-py``: the test and automation CLI of the MXAccess Gateway Python client.

It mirrors the Rust ``mxgw`` command for command and prints byte-identical
JSON (``docs/cli-json.md``). The commands live in the private ``_commands``
module; ``_json`` renders, ``_parse`` reads ``--type``/``--value``, ``_bench``
measures the benchmarks.
"""

from __future__ import annotations

import os

# gRPC's C core logs failed TLS handshakes to stderr; the CLI reports its own
# error instead. Set before grpc is first imported; an explicit value wins.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

from ._commands import cli, main, run

__all__ = ["cli", "main", "run"]
