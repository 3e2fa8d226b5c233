"""Questions about the news itself ("ini beritanya soal apa?", "rangkum dong"): answered with the
lead of the article asked about, or of the newest one (bot/chain/gist.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.chain.answer import ABSTAIN_TEXT, Citation
from bot.chain.conversation import Conversation, Turn
from bot.chain.dates import read_dates
from bot.chain.features import PassageCandidate
from bot.chain.gist import (
    MAX_HEADLINE_CHARS,
    MAX_LEAD_CHARS,
    asks_bare_news,
    asks_gist,
    asks_news,
    news_list,
    publication_dates,
    topic,
    topic_article,
)
from bot.components import make_stack
from bot.settings import Settings
from ingest.pipeline import ingest_articles
from ingest.settings import IndexSettings
from ingest.store.index import Index, make_index
from ingest.types import Article, Chunk
from tests.conftest import BUNDLED_ARTICLE, TEST_DATA, ScriptedChatModel

FLOOD_OLD = (
    "Banjir merendam empat desa di Lembah Arum pada Selasa dini hari. "
    "Sebanyak 120 warga mengungsi ke balai desa. "
    "Dua warga masih dicari tim SAR."
)
FLOOD_NEW = (
    "Masa tanggap darurat banjir Lembah Arum resmi berakhir dengan kerugian Rp18 miliar. "
    "Sebanyak 45 pengungsi masih bertahan di posko."
)
BUS = (
    "Bus listrik Trans Seruni mulai beroperasi di Tanjung Seruni pada Senin. "
    "Warga bisa naik gratis hingga 15 November.\n\n"
    + " ".join(f"Halte nomor {n} berada di dekat pasar dan sekolah di kecamatan itu." for n in range(1, 30))
    + "\n\nPramudi bus dilatih selama tiga bulan di pusat pelatihan Dinas Perhubungan."
)

MARKET_TITLE = "Pasar Rakyat Dibuka Kembali Usai Direvitalisasi, Pedagang Keluhkan Sepi"
MARKET = (
    f"{MARKET_TITLE}\n\nKUALA BENING - Pasar Rakyat Kuala Bening kembali dibuka untuk umum pada Senin setelah "
    "direvitalisasi dengan anggaran Rp41 miliar dari dana daerah selama setahun penuh. "
    "Peresmian dilakukan oleh bupati bersama kepala dinas perdagangan."
)


@pytest.mark.parametrize(
    "question",
    [
        "ini beritanya soal apa sih?",
        "what's this article about?",
        "rangkum dong beritanya",
        "intinya apa?",
        "summarize the article",
        "ada berita apa hari ini?",
        "berita banjir lembah arum intinya apa?",
        "kasih ringkasan berita soal trans seruni dong",
        "any news on the flood?",
        "WHAT IS THE NEWS?",
        # the news of something, asking nothing of it ("berita" had been searched, and found the
        # stock line "hingga berita ini diturunkan")
        "berita banjir kemarin",
        "kabar soal PHK tiktok",
        "news on the flood",
        # "when" after a word that asks is no question for a date (gist2_dev's; docs/quality.md,
        # fifty-fourth session): what happened then, in short
        "what happened when they declared the emergency status for the Lembah Arum flood? gist pls",
    ],
)
def test_questions_about_the_news_itself(question: str) -> None:
    assert asks_gist(question)


@pytest.mark.parametrize(
    "question",
    [
        "Psikologi itu mempelajari tentang apa?",  # what a subject is about: a fact
        "berita apa yang disebarkan pelaku?",  # "berita" as a thing in the story
        "intinya gastronomi praktis tuh spesialisasinya apa",
        "What kind of seaweed is this about?",
        "what does the article say about microsoft?",  # what it says of Microsoft
        "Siapakah yang membantu merangkum laporan tentang keris?",  # who: a fact
        "what news did the radio put out",
        "Sumber berita itu siapa?",
        "Berapa karyawan TikTok yang terkena PHK?",
        "berita banjir kemarin korbannya berapa?",
        "berita nomor 2 soal apa",  # a citation pointed at
        "berita itu benar?",
        # opening with the news of something, then asking a fact of it (found by a review)
        "kabar pengungsi banjir lembah arum di posko mana?",
        "Berita hoaks soal vaksin itu benar?",
        "berita bohong itu dari mana?",
        "berita resmi dari BPBD menyebut apa soal pengungsi",
        "news on the flood: were any schools closed?",
    ],
)
def test_questions_for_a_fact_are_not_about_the_news(question: str) -> None:
    assert not asks_gist(question)


def test_the_topic_is_what_is_left_of_a_question_about_the_news() -> None:
    assert topic("berita banjir lembah arum intinya apa?") == "banjir lembah arum"
    assert topic("<@123456789012345678> ada berita apa soal pasar rakyat?") == "pasar rakyat"
    assert topic("kasih ringkasan berita soal trans seruni dong") == "trans seruni"
    assert topic("what's this article about?") == ""
    assert topic("rangkum dong beritanya kak") == ""
    # a time of day is when, not what: "pagi" had been a topic once it stopped being a chat word
    assert topic("ada berita apa pagi ini?") == topic("berita malam ini apa aja?") == ""
    assert topic("berita banjir pagi ini") == "banjir"


@pytest.fixture(scope="module")
def news_index(tmp_path_factory: pytest.TempPathFactory, default_embeddings: Any) -> Index:
    settings = IndexSettings(data_dir=tmp_path_factory.mktemp("gist"))
    index = make_index(settings, embeddings=default_embeddings)
    ingest_articles(
        index,
        [
            Article("flood-old", FLOOD_OLD, "Banjir Rendam Empat Desa", published="2026-10-28"),
            Article("flood-new", FLOOD_NEW, "Tanggap Darurat Banjir Berakhir", published="2026-11-17"),
            Article("bus", BUS, "Trans Seruni Beroperasi", published="2026-11-02"),
            Article("market", MARKET, MARKET_TITLE, published="2026-11-01"),
        ],
    )
    return index


def _chain(index: Index, **kw: Any) -> Any:
    return make_stack(Settings(), index=index, **kw).chain


def test_a_question_about_the_news_quotes_the_lead_of_the_newest_article(news_index: Index) -> None:
    answer = _chain(news_index).invoke("ini beritanya soal apa sih?")
    assert not answer.abstained and answer.citations[0].chunk.source == "flood-new"
    assert answer.text.startswith("Masa tanggap darurat banjir Lembah Arum") and answer.text.endswith("[1]")
    quote = answer.citations[0].quote
    assert quote in answer.citations[0].chunk.text and len(quote) <= MAX_LEAD_CHARS


def test_a_question_about_the_news_on_a_topic_quotes_that_articles_lead(news_index: Index) -> None:
    answer = _chain(news_index).invoke("kasih ringkasan berita soal bus listrik dong")
    assert not answer.abstained and answer.citations[0].chunk.source == "bus"
    assert "Trans Seruni mulai beroperasi" in answer.text


def test_news_on_a_detail_of_an_article_is_answered_by_the_sentences_that_give_it(news_index: Index) -> None:
    chain = _chain(news_index)
    detail = chain.invoke("ada kabar apa soal pelatihan pramudi?")
    assert detail.citations and "dilatih selama tiga bulan" in detail.text
    assert detail.citations[0].chunk.index > 0  # not the lead: the passage that says so
    # the gist of a detail is that detail; a summary of the news on it is the article's lead
    assert "dilatih selama tiga bulan" in chain.invoke("apa garis besar pelatihan pramudi?").text
    summary = chain.invoke("rangkum berita soal pelatihan pramudi")
    assert summary.text.startswith("Bus listrik Trans Seruni mulai beroperasi")


def test_a_question_about_news_on_something_never_indexed_is_refused(news_index: Index) -> None:
    answer = _chain(news_index).invoke("ada berita apa soal gempa bumi?")
    assert answer.abstained and answer.text == ABSTAIN_TEXT["id"] and not answer.citations


def test_the_dates_a_question_about_the_news_names_choose_among_the_articles(news_index: Index) -> None:
    chain = _chain(news_index)
    answer = chain.invoke({"question": "ada berita apa sejak 1 November?", "today": "2026-11-20"})
    assert answer.citations[0].chunk.source == "flood-new"
    # asked on 10 November, the article of the 17th is not news yet: the latest by then is
    answer = chain.invoke({"question": "ada berita apa sejak 1 November?", "today": "2026-11-10"})
    assert answer.citations[0].chunk.source == "bus"
    answer = chain.invoke({"question": "rangkum berita dong", "until": "2026-10-31"})
    assert answer.citations[0].chunk.source == "flood-old"
    refused = chain.invoke({"question": "ada berita apa hari ini?", "today": "2026-12-25"})
    assert refused.abstained


def test_in_llm_mode_a_question_about_the_news_is_answered_by_the_lead_not_the_model(news_index: Index) -> None:
    model = ScriptedChatModel(reply="Banjir besar melanda Jakarta [1].")
    answer = _chain(news_index, chat_model=model).invoke("what's this article about?")
    assert answer.mode == "extractive" and not model.prompts
    assert answer.citations[0].chunk.source == "flood-new"


def test_the_headline_standing_alone_at_the_top_of_the_lead_is_not_quoted(news_index: Index) -> None:
    answer = _chain(news_index).invoke("rangkum dong berita soal pasar rakyat kuala bening")
    assert answer.citations[0].chunk.source == "market" and answer.citations[0].chunk.title == MARKET_TITLE
    assert answer.text.startswith("KUALA BENING - Pasar Rakyat Kuala Bening kembali dibuka")


def test_a_follow_up_of_a_question_about_the_news_asks_about_that_article(news_index: Index) -> None:
    chain = _chain(news_index)
    first = chain.invoke("ini beritanya soal apa sih?")  # the newest: the flood's end
    follow_up = {"question": "berapa pengungsi yg masih bertahan?"}
    as_chatted = chain.invoke({**follow_up, "history": [Turn(first.question, first.text, first.context)]})
    assert "45 pengungsi" in as_chatted.text and as_chatted.citations[0].chunk.source == "flood-new"
    # given as text, the earlier question is replayed as the chain answered it
    as_given = chain.invoke({**follow_up, "history": ["ini beritanya soal apa sih?"]})
    assert as_given.text == as_chatted.text


@pytest.mark.parametrize(
    "question",
    [
        "halo semua, ini beritanya soal apa?",
        "Td liat di twitter. rangkum dong",
        "INI BERITANYAAA SOAL APAAA?",
        "mau nanya dong, ini beritanya soal apa? makasih ya",
        "berita kemarin soal apa?",
    ],
)
def test_a_question_about_the_news_typed_as_a_chat_message_is_read_as_one(news_index: Index, question: str) -> None:
    answer = _chain(news_index).invoke({"question": question, "today": "2026-11-18"})
    assert not answer.abstained and answer.citations[0].chunk.source == "flood-new", answer.text


def test_a_remark_that_mentions_a_summary_does_not_make_the_question_one(news_index: Index) -> None:
    answer = _chain(news_index).invoke("Aku udah rangkum sendiri sih. Berapa pengungsi yang masih bertahan di posko?")
    assert "45 pengungsi" in answer.text  # the fact asked, not the lead of the newest article alone


def test_in_a_conversation_a_question_about_the_news_means_the_article_discussed(news_index: Index) -> None:
    history = ["Sampai kapan warga bisa naik gratis?"]
    answer = _chain(news_index).invoke({"question": "intinya apa?", "history": history})
    assert answer.citations[0].chunk.source == "bus" and answer.text.startswith("Bus listrik Trans Seruni")
    # news of a day, or the latest, asked in the conversation is that news, not the article discussed
    latest = _chain(news_index).invoke({"question": "berita terbaru apa?", "history": history, "today": "2026-12-02"})
    assert latest.citations[0].chunk.source == "flood-new"
    assert not asks_gist("terus gimana?") and not asks_gist("jadi apa?")  # follow-ups, not questions about the news


def test_the_latest_news_on_a_topic_is_about_that_topic(news_index: Index) -> None:
    answer = _chain(news_index).invoke({"question": "kabar terbaru soal bus listrik?", "today": "2026-11-20"})
    assert answer.citations[0].chunk.source == "bus"


def test_news_on_a_place_no_article_names_is_refused(news_index: Index) -> None:
    answer = _chain(news_index).invoke("ada berita soal banjir di jakarta?")
    assert answer.abstained


def test_a_refusal_under_filters_that_leave_nothing_says_so(news_index: Index) -> None:
    answer = _chain(news_index).invoke({"question": "ini beritanya soal apa?", "source": "no-such-outlet"})
    assert answer.abstained and answer.note
    assert answer.note.startswith("Tidak ada artikel terindeks yang cocok dengan filter")


def test_a_long_run_of_punctuation_is_no_question_about_the_news() -> None:
    assert not asks_gist("?" * 1999 + "x")  # a pattern that backtracked took seconds on this


def test_a_day_named_in_a_question_about_the_news_is_when_it_was_published(news_index: Index) -> None:
    chain = _chain(news_index)
    for question, source in (
        ("ada berita apa tanggal 2 November 2026?", "bus"),
        ("ada berita apa pada 1 November?", "market"),
    ):
        answer = chain.invoke({"question": question, "today": "2026-12-02"})
        assert answer.citations[0].chunk.source == source, question


def test_an_english_question_about_news_on_a_topic_finds_the_indonesian_article(news_index: Index) -> None:
    answer = _chain(news_index).invoke({"question": "any news about the bus?", "today": "2026-12-02"})
    assert not answer.abstained and answer.citations[0].chunk.source == "bus"


def test_asking_what_news_there_is_lists_the_newest_articles(news_index: Index) -> None:
    answer = _chain(news_index).invoke({"question": "ada berita apa aja kak?", "today": "2026-12-02"})
    assert not answer.abstained and answer.text.startswith("Berita terbaru: «Tanggap Darurat Banjir Berakhir» [1]; ")
    # newest first, each article by its headline and its lead cited
    assert [c.chunk.source for c in answer.citations] == ["flood-new", "bus", "market"]
    assert [c.n for c in answer.citations] == [1, 2, 3] and all(f"[{c.n}]" in answer.text for c in answer.citations)
    assert all(c.chunk.index == 0 and c.quote in c.chunk.text for c in answer.citations)
    assert answer.citations[1].quote.startswith("Bus listrik Trans Seruni mulai beroperasi")
    english = _chain(news_index).invoke({"question": "what's the news?", "today": "2026-12-02"})
    assert english.text.startswith("The latest news: «Tanggap Darurat Banjir Berakhir» [1]")
    # however it is typed, in a conversation too (not the article discussed), a day it names aside
    for question, history in (
        ("ａｄａ ｂｅｒｉｔａ ａｐａ ａｊａ？", []),
        ("ada berita apa aja?", ["Sampai kapan warga bisa naik gratis?"]),
        ("berita sejak 1 November apa aja?", []),
        ("berita apa aja yang terbit setelah 31 Oktober?", []),
    ):
        listed = _chain(news_index).invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert [c.chunk.source for c in listed.citations] == ["flood-new", "bus", "market"], question
    ranged = _chain(news_index).invoke({"question": "ada berita apa dari 1 sampai 10 November?", "today": "2026-12-02"})
    assert [c.chunk.source for c in ranged.citations] == ["bus", "market"]
    # the list says which days' news it is (a hostile tester's: it had said "the latest")
    assert ranged.text.startswith("Berita 1 November 2026 sampai 10 November 2026: «")
    # within the dates it names; one article: its lead, as for one asked about
    dated = _chain(news_index).invoke({"question": "ada berita apa sebelum 1 November?", "today": "2026-12-02"})
    assert [c.chunk.source for c in dated.citations] == ["flood-old"] and dated.text.startswith("Banjir merendam")
    # in the fewest words, its dates where they stand: news named and nothing else asked
    for question, today, sources in (
        ("berita apa?", "2026-12-02", ["flood-new", "bus", "market"]),
        ("apa berita?", "2026-12-02", ["flood-new", "bus", "market"]),
        ("latest news?", "2026-12-02", ["flood-new", "bus", "market"]),
        ("berita kemarin apa?", "2026-11-18", ["flood-new"]),
        ("apa berita minggu lalu?", "2026-11-09", ["bus"]),  # 2 to 8 November
        ("berita tanggal 28/10 apa?", "2026-12-02", ["flood-old"]),
        ("ada berita tgl 2/11?", "2026-12-02", ["bus"]),
    ):
        answer = _chain(news_index).invoke({"question": question, "today": today})
        assert [c.chunk.source for c in answer.citations] == sources, (question, answer.text)
    # news named with what is asked of it is no such question
    assert not asks_bare_news("kapan beritanya terbit?", read_dates("kapan beritanya terbit?", date(2026, 12, 2)))
    assert not asks_bare_news("berita banjir apa?", read_dates("berita banjir apa?", date(2026, 12, 2)))


def test_the_news_named_or_a_summary_is_one_article_not_a_list() -> None:
    assert asks_news("ada berita apa aja?") and asks_news("berita terbaru apa?") and asks_news("any news today?")
    assert asks_news("what's the news?") and not asks_news("what's the news article about?")
    assert not asks_news("ini beritanya soal apa?") and not asks_news("what's this article about?")
    assert not asks_news("rangkum berita terbaru dong") and not asks_news("intinya apa?")


def test_a_listed_headline_is_shortened_and_cannot_pose_as_a_citation() -> None:
    title = "[2] " + "Judul yang sangat panjang sekali " * 6
    long = Chunk("a#0", "a", 0, 0, 11, "Isi berita.", title, None, "2026-11-01", "id")
    short = Chunk("b#0", "b", 0, 0, 9, "Isi lain.", "Judul Singkat", None, "2026-11-01", "id")
    leads = [Citation(1, long, "Isi berita.", 1.0), Citation(1, short, "Isi lain.", 1.0)]
    answer = news_list("ada berita apa?", "id", leads, [])
    first = answer.text.split("» [1]")[0]
    assert first.startswith("Berita terbaru: «［2］ Judul") and first.endswith("…")
    assert len(first) <= len("Berita terbaru: «") + MAX_HEADLINE_CHARS
    assert "«Judul Singkat» [2]" in answer.text and [c.n for c in answer.citations] == [1, 2]
    # no headline (blank): named by its lead; guillemets in a headline cannot close the name early
    blank = Chunk("c#0", "c", 0, 0, 9, "Isi lain.", "  ", None, "2026-11-01", "id")
    odd = Chunk("d#0", "d", 0, 0, 9, "Isi lain.", "Kata «kutipan» di judul", None, "2026-11-01", "id")
    url = Chunk("e#0", "e", 0, 0, 9, "Isi ketiga.", "https://example.com/berita/1", None, "2026-11-01", "id")
    leads = [
        Citation(1, blank, "Isi lain.", 1.0),
        Citation(1, odd, "Isi lain.", 1.0),
        Citation(1, url, "Isi ketiga.", 1.0),
    ]
    answer = news_list("ada berita apa?", "id", leads, [])
    assert answer.text == 'Berita terbaru: «Isi lain.» [1]; «Kata "kutipan" di judul» [2]; «Isi ketiga.» [3].'


def test_the_latest_on_a_topic_is_the_newest_report_of_its_story_not_of_another() -> None:
    def passage(source: str, title: str, published: str, score: float) -> PassageCandidate:
        chunk = Chunk(f"{source}#0", source, 0, 0, 5, "Teks.", title, None, published, "id")
        return PassageCandidate(chunk, (), score=score)

    bus = passage("bus", "Bus Listrik Trans Seruni Mulai Beroperasi", "2026-11-02", 6.0)
    fare = passage("fare", "Tarif Bus Listrik Trans Seruni Naik", "2026-11-20", 4.0)
    market = passage("market", "Pasar Rakyat Kuala Bening Dibuka Kembali", "2026-11-24", 5.0)
    found = topic_article([bus, market, fare], latest=True)
    assert found is not None and found.chunk.source == "fare"
    found = topic_article([bus, market], latest=True)
    assert found is not None and found.chunk.source == "bus"


@pytest.fixture(scope="module")
def eight_articles(tmp_path_factory: pytest.TempPathFactory, default_embeddings: Any) -> Index:
    """The bundled article, the two unseen ones and the five of the flood's story."""
    from ingest.loaders import load_inputs

    index = make_index(IndexSettings(data_dir=tmp_path_factory.mktemp("eight")), embeddings=default_embeddings)
    folders = [str(TEST_DATA / name) for name in ("story", "unseen", "unseen2")] + [str(BUNDLED_ARTICLE)]
    ingest_articles(index, [a for a in load_inputs(folders) if isinstance(a, Article)])
    return index


