"""Shared fixtures: an isolated environment per test, a real small index, the bundled model once."""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from ingest.embeddings.models import SentenceTransformerEmbeddings
from ingest.settings import BUNDLED_MODEL, MINILM_MODEL, IndexSettings
from ingest.store.index import Index, make_index

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
BUNDLED_ARTICLE = REPO / "ingest" / "corpus" / "tiktok-phk-malaysia-rakyatsulsel.txt"


# The bundled model rebuilt, exported to ONNX and quantised once, kept between runs (its folder
# names carry a hash of what built them, so a changed model is a new folder). Tests of the
# rebuild and the export themselves use folders of their own.
MODEL_CACHE = Path(os.environ.get("TANYA_TEST_MODEL_CACHE") or REPO / ".test-models")


def pytest_configure(config: pytest.Config) -> None:
    """Build the model cache before any test runs, once: in the controller under pytest-xdist
    (its workers find it built), in the one process otherwise."""
    if hasattr(config, "workerinput") or config.option.collectonly or config.option.help:
        return
    from ingest.embeddings.models import AutoEmbeddings

    MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    for model in (BUNDLED_MODEL, MINILM_MODEL):  # the default, and the one old indexes were built with
        AutoEmbeddings(model, 32, "auto", MODEL_CACHE).embed_query("halo")


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The bundled model's rebuilt folder and ONNX export, shared by every test."""
    return MODEL_CACHE


def without_user_settings(patch: pytest.MonkeyPatch) -> None:
    """Unset the user's tanya, LLM provider and Discord variables (a test sets what it needs)."""
    for key in list(os.environ):
        if key.startswith(("TANYA_", "OPENAI_", "ANTHROPIC_", "OLLAMA_", "DISCORD_")):
            patch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Iterator[Path]:
    """Every test runs in an empty folder with its own data dir, no user .env and no network models."""
    without_user_settings(monkeypatch)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TANYA_MODEL_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    yield tmp_path


class HashEmbeddings(Embeddings):
    """A tiny deterministic embedder: hashed word counts, unit length. Counts its calls."""

    def __init__(self, name: str = "test/hash-embeddings", dim: int = 64) -> None:
        self.name = name
        self.dim = dim
        self.documents_embedded = 0
        self.call_sizes: list[int] = []  # how many texts each call to embed_documents had

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dim
        for word in text.lower().split():
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents_embedded += len(texts)
        self.call_sizes.append(len(texts))
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.fixture
def hash_embeddings() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def settings(tmp_path: Path) -> IndexSettings:
    return IndexSettings(data_dir=tmp_path / "data")


@pytest.fixture
def small_index(settings: IndexSettings, hash_embeddings: HashEmbeddings) -> Index:
    """A real (embedded Chroma + SQLite) index in a temporary folder, with the hash embedder."""
    return make_index(settings, embeddings=hash_embeddings)


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Path:
    """A data directory holding the bundled article, made once per session by `tanya ingest
    --bundled` (the same command a user runs) with the default settings."""
    from typer.testing import CliRunner

    from bot.cli.app import app

    data = tmp_path_factory.mktemp("bundled-template") / "data"
    with pytest.MonkeyPatch.context() as patch:
        without_user_settings(patch)
        patch.setenv("TANYA_DATA_DIR", str(data))
        patch.setenv("TANYA_MODEL_CACHE_DIR", str(model_cache))
        result = CliRunner().invoke(app, ["ingest", "--bundled", "--json"])
    assert result.exit_code == 0, result.output
    # The command closes its catalog's connections as it ends (`Catalog.close`): left open, they
    # were freed only by the cycle collector (in CPython 3.11 a sqlite3 connection's statement
    # cache is an lru_cache wrapping the connection itself), whenever it next ran, and SQLite then
    # folded the WAL file into the catalog and deleted it, once in the middle of a test copying
    # this folder (CI's red run of 2026-12-07: the WAL file vanished under copytree).
    assert not list(data.glob("*-wal")), "a connection to the template's catalog is still open"
    return data


