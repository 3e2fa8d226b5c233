"""Question analysis shared by retrieval and answering: what is asked, in which language, and
which index terms stand for each content word (with English words translated to Indonesian)."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from bot.chain.dates import MONTH_PATTERN
from bot.chain.normalization import ASKING, CHAT_WORDS
from ingest.store.index import Index
from ingest.text.analysis import (
    DATELINE,
    EN_STOPWORDS,
    ID_STOPWORDS,
    NUMBER_WORDS,
    analyze,
    guess_language,
    sentence_terms,
    stem,
    words,
)
from ingest.text.calendar import MONTHS as MONTH_NUMBERS
from ingest.text.calendar import PLAIN_WEEKDAYS
from ingest.text.numbers import NUMBER_WORD, TENS, UNITS
from ingest.text.stemming import informal_roots, root_words
from ingest.text.years import NOT_YEAR_AFTER, YEAR, separated
from ingest.types import Chunk, Span

GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "en_id.txt"
_DICTIONARY = Path(__file__).resolve().parent / "data" / "en_id_dictionary.txt"
_ASKING_WORDS = Path(__file__).resolve().parent / "data" / "asking_words.txt"
_ABBREVIATIONS = Path(__file__).resolve().parent / "data" / "abbreviations_id.txt"

# Words that frame the kind of answer wanted ("apa yang dimaksud dengan X", "di mana letak X",
# "darimanakah X berasal") rather than what it is about: a passage that answers seldom repeats
# them, so they weigh half their IDF (docs/quality.md, "The old rules, measured out of sample").
# The words naming someone's post or work, which a question asking it frames itself with
# ("jabatannya apa": ``_ASKS_ROLE``)
POST_WORDS = tuple(
    "jabatan jabatannya posisi posisinya peran perannya pekerjaan pekerjaannya profesi profesinya".split()
)
FRAME_WORDS = frozenset(
    "dimaksud maksud pengertian definisi arti artinya letak lokasi manakah dimanakah darimanakah".split()
) | frozenset(POST_WORDS)
FRAME_WEIGHT = 0.5

_CASED_TOKEN = re.compile(r"[^\W\d_]+|\d+")

# What answers of each question type look like (a date, a number, a name).
MONTHS = frozenset(MONTH_NUMBERS)  # month names and their short forms, Indonesian and English
# Words that introduce a cause or a purpose: what answers "kenapa" and "why" holds one.
# Words that give the cause of what is written before them ("selisih itu muncul karena ...")
CAUSE_WORDS = frozenset("karena sebab disebabkan akibat lantaran because due".split())
# ... and those that give a reason at all: a cause, a purpose ("untuk", "agar")
REASON_WORDS = CAUSE_WORDS | frozenset("dipengaruhi terkait untuk agar supaya demi guna since so order".split())
CAPITALISED = re.compile(r"\b[A-Z][\w'-]+")
# A date written with figures: "2/11/2026", "(26/10)", "12 Oktober 2024", "Oktober 2024", a year
# alone. Its figures say when, not how many, so they are no answer to "berapa" ("1/3 warga" is no
# date: a day and month without a year are written in brackets, as news does).
DATE_FIGURES = re.compile(
    rf"\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\(\d{{1,2}}/\d{{1,2}}\)"
    rf"|\b(?:\d{{1,2}}\s+)?(?:{MONTH_PATTERN})\.?(?:\s+\d{{4}})?\b|{YEAR.pattern}",
    re.IGNORECASE,
)
# Words of a number question counting in the calendar's units or asking how long something has
# lasted ("berapa lama", "bulan berapa", "how many years"), whose answer may be a date ("sejak 2019").
CALENDAR_WORDS = frozenset(
    "lama long sejak since hari day days bulan month months tahun year years tanggal date".split()
)
_PURPOSE = frozenset({"untuk", "buat"})  # before "apa": what for ("buat apa?", "untuk apaan?")
_WHAT = ("apa", "apaan")
# Words asking what a short form stands for ("DPKP itu singkatan dari apa", "forwada
# kepanjangannya apa"): the question's subject is the short form alone, and the passage answering
# writes the name it is short for beside it ("Forum Warga Peduli ... (Forwada)"), not the word.
_SHORT_FOR = frozenset("singkatan singkatannya kepanjangan kepanjangannya".split())
_QUESTION_WORDS = frozenset("apa apakah mana manakah siapa siapakah berapa berapakah".split())
# A time of day as written ("pukul 03.40 WIB", "jam 9", "05.30 hingga 21.30"; not "1.240", a
# thousand and more, "14 jam" or "3 jam 30 menit", lengths of time, "16.11.26", a date, "12.50
# persen", "Rp 10.50" or "2:03:45"); a question asks for one with ``_asks_clock``.
_HOUR = r"(?:[01]?\d|2[0-4])"
_NOT_A_CLOCK = r"(?![.,:]?\d)(?!\s*(?:%|(?:menit|detik|persen|derajat|dolar|dollars?|kg|km|meter)\b))"
TIME_OF_DAY = re.compile(
    rf"(?<!\d )\b(?:pukul|jam|pkl)\.?\s+{_HOUR}(?:[.:][0-5]\d)?\b{_NOT_A_CLOCK}"
    rf"|(?<![\d.,:])(?<!rp)(?<!rp )(?<!\$)\b{_HOUR}[.:][0-5]\d\b{_NOT_A_CLOCK}",
    re.IGNORECASE,
)


_STOPWORDS = ID_STOPWORDS | EN_STOPWORDS


@dataclass(frozen=True)
class Concept:
    """One content word of the question and the index terms any of which expresses it."""

    surface: str
    terms: tuple[str, ...]
    weight: float
    frequencies: tuple[int, ...] = ()  # in how many chunks each term occurs, when known

    def found_in(self, present: set[str] | frozenset[str]) -> bool:
        """Whether any of the concept's terms is among ``present``."""
        return any(t in present for t in self.terms)

    @property
    def held(self) -> bool:
        """Whether some chunk of the index holds one of its terms (when the frequencies are known)."""
        return any(self.frequencies)


@dataclass(frozen=True)
class ParsedQuery:
    """A question ready for retrieval and answering."""

    text: str
    lang: str
    kind: str | None
    words: frozenset[str]
    concepts: tuple[Concept, ...]
    rare_weight: float = 1.0  # what a concept weighs when no chunk holds it: the most any can weigh
    focus: frozenset[str] = frozenset()  # index terms of the nouns naming what is asked for
    # years the question names that no chunk of the index holds nor any article was published in
    # ("back in 2015" of a market renovated in 2009): what happened then, no article says
    years_unsaid: tuple[str, ...] = ()
    # years the question names as the time it asks about (``years_asked``): an answer from an
    # article that tells of other years only is about another time (``bot.chain.extractive``)
    years_asked: tuple[str, ...] = ()
    # it asks for what is not something ("siapa yang bukan pendiri kerajaan itu?"): no sentence
    # quoted says so (``asks_what_is_not``)
    asks_what_is_not: bool = False

    @property
    def search_terms(self) -> list[str]:
        """Every index term of every concept, once, in question order."""
        return list(dict.fromkeys(t for c in self.concepts for t in c.terms))

    def search_terms_within(self, max_postings: int) -> list[str]:
        """The search terms, leaving out the most frequent ones once the rarer ones already
        occur in ``max_postings`` chunks (counting a chunk once per term). BM25 gives a term
        held by thousands of chunks little weight, but ranking its posting list costs the
        most: on a 100k-chunk index it is most of a question's time (docs/performance.md).
        The rarest term is always kept; the re-ranking's coverage still sees every term."""
        known = {t: f for c in self.concepts for t, f in zip(c.terms, c.frequencies, strict=False)}
        terms = self.search_terms
        kept: set[str] = set()
        total = 0
        for term in sorted(terms, key=lambda t: known.get(t, 0)):
            postings = known.get(term, 0)
            if kept and total + postings > max_postings:
                continue
            kept.add(term)
            total += postings
        return [t for t in terms if t in kept]

    @property
    def total_weight(self) -> float:
        """Sum of concept weights (1.0 when the question has none)."""
        return sum(c.weight for c in self.concepts) or 1.0

    @property
    def unknown_share(self) -> float:
        """IDF-weighted share of the question's concepts that no chunk of the index holds (0.0
        when it names none)."""
        if not self.concepts:
            return 0.0
        return sum(c.weight for c in self.concepts if not c.held) / self.total_weight

    def coverage(self, present: set[str] | frozenset[str]) -> float:
        """IDF-weighted share of the question's concepts expressed by ``present`` terms."""
        return self.covered_weight(present) / self.total_weight

    def covered_weight(self, present: set[str] | frozenset[str]) -> float:
        """Summed IDF of the question's concepts expressed by ``present`` terms."""
        return sum(c.weight for c in self.concepts if c.found_in(present))


AnalysedSentences = tuple[tuple[Span, frozenset[str]], ...]
_SENTENCES: OrderedDict[str, AnalysedSentences] = OrderedDict()
_SENTENCES_MAX = 20_000
_SENTENCES_LOCK = threading.Lock()


def analyzed_sentences(text: str) -> AnalysedSentences:
    """The sentences of a passage with their index terms. Kept in an LRU by passage text, since
    the same passages come back question after question; ``prime_sentences`` fills it from what
    the index stored at ingest, so passages are rarely analysed at question time."""
    with _SENTENCES_LOCK:
        found = _SENTENCES.get(text)
        if found is not None:
            _SENTENCES.move_to_end(text)
            return found
    return _remember(text, tuple((span, frozenset(terms)) for span, terms in sentence_terms(text)))


