"""The bundled default corpus, installed with the package."""

from __future__ import annotations

from pathlib import Path


def bundled_articles_dir() -> Path:
    """Return the folder holding the bundled article(s) and their ``.meta.json`` files."""
    return Path(__file__).resolve().parent
