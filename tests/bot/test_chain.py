from __future__ import annotations

import pytest

from bot.chain.answer import Answer
from bot.chain.build import build_answer_chain, normalize_question
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.retriever import HybridRetriever, RetrievalConfig
from ingest.errors import BadInput
from ingest.pipeline import ingest_articles
from ingest.store.index import Index
from ingest.types import Article


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Siapa\tdia?\n", "Siapa dia?"),
        ("Apa\x00 itu\u200b PHK?", "Apa itu PHK?"),
        ("Satu\n\nDua?", "Satu\nDua?"),
        # a terminal's escape sequences go whole: arrow keys where no line editing reads them,
        # a title set, a colour (their "[A" had been searched)
        ("\x1b[A\x1b[Aberapa karyawan\x1b[1;5D?", "berapa karyawan ?"),
        ("\x1b]0;judul\x07tiktok \x1b[31mphk\x1b[0m", "tiktok phk"),
        ("\x1bOA\x1b[2~phk", "phk"),
        # an escape before a letter, or an OSC never ended, loses only the escape character
        ("Ada \x1bBanjir?", "Ada Banjir?"),
        ("Harga \x1b]naik tajam?", "Harga ]naik tajam?"),
    ],
)
def test_normalize_question(raw: str, clean: str) -> None:
    assert normalize_question(raw, 100) == clean


def test_normalize_question_replaces_undecodable_bytes_and_lone_surrogates() -> None:
    # "\udcff" is how Python passes the byte 0xff of a non-UTF-8 argv; "\ud800" a JSON escape.
    assert normalize_question("karyawan \udcff TikTok\ud800?", 100) == "karyawan \ufffd TikTok\ufffd?"
    with pytest.raises(BadInput, match="no words"):
        normalize_question("\ud800\udcff", 100)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        (" \n\t", "empty"),
        ("🙂🙂", "no words"),
        ("a" * 101, "too long"),
        # nothing but mentions: "@everyone" is no question (it was answered from any article saying "everyone")
        ("@everyone", "only mentions"),
        ("<@&123456789012345678> <#456789012345678901> @here", "only mentions"),
        # a link alone (a hostile tester's: it had been answered with a passage on TikTok)
        ("https://example.com/news/1", "only mentions or links"),
        ("<https://example.com/berita?id=1>", "only mentions or links"),
    ],
)
def test_normalize_question_refuses(raw: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        normalize_question(raw, 100)


def test_chain_is_a_runnable_with_timings(small_index: Index) -> None:
    ingest_articles(small_index, [Article("a", "Gunung Merapi meletus pada tahun 2010.", "Merapi")])
    chain = build_answer_chain(
        HybridRetriever(index=small_index, config=RetrievalConfig(dense=False)),
        ExtractiveAnswerer(),
        max_question_chars=200,
    )
    answer = chain.invoke("Kapan Gunung Merapi meletus?")
    assert isinstance(answer, Answer) and "2010" in answer.text
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"] >= 0
    batch = chain.batch(["Kapan Gunung Merapi meletus?", "Siapa presiden Prancis?"])
    assert [a.abstained for a in batch] == [False, True]


def test_mixed_language_and_emoji_questions_get_an_answer_or_abstention(small_index: Index) -> None:
    ingest_articles(small_index, [Article("a", "Gunung Merapi meletus pada tahun 2010.", "Merapi")])
    chain = build_answer_chain(HybridRetriever(index=small_index), ExtractiveAnswerer(), 2000)
    for question in ["When did Gunung Merapi meletus? 🌋", "🌋 Merapi?", "Merapi " * 200]:
        answer = chain.invoke(question)
        assert isinstance(answer.text, str) and answer.text


def test_one_article_added_under_two_names_is_listed_once(small_index: Index) -> None:
    # a file and its copy had filled three of the five passages listed with one passage (a hostile tester's)
    text = "Gunung Merapi meletus pada tahun 2010.\n\nAbu vulkanik menutup Yogyakarta selama tiga hari."
    ingest_articles(
        small_index,
        [
            Article("a.txt", text, "Merapi"),
            Article("salinan-a.txt", text, "Merapi"),
            Article("b", "Bromo ramai.", "Bromo"),
        ],
    )
    retrieval = HybridRetriever(index=small_index, config=RetrievalConfig(dense=False)).search("Kapan Merapi meletus?")
    texts = [c.chunk.text for c in retrieval.candidates]
    assert len(texts) == len(set(texts)) and any("2010" in t for t in texts)


def test_a_retrieval_pickles_as_the_fit_caches_it(small_index: Index) -> None:
    # bench/fit_models.py caches the training questions' retrievals with pickle; the story test a
    # retrieval carries (a closure over the index) had made it fail
    import pickle

    ingest_articles(small_index, [Article("a", "Gunung Merapi meletus pada tahun 2010.", "Merapi")])
    retrieval = HybridRetriever(index=small_index, config=RetrievalConfig(dense=False)).search("Kapan Merapi meletus?")
    assert retrieval.together is not None
    again = pickle.loads(pickle.dumps(retrieval))
    assert again.together is None and again.query == retrieval.query and len(again.candidates) == 1


def test_two_reports_of_different_dates_repeating_a_paragraph_are_both_listed(small_index: Index) -> None:
    # which is the later one matters ("the latest", what changed): only one text of one date is one passage
    text = "Gunung Merapi meletus pada tahun 2010.\n\nAbu vulkanik menutup Yogyakarta selama tiga hari."
    ingest_articles(
        small_index,
        [
            Article("awal", text, "Merapi Meletus", published="2026-11-01"),
            Article("lanjutan", text, "Merapi Meletus", published="2026-11-03"),
        ],
    )
    retrieval = HybridRetriever(index=small_index, config=RetrievalConfig(dense=False)).search("Kapan Merapi meletus?")
    assert {c.chunk.published for c in retrieval.candidates} == {"2026-11-01", "2026-11-03"}