def _remember(text: str, value: AnalysedSentences) -> AnalysedSentences:
    with _SENTENCES_LOCK:
        _SENTENCES[text] = value
        _SENTENCES.move_to_end(text)
        while len(_SENTENCES) > _SENTENCES_MAX:
            _SENTENCES.popitem(last=False)
    return value


def prime_sentences(index: Index, chunks: Sequence[Chunk]) -> int:
    """Cache the stored sentence analyses of those ``chunks`` not cached yet (one query); return
    how many were read from the index. Terms another analyser made (an index not yet analysed
    again, ``Index.reanalyse``) are not read: this code's analyser reads those passages, so the
    cache never holds a reading the index no longer stores."""
    if not index.terms_current():
        return 0
    with _SENTENCES_LOCK:
        missing = [c for c in chunks if c.text not in _SENTENCES]
    if not missing:
        return 0
    stored = index.sentences(missing)
    for chunk in missing:
        if chunk.chunk_id in stored:
            _remember(chunk.text, stored[chunk.chunk_id])
    return sum(chunk.chunk_id in stored for chunk in missing)


# English "when" after a word that asks, in the same clause (up to a comma or a stop), is a
# conjunction ("what happens to the works when it rains?", "how many were inside when the roof
# fell?"), not a question of its own: unless joined to it ("who founded it and when?"), after a
# word it completes ("the year when", "find out when", "since when"), before the verb of its own
# question ("what about the bridge, when will it reopen?") or at the end ("What happened when?").
_CLAUSE_END = re.compile(r"[?!.;,\n]")
_ASKING_EN = frozenset("what which who whom whose how where why".split())
_WHEN_COMPLETES = frozenset(
    "and or but & date year day time month know knows knew out about tell ask asked sure since until till by "
    "from".split()
)
_AUXILIARIES = frozenset(
    "do does did is are was were will would can could should shall may might must has have had".split()
)


def _when_joins(question: str) -> str:
    """``question`` with each English "when" that is a conjunction (above) read as "while"."""
    if "when" not in question.casefold():
        return question
    out, last = [], 0
    for match in re.finditer(r"\bwhen\b", question, re.IGNORECASE):
        clause = re.findall(r"\w+|&", _CLAUSE_END.split(question[: match.start()])[-1].casefold())
        after = re.match(r"\W*?(\w+)", question[match.end() :])
        if (
            clause
            and not _ASKING_EN.isdisjoint(clause)
            and clause[-1] not in _WHEN_COMPLETES
            and after is not None
            and after.group(1).casefold() not in _AUXILIARIES
        ):
            out += [question[last : match.start()], "while"]
            last = match.end()
    return "".join(out) + question[last:]


# The words that ask who, where and why: each kind's own words in ``question_type``, and what
# "jumlah" gives way to (not "manakah", "tujuan", "alasan", which also name things).
_ASKS_WHO = "siapa|siapakah|who|whom"
_ASKS_WHERE = "di mana|dimana|dimanakah|di manakah|where"
_ASKS_WHY = "kenapa|mengapa|mengapakah|why"
_ASKS_OTHER = re.compile(rf"\b({_ASKS_WHO}|{_ASKS_WHERE}|{_ASKS_WHY})\b")
_WHO = re.compile(r"\bWHO\b")  # the agency, not "who"
# A question asking someone's role, post or work ("hendra itu jabatannya apa", "apa jabatan
# Joao?", "dia kerja apa", "sebagai apa", "what's his position?"): news write it beside the
# name ("Kepala Pelaksana BPBD Gunung Sirih, Hendra Wiratama"), as they write whoever answers
# "siapa", so it asks as "siapa" does. Not "title" ("the title of the book").
_POST = "|".join(POST_WORDS)
_ASKS_ROLE = re.compile(
    # "apa kerjanya" asks what someone does ("sehari-hari apa kerjanya?"), "kerjanya apa" their work
    rf"\b(?:(?:{_POST}|kerja|kerjanya) (?:apa|apaan|apakah)|(?:apa|apakah) (?:{_POST})|sebagai apa"
    r"|(?:what|whats|which) (?:is |was |s |are |were )?(?:\w+ ){0,3}?(?:job|role|position|occupation|profession)s?)\b"
)


def question_type(question: str) -> str | None:
    """Return what a question asks for: ``time`` (of day), ``number``, ``date``, ``person``,
    ``place``, ``reason`` or ``None``."""
    tokens = words(question)
    if any(_asks_clock(tokens, i) for i in range(len(tokens))):
        return "time"
    # "how many were there when the roof fell?" asks no date
    joined = " ".join(tokens if (read := _when_joins(question)) is question else words(read))
    if re.search(
        # "per tahun berapa" asks how much a year ("per tahun brp?" after a monthly figure)
        r"\b(kapan|kapankah|when|tanggal berapa|(?<!per )(?<!tiap )tahun berapa(?:kah)?|what year|which year"
        # "hari apa", not "per hari apa ...", "tiap bulan apa ...", "sehari-hari apa ..."
        r"|(?<!per )(?<!tiap )(?<!sehari )(?:hari|bulan) apa(?:kah)?|(?:what|which) (?:day|month|date)"
        # "what was the date of the hunt?"
        r"|what(?: s| is| was) the date)\b",
        joined,
    ):
        return "date"
    number = (
        r"berapa|berapakah|how many|how much|how long|how far|how old|jumlah"
        # a measure: "how heavy was the rain", "seberapa luas"; not "how high is the risk", "how fast
        # did they respond" (no figure answers them)
        r"|how (?:big|large|heavy|deep|wide|tall)|seberapa (?:besar|luas|tinggi|dalam|jauh|panjang|lebar|berat|banyak)"
        r"|(?:what|which) (?:percentage|share|proportion|number)"
    )
    counts = {m.group(1) for m in re.finditer(rf"\b({number})\b", joined)}
    # "jumlah" alone asks a number unless a word asks who, where or why: "mengapa data jumlah
    # penduduk lebih tinggi?" asks why ("WHO" is an agency)
    other = {m.group(1) for m in _ASKS_OTHER.finditer(joined)} - ({"who"} if _WHO.search(question) else set())
    if counts - {"jumlah"} or (counts and not other):
        return "number"
    if re.search(rf"\b({_ASKS_WHO})\b", joined) or _ASKS_ROLE.search(joined):
        return "person"
    if re.search(rf"\b({_ASKS_WHERE}|manakah)\b", joined):
        return "place"
    reason = (
        rf"{_ASKS_WHY}|alasan|alasannya|tujuan|tujuannya|apa sebab|what for|the point of"
        rf"|(?:{'|'.join(sorted(_PURPOSE))}) (?:{'|'.join(_WHAT)})"  # a purpose: "Untuk apa dinas ...?", "buat apa?"
    )
    if re.search(rf"\b({reason})\b", joined):
        return "reason"
    return None


def asked_kind(question: str, without: Collection[str] = ()) -> str | None:
    """``question_type``, with reasons left out when the ``reason`` rule is (``RULES``)."""
    kind = question_type(question)
    return None if kind == "reason" and "reason" in without else kind


@lru_cache(maxsize=1)
def _english_stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def glossary_key(text: str) -> str:
    """An English word or phrase as the glossary keys it: its words Snowball-stemmed."""
    stemmer = _english_stemmer()
    return " ".join(stemmer.stemWord(w) for w in words(text))


@lru_cache(maxsize=1)
def asking_counts() -> dict[str, tuple[int, int]]:
    """Words people ask with rather than name what they ask about ("memang", "lewat", "sekarang"),
    as first index terms, with how many training questions name each and how many of those are
    asked of a passage lacking it: fitted by ``bench/fit_asking_words.py``."""
    counts = {}
    for line in _ASKING_WORDS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, asked, absent = line.split()
            counts[word] = (int(asked), int(absent))
    return counts


@lru_cache(maxsize=1)
def asking_words() -> frozenset[str]:
    """The words of ``asking_counts``: how a question asks, not what it asks about."""
    return frozenset(asking_counts())


# A word the passages answering its questions lack this often only asks ("maksud", "kamu",
# "can"); "masyarakat" or "jenis", lacking half the time, may name what is asked about.
ONLY_ASKING_SHARE = 0.8


def names_nothing_held(query: ParsedQuery) -> bool:
    """Whether a question names something (not question words nor the words people ask with)
    and no chunk of the index holds any of it: it is on a subject no article holds ("harga
    bitcoin brp?", "what about shopee?")."""
    if query.lang == "en":  # English words the glossary lacks are in no chunk of Indonesian news
        return False
    own = naming(query)
    return bool(own) and not any(c.held for c in own)


def named(query: ParsedQuery) -> list[Concept]:
    """The concepts a question names, not the words that ask ("kenapa", "berapa", "bagaimana",
    "how": ``normalization.ASKING``). Unlike ``naming``, it keeps the fitted asking words
    ("orang", "sekarang"): what a follow-up names in the conversation's words ("berapa orang?")
    still counts as what it says. A question of nothing but asking words and stopwords
    (``asks_only``: "how many of them are there?", searched for those words since it has no
    others) names nothing: its stopwords had counted as a subject of its own, and a follow-up
    was answered from another article."""
    if asks_only(query):
        return []
    return [c for c in query.concepts if question_type(c.surface) is None and c.surface.casefold() not in ASKING]


def _capitalised(text: str) -> set[str]:
    """The words of ``text`` written in capitals (two letters or more), in lower case: names, not
    the stopwords or pronouns they spell ("kalau di AS?", "ELO")."""
    return {w.casefold() for w in re.findall(r"[^\W\d_]{2,}", text) if w.isupper()}


