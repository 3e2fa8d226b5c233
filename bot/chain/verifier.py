"""The check every sentence a chat model writes must pass before a user sees it.

A model's answer is untrusted: it is cut into sentences (``split_claims``), and a sentence is
kept only when it cites an existing passage and is word for word one of its sentences (the
default: the model quotes), or, when the model may paraphrase, one sentence of a cited passage
supports it (``Verifier``: enough of its words; every other word of it in that sentence, a name
of its article's title or of the sentence it refers back to, or a synonym of one of that
sentence's words; every figure with its scale and qualifier; every link; the same negation,
subject, order of names, hedges, tense, quantity and reader; no command; sharing words is not
enough, and a lexical check cannot catch every change of meaning). What is checked is what is
shown: invisible characters, bidirectional controls and markdown marks go first. A kept sentence
cites only the passages that support it; kept sentences are renumbered in order of first
citation, and each citation quotes the sentences that support the answer. An answer keeps at
most ``MAX_CLAIMS`` sentences, none longer than ``MAX_CLAIM_CHARS``, none twice.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.chain.answer import Citation, fullwidth_brackets, passage_quote
from bot.chain.question import ParsedQuery, abbreviations, analyzed_sentences, parse_query, synonym_lines
from ingest.store.index import Index
from ingest.text.analysis import DATELINE, EN_STOPWORDS, ID_STOPWORDS, replace_surrogates, stem, without_invisible
from ingest.text.calendar import CALENDAR_WORDS
from ingest.text.numbers import TENS, UNITS, alternatives, in_digits
from ingest.text.sentences import refers_back, split_sentences
from ingest.text.stemming import root_words, stem_indonesian
from ingest.types import Hit

logger = logging.getLogger(__name__)

MARKERS = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_LEADING_MARKERS = re.compile(r"^\s*(?:\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]\s*)+")
# A citation that ends a sentence within what the sentence splitter took for one: "... Malaysia
# [1]. tiktok merumahkan ..." (a sentence that starts in lower case is joined to the one before).
_SENTENCE_MARKER_END = re.compile(
    r"(?:[.!?]\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]|\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\][.!?])(?=\s+\S)"
)
# A question, however it ends ("?", "？", "‽", "?!", "?)", "?”").
_QUESTION_END = re.compile(r"[?？‽؟][^\w]*\Z")
# Markdown a model may write around its words ("**TikTok**", "`...`", "> ", "# "): an answer is
# plain text wherever it is shown.
_MARKUP = re.compile(
    r"`+|(?:\*\*|__|\|\||~~)(?=\S.*?\S?(?:\*\*|__|\|\||~~))|(?<=\S)(?:\*\*|__|\|\||~~)(?!\w)|(?m:^\s*(?:>|#{1,6})\s+)"
)
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
    pieces = (piece for span in split_sentences(text) for piece in _cut_after_markers(span.text))
    for piece in pieces:
        sentence = piece.strip()
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


def _cut_after_markers(sentence: str) -> list[str]:
    """``sentence`` cut after each citation that ends a sentence within it."""
    ends = [m.end() for m in _SENTENCE_MARKER_END.finditer(sentence)]
    return [sentence[a:b] for a, b in zip([0, *ends], [*ends, len(sentence)], strict=True)]


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
    text = _MARKUP.sub("", without_invisible(unicodedata.normalize("NFC", text)))
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


# What the word check cannot read and a claim may not add to its passages: symbols such as emoji,
# "★", "™" (but the degree sign), modifier symbols, private-use and unassigned code points, and
# the signs of markup ("<@&700>", "@everyone", "<#1>"). Currency, maths signs, quotes, brackets
# and dashes are how a paraphrase writes what a passage says ("$20 juta", "R&D", "35°C", "«...»").
_UNREADABLE_CATEGORIES = frozenset({"So", "Sk", "Co", "Cn", "Cf"})
_MARKUP_SIGNS = frozenset("<>@")


def _script(ch: str) -> str:
    """The script of a letter ("LATIN", "CYRILLIC", "GREEK"), from its Unicode name."""
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


def _unaccounted_marks(text: str, sources: Sequence[str]) -> bool:
    """Whether a paraphrased claim holds what the word-by-word check cannot read and its cited
    passages lack: an emoji or another symbol, or a sign of markup (``_UNREADABLE_CATEGORIES``,
    ``_MARKUP_SIGNS``: these rode along unchecked, and a mention's markup pings wherever the
    answer is relayed), or a letter of a script none of them writes ("Маlaysia" with Cyrillic
    letters, which the word check read as the Latin word)."""
    present = set().union(*(set(source) for source in sources)) if sources else set()
    scripts = {_script(ch) for ch in present if ch.isalpha()} | {"LATIN"}
    for ch in set(text) - present:
        if ch.isalpha():
            if _script(ch) not in scripts:
                return True
        elif ch in _MARKUP_SIGNS or (unicodedata.category(ch) in _UNREADABLE_CATEGORIES and ch != "°"):
            return True
    return False


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


# Currencies written as words before a figure ("Rp2 miliar", "USD 7"), as its words are read.
_CURRENCY_WORDS = ("rp", "usd", "idr", "rm", "sgd", "eur")
_SCALE = rf"(?:{alternatives(list(_MAGNITUDES))})(?![^\W\d_])"
_FIGURE = re.compile(
    rf"(?:(?<![^\W\d_])(?P<qualifier>{alternatives(list(_QUALIFIER_OF))})\s+)?"
    rf"(?:(?:{'|'.join(_CURRENCY_WORDS)}|us\$|\$|€|£)\.?\s*)?"
    r"(?P<number>\d+(?:[.,]\d+)*)"
    rf"(?:\s*(?P<magnitude>%|{_SCALE}(?:\s+{_SCALE})*))?",
    re.IGNORECASE,
)

_FRACTIONS = {
    **dict.fromkeys(["separuh", "setengah", "half"], "1/2"),
    **dict.fromkeys(["seperempat"], "1/4"),  # not "quarter": "the fourth quarter" is a time
    **dict.fromkeys(["sepertiga"], "1/3"),
    **dict.fromkeys(["dua pertiga", "two-thirds", "two thirds"], "2/3"),
}
_FRACTION = re.compile(rf"(?<![^\W\d_])(?:{alternatives(list(_FRACTIONS))})(?![^\W\d_])", re.IGNORECASE)


def _figures(text: str) -> set[tuple[str, str | None, str | None]]:
    """The figures of a text as (number, scale, qualifier): "sekitar 700 karyawan" gives ("700",
    None, "about"), "USD2 miliar" ("2", "billion", None). Separators are removed from numbers
    ("4.000" and "4,000" both give "4000")."""
    found: set[tuple[str, str | None, str | None]] = {
        (_FRACTIONS[m.group(0).lower()], "fraction", None) for m in _FRACTION.finditer(text)
    }
    for match in _FIGURE.finditer(in_digits(text)):
        qualifier, magnitude = match.group("qualifier"), match.group("magnitude")
        found.add(
            (
                re.sub(r"[.,]", "", match.group("number")),
                _scale(magnitude) if magnitude else None,
                _QUALIFIER_OF[re.sub(r"\s+", " ", qualifier.lower())] if qualifier else None,
            )
        )
    return found


def _scale(magnitude: str) -> str:
    """What a figure's scale words mean together ("juta" million, "juta juta" million million)."""
    if magnitude == "%":
        return "percent"
    words = re.findall(_SCALE, magnitude, re.IGNORECASE)
    return " ".join(_MAGNITUDES[re.sub(r"\s+", " ", w.lower())] for w in words)


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
        elif not any(k > at if flipped else (k < at and not _relative(source, k, at)) for k in places):
            return False
    if flipped:
        return True
    if not _objects_agree(claim, source):
        return False
    # Names the source holds that a verb separates in the claim come in the source's order
    # ("TikTok yang dimiliki Microsoft rutin membayar ByteDance" against "TikTok yang dimiliki
    # ByteDance rutin membayar Microsoft", "TikTok, induk ByteDance, ..."); within a noun phrase
    # the order may change ("pendapatan AI Microsoft", "pendapatan Microsoft di bidang AI").
    last: int | None = None
    verb_since, clause, seen = False, 0, set()
    for word in claim:
        verb_since = verb_since or word.clause != clause or (not word.name and _verb_like(word))
        clause = word.clause
        k = _find(source, word.terms) if word.name else None
        if k is None or k in seen:
            continue
        seen.add(k)
        if last is not None and verb_since and k < last:
            return False
        if last is None or verb_since:
            last, verb_since = k, False
    return True


