"""Sentence-aware chunking: consecutive sentences packed into passages with character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text.sentences import split_sentences
from ingest.types import Span

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class ChunkSpan:
    """A passage of an article: ``text == article_text[start:end]``."""

    index: int
    start: int
    end: int
    text: str


def chunk_text(text: str, max_chars: int = 600) -> list[ChunkSpan]:
    """Return the passages of ``text`` in order.

    Passages are made of whole sentences and never exceed ``max_chars`` unless a single word
    does. A passage ends at a paragraph break once it holds at least half of ``max_chars``,
    so short paragraphs (headlines, one-line quotes) join their neighbour. A sentence longer
    than ``max_chars`` is cut at spaces. Offsets round-trip: ``text[c.start:c.end] == c.text``.
    """
    pieces = [piece for sentence in _sentences_with_breaks(text) for piece in _fit(sentence, text, max_chars)]
    chunks: list[ChunkSpan] = []
    start: int | None = None
    end = 0
    for span, after_break in pieces:
        if start is not None and (span.end - start > max_chars or (after_break and end - start >= max_chars // 2)):
            chunks.append(ChunkSpan(len(chunks), start, end, text[start:end]))
            start = None
        if start is None:
            start = span.start
        end = span.end
    if start is not None:
        chunks.append(ChunkSpan(len(chunks), start, end, text[start:end]))
    return chunks


def _sentences_with_breaks(text: str) -> list[tuple[Span, bool]]:
    """Sentences paired with whether a paragraph break precedes them."""
    out: list[tuple[Span, bool]] = []
    position = 0
    for paragraph in _PARAGRAPH.split(text):
        at = text.index(paragraph, position) if paragraph else position
        for i, span in enumerate(split_sentences(paragraph, offset=at)):
            out.append((span, i == 0))
        position = at + len(paragraph)
    return out


def _fit(item: tuple[Span, bool], text: str, max_chars: int) -> list[tuple[Span, bool]]:
    """Cut a sentence longer than ``max_chars`` at spaces into pieces that fit."""
    span, after_break = item
    if span.end - span.start <= max_chars:
        return [item]
    out: list[tuple[Span, bool]] = []
    start = span.start
    while span.end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:  # one word longer than max_chars: cut at the next space instead
            cut = text.find(" ", start + max_chars)
            if cut == -1 or cut >= span.end:
                break
        out.append((Span(start, cut, text[start:cut]), after_break and not out))
        start = cut + 1
        while start < span.end and text[start] == " ":
            start += 1
    out.append((Span(start, span.end, text[start : span.end]), after_break and not out))
    return out
