"""The same sentence-transformers model run by onnxruntime: no torch import on the query path.

``export_onnx`` converts a local sentence-transformers model (transformer + mean or CLS pooling)
to ONNX once, with PyTorch, and keeps it beside the index (``TANYA_DATA_DIR/models``).
``OnnxEmbeddings`` then embeds with onnxruntime and the model's own fast tokenizer; its vectors
match sentence-transformers' (cosine ≥ 0.9999, tested), so an index built by one answers
queries embedded by the other.

The token-embedding table stays out of the graph: it is saved beside it as a float16 array
(``token_embeddings.npy``) that each process memory-maps, so only the rows of tokens actually
seen are read into memory. For the multilingual default model that table is 250,037 × 384
(96M of its 118M weights); inside the graph, onnxruntime would hold it in memory whole (over
1 GB resident with its int8 copy), outside it a question costs a few kilobytes of it.

``quantize_onnx`` derives an int8 copy of the export once (``TANYA_EMBEDDING_PRECISION=int8``,
the default): the weights of its matrix multiplications in int8 per output channel. It embeds
passages about 1.3× and questions about 1.5× faster on 2 cores, its vectors stay within cosine
0.97 of the fp32 ones (tested; 0.99 on average), and the dev-set figures do not move
(docs/performance.md, "What made it fast, measured"); so vectors of either precision share one index. Activations are
quantised per call, so a passage embedded with batch-mates moves a little with them (cosine
about 0.99); on several cores each passage is embedded alone in its call, a call per core at
once (``PARALLEL_BATCH``), and its vector is the same whatever it is embedded with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ingest.errors import TanyaError

logger = logging.getLogger(__name__)

EXPORT_VERSION = "2"  # 2: token embeddings outside the graph
TOKEN_TABLE = "token_embeddings.npy"


# Sessions are opened one at a time in a process, whichever embeddings object opens them: three
# CLI runs in one process (tests) each started a warm-up thread, and onnxruntime, creating three
# sessions of one model file at once while the tokenizer's compact copy was read, ended the
# process with a segmentation fault.
_OPENING = threading.Lock()


class NotExportable(TanyaError):
    """The model cannot be run by onnxruntime here (no local files, unknown pooling, ...);
    ``lasting`` when its folder itself says so (no fast tokenizer, a pooling not exported), so
    that trying again before the folder changes would fail again."""

    def __init__(self, message: str, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


def export_dir(cache_root: Path, model_name: str, model_path: str) -> Path:
    """Where the export of a model lives: one folder per model name and source path."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_name).strip("-")[:60]
    digest = hashlib.sha1(f"{model_name}\0{model_path}\0{EXPORT_VERSION}".encode()).hexdigest()[:10]
    return cache_root / f"{slug}-{digest}"


def _pooling(model_path: Path) -> tuple[str, int]:
    """The pooling mode and maximum sequence length of a sentence-transformers folder."""
    pooling_dirs = sorted(model_path.glob("*_Pooling"))
    if not (model_path / "tokenizer.json").exists() or not pooling_dirs:
        raise NotExportable(
            f"{model_path} is not a local sentence-transformers model with a fast tokenizer", lasting=True
        )
    config = json.loads((pooling_dirs[0] / "config.json").read_text(encoding="utf-8"))
    if config.get("pooling_mode_mean_tokens"):
        mode = "mean"
    elif config.get("pooling_mode_cls_token"):
        mode = "cls"
    else:
        raise NotExportable(f"unsupported pooling in {pooling_dirs[0]}", lasting=True)
    max_length = 512
    bert_config = model_path / "sentence_bert_config.json"
    if bert_config.exists():
        max_length = int(json.loads(bert_config.read_text(encoding="utf-8")).get("max_seq_length") or 512)
    return mode, max_length


