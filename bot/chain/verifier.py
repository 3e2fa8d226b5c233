"""The check every sentence a chat model writes must pass before a user sees it.

A model's answer is untrusted: it is cut into sentences (``split_claims``), and a sentence is
kept only when every number it cites exists and one sentence of the cited passages supports it
(``Verifier``: enough of its words, every figure and name, the same negation and the same
subject; sharing words is not enough). Kept sentences are renumbered in order of first
citation, and each citation quotes the sentences that support the answer.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.chain.answer import Citation
from bot.chain.question import ParsedQuery, analyzed_sentences, parse_query
from ingest.store.index import Index
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, replace_surrogates, stem
from ingest.text.sentences import split_sentences
from ingest.text.stemming import stem_indonesian
from ingest.types import Hit

logger = logging.getLogger(__name__)

MARKERS = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_LEADING_MARKERS = re.compile(r"^\s*(?:\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]\s*)+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's answer and the passage numbers it cites (1-based)."""

    text: str
    cited: tuple[int, ...]


def split_claims(text: str) -> list[Claim]:
    """Cut model output into sentences; citation markers right after a full stop
    ("... PHK. [1]") belong to the sentence before them."""
    claims: list[Claim] = []
    for span in split_sentences(text):
        sentence = span.text.strip()
        leading = _LEADING_MARKERS.match(sentence)
        if leading and claims:
            previous = claims.pop()
            sentence_markers = leading.group(0)
            claims.append(
                Claim(previous.text + " " + sentence_markers.strip(), previous.cited + _numbers(sentence_markers))
            )
            sentence = sentence[leading.end() :].strip()
        if sentence:
            claims.append(Claim(sentence, _numbers(sentence)))
    return claims


def _numbers(text: str) -> tuple[int, ...]:
    found: list[int] = []
    for group in MARKERS.findall(text):
        for part in re.split(r"\s*[,;]\s*", group):
            if int(part) not in found:
                found.append(int(part))
    return tuple(found)


def _plain(text: str) -> str:
    """A claim without its markers, lone surrogates (which no UTF-8 output takes) as U+FFFD."""
    return replace_surrogates(re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", MARKERS.sub("", text))).strip())


def _figures(text: str) -> set[str]:
    """Numbers written in a text, separators removed ("4.000" and "4,000" both give "4000")."""
    return {re.sub(r"[.,]", "", m) for m in _NUMBER.findall(text)}


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


# A claim must say something of its own: a bare "PWNED." or "Ya." that an article asked the model
# to write is no answer, however fully the article "supports" its one word.
MIN_CONTENT_WORDS = 2
_STOPWORDS = ID_STOPWORDS | EN_STOPWORDS
_WORD = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]]|\s[-\u2013\u2014]\s")
# Words that negate what follows them; "tidak hanya" and "not only" do not.
_NEGATIONS = frozenset(
    "tidak tak bukan belum tiada tanpa jangan never not no nor without cannot "
    "didn doesn don isn aren wasn weren hasn haven hadn won wouldn shouldn couldn".split()
)
_NOT_NEGATING = frozenset("hanya saja cuma only just".split())
# Tense, aspect and modal words between a negation and what it negates ("tidak pernah merumahkan").
_NEGATION_FILLERS = frozenset(
    "pernah akan sedang masih lagi pula terlalu begitu sama sekali any ever t be been being is are "
    "was were do does did have has had will would could should can may might".split()
)
_NEGATION_SCOPE = 2  # the content words a negation covers: the one it negates and the next
_PASSIVE_AUXILIARIES = frozenset("is are was were be been being".split())


@dataclass(frozen=True)
class _Word:
    """A word of a claim or of a passage sentence, in order."""

    low: str
    terms: frozenset[str]  # index terms that express it (an English word's include its translations)
    content: bool  # not a stopword
    name: bool  # written like a name: capitalised, or unknown to the Indonesian lexicon at the start
    clause: int  # which clause of the sentence it is in (clauses end at commas, colons, dashes...)


def _is_name(surface: str, low: str, first: bool, translated: bool) -> bool:
    if not surface[0].isupper() or low in _STOPWORDS:
        return False
    if not first or any(ch.isupper() for ch in surface[1:]):
        return True
    return stem_indonesian(low) is None and not translated  # a sentence's first word: "Microsoft", not "Sekitar"


def _words(text: str, concepts: dict[str, frozenset[str]]) -> tuple[_Word, ...]:
    out = []
    clause, end = 0, 0
    for i, match in enumerate(_WORD.finditer(text)):
        surface = match.group(0)
        low = surface.lower()
        terms = concepts.get(low) or frozenset({stem(low)})
        content = low not in _STOPWORDS
        clause += bool(_CLAUSE_BREAK.search(text[end : match.start()]))
        end = match.end()
        name = _is_name(surface, low, i == 0, low in concepts and len(terms) > 1)
        out.append(_Word(low, terms, content, name, clause))
    return tuple(out)


