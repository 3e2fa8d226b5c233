"""The configuration is documented: every setting is in .env.example and in the README's table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import BotSettings
from ingest.settings import IngestSettings

REPO = Path(__file__).resolve().parent.parent


def _variable(name: str, field: object) -> str:
    alias = getattr(field, "validation_alias", None)
    choices = getattr(alias, "choices", None)
    return str(choices[0]) if choices else "TANYA_" + name.upper()


VARIABLES = sorted(
    _variable(name, field) for cls in (IngestSettings, BotSettings) for name, field in cls.model_fields.items()
)


@pytest.mark.parametrize("variable", VARIABLES)
def test_setting_is_in_env_example_and_readme(variable: str) -> None:
    assert f"\n{variable}=" in (REPO / ".env.example").read_text(encoding="utf-8")
    assert f"| `{variable}` |" in (REPO / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


def test_every_test_the_readme_cites_exists() -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    modules = {path.stem for path in (REPO / "tests").rglob("test_*.py")}
    cited = set(re.findall(r"\b(test_[a-z0-9_]+)\b", readme)) - modules
    defined = {
        name
        for path in (REPO / "tests").rglob("test_*.py")
        for name in re.findall(r"def (test_[a-z0-9_]+)", path.read_text(encoding="utf-8"))
    }
    assert cited and cited <= defined, sorted(cited - defined)
