"""The extractive answerer: quotes the retrieved sentences that answer the question and cites them.

No model and no network. Every sentence of the top passages gets a few features (how much of
the question it and its passage cover, how its passage ranked, whether it holds the kind of
thing asked for: a number for "berapa", a date for "kapan", a name for "siapa"); a linear
score over them, with weights fitted once on the development sets by
``bench/fit_answerer.py``, picks the answer sentence. A second sentence joins it when it
scores close and the answer stays short. When the best passage holds too little of the
question, the answerer abstains in the question's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.query import (
    CAPITALISED,
    MONTHS,
    NUMBER_WORDS,
    YEAR,
    ParsedQuery,
    analyzed_sentences,
    parse_query,
    type_match,
)
from ingest.catalog import Chunk
from ingest.index import Hit, Index
from ingest.text import stem, words

ABSTAIN_TEXT = {
    "id": "Artikel yang diindeks tidak menyebutkan hal itu.",
    "en": "The indexed articles don't say.",
}


FEATURES = (
    "coverage",
    "local_coverage",
    "window_coverage",
    "passage_coverage",
    "passage_score",
    "top_passage",
    "first_sentence",
    "length",
    "new_numbers",
    "has_date",
    "new_names",
    "new_names_untyped",
    "type_match",
    "novelty",
)
# Fitted by bench/fit_answerer.py on facqa_valid + tydiqa_id_valid (listwise softmax over sentences).
SENTENCE_WEIGHTS = (1.361, 0.521, 0.445, 0.434, 4.725, 0.717, 0.485, -0.366, 1.844, 0.782, 1.209, 0.498, 1.892, -0.561)


@dataclass(frozen=True)
class AnswererConfig:
    """Tunable parameters of the extractive answerer (fitted on the dev sets, never per question)."""

    passages: int = 5
    max_answer_chars: int = 400  # a second sentence joins only if the two fit (docs/quality.md, section 7)
    second_sentence_margin: float = 2.25  # docs/quality.md, section 9
    # Abstain when the best passage holds less than ``min_support`` of the question (IDF-weighted)
    # unless it holds ``min_support_floor`` of it weighing ``min_rare_terms`` unseen words: a long
    # question whose details come partly from elsewhere in the story (docs/quality.md, section 10).
    min_support: float = 0.5
    min_support_floor: float = 0.25
    min_rare_terms: float = 2.0
    short_question: int = 5  # at most this many content words: a number the passage lacks abstains
    weights: tuple[float, ...] = SENTENCE_WEIGHTS


@dataclass(frozen=True)
class Citation:
    """A numbered citation: the passage and the sentences quoted from it."""

    n: int
    chunk: Chunk
    quote: str
    score: float


@dataclass
class Answer:
    """The result of answering one question."""

    question: str
    text: str
    abstained: bool
    lang: str
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Hit] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"
    note: str | None = None  # e.g. why an LLM answer fell back to quoting the passages


@dataclass(frozen=True)
class Candidate:
    """A sentence that could answer, with its features and score."""

    hit: Hit
    text: str
    position: int
    features: tuple[float, ...]
    score: float


def sentence_candidates(q: ParsedQuery, hits: Sequence[Hit], weights: Sequence[float]) -> list[Candidate]:
    """Return every sentence of ``hits`` with its features and linear score."""
    out: list[Candidate] = []
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    for rank, hit in enumerate(hits):
        analyzed = analyzed_sentences(hit.chunk.text)
        spans = [span for span, _ in analyzed]
        terms = [sentence_terms for _, sentence_terms in analyzed]
        n = len(spans)
        in_sentences = [sum(1 for s in terms if c.found_in(s)) for c in q.concepts]
        passage_cov = sum(c.weight for c, k in zip(q.concepts, in_sentences, strict=True) if k) / q.total_weight
        for j, (span, present) in enumerate(zip(spans, terms, strict=True)):
            window = present.union(*terms[max(0, j - 1) : j + 2])
            tokens = words(span.text)
            new_numbers = sum(1 for t in tokens if (t[0].isdigit() or t in NUMBER_WORDS) and t not in q.words)
            new_names = sum(1 for c in CAPITALISED.findall(span.text)[1:] if c.lower() not in q.words)
            has_date = float(bool(YEAR.search(span.text)) or any(t in MONTHS for t in tokens))
            local = sum(
                c.weight * math.log(1 + n / k)
                for c, k in zip(q.concepts, in_sentences, strict=True)
                if c.found_in(present)
            )
            features = (
                q.coverage(present),
                local / q.total_weight,
                q.coverage(window),
                passage_cov,
                hit.score / top,
                float(rank == 0),
                float(j == 0),
                min(len(span.text), 400) / 400,
                (q.kind == "number") * min(new_numbers, 3) / 3,
                (q.kind == "date") * has_date,
                (q.kind in ("person", "place")) * min(new_names, 3) / 3,
                (q.kind is None) * min(new_names, 3) / 3,
                float(type_match(span.text, tokens, q)),
                len(set(tokens) - q.words) / max(1, len(tokens)),
            )
            score = sum(f * w for f, w in zip(features, weights, strict=True))
            out.append(Candidate(hit, span.text, j, features, score))
    return out


_NEGATIONS = frozenset({"tidak", "bukan", "tak", "belum", "selain", "kecuali", "not", "never", "except"})


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    """Indonesian index term -> its opposites (bot/data/antonyms_id.txt, analysed like the index,
    so "meninggal" stands for its root "tinggal")."""
    table: dict[str, set[str]] = {}
    for line in (Path(__file__).resolve().parent / "data" / "antonyms_id.txt").read_text(encoding="utf-8").splitlines():
        pair = [stem(word) for word in line.split()]
        if len(pair) == 2 and not line.startswith("#"):
            table.setdefault(pair[0], set()).add(pair[1])
            table.setdefault(pair[1], set()).add(pair[0])
    return {word: frozenset(opposites) for word, opposites in table.items()}


def contradicts(query: ParsedQuery, best: Candidate, short_question: int) -> bool:
    """Whether the passage of the best sentence answers a different question: the question is
    negated ("yang tidak ...") and the sentence is not; a question word is missing from the
    passage while its opposite is there ("termuda" asked, "tertua" written); or a question of at
    most ``short_question`` content words names a number the passage does not hold ("pada tahun
    1852", "abad ke-16": the passage is about the subject, not about then). Long questions are
    let off the last check: news questions add the story's date, which its paragraphs seldom
    repeat (docs/quality.md, section 10)."""
    if (_NEGATIONS & query.words) - set(words(best.text)):
        return True
    present = frozenset().union(*(terms for _, terms in analyzed_sentences(best.hit.chunk.text)))
    if len(query.concepts) <= short_question and any(
        c.surface[0].isdigit() and not c.found_in(present) for c in query.concepts
    ):
        return True
    table = antonyms()
    return any(
        not concept.found_in(present) and any(table.get(t, frozenset()) & present for t in concept.terms)
        for concept in query.concepts
    )


class ExtractiveAnswerer:
    """Answers from retrieved passages by quoting their best sentences; abstains when none fits."""

    def __init__(self, index: Index, config: AnswererConfig | None = None) -> None:
        self.index = index
        self.config = config or AnswererConfig()

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        """Return the answer to ``question`` from ``hits`` (best first)."""
        return self.answer_parsed(parse_query(question, self.index), hits)

    def answer_parsed(
        self, parsed: ParsedQuery, hits: list[Hit], on_text: Callable[[str], None] | None = None
    ) -> Answer:
        """Like ``answer`` for an already analysed question (``on_text`` is unused: the answer
        is complete at once)."""
        cfg = self.config
        question, lang = parsed.text, parsed.lang
        candidates = sentence_candidates(parsed, hits[: cfg.passages], cfg.weights)
        if not candidates:
            return Answer(question, ABSTAIN_TEXT[lang], True, lang, retrieved=hits)
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0]
        if not self.supported(parsed, best) or contradicts(parsed, best, cfg.short_question):
            return Answer(question, ABSTAIN_TEXT[lang], True, lang, retrieved=hits)
        chosen = [best]
        for other in ranked[1:3]:
            if best.score - other.score > cfg.second_sentence_margin:
                break
            if len(best.text) + 1 + len(other.text) <= cfg.max_answer_chars and other.text != best.text:
                chosen.append(other)
                break
        return self._compose(question, lang, chosen, hits)

    def supported(self, parsed: ParsedQuery, best: Candidate) -> bool:
        """Whether the passage of the best sentence holds enough of the question to answer from:
        half of it (IDF-weighted), or at least a quarter of it that weighs as much as two words
        the index has never seen (``ParsedQuery.rare_weight``, which scales with the index).
        Short questions about something the passage does not say (the unanswerable ones) seldom
        reach the second; long news questions that borrow details from a neighbouring paragraph
        often do (docs/quality.md, section 10)."""
        cfg = self.config
        coverage = best.features[FEATURES.index("passage_coverage")]
        if coverage >= cfg.min_support:
            return True
        covered = coverage * parsed.total_weight
        return coverage >= cfg.min_support_floor and covered >= cfg.min_rare_terms * parsed.rare_weight

    @staticmethod
    def _compose(question: str, lang: str, chosen: list[Candidate], hits: list[Hit]) -> Answer:
        """Number the cited passages in order of first use and quote the chosen sentences."""
        by_chunk: dict[str, list[Candidate]] = {}
        for c in chosen:
            by_chunk.setdefault(c.hit.chunk.chunk_id, []).append(c)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, group in enumerate(by_chunk.values(), start=1):
            group.sort(key=lambda c: c.position)
            quote = " ".join(c.text for c in group)
            citations.append(Citation(n, group[0].hit.chunk, quote, group[0].hit.score))
            parts.append(f"{quote} [{n}]")
        return Answer(question, " ".join(parts), False, lang, citations, retrieved=hits)
