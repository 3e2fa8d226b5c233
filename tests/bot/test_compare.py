"""Questions that ask for the sides of a disagreement: read by their words, answered with each side."""

from __future__ import annotations

from typing import Any

import pytest

import bot.chain.build
from bot.chain.compare import Comparison, figures, read_comparison
from bot.components import make_stack
from bot.settings import Settings
from ingest.settings import IndexSettings


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        ("orang hilang ada berapa? angkanya beda-beda", "orang hilang ada berapa?"),
        ("data pengungsi BPBD sama dinsos beda ya? brp masing2", "data pengungsi BPBD sama dinsos ya? brp"),
        ("korban meninggal jadinya 4 apa 5 sih?", ""),  # the numbers are the sides: nothing taken out
        ("ada yg bilang hutan gundul ada yg bilang hujan, mana yg bener?", ""),
        ("Sources give Different numbers. What does each of them say?", "Sources give numbers. What does say?"),
        ("How many were missing, three or five?", ""),
        ("beda versi", ""),  # nothing would be left to search for: the question is searched as asked
    ],
)
def test_questions_asking_for_sides_are_read_by_their_words(question: str, rest: str) -> None:
    assert read_comparison(question) == Comparison(True, rest)


@pytest.mark.parametrize(
    "question",
    [
        "berapa karyawan TikTok yang terkena PHK?",
        "Siapa yang membocorkan dokumen internal TikTok?",
        "apa yang berubah sejak 30 Oktober?",  # what changed is not read as sides (docs/quality.md)
        "tanggal berapa email itu dikirim?",
    ],
)
def test_other_questions_are_not(question: str) -> None:
    assert read_comparison(question) == Comparison()


def test_figures_are_numbers_in_digits_or_words() -> None:
    assert figures("BPBD mencatat tiga orang hilang, bukan 1.400 hektare.") == {"tiga", "1.400"}


def test_both_sides_of_a_disagreement_are_quoted_with_their_citations(story: Any, story_dir: Any) -> None:
    question = "orang hilang ada berapa? angkanya beda-beda"
    answer = story.chain.invoke(question)
    assert not answer.abstained
    assert "tiga orang" in answer.text and "lima orang" in answer.text
    for side in ("tiga orang", "lima orang"):  # each side quoted from the passage it cites
        assert any(side in c.quote and side in c.chunk.text for c in answer.citations)
    # the same question read as any other: one side only (the BPBD's three is missing)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.chain.build, "read_comparison", lambda _: Comparison())
        plain = make_stack(Settings(index=IndexSettings(data_dir=story_dir)), index=story.index).chain.invoke(question)
    assert "tiga orang" not in plain.text


def test_an_answer_with_sides_keeps_the_usual_answer_and_stays_bounded(story: Any) -> None:
    from bot.chain.compare import COMPARE_MAX_CHARS

    usual = story.chain.invoke("berapa hektare hutan di hulu yang hilang?")
    sides = story.chain.invoke("berapa hektare hutan di hulu yang hilang? katanya ada dua versi")
    for citation in usual.citations:
        assert citation.quote in sides.text  # sides are added to the usual answer, never instead of it
    assert sum(len(c.quote) for c in sides.citations) <= COMPARE_MAX_CHARS
