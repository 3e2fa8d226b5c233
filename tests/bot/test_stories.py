"""Which articles report one story: headlines sharing a word, and what the articles say."""

from __future__ import annotations

from typing import Any

from bot.chain.context import Context
from bot.chain.conversation import Conversation
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.followup import FollowUpReader
from bot.chain.stories import StoryReader, names, one_story

TODAY = "2026-11-28"


def _article(stack: Any, name: str) -> Any:
    index = stack.retriever.index
    found = [r for r in index.catalog.articles() if r.source.endswith(name)]
    assert len(found) == 1, name
    return found[0]


def test_reports_of_the_story_asked_about_are_told_apart_from_stories_sharing_headline_words(stories: Any) -> None:
    flood = _article(stories, "banjir-lembah-arum-awal-arumpos.txt")  # "Sungai Arum Meluap, ... Dua Warga Hilang"
    evacuees = _article(stories, "banjir-lembah-arum-pengungsi-kabarlembah.txt")
    river = _article(stories, "limbah-sungai-keruing-awal-selasihekspres.txt")  # "Sungai Keruing Menghitam, ..."
    # "Warga Berobat akibat Limbah Sungai Keruing Jadi 112 Orang, ..."
    sick = _article(stories, "limbah-sungai-keruing-warga-berobat-kabarhuluhilir.txt")
    # "Hasil Lab Keluar, ... Dua Tersangka Ditahan" heads a report of each of two stories
    lab = _article(stories, "keracunan-pakis-jajar-hasil-lab-sagarapos.txt")
    pipe = _article(stories, "limbah-sungai-keruing-pipa-siluman-selasihekspres.txt")
    reader = StoryReader(stories.retriever.index)

    def teller(question: str) -> Any:
        return reader.teller(stories.retriever.search(question).query.concepts)

    # their headlines share a word, so ``one_story`` takes them for one story; what they say does not
    assert one_story(flood, river) and one_story(flood, sick) and one_story(lab, pipe)
    on_the_river = teller("brp warga yg berobat gara2 limbah sungai keruing?")
    assert not on_the_river(sick, flood) and not on_the_river(pipe, lab)
    on_the_flood = teller("berapa pengungsi banjir lembah arum?")
    assert not on_the_flood(flood, river) and not on_the_flood(evacuees, river)
    # reports of one story are, whether their headlines share a word or not
    assert on_the_flood(flood, evacuees) and on_the_flood(evacuees, flood)
    assert not one_story(river, pipe) and on_the_river(river, pipe) and on_the_river(pipe, river)
    assert on_the_river(river, river)


def _ask_in_turn(stack: Any, questions: list[str]) -> list[Any]:
    conversation, answers = Conversation(), []
    for question in questions:
        answer = stack.chain.invoke({"question": question, "history": conversation.history(), "today": TODAY})
        conversation.add(question, answer)
        answers.append(answer)
    return answers


def _sources(answer: Any) -> set[str]:
    return {c.chunk.source.rsplit("/", 2)[-2] for c in answer.citations}


def test_the_latest_count_is_that_of_the_story_asked_about(stories: Any) -> None:
    """The river's suspects "now" are its last report's three, not the newest report of the
    poisoning, whose headline shares "Hasil Lab Keluar ... Dua Tersangka Ditahan" with the
    river's."""
    answer = stories.chain.invoke({"question": "tersangka limbah sawit dr 2 jd brp skrg?", "today": TODAY})
    assert "tiga tersangka" in answer.text and _sources(answer) == {"story3"}, answer.text


def test_a_follow_up_on_something_no_report_of_its_story_says_is_not_answered_from_another(stories: Any) -> None:
    """ "yg ketiga kapan ditetapin?" after the river's suspects: no report of the river says
    when the third was named; a bus article's "ketiga halte" is no answer."""
    *_, answer = _ask_in_turn(
        stories,
        [
            "hasil lab keracunan pakis jajar apa?",
            "kalo yg limbah sungai keruing hasil labnya gmn?",
            "trus tersangkanya brp org?",
            "yg ketiga kapan ditetapin?",
        ],
    )
    assert answer.abstained or _sources(answer) <= {"story3"}, answer.text


def test_a_follow_up_saying_little_stays_with_its_story(stories: Any) -> None:
    """On its own "siapa aja namanya?" finds a market's list of names; after a question on the
    flood's dead it is read with it, and answered from the flood's reports."""
    *_, answer = _ask_in_turn(stories, ["brp korban meninggal banjir lembah arum?", "siapa aja namanya?"])
    assert answer.citations and _sources(answer) == {"story"}, answer.text


def test_the_latest_of_a_story_is_not_another_story_s_newer_report(stories: Any) -> None:
    """Of a question on the mill's palm fruit asked for now, the poisoning's newer reports (whose
    headline shares "Hasil Lab Keluar" with the river's) are no update."""
    answer = stories.chain.invoke({"question": "harga TBS sawit per kg brp skrg?", "today": TODAY})
    assert _sources(answer) <= {"story3"}, answer.text


