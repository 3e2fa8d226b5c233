"""What changed between reports: a question asking how something went from one report to a
later one ("yg ngungsi awalnya brp, skrg tinggal brp?", "has the loss estimate changed since the
first report?") is answered as any other, and beside that answer the story's report furthest in
time from it that answers too is quoted and cited, the newest first.

A question's passages come mostly from one article, the one whose words it shares most; the
other report's figure or state is seldom among them (issue 19, "Several articles about one
story"). So the question, without the words that place what it asks at a report ("awalnya",
"skrg"), is searched again within each dated article of the answer's story
(``bot.chain.stories.StoryReader``: by what it says, not by its headline) that holds what the
question names and the answer's article holds ("banjir" and "kerugian", not a river's "kerugian
pembudidaya"), published within the dates it names and up to the day it is asked; the answer
model judges each article's reading
(``ExtractiveAnswerer.accepts``). A question the chain refuses stays refused, and one asking why
something changed is no question on what changed. Measured in docs/quality.md, "What changed
between reports: each report read on its own".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.chain.answer import Answer
from bot.chain.dates import DateReading, published_day, published_within
from bot.chain.extractive import ExtractiveAnswerer, antecedent, compose, counted
from bot.chain.features import SentenceCandidate
from bot.chain.normalization import normalize_chat
from bot.chain.question import Concept, ParsedQuery, asks_money
from bot.chain.retriever import Retrieval
from bot.chain.stories import StoryReader, one_story
from bot.chain.stories import marks as story_marks
from ingest.text.analysis import words
from ingest.types import ArticleRecord, Chunk, Scope

# Words that place what is asked at an earlier report, and at a later one: a question naming
# both asks how it went from one to the other ("dulu brp skrg brp", "at first ... and now").
EARLIER = frozenset(
    """
    awal awalnya semula semulanya mulanya dulu dulunya tadinya sebelumnya
    initially initial originally original earlier previously
    """.split()
)
LATER = frozenset(
    """
    sekarang kini akhirnya terakhir terbaru terkini belakangan jadinya
    now final finally latest eventually later currently
    """.split()
)
# Words that ask for a change on their own ("berubah", "bertambah", "has it grown").
CHANGED = frozenset(
    """
    berubah perubahan perkembangan perkembangannya bertambah berkurang bergeser direvisi diperpanjang
    diundur selisih change changed changes changing grown grew risen fallen dropped increased
    decreased revised
    """.split()
)


# The latest news alone ("perkembangan terbaru?"): no earlier report asked for.
_LATEST_ONLY = frozenset("terbaru terkini latest".split())
# "at first" is an earlier report; "first" alone is mostly an ordinal ("koridor pertama", "the
# first corridor"), as "pertama" is.
_AT_FIRST = re.compile(
    r"\bat first\b|\b(?:at|in) the (?:beginning|start)\b"
    # the first days or reports ("pas hari2 pertama", "laporan pertama", "the first report"), not
    # a first thing ("koridor pertama")
    r"|\b(?:hari|hari-hari|hari2|pekan|minggu|laporan|berita|pendataan|taksiran|perkiraan)\s+pertama(?:nya)?\b"
    r"|\bfirst\s+(?:days?|weeks?|reports?|count|estimates?|reported)\b",
    re.IGNORECASE,
)
# A figure going from one value to another ("naik dr brp", "turun dari 40"): a change asked.
_GOES = r"\b(?:naik|turun|nambah|menambah|bertambah|berkurang|melonjak|menyusut|membengkak|went|gone|go|rose|fell)\b"
_FROM = re.compile(rf"{_GOES}(?:\s+\w+)?\s+(?:dari|dr|from)\b", re.IGNORECASE)


def asks_change(question: str) -> bool:
    """Whether ``question`` asks how something changed between reports: it names an earlier and
    a later report ("awalnya ... sekarang"), a change ("berubah", "bertambah", "changed"), or a
    figure going from one value ("naik dari"); not when it asks for the latest news alone
    ("perkembangan terbaru?"). It is read as a chat message, its short forms spelt out whatever
    the index holds ("dlu brp skrg brp"): no index is asked, as every question is asked this."""
    # "-nya" written apart is the word's ("td nya": "tadinya")
    question = re.sub(r"\b(\w+)\s+nya\b", r"\1nya", normalize_chat(question, lambda _: set()))
    # a placing word with "-nya" places as it does alone ("angka terakhirnya")
    tokens = words(question.lower())
    said = set(tokens) | {w.removesuffix("nya") for w in tokens}
    earlier = bool(said & EARLIER) or bool(_AT_FIRST.search(question))
    if not earlier and said & _LATEST_ONLY:
        return False
    return bool(said & CHANGED) or (earlier and bool(said & LATER)) or bool(_FROM.search(question))


_PLACING = EARLIER | LATER
# How many of another report's likeliest sentences are looked through for one counting what is
# asked: about two passages' worth (the sentence model's best is the likeliest answer, not always
# the one counting what the first did).
SIDE_SENTENCES = 6
# The most reports of a story read for a question: its earliest and latest (a story of hundreds
# of articles sharing a common headline word costs no more than this many searches).
MAX_REPORTS = 8
# The most dated articles a question on what changed reads to tell which report its story
# (``ChangeReader._reports``): in an index of thousands, those whose headline shares a word with
# the answer's article's first.
MAX_EXAMINED = 4 * MAX_REPORTS


def without_change_words(question: str) -> str:
    """``question`` without the words that place what it asks at an earlier or a later report
    (``EARLIER``, ``LATER``), nor those of a figure going from one value to another ("berkurang
    dari berapa jadi berapa": a later report says "menyusut", or gives its figure alone): what it
    asks about is searched for, not "awalnya". A change may be what it asks about ("jubirnya
    ngomong apa soal perubahan ini?"): those words stay."""
    question = _GONE_TO.sub(r"\1 ", _GOING.sub(" ", question))
    return " ".join(_PLACING_WORDS.sub(" ", question).split())


_PLACING_WORDS = re.compile(rf"\b(?:{'|'.join(sorted(_PLACING, key=len, reverse=True))})\b", re.IGNORECASE)
# The verb of a figure going from one value (``_FROM``), and the words joining its two values
# ("dari berapa jadi berapa", "from 460 to 45"), the values kept.
_GOING = re.compile(rf"{_GOES}(?=(?:\s+\w+)?\s+(?:dari|dr|from)\b)", re.IGNORECASE)
_GONE_TO = re.compile(
    r"\b(?:dari|dr|from)\s+(berapa|brp|how\s+(?:much|many)|[\d.,]+(?:\s+[^\W\d_]+)?)\s+(?:jadi|jd|menjadi|ke|to)\s+"
    r"(?=berapa|brp|how|\d)",
    re.IGNORECASE,
)


@dataclass
class ChangeReading:
    """A question on what changed, read: its own retrieval (what the answer lists as retrieved)
    and the sentences its answer quotes: the usual answer's, then the other report's."""

    retrieval: Retrieval
    chosen: list[SentenceCandidate]


class ChangeReader:
    """Reads a question on what changed over the reports of its story (the module docstring)."""

    def __init__(
        self,
        articles: Callable[[], list[ArticleRecord]],
        search_within: Callable[[Retrieval, Scope], Retrieval],
        extractive: ExtractiveAnswerer,
        frequencies: Callable[[Sequence[str]], tuple[dict[str, int], int]],
        stories: StoryReader,
    ) -> None:
        self.articles = articles
        self.search_within = search_within
        self.extractive = extractive
        self.frequencies = frequencies
        self.stories = stories

    def read(
        self,
        retrieval: Retrieval,
        search: Callable[[], Retrieval],
        dates: DateReading,
        within: Scope | None,
        today: date,
    ) -> ChangeReading | None:
        """The usual answer to ``retrieval`` and beside it another report's sentence: of the
        reports of the answer's story (``_reports``) whose reading of the question (``search``:
        it without the words placing what it asks, over every article) the answerer accepts
        and that hold what the question names that the answer's article holds, the one furthest
        in time from the answer's (``_beside``). ``None`` when the chain refuses the
        question, when it asks why, or when no other report answers."""
        chosen = self.extractive.chosen(retrieval)
        if not chosen or retrieval.query.kind == "reason":
            return None
        anchor = report_quoted(chosen)
        day = None if anchor is None else published_day(anchor.published)
        if anchor is None or day is None:
            return None
        reports = self._reports(anchor, day, dates, today, retrieval.query.concepts)
        if not reports:
            return None
        wide = search()
        within = within or Scope()

        def reading(source: str) -> Retrieval:
            return self.search_within(wide, replace(within, article=source))

        own = reading(anchor.source)
        named = [c for c in wide.query.concepts if c.found_in(_held(own))]
        marks = story_marks(own.candidates, self.frequencies)
        answering = []  # furthest in time first, as the reports are
        for article in reports:
            found = reading(article.source)
            held = _held(found)
            if (
                found.candidates
                and len(marks & held) * 2 >= len(marks)
                and _holds_most(named, held)
                and self.extractive.accepts(found)
            ):
                answering.append(found)
        for counting in (True, False):
            for report in answering:
                side = self._beside(retrieval.query, chosen, report, counting)
                if side is not None:
                    before = antecedent(side, self.extractive.rank_sentences(report))
                    extra = [s for s in (side, before) if s is not None and all(s.text != c.text for c in chosen)]
                    return ChangeReading(retrieval, [*chosen, *extra])
        return None

    def _reports(
        self, anchor: Chunk, day: date, dates: DateReading, today: date, concepts: Sequence[Concept]
    ) -> list[ArticleRecord]:
        """The other dated articles of ``anchor``'s story (published on ``day``; the story the
        question's ``concepts`` ask about, ``StoryReader.teller``) published within the dates the
        question names and up to ``today``: the ``MAX_REPORTS`` furthest in time from it at
        most, furthest first."""
        last = min(dates.last or today, today) if dates.bounded else today
        dated = []
        for article in self.articles():
            published = published_day(article.published)
            if (
                published is not None
                and published_within(article.published, dates.since, last)
                and article.source != anchor.source
            ):
                dated.append((published, article))
        # read (``StoryReader.teller``: the article's passages, once each) those whose headline
        # shares a word with the anchor's first, then the furthest in time: at most
        # ``MAX_EXAMINED`` in a large index
        dated.sort(key=lambda pa: (not one_story(anchor, pa[1]), -abs((pa[0] - day).days)))
        together = self.stories.teller(concepts)
        found = [(published, article) for published, article in dated[:MAX_EXAMINED] if together(anchor, article)]
        found.sort(key=lambda pa: abs((pa[0] - day).days), reverse=True)
        return [article for _, article in found[:MAX_REPORTS]]

    def _beside(
        self, query: ParsedQuery, chosen: list[SentenceCandidate], report: Retrieval, counting: bool
    ) -> SentenceCandidate | None:
        """The sentence of ``report`` (another article's reading of the question) quoted beside
        the usual answer (``chosen``): its likeliest not already quoted; with ``counting``, for a
        question asking how many, the likeliest of its first ``SIDE_SENTENCES`` with a figure
        counting what the question names or what the answer's first sentence counts ("210
        hektare sawah" beside "340 hektare sawah", not "empat desa"), or a sum for a question on
        money (``asks_money``: "Rp12 miliar" beside "Rp18 miliar"), or none."""
        quoted = {c.text for c in chosen}
        ranked = [s for s in self.extractive.rank_sentences(report) if s.text not in quoted]
        if not ranked:
            return None
        if not (counting and query.kind == "number"):
            return ranked[0]
        asked = frozenset(t for c in query.concepts for t in c.terms)
        wanted = asked.union(*(things for _, things in counted(chosen[0].text)))

        def counts(sentence: SentenceCandidate) -> bool:
            if not sentence.features.get("type_number"):  # a sum, for a money question
                return False
            return asks_money(query) or any(things & wanted for _, things in counted(sentence.text))

        return next((s for s in ranked[:SIDE_SENTENCES] if counts(s)), None)

    def answer(self, reading: ChangeReading) -> Answer:
        """The sentences read quoted and cited, the newest report first (``compose``: they are
        all of the answer's story)."""
        retrieval = reading.retrieval
        return compose(retrieval.question, retrieval.query.lang, reading.chosen, retrieval.hits)


def report_quoted(chosen: Sequence[SentenceCandidate]) -> Chunk | None:
    """The report an answer quotes (``chosen``: its sentences, the best first): the passage of
    its first dated sentence. An undated passage (a text of no date, or another set's passage in
    an eval's index) is of no report, and the answer quotes the dated ones first (``compose``);
    an answer whose best sentence was undated had been read as quoting no report at all."""
    return next((c.passage.chunk for c in chosen if published_day(c.passage.chunk.published) is not None), None)


# The share of the weight of what the question names (and the answer's article holds) that
# another report must hold to be read as answering it too: one report need not repeat every
# word another writes ("jumlah rumah rusak naik dr brp jd brp": only the latest report writes
# the change's own verb, "naik"; docs/quality.md, twenty-seventh session).
NAMED_SHARE = 0.5


def _holds_most(named: Sequence[Concept], held: frozenset[str]) -> bool:
    """Whether ``held`` (an article's terms) holds at least ``NAMED_SHARE`` of the weight of the
    ``named`` concepts (all of them when they weigh nothing)."""
    total = sum(c.weight for c in named)
    if total <= 0:
        return all(c.found_in(held) for c in named)
    return sum(c.weight for c in named if c.found_in(held)) >= NAMED_SHARE * total


def _held(retrieval: Retrieval) -> frozenset[str]:
    """The index terms of the passages of an article's reading (its passages read: most of a
    news article)."""
    return frozenset().union(*(c.terms for c in retrieval.candidates))
