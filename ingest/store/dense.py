"""Reading the catalog's vectors: the nearest passages by an exact scan, a question's similarity
to given passages, and passages' sentence vectors. No approximate index is needed at this size:
10k passages are a 15 MB matrix, held in memory until the next write, and a scan takes about a
millisecond."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ingest.store.catalog import Catalog
from ingest.store.codecs import sentence_rows
from ingest.store.postgres import PostgresCatalog

logger = logging.getLogger(__name__)


class DenseVectors:
    """Vector reads of one catalog; the matrix of a collection is reloaded after any write."""

    def __init__(self, catalog: Catalog | PostgresCatalog) -> None:
        self.catalog = catalog
        self._matrix: tuple[tuple[str, int], list[str], Any] | None = None
        self._mask: tuple[list[str], frozenset[str], Any] | None = None  # the matrix's rows in a scope

    def nearest(
        self, collection: str, vector: Sequence[float], k: int, allowed: frozenset[str] | None = None
    ) -> list[tuple[str, float]]:
        """The ids of the ``k`` chunks nearest to ``vector`` with their cosine similarity, best
        first; only chunks in ``allowed`` when it is given."""
        import numpy as np

        ids, matrix = self._vectors(collection)
        query = np.asarray(vector, dtype=np.float32)
        if not ids or matrix.shape[1] != query.shape[0]:  # (none of its width: damaged, or another model's)
            return []
        scores = matrix @ query
        if allowed is not None:
            keep = self._rows_in(ids, allowed)
            if not keep.any():
                return []
            scores = np.where(keep, scores, -np.inf)
            k = min(k, int(keep.sum()))
        top = np.argpartition(-scores, min(k, len(ids) - 1))[:k] if len(ids) > k else np.arange(len(ids))
        order = top[np.argsort(-scores[top])]
        return [(ids[i], float(scores[i])) for i in order]

    def _rows_in(self, ids: list[str], allowed: frozenset[str]) -> Any:
        """Which rows of the matrix ``allowed`` lets through (a boolean mask), kept while both
        are the same objects: the matrix until a write, the scope's ids (``Index`` keeps them
        too), so a question's readings in one scope test every id once."""
        import numpy as np

        cached = self._mask
        if cached is not None and cached[0] is ids and cached[1] is allowed:
            return cached[2]
        keep = np.fromiter((cid in allowed for cid in ids), dtype=bool, count=len(ids))
        self._mask = (ids, allowed, keep)
        return keep

    def _vectors(self, collection: str) -> tuple[list[str], Any]:
        import numpy as np

        generation = self.catalog.generation()
        cached = self._matrix
        if cached is not None and cached[0] == (collection, generation):
            return cached[1], cached[2]
        ids, blobs = self.catalog.all_vectors(collection)
        widths = Counter(len(blob) for blob in blobs if len(blob) % 4 == 0)
        width = widths.most_common(1)[0][0] if widths else 0
        if any(len(blob) != width for blob in blobs):
            # vectors of another width than most, or of no whole floats (a damaged row: a hostile
            # tester's had crashed every question), are left out, as ``similarities`` leaves them out
            kept = [(i, blob) for i, blob in zip(ids, blobs, strict=True) if len(blob) == width]
            logger.warning("%d stored vectors of another width are left out", len(ids) - len(kept))
            ids, blobs = [i for i, _ in kept], [blob for _, blob in kept]
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1) if ids else np.zeros((0, 0))
        self._matrix = ((collection, generation), ids, matrix)
        return ids, matrix

    def similarities(self, collection: str, vector: Sequence[float], chunk_ids: Sequence[str]) -> dict[str, float]:
        """The cosine similarity of ``vector`` to each of these chunks; chunks without a vector
        of its width (another model's, during a rebuild) are left out."""
        import numpy as np

        query = np.asarray(vector, dtype=np.float32)
        return {
            cid: float(np.dot(query, np.frombuffer(blob, dtype=np.float32)))
            for cid, blob in self.catalog.vectors(collection, chunk_ids).items()
            if len(blob) == query.nbytes  # float32 both: as many bytes is as many floats
        }

    def sentence_vectors(self, collection: str, chunk_ids: Sequence[str], dim: int) -> dict[str, Any]:
        """Each chunk's sentence vectors (float32, a row per sentence); chunks without them are left out."""
        stored = self.catalog.sentence_vectors(collection, chunk_ids)
        rows = {cid: sentence_rows(blob, dim) for cid, blob in stored.items()}
        return {cid: r for cid, r in rows.items() if r is not None}
