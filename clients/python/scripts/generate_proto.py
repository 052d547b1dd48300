"""Regenerate the protobuf and gRPC bindings in ``src/mxgateway/generated``.

Run from anywhere, on any platform::

    python scripts/generate_proto.py            # rewrite the committed bindings
    python scripts/generate_proto.py --out DIR  # write them elsewhere (the staleness test)

The inputs are every ``.proto`` file under the repository's ``proto/`` folder.
``grpc_tools.protoc`` writes ``*_pb2.py``, ``*_pb2.pyi`` and ``*_pb2_grpc.py``
with imports rooted at the proto package (``from mxgateway.v1 import ...``).
Our distribution owns the top-level name ``mxgateway``, so those imports are
re-rooted under ``mxgateway.generated``. The rewrite is structured: each
module is parsed with :mod:`ast` and only the ``import`` statements that name a
proto package are replaced, line by line. Serialized descriptors are never
touched; the proto file names inside them stay ``mxgateway/v1/...``.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["PACKAGE_PREFIX", "generate", "main"]

HERE = Path(__file__).resolve().parent
CLIENT_ROOT = HERE.parent
DEFAULT_PROTO_ROOT = CLIENT_ROOT.parent.parent / "proto"
DEFAULT_OUT = CLIENT_ROOT / "src" / "mxgateway" / "generated"

#: Where the generated proto packages live inside our import namespace.
PACKAGE_PREFIX = "mxgateway.generated"

#: The top-level proto package names whose imports get re-rooted.
PROTO_TOP_PACKAGES = ("mxgateway",)

GENERATED_INIT = '"""Generated protobuf package. Do not edit; run scripts/generate_proto.py."""\n'

ROOT_INIT = '''"""Generated protobuf and gRPC bindings of the MXAccess Gateway contracts.

Do not edit anything below this package by hand: run
``python scripts/generate_proto.py`` from ``clients/python``. A test fails when
these files differ from a fresh generation.
"""
'''


def _rerooted(module: str) -> str | None:
    """The new module path for an import of a proto package, else ``None``."""
    top = module.split(".", 1)[0]
    if top in PROTO_TOP_PACKAGES and not module.startswith(PACKAGE_PREFIX):
        return f"{PACKAGE_PREFIX}.{module}"
    return None


def reroot_imports(source: str) -> str:
    """Re-roots the proto-package imports of one generated module.

    Only single-line ``from X import Y`` / ``import X as Y`` statements are
    rewritten (protoc emits no other forms); anything else is an error rather
    than a silent miss.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            new = _rerooted(node.module)
            if new is None:
                continue
            names = ", ".join(f"{a.name} as {a.asname}" if a.asname else a.name for a in node.names)
            replacement = f"from {new} import {names}"
        elif isinstance(node, ast.Import):
            if not any(_rerooted(a.name) for a in node.names):
                continue
            if len(node.names) != 1 or node.names[0].asname is None:
                raise ValueError(f"unexpected import form on line {node.lineno}")
            alias = node.names[0]
            replacement = f"import {_rerooted(alias.name) or alias.name} as {alias.asname}"
        else:
            continue
        if node.end_lineno != node.lineno:
            raise ValueError(f"multi-line import on line {node.lineno} is not supported")
        index = node.lineno - 1
        line = lines[index]
        indent = line[: len(line) - len(line.lstrip())]
        ending = "\n" if line.endswith("\n") else ""
        lines[index] = f"{indent}{replacement}{ending}"
    return "".join(lines)


def generate(out_dir: Path, proto_root: Path = DEFAULT_PROTO_ROOT) -> list[Path]:
    """Generates the bindings into ``out_dir`` (replacing its contents)."""
    from grpc_tools import protoc  # type: ignore[import-untyped]  # a dev dependency

    protos = sorted(p.relative_to(proto_root).as_posix() for p in proto_root.rglob("*.proto"))
    if not protos:
        raise SystemExit(f"no .proto files under {proto_root}")
    include = Path(protoc.__file__).resolve().parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "grpc_tools.protoc",
            f"-I{proto_root}",
            f"-I{include}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *protos,
        ]
        code = protoc.main(args)
        if code != 0:
            raise SystemExit(f"protoc failed with exit code {code}")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        (out_dir / "__init__.py").write_text(ROOT_INIT, encoding="utf-8")
        written: list[Path] = []
        for src in sorted(Path(tmp).rglob("*")):
            if not src.is_file():
                continue
            rel = src.relative_to(tmp)
            dest = out_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            text = src.read_text(encoding="utf-8")
            dest.write_text(reroot_imports(text), encoding="utf-8")
            written.append(dest)
        # Every folder between the root and a module is a regular package.
        for folder in sorted({p.parent for p in written}):
            while folder != out_dir:
                init = folder / "__init__.py"
                if not init.exists():
                    init.write_text(GENERATED_INIT, encoding="utf-8")
                folder = folder.parent
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--proto-root", type=Path, default=DEFAULT_PROTO_ROOT, help="the proto include root"
    )
    ns = parser.parse_args(argv)
    written = generate(ns.out, ns.proto_root)
    print(f"generated {len(written)} files into {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