def test_a_question_of_its_own_after_a_listed_article_is_not_kept_to_that_article(eight_articles: Index) -> None:
    """A hostile tester's: after "ada berita apa aja?" and "yang kedua?", "berapa warga yang
    mengungsi?" was answered from the second article's lead, which says nothing of evacuees: the
    headline the answer was read from names so much that any question said "too little" to leave
    it. A question with a subject of its own that the follow-up reading's best sentence holds none
    of, while its own reading's holds half, is read on its own there too; a question of few words
    still asks the article named."""
    chain = _chain(eight_articles)
    history = ["ada berita apa aja?", "yang kedua?"]
    second = chain.invoke({"question": "yang kedua?", "history": history[:1], "today": "2026-12-05"})
    named = second.citations[0].chunk.source
    own = chain.invoke({"question": "berapa warga yang mengungsi?", "history": history, "today": "2026-12-05"})
    assert "512 pengungsi" in own.text or "460" in own.text, own.text
    kept = chain.invoke({"question": "kenapa?", "history": history, "today": "2026-12-05"})
    assert all(c.chunk.source == named for c in kept.citations), kept.text


def test_a_follow_up_may_name_a_listed_article_by_its_number(news_index: Index) -> None:
    chain = _chain(news_index)
    history = [{"question": "ada berita apa aja?"}]
    listed = chain.invoke({"question": "ada berita apa aja?", "today": "2026-12-02"})
    assert [c.chunk.source for c in listed.citations] == ["flood-new", "bus", "market"]
    assert listed.context is not None and listed.context.cited == ("flood-new", "bus", "market")
    for question, source, start in (
        ("yang kedua soal apa?", "bus", "Bus listrik Trans Seruni mulai beroperasi"),
        ("what about the second one?", "bus", "Bus listrik Trans Seruni mulai beroperasi"),
        ("[3] gimana?", "market", "KUALA BENING - Pasar Rakyat"),
        ("berita nomor 2 pramudinya dilatih berapa lama?", "bus", "Pramudi bus dilatih selama tiga bulan"),
    ):
        answer = chain.invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert [c.chunk.source for c in answer.citations] == [source], question
        assert start in answer.text and answer.question == question, answer.text
    # earlier turns given as text are replayed with their references: "intinya apa?" is then about
    # the article the second turn named, not the newest of the list
    replayed = chain.invoke(
        {"question": "intinya apa?", "history": ["ada berita apa aja?", "yang kedua soal apa?"], "today": "2026-12-02"}
    )
    assert [c.chunk.source for c in replayed.citations] == ["bus"], replayed.text
    # after an answer to one of them, the list's numbers still count, in a conversation as in text
    second = chain.invoke({"question": "yang kedua soal apa?", "history": history, "today": "2026-12-02"})
    assert second.context is not None and second.context.cited == ("flood-new", "bus", "market")
    for turns in (["ada berita apa aja?", "yang kedua soal apa?"], [*history, {"question": "yang kedua soal apa?"}]):
        third = chain.invoke({"question": "nomor 3 dong", "history": turns, "today": "2026-12-02"})
        assert [c.chunk.source for c in third.citations] == ["market"], third.text
    # a number that is part of what is asked ("Halte nomor 3", "UU nomor 1") is no reference
    halte = chain.invoke({"question": "Halte nomor 3 ada di dekat apa?", "history": history, "today": "2026-12-02"})
    assert halte.citations and halte.citations[0].chunk.source == "bus", halte.text
    # "yang pertama" asking more than the gist is how a question says "the first to ...": as asked
    first = chain.invoke({"question": "yg pertama dilatih siapa?", "history": history, "today": "2026-12-02"})
    assert first.citations and all(c.chunk.source == "bus" for c in first.citations), first.text
    # a number the list does not have is refused, the note saying how many there are (it was
    # read as a question and sometimes answered from any article)
    for question in ("yang kelima soal apa?", "nomor 0 dong", "[99999999999999999999] gimana?", "yang kesepuluh?"):
        beyond = chain.invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert beyond.abstained and beyond.question == question and not beyond.citations
        assert beyond.note == "Hanya [1] sampai [3] yang bisa disebut: kutipan itu tidak ada.", (question, beyond.note)
    # numbers that name something else are read as asked: "no 18", a year after "#"
    from bot.chain.context import citation_number

    for question in ("no 18 itu apa?", "#2024?", "yang kedua belas?"):
        assert citation_number(question, listed.context) is None
        asked = chain.invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert asked.note is None, question