def asks_only(query: ParsedQuery) -> bool:
    """Whether a question is nothing but words that ask or stopwords ("kenapa?", "and why?",
    "gimana?"), searched for themselves since it has no others (``concept_terms``). A stopword
    written in capitals is a name ("kalau di AS?", "and IT?", "kalau WHO?")."""
    capitals = _capitalised(query.text)
    surfaces = [c.surface.casefold() for c in query.concepts]
    return all(
        (s in _STOPWORDS or s in ASKING or _asks_clock(surfaces, i)) and s not in capitals
        for i, s in enumerate(surfaces)
    )


def naming(query: ParsedQuery) -> list[Concept]:
    """The concepts a question names what it asks about with: ``named``, without the words people
    ask with (``asking_words``: "memang", "lewat")."""
    asking = asking_words()
    return [c for c in named(query) if c.terms[0] not in asking]


def names_something(question: str) -> bool:
    """Whether a question (read as a chat message) names anything to search for: a word that is
    not a stopword, a question word or a word that only asks (``asking_counts``: lacking from
    the answering passages at least ``ONLY_ASKING_SHARE`` of the time), or a number. "gimana?",
    "kapan?", "apa maksudnya?", "who are you?", "what can you do?" name nothing: they ask about
    what was said before, or about the bot."""
    counts = asking_counts()

    def only_asks(token: str) -> bool:
        asked, absent = counts.get(stem(token), (1, 0))
        return absent >= ONLY_ASKING_SHARE * asked

    personal = _PERSONAL - _capitalised(question)  # a pronoun in capitals is a name ("... dengan ELO?")
    tokens = words(question)
    return any(
        token not in _STOPWORDS
        and token not in personal
        and question_type(token) is None
        and not only_asks(token)
        and not _asks_clock(tokens, i)  # "jam brp?"
        for i, token in enumerate(tokens)
    )


# The chat's personal pronouns the stopwords lack (they hold "saya", "anda", "dia"): "kamu bisa
# apa?" names nothing to search for. (It had been read so only while "km" was spelt "kamu" in the
# training questions, which made "kamu" one of the fitted words people ask with.)
_PERSONAL = frozenset("aku kamu engkau kau gue gua gw lu lo elu elo".split())


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    """Return the English -> Indonesian glossary keyed by stemmed English words: the hand-written
    one (``en_id.txt``), and for the words it lacks the dictionary's (``en_id_dictionary.txt``,
    written by ``bench/build_dictionary.py`` from FreeDict's English-Indonesian dictionary)."""
    table = read_glossary(GLOSSARY_FILE)
    return table | {key: words for key, words in read_glossary(_DICTIONARY).items() if key not in table}


def read_glossary(path: Path) -> dict[str, tuple[str, ...]]:
    """One glossary file ("english words: indonesian alternatives", "_" joining a phrase's words)
    keyed by ``glossary_key``."""
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, _, indonesian = line.partition(":")
        alternatives = tuple(a.replace("_", " ") for a in indonesian.split())
        key = glossary_key(english)
        table[key] = tuple(dict.fromkeys(table.get(key, ()) + alternatives))
    return table


def _translations(tokens: list[str], i: int) -> tuple[int, tuple[str, ...]]:
    """Return how many English tokens from ``i`` a glossary entry covers, and its translations."""
    table = glossary()
    if i + 1 < len(tokens):
        pair = glossary_key(tokens[i] + " " + tokens[i + 1])
        if pair in table:
            return 2, table[pair]
    return 1, table.get(glossary_key(tokens[i]), ())


_QUESTION_WORDS_EN = {
    "how many": "berapa",
    "how much": "berapa",
    "who": "siapa",
    "when": "kapan",
    "where": "di mana",
    "why": "mengapa",
    "what": "apa",
    "which": "apa",
}


# An English figure written with a decimal point ("2.7 billion", "17.5%") or thousands commas
# ("1,240 farmers"): Indonesian articles write it the other way round ("Rp2,7 miliar", "17,5
# persen", "1.240 petani"). A point before one or two figures is a decimal point, a comma before
# groups of three is a thousands one; anything else is left as written.
_EN_DECIMAL = re.compile(r"\d+\.\d{1,2}")
_EN_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def indonesian_figure(token: str) -> str | None:
    """An English figure as Indonesian writes it ("2.7" -> "2,7", "1,240" -> "1.240"), or None
    when it is not written so."""
    if _EN_DECIMAL.fullmatch(token):
        return token.replace(".", ",")
    if _EN_THOUSANDS.fullmatch(token):
        return token.replace(",", ".")
    return None


def word_by_word(question: str) -> str:
    """An English question rendered word by word in Indonesian through the glossary (question
    words, then glossary words; names and unknown words kept, English stop words left out):
    "How much does TikTok pay Microsoft each month?" -> "berapa tiktok bayar microsoft setiap
    bulan". Crude, yet its embedding sits where Indonesian questions' do: an English question's
    similarity to Indonesian passages runs about 0.03 lower, which the answer model, fitted on
    Indonesian questions, reads as a worse match (docs/quality.md)."""
    tokens = words(question)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i : i + 2])
        if pair in _QUESTION_WORDS_EN:
            out.append(_QUESTION_WORDS_EN[pair])
            i += 2
            continue
        if tokens[i] in _QUESTION_WORDS_EN:
            out.append(_QUESTION_WORDS_EN[tokens[i]])
            i += 1
            continue
        used, translated = _translations(tokens, i)
        figure = indonesian_figure(tokens[i])
        if translated:
            out.append(translated[0])
        elif figure is not None:
            out.append(figure)
        elif tokens[i] not in EN_STOPWORDS:
            out.append(tokens[i])
        i += used
    return " ".join(out)


def _asks_clock(tokens: Sequence[str], i: int) -> bool:
    """Whether ``tokens[i]`` is the clock word of a question asking a time of day ("jam" of "jam
    brp longsornya", "time" of "what time did it start"; not of "berapa jam berapa menit", a length
    of time, nor "what time frame"): such a question is of the kind ``time``
    (``question_type``), and the word asks, as "berapa" does, naming nothing to search for."""
    token, after = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
    before = tokens[i - 1] if i > 0 else ""
    if token in ("jam", "pukul", "pkl"):
        return after in ("berapa", "berapakah") and before != "berapa" and not before.isdigit()
    if token != "time" or before not in ("what", "which") or after in ("frame", "period", "zone", "span"):
        return False
    # "what time of (the) year" asks a season, not a time of day
    return after != "of" or not {"year", "month", "season", "week"} & set(tokens[i + 2 : i + 4])


def concept_terms(question: str, lang: str, without: frozenset[str] = frozenset()) -> list[tuple[str, tuple[str, ...]]]:
    """The concepts ``question`` names as (surface, index terms), before the index is asked: its
    words but stopwords, English ones also through the glossary (the first term is always the
    word's own)."""
    tokens = words(question)
    out: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if _asks_clock(tokens, i):  # "jam" of "jam berapa" asks; it found "hampir 14 jam"
            i += 1
            continue
        if lang == "en" and token not in _STOPWORDS and "glossary" not in without:
            used, translated = _translations(tokens, i)
            if translated:
                surface = " ".join(tokens[i : i + used])
                english = [stem(t) for t in tokens[i : i + used] if t not in _STOPWORDS]
                # a translation's root that is a stopword finds every sentence ("keadaan" is "ada",
                # "kedalaman" "dalam")
                indonesian = [t for phrase in translated for t in analyze(phrase) if t not in ID_STOPWORDS]
                out.append((surface, tuple(dict.fromkeys(english + indonesian))))
                i += used
                continue
        # "buat apa", "untuk apaan" ask what for: that "buat" names nothing to search for (the
        # Indonesian "buat" is also "make": it found "kecerdasan buatan")
        purpose = token in _PURPOSE and i + 1 < len(tokens) and tokens[i + 1] in _WHAT and "reason" not in without
        figure = indonesian_figure(token) if lang == "en" else None
        if figure is not None:  # "2.7 billion" of an article writing "Rp2,7 miliar"
            out.append((token, (stem(token), figure)))
        elif token not in _STOPWORDS and not purpose and token not in _SHORT_FOR:
            out.append((token, (stem(token),)))
        i += 1
    if not out:  # a question made only of stopwords still searches for its words
        out = [(t, (stem(t),)) for t in tokens]
    merged: dict[tuple[str, ...], str] = {}
    for surface, terms in out:
        merged.setdefault(terms, surface)
    return [(surface, terms) for terms, surface in merged.items()]


def _trigrams(word: str) -> set[str]:
    padded = f"#{word}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def spelling_variants(term: str, index: Index, min_similarity: float = 0.5, limit: int = 2) -> list[str]:
    """Indexed terms spelt like ``term`` (trigram Dice ≥ ``min_similarity``), most similar first,
    for a question word the index does not hold ("homeostatis" -> "homeostasis")."""
    mine = _trigrams(term)
    scored = []
    for other in index.similar_terms(term):
        if other == term or other[0].isdigit() or other in ID_STOPWORDS or other in EN_STOPWORDS:
            continue
        theirs = _trigrams(other)
        similarity = 2 * len(mine & theirs) / (len(mine) + len(theirs))
        if similarity >= min_similarity:
            scored.append((similarity, other))
    return [other for _, other in sorted(scored, reverse=True)[:limit]]


