"""Which words of a question go with which words of the sentence that answers it.

Learned by ``bench/fit_models.py`` from the training questions: for every question whose
answer is among the sentences read, each pair (a question term, a term of a sentence) counts
once per sentence, and a pair weighs the log of how much more often its sentences hold the
answer than sentences do at all ("lewat" asked and "melalui" written, "how far" asked and
"kilometer" written, "kenapa" asked and "karena" written). A term paired with itself is left
out: the coverage features already count words the question and the sentence share. The
table is kept in the answering models' data file (``bot.chain.models.AnswerModels``);
nothing is learned at run time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.text.analysis import stem

NUMBER = "#num"  # every figure is one term: what goes with "berapa" is having one, not which
SMOOTHING = 10.0  # a pair seen this often weighs half its own rate and half the base rate
MIN_ARTICLES = 5  # articles whose sentences answer with a pair for it to be kept
MIN_WEIGHT = 0.3  # and the least weight kept (positive evidence only is used)
MIN_QUESTIONS = 20  # questions a question term must be in to be learned about (names are not)


def term(word: str) -> str:
    """The association term of a word or index term."""
    return NUMBER if word[:1].isdigit() else stem(word)


def question_terms(words: Iterable[str], kind: str | None = None, concepts: Iterable[str] = ()) -> frozenset[str]:
    """The terms of a question's words (asking words and stopwords kept: "kenapa" and "how
    far" say most of what the answer looks like), the kind of answer it asks for as a term of
    its own ("?number" for "berapa" and "how many" alike) and its concepts' index terms (an
    English question's Indonesian words)."""
    kinds = {f"?{kind}"} if kind else set()
    return frozenset(term(w) for w in words if w) | kinds | frozenset(concepts)


def sentence_terms(held: Iterable[str]) -> frozenset[str]:
    """The terms of a sentence's index terms."""
    return frozenset(NUMBER if t[:1].isdigit() else t for t in held if t)


@dataclass(frozen=True)
class Associations:
    """Question term -> sentence term -> weight (log lift of holding the answer)."""

    table: dict[str, dict[str, float]]

    def score(self, question: frozenset[str], sentence: frozenset[str]) -> float:
        """The mean over the question's terms of the strongest association any term of the
        sentence has with it (0 for a term with none)."""
        if not question:
            return 0.0
        total = 0.0
        for q in question:
            row = self.table.get(q)
            if row:  # (a row never holds its own term: ``learn`` leaves such pairs out)
                total += max((row[s] for s in row.keys() & sentence), default=0.0)
        return total / len(question)

    def to_json(self) -> dict[str, str]:
        """Each question term's row on one line: ``"sentence-term weight sentence-term weight ..."``."""
        return {q: " ".join(f"{s} {w:g}" for s, w in sorted(row.items())) for q, row in sorted(self.table.items())}

    @classmethod
    def from_json(cls, data: Any) -> Associations:
        """Read ``to_json``'s form (a row that does not read as pairs is an error)."""
        if not isinstance(data, dict):
            raise ValueError("associations: expected an object of rows")
        table: dict[str, dict[str, float]] = {}
        for q, row in data.items():
            parts = str(row).split()
            if len(parts) % 2:
                raise ValueError(f"associations: the row of {q!r} is not pairs of a term and a weight")
            table[str(q)] = {parts[i]: float(parts[i + 1]) for i in range(0, len(parts), 2)}
        return cls(table)


EMPTY = Associations({})


Sample = tuple[str, frozenset[str], Sequence[tuple[frozenset[str], bool]]]
# (the article read, the question's terms, each sentence read: its terms and whether it answers)


def learn(samples: Sequence[Sample]) -> Associations:
    """The table from questions and the sentences read for each, marked whether they hold its
    answer (questions none of whose sentences does are of no use and left out). A pair counts
    only when the sentences answering it come from ``MIN_ARTICLES`` articles or more: a word of
    one article's answers (its people, its places) says nothing about another article's."""
    samples = [sample for sample in samples if any(holds for _, holds in sample[2])]
    frequency: dict[str, int] = {}
    for _, question, _ in samples:
        for q in question:
            frequency[q] = frequency.get(q, 0) + 1
    common = {q for q, n in frequency.items() if n >= MIN_QUESTIONS}
    answering: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    articles: dict[tuple[str, str], set[str]] = {}
    n_sentences = n_answering = 0
    for article, asked, sentences in samples:
        question = asked & common
        for terms, holds in sentences:
            n_sentences += 1
            n_answering += holds
            for q in question:
                for s in terms:
                    if s == q:
                        continue
                    pair = (q, s)
                    seen[pair] = seen.get(pair, 0) + 1
                    if holds:
                        answering[pair] = answering.get(pair, 0) + 1
                        articles.setdefault(pair, set()).add(article)
    if not n_answering:
        return EMPTY
    base = n_answering / n_sentences
    table: dict[str, dict[str, float]] = {}
    for pair, hits in answering.items():
        if len(articles[pair]) < MIN_ARTICLES:
            continue
        weight = math.log((hits + SMOOTHING * base) / (seen[pair] + SMOOTHING) / base)
        if weight >= MIN_WEIGHT:
            table.setdefault(pair[0], {})[pair[1]] = round(weight, 3)
    return Associations(table)
