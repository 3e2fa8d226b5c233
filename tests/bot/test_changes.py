"""What changed between reports: a question on how something went from one report of a story
to a later one is answered, and beside the answer another report of the same story is quoted,
each cited, the newest first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.chain.changes import ChangeReader, _holds_most, asks_change, report_quoted, without_change_words
from bot.chain.conversation import Turn
from bot.chain.dates import DateReading
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.question import Concept
from bot.chain.retriever import HybridRetriever
from bot.chain.stories import StoryReader
from ingest.pipeline import ingest_articles
from ingest.store.index import Index
from ingest.types import Article

TODAY = "2026-11-18"
STORY_OF = {"banjir": "story/", "keracunan": "story2/", "limbah": "story3/"}


@pytest.mark.parametrize(
    "question",
    [
        "yg ngungsi awalnya berapa, sekarang tinggal berapa?",
        "dulu berapa sekarang berapa",
        "apa yang berubah soal jumlah pengungsi sejak 30 Oktober?",
        "korban hilang bertambah gak?",
        "What was the initial estimate, and what is the final one?",
        "has the loss estimate changed since the first report?",
        "Has the number of evacuees dropped?",
        "At first how many were missing, and how many now?",
        "kadar COD turun dari berapa ke berapa?",
        "jumlah korban naik dr brp?",
        "dlu brp skrg brp",  # short forms spelt out without asking the index
        # a placing word with "-nya", "tadi", the first days or reports (each had been read as
        # asking for no change, and answered from one report)
        "kerugian taksiran awalnya brp miliar trus angka terakhirnya brp?",
        "rumah yg rusak td nya brp unit, skrg udh jd brp",
        "pengungsi pas hari2 pertama brp, skrg tinggal brp",
        "laporan pertamanya brp, terakhirnya brp?",
        "How many were missing in the first report, and how many now?",
    ],
)
def test_questions_on_what_changed_are_told_apart(question: str) -> None:
    assert asks_change(question)


@pytest.mark.parametrize(
    "question",
    [
        "berapa pengungsi banjir lembah arum?",
        "pengungsi terbarunya berapa?",  # the latest alone: dates.py reads it
        "siapa yang pertama melaporkan banjir?",  # an ordinal asks for no change
        "siapa pasien pertama dan pasien terakhir yang pulang?",
        "How many buses are in the first corridor now?",
        "apa yang menjadi tuntutan awal pembudidaya?",
        "apa saja perkembangan terbaru kasus keracunan?",  # the latest news
        "How many people are in the shelters now?",
        "berapa pengungsi terakhirnya?",  # the latest alone, with "-nya"
        "koridor pertama trans seruni skrg brp km?",  # an ordinal and now: no earlier report
        "tadi kamu bilang apa?",
        # "tadi" opening a clause is the chat's "just now", no earlier report (a review's)
        "oke tadi udah, sekarang berapa korban keracunan?",
        "tadi kamu bilang 45, sekarang kok 50?",
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
    # a figure going from one value to another: what it counts is searched, not how it went (a
    # later report writes "menyusut", or its figure alone)
    assert without_change_words("yang ngungsi berkurang dari berapa jadi berapa ya") == "yang ngungsi berapa berapa ya"
    assert without_change_words("jumlah pengungsi naik dari 460 jadi 512?") == "jumlah pengungsi 460 512?"
    assert without_change_words("how many people went from 120 to 460") == "how many people 120 460"
    assert without_change_words("harga naik dari 5 ribu jadi 7 ribu") == "harga 5 ribu 7 ribu"  # a review's


def _cited_days(answer: Any) -> list[str]:
    return [c.chunk.published for c in answer.citations]


def _one_story(answer: Any, story: str) -> bool:
    return all(STORY_OF[story] in c.chunk.source for c in answer.citations)


@pytest.mark.parametrize("fixture", ["story", "stories"])
@pytest.mark.parametrize(
    ("question", "newer", "older"),
    [
        # a sum beside a sum: the first estimate of 30 October, not the first report's "belum
        # merilis taksiran kerugian" (no sum), nor a river spill's "kerugian pembudidaya"
        ("kerugian banjirnya dulu brp skrg brp", "Rp18 miliar", "Rp12 miliar"),
        # what is counted, beside what the answer counts: "210 hektare sawah", not "empat desa"
        ("sawah yg terendam awalnya brp hektare, skrg brp?", "340 hektare", "210 hektare"),
        ("rumah yg rusak dulu brp skrg brp", "132 rumah", "85 rumah"),
    ],
)
def test_a_question_on_what_changed_is_answered_from_two_reports_newest_first(
    request: pytest.FixtureRequest, fixture: str, question: str, newer: str, older: str
) -> None:
    stack = request.getfixturevalue(fixture)
    answer = stack.chain.invoke({"question": question, "today": TODAY})
    assert newer in answer.text and older in answer.text, answer.text
    days = _cited_days(answer)
    assert len(set(days)) >= 2 and days == sorted(days, reverse=True)  # each report cited, the newest first
    assert answer.text.index(newer) < answer.text.index(older)
    assert _one_story(answer, "banjir"), days  # no other story's report, whatever its headline shares


@pytest.mark.parametrize(
    ("question", "story"),
    [
        ("berapa pasien yg dirawat inap awalnya dan sekarang?", "keracunan"),  # "Hasil Lab Keluar ... Tersangka"
        ("biaya pengobatan korban keracunan awalnya berapa, akhirnya berapa?", "keracunan"),
        ("ikan yg mati awalnya brp ton, skrg brp?", "limbah"),
    ],
)
def test_the_other_report_is_of_the_answer_s_story(stories: Any, question: str, story: str) -> None:
    """Headlines of two stories may share words ("Hasil Lab Keluar, ...; Dua Tersangka Ditahan"
    heads a report of each): a report is of the answer's story when it holds what most marks the
    answer's article (a review's case: a river's report beside a poisoning's)."""
    answer = stories.chain.invoke({"question": question, "today": "2026-11-28"})
    assert len(answer.citations) >= 2 and _one_story(answer, story), [c.chunk.source for c in answer.citations]


def test_the_report_an_answer_quotes_is_its_first_dated_passage() -> None:
    """An answer whose best sentence came from an undated passage (another set's, in an eval's
    index) had been read as quoting no report, and no other report was quoted beside it."""
    from types import SimpleNamespace

    def sentence(source: str, published: str | None) -> Any:
        return SimpleNamespace(passage=SimpleNamespace(chunk=SimpleNamespace(source=source, published=published)))

    chosen = [sentence("undated", None), sentence("flood", "2026-11-17"), sentence("older", "2026-10-30")]
    found = report_quoted(chosen)
    assert found is not None and found.source == "flood"
    assert report_quoted(chosen[:1]) is None and report_quoted([]) is None


def test_another_report_need_not_repeat_every_word_the_question_names(stories: Any) -> None:
    """The flood's earlier reports write no "naik" that the question and the latest report hold:
    a report holding most of what the question names (by weight) answers it too
    (``NAMED_SHARE``); it had to hold every word, and the first estimate's 85 was not quoted."""
    answer = stories.chain.invoke({"question": "jumlah rumah rusak naik dr brp jd brp min", "today": "2026-11-28"})
    assert "132 rumah" in answer.text and "85 rumah" in answer.text, answer.text
    days = _cited_days(answer)
    assert len(set(days)) >= 2 and days == sorted(days, reverse=True)
    assert _one_story(answer, "banjir"), days