def _relative(words: Sequence[_Word], k: int, at: int) -> bool:
    """Whether the word at ``k`` stands in a relative clause ("yang dimiliki ByteDance") of the
    clause of the verb at ``at``: a "yang" of its clause before it. Its name is no subject of
    that verb ("ByteDance membayar Microsoft" is not what "TikTok yang dimiliki ByteDance rutin
    membayar Microsoft" says: a hostile test)."""
    return any(w.low == "yang" and w.clause == words[at].clause for w in words[:k])


def _objects_agree(claim: Sequence[_Word], source: Sequence[_Word]) -> bool:
    """Whether a name the claim puts right after one of the source's words (its verb, as a rule:
    "membayar OpenAI") follows that word in the source too, within its next three content words
    ("rutin membayar Microsoft senilai ..." has Microsoft paid, not OpenAI)."""
    words = [w for w in claim if w.content and w.low not in _ATTRIBUTION]
    source_content = [w for w in source if w.content]
    for before, word in itertools.pairwise(words):
        if not word.name or before.name or not _verb_like(before) or before.clause != word.clause:
            continue
        places = [k for k, w in enumerate(source_content) if w.terms & before.terms]
        if places and not any(w.terms & word.terms for k in places for w in source_content[k + 1 : k + 4]):
            return False
    return True


