"""The learned parts of answering, loaded from the data file ``bench/fit_models.py`` writes.

Each model scores rows of named features (``bot.chain.features``): a logistic regression
(standardised with the means and scales seen in training) or gradient-boosted trees.
``AnswerModels`` bundles the three the chain uses: one ranks passages, one picks the sentence that
answers (trees: which sentence answers depends on combinations of features a weighted sum cannot
express, docs/quality.md), one judges whether that answer is right (the answerer abstains when it
is probably not). Nothing is fitted at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ingest.errors import TanyaError

MODELS_FILE = Path(__file__).resolve().parent / "data" / "answer_models.json"
# Fitted without the embeddings' features: what answers over an index built with another model
# than the one MODELS_FILE was fitted for (its similarities mean something else there).
LEXICAL_MODELS_FILE = Path(__file__).resolve().parent / "data" / "answer_models_lexical.json"


@dataclass(frozen=True)
class LogisticModel:
    """``p = sigmoid(intercept + sum(coef * (x - mean) / scale))`` over named features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def logit(self, values: Mapping[str, float]) -> float:
        """The log-odds for one row of named feature values (a missing feature counts as its mean)."""
        total = self.intercept
        for name, mean, scale, coef in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            total += coef * (values.get(name, mean) - mean) / scale
        return total

    def logits(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        """The log-odds of several rows."""
        return [self.logit(row) for row in rows]

    def probability(self, values: Mapping[str, float]) -> float:
        """The probability for one row."""
        return _sigmoid(self.logit(values))

    def to_json(self) -> dict[str, Any]:
        """The form kept in the data file."""
        return {
            "kind": "logistic",
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LogisticModel:
        """Read the form ``to_json`` writes, refusing what could not score a row (lists of other
        lengths than the features, names that are not text, numbers that are not finite)."""
        features = _names(data["features"])
        return cls(
            features,
            _finite(data["mean"], len(features), "mean"),
            tuple(v or 1.0 for v in _finite(data["scale"], len(features), "scale")),
            _finite(data["coef"], len(features), "coef"),
            _finite([data["intercept"]], 1, "intercept")[0],
        )


def _names(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError("features must be a list of names")
    return tuple(values)


def _finite(values: Any, n: int, what: str) -> tuple[float, ...]:
    """``values`` as ``n`` finite floats."""
    if not isinstance(values, list):
        raise ValueError(f"{what} is not a list of numbers")
    if len(values) != n:
        raise ValueError(f"{what} has {len(values)} values for {n}")
    out = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"{what} holds a number that is not finite")
    return out


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))