def test_a_report_holding_little_of_what_is_named_does_not_answer() -> None:
    named = [
        Concept("korban", ("korban",), 1.5),
        Concept("keracunan", ("racun",), 2.4),
        Concept("jadi", ("jadi",), 1.3),
    ]
    assert _holds_most(named, frozenset({"korban", "racun"}))
    assert not _holds_most(named, frozenset({"racun"}))  # 2.4 of 5.2
    assert _holds_most([], frozenset())


def test_a_refused_question_stays_refused(stories: Any) -> None:
    """The reading of one article is accepted more easily than that of all: a question the chain
    refuses is not answered from one report (a review's case)."""
    answer = stories.chain.invoke(
        {"question": "tersangka kasus keracunan dulu berapa sekarang berapa?", "today": "2026-11-28"}
    )
    assert answer.abstained


@pytest.mark.parametrize("today", ["2026-10-14", "2026-10-29", "2026-11-05"])
def test_no_report_after_the_day_asked_on_is_cited(stories: Any, today: str) -> None:
    for question in ("korban keracunan awalnya brp, skrg brp?", "yg ngungsi awalnya brp, skrg tinggal brp?"):
        answer = stories.chain.invoke({"question": question, "today": today})
        assert all(day <= today for day in _cited_days(answer)), (question, today, answer.text)


