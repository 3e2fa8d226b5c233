"""bench/per_article_eval.py: a set's questions asked article by article, each over an index of
its own article, the answers a file per article as bench/compare.py pairs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LAMP = "Thomas Alva Edison menemukan bola lampu pijar pada tahun 1879 di Menlo Park."
FERRY = "Kapal feri baru dari Pelabuhan Tanjung Harapan berangkat setiap Senin dengan tarif Rp45.000."


def _question(qid: str, question: str, answers: list[str], passage: str) -> str:
    row = {"id": qid, "lang": "id", "question": question, "answerable": bool(answers), "answers": answers}
    return json.dumps({**row, "passage": passage}) + "\n"


def test_each_article_s_questions_are_asked_over_its_own_index(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from per_article_eval import main

    questions = tmp_path / "set.jsonl"
    lines = [
        _question("l1", "Siapa penemu bola lampu pijar?", ["Edison"], LAMP),
        _question("f1", "Berapa tarif kapal feri baru?", ["Rp45.000"], FERRY),
        "\n",
        _question("l2", "Kapan bola lampu pijar ditemukan?", ["1879"], LAMP),
    ]
    questions.write_text("".join(lines), encoding="utf-8")
    root, details = tmp_path / "indexes", tmp_path / "answers"
    for _ in range(2):  # the second run reuses the indexes
        main([str(questions), "--index-root", str(root), "--details", str(details)])
    answered = {path.name: [json.loads(line) for line in path.open()] for path in sorted(details.iterdir())}
    assert sorted(answered) == ["a00.jsonl", "a01.jsonl"]
    assert [r["id"] for r in answered["a00.jsonl"]] == ["l1", "l2"] and [r["id"] for r in answered["a01.jsonl"]] == [
        "f1"
    ]
    assert all(r["correct"] for rows in answered.values() for r in rows), answered


def test_a_question_without_its_article_stops_with_the_line(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from per_article_eval import articles

    questions = tmp_path / "set.jsonl"
    questions.write_text(_question("l1", "Siapa?", ["Edison"], LAMP) + _question("x", "Apa?", [], ""), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"set\.jsonl:2: a question without a passage"):
        articles(questions)