def _verb_like(word: _Word) -> bool:
    """Whether a word reads as a verb: an Indonesian one with a verb prefix ("membayar",
    "dimiliki", "bermitra"), an English one with a verb ending ("pays", "owned")."""
    low = word.low
    if low.startswith(("me", "di", "ber", "ter")) and stem(low) != low:
        return True
    english = low.isascii() and stem_indonesian(low) is None
    return english and low.endswith(("s", "ed")) and len(low) > 3 and not low.endswith(("ss", "us", "is"))


# Words that attribute a statement rather than state a fact ("Menurut The Information, ..."): a
# claim may use them though its passage does not (the name they attribute it to must be there).
_ATTRIBUTION = frozenset(
    "menurut berdasarkan dilaporkan disebutkan artikel berita laporan according based reported article report".split()
)


def _key(low: str) -> str:
    """A word as the glossary's groups know it: its root and how it is derived from it
    ("merumahkan" and "dirumahkan" are one key, "mempekerjakan" and "pekerja" two)."""
    root = stem(low)
    kind, suffix = _shape(low, root)
    return f"{root}:{kind}:{suffix}"


@lru_cache(maxsize=1)
def _synonym_groups() -> dict[str, frozenset[int]]:
    """Word key (``_key``) -> the lines of bot/chain/data/synonyms_id.txt (``synonym_lines``) that
    hold it: words of one line are the same word to a claim ("karyawan", "pegawai", "pekerja"). A
    phrase ("terkena_phk") is keyed by its words' keys joined."""
    groups: dict[str, set[int]] = {}
    for n, line in enumerate(synonym_lines()):
        for word in line:
            groups.setdefault(" ".join(_key(w) for w in word.split("_")), set()).add(n)
    return {key: frozenset(ns) for key, ns in groups.items()}


def _synonyms(key: str, other: _Word) -> bool:
    """Whether the word (or phrase) ``key`` and the word ``other`` are synonyms
    (``_synonym_groups``)."""
    groups = _synonym_groups()
    mine = groups.get(key, frozenset())
    return bool(mine) and bool(mine & groups.get(_key(other.low), frozenset()))


