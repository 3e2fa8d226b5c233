"""The index: the one public way to write and read articles (Chroma vectors + SQLite catalog).

Writes go vectors first, catalog last, with the article marked pending in between: a crash at
any point leaves an article whose hash is unknown, which the next ingest writes again, so the
two stores converge on the same chunk ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from langchain_core.embeddings import Embeddings

from ingest.catalog import ArticleRecord, Catalog, Chunk
from ingest.chunking import ChunkSpan, chunk_text
from ingest.embeddings import canonical_model_name
from ingest.errors import IndexBusy, IndexMismatch, IndexUnavailable
from ingest.loaders import Article
from ingest.text import ANALYZER_VERSION, analyze
from ingest.vectors import ChromaVectors

logger = logging.getLogger(__name__)

CHUNKER_VERSION = "1"

Status = Literal["added", "replaced", "unchanged"]


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and the score its retriever gave it (higher is better)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class PreparedArticle:
    """An article cut into chunks, with the hash that decides whether it changed."""

    article: Article
    content_hash: str
    spans: list[ChunkSpan]

    def chunk_id(self, index: int) -> str:
        """Stable id: the same article text and settings always give the same ids."""
        source_key = hashlib.sha1(self.article.source.encode()).hexdigest()[:16]
        return f"{source_key}-{self.content_hash[:12]}-{index:05d}"


class Index:
    """Articles, their chunks, a lexical (BM25) index and a vector index, kept in step."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: ChromaVectors,
        embeddings: Embeddings,
        model_name: str,
        chunk_max_chars: int,
        lock_path: Path | None,
        lock_timeout_s: float,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embeddings = embeddings
        self.model_name = canonical_model_name(model_name)
        self.chunk_max_chars = chunk_max_chars
        self._lock_path = lock_path
        self._lock_timeout_s = lock_timeout_s

    # ----- writing -------------------------------------------------------------------------

    @contextmanager
    def writing(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the cross-process write lock for a block; wait up to the lock timeout for it."""
        if self._lock_path is None:
            yield
            return
        from filelock import FileLock, Timeout

        lock = FileLock(str(self._lock_path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait(f"another tanya process is writing to the index; waiting up to {self._lock_timeout_s:g} s")
            try:
                lock.acquire(timeout=self._lock_timeout_s)
            except Timeout:
                raise IndexBusy(
                    "another tanya process is still writing to the index; try again when it has finished"
                ) from None
        try:
            yield
        finally:
            lock.release()

    def prepare(self, article: Article) -> PreparedArticle:
        """Chunk an article and hash what its chunks depend on."""
        spans = chunk_text(article.text, self.chunk_max_chars)
        fingerprint = json.dumps(
            [
                article.text,
                article.title,
                article.url,
                article.published,
                article.lang,
                article.outlet,
                self.chunk_max_chars,
                CHUNKER_VERSION,
                ANALYZER_VERSION,
                self.model_name,
            ],
            ensure_ascii=False,
        )
        return PreparedArticle(article, hashlib.sha256(fingerprint.encode()).hexdigest(), spans)

    def status_of(self, prepared: PreparedArticle) -> Status:
        """Return what writing ``prepared`` would do: add, replace, or nothing."""
        record = self.catalog.article(prepared.article.source)
        if record is None:
            return "added"
        return "unchanged" if record.content_hash == prepared.content_hash else "replaced"

    def check_model(self) -> None:
        """Raise ``IndexMismatch`` when the vectors were built with another embedding model."""
        built_with = self.vectors.model()
        if built_with is not None and built_with != self.model_name:
            raise IndexMismatch(
                f"the index was built with the embedding model {built_with!r} but TANYA_EMBEDDING_MODEL "
                f"is {self.model_name!r}; set it back, or re-ingest into an empty TANYA_DATA_DIR"
            )

    def write(self, prepared: PreparedArticle, vectors: Sequence[Sequence[float]]) -> None:
        """Store an article's chunks and their vectors, replacing any older version of it."""
        article = prepared.article
        self.check_model()
        if self.vectors.model() is None:
            self.vectors.set_model(self.model_name)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = ArticleRecord(
            article.source,
            article.title,
            article.url,
            article.published,
            article.lang,
            article.outlet,
            prepared.content_hash,
            len(prepared.spans),
            now,
        )
        self.catalog.mark_pending(record)
        ids = [prepared.chunk_id(s.index) for s in prepared.spans]
        with _unavailable_as_error():
            self.vectors.delete_source(article.source)
            if ids:
                self.vectors.upsert(
                    ids,
                    vectors,
                    [s.text for s in prepared.spans],
                    [self._vector_metadata(article, s) for s in prepared.spans],
                )
        rows = [(cid, s.index, s.start, s.end, s.text) for cid, s in zip(ids, prepared.spans, strict=True)]
        self.catalog.put_article(
            record, rows, [" ".join(analyze(s.text)) for s in prepared.spans], " ".join(analyze(article.title))
        )

    @staticmethod
    def _vector_metadata(article: Article, span: ChunkSpan) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "source": article.source,
            "title": article.title,
            "chunk_index": span.index,
            "start": span.start,
            "end": span.end,
            "lang": article.lang,
        }
        if article.url:
            meta["url"] = article.url
        if article.published:
            meta["published"] = article.published
        return meta

    def remove(self, source: str) -> bool:
        """Delete an article from both stores; return whether it was indexed."""
        record = self.catalog.article(source)
        if record is None:
            return False
        self.catalog.mark_pending(record)
        with _unavailable_as_error():
            self.vectors.delete_source(source)
        return self.catalog.delete_article(source)

    # ----- reading -------------------------------------------------------------------------

    def articles(self) -> list[ArticleRecord]:
        """Return every indexed article, newest first."""
        return self.catalog.articles()

    def find_source(self, name: str) -> str | None:
        """Return the indexed source that ``name`` designates (exact, or a path resolving to it)."""
        if self.catalog.article(name) is not None:
            return name
        resolved = str(Path(name).expanduser().resolve())
        return resolved if self.catalog.article(resolved) is not None else None

    def count(self) -> int:
        """Return how many chunks are indexed."""
        return self.catalog.count_chunks()

    def lexical_search(self, terms: Sequence[str], k: int, title_weight: float = 0.0) -> list[Hit]:
        """Return up to ``k`` chunks by BM25 over analysed ``terms``, best first."""
        scored = self.catalog.search(terms, k, title_weight)
        chunks = self.catalog.chunks(cid for cid, _ in scored)
        return [Hit(chunks[cid], score) for cid, score in scored if cid in chunks]

    def dense_search(self, query: str, k: int) -> list[Hit]:
        """Return up to ``k`` chunks by cosine similarity to the embedded ``query``, best first."""
        self.check_model()
        vector = self.embeddings.embed_query(query)
        with _unavailable_as_error():
            scored = self.vectors.query(vector, k)
        chunks = self.catalog.chunks(cid for cid, _ in scored)
        return [Hit(chunks[cid], score) for cid, score in scored if cid in chunks]

    def similarities(self, query: str, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Return the cosine similarity of ``query`` to each of these chunks (by their stored vectors)."""
        if not chunk_ids:
            return {}
        self.check_model()
        vector = self.embeddings.embed_query(query)
        with _unavailable_as_error():
            stored = self.vectors.embeddings(chunk_ids)
        import numpy as np

        query_vector = np.asarray(vector, dtype=np.float32)
        return {cid: float(np.dot(query_vector, np.asarray(v, dtype=np.float32))) for cid, v in stored.items()}

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """Return stored chunks by id."""
        return self.catalog.chunks(chunk_ids)

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        """Return the chunks of the same article, in order."""
        return self.catalog.chunks_of(chunk.source)

    def similar_terms(self, term: str, limit: int = 20) -> list[str]:
        """Return indexed terms spelt most like ``term`` (shared character trigrams), best first."""
        return self.catalog.similar_terms(term, limit)

    def document_frequencies(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """Return per-term chunk counts and the number of chunks, for IDF weights."""
        return self.catalog.document_frequencies(terms), self.count()


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    """Turn a Chroma server that went away into one clear error."""
    try:
        yield
    except (ConnectionError, OSError) as exc:
        raise IndexUnavailable(f"the vector store is unavailable: {exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("httpx", "chromadb")) and "connect" in str(exc).lower():
            raise IndexUnavailable(f"the vector store is unavailable: {exc}") from None
        raise


def make_index(settings: Any, embeddings: Embeddings | None = None) -> Index:
    """Open (creating when needed) the index that ``settings`` (an ``IngestSettings``) describe."""
    from ingest.embeddings import make_embeddings
    from ingest.vectors import make_chroma_client

    data_dir = Path(settings.data_dir).expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(data_dir / "catalog.sqlite3")
    except OSError as exc:
        raise IndexUnavailable(f"cannot use the data directory {data_dir}: {exc.strerror or exc}") from None
    client = make_chroma_client(data_dir, settings.chroma_url)
    collection = settings.collection
    vectors = ChromaVectors(client, collection)
    if embeddings is None:
        embeddings = make_embeddings(
            settings.embedding_model,
            settings.embed_batch_size,
            settings.embedding_backend,
            settings.model_cache_dir or data_dir / "models",
        )
    model_name = getattr(embeddings, "name", settings.embedding_model)
    return Index(
        catalog,
        vectors,
        embeddings,
        model_name,
        settings.chunk_max_chars,
        data_dir / "write.lock",
        settings.lock_timeout_s,
    )
