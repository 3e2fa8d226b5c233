"""What the answering models see: named features of a passage and of a sentence for a question.

Every feature describes a question and a passage (or sentence) in general terms: how similar
their meanings are (cosines of the multilingual embeddings), how many of the question's words
they share (IDF-weighted), whether they hold the kind of thing asked for, where the sentence
stands. None names a word, a passage or a data set, so what the models learn on the training
splits carries over to articles they have never seen. ``bench/fit_models.py`` computes them
with these same functions, so training and answering cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.query import (
    CAPITALISED,
    NUMBER_WORDS,
    AnalysedSentences,
    ParsedQuery,
    answer_slot,
    holds_answer_type,
    type_match,
)
from ingest.catalog import Chunk
from ingest.text import words

PASSAGE_FEATURES = (
    "bm25",
    "bm25_rank",
    "dense",
    "dense_gap",
    "dense_rank",
    "sentence_dense",
    "sentence_dense_gap",
    "coverage",
    "sentence_coverage",
    "coverage_gap",
    "answer_type",
    "answer_slot",
)

SENTENCE_FEATURES = (
    "passage_score",
    "passage_rank",
    "dense",
    "dense_gap",
    "dense_passage_gap",
    "coverage",
    "coverage_gap",
    "window_coverage",
    "passage_coverage",
    "answer_type",
    "new_things",
    "first",
    "position",
    "length",
    "novelty",
    "negation_mismatch",
)


@dataclass
class PassageCandidate:
    """A chunk considered for a question, with what retrieval knows of it."""

    chunk: Chunk
    sentences: AnalysedSentences
    bm25: float = 0.0  # 0 when BM25 did not find it
    bm25_rank: int | None = None
    dense: float = 0.0
    sentence_vectors: Any = None  # float32 array, a row per sentence, or None
    sentence_dense: list[float] = field(default_factory=list)  # the question's cosine with each sentence
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


def _recip(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (1.0 + rank)


def sentence_cosines(candidate: PassageCandidate, question_vector: Any) -> list[float]:
    """The cosine of the question with each sentence (the passage's when sentences have none)."""
    vectors = candidate.sentence_vectors
    if vectors is None or len(vectors) != len(candidate.sentences):
        return [candidate.dense] * len(candidate.sentences)
    return [float(v) for v in vectors @ question_vector]


def passage_features(query: ParsedQuery, candidates: Sequence[PassageCandidate], question_vector: Any) -> None:
    """Fill ``features`` of every candidate (features compare candidates with each other)."""
    top_bm25 = max((c.bm25 for c in candidates), default=0.0) or 1.0
    top_dense = max((c.dense for c in candidates), default=0.0)
    by_dense = sorted(range(len(candidates)), key=lambda i: -candidates[i].dense)
    dense_rank = {i: r for r, i in enumerate(by_dense)}
    sentence_best = []
    coverages = []
    for c in candidates:
        c.sentence_dense = cosines = sentence_cosines(c, question_vector)
        sentence_best.append(max(cosines, default=c.dense))
        present = frozenset().union(*(terms for _, terms in c.sentences)) if c.sentences else frozenset()
        coverages.append(
            (query.coverage(present), max((query.coverage(terms) for _, terms in c.sentences), default=0.0))
        )
    top_sentence = max(sentence_best, default=0.0)
    top_coverage = max((cov for cov, _ in coverages), default=0.0)
    for i, c in enumerate(candidates):
        coverage, best_sentence_coverage = coverages[i]
        c.features = {
            "bm25": c.bm25 / top_bm25,
            "bm25_rank": _recip(c.bm25_rank),
            "dense": c.dense,
            "dense_gap": c.dense - top_dense,
            "dense_rank": _recip(dense_rank[i]),
            "sentence_dense": sentence_best[i],
            "sentence_dense_gap": sentence_best[i] - top_sentence,
            "coverage": coverage,
            "sentence_coverage": best_sentence_coverage,
            "coverage_gap": coverage - top_coverage,
            "answer_type": float(holds_answer_type(c.chunk.text, query)),
            "answer_slot": float(answer_slot(c.chunk.text, query)),
        }


@dataclass(frozen=True)
class SentenceCandidate:
    """A sentence of a ranked passage that could answer."""

    passage: PassageCandidate
    rank: int  # the passage's rank
    position: int  # the sentence's index in its passage
    text: str
    features: dict[str, float]
    score: float = 0.0


_NEGATIONS = frozenset({"tidak", "bukan", "tak", "belum", "never", "not", "no"})


def sentence_features(
    query: ParsedQuery, passages: Sequence[PassageCandidate], question_vector: Any
) -> list[SentenceCandidate]:
    """Every sentence of ``passages`` (ranked best first) with its features."""
    rows: list[tuple[PassageCandidate, int, int, str, float, float, float, float]] = []
    for rank, p in enumerate(passages):
        cosines = p.sentence_dense or sentence_cosines(p, question_vector)
        terms = [t for _, t in p.sentences]
        present = frozenset().union(*terms) if terms else frozenset()
        passage_coverage = query.coverage(present)
        for j, (span, held) in enumerate(p.sentences):
            around = held.union(*terms[max(0, j - 1) : j + 2])
            rows.append(
                (
                    p,
                    rank,
                    j,
                    span.text,
                    cosines[j],
                    query.coverage(held),
                    query.coverage(around),
                    passage_coverage,
                )
            )
    top_dense = max((r[4] for r in rows), default=0.0)
    top_coverage = max((r[5] for r in rows), default=0.0)
    question_negated = bool(_NEGATIONS & query.words)
    out = []
    for p, rank, j, text, dense, coverage, window, passage_coverage in rows:
        tokens = words(text)
        new_numbers = sum(1 for t in tokens if (t[0].isdigit() or t in NUMBER_WORDS) and t not in query.words)
        new_names = sum(1 for name in CAPITALISED.findall(text)[1:] if name.lower() not in query.words)
        new_things = new_numbers if query.kind in ("number", "date") else new_names
        features: dict[str, float] = {
            "passage_score": p.score,
            "passage_rank": _recip(rank),
            "dense": dense,
            "dense_gap": dense - top_dense,
            "dense_passage_gap": dense - p.dense,
            "coverage": coverage,
            "coverage_gap": coverage - top_coverage,
            "window_coverage": window,
            "passage_coverage": passage_coverage,
            "answer_type": float(type_match(text, tokens, query)),
            "new_things": min(new_things, 3) / 3,
            "first": float(j == 0),
            "position": j / max(1, len(p.sentences) - 1),
            "length": min(len(text), 400) / 400,
            "novelty": len(set(tokens) - query.words) / max(1, len(tokens)),
            "negation_mismatch": float(question_negated and not (_NEGATIONS & set(tokens))),
        }
        out.append(SentenceCandidate(p, rank, j, text, features))
    return out
