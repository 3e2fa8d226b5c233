"""How an answered turn was read, for the next question of a conversation to refer to.

A follow-up ("kenapa?", "berapa orang?", "and why?") says little on its own. Each answered turn
leaves a ``Context``: its analysed question (with the turns before it folded in), its vector and
its articles. ``in_context`` and ``mixed_vector`` read a question together with one; the
retriever searches that reading (``HybridRetriever.search_in_context``), and
``bot.chain.followup`` decides which reading to answer.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from bot.chain.normalization import ASKING
from bot.chain.question import ParsedQuery, asks_only
from ingest.types import Chunk

# At most this many concepts in a question read with its context (its own always count): what a
# conversation carries forward stays bounded however long it goes on.
MAX_CONTEXT_CONCEPTS = 12


@dataclass(frozen=True)
class Context:
    """How an answered turn was read: what the next question may refer to."""

    query: ParsedQuery
    vector: Any  # numpy float32 unit vector, or None (lexical models)
    sources: frozenset[str] = frozenset()  # its topic: its best passage's article and those its answer cites
    own: ParsedQuery | None = None  # the turn's question on its own, when ``query`` holds earlier turns too
    cited: tuple[str, ...] = ()  # the article of each of its answer's citations, in their order
    # read from an article's headline, not from a question (an article named from a list of the
    # news): it names more than any question, so a follow-up's share of it says little
    headline: bool = False
    # what its answer quoted, each citation's passage and quote in their order, after the best
    # sentence and its passage (when the answer says which it is): whose words they are is what
    # "siapa yg bilang gitu?" asks (``bot.chain.speakers``)
    said: tuple[tuple[Chunk, str], ...] = ()

    @property
    def asked(self) -> ParsedQuery:
        """The turn's own question, without what it took from the turns before it."""
        return self.own or self.query


def in_context(query: ParsedQuery, context: Context) -> ParsedQuery:
    """``query`` read as a follow-up of ``context``: the earlier concepts join its own (those it
    does not already hold); what names the thing asked for carries over when the question names
    none, and the kind of answer asked for when it asks for none and with no word of its own
    ("yang di Malaysia saja?" after "berapa ...?"): one that asks its own way ("trus anak2nya
    belajar gmn", "and what did he promise" after a question asking when) takes no kind from
    before (docs/quality.md, "A follow-up takes the earlier kind of answer only when it asks with
    no word of its own")."""
    # A question of nothing but the words that ask ("kenapa?", "and why?") searches for those
    # words on its own (``concept_terms``); read with the context it names nothing of its own,
    # or the asking word, which no passage holds, would count as a part of it every answer lacks.
    mine = () if context.query.concepts and asks_only(query) else query.concepts
    own = {t for c in mine for t in c.terms}
    earlier = tuple(c for c in context.query.concepts if not own.intersection(c.terms))
    # The earlier reading's concepts are its own first, then those it took from before it: a
    # long conversation keeps its latest subjects and drops the oldest.
    earlier = earlier[: max(0, MAX_CONTEXT_CONCEPTS - len(mine))]
    return dataclasses.replace(
        query,
        kind=query.kind or (None if query.words & ASKING else context.query.kind),
        words=query.words | context.query.words,
        concepts=mine + earlier,
        rare_weight=max(query.rare_weight, context.query.rare_weight),
        focus=query.focus or context.query.focus,
    )


def mixed_vector(vector: Any, context: Context) -> Any:
    """The question's vector plus the earlier reading's, at unit length (``None`` stays)."""
    import numpy as np

    if vector is None or context.vector is None or len(vector) != len(context.vector):
        return vector
    mixed = np.asarray(vector, dtype=np.float32) + np.asarray(context.vector, dtype=np.float32)
    return mixed / max(float(np.linalg.norm(mixed)), 1e-12)


_ORDINALS = {
    "pertama": 1, "kesatu": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6,
    "ketujuh": 7, "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
_ORDINAL = "|".join(_ORDINALS)
# A reference to one of the earlier answer's citations. Firm: "[2]", "berita nomor 2", "artikel
# ke-3", "sumber kedua", "the second one". Loose, a reference only when the question asks nothing
# else: "yang kedua", "nomor 2", "no. 2", "#2" (also how a question says "UU Nomor 1", "capres
# nomor 2", "yg pertama bocorin ..."). Not "kedua" alone ("kedua pihak": both sides), nor "yang
# pertama kali" (the first time).
_NOUN = r"(?:berita|artikel|sumber|link|kutipan|news|article|story|source|item)"
_NUMBER_WORD = r"(?:nomor|nomer|nmr|no\.?|number|#)"
_FIRM = re.compile(
    rf"\[(\d+)\]|\b{_NOUN}\s+(?:{_NUMBER_WORD}\s?(\d+)\b|ke-?\s?(\d+)\b|({_ORDINAL})\b(?!\s+kali))"
    rf"|\bthe\s+(?:(\d+)(?:st|nd|rd|th)|({_ORDINAL}))\s+(?:one|article|story|item|link|source|news)\b",
    re.IGNORECASE,
)
_LOOSE = re.compile(
    rf"(?:\b(?:nomor|nomer|nmr|no\.?|number)\s?|#)(\d)\b"
    rf"|\b(?:yang|yg)\s+(?:ke-?\s?(\d)\b|({_ORDINAL})\b(?!\s+kali|\s+belas))",
    re.IGNORECASE,
)


def referred_source(question: str, context: Context | None) -> tuple[str, str, bool] | None:
    """The article a question refers to by the number of the earlier answer's citation ("yang
    kedua soal apa?", "berita nomor 3 korbannya brp?", "what about the second one?" after a list
    of the latest news), with the question without that reference; ``None`` when it refers to
    none, or to a citation the earlier answer does not have (an answer citing one article is
    not referred to by number: "yang pertama" there is more likely words of the question). The
    last value says whether the reference was loose ("yang kedua", "nomor 2"), which is also how
    a question says "the first to ..." or names a law or a candidate ("yg pertama bocorin info
    itu media apa?", "apa isi UU nomor 1?"): a caller takes it for a reference only when the
    question asks nothing else. Numbers count citations, as the answer numbers them (two
    passages of one article are two)."""
    named = citation_number(question, context)
    if named is None or not 1 <= named[0] <= len(context.cited if context else ()):
        return None
    n, rest, loose = named
    assert context is not None
    return context.cited[n - 1], rest, loose


def citation_number(question: str, context: Context | None, articles: int = 2) -> tuple[int, str, bool] | None:
    """The number a question names one of the earlier answer's citations by (when that answer
    cites ``articles`` articles or more), whether or not the answer has that many, with the
    question without it and whether the reference was loose (``referred_source``)."""
    if context is None or not context.cited or len(set(context.cited)) < articles:
        return None
    found, loose = _FIRM.search(question), False
    if found is None:
        found, loose = _LOOSE.search(question), True
    if found is None:
        return None
    said = next(g for g in found.groups() if g)
    # "[99999999999]" is past any list; "[0001]" is [1]
    n = (int(said) if len(said.lstrip("0")) <= 6 else 10**6) if said.isdigit() else _ORDINALS[said.lower()]
    rest = " ".join((question[: found.start()] + " " + question[found.end() :]).split())
    return n, rest, loose