@lru_cache(maxsize=4096)
def _sentence_words(sentence: str) -> tuple[_Word, ...]:
    """The words of a passage sentence (cached: a streamed answer checks the same ones often)."""
    return _words(sentence, {})


def _claim_words(text: str, parsed: ParsedQuery) -> tuple[_Word, ...]:
    """The words of a claim, each with the index terms of its concept (so English words carry
    their Indonesian translations)."""
    concepts: dict[str, frozenset[str]] = {}
    for concept in parsed.concepts:
        for part in concept.surface.split():
            concepts.setdefault(part, frozenset(concept.terms))
    return _words(text, concepts)


def _find(words: Sequence[_Word], terms: frozenset[str]) -> int | None:
    return next((k for k, w in enumerate(words) if w.terms & terms), None)


def _negation_scopes(words: Sequence[_Word]) -> list[list[int]]:
    """For each negation, the positions of the content words it covers, the negated one first."""
    scopes = []
    for i, word in enumerate(words):
        if word.low not in _NEGATIONS or (i + 1 < len(words) and words[i + 1].low in _NOT_NEGATING):
            continue
        scope = [
            j
            for j in range(i + 1, min(len(words), i + 6))
            if words[j].content and words[j].low not in _NEGATION_FILLERS and words[j].low not in _NEGATIONS
        ][:_NEGATION_SCOPE]
        if scope:
            scopes.append(scope)
    return scopes


def _negations_agree(claim: Sequence[_Word], source: Sequence[_Word]) -> bool:
    """Whether what the claim negates the source negates too, and the claim does not assert
    what the source negates ("TikTok tidak pernah merumahkan karyawan" against "TikTok
    merumahkan sekitar 700 karyawan", or "TikTok membayar" against "tidak perlu membayar")."""
    claim_scopes, source_scopes = _negation_scopes(claim), _negation_scopes(source)
    source_negated = frozenset().union(*(source[j].terms for scope in source_scopes for j in scope))
    if any(not claim[scope[0]].terms & source_negated for scope in claim_scopes):
        return False
    claim_negated = frozenset().union(*(claim[j].terms for scope in claim_scopes for j in scope))
    claim_terms = frozenset().union(*(w.terms for w in claim if w.content))
    return not any(
        source[j].terms & claim_terms and not source[j].terms & claim_negated for scope in source_scopes for j in scope
    )


def _passive(words: Sequence[_Word], i: int) -> bool:
    """Whether the verb at ``i`` is passive: "dirumahkan", "were paid"."""
    word = words[i]
    di_form = word.low.startswith("di") and len(word.low) > 4 and word.low not in word.terms
    return di_form or (i > 0 and words[i - 1].low in _PASSIVE_AUXILIARIES)


def _roles_agree(claim: Sequence[_Word], source: Sequence[_Word]) -> bool:
    """Whether the claim's subject is the source's. The pivot is the claim's first word, not a
    name, that the source holds (its verb, as a rule); a name before it in its clause of the
    claim must stand before it in the source as well (after it when one of the two is passive),
    and a name the source lacks cannot take the place of one the source names there
    ("Microsoft merumahkan" against "TikTok ... merumahkan", "Microsoft membayar TikTok"
    against "TikTok membayar Microsoft"). Clauses before the pivot's ("Menurut Reuters, ...")
    are not its subject."""
    shared = ((i, _find(source, w.terms)) for i, w in enumerate(claim) if w.content and not w.name)
    pivot, at = next(((i, k) for i, k in shared if k is not None), (None, None))
    if pivot is None or at is None:
        return True
    flipped = _passive(claim, pivot) != _passive(source, at)
    source_names_before = any(w.name and w.clause == source[at].clause for w in source[:at])
    for word in claim[:pivot]:
        if not word.name or word.clause != claim[pivot].clause:
            continue
        places = [k for k, w in enumerate(source) if w.terms & word.terms]
        if not places:
            if source_names_before:
                return False
        elif not any(k > at if flipped else k < at for k in places):
            return False
    return True


@dataclass(frozen=True)
class _Support:
    """A sentence of a cited passage that may support a claim, with its neighbours' terms."""

    passage: int  # 1-based passage number
    sentence: str
    words: tuple[_Word, ...]
    coverage: float  # of the claim's concepts, IDF-weighted, by this sentence
    context: frozenset[str]  # index terms of this sentence and its neighbours