def export_onnx(model_path: str, target: Path) -> Path:
    """Export the transformer of a local sentence-transformers model to ``target/model.onnx``
    (atomically), with its tokenizer and pooling settings. Needs torch, transformers and onnx."""
    source = Path(model_path)
    if not source.is_dir():
        raise NotExportable(f"{model_path} is not a local folder")
    mode, max_length = _pooling(source)
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise NotExportable(f"cannot export without {exc.name}") from None

    class _LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                inputs_embeds=inputs_embeds, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    target.mkdir(parents=True, exist_ok=True)
    import numpy as np

    model = AutoModel.from_pretrained(str(source))
    model.eval()
    table = model.get_input_embeddings().weight.detach().numpy().astype(np.float16)
    example = torch.ones((2, 8), dtype=torch.long)
    example_embeds = torch.zeros((2, 8, table.shape[1]), dtype=torch.float32)
    partial = target / f"model.onnx.partial-{os.getpid()}"
    axes = {0: "batch", 1: "tokens"}
    try:
        # The tracer warns about branches on shapes that do not matter for an encoder; the
        # equivalence test (cosine >= 0.9999 against sentence-transformers) is what counts.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHidden(model),
                (example_embeds, example, torch.zeros_like(example)),
                str(partial),
                input_names=["inputs_embeds", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "inputs_embeds": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
    except Exception as exc:  # the exporter raises many kinds; any of them means "use torch"
        partial.unlink(missing_ok=True)
        raise NotExportable(f"ONNX export failed: {type(exc).__name__}: {exc}") from None
    table_partial = target / f"{TOKEN_TABLE}.partial-{os.getpid()}.npy"
    np.save(table_partial, table)
    os.replace(table_partial, target / TOKEN_TABLE)
    (target / "tokenizer.json").write_bytes((source / "tokenizer.json").read_bytes())
    (target / "export.json").write_text(
        json.dumps({"source": str(source), "pooling": mode, "max_length": max_length, "version": EXPORT_VERSION}),
        encoding="utf-8",
    )
    os.replace(partial, target / "model.onnx")
    return target


QUANTIZED_FILE = "model.int8.onnx"


class _DropQuantizationAdvice(logging.Filter):
    """onnxruntime's quantizer advises pre-processing on the root logger, once per call."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def quantize_onnx(folder: Path) -> Path:
    """Return ``folder/model.int8.onnx``, writing it first (atomically) when it is missing: the
    export with the weights of its MatMuls quantised to int8 per output channel (with reduced
    range, which keeps the vectors closest to fp32 here), activations quantised at run time.
    Needs onnx, which the export needs too; takes about 5 s for the bundled model."""
    target = folder / QUANTIZED_FILE
    if target.exists():
        return target
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:  # pragma: no cover - onnx is a dependency
        raise NotExportable(f"cannot quantise without {exc.name}") from None
    partial = folder / f"{QUANTIZED_FILE}.partial-{os.getpid()}"
    advice = _DropQuantizationAdvice()
    logging.getLogger().addFilter(advice)
    try:
        quantize_dynamic(
            str(folder / "model.onnx"),
            str(partial),
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            reduce_range=True,
            weight_type=QuantType.QInt8,
        )
    except Exception as exc:  # like the export: any failure means "stay with fp32"
        partial.unlink(missing_ok=True)
        raise NotExportable(f"int8 quantisation failed: {type(exc).__name__}: {exc}") from None
    finally:
        logging.getLogger().removeFilter(advice)
    os.replace(partial, target)
    return target


def padded(rows: list[list[int]]) -> tuple[Any, Any]:
    """Token-id rows as one int64 matrix, padded with 0, and its attention mask."""
    import numpy as np

    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
    return ids, mask


class _Tokens:
    """Token ids of texts, cut at ``limit`` tokens: the lean Unigram tokenizer when it
    understands the file (the same ids in a sixth of the memory, see ``ingest.embeddings.unigram``), else
    the ``tokenizers`` library."""

    def __init__(self, path: Path, limit: int) -> None:
        from ingest.embeddings.unigram import UnigramTokenizer

        self.limit = limit
        self.lean = UnigramTokenizer.from_file(path, limit)
        self.full: Any = None
        if self.lean is None:
            from tokenizers import Tokenizer

            self.full = Tokenizer.from_file(str(path))
            self.full.enable_truncation(limit)

    def ids(self, texts: list[str]) -> list[list[int]]:
        """The ids of each text, special tokens included."""
        if self.lean is not None:
            return [self.lean.encode(t) for t in texts]
        return [e.ids for e in self.full.encode_batch(texts)]


# Passages per onnxruntime call. Small batches are faster on CPU (measured on 2 cores, 200 news
# passages of ~220 tokens: 8 → 6.0 s, 32 → 7.4 s; sentence-transformers with PyTorch: 8.8 s).
ONNX_BATCH = 8
# With several cores, passages are embedded this many per call, a call per core at once, each on
# one thread (onnxruntime's ``run`` is thread-safe and releases the GIL): on 2 cores 1.4× faster
# on sentences and 1.3× on 1000-character passages than batches of 8 spread over both cores,
# whose small matrices leave the cores waiting on each other; one text per call was as fast as
# 2 and faster than 4 (no padding), and makes a vector independent of its batch-mates
# (docs/performance.md).
PARALLEL_BATCH = 1


class OnnxEmbeddings(Embeddings):
    """Normalised sentence embeddings from an exported model; the session opens on first use."""

    def __init__(
        self,
        name: str,
        folder: Path,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
        max_tokens: int | None = None,
        model_file: str = "model.onnx",
        query_threads: int | None = None,
        passage_workers: int | None = None,
    ) -> None:
        self.name = name
        self.folder = folder
        self.model_file = model_file
        self.query_threads = query_threads
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.max_tokens = max_tokens or None
        self._sessions: dict[str, Any] = {}
        self._tokenizer: _Tokens | None = None
        self._table: Any = None  # the token-embedding rows, memory-mapped
        self._pooling = "mean"
        self._lock = threading.Lock()
        # calls that embed passages side by side, each on one thread (default: one per core)
        self.passage_workers = max(1, passage_workers or os.cpu_count() or 1)
        self._pool_executor: Any = None

    def _session(self, role: str) -> Any:
        """The onnxruntime session for ``queries`` or ``passages`` (each opened on first use).
        Passages run on every core; a question is short enough that splitting it across cores
        gains little (int8 on 2 cores: 9.5 ms on one thread, 7.3–8.5 on two), so ``query_threads``
        can leave the other core to the lexical search running beside it."""
        session = self._sessions.get(role)
        if session is not None:
            return session
        with _OPENING:
            if role not in self._sessions:
                self._sessions[role] = self._open(role)
            return self._sessions[role]

    def threads(self, role: str) -> int:
        """How many cores the session that embeds ``role`` (``queries`` or ``passages``) uses."""
        return int(self._session(role).get_session_options().intra_op_num_threads)

    def _open(self, role: str) -> Any:
        import numpy as np
        import onnxruntime

        meta = json.loads((self.folder / "export.json").read_text(encoding="utf-8"))
        if self._tokenizer is None or self._table is None:
            limit = int(meta["max_length"])
            limit = min(limit, self.max_tokens) if self.max_tokens else limit
            tokenizer = _Tokens(self.folder / "tokenizer.json", limit)
            table = np.load(self.folder / TOKEN_TABLE, mmap_mode="r")
            # all or nothing: an interrupt between them had left a tokenizer without its table,
            # and every later call failing (a hostile test)
            self._tokenizer, self._pooling, self._table = tokenizer, str(meta["pooling"]), table
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        cores = os.cpu_count() or 1
        if role == "queries":
            options.intra_op_num_threads = min(cores, self.query_threads or cores)
        else:  # batches side by side, one thread each, or one batch at a time on every core
            options.intra_op_num_threads = 1 if self.passage_workers > 1 else cores
        return onnxruntime.InferenceSession(
            str(self.folder / self.model_file), options, providers=["CPUExecutionProvider"]
        )

    def _forward(self, rows: list[list[int]], role: str) -> Any:
        """Run token-id rows (one batch) through the model: hidden states and the padding mask."""
        import numpy as np

        session = self._session(role)
        assert self._table is not None
        ids, mask = padded(rows)
        embeds = self._table[ids].astype(np.float32)
        feed = {"inputs_embeds": embeds, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feed)[0], mask

    def _pool(self, hidden: Any, mask: Any) -> Any:
        import numpy as np

        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _encode(self, texts: list[str], role: str) -> list[list[float]]:
        self._session(role)
        assert self._tokenizer is not None
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parallel = role == "passages" and self.passage_workers > 1
        step = min(self.batch_size, PARALLEL_BATCH if parallel else ONNX_BATCH)
        batches = [order[start : start + step] for start in range(0, len(order), step)]
        tokenizer = self._tokenizer

        def embed(batch: list[int]) -> Any:
            hidden, mask = self._forward(tokenizer.ids([texts[i] for i in batch]), role)
            return self._pool(hidden, mask)

        # The batches are the same whichever way they run, so the vectors are too.
        pooled = self._executor().map(embed, batches) if parallel and len(batches) > 1 else map(embed, batches)
        vectors: dict[int, Any] = {}
        for batch, rows in zip(batches, pooled, strict=True):
            for i, vector in zip(batch, rows, strict=True):
                vectors[i] = vector
        return [vectors[i].astype(float).tolist() for i in range(len(texts))]

    def _executor(self) -> Any:
        """The threads that embed passage batches side by side (started on first use)."""
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._pool_executor is None:
                self._pool_executor = ThreadPoolExecutor(self.passage_workers, thread_name_prefix="tanya-onnx")
            return self._pool_executor

    def warm_up(self) -> None:
        """Open the question session and run it once (a cold process can do this while it
        imports the rest)."""
        self._encode(["warm up"], "queries")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per passage."""
        return self._encode([self.passage_prefix + t for t in texts], "passages") if texts else []

    def embed_query(self, text: str) -> list[float]:
        """Return the unit-length vector of a question."""
        return self._encode([self.query_prefix + text], "queries")[0]