def test_what_refers_to_a_citation_by_its_number() -> None:
    from types import SimpleNamespace

    from bot.chain.context import Context, referred_source

    query: Any = SimpleNamespace()  # not read
    listed = Context(query, None, frozenset({"a", "b", "c"}), cited=("a", "b", "c"))
    assert referred_source("yang kedua soal apa?", listed) == ("b", "soal apa?", True)
    assert referred_source("yg ke-3 korbannya brp", listed) == ("c", "korbannya brp", True)
    assert referred_source("berita nomor 1 intinya?", listed) == ("a", "intinya?", False)
    assert referred_source("and the third one?", listed) == ("c", "and ?", False)
    for words in ("kedua pihak bilang apa?", "siapa yang pertama kali melapor?", "yang kelima soal apa?"):
        assert referred_source(words, listed) is None, words
    one = Context(query, None, frozenset({"a"}), cited=("a",))
    assert referred_source("yang pertama soal apa?", one) is None  # one citation: nothing to choose
    # numbers count citations, as answers number them: two passages of one article are two
    passages = Context(query, None, frozenset({"a", "b"}), cited=("a", "a", "b"))
    assert referred_source("[2] gimana?", passages) == ("a", "gimana?", False)
    assert referred_source("[3] gimana?", passages) == ("b", "gimana?", False)
    assert referred_source("[2] gimana?", Context(query, None, frozenset({"a"}), cited=("a", "a"))) is None
    # loose: a number or "yang kedua" that may be words of the question ("UU nomor 1")
    assert referred_source("apa isi UU nomor 1 tahun 2023?", listed) == ("a", "apa isi UU tahun 2023?", True)
    assert referred_source("sumber kedua bilang apa?", listed) == ("b", "bilang apa?", False)