def acronyms(question: str) -> dict[str, tuple[str, ...]]:
    """Candidate acronyms of the question's names: the initials of every run of three to five
    capitalised words ("Kebun Raya Cibodas" -> "krc", "Pekan Imunisasi Nasional" -> "pin"),
    mapped to the lowercased words they abbreviate. A news story spells a name out once and
    then uses its initials, so a question that spells it out should find the later passages."""
    runs: list[list[str]] = [[]]
    for token in _CASED_TOKEN.findall(question):
        if token[0].isupper() and token.lower() not in _STOPWORDS:
            runs[-1].append(token.lower())
        elif runs[-1]:
            runs.append([])
    out: dict[str, tuple[str, ...]] = {}
    for run in runs:
        for start in range(len(run)):
            for end in range(start + 3, min(len(run), start + 5) + 1):
                initials = "".join(w[0] for w in run[start:end])
                if initials not in _STOPWORDS:
                    out.setdefault(initials, tuple(run[start:end]))
    return out


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Indonesian abbreviation -> the words it stands for (bot/chain/data/abbreviations_id.txt)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _ABBREVIATIONS.read_text(encoding="utf-8").splitlines():
        short, sep, long = line.partition(":")
        if sep and not line.startswith("#"):
            table[short.strip()] = tuple(words(long))
    return table


