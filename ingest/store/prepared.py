"""An article made ready to store: cut into chunks with offsets, hashed (the hash decides
whether a stored article changed, and so whether it is embedded again), and analysed into index
terms. All of it happens before a writer takes the write lock, so the lock is held only to embed
and store.

The analyser is not part of the hash: a new analyser does not change what is embedded, so an
index analyses its stored passages again (``Index.reanalyse``) instead of embedding them again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ingest.text.analysis import analyze, encode_sentence_terms, sentence_terms
from ingest.text.chunking import ChunkSpan, chunk_text
from ingest.types import Article

CHUNKER_VERSION = "1"

# The analyser version every content hash was written with until the analyser left the hash
# (``ANALYZER_VERSION`` then was "2"): kept in it, so that stored articles keep their hashes and
# their chunk ids, and an unchanged article is not embedded again.
_HASHED_ANALYZER = "2"

Status = Literal["added", "replaced", "unchanged"]


@dataclass(frozen=True)
class Analysis:
    """The index terms of an article's chunks."""

    terms: list[str]  # the analysed text of each chunk
    title_terms: str
    sentences: list[str]  # each chunk's sentences with their terms, as the catalog keeps them
    sentence_spans: list[list[tuple[int, int]]]  # each chunk's sentences as offsets into its text


@dataclass(frozen=True)
class PreparedArticle:
    """An article cut into chunks, with the hash that decides whether it changed (and, once
    ``analyse`` ran, the index terms of its chunks)."""

    article: Article
    content_hash: str
    spans: list[ChunkSpan]
    analysis: Analysis | None = None
    replaces: str | None = None  # the title of the stored article it replaces, when another (for the report)

    def chunk_id(self, index: int) -> str:
        """Stable id: the same article text and settings always give the same ids."""
        source_key = hashlib.sha1(self.article.source.encode()).hexdigest()[:16]
        return f"{source_key}-{self.content_hash[:12]}-{index:05d}"


def prepare(article: Article, chunk_max_chars: int) -> PreparedArticle:
    """Chunk an article and hash everything its chunks and their vectors depend on (text,
    metadata, chunk size, chunker version); not the analyser, whose terms are cheap to make again."""
    spans = chunk_text(article.text, chunk_max_chars)
    fingerprint = json.dumps(
        [
            article.text,
            article.title,
            article.url,
            article.published,
            article.lang,
            article.outlet,
            chunk_max_chars,
            CHUNKER_VERSION,
            _HASHED_ANALYZER,
        ],
        ensure_ascii=False,
    )
    return PreparedArticle(article, hashlib.sha256(fingerprint.encode()).hexdigest(), spans)


def analyse(prepared: PreparedArticle) -> PreparedArticle:
    """``prepared`` with the index terms of its chunks (BM25 terms, sentences with their terms)."""
    if prepared.analysis is not None:
        return prepared
    return replace(prepared, analysis=analyse_chunks([s.text for s in prepared.spans], prepared.article.title))


def analyse_chunks(texts: Sequence[str], title: str) -> Analysis:
    """The index terms of an article's chunk ``texts`` and its ``title`` (with this code's
    ``ANALYZER_VERSION``)."""
    analysed = [sentence_terms(text) for text in texts]
    return Analysis(
        [" ".join(analyze(text)) for text in texts],
        " ".join(analyze(title)),
        [encode_sentence_terms(a) for a in analysed],
        [[(span.start, span.end) for span, _ in a] for a in analysed],
    )
