"""The ``tanya`` command (``bot.cli.app``), its terminal rendering and its JSON contract."""

from __future__ import annotations

import sys


def main() -> None:
    """The ``tanya`` console script: the command, imported here so that Ctrl-C while its modules
    load (about a second) ends as it does later, with one line and exit code 130."""
    try:
        from bot.cli.app import app
    except KeyboardInterrupt:
        print("tanya: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    app()
