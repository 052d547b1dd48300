#!/usr/bin/env bash
# Checks and tests of the Python client: creates .venv if missing, installs
# the package with its dev extra, then runs ruff (lint and format check),
# mypy --strict and pytest.
# Needs python3 (3.10+) and pip access to PyPI. The integration tests need the
# gateway binaries (cargo build --workspace --bins --locked, or MXGATEWAY_BIN_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "== creating clients/python/.venv"
    "$PYTHON" -m venv .venv
fi
VENV_PY=.venv/bin/python

echo "== pip install -e .[dev]"
"$VENV_PY" -m pip install --quiet --upgrade pip
"$VENV_PY" -m pip install --quiet -e ".[dev]"

echo "== ruff"
"$VENV_PY" -m ruff check src tests scripts
"$VENV_PY" -m ruff format --check src tests scripts

echo "== mypy --strict"
"$VENV_PY" -m mypy --strict src tests scripts

echo "== pytest"
"$VENV_PY" -m pytest "$@"