# The prepositions that say where ("di Malaysia", "in Malaysia")
_WHERE = frozenset({"di", "in"})


@lru_cache(maxsize=4096)
def _own_names(sentence: str) -> tuple[tuple[frozenset[str], ...], bool]:
    """The names a passage's sentence writes (each as its index terms; its dateline, days and
    months aside), and whether one of them names someone: a name that is not an abbreviation of
    news vocabulary ("PHK", "DPRD": ``abbreviations``). A name of its article's title may stand
    for what a sentence naming no one leaves unsaid ("Sekitar 700 karyawan TikTok" of "Sekitar 700
    karyawan terkena PHK" under a headline on TikTok), but not for a name it writes ("milik
    Microsoft" for "milik OpenAI"), nor in a sentence naming someone, wherever it names them: what
    it leaves unsaid may be theirs ("model TikTok yang sudah ada" of "Hal itu menjadi masalah
    karena OpenAI melarang ... berdasarkan model yang sudah ada", "sumber industri Microsoft" of
    "seorang sumber industri kepada The Information"; a headline in title case makes a name of
    every word; a hostile tester's and a review's, 2026-12-05). Cached, as ``_sentence_words``:
    every claim reads the sentences of the passages it cites again."""
    words = [w for w in _sentence_words(DATELINE.sub("", sentence, count=1)) if w.content]
    named = [w for w in words if w.name and w.low not in CALENDAR_WORDS]
    vocabulary = abbreviations()
    return tuple(w.terms for w in named), any(w.low not in vocabulary for w in named)


def _words_accounted(
    claim: Sequence[_Word],
    source: Sequence[_Word],
    names: frozenset[str],
    context: frozenset[str],
    own_names: Sequence[frozenset[str]] = (),
) -> bool:
    """Whether every content word of the claim is a word of the source sentence, a name of its
    article's title or of the sentence it refers back to (``names``: "TikTok" of a title on
    TikTok, "Malaysia" before "Langkah ini diambil untuk ..."), or a synonym
    (bot/chain/data/synonyms_id.txt) of one of the source sentence's words that the claim does
    not use otherwise ("pegawai" for "karyawan", "terkena PHK" for "merumahkan"); each source
    word stands in once. The names that say whose claim it is ("Menurut The Information, ...")
    may come from the sentences around (``context``). Nothing else stands in for a word: a word
    that merely takes another's place ("merekrut", "mengizinkan" or "kecil" for "merumahkan",
    "melarang" or "besar") says something the source does not, and a word from another sentence
    nearby may say it of something else ("TikTok mengonfirmasi bahwa 700 karyawan ..." from "...
    700 karyawan ..." and "Meskipun TikTok mengonfirmasi adanya PHK ini, jumlahnya kurang dari
    500")."""
    attributed = _attributed_names(claim)
    # Words the other checks read: a figure's qualifier ("fewer than") or words ("dua puluh"), a
    # stance ("diduga").
    qualifying = _qualifying(claim)
    content = [
        (at, w)
        for at, w in enumerate(claim)
        if w.content and w.low not in _NOT_ACCOUNTED and (w.low not in _QUALIFIER_WORDS or at not in qualifying)
    ]
    used = [w for _, w in content]
    spare = [w for w in source if w.content and not w.low[0].isdigit() and not any(_same_word(c, w) for c in used)]
    done: set[int] = set()
    for at, word in content:
        if at in done or _holds(source, word):
            continue
        if word.name and word.terms & names:
            if any(not any(n & w.terms for w in claim) for n in own_names):
                return False  # in the place of a name the sentence writes ("milik Microsoft" for "milik OpenAI")
            # a name of the title may stand for what the sentence leaves unsaid, not in the place
            # of where it says ("ratusan karyawan TikTok di Malaysia" for "... di seluruh dunia"
            # under a headline on Malaysia: a hostile test)
            if at and claim[at - 1].low in _WHERE and any(w.low == claim[at - 1].low for w in source):
                return False
            continue
        if at in attributed and word.terms & context:
            continue
        options: list[tuple[tuple[int, ...], str]] = [((at,), _key(word.low))]
        if at > 0:  # with the word before or after it, a phrase ("sebagian besar", "terkena PHK")
            options.insert(0, ((at - 1, at), f"{_key(claim[at - 1].low)} {_key(word.low)}"))
        if at + 1 < len(claim):
            options.insert(0, ((at, at + 1), f"{_key(word.low)} {_key(claim[at + 1].low)}"))
        for places, key in options:
            k = next((k for k, w in enumerate(spare) if _synonyms(key, w)), None)
            if k is not None:
                spare.pop(k)
                done.update(places)
                break
        else:
            return False
    return True


