"""``python -m mxgateway_cli``: the same as the ``mxgw-py`` console script."""

from __future__ import annotations

from ._commands import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