@dataclass(frozen=True, eq=False)
class TreeModel:
    """Gradient-boosted regression trees over named features: the log-odds of a row are
    ``baseline`` plus, for every tree, the value of the leaf the row reaches (at each node, left
    when the feature is at most the threshold). The trees are kept as arrays, a row per tree and a
    column per node, where a leaf is its own child, so all rows walk all trees at once."""

    features: tuple[str, ...]
    baseline: float
    sizes: tuple[int, ...]  # nodes per tree (the arrays are padded to the largest)
    feature: Any  # int64 (trees x nodes): the feature a node tests
    threshold: Any  # float64: left when the feature is at most this
    left: Any  # int64: children
    right: Any
    value: Any  # float64: a leaf's share of the log-odds
    depth: int  # steps from a root to the deepest leaf

    def logits(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        """The log-odds of several rows (a missing feature counts as 0)."""
        import numpy as np

        if not rows:
            return []
        x = np.array([[float(row.get(name, 0.0)) for name in self.features] for row in rows], dtype=np.float64)
        trees = np.arange(len(self.sizes))[None, :]
        at = np.zeros((len(rows), len(self.sizes)), dtype=np.int64)
        row = np.arange(len(rows))[:, None]
        for _ in range(self.depth):
            goes_left = x[row, self.feature[trees, at]] <= self.threshold[trees, at]
            at = np.where(goes_left, self.left[trees, at], self.right[trees, at])
        return [float(v) for v in self.baseline + self.value[trees, at].sum(axis=1)]

    def logit(self, values: Mapping[str, float]) -> float:
        """The log-odds for one row."""
        return self.logits([values])[0]

    def probability(self, values: Mapping[str, float]) -> float:
        """The probability for one row."""
        return _sigmoid(self.logit(values))

    def to_json(self) -> dict[str, Any]:
        """The form kept in the data file: per tree, its nodes' feature index, threshold, children
        and value (a leaf is its own child)."""
        trees = [
            {
                "feature": [int(v) for v in self.feature[t, :n]],
                "threshold": [float(v) for v in self.threshold[t, :n]],
                "left": [int(v) for v in self.left[t, :n]],
                "right": [int(v) for v in self.right[t, :n]],
                "value": [round(float(v), 8) for v in self.value[t, :n]],
            }
            for t, n in enumerate(self.sizes)
        ]
        return {"kind": "trees", "features": list(self.features), "baseline": self.baseline, "trees": trees}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TreeModel:
        """Read the form ``to_json`` writes."""
        return cls.from_trees(_names(data["features"]), _finite([data["baseline"]], 1, "baseline")[0], data["trees"])

    @classmethod
    def from_trees(
        cls, features: tuple[str, ...], baseline: float, trees: Sequence[Mapping[str, Sequence[Any]]]
    ) -> TreeModel:
        """Pack trees given node by node (lists ``feature``, ``threshold``, ``left``, ``right`` and
        ``value``; node 0 is the root, a leaf is its own child) into arrays, checking that every
        tree is a tree: its children and features exist and no walk goes round in circles."""
        import numpy as np

        if not trees:
            raise ValueError("a tree model needs at least one tree")
        sizes = tuple(len(t["value"]) for t in trees)
        width = max(sizes)
        ints = ("feature", "left", "right")
        packed = {
            key: np.zeros((len(trees), width), dtype=np.int64 if key in ints else np.float64)
            for key in ("feature", "threshold", "left", "right", "value")
        }
        depth = 0
        for i, (tree, n) in enumerate(zip(trees, sizes, strict=True)):
            if n == 0:
                raise ValueError(f"tree {i} is empty")
            for key, array in packed.items():
                if len(tree[key]) != n:
                    raise ValueError(f"tree {i}: {key} has {len(tree[key])} nodes, value has {n}")
                array[i, :n] = tree[key]
                if not np.isfinite(array[i, :n]).all():
                    raise ValueError(f"tree {i}: {key} holds a number that is not finite")
            packed["left"][i, n:] = packed["right"][i, n:] = np.arange(n, width)  # padding: unreachable leaves
            if not (packed["feature"][i, :n] >= 0).all() or (packed["feature"][i, :n] >= len(features)).any():
                raise ValueError(f"tree {i} tests a feature it does not have")
            depth = max(depth, _depth(packed["left"][i, :n], packed["right"][i, :n], i))
        return cls(
            features,
            baseline,
            sizes,
            feature=packed["feature"],
            threshold=packed["threshold"],
            left=packed["left"],
            right=packed["right"],
            value=packed["value"],
            depth=depth,
        )


def _depth(left: Any, right: Any, tree: int) -> int:
    """Steps from the root (node 0) to the deepest leaf; a child outside the tree or a node
    reached twice (a cycle, or two parents) is an error."""
    n = len(left)
    deepest, seen, stack = 0, {0}, [(0, 0)]
    while stack:
        node, steps = stack.pop()
        children = {int(left[node]), int(right[node])}
        if children == {node}:
            deepest = max(deepest, steps)
            continue
        for child in children:
            if not 0 <= child < n or child in seen:
                raise ValueError(f"tree {tree} is not a tree (node {node} -> {child})")
            seen.add(child)
            stack.append((child, steps + 1))
    return deepest


def model_from_json(data: Mapping[str, Any]) -> LogisticModel | TreeModel:
    """Read either kind of model from its data-file form."""
    kind = data.get("kind", "logistic")
    if kind == "trees":
        return TreeModel.from_json(data)
    if kind == "logistic":
        return LogisticModel.from_json(data)
    raise ValueError(f"unknown model kind {kind!r}")


Model = LogisticModel | TreeModel


def _section(data: Mapping[str, Any], name: str, prefix: str = "") -> Model:
    """The model under ``name``, an error naming it when it cannot be read."""
    try:
        return model_from_json(data[name])
    except (ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"{prefix}{name}: {exc}") from None


def _number(value: Any, what: str) -> float:
    """``value`` as a number, or a ``ValueError`` naming ``what`` (``true`` is not 1)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None


def _probability(value: Any, what: str) -> float:
    number = _number(value, what)
    if not 0.0 <= number <= 1.0:  # NaN fails too
        raise ValueError(f"{what} must be a probability, not {value!r}")
    return number


def _margin(value: Any, what: str) -> float:
    number = _number(value, what)
    if not 0.0 <= number < math.inf:
        raise ValueError(f"{what} must be a finite margin of at least 0, not {value!r}")
    return number


def _optional_margin(value: Any, what: str) -> float | None:
    return None if value is None else _margin(value, what)


# How a bar for questions asking for no kind of answer of their own is listed, and every kind a
# bar may be listed for (``bot.chain.question.question_type``'s, and that).
OTHER_KIND = "other"
KINDS = ("time", "number", "date", "person", "place", "reason", OTHER_KIND)


def bar_of(
    lang: str,
    kind: str | None,
    one: float,
    english: float | None = None,
    kinds: Mapping[str, float] | None = None,
) -> float:
    """The probability under which an answer is refused, for a question in ``lang`` asking for
    ``kind`` (``None``: no kind of its own, listed as ``OTHER_KIND``): the ``english`` bar for an
    English question (the ``one`` bar without it), else the bar of its kind among ``kinds`` (the
    ``one`` bar for a kind not listed). ``AnswerModels.bar`` reads its models' bars so, and the fit
    (``bench/fit_models.py``) the bars it is setting."""
    if lang == "en":
        return one if english is None else english
    return (kinds or {}).get(kind or OTHER_KIND, one)


def _kind_probabilities(value: Any, what: str) -> Mapping[str, float]:
    """The bars by kind of answer asked (``bar_of``): a mapping of kinds (``KINDS``) to
    probabilities, or nothing (an older file: every kind at the one bar)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must map kinds of answer to probabilities")
    unknown = sorted(str(kind) for kind in value if kind not in KINDS)
    if unknown:
        raise ValueError(f"{what} names no kind of answer: {', '.join(unknown)} (kinds: {', '.join(KINDS)})")
    return {str(kind): _probability(bar, f"{what}.{kind}") for kind, bar in value.items()}


def _optional_probability(value: Any, what: str) -> float | None:
    return None if value is None else _probability(value, what)


@dataclass(frozen=True)
class OffTopicGate:
    """Whether a question is about something the index does not hold at all ("What is the capital
    of France?" over news of a flood and a bus line): a logistic model over the answer features,
    fitted to tell the training questions read over their own passages (answerable or not) from
    the same questions read over news articles on other subjects, and a bar for each language
    over which the fit finds a small share of what people type on their passages' subjects
    (``bench/fit_models.py``: 0.1% in Indonesian, 1% in English). The
    answer model alone, fitted only on readings on the question's subject, answered half such
    English questions (docs/quality.md, "Questions on subjects no article holds")."""

    model: Model
    bar: float
    english_bar: float

    def refuses(self, features: Mapping[str, float], lang: str) -> bool:
        """Whether the answer with ``features`` (``bot.chain.features.answer_features``) is to a
        question on a subject no article of the index holds."""
        return self.model.probability(features) > (self.english_bar if lang == "en" else self.bar)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model.to_json(), "bar": self.bar, "bar_en": self.english_bar}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OffTopicGate:
        return cls(
            _section(data, "model", "off_topic."),
            _probability(data["bar"], "off_topic.bar"),
            _probability(data["bar_en"], "off_topic.bar_en"),
        )