def _attributed_names(claim: Sequence[_Word]) -> set[int]:
    """Where the claim names whose claim it is: the names right after an attribution word
    ("Menurut The Information", "dilaporkan Reuters")."""
    found: set[int] = set()
    for at, word in enumerate(claim):
        if word.low not in _ATTRIBUTION:
            continue
        for after in range(at + 1, len(claim)):
            if claim[after].name:
                found.add(after)
            elif claim[after].content:
                break
    return found


# How a word is derived from its root, which changes what it means ("bekerja" works,
# "mempekerjakan" employs, "pekerja" is a worker; "rumah" is a house, "merumahkan" lays off),
# while the voice does not ("membayar", "dibayar", "bayar").
_PREFIX_CLASSES = (
    ("memper", "per"),
    ("diper", "per"),
    ("mempe", "per"),
    ("dipe", "per"),
    ("menge", ""),
    ("meng", ""),
    ("meny", ""),
    ("mem", ""),
    ("men", ""),
    ("me", ""),
    ("di", ""),
    ("ber", "ber"),
    ("bel", "ber"),
    ("be", "ber"),
    ("ter", "ter"),
    ("per", "per"),
    ("peng", "pe"),
    ("peny", "pe"),
    ("pem", "pe"),
    ("pen", "pe"),
    ("pe", "pe"),
    ("ke", "ke"),
    ("se", "se"),
)


def _shape(low: str, root: str) -> tuple[str, str]:
    """A word's derivation from ``root``: its prefix's kind and its derivational suffix."""
    word = low
    for ending in ("lah", "kah", "nya", "pun", "ku", "mu"):
        if word.endswith(ending) and len(word) - len(ending) >= len(root):
            word = word[: -len(ending)]
            break
    suffix = next((e for e in ("kan", "an", "i") if word.endswith(e) and not root.endswith(e)), "")
    word = word[: len(word) - len(suffix)]
    at = word.rfind(root) if root in word else word.rfind(root[1:]) if len(root) > 2 else -1
    prefix = word[:at] if at > 0 else ""
    kind = next((k for p, k in _PREFIX_CLASSES if prefix.startswith(p)), prefix)
    return kind, suffix


def _same_word(claim_word: _Word, source_word: _Word) -> bool:
    """Whether the claim's word is the source's: the same term, and when both are Indonesian
    forms of one root, the same derivation (``_shape``)."""
    shared = claim_word.terms & source_word.terms
    if not shared:
        return False
    root = stem(claim_word.low)
    if root not in shared or stem(source_word.low) != root or claim_word.low == source_word.low:
        return True  # matched through a translation or a spelling, or written alike
    return _shape(claim_word.low, root) == _shape(source_word.low, root)


def _holds(source: Sequence[_Word], word: _Word) -> bool:
    return any(_same_word(word, w) for w in source)


