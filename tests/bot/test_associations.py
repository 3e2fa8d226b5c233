"""The learned table of question words and the words of the sentences that answer them: what it
learns from, what it leaves out, how a sentence is scored, and its form in the models' file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.chain.associations import (
    EMPTY,
    MIN_ARTICLES,
    MIN_QUESTIONS,
    NUMBER,
    Associations,
    learn,
    question_terms,
    sentence_terms,
)
from bot.chain.models import AnswerModels, load_models
from ingest.errors import TanyaError
from tests.conftest import REPO


def _samples(n: int, articles: int | None = None) -> list:
    """``n`` questions asking "lewat apa" on ``articles`` articles (each its own by default): the
    sentence saying "melalui" answers, the others not."""
    out = []
    for i in range(n):
        asked = question_terms(["dikasih", "tau", "lewat", "apa", f"topik{i}"])
        out.append(
            (
                f"artikel-{i % (articles or n)}",
                asked,
                [
                    (sentence_terms(["karyawan", "diberi", "tahu", "melalui", "email"]), True),
                    (sentence_terms(["karyawan", "lewat", "di", "jalan", f"topik{i}"]), False),
                    (sentence_terms(["jumlah", "karyawan", "700"]), False),
                ],
            )
        )
    return out


def test_a_question_word_goes_with_the_word_of_the_sentences_that_answer_it() -> None:
    table = learn(_samples(MIN_QUESTIONS))
    assert table.table["lewat"]["melalui"] > 0.5
    # a word paired with itself is left to the coverage features, and a pair seen as often
    # outside answers as in them is not kept
    assert "lewat" not in table.table["lewat"] and "karyawan" not in table.table.get("lewat", {})
    # words of fewer questions than MIN_QUESTIONS (names, one story's topic) learn nothing
    assert not any(q.startswith("topik") for q in table.table)
    asked = question_terms(["lewat", "apa"])
    answering = sentence_terms(["diberi", "tahu", "melalui", "email"])
    other = sentence_terms(["jumlah", "karyawan", "700"])
    assert table.score(asked, answering) > table.score(asked, other) == 0.0


def test_too_few_questions_or_none_answered_learn_nothing() -> None:
    assert learn(_samples(MIN_QUESTIONS - 1)).table == {}
    unanswered = [(a, q, [(terms, False) for terms, _ in read]) for a, q, read in _samples(MIN_QUESTIONS)]
    assert learn(unanswered) == EMPTY
    assert EMPTY.score(question_terms(["lewat"]), sentence_terms(["melalui"])) == 0.0
    assert table_score_of_nothing() == 0.0


def test_words_that_answer_in_too_few_articles_learn_nothing() -> None:
    """A word of one article's answers (its people, its places) pairs with every question asked
    of it; it must answer in MIN_ARTICLES articles to count."""
    assert learn(_samples(MIN_QUESTIONS, articles=MIN_ARTICLES - 1)).table == {}
    assert learn(_samples(MIN_QUESTIONS, articles=MIN_ARTICLES)).table["lewat"]["melalui"] > 0.5


def table_score_of_nothing() -> float:
    return Associations({"lewat": {"melalui": 1.0}}).score(frozenset(), sentence_terms(["melalui"]))


def test_terms_are_the_index_terms_with_every_figure_one_term() -> None:
    assert question_terms(["berapa", "2024", "dipecat"]) == {"berapa", NUMBER, "pecat"}
    assert sentence_terms(["700", "1,4", "karyawan"]) == {NUMBER, "karyawan"}


def test_the_table_reads_back_from_the_models_file_and_a_broken_row_is_a_clear_error(tmp_path: Path) -> None:
    shipped = json.loads((REPO / "bot" / "chain" / "data" / "answer_models.json").read_text(encoding="utf-8"))
    table = Associations({"lewat": {"melalui": 1.25, "via": 0.5}, "kenapa": {"karena": 2.0}})
    models = AnswerModels.from_json(shipped).replace(associations=table)
    assert AnswerModels.from_json(json.loads(models.dumps())).associations == table
    assert json.loads(models.dumps())["associations"]["lewat"] == "melalui 1.25 via 0.5"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**shipped, "associations": {"lewat": "melalui"}}), encoding="utf-8")
    with pytest.raises(TanyaError, match="associations"):
        load_models(broken)