@pytest.fixture
def bundled_index(bundled_template: Path, isolated_environment: Path) -> Path:
    """This test's data directory (TANYA_DATA_DIR), a copy of the bundled article's index."""
    target = isolated_environment / "data"
    shutil.copytree(bundled_template, target)
    return target


@pytest.fixture(scope="session")
def default_embeddings(model_cache: Path) -> Embeddings:
    """The bundled model as tanya runs it by default (the int8 ONNX export), loaded once."""
    from ingest.embeddings.models import AutoEmbeddings

    embeddings = AutoEmbeddings(BUNDLED_MODEL, 32, "auto", model_cache)
    embeddings.embed_query("warm up")
    return embeddings


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("story")


@pytest.fixture(scope="session")
def story(story_dir: Path, default_embeddings: Embeddings) -> Any:
    """The stack over five dated articles on one story, from three outlets (tests/data/story);
    tests only read it."""
    from bot.components import make_stack
    from bot.settings import Settings
    from ingest.loaders import load_inputs
    from ingest.pipeline import ingest_articles
    from ingest.types import Article

    settings = IndexSettings(data_dir=story_dir)
    index = make_index(settings, embeddings=default_embeddings)
    ingest_articles(index, [a for a in load_inputs([str(TEST_DATA / "story")]) if isinstance(a, Article)])
    return make_stack(Settings(index=settings), index=index)


@pytest.fixture(scope="session")
def stories(tmp_path_factory: pytest.TempPathFactory, default_embeddings: Embeddings) -> Any:
    """The stack over three stories told in dated reports (a flood, a food poisoning, a river
    polluted by a mill: tests/data/story, story2, story3) beside a bus and a market article;
    tests only read it."""
    from bot.components import make_stack
    from bot.settings import Settings
    from ingest.loaders import load_inputs
    from ingest.pipeline import ingest_articles
    from ingest.types import Article

    settings = IndexSettings(data_dir=tmp_path_factory.mktemp("stories"))
    index = make_index(settings, embeddings=default_embeddings)
    folders = [str(TEST_DATA / name) for name in ("story", "story2", "story3", "unseen", "unseen2")]
    ingest_articles(index, [a for a in load_inputs(folders) if isinstance(a, Article)])
    return make_stack(Settings(index=settings), index=index)


