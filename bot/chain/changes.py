"""What changed between reports: a question asking how something went from one report to a
later one ("yg ngungsi awalnya brp, skrg tinggal brp?", "has the loss estimate changed since the
first report?") is answered from the first and the last report of its story that answer it, each
quoted and cited, the newest first.

A question's passages come mostly from one article, the one whose words it shares most; the
other report's figure or state is seldom among them (issue 19, "Several articles about one
story"). So the question is searched again within each dated article of its best passage's
story (``bot.chain.stories.one_story``), published within the dates it names and up to the day
it is asked, and the answer model judges each article's best sentence as that article's
answer (``ExtractiveAnswerer.accepts``). When two or more articles answer, the first and the
last are quoted; otherwise the question is answered as any other. Measured in docs/quality.md,
"What changed between reports".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.chain.answer import Answer
from bot.chain.dates import DateReading
from bot.chain.extractive import ExtractiveAnswerer, antecedent, compose, counted
from bot.chain.features import SentenceCandidate
from bot.chain.question import ParsedQuery, asks_money
from bot.chain.retriever import Retrieval
from bot.chain.stories import one_story
from ingest.text.analysis import words
from ingest.types import ArticleRecord, Scope

# Words that place what is asked at an earlier report, and at a later one: a question naming
# both asks how it went from one to the other ("dulu brp skrg brp", "at first ... and now").
EARLIER = frozenset(
    """
    awal awalnya semula semulanya mulanya dulu dulunya tadinya sebelumnya pertama perdana
    initially originally first earlier previously
    """.split()
)
LATER = frozenset(
    """
    sekarang kini akhirnya terakhir terbaru terkini belakangan jadinya menjadi
    now final finally latest eventually later currently
    """.split()
)
# Words that ask for a change on their own ("berubah", "bertambah", "has it grown").
CHANGED = frozenset(
    """
    berubah perubahan perkembangan perkembangannya bertambah berkurang bergeser direvisi diperpanjang
    change changed changes changing grown grew risen fallen dropped increased decreased revised
    """.split()
)


def asks_change(question: str) -> bool:
    """Whether ``question`` (read as a chat message: short forms spelt out) asks how something
    changed between reports: it names an earlier and a later report, or a change."""
    said = set(words(question.lower()))
    return bool(said & CHANGED) or bool(said & EARLIER and said & LATER)


_PLACING = EARLIER | LATER
_PUNCTUATION = ".,;:!?\"'()[]"
# How many of another report's likeliest sentences are looked through for one counting what is asked.
SIDE_SENTENCES = 6


def without_change_words(question: str) -> str:
    """``question`` without the words that place what it asks at an earlier or a later report
    (``EARLIER``, ``LATER``): what it asks about is searched for, not "awalnya". A change may be
    what it asks about ("jubirnya ngomong apa soal perubahan ini?"): those words stay."""
    return " ".join(w for w in question.split() if w.strip(_PUNCTUATION).lower() not in _PLACING).strip()


@dataclass
class ChangeReading:
    """A question on what changed, read: its own retrieval (what the answer lists as retrieved)
    and the sentences its answer quotes: those of one report, then the other report's."""

    retrieval: Retrieval
    chosen: list[SentenceCandidate]


class ChangeReader:
    """Reads a question on what changed over the reports of its story (the module docstring)."""

    def __init__(
        self,
        articles: Callable[[], list[ArticleRecord]],
        search_within: Callable[[Retrieval, Scope], Retrieval],
        extractive: ExtractiveAnswerer,
    ) -> None:
        self.articles = articles
        self.search_within = search_within
        self.extractive = extractive

    def read(self, retrieval: Retrieval, dates: DateReading, within: Scope | None, today: date) -> ChangeReading | None:
        """The answer to ``retrieval`` (or, when it abstains, that of the last report of its
        story that answers) and beside it another report's sentence (``_other_side``): of the
        reports of its story published within the dates the question names and up to ``today``
        (among those ``within`` lets through) whose reading of the question the answerer
        accepts, the one furthest in time from the answer's. For a question asking how many,
        that sentence counts what is asked or what the answer's first sentence counts; when no
        report has one, the furthest report's likeliest sentence is taken. ``None`` when no
        other report answers."""
        ranked = self.extractive.rank_sentences(retrieval)
        if not ranked:
            return None
        story = ranked[0].passage.chunk
        first = dates.since.isoformat() if dates.bounded and dates.since else ""
        last = (dates.last or today).isoformat() if dates.bounded else today.isoformat()
        reports = sorted(
            (a for a in self.articles() if a.published and first <= a.published[:10] <= last and one_story(story, a)),
            key=lambda a: (a.published or "")[:10],
        )
        if len(reports) < 2:
            return None
        within = within or Scope()
        answering: list[tuple[ArticleRecord, Retrieval]] = []
        for article in reports:
            found = self.search_within(retrieval, Scope(within.since, within.until, within.source, article.source))
            if found.candidates and self.extractive.accepts(found):
                answering.append((article, found))
        chosen = self.extractive.chosen(retrieval) or (self.extractive.chosen(answering[-1][1]) if answering else [])
        day = _day(chosen[0].passage.chunk.published) if chosen else None
        if day is None:
            return None
        others = sorted(
            (r for a, r in answering if a.source != chosen[0].passage.chunk.source),
            key=lambda r: abs((_day(r.candidates[0].chunk.published) or day) - day).days,
            reverse=True,
        )
        for counting in (True, False):
            for report in others:
                side = self._other_side(retrieval.query, chosen[0], report, counting)
                if side is not None:
                    before = antecedent(side, self.extractive.rank_sentences(report))
                    return ChangeReading(retrieval, [*chosen, side, *([before] if before is not None else [])])
        return None

    def _other_side(
        self, query: ParsedQuery, best: SentenceCandidate, report: Retrieval, counting: bool
    ) -> SentenceCandidate | None:
        """The sentence of ``report`` (another article's reading of the question) quoted beside
        ``best``: its likeliest; with ``counting``, for a question asking how many, the likeliest
        of its first ``SIDE_SENTENCES`` with a figure counting what the question names or what
        ``best`` counts ("210 hektare sawah" beside "340 hektare sawah", not "empat desa"), or a
        sum for a question on money (``asks_money``: "Rp12 miliar" beside "Rp18 miliar"), or
        none."""
        ranked = [s for s in self.extractive.rank_sentences(report) if s.text != best.text]
        if not ranked:
            return None
        if not (counting and query.kind == "number"):
            return ranked[0]
        asked = frozenset(t for c in query.concepts for t in c.terms)
        wanted = asked.union(*(things for _, things in counted(best.text)))

        def counts(sentence: SentenceCandidate) -> bool:
            if not sentence.features.get("type_number"):  # a sum, for a money question
                return False
            return asks_money(query) or any(things & wanted for _, things in counted(sentence.text))

        return next((s for s in ranked[:SIDE_SENTENCES] if counts(s)), None)

    def answer(self, reading: ChangeReading) -> Answer:
        """The sentences read quoted and cited, the newest report first (``compose``)."""
        retrieval = reading.retrieval
        return compose(retrieval.question, retrieval.query.lang, reading.chosen, retrieval.hits)


def _day(published: str | None) -> date | None:
    try:
        return date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
