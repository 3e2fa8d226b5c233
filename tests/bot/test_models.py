"""The answering models' data file: both kinds of model read back what they wrote, trees walk as
sklearn's do, and a broken file is a clear error, not a crash or a wrong answer."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from bot.chain.features import SENTENCE_FEATURES
from bot.chain.models import AnswerModels, LogisticModel, OneArticleModels, TreeModel, load_models, model_from_json
from ingest.errors import TanyaError
from tests.conftest import REPO

# x0 <= 0.5 ? (x1 <= 2 ? -1 : 1) : 3
STUMPS = {
    "feature": [0, 1, 0, 0, 0],
    "threshold": [0.5, 2.0, 0.0, 0.0, 0.0],
    "left": [1, 2, 2, 3, 4],
    "right": [4, 3, 2, 3, 4],
    "value": [0.0, 0.0, -1.0, 1.0, 3.0],
}


def test_a_tree_sends_a_row_left_when_its_feature_is_at_most_the_threshold() -> None:
    model = TreeModel.from_trees(("a", "b"), 0.25, [STUMPS, {**STUMPS, "value": [0.0, 0.0, 10.0, 20.0, 30.0]}])
    rows = [{"a": 0.5, "b": 2.0}, {"a": 0.0, "b": 2.5}, {"a": 0.6, "b": 0.0}, {"b": 9.0}]
    assert model.depth == 2
    assert model.logits(rows) == [0.25 - 1 + 10, 0.25 + 1 + 20, 0.25 + 3 + 30, 0.25 + 1 + 20]
    assert model.logit(rows[2]) == 33.25 and 0.99 < model.probability(rows[2]) <= 1.0
    assert model.logits([]) == []


def test_trees_of_different_sizes_and_their_data_file_form_read_back_the_same() -> None:
    leaf_only = {"feature": [0], "threshold": [0.0], "left": [0], "right": [0], "value": [0.5]}
    model = TreeModel.from_trees(("a", "b"), -1.0, [STUMPS, leaf_only])
    again = model_from_json(json.loads(json.dumps(model.to_json())))
    assert isinstance(again, TreeModel) and again.sizes == (5, 1)
    rows = [{"a": a, "b": b} for a in (0.0, 0.5, 1.0) for b in (1.0, 3.0)]
    assert again.logits(rows) == model.logits(rows)


@pytest.mark.parametrize(
    "broken",
    [
        {**STUMPS, "left": [1, 2, 2, 3, 9]},  # a child outside the tree
        {**STUMPS, "left": [0, 2, 2, 3, 4]},  # the root its own child on one side: a cycle
        {**STUMPS, "feature": [0, 7, 0, 0, 0]},  # a feature the model does not have
        {**STUMPS, "value": [0.0, 0.0]},  # arrays of different lengths
    ],
)
def test_a_malformed_tree_is_refused(broken: dict[str, list[float]]) -> None:
    with pytest.raises(ValueError):
        TreeModel.from_trees(("a", "b"), 0.0, [broken])


def test_a_broken_models_file_is_a_clear_error(tmp_path: Path) -> None:
    data = load_models().to_json()
    broken = {**STUMPS, "right": [4, 3, 2, 3]}
    data["sentence"] = {"kind": "trees", "features": ["a", "b"], "baseline": 0.0, "trees": [broken]}
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TanyaError, match="cannot read the answering models"):
        load_models(path)
    data["sentence"]["kind"] = "forest"
    path.write_text(json.dumps(data))
    with pytest.raises(TanyaError, match="unknown model kind"):
        load_models(path)
    # a file of another shape says what it lacks (a hostile tester's had said only "'passage'")
    path.write_text(json.dumps({"id": "q1", "question": "apa?"}))
    with pytest.raises(TanyaError, match=r"models\.json: it has no 'passage' field$"):
        load_models(path)


def test_the_models_file_reads_back_as_written_whatever_kind_each_model_is() -> None:
    shipped = load_models()
    assert shipped.sentence.features == SENTENCE_FEATURES
    assert AnswerModels.from_json(json.loads(shipped.dumps())) == shipped
    trees = TreeModel.from_trees(SENTENCE_FEATURES, 0.5, [STUMPS] * 40)
    mixed = shipped.replace(sentence=trees)
    text = mixed.dumps()
    again = AnswerModels.from_json(json.loads(text))
    assert isinstance(again.sentence, TreeModel) and isinstance(again.answer, LogisticModel)
    assert again.dumps() == text
    # a list of numbers is one line: the file stays readable and its diffs small
    assert len(text.splitlines()) < len(shipped.dumps().splitlines()) + 10 * 40


def test_trees_converted_from_sklearn_compute_its_decision_function() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    sys.path.insert(0, str(REPO / "bench"))
    from fit_models import trees_from_sklearn  # the fit script's converter

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    y = ((x[:, 0] > 0) ^ (x[:, 1] * x[:, 2] > 0.3)).astype(int)
    fitted = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, random_state=0).fit(x, y)
    model = trees_from_sklearn(fitted, ("a", "b", "c"))
    rows = [dict(zip(("a", "b", "c"), row, strict=True)) for row in x[:50].tolist()]
    assert np.allclose(model.logits(rows), fitted.decision_function(x[:50]), atol=1e-9)


def _passage(source: str) -> Any:
    return SimpleNamespace(chunk=SimpleNamespace(source=source))


def test_passages_of_one_article_are_read_by_the_one_article_models() -> None:
    shipped = load_models()
    one = shipped.one_article
    assert one is not None, "the shipped file has one-article models (bench/fit_models.py)"
    # fitted without the features that tell one passage from another (docs/quality.md)
    assert set(one.sentence.features) == set(SENTENCE_FEATURES) - {
        "passage_score",
        "passage_rank",
        "passage_coverage",
        "dense_passage_gap",
    }
    alone = shipped.for_passages([_passage("a"), _passage("a"), _passage("a")])
    assert (alone.sentence, alone.answer) == (one.sentence, one.answer)
    assert (alone.min_probability, alone.second_margin) == (one.min_probability, one.second_margin)
    assert alone.third_margin == one.third_margin
    assert alone.passage == shipped.passage  # passages are still ranked the one way
    assert shipped.for_passages([_passage("a"), _passage("b")]) is shipped
    assert shipped.for_passages([]) is shipped
    # a file written before these models reads every question the one way
    data = shipped.to_json()
    del data["one_article"]
    older = AnswerModels.from_json(data)
    assert older.one_article is None and older.for_passages([_passage("a")]) is older
    # a copy with another threshold applies it everywhere (experiments sweep it so)
    swept = shipped.replace(min_probability=0.0)
    assert swept.one_article is None and swept.for_passages([_passage("a")]).min_probability == 0.0
    kept = shipped.replace(one_article=OneArticleModels(one.sentence, one.answer, 0.0, 1.0))
    assert kept.for_passages([_passage("a")]).second_margin == 1.0


def _broken(change: Any) -> dict[str, Any]:
    data = load_models().to_json()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["one_article"]["answer"]["mean"].pop(), "one_article.answer: mean has"),
        (lambda d: d["answer"]["coef"].append(1.0), "answer: coef has"),
        (lambda d: d["sentence"]["features"].__setitem__(0, ["a"]), "sentence: features must be a list of names"),
        (
            lambda d: d["passage"]["mean"].__setitem__(0, float("nan")),
            "passage: mean holds a number that is not finite",
        ),
        (lambda d: d.__setitem__("min_probability", float("nan")), "min_probability must be a probability"),
        (lambda d: d["one_article"].__setitem__("min_probability", 2), "one_article.min_probability must be"),
        (lambda d: d.__setitem__("second_margin", float("inf")), "second_margin must be a finite margin"),
        (lambda d: d.__setitem__("third_margin", -1.0), "third_margin must be a finite margin"),
        (
            lambda d: d["one_article"].__setitem__("third_margin", float("nan")),
            "one_article.third_margin must be a finite margin",
        ),
        (
            lambda d: d["one_article"].__setitem__(
                "sentence",
                {"kind": "trees", "features": ["a"], "baseline": 0.0, "trees": [{key: [] for key in STUMPS}]},
            ),
            "one_article.sentence: tree 0 is empty",
        ),
    ],
)
def test_a_models_file_that_could_not_score_a_question_is_refused_when_read(
    tmp_path: Path, change: Any, says: str
) -> None:
    """Malformed models must fail when the file is read, naming what is wrong, not at the first
    question (a length mismatch used to load and then crash every question)."""
    path = tmp_path / "models.json"
    path.write_text(json.dumps(_broken(change)))
    with pytest.raises(TanyaError, match="cannot read the answering models") as error:
        load_models(path)
    assert says in str(error.value)


def test_english_questions_have_a_bar_of_their_own_in_both_readings() -> None:
    shipped = load_models()
    assert shipped.english_probability is not None and shipped.one_article is not None
    assert shipped.one_article.english_probability is not None
    # fitted on English questions people wrote, whose right answers get lower probabilities
    assert shipped.bar("en") < shipped.bar("id") == shipped.min_probability
    one = shipped.for_passages([SimpleNamespace(chunk=SimpleNamespace(source="a"))])
    assert one.bar("en") == shipped.one_article.english_probability and one.bar("id") == one.min_probability
    # a threshold swept by an experiment is every question's, unless it says otherwise
    assert shipped.replace(min_probability=0.0).bar("en") == 0.0
    assert shipped.replace(min_probability=0.0, english_probability=0.5).bar("en") == 0.5
    # a file without one (older fits) refuses English questions at the one bar
    data = shipped.to_json()
    del data["min_probability_en"], data["one_article"]["min_probability_en"]
    older = AnswerModels.from_json(data)
    assert older.bar("en") == older.min_probability and older.for_passages([]).bar("en") == older.min_probability


def test_questions_asking_why_have_a_bar_of_their_own_in_both_readings() -> None:
    shipped = load_models()
    assert shipped.one_article is not None
    why, one_why = shipped.kind_probability["reason"], shipped.one_article.kind_probability["reason"]
    # set on the questions people wrote, whose right answers to why get lower probabilities
    assert why < shipped.min_probability and one_why < shipped.one_article.min_probability
    assert shipped.bar("id", "reason") == why
    assert shipped.bar("id", "number") == shipped.bar("id") == shipped.min_probability
    one = shipped.for_passages([SimpleNamespace(chunk=SimpleNamespace(source="a"))])
    assert one.bar("id", "reason") == one_why and one.bar("id", None) == one.min_probability
    # an English question has the English bar, whatever it asks for, or without one the one bar
    assert shipped.bar("en", "reason") == shipped.english_probability
    assert shipped.replace(english_probability=None).bar("en", "reason") == shipped.min_probability
    # read back as written, in both readings
    again = AnswerModels.from_json(json.loads(shipped.dumps()))
    assert again.kind_probability == shipped.kind_probability and again.one_article is not None
    assert again.one_article.kind_probability == shipped.one_article.kind_probability
    # a swept threshold is every question's unless the sweep says otherwise
    assert shipped.replace(min_probability=0.3).bar("id", "reason") == 0.3
    assert shipped.replace(min_probability=0.3, kind_probability={"reason": 0.2}).bar("id", "reason") == 0.2
    # a file without them (older fits) refuses every kind at the one bar
    data = shipped.to_json()
    del data["min_probability_kind"], data["one_article"]["min_probability_kind"]
    older = AnswerModels.from_json(data)
    assert older.bar("id", "reason") == older.min_probability
    assert older.for_passages([SimpleNamespace(chunk=SimpleNamespace(source="a"))]).bar("id", "reason") == (
        older.one_article.min_probability if older.one_article else None
    )


def test_the_kinds_a_bar_may_be_listed_for_are_those_questions_ask() -> None:
    from bot.chain.models import KINDS, OTHER_KIND
    from bot.chain.question import question_type

    questions = ("jam berapa mulainya?", "berapa korbannya?", "kapan dibuka?", "siapa bupatinya?")
    asked = {question_type(q) for q in (*questions, "di mana lokasinya?", "kenapa ditutup?", "apa isi surat itu?")}
    assert {kind or OTHER_KIND for kind in asked} == set(KINDS)


@pytest.mark.parametrize(
    "value", [["reason"], "0.1", {"reason": "abc"}, {"reason": 1.5}, {"reason": True}, {"reasons": 0.1}]
)
@pytest.mark.parametrize("where", [(), ("one_article",)])
def test_bars_by_kind_that_are_not_probabilities_are_refused_naming_them(
    tmp_path: Path, value: Any, where: tuple[str, ...]
) -> None:
    data = load_models().to_json()
    (data[where[0]] if where else data)["min_probability_kind"] = value
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TanyaError, match=re.escape(".".join((*where, "min_probability_kind")))):
        load_models(path)


@pytest.mark.parametrize("value", [True, "abc", None, [0.1]])
@pytest.mark.parametrize("where", [(), ("one_article",)])
def test_a_bar_that_is_no_number_is_refused_naming_it(tmp_path: Path, value: Any, where: tuple[str, ...]) -> None:
    data = load_models().to_json()
    section = data[where[0]] if where else data
    section["min_probability_en"] = value
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    name = ".".join((*where, "min_probability_en"))
    if value is None:  # no English bar there: that reading's one bar for every question
        loaded = load_models(path)
        read = loaded.one_article if where else loaded
        assert read is not None and read.english_probability is None
        return
    with pytest.raises(TanyaError, match=f"{name} must be a number"):
        load_models(path)


def test_the_off_topic_gate_reads_back_and_holds_in_both_readings(tmp_path: Path) -> None:
    shipped = load_models()
    gate = shipped.off_topic
    assert gate is not None and AnswerModels.from_json(json.loads(shipped.dumps())).off_topic == gate
    one = shipped.for_passages([SimpleNamespace(chunk=SimpleNamespace(source="a"))])
    assert one.off_topic is gate  # the one-article reading is gated too
    meta = shipped.meta
    assert meta["off_topic"] > 0 and meta["off_topic_refused"] == 0.001 and meta["off_topic_refused_en"] == 0.01
    # a file without one (older fits) refuses nothing for its subject alone
    data = shipped.to_json()
    del data["off_topic"]
    assert AnswerModels.from_json(data).off_topic is None
    # a bar that is no probability is refused, naming it
    data = shipped.to_json()
    data["off_topic"]["bar_en"] = 1.5
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TanyaError, match=r"off_topic\.bar_en must be a probability"):
        load_models(path)


def test_the_off_topic_gate_compares_with_the_bar_of_the_questions_language() -> None:
    from bot.chain.models import OffTopicGate

    model = LogisticModel(("dense",), (0.0,), (1.0,), (-10.0,), 0.0)  # off-topic the lower the cosine
    gate = OffTopicGate(model, 0.5, 0.9)
    far = {"dense": 0.1}  # probability about 0.27: over neither bar
    near_off = {"dense": -0.1}  # about 0.73: over the Indonesian bar, under the English one
    assert not gate.refuses(far, "id") and not gate.refuses(far, "en")
    assert gate.refuses(near_off, "id") and not gate.refuses(near_off, "en")
