"""The check every sentence a chat model writes must pass before a user sees it.

A model's answer is untrusted: it is cut into sentences (``split_claims``), and a sentence is
kept only when it cites an existing passage and one sentence of a cited passage supports it
(``Verifier``: enough of its words, every other word of it in that sentence's neighbourhood or
standing in for one of that sentence's words, every figure with its scale and qualifier, every
link, the same negation and the same subject; sharing words is not enough). A kept sentence
cites only the passages that support it; kept sentences are renumbered in order of first
citation, and each citation quotes the sentences that support the answer. An answer keeps at
most ``MAX_CLAIMS`` sentences, none longer than ``MAX_CLAIM_CHARS``, none twice.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.chain.answer import Citation, fullwidth_brackets, passage_quote
from bot.chain.question import ParsedQuery, analyzed_sentences, parse_query
from ingest.store.index import Index
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, replace_surrogates, stem
from ingest.text.sentences import split_sentences
from ingest.text.stemming import stem_indonesian
from ingest.types import Hit

logger = logging.getLogger(__name__)

MARKERS = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_LEADING_MARKERS = re.compile(r"^\s*(?:\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]\s*)+")
# What ends a claim after its words: markers, punctuation and spaces ("... PHK [2][42].").
_TAIL = re.compile(r"(?:\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]|[\s.,;:!?])*\Z")

# How much of a model's answer is kept. The prompt asks for at most three short sentences; a
# model that writes more gets its first MAX_CLAIMS supported ones. A sentence longer than
# MAX_CLAIM_CHARS is no sentence anyone can check against one sentence of a passage, and is
# dropped (a run-on "sentence" repeating three words would otherwise pass word by word).
MAX_CLAIMS = 5
MAX_CLAIM_CHARS = 500


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


def _read(text: str, passages: int) -> tuple[str, tuple[int, ...]]:
    """A claim as shown, without its citation markers, and the passages it cites (those of
    1..``passages``, in order). A marker naming no passage is an invented citation and is
    dropped when it stands after the claim's words ("... PHK [2][42]."); within them ("pada [12]
    Oktober") it is the model's text, kept in fullwidth brackets like any other bracketed number
    ("［12］", "［2024］") and checked as written. Lone surrogates (which no UTF-8 output takes)
    become U+FFFD."""
    tail = _TAIL.search(text)
    tail_start = tail.start() if tail else len(text)
    cited: list[int] = []

    def marker(match: re.Match[str]) -> str:
        numbers = [int(part) for part in re.split(r"\s*[,;]\s*", match.group(1))]
        named = [n for n in numbers if 1 <= n <= passages]
        cited.extend(n for n in named if n not in cited)
        if named or match.start() >= tail_start:
            return ""
        return f"［{match.group(1)}］"

    shown = fullwidth_brackets(MARKERS.sub(marker, text))
    plain = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", shown)).strip()
    return replace_surrogates(plain), tuple(cited)


def _same_claim(text: str) -> str:
    """What two claims that say the same thing have in common (case, spacing and punctuation
    aside)."""
    return " ".join(re.findall(r"\w+", text.casefold()))


# ----- figures: a number with its scale ("700 ribu" is not "700") and qualifier ("lebih dari 700"
# is not "sekitar 700"). -----

# Words that give a figure its scale, in either language, by what they mean.
_MAGNITUDES = {
    "ratus": "hundred",
    "hundred": "hundred",
    "ribu": "thousand",
    "rb": "thousand",
    "thousand": "thousand",
    "juta": "million",
    "jt": "million",
    "million": "million",
    "miliar": "billion",
    "milyar": "billion",
    "billion": "billion",
    "triliun": "trillion",
    "trillion": "trillion",
    "persen": "percent",
    "percent": "percent",
    "per cent": "percent",
    "%": "percent",
}
# Words before a figure that bound it, by what they mean. An approximate figure ("sekitar 700",
# "about 700") and a plain one are interchangeable; any other qualifier must be the source's.
_QUALIFIERS = {
    "about": "sekitar, kira-kira, kurang lebih, lebih kurang, sekira, about, around, approximately, roughly",
    "more": "lebih dari, lebih daripada, di atas, more than, over, above",
    "less": "kurang dari, kurang daripada, di bawah, less than, fewer than, under, below",
    "almost": "hampir, nyaris, nearly, almost",
    "at least": "setidaknya, sedikitnya, minimal, paling sedikit, at least",
    "at most": "paling banyak, maksimal, at most, up to",
}
_QUALIFIER_OF = {phrase: kind for kind, phrases in _QUALIFIERS.items() for phrase in phrases.split(", ")}
_APPROXIMATE = frozenset({None, "about"})


def _alternatives(phrases: Sequence[str]) -> str:
    """A regex alternation of ``phrases``, longest first, any space between their words."""
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


_FIGURE = re.compile(
    rf"(?:(?<![^\W\d_])(?P<qualifier>{_alternatives(list(_QUALIFIER_OF))})\s+)?"
    r"(?:(?:rp|usd|us\$|idr|rm|sgd|eur|\$|€|£)\.?\s*)?"
    r"(?P<number>\d+(?:[.,]\d+)*)"
    rf"(?:\s*(?P<magnitude>%|(?:{_alternatives(list(_MAGNITUDES))})(?![^\W\d_])))?",
    re.IGNORECASE,
)


def _figures(text: str) -> set[tuple[str, str | None, str | None]]:
    """The figures of a text as (number, scale, qualifier): "sekitar 700 karyawan" gives ("700",
    None, "about"), "USD2 miliar" ("2", "billion", None). Separators are removed from numbers
    ("4.000" and "4,000" both give "4000")."""
    found = set()
    for match in _FIGURE.finditer(text):
        qualifier, magnitude = match.group("qualifier"), match.group("magnitude")
        found.add(
            (
                re.sub(r"[.,]", "", match.group("number")),
                _MAGNITUDES[re.sub(r"\s+", " ", magnitude.lower())] if magnitude else None,
                _QUALIFIER_OF[re.sub(r"\s+", " ", qualifier.lower())] if qualifier else None,
            )
        )
    return found


def _figures_agree(claim: set[tuple[str, str | None, str | None]], source: str) -> bool:
    """Whether the source states every figure of the claim, at the same scale and with the same
    qualifier (an approximate and a plain figure are interchangeable)."""
    stated = _figures(source)
    return all(
        any(number == n and magnitude == m and (qualifier == q or {qualifier, q} <= _APPROXIMATE) for n, m, q in stated)
        for number, magnitude, qualifier in claim
    )


# Anything that reads as a link or an address: a claim may only repeat one the passage holds (an
# article cannot have the model tell readers to "hubungi evil.example").
_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\[\]]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w])",
    re.IGNORECASE,
)


@lru_cache(maxsize=64)
def _links(text: str) -> frozenset[str]:
    """The links and addresses in ``text`` (a passage's are read once, and only for a claim that
    gives one: the scan costs time on long texts)."""
    return frozenset(m.group(0).rstrip(".,;:!?)").lower() for m in _LINK.finditer(text))


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


# Words that attribute a statement rather than state a fact ("Menurut The Information, ..."): a
# claim may use them though its passage does not (the name they attribute it to must be there).
_ATTRIBUTION = frozenset(
    "menurut berdasarkan dilaporkan disebutkan artikel berita laporan according based reported article report".split()
)


def _words_accounted(claim: Sequence[_Word], source: Sequence[_Word], context: frozenset[str]) -> bool:
    """Whether every content word of the claim is in the source sentence or its neighbours
    (``context``) or stands in for a word of that sentence. Words of the claim missing there
    stand in for others when they lie between two words of the claim the sentence holds, and
    the sentence has, between those two, at least as many other content words that the claim
    does not use: "lewat email" for "melalui email", "700 pegawai di Malaysia" for "700 karyawan
    di Malaysia". A figure stands in for nothing. A missing word before the first or after the
    last word the sentence holds adds something to it ("... 12 Oktober 2024 dari penipu",
    "... karena korupsi massal"), and so does one more missing word than the sentence has to
    spare ("TikTok membatalkan rencana merumahkan" for "TikTok baru-baru ini merumahkan")."""
    content = [w for w in claim if w.content and w.low not in _ATTRIBUTION]
    used = frozenset().union(*(w.terms for w in content))
    anchors = [i for i, w in enumerate(content) if _find(source, w.terms) is not None]
    missing: dict[tuple[int, int], set[str]] = {}
    for i, word in enumerate(content):
        if word.terms & context:
            continue
        left = next((a for a in reversed(anchors) if a < i), None)
        right = next((a for a in anchors if a > i), None)
        if left is None or right is None:
            return False
        missing.setdefault((left, right), set()).add(word.low)
    for (left, right), words in missing.items():
        spans = [
            (k - j, j, k)
            for j, w in enumerate(source)
            if w.terms & content[left].terms
            for k, v in enumerate(source)
            if k > j and v.terms & content[right].terms
        ]
        if not spans:
            return False
        _, j, k = min(spans)
        spare = {w.low for w in source[j + 1 : k] if w.content and not w.low[0].isdigit() and not w.terms & used}
        if len(words) > len(spare):
            return False
    return True


@dataclass(frozen=True)
class _Support:
    """A sentence of a cited passage that may support a claim, with its neighbours' terms."""

    passage: int  # 1-based passage number
    sentence: str
    position: int  # the sentence's index among its passage's sentences
    words: tuple[_Word, ...]
    coverage: float  # of the claim's concepts, IDF-weighted, by this sentence
    context: frozenset[str]  # index terms of this sentence and its neighbours