# Words that say how sure, when, how much or to whom something is said. Most are stopwords, so
# the word checks do not see them, yet "TikTok akan merumahkan", "TikTok hanya menggunakan" or
# "Anda harus membayar" say something else than "TikTok merumahkan", "TikTok menggunakan" or
# "TikTok membayar". A claim may use one only where its sentence (or the sentence it refers back
# to) uses one of the same group, and must keep its sentence's hedge or future ("diduga",
# "diperkirakan akan") unless it says whose claim it is ("Menurut TheVerge, ...").
_STANCES = {
    "future": "akan bakal berencana rencana will shall plan plans planned",
    "done": "sudah telah already",
    "once": "pernah once",
    "still": "masih still",
    "now": "sedang currently",
    "only": "hanya cuma only solely",
    "all": "semua seluruh segala segenap all entire whole",
    "must": "harus wajib mesti must should",
    "can": "bisa dapat mampu can could able",
    "hedge": (
        "mungkin kemungkinan barangkali diduga dugaan kabarnya dikabarkan diperkirakan perkiraan "
        "disebut-sebut maybe perhaps possibly probably likely allegedly alleged suspected reportedly might may "
        "expected estimated"
    ),
    "you": "anda kamu kalian engkau kau dikau you your yours yourself yourselves",
    "request": "silakan silahkan mohon tolong harap ayo mari please",
}
_STANCE_OF = {word: kind for kind, words in _STANCES.items() for word in words.split()}
_KEPT_STANCES = frozenset({"future", "hedge", "once"})
_CHECKED_ELSEWHERE = frozenset(_STANCE_OF)
_NUMBER_WORDS = frozenset([*UNITS, *TENS, "belas", *(w for phrase in _FRACTIONS for w in phrase.split())]) - {"se"}
_NOT_ACCOUNTED = _ATTRIBUTION | _CHECKED_ELSEWHERE | _NUMBER_WORDS
# The words of a figure's qualifiers ("kurang dari", "nyaris", "fewer than"): the figure check
# reads them where they qualify a figure; anywhere else they are words like any other (a hostile
# test: "TikTok nyaris merumahkan ...", "... dengan sedikit dari mereka ..." had passed unread).
_QUALIFIER_WORDS = frozenset(w for phrase in _QUALIFIER_OF for w in phrase.split()) - _STANCE_OF.keys()
_CURRENCIES = frozenset({*_CURRENCY_WORDS, "us"})  # "US$" is read as "us"


def _qualifying(claim: Sequence[_Word]) -> set[int]:
    """Where the claim's words are a qualifier of the figure right after it ("kurang dari 500",
    "nearly 700", "lebih dari Rp2 miliar", "sekitar tujuh ratus")."""
    lows = [w.low for w in claim]
    found: set[int] = set()
    for phrase in _QUALIFIER_OF:
        parts = phrase.split()
        for at in range(len(lows) - len(parts)):
            following = lows[at + len(parts)]
            figure = following[:1].isdigit() or following in _NUMBER_WORDS or following in _CURRENCIES
            if figure and lows[at : at + len(parts)] == parts:
                found.update(range(at, at + len(parts)))
    return found


def _stances(words: Sequence[_Word]) -> set[str]:
    found = set()
    for w in words:
        bare = w.low[:-3] if w.low.endswith("nya") and len(w.low) > 5 else w.low
        for low in (w.low, bare):  # "kabarnya" is a hedge, "seluruhnya" is "seluruh"
            if low in _STANCE_OF:
                found.add(_STANCE_OF[low])
                break
    return found


# Times said relative to the article ("bulan depan", "tahun lalu", "this month"): a claim's must
# be its sentence's ("bulan ini" is not "bulan depan").
_TIME_NOUNS = {
    **dict.fromkeys(["hari", "day"], "day"),
    **dict.fromkeys(["minggu", "pekan", "week"], "week"),
    **dict.fromkeys(["bulan", "month"], "month"),
    **dict.fromkeys(["tahun", "year"], "year"),
    **dict.fromkeys(["kuartal", "triwulan", "quarter"], "quarter"),
}
_DEICTICS = {
    **dict.fromkeys(["ini", "this", "current"], "this"),
    **dict.fromkeys(["depan", "mendatang", "berikutnya", "next", "coming"], "next"),
    **dict.fromkeys(["lalu", "kemarin", "sebelumnya", "last", "previous", "ago"], "last"),
}


