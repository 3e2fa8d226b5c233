"""Experiment (not shipped): a reader, a cross-encoder that reads a question and a sentence together.

It is the default embedding model's encoder with low-rank adapters (LoRA) on its linear layers
and a one-unit head over the mean of its last hidden states, trained by
``bench/train_reader.py`` on ``../shared/train`` to say whether a sentence answers a question;
``bench/reader_eval.py`` measures it on the development sets. What it measured, and why the
chain does not use it: docs/quality.md, "What was tried and not kept".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

ADAPTED = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
ALPHA = 16.0


def _torch() -> Any:
    import torch

    return torch


def reader_net(folder: Path, rank: int = 8, adapters: Path | None = None) -> Any:
    """The trainable reader (a torch module) over the e5 folder ``folder``, with the adapters of
    ``adapters`` loaded when given (torch is imported only here)."""
    torch = _torch()
    from torch import nn
    from transformers import AutoModel, AutoTokenizer

    class LoRALinear(nn.Module):
        def __init__(self, base: nn.Linear, r: int) -> None:
            super().__init__()
            self.base = base
            self.base.weight.requires_grad_(False)
            if self.base.bias is not None:
                self.base.bias.requires_grad_(False)
            self.a = nn.Parameter(torch.randn(r, base.in_features) / np.sqrt(base.in_features))
            self.b = nn.Parameter(torch.zeros(base.out_features, r))
            self.scale = ALPHA / r

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

        def merged(self) -> nn.Linear:
            with torch.no_grad():
                self.base.weight += (self.b @ self.a) * self.scale
            return self.base

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            self.encoder = AutoModel.from_pretrained(str(folder))
            for p in self.encoder.parameters():
                p.requires_grad_(False)
            self.adapted: dict[str, Any] = {}
            for i, layer in enumerate(self.encoder.encoder.layer):
                for path in ADAPTED:
                    parent = layer
                    parts = path.split(".")
                    for part in parts[:-1]:
                        parent = getattr(parent, part)
                    lora = LoRALinear(getattr(parent, parts[-1]), rank)
                    setattr(parent, parts[-1], lora)
                    self.adapted[f"{i}.{path}"] = lora
            self.loras = nn.ModuleList(self.adapted.values())
            self.head = nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, questions: list[str], contexts: list[str], max_length: int = 128) -> Any:
            batch = self.tokenizer(
                ["query: " + q for q in questions],
                ["passage: " + c for c in contexts],
                return_tensors="pt",
                padding=True,
                truncation="only_second",
                max_length=max_length,
            )
            hidden = self.encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            return self.head(pooled).squeeze(-1)

        def adapter_arrays(self) -> dict[str, np.ndarray]:
            out = {}
            for name, lora in self.adapted.items():
                out[f"{name}.a"] = lora.a.detach().numpy().astype(np.float16)
                out[f"{name}.b"] = lora.b.detach().numpy().astype(np.float16)
            out["head.weight"] = self.head.weight.detach().numpy().astype(np.float32)
            out["head.bias"] = self.head.bias.detach().numpy().astype(np.float32)
            return out

        def load_adapters(self, path: Path) -> None:
            data = np.load(path)
            with torch.no_grad():
                for name, lora in self.adapted.items():
                    lora.a.copy_(torch.from_numpy(data[f"{name}.a"].astype(np.float32)))
                    lora.b.copy_(torch.from_numpy(data[f"{name}.b"].astype(np.float32)))
                self.head.weight.copy_(torch.from_numpy(data["head.weight"]))
                self.head.bias.copy_(torch.from_numpy(data["head.bias"]))

    net = Net()
    if adapters is not None:
        net.load_adapters(adapters)
    return net


READER_VERSION = "1"
HEAD_FILE = "reader_head.npy"
ADAPTERS_FILE = Path(__file__).resolve().parents[1] / ".fit-cache" / "reader.npz"
MAX_TOKENS = 96  # question and sentence together, as in training
BEFORE_CHARS = 120  # of the sentence before, as in training


def reader_dir(cache_root: Path) -> Path:
    """Where the reader's ONNX export lives under a model cache."""
    return cache_root / f"reader-e5-small-v{READER_VERSION}"