@lru_cache(maxsize=1)
def _abbreviations_by_first_word() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The abbreviations keyed by the first word they stand for, to find spelt-out ones fast."""
    table: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for short, long in abbreviations().items():
        table.setdefault(long[0], []).append((short, long))
    return table


def _alternatives(
    question: str, raw: list[tuple[str, tuple[str, ...]]], without: frozenset[str] = frozenset()
) -> dict[str, list[tuple[str, ...]]]:
    """Other index terms that may stand for a concept, as groups of which the rarest one the
    index holds is kept (by the caller): its acronym or abbreviation, the words an abbreviation
    stands for (docs/quality.md, "The old rules, measured out of sample")."""
    out: dict[str, list[tuple[str, ...]]] = {}
    if "acronyms" not in without:
        for initials, spelled in acronyms(question).items():
            for surface in spelled:
                out.setdefault(surface, []).append((initials,))
    tokens = words(question)
    surfaces = {surface for surface, _ in raw}
    if "abbreviations" not in without:
        table = abbreviations()
        for short in surfaces & table.keys():
            out.setdefault(short, []).append(tuple(stem(w) for w in table[short] if w not in _STOPWORDS))
        spelt = _abbreviations_by_first_word()
        for i, token in enumerate(tokens):
            for short, long in spelt.get(token, ()):
                if tuple(tokens[i : i + len(long)]) == long:
                    for word in long:
                        if word in surfaces:
                            out.setdefault(word, []).append((short,))
    return out


def focus_terms(question: str) -> frozenset[str]:
    """The index terms of the nouns that name the kind of answer wanted: "Berapa *penumpang*",
    "*Desa* apakah", "Di *pulau* manakah", "Apa nama *kapsul*", "Apa jenis *pesawat*". An
    answer is often written right beside them ("84 penumpang", "Desa Sidodadi", "Pulau Buton")."""
    tokens = words(question)
    found: set[str] = set()
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1] if i > 0 else ""
        if token in ("berapa", "berapakah") and after and after not in ID_STOPWORDS:
            found.add(after)
        named_before = bool(before) and before not in ID_STOPWORDS and before not in _QUESTION_WORDS
        # "buat apa" asks what for, not which "buat"
        if token in ("apa", "apakah", "mana", "manakah") and named_before and before not in _PURPOSE:
            found.add(before)
        if token in ("nama", "jenis") and before in _QUESTION_WORDS and after and after not in ID_STOPWORDS:
            found.add(after)
    return frozenset(stem(w) for w in found)


# Words asking for an amount of money ("biaya", "harganya", "cost", "salary"): the answer is a sum
# written with its currency ("Rp186 miliar", "20 juta dolar AS", "USD2 miliar"), not any figure
# ("Koridor 2 sepanjang 14 kilometer" is no answer to what corridor 2 costs).
MONEY_WORDS = frozenset(
    "biaya harga tarif ongkos bayar membayar dibayar anggaran dana duit uang gaji upah honor pesangon "
    "modal nilai kerugian cost costs price prices pay paid spend spent budget fee fees fare fares salary "
    "salaries money wage wages".split()
)
# ... and sums more words name, which only ``sum_asked`` reads: the answer model's answer type
# (``type_match``) was fitted on ``MONEY_WORDS`` alone, and with these in it answered three near
# misses asking a fine with another sum ("pt mln kena denda brp": -3 over every set). Not "nilai",
# a score or an index as often ("berapa nilai UTBK-nya").
_SUM_WORDS = (MONEY_WORDS - {"nilai"}) | frozenset(
    "denda iuran premi tunjangan insentif retribusi sewa cicilan santunan penghasilan fine fines premium "
    "premiums rent".split()
)
# A currency as the words of a text are read (``words`` splits "Rp186" and "USD2" from their figures)
_CURRENCY = frozenset("rp rupiah dolar dollar usd ringgit euro".split())
# Words asking for a share, a length of time or another measure, which a money word beside them
# does not make a sum ("duit dr tiktok nyumbang brp persen", "kalo duitnya cair beres berapa lama")
_NOT_MONEY = CALENDAR_WORDS | frozenset("persen percent percentage jam km kilometer meter panjang".split())
# Words that make a question about money ask a share, a length of time or a change, which is often
# a share ("harga naik berapa", "berapa harga naiknya dalam persen", "how much time", "how much did
# prices rise")
_NOT_A_SUM = frozenset(
    "persen percent percentage time naik turun rise rose risen increase increased raise raised drop dropped "
    "fall fell".split()
)
# Words after "berapa" that name nothing counted ("dendanya berapa kalo telat", "bayar berapa buat
# sekali suntik", "harganya berapa ya"): a money word before "berapa" then asks the sum
_NAMING_NOTHING = frozenset("buat kalo kalau per sekali aja saja doang sih".split())


def sum_asked(question: str) -> bool:
    """Whether ``question`` asks for an amount of money: a money word (``_SUM_WORDS``) right after
    its "berapa", or right before it with nothing counted after it ("berapa biayanya", "dendanya
    berapa", "bayar berapa buat sekali suntik"), or after "how much" ("how much is the fine"). Its
    answer is a sum written with its currency. Not a question naming a share, a time or a change
    (``_NOT_A_SUM``: "berapa harga naiknya dalam persen", "how much time"), nor "by how much",
    nor one whose "berapa" is followed by a measure or "kali" (``_NOT_MONEY``: "biayanya berapa
    persen", "berapa kali bayar") or by what is counted ("yang kena denda berapa orang",
    "dananya berapa tahap"). The first "berapa" or "how much" is read."""
    tokens = words(question)
    if not _NOT_A_SUM.isdisjoint(tokens):
        return False
    for i, token in enumerate(tokens):
        if token == "how" and tokens[i + 1 : i + 2] == ["much"]:
            return (not i or tokens[i - 1] != "by") and any(_money_word(t) for t in tokens[i + 2 :])
        if token not in ("berapa", "berapakah"):
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if after in _NOT_MONEY or after == "kali":
            return False
        if _money_word(after):
            return True
        nothing_counted = not after or after in _NOT_COUNTED or after in CHAT_WORDS or after in _NAMING_NOTHING
        return nothing_counted and i > 0 and _money_word(tokens[i - 1])
    return False


def _money_word(word: str, named: frozenset[str] = _SUM_WORDS) -> bool:
    """Whether ``word`` is one of the money words ``named``, or one with "-nya" ("biayanya")."""
    return word in named or (word.endswith("nya") and word[:-3] in named)


def asks_money(q: ParsedQuery) -> bool:
    """Whether a question asking how much asks for an amount of money (``MONEY_WORDS``)."""
    if q.words & _NOT_MONEY:
        return False
    return any(_money_word(w, MONEY_WORDS) for w in q.words)


# Measures a question may ask a figure in ("brp ton", "berapa hektare", "how many liters",
# "what percentage"), each with the words news writes it with: a sentence writing none of them
# tells no such figure ("Dari 12 mesin giling kami, yang jalan cuma lima" is no answer to how
# many tons the mill grinds a day). Lengths, weights and areas are each one measure, so "brp km"
# is answered by "800 meter".
# chat's "kilo" is a kilometre too ("berapa kilo jaraknya")
_LENGTHS = frozenset(
    "km kilo kilos kilometer kilometers kilometre kilometres meter meters metre metres m mile miles feet ft yard "
    "yards".split()
)
_MEASURES = (
    frozenset("ton tons tonne tonnes kg kilo kilos kilogram kilograms kuintal kwintal quintal".split()),
    frozenset("hektare hektar hektarnya hektarenya ha hectare hectares".split()),
    _LENGTHS,
    frozenset("liter liters litre litres".split()),
    frozenset("persen percent percentage".split()),
)
# (a word of two letters or more: "brp M" asks how many billion, "miliar"; "m" is a metre only
# written after a figure)
_ASKS_AMOUNT = re.compile(r"\b(?:berapa|how many|how much|what)\s+([^\W\d_]{2,})")

# Words a figure is written with before its measure ("tiga ratus hektare", "belasan ton",
# "satu setengah hektare"), and shares a percentage may be given as ("sepertiga warga")
_FIGURE_WORDS = (
    NUMBER_WORDS
    | UNITS.keys()
    | TENS.keys()
    | frozenset("belas belasan puluhan ratusan setengah seperempat separuh sepertiga".split())
)
_SHARES = frozenset("setengah seperempat separuh sepertiga half quarter".split())


def measure_asked(question: str) -> frozenset[str] | None:
    """The words of the measure a question asks a figure in, the word after "berapa" / "how
    many" naming one (``_MEASURES``); ``None`` for any other question."""
    for match in _ASKS_AMOUNT.finditer(question.casefold()):
        found = [measure for measure in _MEASURES if match.group(1) in measure]
        if found:  # every measure the word may name ("kilo": a weight or a length)
            return frozenset().union(*found)
    return None


def writes_measure(sentence: str, measure: frozenset[str]) -> bool:
    """Whether ``sentence`` writes a figure in the ``measure`` (``measure_asked``) a question asks
    for: a word of it right after a figure ("2.400 ton", "1,2 juta ton", "9 %"), not a price per
    that measure ("Rp 7.600 per kilogram" tells no weight)."""
    tokens = words(sentence)
    if "persen" in measure and (_PERCENT_SIGN.search(sentence) or not _SHARES.isdisjoint(tokens)):
        return True
    return any(
        t in measure and (tokens[i - 1][0].isdigit() or tokens[i - 1] in _FIGURE_WORDS)
        for i, t in enumerate(tokens[1:], start=1)
    )


_PERCENT_SIGN = re.compile(r"\d\s*%")


def tells_figure_asked(q: ParsedQuery, sentences: Sequence[str]) -> bool:
    """Whether ``sentences`` write every figure ``q`` asks for (``figures_asked``): an answer
    quoting none that writes one tells something else ("Senin (7/12)" is no time of day; "Rp 7.600
    per kilogram" no weight; "40 sopir angkot" no cost; "Pesawat terakhir mendarat pada 2019" no
    length of time). A question asking none: True."""
    return all(any(writes(s) for s in sentences) for writes in figures_asked(q))


def figures_asked(q: ParsedQuery) -> list[Callable[[str], bool]]:
    """What a sentence must write to tell the figure ``q`` asks for, one test for each kind it asks:
    a measure (``measure_asked``: "brp ton"), a sum (``sum_asked``: "berapa harganya"), a length of
    time ("berapa lama", "how long"; not a date's or an age's "berapa hari", "berapa tahun
    umurnya") or a time of day (kind ``time``: "jam brp", "what time"). Read once per question."""
    asked: list[Callable[[str], bool]] = []
    measure = measure_asked(q.text)
    if measure is not None:
        asked.append(lambda sentence: writes_measure(sentence, measure))
    if sum_asked(q.text):
        asked.append(_writes_sum)
    text = q.text.casefold()
    if q.kind not in ("date", "time") and _ASKS_DURATION.search(text) and not _asks_age(q.text, q.words):
        # "how long" of a thing ("how long is the road") is answered by a length too
        of_a_thing = _HOW_LONG.search(text) is not None and _LASTING.search(text) is None
        asked.append(lambda sentence: _writes_duration(sentence) or (of_a_thing and writes_measure(sentence, _LENGTHS)))
    if q.kind == "time":
        asked.append(_writes_clock)
    return asked


# A length of time asked ("berapa lama", "brp jam", "how long", "how many days"); not "jam berapa",
# a time of day, nor "tanggal berapa hari terakhir ...", a date, nor "berapa tahun umurnya", an
# age (``tells_figure_asked`` reads the question's kind and ``_asks_age``)
_ASKS_DURATION = re.compile(
    r"\b(?:berapa|berapakah)\s+(?:lama|jam|hari|malam|minggu|pekan|bulan|tahun|menit|detik)(?:kah)?\b"
    r"|\bhow\s+long\b|\bhow\s+many\s+(?:days|nights|hours|weeks|months|years|minutes|seconds)\b"
)
_TIME_UNIT = (
    "menit|jam|hari|malam|pekan|minggu|bulan|tahun|detik|dekade|abad|windu|dasawarsa|minutes?|hours?|days?"
    "|nights?|weeks?|fortnights?|months?|years?|decades?|centur(?:y|ies)|seconds?"
)
_DURATION_WORDS = "|".join(
    sorted(_FIGURE_WORDS | frozenset("beberapa one few several many dozens hundreds".split()), key=len, reverse=True)
)
# a figure before a unit of time ("14 jam", "tiga malam", "365¼ hari", "3x24 jam"): not a date's
# ("Senin (7/12) malam", "Minggu (4/12), hari ..."), a clock's ("pukul 10 malam") nor a law's
# ("UU Nomor 6 Tahun 2023")
_FIGURE_OF_TIME = re.compile(
    rf"(?<![/\d.,])(?<!pukul )(?<!jam )(?:\d+(?:[.,]\d+)?[¼½¾]?|\b(?:{_DURATION_WORDS}))\s*"
    rf"(?:{_TIME_UNIT})(?:an)?\b(?!\s*\d{{4}})(?![.,]?\d)",
    re.IGNORECASE,
)
# the calendar's weekdays, and "Minggu" (also "week") in a range of them
_WEEKDAYS = "|".join([*PLAIN_WEEKDAYS, "minggu"])
# a start ("sejak 2019": how long since then), a span ("mulai Senin (7/12) hingga 31 Desember",
# "pukul 08.00 sampai 16.00", "08.00-12.00", "Senin-Jumat", "1467–1573"), one of a unit as a word
# ("sebulan", "sewindu"; "seharian": all day), or for many ("bertahun-tahun", "for years")
_SPAN = re.compile(
    r"\b(?:sejak|since\s+(?:\d|the\b|last\b|early\b|late\b|[a-z]+\s+\d))"
    r"|(?<![\d.,])\b1?\d{3}\s*[-–]\s*1?\d{3}\b(?![.,]?\d)"
    r"|\b\d{1,2}[.:]\d{2}\s*(?:[-–]|s\.?d\.?|sampai|hingga)\s*\d{1,2}[.:]\d{2}\b"
    rf"|\b(?:{_WEEKDAYS})\s*(?:[-–]|sampai|hingga|s\.?d\.?)\s*(?:{_WEEKDAYS})\b"
    r"|\b(?:mulai|dari|from)\b(?:[^.;]|\.(?=\d)){0,60}?\b(?:hingga|sampai|sampe|until|till)\b"
    r"|\b(?:sejam|sehari|seminggu|sepekan|sebulan|setahun|semalam|semalaman|seharian|sewindu|seabad|overnight)\b"
    r"|\bber(?:hari|minggu|pekan|bulan|tahun)-(?:hari|minggu|pekan|bulan|tahun)\b|\bseumur hidup\b"
    r"|\bfor\s+(?:years|decades|months|weeks|days|hours)\b",
    re.IGNORECASE,
)
_HOW_LONG = re.compile(r"\bhow\s+long\b")
# "how long" of an event ("how long did it last / take") asks a length of time, not a length
_LASTING = re.compile(r"\b(?:last|lasts|lasted|take|takes|took|ago|wait|waited|stay|stayed)\b", re.IGNORECASE)


def _writes_duration(sentence: str) -> bool:
    """Whether ``sentence`` tells a length of time: a figure before a unit of time ("14 jam",
    "tiga malam", "365¼ hari"; not "Senin (7/12) malam"), a start ("sejak 2019"), a span ("mulai
    Senin hingga 31 Desember", "pukul 08.00 sampai 16.00", "Senin-Jumat"), one unit as a word
    ("sebulan")."""
    return _SPAN.search(sentence) is not None or _FIGURE_OF_TIME.search(sentence) is not None


def _writes_sum(sentence: str) -> bool:
    """Whether ``sentence`` writes a sum: with its currency ("Rp 12.500", "20 juta dolar AS",
    "USD2 miliar", "$180,000", "RM5", "20 euros") or in thousands or millions as a quote may
    ("maksimal 50 juta", "50rb"). Not "gratis": a programme's or a ride's name as often ("Sertifikasi
    Halal Gratis", "Warga Bisa Naik Gratis") as the price asked."""
    if _SUM_SIGN.search(sentence) or _SUM_WRITTEN.search(sentence):
        return True
    return not (_CURRENCY | _MORE_CURRENCIES).isdisjoint(words(sentence))


_SUM_SIGN = re.compile(r"[$€£¥₹₩＄]\s?\d|\b(?:rm|s\$|idr|sgd|eur)\s?\d", re.IGNORECASE)
_SUM_WRITTEN = re.compile(r"\d[\d.,]*\s*(?:ribu|rb|rebu|juta|jt|miliar|triliun)\b", re.IGNORECASE)
# currencies read only as a sum's (``_writes_sum``), not for the answer model's type (``type_match``)
_MORE_CURRENCIES = frozenset("dollars euros idr sgd eur yuan yen pounds cents sen".split())
# a time of day as the gate reads it (``tells_figure_asked``): ``TIME_OF_DAY`` (which the answer
# model's type reads, as fitted), a clock word written without a space or as "pk.", "9 a.m.",
# and being open all day ("aktif 24 jam", "24/7") for when something opens
_CLOCK_TOO = re.compile(
    rf"\b(?:pukul|jam|pkl|pk)\.?\s*{_HOUR}(?:[.:][0-5]\d)?\b|\b{_HOUR}(?:[.:][0-5]\d)?\s*[ap]\.?\s?m\b"
    r"|\b24\s*jam\b|\b24/7\b|\bnon-?stop\b",
    re.IGNORECASE,
)


def _writes_clock(sentence: str) -> bool:
    """Whether ``sentence`` writes a time of day (``TIME_OF_DAY``, ``_CLOCK_TOO``)."""
    return TIME_OF_DAY.search(sentence) is not None or _CLOCK_TOO.search(sentence) is not None


_LONG_WORD = re.compile(r"[^\W\d_]{4,}")


def written_as_names(sentence: str, title: str = "") -> list[str]:
    """The capitalised words of ``sentence`` that may be names: all but the first (which any
    sentence capitalises), leaving out the article's ``title`` (a line of it), a dateline in
    capitals ("PAKIS JAJAR, SAGARA POS - ") and the headline that opens a lead: a first line,
    before a line opening with a dateline, whose every word of four letters or more but stop
    words is capitalised, three or more of them ("Hasil Lab Keluar, Keracunan ... pada Telur;
    Dua Tersangka Ditahan"). A list of names stays, on a line of its own or not. An article's
    lead, read as one sentence with its headline, had held a name for any "siapa" and "di mana"."""
    kept = []
    lines = sentence.splitlines()
    following = [line for line in lines[1:] if line.strip()]
    opens_lead = bool(following) and DATELINE.match(following[0]) is not None
    for i, line in enumerate(lines):
        if title and " ".join(line.split()) == " ".join(title.split()):
            continue
        long = [w for w in _LONG_WORD.findall(line) if w.lower() not in _STOPWORDS]  # "pada", "untuk"
        if i == 0 and opens_lead and len(long) >= 3 and all(w[0].isupper() for w in long):
            continue
        kept.append(DATELINE.sub("", line))
    return CAPITALISED.findall("\n".join(kept))[1:]


# The words of a question asking for a day ("hari apa", "what day"), which a weekday answers; and
# the weekdays a sentence may write (``PLAIN_WEEKDAYS``: not "Minggu", also a week), "Jum’at" too.
_ASKS_DAY = frozenset({"hari", "day"})
_WEEKDAY_NAMES = "|".join(re.escape(day).replace("'", "[’']?") for day in PLAIN_WEEKDAYS)
WEEKDAY = re.compile(rf"\b(?:{_WEEKDAY_NAMES})\b", re.IGNORECASE)
# A time told relative to the day a report was written, which answers "kapan" as a date does:
# "pekan depan", "dua pekan lalu", "kemarin", "Jumat pagi", "Rabu dini hari pukul 01.15", "last
# month", "three days ago". A weekday alone is not one: news write it beside every saying ("kata
# Dedi, Senin (5/10)"); a weekday right before the time of that day ("Minggu" too: there it is no
# week) is when something happened. Not with the day's date between them ("sejak Senin (7/9)
# siang"): such a weekday reads as a date while "pada Jumat (11/9)" beside it does not (measured:
# docs/quality.md, forty-sixth session).
_PERIOD = r"hari|pekan|minggu|bulan|tahun|days?|weeks?|months?|years?"
_LAST = r"lalu(?!\s+lintas)"  # not "lalu lintas", traffic
_TIME_OF_THAT_DAY = r"pagi|siang|sore|malam|subuh|dini\s+hari|pukul|morning|afternoon|evening|night"
RELATIVE_TIME = re.compile(
    rf"\b(?:(?:pekan|minggu|bulan|tahun)\s+(?:depan|{_LAST}|mendatang|kemarin)"
    rf"|(?:\d{{1,3}}|{NUMBER_WORD.pattern}|beberapa|se)\s*(?:{_PERIOD})\s+(?:{_LAST}|silam|lagi|mendatang|kemudian|ago)"
    r"|kemarin|kemarinnya|besok|besoknya|lusa|keesokan\s+harinya|yesterday|tomorrow"
    r"|(?:last|next)\s+(?:week|month|year)"
    rf"|(?:{_WEEKDAY_NAMES}|minggu)\s+(?:{_TIME_OF_THAT_DAY})"
    r")\b",
    re.IGNORECASE,
)


# A person's age in brackets after the name, as news writes it ("Suparman (54), Ketua ..."): no
# answer to how many of anything, unless the question asks an age; nor a figure another source
# gives (``extractive``'s counts).
AGE = re.compile(r"(?<=[^\W\d_])\s*\(\d{1,3}\)")
_ASKS_AGE = frozenset("umur umurnya usia usianya berumur berusia age aged".split())
# English asks an age with "how old", not with "old" alone ("tickets at the old stadium"); the
# words of earlier turns are read as words alone
_HOW_OLD = re.compile(r"\bhow\s+old\b", re.IGNORECASE)
_ASKED_AGE_BEFORE = _ASKS_AGE | {"old"}
# An age written with its years ("berusia 54 tahun", "umur 9 tahun", "aged 61")
_AGE_IN_YEARS = re.compile(
    r"\b(?:berusia|berumur|usia|umur|usianya|umurnya|aged)\s+\d{1,3}\b|\b\d{1,3}\s*(?:tahun|thn|years?)\b",
    re.IGNORECASE,
)
# What an age may be asked of that is no one ("umur lampu", "how old is the ferry"): any figure
_AGE_OF_THINGS = frozenset(
    "lampu pipa bangunan gedung jembatan kapal feri pohon bibit tanaman stadion sekolah jalan mobil bus truk "
    "mesin rumah pipe building bridge ferry ship boat tree trees seedling seedlings stadium school road car "
    "truck machine house lamp".split()
)


def _asks_age_of_someone(q: ParsedQuery) -> bool:
    """Whether ``q`` asks someone's age (``_asks_age``), not a thing's ("umur lampu", "how old is
    the ferry")."""
    if {w.removesuffix("nya") for w in q.words} & _AGE_OF_THINGS:  # "umur lampunya"
        return False
    return _asks_age(q.text, q.words)


@lru_cache(maxsize=256)
def _asks_age(question: str, read_with: frozenset[str]) -> bool:
    """Whether ``question`` asks an age: by its own words ("umurnya brp", "how old was he"; not the
    "old" of "the old stadium"), or, asking no kind of answer itself, by those of the turns
    before it it was read with (``read_with``, words alone: "old" among them), whose kind it takes."""
    if not _ASKS_AGE.isdisjoint(words(question)) or _HOW_OLD.search(question):
        return True
    return question_type(question) is None and not _ASKED_AGE_BEFORE.isdisjoint(read_with)


def without_ages(text: str, q: ParsedQuery) -> str:
    """``text`` without the ages written after names (``AGE``) when ``q`` asks a number that is no
    age; as it is otherwise. A follow-up asking a number its own way asks no age because the turn
    before it did ("kelompok taninya ada brp?" after "umur suparman brp"); one asking nothing
    itself takes the earlier question's ("namanya?" after "pasien paling tua umurnya brp")."""
    if q.kind != "number" or "(" not in text or AGE.search(text) is None or _asks_age(q.text, q.words):
        return text
    return AGE.sub(" ", text)


def type_match(sentence: str, tokens: Sequence[str], q: ParsedQuery, names: Sequence[str] | None = None) -> bool:
    """Whether ``sentence`` (with its lowercased ``tokens``, which names do not need) holds the
    kind of thing asked for: a year or a month for a date, a weekday for "hari apa" and a time told
    relative to the report's day (``RELATIVE_TIME``) for any other date, a number outside any date for
    "berapa", a time of day for "jam berapa", a name the question lacks for "siapa" or "di mana"
    (among ``names``, the sentence's ``written_as_names`` when its caller has read them)."""
    if q.kind == "date":
        # a weekday answers "hari apa" / "what day" ("setiap Senin, Rabu dan Jumat"), not any date
        # question: news writes one beside most sayings ("kata Abdul Gani, Senin (5/10)")
        asks_day = bool(q.words & _ASKS_DAY)
        weekday = asks_day and WEEKDAY.search(sentence) is not None
        if YEAR.search(sentence) or weekday or any(t in MONTHS for t in tokens):
            return True
        # "pekan depan" says when, not which day of the week
        return not asks_day and RELATIVE_TIME.search(sentence) is not None
    if q.kind == "time":
        return TIME_OF_DAY.search(sentence) is not None
    if q.kind == "number":
        # a figure outside any date: "Senin (2/11/2026)" says when, not how many; but what is
        # counted in days, months or years may be answered with a date ("sejak 2019")
        if asks_money(q):
            return not _CURRENCY.isdisjoint(tokens)
        if (kept := without_ages(sentence, q)) is not sentence:
            sentence, tokens = kept, words(kept)
        elif _asks_age_of_someone(q):
            # an age asked of someone is written after their name ("Samsul (38)") or with its
            # years ("berusia 54 tahun"), not any figure of the sentence
            return AGE.search(sentence) is not None or _AGE_IN_YEARS.search(sentence) is not None
        dated = any(t[0].isdigit() for t in tokens) and not q.words & CALENDAR_WORDS
        counted = words(DATE_FIGURES.sub(" ", sentence)) if dated else tokens
        return any(t[0].isdigit() or t in NUMBER_WORDS for t in counted)
    if q.kind in ("person", "place"):
        found = written_as_names(sentence) if names is None else names
        return any(c.lower() not in q.words for c in found)
    if q.kind == "reason":
        # what a source's count covers answers why figures differ, with no word of a cause
        # ("Dinas hanya mendata dua pasar besar"): ``explains_a_difference``
        return any(t in REASON_WORDS for t in tokens) or (
            asks_why_figures_differ(q, q.text) and explains_a_difference(sentence)
        )
    return False


def _answer_like(token: str, q: ParsedQuery) -> bool:
    low = token.lower()
    if low in q.words:
        return False
    if q.kind in ("number", "time"):
        return token[0].isdigit() or low in NUMBER_WORDS
    if q.kind == "date":
        return bool(YEAR.fullmatch(token)) or low in MONTHS
    return token[0].isupper() and low not in ID_STOPWORDS


def holds_answer_type(text: str, q: ParsedQuery) -> bool:
    """Whether some sentence of the passage ``text`` holds the kind of thing asked for. Years,
    months and numbers are looked for in the whole passage at once; names sentence by sentence,
    since each sentence's first word is capitalised anyway."""
    if q.kind in ("person", "place"):
        return any(type_match(span.text, (), q) for span, _ in analyzed_sentences(text))
    return q.kind is not None and type_match(text, words(text), q)


# Words that compare (their index terms): a follow-up asking why things differ ("knp beda gitu?",
# "why so different?", "selisihnya knp?") asks of what was said, though no article writes "beda"
# (``bot.chain.followup``); a question asking why figures differ is answered by the sentence
# that explains it (``bot.chain.extractive.explaining_first``).
COMPARING = frozenset(
    "beda selisih different differently differing differ differs difference differences discrepancy "
    "discrepancies".split()
)
# Index terms of counting: what a source counts or leaves out explains why its figure differs
# ("BPBD tidak menghitung warga ...", "tidak masuk data puskesmas", "tidak tercatat dalam manifes")
COUNTING = frozenset("hitung catat data daftar lapor".split())
# ... and what a source's count covers: a counting word (these too: "belum memasukkan", "hanya
# yang dicek", "tidak tercantum") right after a word of its scope, or after it and "yang"
# ("Dinas hanya mendata dua pasar besar", "pendataan dinas ikut menghitung ...", "desa juga
# mencatat ..."; not "hanya dengan mendaftar")
_SCOPED_COUNTING = COUNTING | frozenset("masuk cek cantum".split())
_COUNT_SCOPE = frozenset("hanya cuma belum tidak tak ikut juga bukan termasuk".split())


def asks_why_figures_differ(q: ParsedQuery, question: str) -> bool:
    """Whether a question asking why (``q``, as read) asks why figures or accounts differ
    ("knp data dinas sm forum beda?", "why do the numbers differ?", "knp beda gitu?")."""
    return q.kind == "reason" and _compares(question)


@lru_cache(maxsize=1024)
def _compares(question: str) -> bool:
    """Whether ``question`` writes a comparing word (``COMPARING``): asked once for each sentence a
    question asking why is matched against (``type_match``)."""
    return any(stem(w) in COMPARING or w in COMPARING for w in words(question))


def explains_a_difference(text: str) -> bool:
    """Whether a sentence gives the cause of a difference: a word of ``CAUSE_WORDS`` with a
    comparing word before it or a counting word in the sentence ("Bedanya karena kantor
    pertanahan menghitung ...", "selisih itu muncul karena ...", "... tidak masuk laporan dinas
    karena ..."), or what a source's count covers or leaves out ("Dinas hanya mendata dua pasar
    besar", "angka BKPSDM belum memasukkan 338 guru", ``_COUNT_SCOPE``)."""
    tokens = words(text)
    stems = [stem(t) for t in tokens]
    counts = any(t in COUNTING for t in stems)
    compared = False  # a comparing word seen before
    scoped = False  # the words before are a word of a count's scope (and "yang")
    for token, root in zip(tokens, stems, strict=True):
        if (token in CAUSE_WORDS or root in CAUSE_WORDS) and (counts or compared):
            return True
        if scoped and root in _SCOPED_COUNTING:
            return True
        compared = compared or root in COMPARING
        scoped = token in _COUNT_SCOPE or (scoped and token == "yang")
    return False


def answer_slot(text: str, q: ParsedQuery) -> bool:
    """Whether ``text`` writes one of the question's focus nouns within two words of something
    shaped like its answer and not in the question ("84 penumpang" for "Berapa penumpang",
    "Pulau Buton" for "Di pulau manakah")."""
    if not q.focus or not any(q.focus & terms for _, terms in analyzed_sentences(text)):
        return False
    if q.kind == "time" and TIME_OF_DAY.search(text) is None:  # "hampir 14 jam" is no time of day
        return False
    tokens = _CASED_TOKEN.findall(without_ages(text, q))
    for i, token in enumerate(tokens):
        if stem(token.lower()) in q.focus:
            nearby = tokens[max(0, i - 2) : i] + tokens[i + 1 : i + 3]
            if any(_answer_like(t, q) for t in nearby):
                return True
    return False


# The hand-written rules of question analysis, each of which an experiment can switch off
# (``without``) to measure what it adds (bench/fit_models.py --without, docs/quality.md).
RULES = (
    "glossary",  # English question words translated through bot/chain/data/en_id.txt
    "acronyms",  # a spelt-out name also searched as its initials
    "abbreviations",  # bot/chain/data/abbreviations_id.txt, both ways
    "initialisms",  # an initialism no chunk holds, as the words its best passages spell it with
    "informal",  # a colloquial word the index lacks also searched as its roots ("diliburin": "libur")
    "spelling",  # a word the index lacks also searched as its closest spellings
    "synonyms",  # a word the index lacks also searched as its synonyms (data/synonyms_id.txt)
    "frame_words",  # "dimaksud", "letak", ... weigh half
    "reason",  # "kenapa" / "why" asks for a reason
    "chat_words",  # greetings, addresses and particles dropped (bot.chain.normalization)
    "short_forms",  # chat short forms spelt out (bot.chain.normalization)
)


# How many first letters a real word shares with a spelling neighbour of its own family.
FAMILY_PREFIX = 5

_SYNONYMS = Path(__file__).resolve().parent / "data" / "synonyms_id.txt"


@lru_cache(maxsize=1)
def synonym_lines() -> tuple[tuple[str, ...], ...]:
    """The lines of bot/chain/data/synonyms_id.txt, each its words in lower case ("_" joins the
    words of a phrase): one meaning a line. Read by the question's ``synonyms`` rule and by the
    verifier of a chat model's claims (``bot.chain.verifier``)."""
    lines = _SYNONYMS.read_text(encoding="utf-8").splitlines()
    return tuple(tuple(line.lower().split()) for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _same_meaning() -> dict[str, tuple[str, ...]]:
    """A word as written (lower case) -> the index terms (stems) of the other single words of its
    lines in ``synonym_lines`` ("pegawai" -> "karyawan", "kerja", "staf"). Keyed by the word, not
    its stem: a stem may have other senses than the derived word ("dirumahkan" is laid off,
    "rumah" a house; "meningkat" rises, "tingkat" is a level). Phrases ("terkena_phk") are left
    out: a concept is one word. A stem may be a stopword: "melalui" is searched as "lalu", as the
    index holds it, though "lalu" is also "then"."""
    others: dict[str, dict[str, None]] = {}
    for line in synonym_lines():
        single = [w for w in line if "_" not in w]
        for word in single:
            own = stem(word)
            others.setdefault(word, {}).update(dict.fromkeys(t for w in single if (t := stem(w)) != own))
    return {word: tuple(terms) for word, terms in others.items()}


# Initialisms a question types that no article writes ("rdp", "tkp", "dau") are looked for as
# the initials of words its passages write ("rapat dengar pendapat"): 3 to 6 letters, each a word's
# first, the words within one clause and none a stopword; "dan" inside is skipped ("anggaran
# pendapatan dan belanja daerah" is "apbd").
INITIALISM_LETTERS = (3, 6)
MAX_INITIALISMS = 3  # of a question, the first looked for
_CLAUSE = re.compile(r"[^\W\d_]+(?:[ \t]+[^\W\d_]+)*")
_INITIALISM_SKIPS = frozenset({"dan"})


def unspelt_initialisms(query: ParsedQuery) -> list[Concept]:
    """The concepts of ``query`` that may be initialisms its passages spell out: a word of 3 to 6
    letters that no chunk holds and no dictionary knows, typed in lower case or capitals."""
    low, high = INITIALISM_LETTERS
    roots = root_words()
    return [
        c
        for c in query.concepts
        if not c.held
        and low <= len(c.surface) <= high
        and c.surface.isalpha()
        and c.surface.casefold() not in _STOPWORDS
        and c.surface.casefold() not in roots
        and c.terms[0] not in roots
    ]


def spelt_out(initials: str, text: str) -> tuple[str, ...] | None:
    """The first run of words of ``text`` whose initials are ``initials`` (``unspelt_initialisms``),
    lower-cased; None when there is none."""
    initials = initials.casefold()
    n = len(initials)
    for clause in _CLAUSE.finditer(text):
        found = [w for w in clause.group().casefold().split() if w not in _INITIALISM_SKIPS]
        for i in range(len(found) - n + 1):
            run = found[i : i + n]
            if all(w[0] == letter and w not in _STOPWORDS for w, letter in zip(run, initials, strict=True)):
                return tuple(run)
    return None


def with_initialisms(query: ParsedQuery, texts: Sequence[str], index: Index) -> ParsedQuery:
    """``query`` with each of its ``unspelt_initialisms`` that one of ``texts`` (its best
    passages, best first) spells out also searched as the rarest word of that run the index holds,
    as an abbreviation of ``abbreviations_id.txt`` is ("rdp sama dprd kapan" of an article writing
    "rapat dengar pendapat" and never "RDP"); ``query`` itself when none is."""
    concepts = list(query.concepts)
    changed = False
    # a few at most: each is looked for through every passage (a long message may hold hundreds)
    for c in unspelt_initialisms(query)[:MAX_INITIALISMS]:
        run = next((r for text in texts if (r := spelt_out(c.surface, text)) is not None), None)
        if run is None:
            continue
        stems = [stem(w) for w in run if w not in _STOPWORDS]
        freqs, _ = index.document_frequencies(stems)
        held = [t for t in stems if freqs.get(t, 0)]
        if not held:
            continue
        rarest = min(held, key=lambda t: freqs[t])
        at = concepts.index(c)
        concepts[at] = Concept(c.surface, (*c.terms, rarest), c.weight, (*c.frequencies, freqs[rarest]))
        changed = True
    return replace(query, concepts=tuple(concepts)) if changed else query


def parse_query(question: str, index: Index, without: frozenset[str] = frozenset()) -> ParsedQuery:
    """Analyse ``question``; concept weights are BM25 IDFs over ``index`` (the rarest term of a
    concept that occurs in the index sets its weight; a concept absent from it weighs most). A
    word the index lacks is also searched as the roots a colloquial verb may have, else as its
    closest spellings in the index, and as its synonyms (``synonym_lines``) the index holds.
    ``without`` names rules of ``RULES`` to leave out."""
    lang = guess_language(question)
    raw = concept_terms(question, lang, without)
    groups = _alternatives(question, raw, without)
    all_terms = list(
        dict.fromkeys([t for _, terms in raw for t in terms] + [t for gs in groups.values() for g in gs for t in g])
    )
    freqs, n = index.document_frequencies(all_terms) if all_terms else ({}, 0)

    def held(candidates: Sequence[str]) -> tuple[str, ...]:
        """Those of ``candidates`` some chunk holds (their frequencies noted in ``freqs``)."""
        if not candidates:
            return ()
        extra, _ = index.document_frequencies(list(candidates))
        freqs.update(extra)
        return tuple(t for t in candidates if extra.get(t, 0))

    widened = []
    for surface, terms in raw:
        unseen = not any(freqs.get(t, 0) for t in terms)
        # Chat's colloquial verbs ("diliburin", "ngungsi", "netapin") are the news's words in other
        # affixes: their roots the index holds are searched for them, and neither their spellings
        # nor their synonyms are.
        # A word of the dictionary is no colloquial form ("desain", "menjamin": not "desa", "jam").
        known = terms[0] in root_words() or surface.lower() in root_words()
        informal = unseen and "informal" not in without and lang == "id" and not known and terms[0].isalpha()
        if informal and (roots := held([r for r in informal_roots(terms[0]) if r not in terms])):
            terms, unseen = terms + roots, False
        # A misspelling is a word no dictionary knows: any of its closest spellings may be meant. A
        # real word the index lacks is one the articles do not use: of its neighbours in spelling
        # only those of its family count ("moderator" / "moderasi"), not other words that happen to
        # look alike ("bilang" / "hilang").
        if unseen and "spelling" not in without and len(terms[0]) >= 4 and terms[0].isalpha():
            terms = terms + held(
                [
                    v
                    for v in spelling_variants(terms[0], index)
                    if v not in terms and (not known or v[:FAMILY_PREFIX] == terms[0][:FAMILY_PREFIX])
                ]
            )
        # A word the articles do not use may be said in theirs: its synonyms they hold are searched
        # for it ("pegawai" in a question, "karyawan" in the article); Indonesian questions only.
        if unseen and "synonyms" not in without and lang == "id":
            terms = terms + held([t for t in _same_meaning().get(surface.lower(), ()) if t not in terms])
        widened.append((surface, terms))
    alternatives = {
        surface: [min(ts, key=lambda t: freqs[t]) for g in gs if (ts := [t for t in g if freqs.get(t, 0)])]
        for surface, gs in groups.items()
    }

    def idf(df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    concepts = []
    for surface, own in widened:
        found = [freqs.get(t, 0) for t in own if freqs.get(t, 0) > 0]
        weight = idf(min(found)) if found else idf(0)  # alternatives add terms, not weight
        terms = tuple(dict.fromkeys(own + tuple(alternatives.get(surface, ()))))
        concepts.append(
            Concept(
                surface,
                terms,
                weight * FRAME_WEIGHT if surface in FRAME_WORDS and "frame_words" not in without else weight,
                tuple(freqs.get(t, 0) for t in terms),
            )
        )
    asked_years = years_asked(concepts, question, lang)
    return ParsedQuery(
        question,
        lang,
        asked_kind(question, without),
        frozenset(words(question)),
        tuple(concepts),
        rare_weight=idf(0),
        focus=focus_terms(question),
        years_unsaid=years_unsaid(asked_years, index),
        years_asked=tuple(c.surface for c in asked_years),
        asks_what_is_not=asks_what_is_not(question),
    )


# Words before a year that make it a bound of a time, not the time asked about ("sejak 2025":
# whatever happened since, in 2026's articles too), with "tahun" between them or not.
_YEAR_BOUNDS = frozenset(
    "sejak semenjak since setelah sesudah after mulai from sebelum before hingga sampai sampe until till "
    "pasca jelang menjelang".split()
)
_YEAR_WORDS = frozenset("tahun thn th taun year".split())
# Words before a figure that make it a count, however it ends ("lebih dari 2000?", "over 2000",
# "hampir 2000": a hostile tester's, refused as a year no article mentions), with the word before
# them when they take one ("lebih dari", "more than", "at least")
_COUNT_BEFORE = frozenset("over under nearly almost hampir mencapai capai sebanyak".split())
_COUNT_BEFORE_PAIRS = frozenset(
    {
        ("lebih", "dari"),
        ("kurang", "dari"),
        ("more", "than"),
        ("less", "than"),
        ("fewer", "than"),
        ("at", "least"),
        ("at", "most"),
    }
)
# English words naming what is counted that do not end in "s" ("2000 people")
_UNMARKED_PLURALS = frozenset("people children men women staff personnel police cattle".split())
# Words after a year that still say when ("2019 lalu", "2015 silam", "in 2015 ago"); "-an" after
# a figure makes it approximate ("2000-an karyawan", "tahun 2000an"): no year asked about.
_YEAR_FOLLOWERS = frozenset("lalu silam kemarin kemaren kmrn ini itu ago".split())
# Words after a figure that name nothing counted
_NOT_COUNTED = _STOPWORDS | _YEAR_FOLLOWERS
# English verbs after a figure that make it many who did something, so a count ("is it true 1500
# were laid off?": a hostile tester's, refused as a year), unless "in" comes before it ("in 2015
# were"); plural ones only: "2015 was a bad year", "2020 had floods" name years
_COUNTED_DID = frozenset("were are have got died lost fled".split())
# Words before a figure from 1500 to 1899 that make it a year: a chat question names such a year
# after "tahun", a month, "pada" or "in" (every one of the 15 training questions naming one has
# one of them before it), or as a century's ("abad"); alone, or after any other word, it counts
# ("bener yg di-PHK 1500?" had been refused as a year no article mentions)
_OLD_YEAR_AFTER = _YEAR_WORDS | MONTHS | frozenset("pada in abad century".split())


def years_named(question: str, lang: str) -> frozenset[str]:
    """The figures shaped like years (1500 to 2099) that ``question`` names as the time it asks
    about: "tahun 2015", "back in 2015", "sensus 2014?"; not a bound ("sejak 2025", "before
    2020"), not a count ("1900 penumpang", a word after it that names what is counted), not a
    sum, a time of day or a number ("Rp 2015", "jam 1900", "pasal 1945"), nor a figure before 1900
    without "tahun", a month, "pada" or "in" before it ("bener yg di-PHK 1500?", ``_OLD_YEAR_AFTER``),
    nor an English one before a plural verb ("1500 were laid off"). In English what is
    counted is plural ("1900 passengers") and what a year qualifies need not be ("TikTok's 2021
    payment", "the 2015 renovation"): there only a plural after the figure makes it a count
    (``lang``, the question's language)."""
    if YEAR.search(question) is None:  # most questions name none: not read word by word
        return frozenset()
    tokens = words(question)
    named: set[str] = set()
    for i, token in enumerate(tokens):
        if not YEAR.fullmatch(token):
            continue
        before = tokens[i - 1] if i else ""
        bound = before in _YEAR_BOUNDS or (before in _YEAR_WORDS and i > 1 and tokens[i - 2] in _YEAR_BOUNDS)
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if after == "an":
            continue
        counted = (
            before not in _YEAR_WORDS
            and after.isalpha()
            and after not in _NOT_COUNTED
            and question_type(after) is None  # "sensus 2014 berapa penduduknya?"
            and (lang != "en" or after.endswith("s") or after in _UNMARKED_PLURALS)
        ) or (before in _COUNT_BEFORE or (i > 1 and (tokens[i - 2], before) in _COUNT_BEFORE_PAIRS))
        counted = (
            counted
            or (lang == "en" and after in _COUNTED_DID and before != "in")
            or (int(token) < 1900 and before not in _OLD_YEAR_AFTER)
        )
        if not (bound or counted or before in NOT_YEAR_AFTER):
            named.add(token)
    return frozenset(named)


# An asking word, "yang", then "bukan": what is asked for is what is not something. Not "... apa
# bukan?" (or not?) nor "yang bukan pelajar" qualifying a noun (a hostile tester's: "dananya dari
# APBD apa bukan?", "tarif penumpang yang bukan pelajar berapa?" had been refused)
_WHAT_IS_NOT = re.compile(
    r"\b(?:siapa|siapakah|apa|apakah|mana|manakah)\s+(?:yang|yg)\s+bukan(?:lah)?\b", re.IGNORECASE
)


def asks_what_is_not(question: str) -> bool:
    """Whether ``question`` asks for what is not something: "siapa yang bukan istri Abimanyu?",
    "apa yang bukan format digital?". A quoted sentence says what something is, never what it is
    not; IDK-MRC writes such questions as unanswerable (75 of its training questions, none
    answerable). "Bukan" elsewhere ("700 orang, bukan 500?", "bukan cuma PHK", "... apa bukan?",
    "yang bukan pelajar bayar berapa?") asks otherwise."""
    return _WHAT_IS_NOT.search(question) is not None


def years_asked(concepts: Sequence[Concept], question: str, lang: str) -> list[Concept]:
    """The concepts of the years ``question`` names as the time it asks about (``years_named``)."""
    named = years_named(question, lang)
    return [c for c in concepts if c.surface in named]


def years_unsaid(asked: Sequence[Concept], index: Index) -> tuple[str, ...]:
    """The years a question asks about (``asked``, ``years_asked``) when none of them is one a
    chunk of ``index`` holds or an article of it was published in (an article dated "Selasa
    (17/11)" in its text is still of its year) or holds as a figure written with a thousands
    separator ("bener 1500 orang ngungsi?" is the article's "1.500 orang"): a period holding a
    year the articles tell of ("antara 2020 dan 2025", "2023-2024") is asked of them."""
    if not asked or any(c.held for c in asked):
        return ()
    unheld = [c.surface for c in asked]
    if index.published_years() & set(unheld):
        return ()
    figures = [form for y in unheld for form in separated(y)]  # "1.500", "1,500"
    return () if any(index.document_frequencies(figures)[0].values()) else tuple(unheld)
