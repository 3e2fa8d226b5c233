"""The configuration is documented: every setting is in .env.example and in the README's table."""

from __future__ import annotations

import os
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


def _compose_command() -> list[str] | None:
    """Docker Compose v2 (the Docker CLI's plugin) or v1 (Debian's docker-compose), whichever is here."""
    import shutil
    import subprocess

    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_the_compose_file_runs_postgresql_chroma_and_bots_on_one_index(tmp_path: Path) -> None:
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

    # Compose itself reads the file as a user would run it: after `cp .env.example .env`, in a copy
    # of the repository's layout (the tests must not depend on a developer's own .env).
    command = _compose_command()
    assert command, "Docker Compose is missing: `make install` installs Debian's docker-compose"
    (tmp_path / "deploy").mkdir()
    shutil.copy(compose_file, tmp_path / "deploy" / compose_file.name)
    shutil.copy(REPO / "deploy" / "Dockerfile", tmp_path / "deploy" / "Dockerfile")
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    run = subprocess.run(
        [*command, "-p", "tanya", "-f", "deploy/docker-compose.yml", "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "POSTGRES_PASSWORD": "s3cret"},
    )
    assert run.returncode == 0, run.stderr
    resolved = yaml.safe_load(run.stdout)
    for name in ("bot", "tanya"):
        environment = resolved["services"][name]["environment"]
        # the servers and the container's data directory win over what .env says
        assert environment["TANYA_DATABASE_URL"] == "postgresql://tanya:s3cret@postgres:5432/tanya"
        assert environment["TANYA_CHROMA_URL"] == "http://chroma:8000"
        assert environment["TANYA_DATA_DIR"] == "/data"
        # and the rest of .env reaches the bots (the Discord token, the LLM, ...)
        assert "DISCORD_TOKEN" in environment and "TANYA_LLM" in environment
    assert resolved["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    assert resolved["services"]["bot"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_development_set_in_tests_data_is_in_make_eval_and_reads() -> None:
    from bot.evaluation import load_eval_set

    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    listed = set(re.findall(r"(?:tests/data|\$\(EVAL_DIR\))/(\w+_dev\.jsonl)", makefile))
    present = {p.name for p in (REPO / "tests" / "data").glob("*_dev.jsonl")}  # seed_dev: a copy of the shared one
    assert present and present <= listed
    for name in present:  # each line reads, and every answerable question says what answers it
        questions = load_eval_set(REPO / "tests" / "data" / name)
        assert questions and all(q.answers for q in questions if q.answerable), name


def test_make_eval_can_keep_every_answer_of_each_index_apart() -> None:
    """`make eval EVAL_DETAILS=DIR` writes each index's answers to a file of its own (two lines
    writing one file would keep only the last), for `bench/compare.py` to pair two runs."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\neval: $(STAMP)\n", 1)[1].split("\n\n", 1)[0]
    lines = [line for line in recipe.splitlines() if line.startswith("\t$(TANYA) eval ")]
    names = [re.search(r" \$\(call kept_in,([\w-]+)\)$", line) for line in lines]
    assert lines and all(names)
    assert len({name.group(1) for name in names if name}) == len(lines)


def test_make_fit_fits_what_the_models_read_before_them_and_the_lexical_models_too() -> None:
    """The models' features read the asking words and the antonym directions, so `make fit` fits
    those first; then the models, and the lexical ones for an index of another embedding model."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nfit: $(STAMP)\n", 1)[1].split("\n\n", 1)[0]
    steps = [line.split("bench/", 1)[1] for line in recipe.splitlines() if "bench/" in line]
    assert steps == ["fit_asking_words.py", "fit_opposites.py", "fit_models.py", "fit_models.py --lexical"]


def test_make_run_installs_the_python_packages_alone() -> None:
    """The quick start's first command needs no database server, no Docker Compose and no sudo:
    those are for the tests (`make test`)."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run: \$\(RUN_STAMP\)$", makefile, re.MULTILINE)
    recipe = re.search(r"^\$\(RUN_STAMP\):.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None and "pip install" in recipe.group(1)
    assert not any(word in recipe.group(1) for word in ("APT_GET", "apt-get", "postgresql", "docker"))


def test_make_run_adds_the_bundled_article_to_an_index_that_holds_others() -> None:
    """The quick start answers its sample question from the bundled article: `make run` adds it
    whatever the index holds (unchanged, it is skipped), where `--if-empty` had left it out of a
    default index that already held a newcomer's articles, and the sample question was refused."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun: $(RUN_STAMP)\n", 1)[1].split("\n\n", 1)[0]
    assert "\t$(TANYA) ingest --bundled\n" in recipe + "\n" and "--if-empty" not in recipe
