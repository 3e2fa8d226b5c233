"""The ``tanya`` command (``bot.cli.app``), its terminal rendering and its JSON contract."""

from bot.cli.app import app

__all__ = ["app"]