def test_the_earlier_report_is_none_before_the_day_the_question_names(story: Any) -> None:
    answer = story.chain.invoke(
        {"question": "yg ngungsi sejak 3 november awalnya brp, skrg tinggal brp?", "today": TODAY}
    )
    assert all("2026-11-03" <= day <= TODAY for day in _cited_days(answer)), answer.text


def test_a_citation_named_by_number_is_read_alone(stories: Any) -> None:
    """A question on what changed that names one of the earlier answer's citations is asked of
    that article alone: no other report joins it (a review's case)."""
    first = "rumah yg rusak dulu brp skrg brp"
    earlier = stories.chain.invoke({"question": first, "today": TODAY})
    assert len(earlier.citations) >= 3
    third = earlier.citations[2].chunk.source
    turn = Turn(first, earlier.text, earlier.context)  # as chat and Discord keep a turn
    question = "berita nomor 3 rumah rusaknya awalnya brp, skrg brp?"
    answer = stories.chain.invoke({"question": question, "history": [turn], "today": TODAY})
    assert answer.citations and all(c.chunk.source == third for c in answer.citations), answer.text


def test_a_question_asking_for_no_change_is_answered_as_before(stories: Any) -> None:
    question = "berapa pengungsi banjir lembah arum?"
    answer = stories.chain.invoke({"question": question, "today": TODAY})
    alone = ExtractiveAnswerer().answer_retrieval(stories.retriever.search(question))
    assert answer.text == alone.text


def _reader(index: Index, retriever: HybridRetriever) -> ChangeReader:
    return ChangeReader(
        index.articles, retriever.search_within, ExtractiveAnswerer(), index.document_frequencies, StoryReader(index)
    )


def test_a_question_asking_why_something_changed_is_answered_as_before(stories: Any) -> None:
    """ "kenapa air sungai keruing berubah hitam?" asks why, not what changed (a review's case:
    another report's sentence had come first)."""
    retriever = stories.retriever
    question = "kenapa air sungai keruing berubah hitam?"
    retrieval = retriever.search(question)
    assert retrieval.query.kind == "reason"
    reader = _reader(retriever.index, retriever)
    assert reader.read(retrieval, lambda: retrieval, DateReading(), None, date(2026, 11, 28)) is None


def test_a_story_of_one_report_has_no_change_to_tell(small_index: Index) -> None:
    """With one dated article, or none other of the story dated, a question on what changed is
    answered as any other (``ChangeReader.read`` gives nothing)."""
    text = "Banjir merendam Desa Suka. Sebanyak 120 warga mengungsi ke balai desa. Kini 45 orang masih di posko."
    ingest_articles(small_index, [Article("a", text, "Banjir Desa Suka", published="2026-11-01")])
    retriever = HybridRetriever(index=small_index)
    reader = _reader(small_index, retriever)
    question = "yg ngungsi awalnya brp, skrg tinggal brp?"
    retrieval = retriever.search(question)
    retrieval.models = retrieval.models.replace(min_probability=0.0)  # type: ignore[union-attr]
    assert ExtractiveAnswerer().chosen(retrieval)  # answered: the reading has no other report
    assert reader.read(retrieval, lambda: retrieval, DateReading(), None, date(2026, 11, 18)) is None
    # an undated second report of the story is no earlier or later one either
    ingest_articles(
        small_index, [Article("b", "Banjir Desa Suka surut. Tinggal 10 orang di posko.", "Banjir Desa Suka")]
    )
    again = retriever.search(question)
    again.models = retrieval.models
    assert reader.read(again, lambda: again, DateReading(), None, date(2026, 11, 18)) is None


