"""What the answering models see: named features of a passage and of a sentence for a question.

Every feature describes a question and a passage (or sentence) in general terms: how similar
their meanings are (cosines of the multilingual embeddings), how many of the question's words
they share (IDF-weighted), whether they hold the kind of thing asked for, where the sentence
stands. None names a word, a passage or a data set, so what the models learn on the training
splits carries over to articles they have never seen. ``bench/fit_models.py`` computes them
with these same functions, so training and answering cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.chain.question import (
    AnalysedSentences,
    ParsedQuery,
    answer_slot,
    holds_answer_type,
    type_match,
    written_as_names,
)
from bot.chain.stories import headline_terms
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, NUMBER_WORDS, stem, words
from ingest.text.years import YearsTold
from ingest.types import Chunk

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
    "previous_dense_gap",
    "coverage",
    "coverage_gap",
    "window_coverage",
    "passage_coverage",
    "type_number",
    "type_date",
    "type_name",
    "type_reason",
    "answer_slot",
    "new_things",
    "first",
    "position",
    "length",
    "novelty",
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
    # the years its article tells of (``ingest.text.years``), read only for a question naming one
    years_told: YearsTold | None = None

    @property
    def terms(self) -> frozenset[str]:
        """The index terms of all its sentences."""
        return frozenset().union(*(terms for _, terms in self.sentences))


def _recip(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (1.0 + rank)


def sentence_cosines(candidate: PassageCandidate, question_vector: Any) -> list[float]:
    """The cosine of the question with each sentence (the passage's when sentences have none)."""
    vectors = candidate.sentence_vectors
    if vectors is None or len(vectors) != len(candidate.sentences):
        return [candidate.dense] * len(candidate.sentences)
    return [float(v) for v in vectors @ question_vector]


def _passage_coverage(query: ParsedQuery, present: frozenset[str], headline: frozenset[str]) -> float:
    """The IDF-weighted share of the question's concepts that a passage writes, or that its
    article's headline writes as the question does: a report's later paragraphs need not repeat
    what its story is about ("Dari seluruh sapi yang terjangkit, 37 ekor mati" for "berapa sapi
    yang mati karena LSD di Boyolali?"). Not what the question asks for (its focus, "berapa
    *pengungsi*"), which the passage must write itself, nor a word only a spelling the index
    holds stands for ("tanggal" searched as "tanggap" too)."""
    headline = headline - query.focus
    found = sum(c.weight for c in query.concepts if c.found_in(present) or c.terms[0] in headline)
    return found / query.total_weight


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
        coverages.append(
            (
                _passage_coverage(query, c.terms, headline_terms(c.chunk.title)),
                max((query.coverage(terms) for _, terms in c.sentences), default=0.0),
            )
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


# a time of day is a "when": it shares the dates' feature
_KINDS = {
    "number": "type_number",
    "date": "type_date",
    "time": "type_date",
    "person": "type_name",
    "place": "type_name",
}


def type_feature(kind: str | None) -> str:
    """The sentence feature saying whether a sentence holds the kind of thing ``kind`` asks for
    ("type_number"; a kind with none names one no sentence has)."""
    return _KINDS.get(kind or "", f"type_{kind}")


def _typed(kind: str | None, matches: bool) -> dict[str, float]:
    """One feature per kind of question: whether the sentence holds the kind of thing asked
    (a number, a date, a name, a reason), so each kind gets a weight of its own."""
    out = dict.fromkeys(("type_number", "type_date", "type_name", "type_reason"), 0.0)
    name = type_feature(kind)
    if name in out:
        out[name] = float(matches)
    return out


_SENTENCE_END = re.compile(r"[.!?…:;\"'”’)\]。！？」』]$")
# Scripts written without spaces between words (Thai to Myanmar, Khmer, and from CJK radicals on):
# a sentence in them is one "word", so word counts say nothing of it.
_UNSPACED = re.compile("[\u0e00-\u109f\u1780-\u17ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def is_heading(text: str) -> bool:
    """Whether a sentence is a subheading or a fragment ("Investasi AI", "Selain itu"): at most
    four words, no digit, no sentence punctuation at its end. It says nothing, so it is not a
    sentence an answer may quote (quoted beside the sentence after it, it read as part of it:
    "Investasi AI TikTok yang dimiliki ByteDance ..."). A headline is longer."""
    return (
        len(text.split()) <= 4
        and not _SENTENCE_END.search(text)
        and not any(ch.isdigit() for ch in text)
        and not _UNSPACED.search(text)
    )


def sentence_features(
    query: ParsedQuery, passages: Sequence[PassageCandidate], question_vector: Any
) -> list[SentenceCandidate]:
    """Every sentence of ``passages`` (ranked best first) with its features."""
    rows: list[tuple[PassageCandidate, int, int, str, float, float, float, float, float]] = []
    for rank, p in enumerate(passages):
        cosines = p.sentence_dense or sentence_cosines(p, question_vector)
        terms = [t for _, t in p.sentences]
        present = frozenset().union(*terms) if terms else frozenset()
        passage_coverage = query.coverage(present)
        for j, (span, held) in enumerate(p.sentences):
            if is_heading(span.text):
                continue
            around = held.union(*terms[max(0, j - 1) : j + 2])
            rows.append(
                (
                    p,
                    rank,
                    j,
                    span.text,
                    cosines[j],
                    cosines[j - 1] if j else cosines[j],
                    query.coverage(held),
                    query.coverage(around),
                    passage_coverage,
                )
            )
    top_dense = max((r[4] for r in rows), default=0.0)
    top_coverage = max((r[6] for r in rows), default=0.0)
    out = []
    for p, rank, j, text, dense, previous, coverage, window, passage_coverage in rows:
        tokens = words(text)
        new_numbers = sum(1 for t in tokens if (t[0].isdigit() or t in NUMBER_WORDS) and t not in query.words)
        names = written_as_names(text, p.chunk.title)  # read once: the kind of answer asked for too
        new_names = sum(1 for name in names if name.lower() not in query.words)
        new_things = new_numbers if query.kind in ("number", "date", "time") else new_names
        features: dict[str, float] = {
            "passage_score": p.score,
            "passage_rank": _recip(rank),
            "dense": dense,
            "dense_gap": dense - top_dense,
            "dense_passage_gap": dense - p.dense,
            # the sentence before matches the question: this one may go on from it ("Langkah ini ...")
            "previous_dense_gap": previous - top_dense,
            "coverage": coverage,
            "coverage_gap": coverage - top_coverage,
            "window_coverage": window,
            "passage_coverage": passage_coverage,
            **_typed(query.kind, type_match(text, tokens, query, names=names)),
            # what is asked for written beside something shaped like its answer ("700 karyawan")
            "answer_slot": float(answer_slot(text, query)),
            "new_things": min(new_things, 3) / 3,
            "first": float(j == 0),
            "position": j / max(1, len(p.sentences) - 1),
            "length": min(len(text), 400) / 400,
            "novelty": len(set(tokens) - query.words) / max(1, len(tokens)),
        }
        out.append(SentenceCandidate(p, rank, j, text, features))
    return out


ANSWER_FEATURES = (
    "sentence_score",
    "sentence_margin",
    "sentence_share",
    "passage_score",
    "passage_margin",
    "passage_share",
    "dense",
    "passage_dense",
    "top_dense",
    "coverage",
    "window_coverage",
    "passage_coverage",
    "unknown_weight",
    "answer_type",
    "asks_thing",
    "lexical_found",
    "opposite",
    "opposite_beside",
)


@lru_cache(maxsize=1)
def antonym_table() -> dict[str, frozenset[str]]:
    """Indonesian index term -> its opposites (bot/chain/data/antonyms_id.txt, analysed like the index,
    so "meninggal" stands for its root "tinggal"), both ways: the whole hand-written table, which
    ``bench/fit_opposites.py`` counts over the training questions."""
    table: dict[str, set[str]] = {}
    for line in (Path(__file__).resolve().parent / "data" / "antonyms_id.txt").read_text(encoding="utf-8").splitlines():
        pair = [stem(word) for word in line.split()]
        if len(pair) == 2 and not line.startswith("#"):
            table.setdefault(pair[0], set()).add(pair[1])
            table.setdefault(pair[1], set()).add(pair[0])
    return {word: frozenset(opposites) for word, opposites in table.items()}


@lru_cache(maxsize=1)
def answerable_directions() -> frozenset[tuple[str, str]]:
    """The (question term, opposite) directions of the antonym table that mark no near miss: the
    training questions whose passage lacks the term and holds the opposite are answerable at least
    as often as not ("pertama kali" asked of a passage saying "akhir", "gudang pendingin baru" of
    one saying "lama"): ``bot/chain/data/antonyms_answerable.txt``, fitted by
    ``bench/fit_opposites.py``."""
    return frozenset(_fitted_pairs("antonyms_answerable.txt"))


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    """Index term of a question word -> the opposites that, held by a passage lacking the word,
    mark a question it may not answer (the answer model's ``opposite``): ``antonym_table`` without
    its ``answerable_directions``."""
    dropped = answerable_directions()
    return {
        word: frozenset(o for o in opposites if (word, o) not in dropped) for word, opposites in antonym_table().items()
    }


@lru_cache(maxsize=1)
def fitted_opposites() -> dict[str, frozenset[str]]:
    """Question word (as written, lower case) -> the opposites' index terms that, held by a
    passage lacking the word, mark a question it cannot answer (``bot/chain/data/opposites_fitted.txt``,
    fitted on the training splits and the written questions by ``bench/fit_opposites.py``)."""
    table: dict[str, set[str]] = {}
    for word, opposite in _fitted_pairs("opposites_fitted.txt"):
        table.setdefault(word, set()).add(opposite)
    return {word: frozenset(opposites) for word, opposites in table.items()}


def _fitted_pairs(name: str) -> list[tuple[str, str]]:
    """The (word, opposite) of each line of a file ``bench/fit_opposites.py`` writes in
    bot/chain/data (its counts after them, its header's comments, left out)."""
    lines = (Path(__file__).resolve().parent / "data" / name).read_text(encoding="utf-8").splitlines()
    return [(fields[0], fields[1]) for line in lines if not line.startswith("#") and len(fields := line.split()) >= 2]


# Words passed over to the nearest word of content beside another
_NEIGHBOUR_STOPWORDS = ID_STOPWORDS | EN_STOPWORDS


def _content_neighbours(terms: Sequence[str], at: Sequence[int]) -> set[str]:
    """The index terms of the words next to the positions ``at`` of ``terms``: the nearest one on
    each side that is no stopword."""
    out: set[str] = set()
    for i in at:
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(terms) and terms[j] in _NEIGHBOUR_STOPWORDS:
                j += step
            if 0 <= j < len(terms):
                out.add(terms[j])
    return out


def opposites_asked(
    question: str, passage: str, opposites_of: Callable[[str], Collection[str]]
) -> set[tuple[str, str]]:
    """The (question word, opposite) pairs by which ``question`` asks the opposite of what
    ``passage`` says: a word of the question (as written, lower case) whose index term the passage
    lacks while it holds an opposite of it (``opposites_of``: a word's opposites' index terms) beside
    a word that stands beside it in the question too ("raja *terakhir* Majapahit" of "raja *pertama*
    Majapahit"; not "retribusi terkecil" of "tarif baru *sebesar* Rp4.000", a hostile tester's).
    Shared by the fit (``bench/fit_opposites.py``) and the answerer (``fitted_opposite``)."""
    tokens = words(question.lower())
    wanted = {w: set(opposites_of(w)) for w in tokens if w not in _NEIGHBOUR_STOPWORDS}
    if not any(wanted.values()):
        return set()
    q_terms = [stem(w) for w in tokens]
    p_terms = [stem(w) for w in words(passage.lower())]
    present = set(p_terms)
    found: set[tuple[str, str]] = set()
    for i, word in enumerate(tokens):
        opposites = wanted.get(word, set()) & present
        if not opposites or q_terms[i] in present:
            continue
        beside = _content_neighbours(q_terms, [i])
        for opposite in opposites:
            if beside & _content_neighbours(p_terms, [j for j, t in enumerate(p_terms) if t == opposite]):
                found.add((word, opposite))
    return found


def fitted_opposite(query: ParsedQuery, passage: str) -> bool:
    """Whether ``query`` asks the opposite of what ``passage`` says, as the training splits' near
    misses do ("Kapan kerajaan itu dibubarkan?" of a passage on its founding, "didirikan"): a pair
    of ``fitted_opposites`` (``opposites_asked``)."""
    table = fitted_opposites()
    return bool(opposites_asked(query.text, passage, lambda w: table.get(w, frozenset())))


def _opposite(query: ParsedQuery, present: frozenset[str], passage: str | None = None) -> bool:
    """A question word missing from the passage while its opposite is there ("termuda" asked,
    "tertua" written), but for the directions the training questions answer as often as not
    (``antonyms``). Given the ``passage``'s text, only an opposite written where the question
    writes its word: a word of content beside it in the passage (``_content_neighbours``) is a
    term of a concept next to the word's in the question (its translations and variants too):
    "hiu *terkecil*" of "hiu *terbesar*", not "140 petak kosong" of "tpu hampir penuh ya, sisa
    brp petak?", whose "penuh" says what the asker heard, not what they ask."""
    table = antonyms()
    concepts = query.concepts
    terms: list[str] | None = None
    for i, concept in enumerate(concepts):
        if concept.found_in(present):
            continue
        opposites = {o for t in concept.terms for o in table.get(t, frozenset()) & present}
        if not opposites:
            continue
        if passage is None:
            return True
        if terms is None:
            terms = [stem(w) for w in words(passage.lower())]
        beside = {t for j in (i - 1, i + 1) if 0 <= j < len(concepts) for t in concepts[j].terms}
        if beside & _content_neighbours(terms, [j for j, t in enumerate(terms) if t in opposites]):
            return True
    return False


def _share(scores: Sequence[float]) -> float:
    """The softmax weight of the first of ``scores`` (the best) among them."""
    import math

    if not scores:
        return 0.0
    top = max(scores)
    total = sum(math.exp(s - top) for s in scores)
    return math.exp(scores[0] - top) / total


def answer_features(
    query: ParsedQuery, passages: Sequence[PassageCandidate], ranked: Sequence[SentenceCandidate]
) -> dict[str, float]:
    """Features of the question's best answer as a whole (``ranked``: sentences best first,
    ``passages``: passages best first), from which the answer model judges whether it is right."""
    best = ranked[0]
    scores = [s.score for s in ranked]
    passage_scores = [p.score for p in passages]
    present = best.passage.terms
    return {
        "sentence_score": best.score,
        "sentence_margin": best.score - scores[1] if len(scores) > 1 else 5.0,
        "sentence_share": _share(scores),
        "passage_score": best.passage.score,
        "passage_margin": passage_scores[0] - passage_scores[1] if len(passage_scores) > 1 else 5.0,
        "passage_share": _share([best.passage.score, *(p.score for p in passages if p is not best.passage)]),
        "dense": best.features["dense"],
        "passage_dense": best.passage.dense,
        "top_dense": max(p.dense for p in passages),
        "coverage": best.features["coverage"],
        "window_coverage": best.features["window_coverage"],
        "passage_coverage": best.features["passage_coverage"],
        "unknown_weight": query.unknown_share,
        "answer_type": max(best.features[k] for k in ("type_number", "type_date", "type_name", "type_reason")),
        "asks_thing": float(query.kind is not None),
        "lexical_found": float(best.passage.bm25_rank is not None),
        "opposite": float(_opposite(query, present)),
        "opposite_beside": float(_opposite(query, present, best.passage.chunk.text)),
    }