@dataclass(frozen=True)
class OneArticleModels:
    """How sentences are picked and judged when every passage read comes from one article.

    The passage features of the sentence model (its passage's score, rank, coverage and
    similarity) tell which *article* answers; among the passages of one article they only tell
    chunks apart, which says nothing of where the answer is (the lead chunk matches every question
    about the story). So these models are fitted without them (``bench/fit_models.py``), with an
    answer model and thresholds of their own, and the answerer uses them for such questions
    (docs/quality.md, section 6, "Passages of one article"). They are fitted on the training
    readings, nearly all of which come from several articles: what they gain was measured on the
    development sets, and their bar is not calibrated on one-article readings.
    """

    sentence: Model
    answer: Model
    min_probability: float
    second_margin: float
    third_margin: float | None = None
    english_probability: float | None = None  # the bar for questions in English (``AnswerModels.bar``)
    kind_probability: Mapping[str, float] = field(default_factory=dict)  # (``bar_of``)

    def to_json(self) -> dict[str, Any]:
        data = {
            "sentence": self.sentence.to_json(),
            "answer": self.answer.to_json(),
            "min_probability": self.min_probability,
            "second_margin": self.second_margin,
        }
        if self.third_margin is not None:
            data["third_margin"] = self.third_margin
        if self.english_probability is not None:
            data["min_probability_en"] = self.english_probability
        if self.kind_probability:
            data["min_probability_kind"] = dict(self.kind_probability)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OneArticleModels:
        return cls(
            _section(data, "sentence", "one_article."),
            _section(data, "answer", "one_article."),
            _probability(data["min_probability"], "one_article.min_probability"),
            _margin(data["second_margin"], "one_article.second_margin"),
            _optional_margin(data.get("third_margin"), "one_article.third_margin"),
            _optional_probability(data.get("min_probability_en"), "one_article.min_probability_en"),
            _kind_probabilities(data.get("min_probability_kind"), "one_article.min_probability_kind"),
        )


