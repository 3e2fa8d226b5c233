"""A lean SentencePiece-Unigram tokenizer for the ``tokenizer.json`` files of XLM-RoBERTa-style
models, giving the same ids as the ``tokenizers`` library in a fraction of its memory.

``tokenizers`` holds a 250,000-piece Unigram vocabulary in a character trie of about 280 MB
resident, more than the rest of a ``tanya ask`` process together. Here the vocabulary is one
Python dict (about 45 MB), and each word is segmented by the same Viterbi search: at every
character, every piece starting there, the unknown-character fallback scored ten below the
lowest piece, consecutive unknowns fused. Words repeat, so their segmentations are cached.

Only the components the bundled model's tokenizer uses are understood (``Replace`` with a
character class, ``NFKC``, ``Metaspace`` with ``prepend_scheme`` ``always``, a
``TemplateProcessing`` of ``<s> $A </s>``); ``UnigramTokenizer.supports`` says whether a file
uses anything else, in which case callers keep ``tokenizers``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

_SUPPORTED_NORMALIZERS = frozenset({"Replace", "NFKC"})


def _normalizers(spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    if spec is None:
        return []
    return list(spec["normalizers"]) if spec.get("type") == "Sequence" else [spec]


def _pattern(spec: dict[str, Any]) -> re.Pattern[str]:
    pattern = spec["pattern"]
    if "String" in pattern:
        return re.compile(re.escape(pattern["String"]))
    # the Rust regex \x{HH} escape is Python's \U000000HH
    return re.compile(re.sub(r"\\x\{([0-9a-fA-F]+)\}", lambda m: "\\U" + m.group(1).rjust(8, "0"), pattern["Regex"]))


def _vocab(spec: dict[str, Any]) -> tuple[list[str], list[float]]:
    vocab: list[list[Any]] = spec["model"]["vocab"]
    return [piece for piece, _ in vocab], [float(score) for _, score in vocab]


# A ``tokenizer.json`` holds 250,000 pieces as JSON: parsing it took about 0.7 s of every cold
# ``tanya ask``. Its compact copy, written beside it on first use (``tokenizer.json.compact``):
# one line of JSON (a hash of the file's bytes, the piece count and the rest of the file), then
# the scores as little-endian float64 and the pieces joined by NUL. Hashing the 16 MB file costs
# about 20 ms; a copy of other bytes than the file's now, or one that cannot be read, is ignored
# (and written again), whatever the file's size or time say.
COMPACT_SUFFIX = ".compact"
_COMPACT_VERSION = 2


def _compact_path(path: Path) -> Path:
    return path.with_name(path.name + COMPACT_SUFFIX)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read_compact(path: Path, data: bytes) -> tuple[dict[str, Any], list[str], list[float]] | None:
    """The spec (without its vocabulary), pieces and scores of the compact copy of ``path``,
    whose bytes are ``data``, or ``None``."""
    import numpy as np

    try:
        compact = _compact_path(path).read_bytes()
        line, _, body = compact.partition(b"\n")
        header = json.loads(line)
        if not isinstance(header, dict) or header.get("version") != _COMPACT_VERSION:
            return None
        if header.get("source") != _digest(data):
            return None
        count = int(header["count"])
        scores = np.frombuffer(body[: 8 * count], dtype="<f8").tolist()
        pieces = body[8 * count :].decode("utf-8").split("\0")
        spec = header["spec"]
    except (OSError, ValueError, KeyError, TypeError):  # missing, cut short or not ours: read the file
        return None
    if len(scores) != count or len(pieces) != count or not isinstance(spec, dict):
        return None
    return spec, pieces, scores


def _write_compact(path: Path, data: bytes, spec: dict[str, Any], vocab: tuple[list[str], list[float]]) -> None:
    """Write the compact copy of ``path`` (atomically), whose bytes ``data`` parsed to ``spec``
    and its ``vocab`` (pieces, scores), unless its folder cannot be written to."""
    import os

    import numpy as np

    pieces, scores = vocab
    if any("\0" in piece for piece in pieces):
        return
    rest = {**spec, "model": {k: v for k, v in spec["model"].items() if k != "vocab"}}
    target = _compact_path(path)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    try:
        header = {"version": _COMPACT_VERSION, "source": _digest(data), "count": len(pieces), "spec": rest}
        partial.write_bytes(
            json.dumps(header, ensure_ascii=True).encode("ascii")
            + b"\n"
            + np.asarray(scores, dtype="<f8").tobytes()
            + "\0".join(pieces).encode("utf-8")
        )
        os.replace(partial, target)
    except OSError:  # a read-only model folder, a full disk: the next process parses the file again
        pass
    finally:
        partial.unlink(missing_ok=True)  # after a failed write, or an interrupted one


class UnigramTokenizer:
    """Token ids for texts, as ``tokenizers`` would give them for the same ``tokenizer.json``."""

    def __init__(
        self,
        spec: dict[str, Any],
        max_length: int = 512,
        cache_words: int = 100_000,
        vocab: tuple[list[str], list[float]] | None = None,
    ) -> None:
        """``vocab``: the pieces and their scores, when ``spec`` comes without them (``from_file``
        read its compact copy of the file)."""
        model = spec["model"]
        self.max_length = max_length
        self._steps: list[tuple[str, re.Pattern[str] | None, str]] = []
        for step in _normalizers(spec.get("normalizer")):
            if step["type"] == "NFKC":
                self._steps.append(("nfkc", None, ""))
            else:
                self._steps.append(("replace", _pattern(step), step["content"]))
        pieces, scores = vocab if vocab is not None else _vocab(spec)
        self._ids = dict(zip(pieces, range(len(pieces)), strict=True))
        self._scores = scores
        self.unk_id = int(model["unk_id"])
        self._unk_score = min(self._scores) - 10.0
        self._longest = max(map(len, pieces))
        template = spec["post_processor"]["single"]
        self._bos = self._ids[template[0]["SpecialToken"]["id"]]
        self._eos = self._ids[template[-1]["SpecialToken"]["id"]]
        special = [t["content"] for t in spec.get("added_tokens", []) if t.get("special")]
        self._special = re.compile("(" + "|".join(map(re.escape, special)) + ")") if special else None
        self._word = lru_cache(maxsize=cache_words)(self._segment)

    @staticmethod
    def supports(spec: dict[str, Any]) -> bool:
        """Whether ``spec`` (a parsed ``tokenizer.json``) uses only what this class implements."""
        model, pre, post = spec.get("model") or {}, spec.get("pre_tokenizer") or {}, spec.get("post_processor") or {}
        if model.get("type") != "Unigram" or model.get("byte_fallback"):
            return False
        if any(n.get("type") not in _SUPPORTED_NORMALIZERS for n in _normalizers(spec.get("normalizer"))):
            return False
        metaspace = pre.get("type") == "Metaspace" and pre.get("replacement") == "▁"
        if not metaspace or pre.get("prepend_scheme") != "always" or not pre.get("split", True):
            return False
        single = post.get("single") or []
        return (
            post.get("type") == "TemplateProcessing"
            and len(single) == 3
            and "SpecialToken" in single[0]
            and "Sequence" in single[1]
            and "SpecialToken" in single[2]
        )

    @classmethod
    def from_file(cls, path: Path, max_length: int = 512) -> UnigramTokenizer | None:
        """The tokenizer of ``path``, or ``None`` when the file needs the full library. Read from
        its compact copy beside it when that copy was made from the bytes the file holds now
        (``_read_compact``), else from the file, and the copy written for the next process."""
        data = path.read_bytes()
        compact = _read_compact(path, data)
        if compact is not None and cls.supports(compact[0]):
            spec, pieces, scores = compact
            return cls(spec, max_length, vocab=(pieces, scores))
        spec = json.loads(data.decode("utf-8"))
        if not cls.supports(spec):
            return None
        vocab = _vocab(spec)
        _write_compact(path, data, spec, vocab)
        return cls(spec, max_length, vocab=vocab)

    def normalize(self, text: str) -> str:
        """The text after the file's normalizers."""
        for kind, pattern, content in self._steps:
            if kind == "nfkc":
                text = unicodedata.normalize("NFKC", text)
            else:
                assert pattern is not None
                text = pattern.sub(content, text)
        return text

    def _segment(self, word: str) -> tuple[int, ...]:
        """The best-scoring segmentation of one ``▁``-prefixed word into piece ids."""
        n = len(word)
        best = [float("-inf")] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        ids, scores, unk = self._ids, self._scores, self._unk_score
        for start in range(n):
            base = best[start]
            if base == float("-inf"):
                continue
            single = False
            for end in range(start + 1, min(n, start + self._longest) + 1):
                piece = ids.get(word[start:end])
                if piece is None:
                    continue
                single = single or end == start + 1
                score = base + scores[piece]
                if score > best[end]:
                    best[end], back[end] = score, (start, piece)
            if not single and base + unk > best[start + 1]:
                best[start + 1], back[start + 1] = base + unk, (start, self.unk_id)
        out: list[int] = []
        end = n
        while end > 0:
            start, piece = back[end]
            if not (piece == self.unk_id and out and out[-1] == self.unk_id):  # unknowns fuse
                out.append(piece)
            end = start
        return tuple(reversed(out))

    def content_ids(self, text: str) -> list[int]:
        """The ids of ``text`` without special tokens and uncut."""
        ids: list[int] = []
        parts = self._special.split(text) if self._special else [text]
        for i, part in enumerate(parts):
            if i % 2:  # a special token written in the text
                ids.append(self._ids[part])
                continue
            normalized = self.normalize(part)
            if not normalized:
                continue
            marked = normalized.replace(" ", "▁")
            if not marked.startswith("▁"):
                marked = "▁" + marked
            for word in re.findall(r"▁[^▁]*", marked):
                ids.extend(self._word(word))
        return ids

    def encode(self, text: str) -> list[int]:
        """The ids of ``text`` with ``<s>`` and ``</s>``, cut to ``max_length`` in all."""
        return [self._bos, *self.content_ids(text)[: max(0, self.max_length - 2)], self._eos]
