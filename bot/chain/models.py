"""The learned parts of answering, loaded from the data file ``bench/fit_models.py`` writes.

Each model is a logistic regression over named features (``bot.chain.features``), standardised with
the means and scales seen in training. ``AnswerModels`` bundles the three the chain uses: one
ranks passages, one picks the sentence that answers, one judges whether that answer is right
(the answerer abstains when it is probably not). Nothing is fitted at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
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

    def probability(self, values: Mapping[str, float]) -> float:
        """The probability for one row."""
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, self.logit(values)))))

    def to_json(self) -> dict[str, Any]:
        """The form kept in the data file."""
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LogisticModel:
        """Read the form ``to_json`` writes."""
        return cls(
            tuple(data["features"]),
            tuple(float(v) for v in data["mean"]),
            tuple(float(v) or 1.0 for v in data["scale"]),
            tuple(float(v) for v in data["coef"]),
            float(data["intercept"]),
        )


@dataclass(frozen=True)
class AnswerModels:
    """The learned parts of answering.

    ``passage`` and ``sentence`` score candidates against each other (fitted as conditional
    logits: a softmax over one question's candidates), so only their differences matter;
    ``answer`` is a probability that the chosen answer is right, and the answerer abstains below
    ``min_probability``. A second sentence joins the answer when it scores within
    ``second_margin`` of the best.
    """

    passage: LogisticModel
    sentence: LogisticModel
    answer: LogisticModel
    min_probability: float
    second_margin: float
    meta: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The data file's content."""
        return {
            "passage": self.passage.to_json(),
            "sentence": self.sentence.to_json(),
            "answer": self.answer.to_json(),
            "min_probability": self.min_probability,
            "second_margin": self.second_margin,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerModels:
        """Read the data file's content."""
        return cls(
            LogisticModel.from_json(data["passage"]),
            LogisticModel.from_json(data["sentence"]),
            LogisticModel.from_json(data["answer"]),
            float(data["min_probability"]),
            float(data["second_margin"]),
            dict(data.get("meta") or {}),
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
        """A copy with some fields changed (experiments sweep thresholds this way)."""
        import dataclasses

        return dataclasses.replace(self, **changes)


def load_models(path: Path | None = None) -> AnswerModels:
    """Read the answering models (the shipped file unless ``path`` is given)."""
    return _load(path or MODELS_FILE)


@lru_cache(maxsize=4)
def _load(path: Path) -> AnswerModels:
    try:
        return AnswerModels.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
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