def ask_what_changed_through_the_cli() -> None:
    """Ingest the flood story and ask through the CLI (with the settings of the environment: a
    server's) how the loss estimate changed: both reports' sums cited, the newest first."""
    import json

    from typer.testing import CliRunner

    from bot.cli.app import app

    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TEST_DATA / "story")]).exit_code == 0
    result = runner.invoke(app, ["ask", "--json", "kerugian banjirnya dulu brp skrg brp"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert "Rp18 miliar" in answer["answer"] and "Rp12 miliar" in answer["answer"], answer["answer"]
    days = [c["published"] for c in answer["citations"]]
    assert len(set(days)) == 2 and days == sorted(days, reverse=True)


def copy_of(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of a data directory (for fixtures wider than one test)."""
    target = tmp_path_factory.mktemp("copy") / "data"
    shutil.copytree(template, target)
    return target


@pytest.fixture(scope="session")
def bundled_embeddings(model_cache: Path) -> SentenceTransformerEmbeddings:
    """The real bundled model with PyTorch (rebuilt once into the session's model cache),
    loaded once for the whole session."""
    embeddings = SentenceTransformerEmbeddings(BUNDLED_MODEL, cache_root=model_cache)
    embeddings.embed_query("warm up")
    return embeddings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(path: Path, port: int, host: str = "127.0.0.1") -> tuple[subprocess.Popen[bytes], str]:
    """Start `chroma run` on a loopback port over ``path`` (of ``host``: "::1" for IPv6's);
    return it and its URL once it answers."""
    log = path.parent / f"chroma-{port}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chroma"),
                "run",
                "--path",
                str(path),
                "--host",
                host,
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("chroma run did not start: " + log.read_text()[-2000:])
        time.sleep(0.2)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    process, url = start_chroma(tmp_path / "server-data", free_port())
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` and everything in it cannot be written while the block runs: its write bits
    taken away, and as root (whom those do not stop) the immutable attribute set (chattr +i);
    skips the test where neither is possible."""
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
        undo = ["chmod", "-R", "u+w", str(folder)]
    else:
        if subprocess.run(["chattr", "-R", "+i", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["chattr", "-R", "-i", str(folder)], capture_output=True)
            pytest.skip("running as root on a file system without chattr +i: nothing makes a folder read-only")
        undo = ["chattr", "-R", "-i", str(folder)]
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


class ScriptedChatModel(BaseChatModel):
    """A chat model that streams a fixed reply word by word (optionally slowly, or failing) and
    records the messages it was sent."""

    reply: str = ""
    delay_s: float = 0.0
    error: str | None = None
    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        text = "".join(chunk.message.content for chunk in self._stream(messages))  # type: ignore[misc]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        self.prompts.append(list(messages))
        if self.error:
            raise RuntimeError(self.error)
        for piece in re.findall(r"\S+\s*", self.reply):
            time.sleep(self.delay_s)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


class PostgresServer:
    """A real PostgreSQL server (Debian's ``postgresql`` package) in a temporary folder on a
    loopback port, for tests of ``TANYA_DATABASE_URL``. Run as the ``postgres`` user when the
    tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self, port: int) -> None:
        import tempfile

        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
        if not found:
            raise RuntimeError(
                "PostgreSQL's server programs are not installed (Debian: apt-get install postgresql); "
                "`make install` installs them"
            )
        self.bin = found[0].parent
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="tanya-pg-"))
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "tanya", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / program), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://tanya@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; return its URL."""
        import uuid

        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server per test process, started on first use."""
    server = PostgresServer(free_port())
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """The URL of a new empty database on the test server."""
    return postgres_server.new_database()


def text_bomb_pdf(pages: int, chars: int, repeats: int = 0) -> bytes:
    """A PDF of ``pages`` pages sharing one compressed content stream that shows ``chars``
    characters of text, or with ``repeats``, draws a form holding them that many times."""
    words = b"(" + b"kata " * (chars // 5) + b") Tj"
    if repeats:
        form = zlib.compress(b"BT /F1 12 Tf 72 712 Td " + words + b" ET", 9)
        content = zlib.compress(b"/X0 Do\n" * repeats, 9)
        resources = b"<< /Font << /F1 3 0 R >> /XObject << /X0 %d 0 R >> >>" % (5 + pages)
    else:
        content = zlib.compress(b"BT /F1 12 Tf 72 712 Td " + words + b" ET", 9)
        resources = b"<< /Font << /F1 3 0 R >> >>"
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s /Contents 4 0 R >>" % resources] * pages,
    ]
    if repeats:
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Length %d /Filter /FlateDecode >>\nstream\n" % len(form) + form + b"\nendstream"
        )
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1, the first its catalog) and their cross-references."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def as_an_older_analyser_left_it(index: Index) -> None:
    """Rewrite every stored article's index terms as an older analyser might have made them (each
    word as written, no root found), its chunks, vectors and sentences kept, and record that
    analyser ("0"): an index written by an older tanya, the Chroma copy in step with it."""
    from ingest.store.index import ANALYZER
    from ingest.store.vectors import MIRRORED
    from ingest.text.analysis import words

    index.refresh()
    collection, model = index.collection_name, index.built_with or index.model_name
    for record in index.articles():
        chunks = index.catalog.chunks_of(record.source)
        ids = [c.chunk_id for c in chunks]
        vectors, sentence_vectors = (
            index.catalog.vectors(collection, ids),
            index.catalog.sentence_vectors(collection, ids),
        )
        sentences = index.catalog.sentences(ids)
        index.catalog.put_article(
            record,
            [(c.chunk_id, c.index, c.start, c.end, c.text) for c in chunks],
            [" ".join(words(c.text)) for c in chunks],
            " ".join(words(record.title)),
            (collection, model, [vectors[i] for i in ids]),
            [sentences[i] for i in ids],
            [sentence_vectors[i] for i in ids],
        )
    index.catalog.set_meta(ANALYZER, "0")
    index.catalog.set_meta(MIRRORED, str(index.catalog.generation()))
