"""Hybrid retrieval: BM25 over stemmed terms, re-scored with a small weight of dense similarity."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.index import Hit, Index
from ingest.text import query_terms


@dataclass(frozen=True)
class RetrievalConfig:
    """How many candidates each retriever contributes and how their scores mix."""

    k: int = 5
    candidates: int = 30
    dense_weight: float = 0.2
    title_weight: float = 0.0


class HybridRetriever:
    """Ranks chunks by ``(1 - w) * bm25 / max_bm25 + w * cosine`` over the union of candidates.

    BM25 on Indonesian-stemmed terms carries most of the signal (the bundled embedding model is
    English-only); dense similarity breaks ties and rescues paraphrases with no shared word.
    """

    def __init__(self, index: Index, config: RetrievalConfig | None = None) -> None:
        self.index = index
        self.config = config or RetrievalConfig()

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        """Return the best ``k`` chunks for ``question``, best first, scores in [0, 1]."""
        cfg = self.config
        k = k or cfg.k
        lexical = self.index.lexical_search(query_terms(question), cfg.candidates, cfg.title_weight)
        dense = self.index.dense_search(question, cfg.candidates) if cfg.dense_weight > 0 else []
        top = max((h.score for h in lexical), default=0.0) or 1.0
        chunks = {h.chunk.chunk_id: h.chunk for h in lexical}
        chunks.update({h.chunk.chunk_id: h.chunk for h in dense})
        lex_scores = {h.chunk.chunk_id: h.score / top for h in lexical}
        dense_scores = {h.chunk.chunk_id: max(h.score, 0.0) for h in dense}
        fused = {
            cid: (1 - cfg.dense_weight) * lex_scores.get(cid, 0.0) + cfg.dense_weight * dense_scores.get(cid, 0.0)
            for cid in chunks
        }
        ranked = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)[:k]
        return [Hit(chunks[cid], score) for cid, score in ranked]