def _times(words: Sequence[_Word]) -> set[tuple[str, str]]:
    found = set()
    for a, b in itertools.pairwise(words):
        if a.low in _TIME_NOUNS and b.low in _DEICTICS:
            found.add((_TIME_NOUNS[a.low], _DEICTICS[b.low]))
        elif a.low in _DEICTICS and b.low in _TIME_NOUNS:
            found.add((_TIME_NOUNS[b.low], _DEICTICS[a.low]))
    return found


def _stances_agree(claim: Sequence[_Word], source: Sequence[_Word]) -> bool:
    """Whether the claim says as surely, as soon, as much, to the same people and of the same
    time as its source sentence (``_STANCES``, ``_times``). A claim that says whose claim it is
    ("Menurut TheVerge, ...") may leave the source's hedge out, not its future."""
    said, stated = _stances(claim), _stances(source)
    kept = _KEPT_STANCES - {"hedge"} if any(w.low in _ATTRIBUTION for w in claim) else _KEPT_STANCES
    return said <= stated and (stated & kept) <= said and _times(claim) <= _times(source)


def _is_command(claim: Sequence[_Word], source: Sequence[_Word]) -> bool:
    """Whether the claim opens with a verb in its bare form where the source has it with "me-" or
    "di-" ("Bayar Microsoft ..." or "Pay Microsoft ..." for "... membayar Microsoft"), or with a
    verb and "-lah" ("Bayarlah ..."): it tells the reader to do it."""
    first = next((w for w in claim if w.low not in _ATTRIBUTION), None)
    if first is None or first.name or not first.content:
        return False
    roots = root_words()
    if first.low.endswith("lah") and first.low not in roots and first.low[:-3] in roots:
        return True
    if stem(first.low) != first.low:  # a derived word ("Pembayaran ..."), not a bare verb
        return False
    return any(
        w.terms & first.terms and w.low != first.low and w.low.startswith(("me", "di")) and stem(w.low) != w.low
        for w in source
    )


@dataclass(frozen=True)
class _Support:
    """A sentence of a cited passage that may support a claim, with its neighbours' terms."""

    passage: int  # 1-based passage number
    sentence: str
    position: int  # the sentence's index among its passage's sentences
    words: tuple[_Word, ...]
    coverage: float  # of the claim's concepts, IDF-weighted, by this sentence
    context: frozenset[str]  # index terms of this sentence and its neighbours
    names: frozenset[str] = frozenset()  # of its article's title, and of the sentence it refers back to
    own_names: tuple[frozenset[str], ...] = ()  # the names it writes (``_own_names``)