def _index_of(tmp_path_factory: pytest.TempPathFactory, embeddings: Any, *articles: Article) -> Index:
    """An index of its own holding ``articles``."""
    index = make_index(IndexSettings(data_dir=tmp_path_factory.mktemp("own")), embeddings=embeddings)
    ingest_articles(index, list(articles))
    return index


def test_one_text_indexed_twice_is_listed_once_and_untitled_articles_by_their_lead(
    tmp_path_factory: pytest.TempPathFactory, default_embeddings: Any
) -> None:
    index = _index_of(
        tmp_path_factory,
        default_embeddings,
        Article("a.txt", FLOOD_NEW, "Tanggap Darurat Banjir Berakhir", published="2026-11-17"),
        Article("copy/a.txt", FLOOD_NEW, "Tanggap Darurat Banjir Berakhir", published="2026-11-17"),
        Article("feed.jsonl#2", BUS, "feed.jsonl line 2", published="2026-11-02"),
    )
    answer = _chain(index).invoke({"question": "ada berita apa aja?", "today": "2026-12-02"})
    assert len(answer.citations) == 2 and answer.citations[1].chunk.source == "feed.jsonl#2", answer.text
    assert "line 2" not in answer.text and "«Bus listrik Trans Seruni mulai beroperasi" in answer.text