class Verifier:
    """Checks the model's claims against the passages it was given and keeps the supported ones.

    A claim is kept when it states something (``MIN_CONTENT_WORDS``), is not a question, and one
    sentence of a passage it cites supports it: that sentence holds ``min_support`` of the
    claim's (IDF-weighted) words and, with the sentences around it, ``min_context_support`` of
    them and every name the claim uses, or it is close to the claim in embedding space; it holds
    every figure the claim states; it negates what the claim negates and nothing the claim
    asserts; the claim's subject is its subject; and no cited sentence covers the claim more than
    ``max_support_gap`` better (when that one fails a check, the claim distorts it).
    """

    def __init__(
        self,
        index: Index,
        hits: Sequence[Hit],
        min_support: float = 0.5,
        min_similarity: float = 0.75,
        min_context_support: float = 0.6,
        max_support_gap: float = 0.2,
    ) -> None:
        self.index = index
        self.hits = list(hits)
        self.min_support = min_support
        self.min_similarity = min_similarity
        self.min_context_support = min_context_support
        self.max_support_gap = max_support_gap
        self.kept: list[tuple[str, tuple[int, ...]]] = []  # (plain text, passage numbers)
        self.quotes: dict[int, list[str]] = {}  # passage number -> supporting sentences
        self.dropped: list[str] = []

    def check(self, claim: Claim) -> bool:
        """Keep ``claim`` when it cites existing passages that support it; return whether kept."""
        text = _plain(claim.text)
        cited = tuple(n for n in claim.cited if 1 <= n <= len(self.hits))
        support = self._support(text, cited) if text and cited and not text.endswith("?") else None
        if support is None:
            self.dropped.append(claim.text)
            return False
        self.kept.append((text, cited))
        quotes = self.quotes.setdefault(support.passage, [])
        if support.sentence not in quotes:
            quotes.append(support.sentence)
        return True

    def _support(self, text: str, cited: tuple[int, ...]) -> _Support | None:
        """The cited sentence that supports ``text``, or None."""
        parsed = parse_query(text, self.index)
        claim = _claim_words(text, parsed)
        if len({w.low for w in claim if w.content}) < MIN_CONTENT_WORDS:
            return None
        figures = _figures(text)
        names = [w.terms for w in claim if w.name]
        candidates = sorted(self._candidates(parsed, cited), key=lambda s: s.coverage, reverse=True)
        if not candidates:
            return None
        # A sentence that states the claim clearly less well than the best one does only supports
        # it when the best one fails a check: the claim distorts that one ("sekitar 500 karyawan"
        # from "merumahkan sekitar 700 karyawan" and "kurang dari 500 karyawan" next to it).
        floor = candidates[0].coverage - self.max_support_gap
        plausible = [
            s
            for s in candidates
            if s.coverage >= floor
            and figures <= _figures(s.sentence)
            and all(terms & s.context for terms in names)
            and _negations_agree(claim, s.words)
            and _roles_agree(claim, s.words)
        ]
        for s in plausible:
            if s.coverage >= self.min_support and parsed.coverage(s.context) >= self.min_context_support:
                return s
        # Fewer shared words: a sentence close in embedding space, whose neighbourhood holds at
        # least half the claim, still supports it (the bundled English model finds any two
        # Indonesian sentences about the same names close, so closeness alone is not enough).
        for s in plausible[:1]:
            if parsed.coverage(s.context) >= self.min_support and self._similar(text, s.sentence):
                return s
        return None

    def _candidates(self, parsed: ParsedQuery, cited: tuple[int, ...]) -> Iterator[_Support]:
        for n in cited:
            sentences = analyzed_sentences(self.hits[n - 1].chunk.text)
            for j, (span, terms) in enumerate(sentences):
                context = frozenset().union(*(t for _, t in sentences[max(0, j - 2) : j + 3]))
                yield _Support(n, span.text, _sentence_words(span.text), parsed.coverage(terms), context)

    def _similar(self, text: str, sentence: str) -> bool:
        try:
            vectors = self.index.embeddings.embed_documents([text, sentence])
        except Exception:
            logger.warning("embedding support check failed", exc_info=True)
            return False
        return _cosine(vectors[0], vectors[1]) >= self.min_similarity

    def numbering(self) -> dict[int, int]:
        """Passage number -> citation number, in order of first use by a kept claim."""
        order: dict[int, int] = {}
        for _, cited in self.kept:
            for n in cited:
                order.setdefault(n, len(order) + 1)
        return order

    def text(self) -> str:
        """The kept claims with their renumbered markers."""
        order = self.numbering()
        return " ".join(f"{text} " + "".join(f"[{order[n]}]" for n in cited) for text, cited in self.kept)

    def citations(self) -> list[Citation]:
        """One citation per cited passage, quoting the sentences that support the answer."""
        by_number = {number: passage for passage, number in self.numbering().items()}
        out = []
        for number in sorted(by_number):
            hit = self.hits[by_number[number] - 1]
            quotes = self.quotes.get(by_number[number]) or [hit.chunk.text]
            out.append(Citation(number, hit.chunk, " ".join(quotes), hit.score))
        return out