class Verifier:
    """Checks the model's claims against the passages it was given and keeps the supported ones.

    A claim is kept when it states something (``MIN_CONTENT_WORDS``), is not a question, is at
    most ``MAX_CLAIM_CHARS`` long, is not one already kept, fewer than ``MAX_CLAIMS`` are kept,
    and it is word for word a sentence of a passage it cites (the default: the model quotes), or,
    with ``paraphrase``, a sentence of a passage it cites supports it: that sentence holds ``min_support`` of the
    claim's (IDF-weighted) words and, with the sentences around it, ``min_context_support`` of
    them and every name the claim uses, or it is close to the claim in embedding space; every
    other word of the claim is accounted for (``_words_accounted``); it says it as surely, as
    soon, as much and to the same people (``_stances_agree``) and is no command (``_is_command``); it
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
        paraphrase: bool = False,
    ) -> None:
        self.index = index
        self.hits = list(hits)
        self.paraphrase = paraphrase
        self.min_support = min_support
        self.min_similarity = min_similarity
        self.min_context_support = min_context_support
        self.max_support_gap = max_support_gap
        self.kept: list[tuple[str, tuple[int, ...]]] = []  # (plain text, passage numbers)
        self.quotes: dict[int, list[int]] = {}  # passage number -> its supporting sentences' positions
        self.dropped: list[str] = []
        self.last: tuple[int, int] | None = None  # the passage and position of the sentence shown last

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
            or _QUESTION_END.search(text)
            or len(text) > MAX_CLAIM_CHARS
            or any(_same_claim(text) == _same_claim(kept) for kept, _ in self.kept)
        ):
            self.dropped.append(claim.text)
            return False
        if self.paraphrase and _unaccounted_marks(text, [self.hits[n - 1].chunk.text for n in cited]):
            self.dropped.append(claim.text)
            return False
        supports = self._support(text, cited) if self.paraphrase else self._quoted(text, cited)
        if not supports:
            self.dropped.append(claim.text)
            return False
        positions = {s.passage: [s.position] for s in supports}
        if not self.paraphrase:  # what is shown is the passage's own sentence, not the model's copy of it
            first = supports[0]
            shown = first.sentence
            quoted_there = self.quotes.get(first.passage, [])
            leans = bool(first.position) and refers_back(first.sentence)
            # shown already (alone, or before one that leans on it); or leaning on a sentence shown
            # earlier, but not right before it: shown alone it would read as leaning on another
            if first.position in quoted_there or (
                leans and first.position - 1 in quoted_there and self.last != (first.passage, first.position - 1)
            ):
                self.dropped.append(claim.text)
                return False
            # "Langkah ini ...": with what it refers to, unless that is shown right before it (a
            # model quoting a sentence and then the one leaning on it had the first shown twice)
            if leans and first.position - 1 not in quoted_there:
                before = analyzed_sentences(self.hits[first.passage - 1].chunk.text)[first.position - 1][0].text
                shown = f"{before} {shown}"
                positions[first.passage].insert(0, first.position - 1)
            text = fullwidth_brackets(re.sub(r"\s+", " ", shown).strip())
            if any(_same_claim(text) == _same_claim(kept) for kept, _ in self.kept):
                self.dropped.append(claim.text)
                return False
        self.kept.append((text, tuple(s.passage for s in supports)))
        self.last = (supports[0].passage, supports[0].position)
        for passage, at in positions.items():
            quotes = self.quotes.setdefault(passage, [])
            quotes.extend(p for p in at if p not in quotes)
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
            and _stances_agree(claim, s.words)
            and not _is_command(claim, s.words)
            and _words_accounted(claim, s.words, s.names, s.context, s.own_names)
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

    def _quoted(self, text: str, cited: tuple[int, ...]) -> list[_Support]:
        """For each cited passage that has ``text`` word for word as one of its sentences (case,
        spacing and punctuation aside; the sentence's dateline, "ARUM HILIR, KABAR LEMBAH - ",
        may be left out), in citation order, that sentence. It is what the answer shows."""
        said = _same_claim(text)
        if len({w for w in said.split() if w not in _STOPWORDS}) < MIN_CONTENT_WORDS:
            return []
        found = []
        for n in cited:
            for j, (span, _) in enumerate(analyzed_sentences(self.hits[n - 1].chunk.text)):
                if said in (_same_claim(span.text), _same_claim(DATELINE.sub("", span.text, count=1))):
                    found.append(_Support(n, span.text, j, (), 1.0, frozenset()))
                    break
        return found

    def _candidates(self, parsed: ParsedQuery, cited: tuple[int, ...]) -> Iterator[_Support]:
        for n in cited:
            sentences = analyzed_sentences(self.hits[n - 1].chunk.text)
            title = _sentence_words(self.hits[n - 1].chunk.title)
            for j, (span, terms) in enumerate(sentences):
                context = frozenset().union(*(t for _, t in sentences[max(0, j - 2) : j + 3]))
                referent = title + (_sentence_words(sentences[j - 1][0].text) if j and refers_back(span.text) else ())
                own, someone = _own_names(span.text)
                names = frozenset() if someone else frozenset().union(*(w.terms for w in referent if w.name))
                words = _sentence_words(span.text)
                yield _Support(n, span.text, j, words, parsed.coverage(terms), context, names, own)

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
