"""docs/architecture.md stays true of the tree: its module table names every module and only
modules that exist, no module imports one from a higher layer, and within the answering chain no
module imports one above it (``CHAIN``), not even for its type hints."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

DOC = REPO / "docs" / "architecture.md"

# From the ground up; a module may import its own layer or lower ones only.
LAYERS = [
    ("ingest/types.py", "ingest/errors.py", "ingest/settings.py"),
    ("ingest/text/", "ingest/embeddings/", "ingest/worker.py"),
    ("ingest/store/", "ingest/loaders.py"),
    ("ingest/pipeline.py",),
    ("bot/chain/", "bot/logs.py"),
    ("bot/settings.py", "bot/components.py", "bot/evaluation.py"),
    ("bot/cli/", "bot/discord/"),
]


# The answering chain from the ground up, as docs/architecture.md lists it: a module may import
# those before it only, so the chain has no circle (a circle hidden behind TYPE_CHECKING still is one).
CHAIN = [
    "bot/chain/stories.py",
    "bot/chain/dates.py",
    "bot/chain/normalization.py",
    "bot/chain/question.py",
    "bot/chain/context.py",
    "bot/chain/answer.py",
    "bot/chain/speakers.py",
    "bot/chain/models.py",
    "bot/chain/features.py",
    "bot/chain/retriever.py",
    "bot/chain/extractive.py",
    "bot/chain/conversation.py",
    "bot/chain/followup.py",
    "bot/chain/gist.py",
    "bot/chain/changes.py",
    "bot/chain/verifier.py",
    "bot/chain/replies.py",
    "bot/chain/llm.py",
    "bot/chain/build.py",
]


def modules() -> list[str]:
    found = []
    for package in ("bot", "ingest"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if path.name != "__init__.py":
                found.append(relative)
    return found


def layer(module: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or (p.endswith("/") and module.startswith(p)) for p in prefixes):
            return rank
    raise AssertionError(f"{module} belongs to no layer; add it to LAYERS and to docs/architecture.md")


def imported_modules(path: str) -> set[str]:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        if name.split(".")[0] not in ("bot", "ingest"):
            continue
        parts = name.split("/") if "/" in name else name.split(".")
        for end in range(len(parts), 0, -1):
            candidate = "/".join(parts[:end]) + ".py"
            if (REPO / candidate).is_file() and not candidate.endswith("__init__.py"):
                found.add(candidate)
                break
    return found


def test_the_module_table_names_every_module_and_only_real_ones() -> None:
    table = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    named = {path for line in table for path in re.findall(r"`((?:bot|ingest)/[\w/]+\.py)`", line.split(" | ")[0])}
    assert named, "no module table in docs/architecture.md"
    assert sorted(set(modules()) - named) == [], "modules missing from docs/architecture.md"
    assert sorted(named - set(modules())) == [], "docs/architecture.md names modules that do not exist"


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{module} -> {target}"
        for module in modules()
        for target in imported_modules(module)
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_the_chain_imports_only_downwards_with_no_circle() -> None:
    chain = [m for m in modules() if m.startswith("bot/chain/")]
    assert sorted(chain) == sorted(CHAIN), "add the module to CHAIN (and to docs/architecture.md)"
    upward = [
        f"{module} -> {target}"
        for module in CHAIN
        for target in imported_modules(module)
        if target in CHAIN and CHAIN.index(target) > CHAIN.index(module)
    ]
    assert upward == []