def build_reader(cache_root: Path, adapters: Path = ADAPTERS_FILE) -> Path:
    """Return the reader's export under ``cache_root``, making it first when missing: the bundled
    encoder with the adapters merged into its weights, exported to ONNX and quantised to int8 like
    the embedding model. Needs torch once (about 20 s); nothing is downloaded."""
    import os
    import shutil

    from ingest.embeddings.bundled import rebuild_model
    from ingest.embeddings.onnx import export_onnx, quantize_onnx

    target = reader_dir(cache_root)
    if (target / HEAD_FILE).exists():
        return target
    base = rebuild_model(cache_root)
    partial = cache_root / f".{target.name}.partial-{os.getpid()}"
    merged = partial / "merged"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        net = reader_net(base, rank=_rank(adapters), adapters=adapters)
        for lora in net.adapted.values():
            lora.merged()
        _unwrap(net)
        merged.mkdir(parents=True)
        net.encoder.save_pretrained(str(merged))
        for name in os.listdir(base):
            if not (merged / name).exists() and name not in ("model.safetensors", "config.json"):
                source = base / name
                (shutil.copytree if source.is_dir() else shutil.copy)(source, merged / name)
        export = partial / "export"
        export_onnx(str(merged), export)
        quantize_onnx(export)
        head = np.concatenate([net.head.weight.detach().numpy().ravel(), net.head.bias.detach().numpy()])
        np.save(export / HEAD_FILE, head.astype(np.float32))
        try:
            os.replace(export, target)
        except OSError:
            if not (target / HEAD_FILE).exists():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _rank(adapters: Path) -> int:
    import json

    meta = np.load(adapters)["meta"]
    return int(json.loads(bytes(meta).decode())["rank"])


def _unwrap(net: Any) -> None:
    """Put the merged plain linear layers back where the adapters were."""
    for key, lora in net.adapted.items():
        i, path = key.split(".", 1)
        parent = net.encoder.encoder.layer[int(i)]
        parts = path.split(".")
        for part in parts[:-1]:
            parent = getattr(parent, part)
        setattr(parent, parts[-1], lora.base)


class Reader:
    """Scores how well sentences answer a question with the exported reader (ONNX, int8).

    ``logits(question, contexts)``: one log-odds per context (a sentence, then the sentence
    before it), higher meaning the sentence answers. The session opens on first use, on one
    thread (a handful of short pairs gains nothing from a second core)."""

    def __init__(self, folder: Path, threads: int = 1, model_file: str | None = None) -> None:
        self.folder = folder
        self.model_file = model_file
        self.threads = threads
        self._session: Any = None
        self._tokens: Any = None
        self._table: Any = None
        self._head: Any = None
        import threading

        self._lock = threading.Lock()

    def _open(self) -> None:
        import onnxruntime

        from ingest.embeddings.onnx import QUANTIZED_FILE, TOKEN_TABLE, _Tokens

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = self.threads
        self._tokens = _Tokens(self.folder / "tokenizer.json", 512)
        self._table = np.load(self.folder / TOKEN_TABLE, mmap_mode="r")
        self._head = np.load(self.folder / HEAD_FILE)
        self._session = onnxruntime.InferenceSession(
            str(self.folder / (self.model_file or QUANTIZED_FILE)), options, providers=["CPUExecutionProvider"]
        )

    def pair_ids(self, question: str, contexts: list[tuple[str, str]]) -> list[list[int]]:
        """``<s> query: q </s></s> passage: sentence </s> before </s>`` per (sentence, sentence
        before) pair, cut to ``MAX_TOKENS`` from the end as in training (the ids the training
        tokenizer gives for the same text)."""
        texts = ["query: " + question]
        for sentence, before in contexts:
            texts += ["passage: " + sentence, before[:BEFORE_CHARS]]
        q, *rest = self._tokens.ids(texts)
        rows = []
        for k in range(0, len(rest), 2):
            sentence, before = rest[k], rest[k + 1]
            body = sentence[1:-1] + ([sentence[-1], *before[1:-1]] if len(before) > 2 else [])
            rows.append([*q, q[-1], *body[: max(0, MAX_TOKENS - len(q) - 2)], q[-1]])
        return rows

    def logits(self, question: str, contexts: list[tuple[str, str]]) -> list[float]:
        """The reader's log-odds that each sentence answers ``question`` (``contexts``: pairs of
        a sentence and the sentence before it, empty for a first sentence)."""
        if not contexts:
            return []
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._open()
        from ingest.embeddings.onnx import padded

        ids, mask = padded(self.pair_ids(question, contexts))
        feed = {
            "inputs_embeds": self._table[ids].astype(np.float32),
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(ids),
        }
        hidden = self._session.run(None, feed)[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return [float(v) for v in pooled @ self._head[:-1] + self._head[-1]]
