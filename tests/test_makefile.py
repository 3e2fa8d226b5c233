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