@dataclass(frozen=True)
class AnswerModels:
    """The learned parts of answering.

    ``passage`` and ``sentence`` score candidates against each other (fitted as conditional
    logits: a softmax over one question's candidates), so only their differences matter;
    ``answer`` is a probability that the chosen answer is right, and the answerer abstains below
    ``min_probability`` (``english_probability`` for a question in English, when the file has one:
    ``bar``). A second sentence joins the answer when it scores within
    ``second_margin`` of the best, and after it a third within ``third_margin`` (when the model
    file has one), as long as they fit (``bot.chain.extractive.quoted``). ``one_article``
    replaces the reading fields when the passages read all come from one article
    (``for_passages``).
    """

    passage: Model
    sentence: Model
    answer: Model
    min_probability: float
    second_margin: float
    meta: Mapping[str, Any]
    one_article: OneArticleModels | None = None
    third_margin: float | None = None  # None: answers quote at most two sentences (and what they lean on)
    english_probability: float | None = None
    off_topic: OffTopicGate | None = None  # None: no question is refused for its subject alone
    # Indonesian questions' bars by the kind of answer they ask (``bar``); a kind not listed, or
    # none listed (an older file), has ``min_probability``
    kind_probability: Mapping[str, float] = field(default_factory=dict)

    def bar(self, lang: str, kind: str | None = None) -> float:
        """The probability under which an answer to a question in ``lang`` asking for ``kind``
        (``bot.chain.question.question_type``) is refused (``bar_of``). The fit sets one for
        English questions of its own: the answer model, fitted mostly on Indonesian questions,
        gives right answers to English ones lower probabilities, so the one bar refused nearly
        half of them (docs/quality.md, section 4). By the same rule it sets one for Indonesian
        questions asking why: the training splits' are half of them unanswerable, people's a
        tenth at most, so the model gives right answers to why lower probabilities than people's
        questions warrant (docs/quality.md, "A bar of its own for questions asking why, ...")."""
        return bar_of(lang, kind, self.min_probability, self.english_probability, self.kind_probability)

    def for_passages(self, passages: Sequence[Any]) -> AnswerModels:
        """The models that read ``passages`` (candidates with a ``chunk``): the one-article ones
        when they all come from one article and there are such models, these otherwise."""
        if self.one_article is None or not passages or len({p.chunk.source for p in passages}) != 1:
            return self
        return self._one_article_reading

    @cached_property
    def _one_article_reading(self) -> AnswerModels:
        """These models with the one-article ones in place (built once: every step of answering
        a question asks for them)."""
        import dataclasses

        one = self.one_article
        assert one is not None
        return dataclasses.replace(
            self,
            sentence=one.sentence,
            answer=one.answer,
            min_probability=one.min_probability,
            second_margin=one.second_margin,
            third_margin=one.third_margin,
            english_probability=one.english_probability,
            kind_probability=one.kind_probability,
            one_article=None,
        )

    def to_json(self) -> dict[str, Any]:
        """The data file's content."""
        data = {
            "passage": self.passage.to_json(),
            "sentence": self.sentence.to_json(),
            "answer": self.answer.to_json(),
            "min_probability": self.min_probability,
            "second_margin": self.second_margin,
            "meta": dict(self.meta),
        }
        if self.third_margin is not None:
            data["third_margin"] = self.third_margin
        if self.english_probability is not None:
            data["min_probability_en"] = self.english_probability
        if self.kind_probability:
            data["min_probability_kind"] = dict(self.kind_probability)
        if self.one_article is not None:
            data["one_article"] = self.one_article.to_json()
        if self.off_topic is not None:
            data["off_topic"] = self.off_topic.to_json()
        return data

    def dumps(self) -> str:
        """The data file's text: indented, with each list of numbers on one line (a tree's nodes
        would otherwise take a line each)."""
        import re

        text = json.dumps(self.to_json(), indent=1)
        numbers = re.compile(r"\[\s*(-?[0-9][-+0-9.eE]*(?:,\s*-?[0-9][-+0-9.eE]*)*)\s*\]")
        return numbers.sub(lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerModels:
        """Read the data file's content."""
        return cls(
            _section(data, "passage"),
            _section(data, "sentence"),
            _section(data, "answer"),
            _probability(data["min_probability"], "min_probability"),
            _margin(data["second_margin"], "second_margin"),
            dict(data.get("meta") or {}),
            OneArticleModels.from_json(data["one_article"]) if data.get("one_article") else None,
            _optional_margin(data.get("third_margin"), "third_margin"),
            _optional_probability(data.get("min_probability_en"), "min_probability_en"),
            OffTopicGate.from_json(data["off_topic"]) if data.get("off_topic") else None,
            _kind_probabilities(data.get("min_probability_kind"), "min_probability_kind"),
        )

    @property
    def embedding_model(self) -> str | None:
        """The embedding model these were fitted with (``None``: they read no embeddings)."""
        value = self.meta.get("embedding_model")
        return str(value) if value else None

    @property
    def without(self) -> frozenset[str]:
        """The rules of question analysis these were fitted without (``bot.chain.question.RULES``)."""
        return frozenset(self.meta.get("without") or ())

    def replace(self, **changes: Any) -> AnswerModels:
        """A copy with some fields changed (experiments sweep thresholds this way). A copy whose
        sentence or answer model, threshold or margins changed reads every question that way: it
        keeps no one-article models unless ``one_article`` is among the changes (so turning the
        third sentence off for both sets of models takes ``one_article`` with its own
        ``third_margin`` changed too). A new ``min_probability`` is every question's bar, English
        ones' and every kind's too, unless ``english_probability`` or ``kind_probability`` is among
        the changes."""
        import dataclasses

        if READING_FIELDS & changes.keys() and "one_article" not in changes:
            changes["one_article"] = None
        if "min_probability" in changes and "english_probability" not in changes:
            changes["english_probability"] = None
        if "min_probability" in changes and "kind_probability" not in changes:
            changes["kind_probability"] = {}
        return dataclasses.replace(self, **changes)


READING_FIELDS = frozenset(
    {
        "sentence",
        "answer",
        "min_probability",
        "second_margin",
        "third_margin",
        "english_probability",
        "kind_probability",
    }
)


def load_models(path: Path | None = None) -> AnswerModels:
    """Read the answering models (the shipped file unless ``path`` is given)."""
    return _load(path or MODELS_FILE)


@lru_cache(maxsize=4)
def _load(path: Path) -> AnswerModels:
    try:
        return AnswerModels.from_json(json.loads(path.read_text(encoding="utf-8")))
    except KeyError as exc:  # its text is the key alone ("'passage'")
        raise TanyaError(f"cannot read the answering models in {path}: it has no {exc.args[0]!r} field") from None
    except (OSError, ValueError, TypeError, IndexError) as exc:
        raise TanyaError(f"cannot read the answering models in {path}: {exc}") from None


def standardise(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> tuple[list[float], list[float]]:
    """Means and scales of ``features`` over ``rows`` (a scale of 0 becomes 1)."""
    means = []
    scales = []
    for name in features:
        values = [r[name] for r in rows]
        mean = sum(values) / max(1, len(values))
        var = sum((v - mean) ** 2 for v in values) / max(1, len(values))
        means.append(mean)
        scales.append(math.sqrt(var) or 1.0)
    return means, scales