def test_names_are_words_written_capitalised_inside_sentences() -> None:
    text = (
        "SUNGAI PINANG TUA, KABAR HULU HILIR - Jumlah warga yang berobat akibat pencemaran Sungai Keruing "
        "terus bertambah. Hingga Jumat (11/9), Dinas Kesehatan mencatat 112 warga berobat. Di Desa Sungai "
        "Pinang Tua, air Sungai Keruing masih hitam: Warga diminta tidak mandi di sungai."
    )
    found = names([text], title="Warga Berobat akibat Limbah Sungai Keruing Jadi 112 Orang")
    assert "keruing" in found and "pinang" in found
    # the dateline's words, a day, the word after a colon, the kind of place opening a name
    assert not {"hulu", "hilir", "jumlah", "jumat", "sungai", "warga"} & found


def test_a_follow_up_naming_another_story_in_a_word_is_asked_of_it(stories: Any) -> None:
    *_, answer = _ask_in_turn(
        stories, ["siapa tersangka pembuangan limbah pabrik kelapa sawit PT Sawit Kencana Nusaraya?", "kalo keracunan?"]
    )
    assert answer.citations and _sources(answer) == {"story2"}, answer.text


def test_an_english_follow_up_asking_for_now_stays_with_its_story(stories: Any) -> None:
    *_, answer = _ask_in_turn(stories, ["How many fish died in the Keruing river?", "and now?"])
    assert _sources(answer) <= {"story3"}, answer.text


def test_a_follow_up_naming_another_article_s_subject_in_a_word_is_asked_of_it(stories: Any) -> None:
    """ "kalo keracunan?" after when the river's ban was lifted asks when the food poisoning's
    outbreak status was: a word most of that story's passages say, and the river's do not."""
    *_, answer = _ask_in_turn(
        stories, ["kapan larangan pakai air sungai keruing di empat desa dicabut bupati?", "kalo keracunan?"]
    )
    assert answer.citations and _sources(answer) == {"story2"}, answer.text


def test_a_conversation_s_story_is_read_by_headlines_when_its_question_names_nothing(stories: Any) -> None:
    """ "berapa tarifnya?" names nothing an article writes as a name: which articles are of the
    conversation's story is then read from their headlines, a bus's and a market's sharing none."""
    bus = _article(stories, "trans-seruni-bus-listrik-serunipos.txt")
    market = _article(stories, "pasar-rakyat-kuala-bening-beritabening.txt")
    reader = FollowUpReader(stories.retriever, ExtractiveAnswerer(), lambda text: text)
    asked = stories.retriever.search("berapa tarifnya?").query
    on_story = reader.story_of(Context(asked, None, frozenset({bus.source})))
    assert on_story(bus) and not on_story(market)


def test_a_follow_up_reading_astray_keeps_to_the_passages_of_its_story(stories: Any) -> None:
    """A follow-up reading whose answer would come from another story (a bus's "koridor
    pertama" for "what about the first report?" after the poisoning's sick) is ranked among the
    passages of the conversation's story it found."""
    reader = FollowUpReader(stories.retriever, ExtractiveAnswerer(), lambda text: text)
    first = stories.retriever.search("How many people fell ill in Pakis Jajar?")
    poisoning = frozenset(c.chunk.source for c in first.candidates[:1])
    context = Context(first.query, None, poisoning)
    on_story = reader.story_of(context)
    # (naming "keracunan pakis jajar" too, it no longer strays: the poisoning's passages hold what
    # their headlines name, docs/quality.md, thirty-third session)
    followed = stories.retriever.search("korban di laporan pertama dan bus koridor pertama")
    assert reader.strays(followed, context, on_story)  # its answer: the bus
    kept = reader.kept_to_story(followed, context, on_story)
    assert kept.candidates and all(on_story(c.chunk) for c in kept.candidates)
    assert {c.chunk.source for c in kept.candidates} < {c.chunk.source for c in followed.candidates}


def test_an_articles_names_and_sentences_are_read_once_until_the_next_write(
    tmp_path_factory: Any, bundled_template: Any, default_embeddings: Any, monkeypatch: Any
) -> None:
    from bot.chain import stories
    from ingest.loaders import load_inputs
    from ingest.pipeline import ingest_articles
    from ingest.settings import IndexSettings
    from ingest.store.index import make_index
    from ingest.types import Article
    from tests.conftest import TEST_DATA, copy_of

    index = make_index(
        IndexSettings(data_dir=copy_of(bundled_template, tmp_path_factory)), embeddings=default_embeddings
    )
    reader = StoryReader(index)
    (tiktok,) = [r.source for r in index.catalog.articles()]
    first = reader.read_article(tiktok)
    assert {"bytedance", "microsoft", "openai"} <= first.names and "karyawan" not in first.names
    assert any({"bytedance", "investasi"} <= terms for terms in first.sentences)
    assert reader.read_article(tiktok) is first  # kept
    assert reader.terms(tiktok) is first.terms and {"bytedance", "karyawan"} <= first.terms  # the story test's
    ingest_articles(index, [a for a in load_inputs([str(TEST_DATA / "unseen")]) if isinstance(a, Article)])
    again = reader.read_article(tiktok)
    assert again is not first and again == first  # read again after a write, and alike
    # past SENTENCES_KEPT in all, an article is read each time rather than kept
    (bus,) = [r.source for r in index.catalog.articles() if r.source != tiktok]
    monkeypatch.setattr(stories, "SENTENCES_KEPT", len(again.sentences))
    assert reader.read_article(bus) is not reader.read_article(bus)
    assert reader.read_article(tiktok) is again
