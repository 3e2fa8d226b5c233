"""What the answering chain gives every front end: an answer, its numbered citations, and the
words it uses when the articles do not say."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.types import Chunk, Hit

ABSTAIN_TEXT = {
    "id": "Artikel yang diindeks tidak menyebutkan hal itu.",
    "en": "The indexed articles don't say.",
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
