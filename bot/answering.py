"""The extractive answerer: picks the retrieved sentences that answer the question and cites them.

No model and no network: sentences are scored by how much of the question's (IDF-weighted)
content they cover, with a bonus when they hold the kind of thing asked for (a number for
"berapa", a date for "kapan", a name for "siapa"). When the best passage covers too little of
the question, it abstains in the question's language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ingest.catalog import Chunk
from ingest.index import Hit, Index
from ingest.sentences import split_sentences
from ingest.text import analyze, guess_language, query_terms, words

ABSTAIN_TEXT = {
    "id": "Artikel yang diindeks tidak menyebutkan hal itu.",
    "en": "The indexed articles don't say.",
}

_MONTHS = (
    "januari februari maret april mei juni juli agustus september oktober november desember "
    "january february march may june july august october december "
    "jan feb mar apr jun jul agu aug sep okt oct nov des dec"
).split()
_NUMBER_WORDS = frozenset(
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas seratus seribu puluhan ratusan "
    "ribuan jutaan juta ribu miliar triliun persen one two three four five six seven eight nine ten "
    "hundred hundreds thousand thousands million billion percent".split()
)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class AnswererConfig:
    """Tunable weights of the extractive answerer (fitted on the dev sets, never per question)."""

    passages: int = 5
    min_coverage: float = 0.5
    type_bonus: float = 0.15
    rank_weight: float = 0.1


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


def question_type(question: str) -> str | None:
    """Return what a question asks for: ``number``, ``date``, ``person``, ``place`` or ``None``."""
    tokens = words(question)
    joined = " ".join(tokens)
    if re.search(r"\b(kapan|kapankah|when|tanggal berapa|tahun berapa|what year|which year|pada tahun)\b", joined):
        return "date"
    if re.search(r"\b(berapa|berapakah|how many|how much|jumlah)\b", joined):
        return "number"
    if re.search(r"\b(siapa|siapakah|who|whom)\b", joined):
        return "person"
    if re.search(r"\b(di mana|dimana|where|manakah)\b", joined):
        return "place"
    return None


def _has_type(sentence: str, kind: str | None, question_words: set[str]) -> bool:
    if kind is None:
        return False
    tokens = words(sentence)
    if kind == "date":
        return bool(_YEAR.search(sentence)) or any(t in _MONTHS for t in tokens)
    if kind == "number":
        return bool(_DIGIT.search(sentence)) or any(t in _NUMBER_WORDS for t in tokens)
    # A name or place: a capitalised word the question does not already contain.
    raw = re.findall(r"\b[A-Z][\w'-]+", sentence)
    return any(w.lower() not in question_words for w in raw[1:])


class ExtractiveAnswerer:
    """Answers from retrieved passages by quoting their best sentence; abstains when none fits."""

    def __init__(self, index: Index, config: AnswererConfig | None = None) -> None:
        self.index = index
        self.config = config or AnswererConfig()

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        """Return the answer to ``question`` from ``hits`` (best first)."""
        lang = guess_language(question)
        terms = query_terms(question)
        weights = self._idf(terms)
        total = sum(weights.values()) or 1.0
        kind = question_type(question)
        qwords = set(words(question))
        best: tuple[float, float, Hit, str] | None = None
        for rank, hit in enumerate(hits[: self.config.passages]):
            passage_terms = set(analyze(hit.chunk.text)) | set(analyze(hit.chunk.title))
            passage_cov = sum(w for t, w in weights.items() if t in passage_terms) / total
            for span in split_sentences(hit.chunk.text):
                sentence_terms = set(analyze(span.text))
                coverage = sum(w for t, w in weights.items() if t in sentence_terms) / total
                score = coverage + 0.5 * passage_cov
                if _has_type(span.text, kind, qwords):
                    score += self.config.type_bonus
                score += self.config.rank_weight * hit.score - 0.01 * rank
                if best is None or score > best[0]:
                    best = (score, passage_cov, hit, span.text)
        if best is None or best[1] < self.config.min_coverage:
            return Answer(question, ABSTAIN_TEXT[lang], True, lang, retrieved=hits)
        _, _, hit, sentence = best
        citation = Citation(1, hit.chunk, sentence, hit.score)
        return Answer(question, f"{sentence} [1]", False, lang, [citation], retrieved=hits)

    def _idf(self, terms: list[str]) -> dict[str, float]:
        if not terms:
            return {}
        freqs, n = self.index.document_frequencies(terms)
        return {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in freqs.items()}