def test_in_llm_mode_a_question_naming_a_citation_is_put_to_the_model_as_read(news_index: Index) -> None:
    model = ScriptedChatModel(reply="Pramudi bus dilatih selama tiga bulan [1].")
    chain = _chain(news_index, chat_model=model)
    question = "berita nomor 2 pramudinya dilatih berapa lama?"
    answer = chain.invoke({"question": question, "history": ["ada berita apa aja?"], "today": "2026-12-02"})
    prompt = str(model.prompts[-1])
    assert "pramudinya dilatih berapa lama?" in prompt and question not in prompt and "ada berita apa" not in prompt
    assert answer.question == question and all(c.chunk.source == "bus" for c in answer.citations)


def test_an_article_named_by_number_and_removed_since_is_refused_with_a_note(
    tmp_path_factory: pytest.TempPathFactory, default_embeddings: Any
) -> None:
    index = _index_of(
        tmp_path_factory,
        default_embeddings,
        Article("flood", FLOOD_NEW, "Tanggap Darurat Banjir Berakhir", published="2026-11-17"),
        Article("bus", BUS, "Trans Seruni Beroperasi", published="2026-11-02"),
    )
    chain = _chain(index)
    listed = chain.invoke({"question": "ada berita apa aja?", "today": "2026-12-02"})
    assert [c.chunk.source for c in listed.citations] == ["flood", "bus"]
    with index.writing():
        index.remove("bus")
    history = [Turn("ada berita apa aja?", listed.text, listed.context)]
    answer = chain.invoke({"question": "yang kedua soal apa?", "history": history, "today": "2026-12-02"})
    assert answer.abstained and not answer.citations
    assert answer.note is not None and "article 'bus'" in answer.note


