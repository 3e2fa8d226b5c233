"""What the answering chain gives every front end: an answer, its numbered citations, and the
words it uses when the articles do not say."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.text.analysis import without_invisible
from ingest.types import Chunk, Hit

# A bracketed number that is not a citation ("[9]" in an article, "pada [12] Oktober" or "[2024]"
# from a model) would read as a citation marker in an answer: it is shown in fullwidth brackets
# ("［9］"), which no reader takes for one (the citation's quote keeps the article's own text).
_BRACKETED_NUMBER = re.compile(r"\[(\s*\d[\d\s.,;]*)\]")


def fullwidth_brackets(text: str) -> str:
    """``text`` with its bracketed numbers in fullwidth brackets."""
    return _BRACKETED_NUMBER.sub(r"［\1］", text)


def balanced_quotes(text: str) -> str:
    """``text`` (a quote of a passage: pieces joined by ``OMISSION``) with each piece's quotation
    marks balanced: a piece that opens a quotation the passage closes only in a later sentence
    ("\"Untuk bulan pertama kami menargetkan ... per hari.") is closed at its end, one that
    closes a quotation opened in an earlier sentence ("... dari sekolah lain,\" ujar
    Hasanuddin.") is opened at its start. Only where it is shown: a citation's quote stays the
    passage's text."""
    return OMISSION.join(_balanced(piece) for piece in text.split(OMISSION))


def _balanced(piece: str) -> str:
    opened, closed = piece.count("\u201c"), piece.count("\u201d")  # curly quotation marks
    if opened > closed:
        piece += "\u201d"
    elif closed > opened:
        piece = "\u201c" + piece
    if piece.count('"') % 2:
        first = piece.index('"')
        # a straight mark after a word or a comma closes; one at the start or after a space opens
        closes = first > 0 and not piece[first - 1].isspace() and piece[first - 1] not in "([{"
        piece = '"' + piece if closes else piece + '"'
    return piece


def shown_quote(text: str) -> str:
    """A citation's quote as an answer shows it: its quotation marks balanced
    (``balanced_quotes``) and its bracketed numbers in fullwidth brackets (``fullwidth_brackets``)."""
    return fullwidth_brackets(balanced_quotes(text))


if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from bot.chain.context import Context
    from ingest.types import Span

# Between two quoted sentences of a passage that are not next to each other in it.
OMISSION = " … "


def passage_quote(text: str, sentences: Sequence[tuple[Span, object]], positions: Iterable[int]) -> str:
    """The sentences at ``positions`` of a passage (``text``, and its sentences as analysed: each
    span with its terms) as one quote, in the passage's order: sentences next to each other with
    the passage's own text between them (a headline and the sentence under it keep their line
    break), ``OMISSION`` where sentences in between are left out. So every piece between two
    ``OMISSION``s is text of the passage."""
    order = sorted(set(positions))
    out: list[str] = []
    for before, at in zip([None, *order], order, strict=False):
        if before is not None:
            between = text[sentences[before][0].end : sentences[at][0].start]
            out.append(between if at == before + 1 else OMISSION)
        out.append(sentences[at][0].text)
    return "".join(out)


ABSTAIN_TEXT = {
    "id": "Artikel yang diindeks tidak menyebutkan hal itu.",
    "en": "The indexed articles don't say.",
}


# What a message that asks nothing ("halo", "oke sip": ``bot.chain.normalization.small_talk``) is
# told: what the bot can be asked, with a question any index answers (the news it holds).
SMALL_TALK_TEXT = {
    "id": (
        "Saya menjawab pertanyaan tentang berita yang diindeks, dengan kutipan dari artikelnya. "
        'Coba tanya, misalnya: "ada berita apa?"'
    ),
    "en": 'I answer questions about the indexed news, quoting the articles. Try, for example: "any news?"',
}
GREETING_TEXT = {"id": "Halo! ", "en": "Hi! "}  # before it, to a message that greets
THANKS_TEXT = {
    "id": "Sama-sama! Silakan tanya lagi tentang berita yang diindeks.",
    "en": "You're welcome! Ask me anything else about the indexed news.",
}

# What introduces the passage that came nearest to answering, shown with an abstention.
CLOSEST_LABEL = {
    "id": "Bagian yang paling dekat, mungkin bukan jawabannya:",
    "en": "The closest passage, which may not answer it:",
}


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
    partial: bool = False  # streamed: the answer so far, more to come
    context: Context | None = None  # how the question was read, for a follow-up to refer to
    # With an abstention: the passage that came nearest (its likeliest sentence), which the answer
    # model did not trust; front ends show it as such (``CLOSEST_LABEL``), never as an answer.
    closest: Citation | None = None
    # no answer but a reply to a message that asks nothing ("halo", "makasih ya"): shown as it is
    chat: bool = False
    # the sentence that answers best, of those quoted: whose words "siapa yg bilang gitu?" asks
    best: str | None = None

    @property
    def says_nothing(self) -> bool:
        """Whether there is nothing to show but an abstention (abstained, unless it is a ``chat``
        reply, or no text at all: none but invisible and control characters, which Discord's
        formatting drops)."""
        return (self.abstained and not self.chat) or not without_invisible(self.text).strip()

    def __add__(self, later: Answer) -> Answer:
        """Streamed answers are snapshots, each holding all of the answer so far: adding one to
        another gives the later (this is how LangChain gathers a stream into one output)."""
        return later


def with_timings(answer: Answer, state: dict[str, Any]) -> Answer:
    """``answer`` with its timings (ms) from the chain's state: when the question came
    (``started``), when its passages were ranked (``retrieved_at``), and now."""
    done = time.perf_counter()
    answer.timings_ms = {
        "retrieve": round((state["retrieved_at"] - state["started"]) * 1000, 2),
        "answer": round((done - state["retrieved_at"]) * 1000, 2),
        "total": round((done - state["started"]) * 1000, 2),
    }
    return answer
