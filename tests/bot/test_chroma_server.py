"""Ingest and ask through a real `chroma run` server on a loopback port (TANYA_CHROMA_URL)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from tests.conftest import ask_what_changed_through_the_cli, free_port

pytestmark = pytest.mark.slow


def test_ingest_and_ask_through_a_chroma_server(
    chroma_server: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("TANYA_CHROMA_URL", chroma_server)
    runner = CliRunner()
    ingest = runner.invoke(app, ["ingest", "--bundled", "--json"])
    assert ingest.exit_code == 0, ingest.output
    assert json.loads(ingest.stdout)["added"] == 1
    assert not (tmp_path / "data" / "chroma").exists()  # the vectors went to the server
    answer = runner.invoke(app, ["ask", "--json", "Berapa karyawan TikTok di Malaysia yang terkena PHK?"])
    assert answer.exit_code == 0, answer.output
    data = json.loads(answer.stdout)
    assert "700" in data["answer"] and data["citations"]


def test_a_question_on_what_changed_searches_each_report_on_the_server(
    chroma_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each report of the story is searched on its own (a scope of one article) through the
    server (``bot.chain.changes``): both reports cited, the newest first."""
    monkeypatch.setenv("TANYA_CHROMA_URL", chroma_server)
    ask_what_changed_through_the_cli()


def test_unreachable_server_is_one_clear_error_on_a_write_and_reads_go_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TANYA_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    article = tmp_path / "artikel.txt"
    article.write_text("Gunung Lewotobi meletus pada Senin pagi. " * 5, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(article)])
    assert result.exit_code == 1
    assert "cannot reach the Chroma server" in result.stderr and "Traceback" not in result.output
    # The catalog is the truth: the article was kept, and reading it needs no server.
    sources = runner.invoke(app, ["sources", "--json"])
    assert sources.exit_code == 0, sources.output
    assert str(article.resolve()) in sources.stdout


def test_malformed_chroma_url_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    for url in (
        "localhost:8000",
        "http://u:PortSecret@127.0.0.1:notaport",
        "http://127.0.0.1:99999",
        # a path, a query or a fragment would be ignored: refused, and a token in them never shown
        # (a hostile test: they were taken, and the whole URL echoed in every error)
        "http://127.0.0.1:8000/some/path?token=PortSecret",
        "http://127.0.0.1:8000/?token=PortSecret",
        "http://127.0.0.1:8000#PortSecret",
        "http://127.0.0.1:8000/secretpath/PortSecret",  # an independent review's: the path was shown
        "http://127.0.0.1:8000/;token=PortSecret",  # and ";parameters" were taken
    ):
        monkeypatch.setenv("TANYA_CHROMA_URL", url)
        result = CliRunner().invoke(app, ["sources"])  # named at once, not at the first write
        assert result.exit_code == 2 and "TANYA_CHROMA_URL" in result.stderr, url
        assert "PortSecret" not in result.output and "Traceback" not in result.output
    monkeypatch.setenv("TANYA_CHROMA_URL", "http://127.0.0.1:8000/")  # the root, written with its slash
    assert CliRunner().invoke(app, ["sources"]).exit_code == 0


def test_a_chroma_server_on_an_ipv6_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile test: "http://[::1]:PORT" passed the settings' check, but Chroma's client was
    given the bare "::1" and wrote "http://::1:PORT" (an invalid port): nothing reached it."""
    import socket

    from tests.conftest import start_chroma

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = int(probe.getsockname()[1])
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    process, url = start_chroma(tmp_path / "server-data", port, host="::1")
    try:
        assert url == f"http://[::1]:{port}"
        monkeypatch.setenv("TANYA_CHROMA_URL", url)
        runner = CliRunner()
        ingest = runner.invoke(app, ["ingest", "--bundled", "--json"])
        assert ingest.exit_code == 0, ingest.output
        assert json.loads(ingest.stdout)["added"] == 1 and "cannot reach" not in ingest.output
        answer = runner.invoke(app, ["ask", "--json", "Berapa karyawan TikTok di Malaysia yang terkena PHK?"])
        assert answer.exit_code == 0 and "700" in json.loads(answer.stdout)["answer"]
    finally:
        process.terminate()
        process.wait(timeout=20)


def _error_line_against_a_web_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: bytes) -> str:
    """The one line `tanya ingest` prints with TANYA_CHROMA_URL naming a web server that answers
    every request with ``body`` (an HTML page, status 404)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("TANYA_CHROMA_URL", f"http://127.0.0.1:{server.server_address[1]}")
        article = tmp_path / "artikel.txt"
        article.write_text("Gunung Lewotobi meletus pada Senin pagi. " * 5, encoding="utf-8")
        result = CliRunner().invoke(app, ["ingest", str(article)])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = [line for line in result.stderr.splitlines() if "Chroma" in line]
    return line