def test_in_llm_mode_a_citation_number_the_answer_lacks_gets_its_own_note(news_index: Index) -> None:
    from tests.conftest import ScriptedChatModel

    model = ScriptedChatModel(reply="Tidak ada [1].")
    chain = _chain(news_index, chat_model=model)
    history = [{"question": "ada berita apa aja?"}]
    beyond = chain.invoke({"question": "nomor 5 dong", "history": history, "today": "2026-12-02"})
    assert beyond.abstained and beyond.note == "Hanya [1] sampai [3] yang bisa disebut: kutipan itu tidak ada."
    assert not model.prompts  # the model was not asked


def test_a_list_of_news_says_which_days_it_is_of() -> None:
    from bot.chain.gist import news_list_label

    today = date(2026, 11, 18)
    assert news_list_label("id", None) == "Berita terbaru:"
    assert news_list_label("en", read_dates("any news?", today)) == "The latest news:"
    assert news_list_label("id", read_dates("berita kemarin apa?", today)) == "Berita 17 November 2026:"
    assert news_list_label("en", read_dates("news since 1 November?", today)) == (
        "News from 1 November 2026 to 18 November 2026:"
    )
    assert news_list_label("id", read_dates("berita sebelum 1 November?", today)) == "Berita sampai 31 Oktober 2026:"


