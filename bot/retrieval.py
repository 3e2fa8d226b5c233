"""Hybrid retrieval: BM25 candidates re-ranked with sentence coverage and a little dense similarity.

BM25 over Indonesian root words carries most of the signal: the bundled embedding model is
English-only, so on Indonesian text it is a weak retriever, and mixing its own ranking in
equally makes results worse (docs/quality.md). Instead the BM25 candidates are re-scored:

    score = bm25 / best_bm25 + w_dense * cosine(question, chunk) + w_cover * best_sentence_coverage
            + w_type * holds_answer_type + w_slot * answer_slot

where ``best_sentence_coverage`` is the IDF-weighted share of the question's concepts found in
the chunk's single best sentence (an answer usually sits in one sentence), ``holds_answer_type``
whether a sentence holds the kind of thing asked for (a year for "kapan", a number for "berapa",
a new name for "siapa") and ``answer_slot`` whether the noun naming the answer's kind stands
beside such a thing ("84 penumpang" for "Berapa penumpang"; ``bot.query.answer_slot``).

The question is embedded in a worker thread while BM25 runs: onnxruntime and SQLite both
release the GIL, and with the int8 model one core embeds a question almost as fast as two, so
the other core does the lexical search meanwhile (10k chunks: p50 16.4 -> 13.9 ms).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from bot.query import (
    ParsedQuery,
    analyzed_sentences,
    answer_slot,
    holds_answer_type,
    parse_query,
    prime_sentences,
)
from ingest.catalog import Chunk
from ingest.index import Hit, Index, QuestionVector


@dataclass(frozen=True)
class RetrievalConfig:
    """How many candidates BM25 contributes, how many index entries it may rank for them (see
    ``ParsedQuery.search_terms_within``), and how the re-ranking features mix. Ten candidates
    give the same figures as thirty on every dev set, and within one question of 400 on a
    100k-chunk index (docs/quality.md, section 8)."""

    k: int = 5
    candidates: int = 10
    max_postings: int = 20_000
    dense_weight: float = 0.2
    coverage_weight: float = 0.5
    type_weight: float = 0.1  # docs/quality.md, section 10
    slot_weight: float = 0.05


def best_sentence_coverage(chunk: Chunk, query: ParsedQuery) -> float:
    """Return the largest share of the question that one sentence of ``chunk`` holds."""
    return max((query.coverage(terms) for _, terms in analyzed_sentences(chunk.text)), default=0.0)


class HybridRetriever:
    """Ranks chunks for a question; see the module docstring for the scoring."""

    def __init__(self, index: Index, config: RetrievalConfig | None = None) -> None:
        self.index = index
        self.config = config or RetrievalConfig()
        self._embedder = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="tanya-embed")

    def parse(self, question: str) -> ParsedQuery:
        """Return ``question`` analysed against this index."""
        return parse_query(question, self.index)

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        """Return the best ``k`` chunks for ``question``, best first."""
        return self.search(question, k)[1]

    def search(self, question: str, k: int | None = None) -> tuple[ParsedQuery, list[Hit]]:
        """Analyse ``question`` and return it with its best ``k`` chunks; the question is
        embedded from the start, beside both the analysis and the lexical search."""
        embedding = self._embed(question)
        query = self.parse(question)
        return query, self._rank(query, k, embedding)

    def retrieve_parsed(self, query: ParsedQuery, k: int | None = None) -> list[Hit]:
        """Like ``retrieve`` for an already analysed question."""
        return self._rank(query, k, self._embed(query.text))

    def _embed(self, question: str) -> Future[QuestionVector] | None:
        """Start embedding ``question`` in a worker thread (not at all without a dense weight)."""
        return self._embedder.submit(self.index.question_vector, question) if self.config.dense_weight > 0 else None

    def _rank(self, query: ParsedQuery, k: int | None, embedding: Future[QuestionVector] | None) -> list[Hit]:
        cfg = self.config
        k = k or cfg.k
        lexical = self.index.lexical_search(query.search_terms_within(cfg.max_postings), cfg.candidates)
        if not lexical:
            return self.index.dense_search(embedding.result(), k) if embedding is not None else []
        prime_sentences(self.index, [h.chunk for h in lexical])
        top = lexical[0].score or 1.0
        # the lexical features first, while the question is still being embedded
        lexical_scores = [
            h.score / top
            + cfg.coverage_weight * best_sentence_coverage(h.chunk, query)
            + cfg.type_weight * holds_answer_type(h.chunk.text, query)
            + cfg.slot_weight * answer_slot(h.chunk.text, query)
            for h in lexical
        ]
        ids = [h.chunk.chunk_id for h in lexical]
        cosines = self.index.similarities(embedding.result(), ids) if embedding is not None else {}
        scored = [
            Hit(h.chunk, score + cfg.dense_weight * cosines.get(h.chunk.chunk_id, 0.0))
            for h, score in zip(lexical, lexical_scores, strict=True)
        ]
        scored.sort(key=lambda h: h.score, reverse=True)
        return scored[:k]
