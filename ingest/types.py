"""The types both sides of tanya share: what an article is, what the index stores and returns.

Every package reads these from here; none defines its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A sentence: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Article:
    """One article, its text already cleaned; ``source`` identifies it in the index."""

    source: str
    text: str
    title: str
    url: str | None = None
    published: str | None = None
    lang: str = "id"
    outlet: str | None = None
    # where it was read from when its source does not say ("feed.jsonl line 3": a JSON Lines id
    # is its source), to name it in an ingest report; not stored
    origin: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An input that yielded no article, with a short reason."""

    source: str
    reason: str


@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article as listed by ``tanya sources``."""

    source: str
    title: str
    url: str | None
    published: str | None
    lang: str
    outlet: str | None
    content_hash: str | None
    chunks: int
    ingested_at: str


@dataclass(frozen=True)
class Chunk:
    """A stored passage with its article's metadata; ``text == article.text[start:end]``."""

    chunk_id: str
    source: str
    index: int
    start: int
    end: int
    text: str
    title: str
    url: str | None
    published: str | None
    lang: str


@dataclass(frozen=True)
class Scope:
    """Which articles a search may use: published on or after ``since`` and on or before
    ``until`` (ISO dates, inclusive; an article without a date is outside any such range),
    whose source, URL, title or outlet contains ``source`` (ignoring case), and, with
    ``article``, that article alone (its source exactly: a follow-up naming one of an answer's
    citations). Empty: every article."""

    since: str | None = None
    until: str | None = None
    source: str | None = None
    article: str | None = None

    @property
    def empty(self) -> bool:
        """Whether it lets every article through."""
        return not (self.since or self.until or self.source or self.article)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and the score its retriever gave it (higher is better)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class QuestionVector:
    """A question embedded by the index's model; ``model`` says which, so a vector made before
    ``tanya reindex`` switched models is never compared with the new model's vectors."""

    text: str
    model: str
    vector: list[float]
