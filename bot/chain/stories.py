"""Which articles report one story: what a later report may update, and what "the latest" is
the latest of."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol

from ingest.loaders import given_title
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, NUMBER_WORDS, stem, words

# Words of a headline that name no story: numbers and amounts ("Rp18 Miliar", "Dua Warga").
_AMOUNTS = NUMBER_WORDS | {"rp", "usd", "belas", "puluh", "ratus"}


@lru_cache(maxsize=4096)
def _headline_terms(title: str) -> frozenset[str] | None:
    """The index terms of a headline's content words (no stop words, numbers or amounts, none
    under three letters); ``None`` for a title that is no headline: one the loader gave an
    article without one (``given_title``)."""
    if given_title(title):
        return None
    return frozenset(
        stem(w)
        for w in words(title)
        if len(w) >= 3 and not w[0].isdigit() and w not in _AMOUNTS and w not in ID_STOPWORDS and w not in EN_STOPWORDS
    )


class Titled(Protocol):
    """A passage (``Chunk``) or an article (``ArticleRecord``): its article's source and title."""

    @property
    def source(self) -> str: ...

    @property
    def title(self) -> str: ...


def one_story(a: Titled, b: Titled) -> bool:
    """Whether two passages' (or articles') articles may report one story: the same article, or headlines that
    share a content word, as reports of one event share its place or what happened ("Banjir
    Rendam Empat Desa" and "Tanggap Darurat Banjir Berakhir"), while headlines of different
    stories mostly share none ("Bus Listrik Trans Seruni Mulai Beroperasi" and "Pasar Rakyat
    Kuala Bening Dibuka Kembali"). A common word ("warga") joins two stories, which is then
    read as before this test: newest first. An article without a headline is taken to be on
    the story."""
    if a.source == b.source:
        return True
    first, second = _headline_terms(a.title or ""), _headline_terms(b.title or "")
    if not first or not second:
        return True
    return bool(first & second)


# How many terms mark an article's story (``marks``).
STORY_MARKS = 6


def marks(
    passages: Iterable[Any], frequencies: Callable[[Sequence[str]], tuple[dict[str, int], int]]
) -> frozenset[str]:
    """The ``STORY_MARKS`` index terms that most mark ``passages`` (ranked passages of one article,
    with their analysed ``sentences``): written in most of their sentences and in few of the
    index's passages (tf-idf, ``frequencies`` giving each term's passage count and the number of
    passages): a place, a name, what happened ("pakis", "jajar", "racun"; not "tersangka" or
    "lab", which another story's report may share with it as it shares a headline's words)."""
    counts: dict[str, int] = {}
    for passage in passages:
        for _, terms in passage.sentences:
            for term in terms:
                if len(term) > 2 and not term.isdigit():
                    counts[term] = counts.get(term, 0) + 1
    if not counts:
        return frozenset()
    found, total = frequencies(sorted(counts))
    weight = {t: n * math.log((1 + total) / (1 + found.get(t, 0))) for t, n in counts.items()}
    return frozenset(sorted(weight, key=lambda t: (-weight[t], t))[:STORY_MARKS])