def test_a_server_that_is_not_chroma_is_named_in_one_short_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = ("<html><body>" + "Not Chroma. " * 2000 + "</body></html>").encode()  # a long page
    line = _error_line_against_a_web_page(monkeypatch, tmp_path, page)
    assert len(line) < 600 and line.count("Not Chroma.") < 30  # was the whole page, 24 KB


def test_a_server_answering_with_a_web_page_is_named_by_its_title_not_its_markup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hostile test: a `TANYA_CHROMA_URL` of a web server answering with an HTML page was
    "cannot reach the Chroma server ...: <!DOCTYPE HTML>", the page's first line."""
    page = (
        b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
        b"<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n</body></html>\n"
    )
    line = _error_line_against_a_web_page(monkeypatch, tmp_path, page)
    assert "a web page answered: 404 Not Found" in line and "<" not in line, line


def test_a_collection_tanya_did_not_write_is_never_written_to_nor_emptied(
    chroma_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hostile test: an ingest into a collection another tool filled (or another tanya index
    copies to) had deleted every vector of it and relabelled it as tanya's."""
    import chromadb

    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    theirs = client.get_or_create_collection("theirs", metadata={"embedding_model": "another-model"})
    theirs.add(ids=[f"x{i}" for i in range(10)], embeddings=[[0.1 * i] * 384 for i in range(10)])
    monkeypatch.setenv("TANYA_CHROMA_URL", chroma_server)
    runner = CliRunner()
    for collection, data in (("theirs", "a"), ("ours", "b"), ("ours", "c")):
        monkeypatch.setenv("TANYA_COLLECTION", collection)
        monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / data))  # c: another index, its own catalog
        result = runner.invoke(app, ["ingest", "--bundled"])
        if data == "b":
            assert result.exit_code == 0, result.output
            continue
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert f"the Chroma collection {collection!r}" in result.stderr and "TANYA_COLLECTION" in result.stderr
        assert json.loads(runner.invoke(app, ["sources", "--json"]).stdout) == []  # refused before it was stored
    assert client.get_collection("theirs").count() == 10  # what the other tool wrote is all there
    assert client.get_collection("theirs").metadata == {"embedding_model": "another-model"}
    assert client.get_collection("ours").count() == 4  # the bundled article's, of the index b alone
    monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / "b"))  # the index that owns it writes on
    assert runner.invoke(app, ["reindex", "--vectors-only"]).exit_code == 0
    assert client.get_collection("ours").count() == 4


def test_a_copy_the_chroma_server_lost_is_filled_again_by_the_next_write(chroma_server: str, tmp_path: Path) -> None:
    """A hostile test: a Chroma server restarted empty (here: its collection deleted) was extended
    by the next ingest with that article's chunks alone and recorded as in step."""
    import chromadb

    from ingest.pipeline import ingest_articles
    from ingest.settings import IndexSettings
    from ingest.store.index import make_index
    from ingest.types import Article
    from tests.conftest import HashEmbeddings

    index = make_index(IndexSettings(data_dir=tmp_path / "data", chroma_url=chroma_server), HashEmbeddings())
    ingest_articles(index, [Article("banjir", "Banjir melanda Lembah Arum pada Selasa. " * 40, "Banjir")])
    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    client.delete_collection(index.collection_name)
    ingest_articles(index, [Article("bus", "Bus listrik Trans Seruni mulai beroperasi pada Senin.", "Bus")])
    assert index.mirrored_ids() == index.catalog.chunk_ids()
    assert client.get_collection(index.collection_name).count() == index.count()


def test_an_ingest_with_nothing_to_write_fills_a_copy_the_chroma_server_lost(
    chroma_server: str, tmp_path: Path
) -> None:
    """A hostile test: after the Chroma server restarted empty (here: its collection deleted), an
    ingest of the same articles said "unchanged" and left the server without its copy."""
    import chromadb

    from ingest.pipeline import ingest_articles
    from ingest.settings import IndexSettings
    from ingest.store.index import make_index
    from ingest.types import Article
    from tests.conftest import HashEmbeddings

    index = make_index(IndexSettings(data_dir=tmp_path / "data", chroma_url=chroma_server), HashEmbeddings())
    articles = [Article("banjir", "Banjir melanda Lembah Arum pada Selasa. " * 40, "Banjir")]
    ingest_articles(index, articles)
    assert ingest_articles(index, articles).caught_up == 0  # in step: one count, nothing copied
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    client.delete_collection(index.collection_name)
    report = ingest_articles(index, articles)
    assert report.stored == 0 and report.caught_up == index.count() > 0
    assert client.get_collection(index.collection_name).count() == index.count()


