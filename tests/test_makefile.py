"""The Makefile's targets as far as a test can run them without their real work."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _eval_caches(tmp_path: Path, env: dict[str, str]) -> list[str]:
    """The TANYA_MODEL_CACHE_DIR each `tanya eval` of `make eval` is run with (a stand-in for
    tanya records it; the install step is taken as done)."""
    log = tmp_path / "caches.txt"
    fake = tmp_path / "tanya"
    fake.write_text(f'#!/bin/sh\necho "$TANYA_MODEL_CACHE_DIR" >> "{log}"\n', encoding="utf-8")
    fake.chmod(0o755)
    command = ["make", "-s", "-o", ".venv/.installed", "eval", f"TANYA={fake}"]
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    return log.read_text(encoding="utf-8").splitlines()


def test_make_eval_rebuilds_the_model_once_for_all_its_indexes(tmp_path: Path) -> None:
    """Each index of `make eval` had rebuilt its own copy of the model (0.8 GB, about 20 GB in
    all): they share `.eval-models`, unless the environment names a cache of its own."""
    env = {k: v for k, v in os.environ.items() if k != "TANYA_MODEL_CACHE_DIR"}
    caches = _eval_caches(tmp_path, env)
    assert len(caches) > 20 and set(caches) == {str(REPO / ".eval-models")}
    (tmp_path / "own").mkdir()
    own = tmp_path / "own" / "models"
    assert set(_eval_caches(tmp_path / "own", {**env, "TANYA_MODEL_CACHE_DIR": str(own)})) == {str(own)}


def test_make_heldout_asks_every_held_out_set_with_one_model_cache(tmp_path: Path) -> None:
    """`make heldout` asks the third rounds over one index, then each article-by-article set over
    indexes of their own, every answer kept under HELDOUT_DETAILS and the fitted variant passed on
    (stand-ins for tanya and the per-article script record how each was run)."""
    log = tmp_path / "runs.txt"
    for name in ("tanya", "python"):
        fake = tmp_path / name
        fake.write_text(f'#!/bin/sh\necho "{name} $TANYA_MODEL_CACHE_DIR $*" >> "{log}"\n', encoding="utf-8")
        fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "TANYA_MODEL_CACHE_DIR"}
    details, models = tmp_path / "runs", tmp_path / "variant.json"
    command = [
        "make", "-s", "-o", ".venv/.installed", "heldout", f"TANYA={tmp_path / 'tanya'}", f"BIN={tmp_path}",
        f"HELDOUT_DETAILS={details}", f"EVAL_MODELS={models}",
    ]  # fmt: skip
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    runs = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in runs] == ["tanya"] + ["python"] * 4
    assert {r[1] for r in runs} == {str(REPO / ".eval-models")}
    named = [arg for r in runs for arg in r if arg.startswith("bench/data/")]
    assert all((REPO / arg).is_file() for arg in named) and len(named) == 3 + 4
    assert "bench/data/news_train_round4.jsonl" in named and "bench/data/conversations_train_round2.jsonl" in named
    for r in runs:
        assert r[r.index("--models") + 1] == str(models)
        assert r[r.index("--details") + 1].startswith(str(details))
