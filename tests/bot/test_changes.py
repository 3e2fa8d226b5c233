"""What changed between reports: a question on how something went from one report of a story
to a later one is answered from both, each cited, the newest first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.chain.changes import ChangeReader, asks_change, without_change_words
from bot.chain.dates import DateReading
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.retriever import HybridRetriever
from ingest.pipeline import ingest_articles
from ingest.store.index import Index
from ingest.types import Article

TODAY = "2026-11-18"


@pytest.mark.parametrize(
    "question",
    [
        "yg ngungsi awalnya berapa, sekarang tinggal berapa?",
        "dulu berapa sekarang berapa",
        "apa yang berubah soal jumlah pengungsi sejak 30 Oktober?",
        "korban hilang bertambah gak?",
        "What was the first estimate, and what is the final one?",
        "has the loss estimate changed since the first report?",
        "Has the number of evacuees dropped?",
    ],
)
def test_questions_on_what_changed_are_told_apart(question: str) -> None:
    assert asks_change(question)


@pytest.mark.parametrize(
    "question",
    [
        "berapa pengungsi banjir lembah arum?",
        "pengungsi terbarunya berapa?",  # the latest alone: dates.py reads it
        "siapa yang pertama melaporkan banjir?",  # "first" alone asks for no change
        "How many people are in the shelters now?",
    ],
)
def test_other_questions_ask_for_no_change(question: str) -> None:
    assert not asks_change(question)


def test_words_placing_a_report_are_not_searched_and_a_change_asked_about_is() -> None:
    assert without_change_words("yang mengungsi awalnya berapa, sekarang tinggal berapa?") == (
        "yang mengungsi berapa, tinggal berapa?"
    )
    # a change may be what is asked about: "perubahan" stays
    assert without_change_words("jubirnya ngomong apa soal perubahan ini") == "jubirnya ngomong apa soal perubahan ini"


@pytest.mark.parametrize(
    ("question", "newer", "older"),
    [
        # the shelter's last figure and the first report's (their words differ: "orang", "warga")
        ("yg ngungsi awalnya brp, skrg tinggal brp?", "45 orang", "120 warga"),
        # a sum beside a sum: the first estimate of 30 October, not the first report's "belum
        # merilis taksiran kerugian" (no sum)
        ("kerugian banjirnya dulu brp skrg brp", "Rp18 miliar", "Rp12 miliar"),
        # a state: the bridge that was down, and the one that replaced it
        ("jembatan gantung yg putus itu skrg gmn? awalnya kan putus", "sudah bisa dilalui", "putus diterjang arus"),
    ],
)
def test_a_question_on_what_changed_is_answered_from_the_first_and_the_last_report(
    story: Any, question: str, newer: str, older: str
) -> None:
    answer = story.chain.invoke({"question": question, "today": TODAY})
    assert newer in answer.text and older in answer.text, answer.text
    days = [c.chunk.published for c in answer.citations]
    assert len(set(days)) >= 2 and days == sorted(days, reverse=True)  # each report cited, the newest first
    assert answer.text.index(newer) < answer.text.index(older)


def test_the_earlier_report_is_none_before_the_day_the_question_names(story: Any) -> None:
    answer = story.chain.invoke(
        {"question": "yg ngungsi sejak 3 november awalnya brp, skrg tinggal brp?", "today": TODAY}
    )
    assert all(c.chunk.published >= "2026-11-03" for c in answer.citations), answer.text


def test_a_question_asking_for_no_change_is_answered_as_before(story: Any) -> None:
    question = "berapa pengungsi banjir lembah arum?"
    answer = story.chain.invoke({"question": question, "today": TODAY})
    alone = ExtractiveAnswerer().answer_retrieval(story.retriever.search(question))
    assert answer.text == alone.text


def test_a_story_of_one_report_has_no_change_to_tell(small_index: Index) -> None:
    """With one dated article, or none of the story dated, a question on what changed is answered
    as any other (``ChangeReader.read`` gives nothing)."""
    text = "Banjir merendam Desa Suka. Sebanyak 120 warga mengungsi ke balai desa. Kini 45 orang masih di posko."
    ingest_articles(small_index, [Article("a", text, "Banjir Desa Suka", published="2026-11-01")])
    retriever = HybridRetriever(index=small_index)
    extractive = ExtractiveAnswerer()
    reader = ChangeReader(small_index.articles, retriever.search_within, extractive)
    retrieval = retriever.search("yg ngungsi awalnya brp, skrg tinggal brp?")
    assert reader.read(retrieval, DateReading(), None, date(2026, 11, 18)) is None
    # an undated second report of the story is no earlier or later one either
    ingest_articles(
        small_index, [Article("b", "Banjir Desa Suka surut. Tinggal 10 orang di posko.", "Banjir Desa Suka")]
    )
    assert (
        reader.read(
            retriever.search("yg ngungsi awalnya brp, skrg tinggal brp?"), DateReading(), None, date(2026, 11, 18)
        )
        is None
    )