def test_a_chroma_server_that_never_answers_is_unreachable_not_a_hang(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hostile test: a server that accepts connections and never answers held `tanya ingest`
    (and the write lock every host waits on) for ever."""
    import socket

    from ingest.store import vectors

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts (the kernel does), never reads nor answers
    monkeypatch.setattr(vectors, "CHROMA_CONNECT_TIMEOUT_S", 1.0)
    monkeypatch.setenv("TANYA_CHROMA_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    article = tmp_path / "artikel.txt"
    article.write_text("Gunung Lewotobi meletus pada Senin pagi. " * 5, encoding="utf-8")
    try:
        result = CliRunner().invoke(app, ["ingest", str(article)])
    finally:
        listener.close()
    assert result.exit_code == 1 and "cannot reach the Chroma server" in result.stderr
    assert "Traceback" not in result.output


def test_the_servers_first_call_is_checked_as_chromas_own_client_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The heartbeat asked before Chroma's client is built verifies TLS as Chroma is told to
    (CHROMA_SERVER_SSL_VERIFY: a private CA) and sends its headers: a review found it verifying
    with the default trust store, so a server that worked was called unreachable."""
    import httpx

    from ingest.store import vectors

    seen: dict[str, object] = {}

    def heartbeat(url: str, **kwargs: object) -> None:
        seen.update(kwargs, url=url)
        raise httpx.ConnectError("stop here")

    monkeypatch.setattr(httpx, "get", heartbeat)
    monkeypatch.setenv("CHROMA_SERVER_SSL_VERIFY", "/etc/tanya/ca.pem")
    monkeypatch.setenv("CHROMA_SERVER_HEADERS", '{"X-Chroma-Token": "t0k"}')
    with pytest.raises(vectors.ChromaUnavailable, match="cannot reach the Chroma server"):
        vectors.make_chroma_client(Path("/nonexistent"), "https://chroma.example:8443")
    assert seen["url"] == "https://chroma.example:8443/api/v2/heartbeat" and seen["verify"] == "/etc/tanya/ca.pem"
    assert seen["timeout"] == vectors.CHROMA_CONNECT_TIMEOUT_S and seen["headers"] == {"X-Chroma-Token": "t0k"}


def test_the_chroma_clients_calls_have_a_limit(chroma_server: str, tmp_path: Path) -> None:
    """Chroma builds its HTTP session with no timeout at all; tanya's client gets one."""
    from ingest.store import vectors

    client = vectors.make_chroma_client(tmp_path, chroma_server)
    timeout = client._server._session.timeout
    assert (timeout.read, timeout.connect) == (vectors.CHROMA_TIMEOUT_S, vectors.CHROMA_CONNECT_TIMEOUT_S)


def test_two_new_indexes_first_writing_one_collection_at_once_never_both_write_it(
    chroma_server: str, tmp_path: Path
) -> None:
    """A hostile test of shared servers: two indexes (catalogs of their own) given the same
    TANYA_COLLECTION whose first writes met both found the collection new and unmarked, both
    marked it theirs and both wrote to it (one run in four): one index's vectors were then the
    other's. The collection is created marked as its creator's copy now, so one write is refused."""
    import chromadb

    from ingest.errors import ForeignCollection
    from ingest.pipeline import ingest_articles
    from ingest.settings import IndexSettings
    from ingest.store.index import make_index
    from ingest.types import Article
    from tests.conftest import HashEmbeddings

    def write(index: Any, i: int, start: threading.Barrier, outcome: dict[int, str]) -> None:
        article = Article(f"berita-{i}", f"Jembatan Seruni nomor {i} dibuka pada Rabu.", "Jembatan")
        start.wait()
        try:
            ingest_articles(index, [article])
            outcome[i] = "written"
        except ForeignCollection:
            outcome[i] = "refused"

    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    for attempt in range(12):
        name = f"shared{attempt}"
        indexes = [
            make_index(
                IndexSettings(data_dir=tmp_path / f"{name}-{who}", chroma_url=chroma_server, collection=name),
                HashEmbeddings(),
            )
            for who in "ab"
        ]
        start = threading.Barrier(2)
        outcome: dict[int, str] = {}
        threads = [threading.Thread(target=write, args=(indexes[i], i, start, outcome)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(outcome.values()) == ["refused", "written"], (attempt, outcome)
        winner = indexes[next(i for i, o in outcome.items() if o == "written")]
        assert set(client.get_collection(name).get(include=[])["ids"]) == winner.catalog.chunk_ids()