class Verifier:
    """Checks the model's claims against the passages it was given and keeps the supported ones.

    A claim is kept when it states something (``MIN_CONTENT_WORDS``), is not a question, is at
    most ``MAX_CLAIM_CHARS`` long, is not one already kept, fewer than ``MAX_CLAIMS`` are kept,
    and a sentence of a passage it cites supports it: that sentence holds ``min_support`` of the
    claim's (IDF-weighted) words and, with the sentences around it, ``min_context_support`` of
    them and every name the claim uses, or it is close to the claim in embedding space; every
    other word of the claim stands in for one of that sentence's (``_words_accounted``); it
    holds every figure the claim states, at the same scale and with the same qualifier; its
    passage holds every link or address the claim gives; it negates what the claim negates and
    nothing the claim asserts; the claim's subject is its subject; and no cited sentence covers
    the claim more than ``max_support_gap`` better (when that one fails a check, the claim
    distorts it). The claim then cites only the passages that support it, each quoting its
    supporting sentence.
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
        self.quotes: dict[int, list[int]] = {}  # passage number -> its supporting sentences' positions
        self.dropped: list[str] = []

    @property
    def full(self) -> bool:
        """Whether the answer holds as many claims as it may (``MAX_CLAIMS``)."""
        return len(self.kept) >= MAX_CLAIMS

    def check(self, claim: Claim) -> bool:
        """Keep ``claim`` when it cites existing passages that support it; return whether kept."""
        if self.full:
            return False
        # One far longer than a claim may be, markers and all, is not even read.
        text, cited = _read(claim.text, len(self.hits)) if len(claim.text) <= 2 * MAX_CLAIM_CHARS else ("", ())
        if (
            not text
            or not cited
            or text.endswith("?")
            or len(text) > MAX_CLAIM_CHARS
            or any(_same_claim(text) == _same_claim(kept) for kept, _ in self.kept)
        ):
            self.dropped.append(claim.text)
            return False
        supports = self._support(text, cited)
        if not supports:
            self.dropped.append(claim.text)
            return False
        self.kept.append((text, tuple(s.passage for s in supports)))
        for support in supports:
            quotes = self.quotes.setdefault(support.passage, [])
            if support.position not in quotes:
                quotes.append(support.position)
        return True

    def _support(self, text: str, cited: tuple[int, ...]) -> list[_Support]:
        """For each cited passage that supports ``text``, in citation order, the sentence of it
        that does (none when no passage does)."""
        parsed = parse_query(text, self.index)
        claim = _claim_words(text, parsed)
        if len({w.low for w in claim if w.content}) < MIN_CONTENT_WORDS:
            return []
        figures = _figures(text)
        links = _links(text)
        names = [w.terms for w in claim if w.name]
        candidates = sorted(self._candidates(parsed, cited), key=lambda s: s.coverage, reverse=True)
        if not candidates:
            return []
        # A sentence that states the claim clearly less well than the best one does only supports
        # it when the best one fails a check: the claim distorts that one ("sekitar 500 karyawan"
        # from "merumahkan sekitar 700 karyawan" and "kurang dari 500 karyawan" next to it).
        floor = candidates[0].coverage - self.max_support_gap
        plausible = [
            s
            for s in candidates
            if s.coverage >= floor
            and _figures_agree(figures, s.sentence)
            and (not links or links <= _links(self.hits[s.passage - 1].chunk.text))
            and all(terms & s.context for terms in names)
            and _negations_agree(claim, s.words)
            and _roles_agree(claim, s.words)
            and _words_accounted(claim, s.words, s.context)
        ]
        supporting = [
            s
            for s in plausible
            if s.coverage >= self.min_support and parsed.coverage(s.context) >= self.min_context_support
        ]
        # Fewer shared words: a sentence close in embedding space, whose neighbourhood holds at
        # least half the claim, still supports it (the bundled English model finds any two
        # Indonesian sentences about the same names close, so closeness alone is not enough).
        if not supporting:
            supporting = [
                s
                for s in plausible[:1]
                if parsed.coverage(s.context) >= self.min_support and self._similar(text, s.sentence)
            ]
        best: dict[int, _Support] = {}
        for s in supporting:  # best covering first
            best.setdefault(s.passage, s)
        return [best[n] for n in cited if n in best]

    def _candidates(self, parsed: ParsedQuery, cited: tuple[int, ...]) -> Iterator[_Support]:
        for n in cited:
            sentences = analyzed_sentences(self.hits[n - 1].chunk.text)
            for j, (span, terms) in enumerate(sentences):
                context = frozenset().union(*(t for _, t in sentences[max(0, j - 2) : j + 3]))
                yield _Support(n, span.text, j, _sentence_words(span.text), parsed.coverage(terms), context)

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
        """One citation per cited passage, quoting the sentences of it that support the answer
        (a passage is cited only by the claims it supports, so there always are some)."""
        by_number = {number: passage for passage, number in self.numbering().items()}
        out = []
        for number in sorted(by_number):
            hit = self.hits[by_number[number] - 1]
            quote = passage_quote(hit.chunk.text, analyzed_sentences(hit.chunk.text), self.quotes[by_number[number]])
            out.append(Citation(number, hit.chunk, quote, hit.score))
        return out