def test_the_latest_news_of_a_story_asked_in_english_is_its_newest_report(stories: Any) -> None:
    """A hostile tester's: "poisoning" was no word of the glossary, and the English question found
    the story's lab report of 23 October, not its last report of 3 November."""
    answer = stories.chain.invoke(
        {"question": "What is the latest news about the Pakis Jajar poisoning?", "today": "2026-11-28"}
    )
    assert [c.chunk.published for c in answer.citations] == ["2026-11-03"], answer.text


def test_an_article_without_a_date_is_listed_after_the_dated_ones_and_marked_so(
    tmp_path: Any, default_embeddings: Any
) -> None:
    """A newcomer's test: an index of one dated article and two undated ones answered "berita
    terbaru?" with "Berita terbaru: «...» [1]; «...» [2]; «...» [3]", the undated ones read as the
    latest news. They are listed after the dated one, each marked as having no date."""
    index = make_index(IndexSettings(data_dir=tmp_path / "some"), embeddings=default_embeddings)
    ingest_articles(
        index,
        [
            Article("flood-new", FLOOD_NEW, "Tanggap Darurat Banjir Berakhir", published="2026-11-17"),
            Article("bus", BUS, "Trans Seruni Beroperasi"),
            Article("market", MARKET, MARKET_TITLE),
        ],
    )
    for question, undated in (("berita terbaru?", "(tanpa tanggal)"), ("what is the latest news?", "(undated)")):
        answer = _chain(index).invoke({"question": question, "today": "2026-12-02"})
        assert answer.citations[0].chunk.source == "flood-new", question
        assert answer.text.count(undated) == 2 and "Berakhir» [1]" in answer.text, answer.text
        assert f"» {undated} [2]" in answer.text and f"» {undated} [3]" in answer.text, answer.text