def _flood_reports(count: int) -> list[Article]:
    """``count`` daily reports of one flood from 1 October 2026, the evacuees counted in each."""
    from datetime import timedelta

    first = date(2026, 10, 1)
    return [
        Article(
            f"r{n}",
            f"Banjir Desa Suka. Sebanyak {100 + n} warga mengungsi ke balai desa pada hari ke-{n}.",
            "Banjir Desa Suka",
            published=(first + timedelta(days=n)).isoformat(),
        )
        for n in range(count)
    ]


def test_a_story_of_many_reports_costs_at_most_max_reports_searches(small_index: Index) -> None:
    """A story of many dated reports (or a common headline word joining many articles) is read in
    its ``MAX_REPORTS`` reports furthest in time from the answer, each searched once, beside the
    answer's own article: the reading's cost has a bound."""

    from bot.chain.changes import MAX_REPORTS

    reports = _flood_reports(MAX_REPORTS + 6)
    ingest_articles(small_index, reports)
    retriever = HybridRetriever(index=small_index)
    searched: list[str | None] = []

    def search_within(retrieval: Any, within: Any) -> Any:
        searched.append(within.article)
        return retriever.search_within(retrieval, within)

    index = small_index
    stories = StoryReader(index)
    reader = ChangeReader(index.articles, search_within, ExtractiveAnswerer(), index.document_frequencies, stories)
    retrieval = retriever.search("yg ngungsi awalnya brp, skrg tinggal brp?")
    retrieval.models = retrieval.models.replace(min_probability=0.0)  # type: ignore[union-attr]
    anchor = ExtractiveAnswerer().chosen(retrieval)[0].passage.chunk.source
    reader.read(retrieval, lambda: retrieval, DateReading(), None, date(2026, 11, 18))
    assert searched[0] == anchor and len(searched) == MAX_REPORTS + 1
    assert len(set(searched)) == len(searched)  # each report once


def test_a_question_on_what_changed_reads_at_most_max_examined_articles(small_index: Index) -> None:
    """Which dated articles report the answer's story is read from the articles themselves
    (``StoryReader``): in an index of many, at most ``MAX_EXAMINED`` are read, those whose
    headline shares a word with the answer's article's first."""
    from datetime import timedelta

    from bot.chain.changes import MAX_EXAMINED

    first = date(2026, 10, 1)
    others = [
        Article(
            f"o{n}",
            f"Pasar Kota {n} buka kembali. Sebanyak {n} pedagang kembali berjualan pada hari ke-{n}.",
            f"Pasar Kota {n} Buka Kembali",
            published=(first + timedelta(days=n % 40)).isoformat(),
        )
        for n in range(3 * MAX_EXAMINED)
    ]
    reports = _flood_reports(3)
    ingest_articles(small_index, others + reports)
    retriever = HybridRetriever(index=small_index)
    stories = StoryReader(small_index)
    read: list[str] = []
    reading = stories.chunks_of

    def counted(source: str) -> Any:
        read.append(source)
        return reading(source)

    stories.chunks_of = counted  # type: ignore[method-assign]
    index = small_index
    reader = ChangeReader(
        index.articles, retriever.search_within, ExtractiveAnswerer(), index.document_frequencies, stories
    )
    retrieval = retriever.search("yg ngungsi di Desa Suka awalnya brp, skrg tinggal brp?")
    retrieval.models = retrieval.models.replace(min_probability=0.0)  # type: ignore[union-attr]
    answer = reader.read(retrieval, lambda: retrieval, DateReading(), None, date(2026, 11, 18))
    assert read and len(set(read)) <= MAX_EXAMINED + 1  # the answer's article, and those examined
    assert answer is not None and {c.passage.chunk.source for c in answer.chosen} <= {r.source for r in reports}
