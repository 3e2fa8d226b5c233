from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.embeddings.models import (
    AutoEmbeddings,
    SentenceTransformerEmbeddings,
    export_key,
    prefixes_for,
    resolve_model_path,
    token_limit,
)
from ingest.embeddings.onnx import QUANTIZED_FILE, NotExportable, OnnxEmbeddings, export_dir, export_onnx, quantize_onnx
from ingest.settings import BUNDLED_MODEL, MINILM_MODEL

# PyTorch takes about ten seconds to import: these tests share one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("torch")

TEXTS = [
    "Berapa karyawan TikTok di Malaysia yang terkena PHK?",
    "hello",
    "TikTok yang dimiliki ByteDance rutin membayar Microsoft senilai 20 juta dolar AS atau sekitar Rp322 miliar "
    "per bulan untuk mengakses model AI OpenAI melalui layanan cloud Microsoft, Azure. " * 6,
    "Ünïcödé, emoji 🙂 dan angka 3.5 persen",
]


@pytest.fixture(scope="session")
def onnx_folder(model_cache: Path) -> Path:
    """The bundled model's ONNX export as tanya makes it (once, in the shared model cache; the
    export itself is tested in test_bundled_model.py)."""
    path = resolve_model_path(BUNDLED_MODEL, model_cache)
    folder = export_dir(model_cache, BUNDLED_MODEL, export_key(BUNDLED_MODEL, path))
    assert (folder / "model.onnx").is_file()
    return folder


def test_onnx_vectors_match_sentence_transformers(
    onnx_folder: Path, bundled_embeddings: SentenceTransformerEmbeddings
) -> None:
    onnx = OnnxEmbeddings(BUNDLED_MODEL, onnx_folder, "query: ", "passage: ", batch_size=2)
    ours = np.array(onnx.embed_documents(TEXTS))
    reference = np.array(bundled_embeddings.embed_documents(TEXTS))
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines
    query = np.array(onnx.embed_query(TEXTS[0]))
    assert float(query @ np.array(bundled_embeddings.embed_query(TEXTS[0]))) >= 0.9999


def test_int8_copy_is_made_once_and_stays_close_to_sentence_transformers(
    onnx_folder: Path, bundled_embeddings: SentenceTransformerEmbeddings, tmp_path: Path
) -> None:
    folder = tmp_path / "export"  # the fp32 export without its int8 copy
    shutil.copytree(onnx_folder, folder, ignore=shutil.ignore_patterns(QUANTIZED_FILE, "*.partial-*"))
    quantized = quantize_onnx(folder)
    assert quantized == folder / QUANTIZED_FILE
    made = quantized.stat().st_mtime_ns
    assert quantize_onnx(folder).stat().st_mtime_ns == made  # kept, not made again
    assert not list(folder.glob("*.partial-*"))
    int8 = OnnxEmbeddings(BUNDLED_MODEL, folder, "query: ", "passage: ", model_file=QUANTIZED_FILE)
    ours = np.array(int8.embed_documents(TEXTS))
    reference = np.array(bundled_embeddings.embed_documents(TEXTS))
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.97 and cosines.mean() >= 0.98, cosines
    assert float(np.dot(int8.embed_query(TEXTS[0]), bundled_embeddings.embed_query(TEXTS[0]))) >= 0.97