def test_a_day_alone_after_asking_what_news_there_is_is_the_news_of_that_day(news_index: Index) -> None:
    """A newcomer's test: "kalau tanggal 25/11?" after "ada berita apa?" was searched as a question
    of that day's passages and refused ("no article published on 2026-11-25 answers this") though
    an article of that day was indexed; "what about Nov 25?" was answered from undated articles.
    It is the news of that day, as asked first; a day with no news is still refused so."""
    chain = _chain(news_index)
    for history, question in (
        (["ada berita apa aja kak?"], "kalau tanggal 2/11?"),
        (["what's the news?"], "what about Nov 2?"),
        (["berita terbaru apa?"], "kalo tgl 2 november?"),
    ):
        answer = chain.invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert not answer.abstained and [c.chunk.source for c in answer.citations] == ["bus"], question
        assert answer.text.startswith("Bus listrik Trans Seruni mulai beroperasi"), answer.text
    none = chain.invoke({"question": "kalau tanggal 5/11?", "history": ["ada berita apa?"], "today": "2026-12-02"})
    assert none.abstained and "2026-11-05" in (none.note or "")
    # a review's: "what about Nov 2?" after "berita terbaru?" had read "berita Nov 2" as all of
    # November; a second day after the first, and a list's number after a day, in a live
    # conversation as in a history given as text
    for history, question, source in (
        (["berita terbaru?"], "what about Nov 2?", "bus"),
        (["ada berita apa?", "kalau tanggal 2/11?"], "kalau tanggal 17/11?", "flood-new"),
        (["what's the news?", "what about Nov 2?"], "and Oct 28?", "flood-old"),
        (["ada berita apa?", "kalau sejak 1 November?"], "yang ketiga?", "market"),
    ):
        given = chain.invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert [c.chunk.source for c in given.citations][:1] == [source], (history, question, given.text)
        conversation = Conversation()
        for asked in [*history, question]:
            live = chain.invoke({"question": asked, "history": conversation.history(), "today": "2026-12-02"})
            conversation.add(asked, live)
        assert live.text == given.text, (history, question)
    # after a question on a fact, a day alone asks that question again of that day, as before
    fact = chain.invoke(
        {"question": "kalau tanggal 2/11?", "history": ["berapa lama pramudi bus dilatih?"], "today": "2026-12-02"}
    )
    assert "tiga bulan" in fact.text and not fact.text.startswith("Berita"), fact.text


def test_asking_what_happened_at_a_time_relative_to_today_is_asking_for_its_news(news_index: Index) -> None:
    """A question like "what happened yesterday?" had been searched as the words "what happened" among yesterday's
    articles, and answered from an article of September; "ada apa minggu lalu?" likewise. Asked of
    a time relative to today and naming nothing that happened, it asks for that time's news. Of a
    day of the calendar it asks what an article says happened then, and with a subject it is a
    question on that subject."""
    chain = _chain(news_index)
    for question in ("what happened yesterday?", "apa yang terjadi kemarin?", "kemarin ada apa?"):
        answer = chain.invoke({"question": question, "today": "2026-11-02"})
        assert [c.chunk.source for c in answer.citations] == ["market"], (question, answer.text)
        assert "Pasar Rakyat Kuala Bening kembali dibuka" in answer.text, answer.text
    week = chain.invoke({"question": "ada kejadian apa minggu lalu?", "today": "2026-11-04"})
    assert [c.chunk.source for c in week.citations] == ["market", "flood-old"], week.text
    for question in ("apa yang terjadi pada 2 November?", "apa yang terjadi di pasar kemarin?", "what happened?"):
        assert not asks_bare_news(question, publication_dates(question, date(2026, 11, 3))), question
    # pointing back at what was said is no question about the news (a review's: "what happened to
    # them yesterday?" after a question on a poisoning had listed a flood's news); chat words
    # after it, and other wordings, are
    for question, bare in (
        ("what happened to them yesterday?", False),
        ("apa yang terjadi dengan mereka kemarin?", False),
        ("apa yang terjadi sama pengungsinya kemarin?", False),
        ("kemarin ada apa ya?", True),
        ("apa saja yang terjadi kemarin?", True),
        ("what went on yesterday?", True),
        ("did anything happen last week?", True),
    ):
        assert asks_bare_news(question, publication_dates(question, date(2026, 11, 3))) == bare, question
    follow_up = chain.invoke(
        {
            "question": "what happened to them yesterday?",
            "history": ["bus trans seruni udh jalan?"],
            "today": "2026-11-03",
        }
    )
    assert not follow_up.text.startswith(("Berita", "The news")), follow_up.text


def test_a_day_alone_after_the_news_of_a_day_is_the_news_of_that_day(news_index: Index) -> None:
    """A day alone, "kalau 28/10 aja?", after "berita 3/11 apa aja": the first question's news word had been read
    as part of its day ("berita 3/11"), so the second was asked again as "apa aja" of that day and
    answered with a sentence of any article; "aja" after a day alone had made it no day at all."""
    chain = _chain(news_index)
    for history, question, source in (
        (["berita 2/11 apa aja"], "kalau 28/10 aja?", "flood-old"),
        (["berita 2/11 apa aja"], "ada berita apa sejak 1/11?", "flood-new"),
    ):
        answer = chain.invoke({"question": question, "history": history, "today": "2026-12-02"})
        assert [c.chunk.source for c in answer.citations][:1] == [source], (question, answer.text)
