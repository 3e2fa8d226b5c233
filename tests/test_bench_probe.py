"""bench/probe_answer_features.py: the cross-validated comparison it reports, on rows made here
(its readings come from the training cache, which tests do not have)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _rows(n: int) -> list[dict[str, object]]:
    """Answers of two sets whose rightness a candidate ``+tells`` gives away and the shipped-like
    feature ``noise`` does not; a fifth of them near misses (never right)."""
    rng = random.Random(5)
    rows = []
    for i in range(n):
        answerable = rng.random() >= 0.2
        right = answerable and rng.random() < 0.6
        rows.append(
            {
                "set": "news" if i % 2 else "written",
                "group": i // 4,  # four questions a passage
                "answerable": answerable,
                "right": right,
                "features": {"noise": rng.random(), "+tells": float(right) + 0.1 * rng.random()},
            }
        )
    return rows


def test_a_candidate_that_tells_right_answers_apart_raises_the_area_and_the_refusals() -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from probe_answer_features import measure

    rows = _rows(400)
    figures = {extra: measure(rows, list(extra), trees=False) for extra in ((), ("+tells",))}
    for report in figures.values():
        assert report.startswith("news: AUC ") and " | written: AUC " in report
    area = {extra: float(report.split("AUC ")[1].split(",")[0]) for extra, report in figures.items()}
    refused = {extra: float(report.split("refused ")[1].split(" ")[0]) for extra, report in figures.items()}
    assert area[()] < 0.7 and area[("+tells",)] > 0.95
    assert refused[("+tells",)] > refused[()]


def test_the_reader_reads_the_best_sentence_with_the_one_before_it() -> None:
    """``--reader``'s candidates read a sentence beside the one before it in its passage, as
    bench/train_reader.py trained the reader; a passage's first sentence has none."""
    from types import SimpleNamespace

    sys.path.insert(0, str(REPO / "bench"))
    from probe_answer_features import _read_as_trained

    spans = [(SimpleNamespace(text=text), frozenset()) for text in ("Atap ambruk.", "Langkah ini diambil.")]
    passage = SimpleNamespace(sentences=spans)
    second = _read_as_trained(SimpleNamespace(passage=passage, position=1))
    assert second.startswith("Langkah ini diambil.") and second.endswith(" Atap ambruk.")
    assert _read_as_trained(SimpleNamespace(passage=passage, position=0)) == "Atap ambruk."
