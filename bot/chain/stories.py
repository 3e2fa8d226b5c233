"""Which articles report one story: what a later report may update, and what "the latest" is
the latest of."""

from __future__ import annotations

from functools import lru_cache

from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, stem, words
from ingest.types import Chunk


@lru_cache(maxsize=4096)
def _headline_terms(title: str) -> frozenset[str]:
    """The index terms of a headline's content words (no stop words, no numbers)."""
    return frozenset(
        stem(w) for w in words(title) if w not in ID_STOPWORDS and w not in EN_STOPWORDS and not w[0].isdigit()
    )


def one_story(a: Chunk, b: Chunk) -> bool:
    """Whether two passages' articles report one story: the same article, or headlines that share
    two content words (all of the shorter one's, when it has fewer), as reports of one event
    share its place and what happened ("Pengungsi Banjir Lembah Arum Capai 460 Orang" and
    "Tanggap Darurat Banjir Lembah Arum Berakhir"), while headlines of different stories share
    a common word at most ("warga"). An article without a headline is taken to be on the story."""
    if a.source == b.source:
        return True
    first, second = _headline_terms(a.title or ""), _headline_terms(b.title or "")
    if not first or not second:
        return True
    return len(first & second) >= min(2, len(first), len(second))
