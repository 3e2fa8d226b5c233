"""The Chroma side of the index: one collection of chunk vectors, embedded or on a server."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest.errors import BadInput, IndexUnavailable

MODEL_KEY = "embedding_model"


def make_chroma_client(data_dir: Path, chroma_url: str | None) -> Any:
    """Return a Chroma client: ``HttpClient`` for ``chroma_url``, else a ``PersistentClient``
    under ``data_dir/chroma``. Telemetry is off either way."""
    import chromadb
    from chromadb.config import Settings

    if not chroma_url:
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings(data_dir))
    settings = Settings(anonymized_telemetry=False)
    parsed = urlparse(chroma_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise BadInput(f"TANYA_CHROMA_URL must look like http://host:port, not {chroma_url!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    try:
        return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings)
    except Exception as exc:  # chromadb raises bare Exception/ValueError when the server is unreachable
        raise IndexUnavailable(f"cannot reach the Chroma server at {chroma_url}: {exc}") from None


@functools.lru_cache(maxsize=16)
def chroma_settings(data_dir: Path) -> Any:
    """Settings of the embedded (on-disk) Chroma under ``data_dir/chroma``, telemetry off."""
    from chromadb.config import Settings

    return Settings(is_persistent=True, persist_directory=str(data_dir / "chroma"), anonymized_telemetry=False)


class VectorSource:
    """Opens Chroma collections. An embedded client keeps vector segments in memory and misses
    other processes' writes, so it can be reopened; a server client always reads fresh."""

    def __init__(self, data_dir: Path, chroma_url: str | None) -> None:
        self.data_dir = data_dir
        self.chroma_url = chroma_url
        self._client: Any = None

    @property
    def embedded(self) -> bool:
        """Whether the vectors live in this process's own Chroma (not a server)."""
        return not self.chroma_url

    @property
    def client(self) -> Any:
        """The Chroma client, opened on first use."""
        if self._client is None:
            self._client = make_chroma_client(self.data_dir, self.chroma_url)
        return self._client

    def reopen(self) -> None:
        """Open a new embedded client that reads the collection from disk again.

        Chroma shares one ``System`` per directory in a process-wide registry. A fresh system is
        started first and then swapped in with one dict assignment, so other threads (or other
        indexes over the same folder) never find the registry empty; the old system is dropped,
        not stopped, because a query may still be finishing on it.
        """
        if not self.embedded:
            return
        from chromadb.api import ServerAPI
        from chromadb.api.shared_system_client import SharedSystemClient
        from chromadb.config import System
        from chromadb.telemetry.product import ProductTelemetryClient

        settings = chroma_settings(self.data_dir)
        system = System(settings)
        system.instance(ProductTelemetryClient)  # type: ignore[type-abstract]
        system.instance(ServerAPI)  # type: ignore[type-abstract]
        system.start()
        SharedSystemClient._identifier_to_system[str(settings.persist_directory)] = system
        self._client = make_chroma_client(self.data_dir, self.chroma_url)

    def collection(self, name: str) -> ChromaVectors:
        """The named collection (created on first use)."""
        return ChromaVectors(self.client, name)

    def collection_names(self) -> list[str]:
        """Names of all collections on this client."""
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def delete_collection(self, name: str) -> None:
        """Drop a collection and its vectors."""
        self.client.delete_collection(name)


class ChromaVectors:
    """Chunk vectors in a cosine-space Chroma collection that records the model that built it."""

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self.name = name
        self._collection: Any = None
        self._model: str | None = None

    @property
    def collection(self) -> Any:
        """The Chroma collection, created on first use."""
        if self._collection is None:
            self._collection = self._client.get_or_create_collection(
                self.name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
        return self._collection

    def model(self) -> str | None:
        """Return the embedding model recorded for the collection, if any."""
        if self._model is None:
            value = (self.collection.metadata or {}).get(MODEL_KEY)
            self._model = str(value) if value else None
        return self._model

    def set_model(self, name: str) -> None:
        """Record which embedding model the collection's vectors come from."""
        metadata = dict(self.collection.metadata or {})
        metadata[MODEL_KEY] = name
        self.collection.modify(metadata=metadata)
        self._model = name

    def count(self) -> int:
        """Return how many vectors are stored."""
        return int(self.collection.count())

    def upsert(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Insert or overwrite vectors by id (Chroma's own batch limit respected)."""
        limit = int(getattr(self._client, "get_max_batch_size", lambda: 5000)())
        for i in range(0, len(ids), limit):
            self.collection.upsert(
                ids=list(ids[i : i + limit]),
                embeddings=[list(v) for v in vectors[i : i + limit]],
                documents=list(documents[i : i + limit]),
                metadatas=list(metadatas[i : i + limit]),
            )

    def delete_sources(self, sources: Sequence[str]) -> None:
        """Delete every vector of these articles."""
        for i in range(0, len(sources), 500):
            part = list(sources[i : i + 500])
            self.collection.delete(where={"source": part[0]} if len(part) == 1 else {"source": {"$in": part}})

    def ids(self) -> set[str]:
        """Return every stored id."""
        return set(self.collection.get(include=[])["ids"])

    def query(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """Return up to ``k`` ``(chunk_id, cosine similarity)`` pairs, most similar first."""
        if k <= 0:
            return []
        result = self.collection.query(query_embeddings=[list(vector)], n_results=k, include=["distances"])
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(str(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Return the stored vectors of these ids."""
        result = self.collection.get(ids=list(ids), include=["embeddings"])
        return {str(i): [float(x) for x in v] for i, v in zip(result["ids"], result["embeddings"], strict=True)}
