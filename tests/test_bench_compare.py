"""bench/compare.py pairs two `tanya eval --details` runs, files or folders of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMPARE = REPO / "bench" / "compare.py"


def _row(set_name: str, qid: str, answerable: bool, correct: bool, abstained: bool) -> dict[str, object]:
    return {"set": set_name, "id": qid, "answerable": answerable, "correct": correct, "abstained": abstained}


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_two_folders_of_details_are_paired_question_by_question(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    # two indexes, a file each, as `make eval EVAL_DETAILS=DIR` writes them
    _write(
        before / "eval-index.jsonl", [_row("a_dev", "1", True, False, True), _row("a_dev", "2", False, False, False)]
    )
    _write(before / "eval-index-news.jsonl", [_row("news_dev", "1", True, True, False)])
    _write(after / "eval-index.jsonl", [_row("a_dev", "1", True, True, False), _row("a_dev", "2", False, False, True)])
    _write(after / "eval-index-news.jsonl", [_row("news_dev", "1", True, False, False)])
    out = subprocess.run(
        [sys.executable, str(COMPARE), str(before), str(after)], check=True, capture_output=True, text=True
    ).stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    # a_dev: an answer gained and a near miss refused; news_dev: an answer lost
    assert rows["a_dev"][1:6] == ["2", "0.000", "1.000", "2", "0"]
    assert rows["news_dev"][1:6] == ["1", "1.000", "0.000", "0", "1"]
    assert rows["all"][1:4] == ["3", "2", "1"]


def test_a_details_file_is_read_as_before(tmp_path: Path) -> None:
    base, variant = tmp_path / "base.jsonl", tmp_path / "variant.jsonl"
    _write(base, [_row("a_dev", "1", True, True, False)])
    _write(variant, [_row("a_dev", "1", True, True, False)])
    out = subprocess.run(
        [sys.executable, str(COMPARE), str(base), str(variant)], check=True, capture_output=True, text=True
    ).stdout
    assert out.splitlines()[1].split()[:6] == ["a_dev", "1", "1.000", "1.000", "0", "0"]