def test_a_broken_export_stays_fp32(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(NotExportable, match="int8"):
        quantize_onnx(tmp_path)
    assert not list(tmp_path.glob("*.partial-*")) and not (tmp_path / QUANTIZED_FILE).exists()


def test_both_backends_cut_passages_at_the_same_token_limit(onnx_folder: Path, model_cache: Path) -> None:
    onnx = OnnxEmbeddings(BUNDLED_MODEL, onnx_folder, "query: ", "passage: ", max_tokens=128)
    torch_side = SentenceTransformerEmbeddings(BUNDLED_MODEL, max_tokens=128, cache_root=model_cache)
    ours, reference = np.array(onnx.embed_documents(TEXTS)), np.array(torch_side.embed_documents(TEXTS))
    assert (ours * reference).sum(axis=1).min() >= 0.9999
    long_text = TEXTS[2]  # well over 128 tokens: what follows them is not read
    cut = onnx.embed_documents([long_text, long_text + " Kalimat tambahan tentang hal lain sama sekali."])
    assert float(np.dot(cut[0], cut[1])) >= 0.99999
    whole = OnnxEmbeddings(BUNDLED_MODEL, onnx_folder, "query: ", "passage: ").embed_documents([long_text])[0]
    assert float(np.dot(cut[0], whole)) < 0.999  # without the limit the model reads 512 tokens


@pytest.mark.parametrize(
    ("name", "configured", "limit"),
    [
        (MINILM_MODEL, None, 128),
        ("all-MiniLM-L6-v2", None, 128),
        (BUNDLED_MODEL, None, None),
        ("intfloat/multilingual-e5-small", None, None),
        (MINILM_MODEL, 0, None),
        (MINILM_MODEL, 64, 64),
        ("intfloat/multilingual-e5-small", 512, 512),
    ],
)
def test_token_limit_defaults_to_minilms_training_length(name: str, configured: int | None, limit: int | None) -> None:
    assert token_limit(name, configured) == limit


def test_auto_embeddings_export_once_and_reuse(tmp_path: Path, onnx_folder: Path) -> None:
    root = onnx_folder.parent
    auto = AutoEmbeddings(BUNDLED_MODEL, 32, "auto", root)
    assert isinstance(auto.delegate, OnnxEmbeddings) and auto.delegate.folder == onnx_folder
    assert auto.delegate.model_file == QUANTIZED_FILE  # int8 by default
    assert len(auto.embed_query("halo")) == 384
    full = AutoEmbeddings(BUNDLED_MODEL, 32, "auto", root, precision="fp32")
    assert isinstance(full.delegate, OnnxEmbeddings) and full.delegate.model_file == "model.onnx"


def test_int8_questions_run_on_one_thread_and_passages_on_every_core(onnx_folder: Path) -> None:
    auto = AutoEmbeddings(BUNDLED_MODEL, 32, "auto", onnx_folder.parent)
    # One passage: int8 activations are quantised per batch, so batch-mates move a vector a little
    # (cosine about 0.99).
    auto.embed_query("halo"), auto.embed_documents(["halo"])
    delegate = auto.delegate
    assert isinstance(delegate, OnnxEmbeddings) and delegate.query_threads == 1
    # passages: a batch per core side by side, each call on one thread (one core: one call on it)
    cores = os.cpu_count() or 1
    assert delegate.passage_workers == cores
    assert {role: delegate.threads(role) for role in ("queries", "passages")} == {
        "queries": 1,
        "passages": 1,
    }
    # either session, the same vectors (without the e5 prefixes, a question and a passage are one text)
    plain = OnnxEmbeddings(BUNDLED_MODEL, delegate.folder, model_file=delegate.model_file, query_threads=1)
    assert float(np.dot(plain.embed_query("halo"), plain.embed_documents(["halo"])[0])) >= 0.9999
    full = AutoEmbeddings(BUNDLED_MODEL, 32, "auto", onnx_folder.parent, precision="fp32")
    full.embed_query("halo")
    assert isinstance(full.delegate, OnnxEmbeddings)
    assert full.delegate.threads("queries") == os.cpu_count()


def test_a_model_whose_opening_was_interrupted_half_way_opens_again_whole(onnx_folder: Path) -> None:
    """A Ctrl-C between loading the tokenizer and its token table (a hostile test, in `tanya
    chat`'s first answer) left a tokenizer without its table: every later call failed on an
    assertion. Opening now sets both or neither, and one found without the other opens again."""
    auto = AutoEmbeddings(BUNDLED_MODEL, 32, "auto", onnx_folder.parent)
    auto.embed_query("halo")
    delegate = auto.delegate
    assert isinstance(delegate, OnnxEmbeddings)
    half = OnnxEmbeddings(BUNDLED_MODEL, delegate.folder, model_file=delegate.model_file, query_threads=1)
    expected = half.embed_query("halo")
    half._table, half._sessions = None, {}  # as an interrupt between the two had left it
    assert float(np.dot(half.embed_query("halo"), expected)) >= 0.999


def test_passages_embedded_side_by_side_match_one_at_a_time(onnx_folder: Path) -> None:
    texts = [f"Kalimat nomor {i} tentang banjir di Lembah Arum dan {i * 7} pengungsi." for i in range(11)]
    texts[3] = "Satu kalimat yang jauh lebih panjang dari yang lain, " * 6
    side_by_side = OnnxEmbeddings(BUNDLED_MODEL, onnx_folder, model_file=QUANTIZED_FILE, passage_workers=2)
    vectors = np.asarray(side_by_side.embed_documents(texts))
    # each passage alone in its call: its vector is the same whatever it is embedded with, and
    # whichever thread embeds it first
    assert np.array_equal(vectors, np.asarray(side_by_side.embed_documents(texts)))
    assert np.array_equal(vectors[3], np.asarray(side_by_side.embed_documents([texts[3]])[0]))
    one_call = OnnxEmbeddings(BUNDLED_MODEL, onnx_folder, model_file=QUANTIZED_FILE, passage_workers=1)
    assert one_call.threads("passages") == (os.cpu_count() or 1)
    in_batches = np.asarray(one_call.embed_documents(texts))
    assert float((vectors * in_batches).sum(axis=1).min()) >= 0.97  # int8: batch-mates move a vector a little


def test_non_local_models_are_not_exportable(tmp_path: Path) -> None:
    with pytest.raises(NotExportable):
        export_onnx("some-org/some-model", tmp_path / "x")


def test_a_hub_model_is_read_from_the_cache_and_never_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A hostile test: a hub id not on this machine was tried on the network for 74 s, holding the
    write lock, printing thirty lines of retries. It is one error at once now, and a hub id in the
    Hugging Face cache is its cached folder (which is exported to ONNX as any folder is)."""

    from huggingface_hub import constants

    from ingest.embeddings.models import resolve_model_path
    from ingest.errors import TanyaError

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    for backend in ("onnx", "auto"):
        with pytest.raises(TanyaError, match="not on this machine, and tanya downloads no model"):
            AutoEmbeddings("some-org/some-model", 32, backend, tmp_path).embed_query("x")
    snapshot = tmp_path / "hub" / "models--some-org--some-model" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}", encoding="utf-8")
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("0123abcd", encoding="utf-8")
    assert Path(resolve_model_path("some-org/some-model")) == snapshot
    # and its folder is exported as any folder is (it had been "not a local folder", on PyTorch):
    # this one, holding no tokenizer, is said to be no sentence-transformers model
    with caplog.at_level(logging.WARNING, logger="ingest.embeddings.models"):
        assert isinstance(
            AutoEmbeddings("some-org/some-model", 32, "auto", tmp_path).delegate, SentenceTransformerEmbeddings
        )
    assert [r.message for r in caplog.records if f"{snapshot} is not a local sentence-transformers model" in r.message]
    # a folder named as a hub id could be, relative to where tanya runs, is that folder (a review)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models" / "minilm").mkdir(parents=True)
    assert resolve_model_path("models/minilm") == "models/minilm"


@pytest.mark.parametrize(
    "name", ["/nonexistent", "./no-such-model", "~/no-such-model", "~nosuchuser/e5", "../no-such-model"]
)
def test_a_model_written_as_a_path_that_is_no_folder_is_said_at_once(name: str, tmp_path: Path) -> None:
    # it had been tried as a hub id, with two warnings before the error (a hostile tester's)
    from ingest.errors import TanyaError

    with pytest.raises(TanyaError, match="is no folder"):
        resolve_model_path(name, tmp_path)
    (tmp_path / "model").mkdir()
    assert resolve_model_path(str(tmp_path / "model"), tmp_path) == str(tmp_path / "model")
    with pytest.raises(TanyaError, match="not on this machine"):  # a hub id not in the cache
        resolve_model_path("some-org/some-model", tmp_path)


def test_auto_falls_back_to_torch_when_export_is_impossible_and_says_why_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a hostile test: the warning came before every answer and error of every command
    folder = tmp_path / "no-fast-tokenizer"
    folder.mkdir()
    with caplog.at_level(logging.WARNING, logger="ingest.embeddings.models"):
        auto = AutoEmbeddings(str(folder), 32, "auto", tmp_path / "cache")
        assert isinstance(auto.delegate, SentenceTransformerEmbeddings)
        assert [r.message for r in caplog.records if "using PyTorch" in r.message]
        caplog.clear()
        again = AutoEmbeddings(str(folder), 32, "auto", tmp_path / "cache")
        assert isinstance(again.delegate, SentenceTransformerEmbeddings)
        assert not caplog.records
        # once the folder changes (a tokenizer added, a download completed), it is tried again (a review)
        (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
        changed = AutoEmbeddings(str(folder), 32, "auto", tmp_path / "cache")
        assert isinstance(changed.delegate, SentenceTransformerEmbeddings)
        assert [r.message for r in caplog.records if "using PyTorch" in r.message]
    with pytest.raises(NotExportable):  # forced, it still says so
        _ = AutoEmbeddings(str(folder), 32, "onnx", tmp_path / "cache").delegate


@pytest.mark.parametrize(
    ("name", "prefixes"),
    [
        ("intfloat/multilingual-e5-small", ("query: ", "passage: ")),
        (BUNDLED_MODEL, ("query: ", "passage: ")),
        (MINILM_MODEL, ("", "")),
        ("/models/e5-base-v2", ("query: ", "passage: ")),
        ("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", ("", "")),
    ],
)
def test_e5_models_get_query_and_passage_prefixes(name: str, prefixes: tuple[str, str]) -> None:
    assert prefixes_for(name) == prefixes


@pytest.mark.parametrize(("configured", "limit"), [(None, None), (0, None), (64, 64)])
def test_the_index_embeds_with_the_configured_token_limit(
    tmp_path: Path, configured: int | None, limit: int | None
) -> None:
    from ingest.settings import IndexSettings
    from ingest.store.index import make_index

    index = make_index(IndexSettings(data_dir=tmp_path, embedding_max_tokens=configured))
    assert isinstance(index.embeddings, AutoEmbeddings) and index.embeddings.max_tokens == limit
    assert index.embeddings.precision == "int8"


def test_the_index_embeds_at_the_configured_precision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.settings import IndexSettings
    from ingest.store.index import make_index

    monkeypatch.setenv("TANYA_EMBEDDING_PRECISION", "fp32")
    index = make_index(IndexSettings(data_dir=tmp_path))
    assert isinstance(index.embeddings, AutoEmbeddings) and index.embeddings.precision == "fp32"


def test_a_model_that_cannot_be_loaded_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hugging Face's message runs over two lines (advice on offline mode), which broke the
    CLI's one-line errors."""
    from ingest.errors import TanyaError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(TanyaError) as raised:
        _ = SentenceTransformerEmbeddings("nosuch/model", cache_root=tmp_path).model
    assert str(raised.value).startswith("the embedding model 'nosuch/model' is not on this machine")
    assert "\n" not in str(raised.value)


def test_onnxruntime_sends_no_telemetry_and_writes_no_device_id(tmp_path: Path) -> None:
    """onnxruntime 1.32 on Linux uploads usage events and keeps a device id under $HOME unless
    ORT_DISABLE_TELEMETRY is set before it loads: importing tanya's code sets it."""
    environment = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    home = tmp_path / "home"
    home.mkdir()
    environment["HOME"] = str(home)
    code = "import ingest, onnxruntime, os; print(os.environ['ORT_DISABLE_TELEMETRY'])"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    assert done.stdout == "1\n" and done.stderr == ""
    assert list(home.iterdir()) == []  # no ~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid


def test_onnx_sessions_are_opened_one_at_a_time_in_a_process(tmp_path: Path) -> None:
    """Several embeddings objects (three CLI runs in one process, each warming its model up in a
    thread) open their onnxruntime sessions one after another: opened at once, onnxruntime had
    ended a test process with a segmentation fault."""
    import threading
    import time

    inside, most = 0, 0
    guard = threading.Lock()

    class Opening(OnnxEmbeddings):
        def _open(self, role: str) -> object:
            nonlocal inside, most
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with guard:
                inside -= 1
            return object()

    models = [Opening(f"m{n}", tmp_path) for n in range(3)]
    threads = [threading.Thread(target=m._session, args=(role,)) for m in models for role in ("queries", "passages")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
    assert all(set(m._sessions) == {"queries", "passages"} for m in models)
