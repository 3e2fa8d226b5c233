"""The configuration is documented: every setting is in .env.example and in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = REPO / ".env.example"


def _variable(section: type, name: str, field: object) -> str:
    alias = getattr(field, "validation_alias", None)
    choices = getattr(alias, "choices", None)
    return str(choices[0]) if choices else str(section.model_config["env_prefix"]) + name.upper()


SECTIONS = [field.annotation for field in Settings.model_fields.values()]
VARIABLES = sorted(
    _variable(section, name, field)
    for section in SECTIONS
    for name, field in section.model_fields.items()  # type: ignore[union-attr]
)


def test_the_variables_keep_their_names() -> None:
    expected = {"TANYA_DATA_DIR", "TANYA_TOP_K", "TANYA_LLM", "TANYA_LLM_TIMEOUT_S", "OPENAI_API_KEY", "DISCORD_TOKEN"}
    assert expected | {"TANYA_DISCORD_THREADS", "TANYA_DISCORD_ADMIN_ROLE"} <= set(VARIABLES)


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


def test_the_compose_file_runs_postgresql_chroma_and_bots_on_one_index() -> None:
    import shutil
    import subprocess

    import yaml

    compose_file = REPO / "deploy" / "docker-compose.yml"
    compose = yaml.safe_load(compose_file.read_text())
    services = compose["services"]
    assert {"postgres", "chroma", "bot", "tanya"} <= set(services)
    for name in ("bot", "tanya"):
        environment = services[name]["environment"]
        assert (
            environment["TANYA_DATABASE_URL"].startswith("postgresql://")
            and "@postgres:5432/" in environment["TANYA_DATABASE_URL"]
        )
        assert environment["TANYA_CHROMA_URL"] == "http://chroma:8000"
        assert set(environment) <= set(re.findall(r"^(TANYA_\w+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
        assert (
            compose_file.parent / services[name]["build"]["context"] / services[name]["build"]["dockerfile"]
        ).is_file()
    assert services["postgres"]["image"].startswith("postgres:15")
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        subprocess.run(["docker", "compose", "-f", str(compose_file), "config", "-q"], check=True)
