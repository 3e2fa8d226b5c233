"""The catalog on a PostgreSQL server (TANYA_DATABASE_URL), against a real server on a loopback
port: the same ranking as the SQLite catalog, one index shared by several "hosts" (separate data
directories and processes), a write lock that holds across them and dies with its holder, and
clear errors when the server goes away."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import BadInput, IndexBusy, IndexUnavailable
from ingest.pipeline import ingest_articles
from ingest.settings import IndexSettings, redact_database_url
from ingest.store.index import Index, make_index
from ingest.store.postgres import DEAD_PEER, MIGRATIONS, PostgresCatalog
from ingest.types import Article, Scope
from tests.conftest import REPO, TEST_DATA, HashEmbeddings, PostgresServer

pytestmark = pytest.mark.xdist_group("postgres")  # one server per worker process, reused

ARTICLES = [
    Article(
        "banjir",
        "Banjir melanda Lembah Arum pada Selasa. BPBD mencatat tiga orang hilang dan 460 pengungsi. "
        "Kepala desa menyebut lima orang hilang, bukan tiga.",
        "Banjir Lembah Arum",
        published="2026-10-28",
        outlet="Arum Pos",
    ),
    Article(
        "bus",
        "Bus listrik Trans Seruni mulai beroperasi pada Senin. Tarifnya Rp4.000 sekali jalan setelah masa gratis. "
        "Bus diisi daya di Depo Pal Sembilan.",
        "Bus Listrik Trans Seruni",
        published="2026-11-02",
    ),
    Article("tiktok", (REPO / "ingest" / "corpus" / "tiktok-phk-malaysia-rakyatsulsel.txt").read_text(), "TikTok PHK"),
]


def host(tmp_path: Path, name: str, url: str | None) -> Index:
    """An index as one host opens it: its own data directory, the shared database."""
    return make_index(IndexSettings(data_dir=tmp_path / name, database_url=url, lock_timeout_s=1.0), HashEmbeddings())


def eventually(check: Any, within_s: float = 5.0) -> bool:
    """Whether ``check()`` holds within ``within_s`` (another host's write is seen after at most
    ``GENERATION_TTL_S``)."""
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def same_ranking(got: list[tuple[str, float]], expected: list[tuple[str, float]]) -> bool:
    """The same ids in the same order, with the same scores but for the last bits of a float."""
    return [i for i, _ in got] == [i for i, _ in expected] and all(
        abs(a - b) < 1e-9 for (_, a), (_, b) in zip(got, expected, strict=True)
    )


def test_the_lexical_index_ranks_as_the_sqlite_one(tmp_path: Path, database_url: str) -> None:
    embedded, shared = host(tmp_path, "sqlite", None), host(tmp_path, "pg", database_url)
    for index in (embedded, shared):
        ingest_articles(index, ARTICLES)
    assert isinstance(shared.catalog, PostgresCatalog)
    import sqlite3

    stored = sqlite3.connect(tmp_path / "sqlite" / "catalog.sqlite3").execute("SELECT body, title FROM chunks_fts")
    terms = sorted({t for body, title in stored for t in (body + " " + title).split()})
    queries = [terms[i : i + 5] for i in range(0, len(terms), 7)] + [["banjir", "banjir", "hilang"], ["tidakada"]]
    for query in queries:
        for title_weight in (0.0, 0.5):
            expected = embedded.catalog.search(query, 10, title_weight)
            assert same_ranking(shared.catalog.search(query, 10, title_weight), expected), query
    within = Scope(since="2026-11-01")
    assert same_ranking(
        shared.catalog.search(["bus", "banjir"], 10, 0.0, within),
        embedded.catalog.search(["bus", "banjir"], 10, 0.0, within),
    )
    assert shared.catalog.chunk_ids_in(Scope(source="arum")) == embedded.catalog.chunk_ids_in(Scope(source="arum"))
    assert shared.catalog.document_frequencies(terms) == embedded.catalog.document_frequencies(terms)
    for word in ("banjr", "pengungsian", "listrk"):  # misspelt: the same candidates, scored alike
        assert set(shared.catalog.similar_terms(word, 50)) == set(embedded.catalog.similar_terms(word, 50))
    # after a removal and a changed article, the statistics the server keeps still match
    changed = Article("bus", ARTICLES[1].text + " Tarif pelajar Rp2.000.", ARTICLES[1].title, published="2026-11-03")
    for index in (embedded, shared):
        with index.writing():
            index.remove("banjir")
        ingest_articles(index, [changed])
    assert shared.catalog.document_frequencies(terms) == embedded.catalog.document_frequencies(terms)
    for query in queries:
        assert same_ranking(shared.catalog.search(query, 10, 0.5), embedded.catalog.search(query, 10, 0.5)), query


def test_an_article_ingested_on_one_host_is_answered_on_another(tmp_path: Path, database_url: str) -> None:
    a, b = host(tmp_path, "a", database_url), host(tmp_path, "b", database_url)
    assert b.count() == 0
    ingest_articles(a, ARTICLES[:1])
    assert eventually(lambda: b.count() == a.count() > 0)  # b reads the generation at most every 0.25 s
    assert [h.chunk.source for h in b.lexical_search(["banjir"], 5)] == ["banjir"]
    assert b.nearest("pengungsi banjir", 1)[0][0] in b.catalog.chunk_ids("banjir")
    with a.writing():
        assert a.remove("banjir")
    assert eventually(lambda: b.count() == 0) and b.lexical_search(["banjir"], 5) == [] and b.nearest("banjir", 1) == []


def test_the_vectors_a_rebuild_killed_part_way_left_go_with_the_next_write(tmp_path: Path, database_url: str) -> None:
    """A `tanya reindex` killed part way leaves its new collection's vectors in the catalog; the
    next writer to take the write lock (which no rebuild can run beside: it holds the lock
    throughout) drops them, in both catalogs (they had stayed until the next rebuild, hostile
    testers')."""
    for name, url in (("embedded", None), ("shared", database_url)):
        index = host(tmp_path, name, url)
        ingest_articles(index, ARTICLES[:1])
        ids = sorted(index.catalog.chunk_ids("banjir"))
        assert not index.catalog.holds_other_collections(index.collection_name)
        for killed in ("tanya--0ther", "aaa"):  # named after and before the index's own
            index.catalog.put_vectors(killed, [(i, bytes(16)) for i in ids], [(i, bytes(8)) for i in ids])
            assert index.catalog.holds_other_collections(index.collection_name), (name, killed)
        ingest_articles(index, ARTICLES[1:2])
        assert not index.catalog.holds_other_collections(index.collection_name), name
        # so does a removal, and an ingest that stores nothing: every writer as it takes the lock
        index.catalog.put_vectors("tanya--0ther", [(i, bytes(16)) for i in ids], [(i, bytes(8)) for i in ids])
        with index.writing():
            assert index.remove("bus")
        assert not index.catalog.holds_other_collections(index.collection_name), name
        index.catalog.put_vectors("tanya--0ther", [(i, bytes(16)) for i in ids], [(i, bytes(8)) for i in ids])
        assert ingest_articles(index, ARTICLES[:1]).stored == 0
        assert not index.catalog.holds_other_collections(index.collection_name), name
        assert index.nearest("pengungsi banjir", 1)[0][0] in ids and index.count() == len(ids) + len(
            index.catalog.chunk_ids("bus")
        )


def test_writers_on_two_hosts_take_turns(tmp_path: Path, database_url: str) -> None:
    a, b = host(tmp_path, "a", database_url), host(tmp_path, "b", database_url)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with a.writing():
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=hold)
    writer.start()
    holding.wait(10)
    waited: list[str] = []
    with pytest.raises(IndexBusy, match="still writing"), b.writing(on_wait=waited.append):
        pass
    assert waited and "another tanya process is writing" in waited[0]
    release.set()
    writer.join(10)
    with b.writing():  # free again
        pass
    # two hosts ingesting at once: both land, one after the other
    threads = [
        threading.Thread(target=ingest_articles, args=(ix, [art])) for ix, art in ((a, ARTICLES[0]), (b, ARTICLES[1]))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert {r.source for r in a.articles()} == {"banjir", "bus"}


KILLED_WRITER = """
import sys, time
from ingest.store.postgres import PostgresCatalog
catalog = PostgresCatalog(sys.argv[1])
with catalog.write_lock(5), catalog.transaction() as db:
    db.execute("INSERT INTO articles VALUES ('half', 'Half', NULL, NULL, 'id', NULL, NULL, 1, 'now')")
    db.execute(
        "INSERT INTO chunks (chunk_id, source, idx, start_offset, end_offset, text, tokens) "
        "VALUES ('half-0', 'half', 0, 0, 4, 'half', 1)"
    )
    print("writing", flush=True)
    time.sleep(120)
"""


def test_a_writer_killed_mid_write_leaves_nothing_half_written_and_frees_the_lock(
    tmp_path: Path, database_url: str
) -> None:
    reader = host(tmp_path, "reader", database_url)
    before = reader.catalog.generation()
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, database_url], stdout=subprocess.PIPE, cwd=REPO, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
        with pytest.raises(IndexBusy), reader.writing():  # it holds the lock
            pass
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
    finally:
        writer.kill()
    assert reader.catalog.article("half") is None and reader.catalog.chunk_ids() == set()
    assert reader.catalog.generation() == before
    deadline = time.monotonic() + 5  # the server notices the dropped connection and frees the lock
    while True:
        try:
            with reader.writing():
                break
        except IndexBusy:
            assert time.monotonic() < deadline
    ingest_articles(reader, ARTICLES[:1])
    assert reader.count() > 0


def test_migrations_apply_once_and_a_newer_schema_is_refused(database_url: str) -> None:
    first = PostgresCatalog(database_url)
    assert first.migrate() == 0  # opening applied them all
    with first.transaction() as db:
        versions = [r[0] for r in db.execute("SELECT version FROM tanya_migrations ORDER BY version")]
        assert versions == list(range(1, len(MIGRATIONS) + 1))
        db.execute("INSERT INTO tanya_migrations (version) VALUES (%s)", (len(MIGRATIONS) + 1,))
    with pytest.raises(IndexUnavailable, match="newer tanya") as newer:
        PostgresCatalog(database_url)
    assert str(newer.value).count(database_url) == 1  # named once (it had been twice: a hostile tester's)
    first.close()


def test_connections_notice_a_server_that_stops_answering(database_url: str) -> None:
    """A hostile test: a server gone without closing its connections (a partition) left a running
    chat or bot waiting for ever; its connections now carry TCP keepalives and a limit on data
    sent and not acknowledged, as libpq reads them."""
    catalog = PostgresCatalog(database_url)
    try:
        with catalog.transaction() as db:
            settings = db.connection.info.get_parameters()
        assert {k: settings.get(k) for k in DEAD_PEER} == {k: str(v) for k, v in DEAD_PEER.items()}
    finally:
        catalog.close()


def test_a_database_of_something_else_holding_tables_tanya_would_make_is_refused_untouched(
    postgres_server: PostgresServer,
) -> None:
    import psycopg

    url = postgres_server.new_database()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE articles (id serial PRIMARY KEY, body text)")
        db.execute("INSERT INTO articles (body) VALUES ('milik aplikasi lain')")
    with pytest.raises(IndexUnavailable, match=r"not a tanya index: it holds tables tanya would make \(articles\)"):
        PostgresCatalog(url)
    with psycopg.connect(url, autocommit=True) as db:
        assert db.execute("SELECT body FROM articles").fetchall() == [("milik aplikasi lain",)]
        tables = db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        assert [t for (t,) in tables.fetchall()] == ["articles"]  # nothing of tanya's left in it


def test_a_writer_whose_lock_session_ends_cannot_write_on_without_it(tmp_path: Path, database_url: str) -> None:
    import psycopg

    a, b = host(tmp_path, "a", database_url), host(tmp_path, "b", database_url)
    with a.writing():
        with a.catalog.transaction() as db:  # its writes run in the lock's own session, kept from timing out
            (holder,) = db.execute("SELECT pg_backend_pid()").fetchone()
            assert db.execute("SHOW idle_session_timeout").fetchone()[0] == "0"
        with psycopg.connect(database_url, autocommit=True) as admin:  # the session ends (a timeout, a restart)
            admin.execute("SELECT pg_terminate_backend(%s)", (holder,))
        with b.writing():  # the server freed the lock with it: another host takes it at once
            pass
        with pytest.raises(IndexUnavailable, match="lost the database"):
            a.catalog.set_meta("written", "without the lock")  # before the fix: written, no lock held
    # leaving the block did not raise from the dead session (before: a psycopg traceback)
    assert b.catalog.get_meta("written") is None
    ingest_articles(a, ARTICLES[:1])  # the next write takes the lock afresh
    assert b.catalog.article("banjir") is not None


def test_the_lock_session_goes_back_to_the_pool_as_it_came_and_one_that_cannot_unlock_is_closed(
    tmp_path: Path, database_url: str
) -> None:
    import psycopg

    from ingest.store.postgres import _WRITE_LOCK, PostgresCatalog

    with psycopg.connect(database_url, autocommit=True) as admin:
        database = admin.info.dbname
        admin.execute(f"ALTER DATABASE \"{database}\" SET idle_session_timeout = '5min'")
    try:
        a, b = host(tmp_path, "a", database_url), host(tmp_path, "b", database_url)
        with b.writing(), pytest.raises(IndexBusy), a.writing():  # refused: its session was never changed
            pass
        keepalives = a.catalog._rows("SHOW tcp_keepalives_idle")[0][0]  # the system's, as the server says
        with a.writing(), a.catalog.transaction() as db:
            assert db.execute("SHOW idle_session_timeout").fetchone()[0] == "0"
            # the server notices a host gone while it holds the lock (it had kept it two hours)
            assert db.execute("SHOW tcp_keepalives_idle").fetchone()[0] == "30"
            assert db.execute("SHOW tcp_user_timeout").fetchone()[0] == "60000"
        for _ in range(4):  # every pooled session: the timeout as the database sets it, no lock held
            assert a.catalog._rows("SHOW idle_session_timeout")[0][0] == "5min"
            assert a.catalog._rows("SHOW tcp_keepalives_idle")[0][0] == keepalives
        with b.writing():
            pass
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{database}" RESET idle_session_timeout')
    # a live session whose unlock fails (here: its transaction aborted) is closed, freeing the lock
    stuck = psycopg.connect(database_url)
    stuck.execute("SELECT pg_advisory_lock(%s)", (_WRITE_LOCK,))
    with pytest.raises(psycopg.errors.DivisionByZero):
        stuck.execute("SELECT 1 / 0")
    PostgresCatalog._release(stuck)
    assert stuck.closed
    with b.writing():  # taken at once
        pass


def test_a_server_that_goes_away_is_a_clear_error_and_its_return_is_noticed(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.new_database().replace("tanya@", "tanya:s3cret@")  # trust auth ignores the password
    index = host(tmp_path, "a", url)
    ingest_articles(index, ARTICLES[:1])
    postgres_server.stop()
    try:
        with pytest.raises(IndexUnavailable) as lost:
            index.catalog.count_chunks()
        assert "s3cret" not in str(lost.value) and "***" in str(lost.value)
    finally:
        postgres_server.start()
    deadline = time.monotonic() + 10
    while True:  # the pool replaces its broken connections
        try:
            assert index.catalog.count_chunks() > 0
            break
        except IndexUnavailable:
            assert time.monotonic() < deadline
            time.sleep(0.2)


def test_an_ingest_whose_server_goes_away_says_what_it_stored_and_that_running_it_again_repairs(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A hostile test: a server that died part way gave the driver's error alone, nothing of what
    was stored nor of what to do."""
    from ingest.pipeline import IngestStopped, ProgressSink

    url = postgres_server.new_database()
    settings = IndexSettings(data_dir=tmp_path / "a", database_url=url, chunk_max_chars=100, lock_timeout_s=1.0)
    index = make_index(settings, HashEmbeddings())
    sentence = "Banjir melanda Lembah Arum pada Selasa pagi hari itu. "
    articles = [Article(f"berita-{i}", sentence * 140, f"Berita {i}") for i in range(3)]  # a group each

    class ServerDies(ProgressSink):  # once the first article is stored and the second embedded
        advanced = 0

        def advance(self, chunks: int) -> None:
            self.advanced += 1
            if self.advanced == 2:
                postgres_server.stop()

    try:
        with pytest.raises(IngestStopped) as stopped:
            ingest_articles(index, articles, progress=ServerDies())
    finally:
        postgres_server.start()
    message = str(stopped.value)
    assert "1 new or changed article(s) were stored" in message and "of the other 2" in message
    assert "ingest the same again" in message
    assert [item.source for item in stopped.value.report.items] == ["berita-0"]
    deadline = time.monotonic() + 10
    while True:  # the pool replaces its broken connections; the same ingest adds the rest
        try:
            report = ingest_articles(index, articles)
            break
        except IndexUnavailable:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert (report.count("unchanged"), report.count("added")) == (1, 2)
    assert sorted(a.source for a in index.articles()) == ["berita-0", "berita-1", "berita-2"]


def test_a_database_url_must_be_postgresql_and_its_password_stays_out_of_messages() -> None:
    from pydantic import ValidationError
    from typer.testing import CliRunner

    from bot.cli.app import app

    with pytest.raises(ValidationError, match="postgresql://") as bad:
        IndexSettings(database_url="mysql://root:hunter2@db/tanya")
    assert "hunter2" not in bad.value.errors()[0]["msg"]  # what tanya prints
    os.environ["TANYA_DATABASE_URL"] = "mysql://root:hunter2@db/tanya"
    try:
        printed = CliRunner().invoke(app, ["sources"])
    finally:
        del os.environ["TANYA_DATABASE_URL"]
    assert printed.exit_code == 2 and "invalid TANYA_DATABASE_URL" in printed.output
    assert "hunter2" not in printed.output
    settings = IndexSettings(database_url="postgresql://tanya:hunter2@db/tanya")
    assert "hunter2" not in repr(settings)
    with pytest.raises(IndexUnavailable) as unreachable:
        PostgresCatalog("postgresql://tanya:hunter2@127.0.0.1:1/tanya", connect_timeout_s=1)
    assert "hunter2" not in str(unreachable.value) and "cannot use the database" in str(unreachable.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://tanya:hunter2@127.0.0.1:1/tanya", "Connection refused"),
        ("postgresql://127.0.0.1:1/tanya?password=hunter2", "Connection refused"),
        ("postgresql://tanya:hunter2@127.0.0.1:abc/tanya", 'invalid integer value "abc"'),
        ("postgresql://tanya:hunter2@127.0.0.1:1/tanya?sslmode=bogus", "invalid sslmode"),
    ],
)
def test_a_database_that_cannot_be_used_is_named_with_its_reason_and_no_password(url: str, reason: str) -> None:
    """The first connection is tried on its own, so the message says why (the pool alone only
    says it timed out, after retrying for its whole timeout)."""
    from bot.settings import Settings

    with pytest.raises(IndexUnavailable) as unusable:
        PostgresCatalog(url, connect_timeout_s=10)
    message = str(unusable.value)
    assert reason in message and "hunter2" not in message and "***" in message
    assert "pool initialization" not in message
    # a password given as a query parameter is a secret for the logs too
    settings = Settings(index=IndexSettings(database_url=url))
    assert "hunter2" in settings.secret_values()


def test_a_database_url_libpq_cannot_read_is_refused_as_a_setting() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="is not a connection URL libpq reads") as bad:
        IndexSettings(database_url="postgresql://tanya:hunter2%zz@127.0.0.1/tanya")
    assert "hunter2" not in bad.value.errors()[0]["msg"]
    # a password that libpq and Python read differently could not be hidden in messages and logs
    for url in ("postgresql://tanya:hun#ter2@127.0.0.1/tanya", "postgresql://tanya:hun@ter2@localhost/tanya"):
        with pytest.raises(ValidationError, match="not percent-encoded") as unclear:
            IndexSettings(database_url=url)
        assert "ter2" not in unclear.value.errors()[0]["msg"]
    assert IndexSettings(database_url="postgresql://tanya:hun%23ter2@127.0.0.1/tanya").database_url
    # a "/" in it, or "#" or "?" after an "@" of it: read as a host and a path, shown whole (a hostile test)
    for url in (
        "postgresql://postgres:Zq:w/SECRETX@db.example:5432/tanya",
        "postgresql://postgres:ab+c/dSECRETX=EFG@db.example/tanya",
        "postgresql://postgres:k@Secret#SECRETX@127.0.0.1:55432/tanya",
        "postgresql://postgres:k@Secret?SECRETX@127.0.0.1:55432/tanya",
    ):
        with pytest.raises(ValidationError, match="not percent-encoded") as unclear:
            IndexSettings(database_url=url)
        assert "SECRETX" not in unclear.value.errors()[0]["msg"]
    assert IndexSettings(database_url="postgresql://postgres:Zq:w%2FSECRETX@db.example:5432/tanya").database_url


def test_a_database_url_broken_over_two_lines_is_refused_and_one_without_a_host_is_shown_as_written() -> None:
    """A hostile test: a line break inside the URL (a .env line broken in two) reached libpq, whose
    message was cut at it ('database "post'); and a URL without a host lost a slash in messages."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="line break or tab"):
        IndexSettings(database_url="postgresql://tanya:hunter2@127.0.0.1/post\ngres")
    assert IndexSettings(database_url="postgresql://tanya@127.0.0.1/tanya\r\n").database_url == (
        "postgresql://tanya@127.0.0.1/tanya"
    )
    assert redact_database_url("postgresql:///tanya?host=/run/postgresql&password=x") == (
        "postgresql:///tanya?host=/run/postgresql&password=***"
    )


def test_the_cli_ingests_and_answers_through_the_server(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from bot.cli.app import app

    monkeypatch.setenv("TANYA_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TEST_DATA / "unseen")]).exit_code == 0
    monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / "another-host"))
    result = runner.invoke(app, ["ask", "--json", "Berapa tarif bus Trans Seruni setelah masa gratis?"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert not answer["abstained"] and "unseen" in answer["citations"][0]["source"]


def test_a_question_on_what_changed_reads_each_report_through_the_server(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change reading lists the story's reports from the server's catalog and searches each
    one (``bot.chain.changes``): both reports cited, the newest first."""
    from tests.conftest import ask_what_changed_through_the_cli

    monkeypatch.setenv("TANYA_DATABASE_URL", database_url)
    ask_what_changed_through_the_cli()


def test_migrate_copies_an_embedded_index_onto_the_server_and_can_run_again(tmp_path: Path, database_url: str) -> None:
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog

    embedded = host(tmp_path, "embedded", None)
    ingest_articles(embedded, ARTICLES)
    server = host(tmp_path, "server", database_url)
    # (the -shm file is SQLite's shared memory of who reads what: readers write to it)
    files = {
        f.name: f.read_bytes() for f in (tmp_path / "embedded").glob("catalog.sqlite3*") if f.suffix != ".sqlite3-shm"
    }
    source = Catalog.read_only(tmp_path / "embedded" / "catalog.sqlite3")
    first = migrate_catalog(source, server)
    # the source is only read
    assert {n: (tmp_path / "embedded" / n).read_bytes() for n in files} == files
    assert (first.copied, first.unchanged, first.chunks) == (3, 0, embedded.count())
    assert server.articles() == embedded.articles()  # ingest times too
    for query in (["banjir", "hilang"], ["bus", "tarif"], ["tiktok", "microsoft"]):
        assert same_ranking(server.catalog.search(query, 5, 0.5), embedded.catalog.search(query, 5, 0.5))
        assert same_ranking(server.nearest(" ".join(query), 3), embedded.nearest(" ".join(query), 3))
    chunk_ids = sorted(embedded.catalog.chunk_ids())
    assert server.catalog.sentences(chunk_ids) == embedded.catalog.sentences(chunk_ids)
    collection = embedded.collection_name
    assert server.catalog.sentence_vectors(collection, chunk_ids) == embedded.catalog.sentence_vectors(
        collection, chunk_ids
    )
    again = migrate_catalog(source, server)
    assert (again.copied, again.unchanged) == (0, 3)
    # an article corrected on the server since: a third run leaves the correction (a hostile
    # test: it had put the embedded copy back over it)
    first_source = embedded.articles()[0].source
    original = next(a for a in ARTICLES if a.source == first_source)
    corrected = dataclasses.replace(original, text="KOREKSI: berita ini dicabut karena keliru.")
    ingest_articles(server, [corrected])
    third = migrate_catalog(source, server)
    assert (third.copied, third.unchanged, third.newer_there) == (0, 2, 1)
    assert "KOREKSI" in " ".join(c.text for c in server.catalog.chunks_of(first_source))


def test_a_migration_stopped_part_way_says_how_much_it_copied_and_a_second_run_copies_the_rest(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A hostile test: an interrupted `tanya migrate` (the server gone, or Ctrl-C) said only what
    failed, not how much it had copied nor that running it again resumes (it does)."""
    from ingest.pipeline import MigrateInterrupted, ProgressSink, migrate_catalog
    from ingest.store.catalog import Catalog

    class StopAfterOne(ProgressSink):
        def __init__(self, stop: Any) -> None:
            self.stop = stop

        def advance(self, chunks: int) -> None:
            self.stop()

    def interrupt() -> None:
        raise KeyboardInterrupt

    embedded = host(tmp_path, "embedded", None)
    ingest_articles(embedded, ARTICLES)
    source = Catalog.read_only(tmp_path / "embedded" / "catalog.sqlite3")
    server = host(tmp_path, "server", postgres_server.new_database())
    with pytest.raises(MigrateInterrupted) as interrupted:
        migrate_catalog(source, server, StopAfterOne(interrupt))
    assert (interrupted.value.copied, interrupted.value.left) == (1, 2)
    assert "after copying 1 article, 2 not yet copied: run `tanya migrate` again" in str(interrupted.value)
    try:
        with pytest.raises(IndexUnavailable) as stopped:
            migrate_catalog(source, server, StopAfterOne(postgres_server.stop))
    finally:
        postgres_server.start()
    # (the one article there already, left alone, then the server gone)
    assert "after copying 0 articles, 2 not yet copied: run `tanya migrate` again" in str(stopped.value)
    rest = migrate_catalog(source, server)
    assert (rest.copied, rest.unchanged) == (2, 1)
    assert server.articles() == embedded.articles()


def test_migrate_leaves_the_embedded_index_writable_and_can_copy_it_again_elsewhere(
    tmp_path: Path, database_url: str, postgres_server: Any
) -> None:
    """A hostile test: with TANYA_DATABASE_URL set on the same data folder (one embedded Chroma
    for both indexes), the migration handed the embedded index's Chroma copy to the server's, and
    every later write to the embedded index was refused as a write to another index's copy, as
    was its migration onto a second server ("set TANYA_COLLECTION", which did not help)."""
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog

    embedded = host(tmp_path, "one", None)
    ingest_articles(embedded, ARTICLES)
    source = Catalog.read_only(tmp_path / "one" / "catalog.sqlite3")
    staging = host(tmp_path, "one", database_url)
    assert migrate_catalog(source, staging).copied == 3
    assert staging.collection_name != embedded.collection_name  # a copy of its own, in the same Chroma
    assert same_ranking(staging.nearest("bus tarif", 3), embedded.nearest("bus tarif", 3))
    # the embedded index goes on as it was: written, removed from, rebuilt from its catalog
    added = Article("lagi", "Jembatan Seruni dibuka pada Rabu untuk pejalan kaki.", "Jembatan")
    ingest_articles(embedded, [added])
    with embedded.writing():
        embedded.remove(ARTICLES[0].source)
    embedded.sync_vectors()
    assert embedded.mirror.collection(embedded.collection_name).ids() == embedded.catalog.chunk_ids()
    assert any(c.source == "lagi" for c in embedded.catalog.chunks(embedded.catalog.chunk_ids()).values())
    # and is copied again onto another server, each copy its own
    production = host(tmp_path, "one", postgres_server.new_database())
    assert migrate_catalog(source, production).copied == 3
    assert len({embedded.collection_name, staging.collection_name, production.collection_name}) == 3
    # the staging copy as it was: neither dropped nor emptied by the second migration
    assert staging.mirror.collection(staging.collection_name).count() == staging.catalog.count_chunks() > 0
    assert same_ranking(staging.nearest("bus tarif", 3), production.nearest("bus tarif", 3))


def test_migrate_writes_no_copy_of_the_embedded_index_s_own(
    tmp_path: Path, database_url: str, postgres_server: Any
) -> None:
    """An independent review of the change above: an embedded copy made before copies were marked
    as an index's was still taken over (and the embedded index left unwritable), and where the
    server's index already records the name of this host's embedded copy ("tanya", written first
    from another host) the catalog was copied and the copy then refused."""
    from ingest.errors import BadInput, ForeignCollection
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog
    from ingest.store.vectors import INDEX_ID, OWNER_KEY

    embedded = host(tmp_path, "one", None)
    ingest_articles(embedded, ARTICLES[:2])
    # as an index built before copies were marked: no owner on its copy, no identity in its catalog
    client = embedded.mirror.client()
    old = client.get_collection("tanya")
    held = old.get(include=["embeddings", "documents", "metadatas"])
    metadata = {k: v for k, v in (old.metadata or {}).items() if k != OWNER_KEY}
    client.delete_collection("tanya")
    legacy = client.create_collection("tanya", metadata=metadata, embedding_function=None)
    legacy.add(ids=held["ids"], embeddings=held["embeddings"], documents=held["documents"], metadatas=held["metadatas"])
    with embedded.catalog.transaction() as db:
        db.execute("DELETE FROM meta WHERE key = ?", (INDEX_ID,))
    source = Catalog.read_only(tmp_path / "one" / "catalog.sqlite3")
    server = host(tmp_path, "one", database_url)
    with pytest.raises(BadInput, match="reindex --vectors-only"):
        migrate_catalog(source, server)
    assert server.catalog.count_chunks() == 0  # nothing copied
    # a write to the embedded index marks its copy; then it is copied, and both go on
    embedded = host(tmp_path, "one", None)
    with embedded.writing():
        embedded.sync_vectors(repair=True)
    assert migrate_catalog(source, host(tmp_path, "one", database_url)).copied == 2
    ingest_articles(embedded, ARTICLES[2:])
    assert embedded.mirror.collection("tanya").ids() == embedded.catalog.chunk_ids()

    # another host writes to a second server index first: it records "tanya", the name of this
    # host's embedded copy, which the migration must not write
    other = postgres_server.new_database()
    ingest_articles(host(tmp_path, "two", other), [Article("b", "Jembatan Seruni dibuka pada Rabu.", "Jembatan")])
    target = host(tmp_path, "one", other)
    with pytest.raises(ForeignCollection, match="data folder of its own"):
        migrate_catalog(source, target)
    assert target.catalog.count_chunks() == host(tmp_path, "two", other).catalog.count_chunks()  # nothing copied
    ingest_articles(embedded, [Article("c", "Pasar Arum dibuka lagi pada Kamis.", "Pasar")])  # still writable
    # given a data folder of its own on this host, it is copied
    assert migrate_catalog(source, host(tmp_path, "three", other)).copied == len(embedded.articles())


def test_migrate_onto_a_chroma_server_holding_another_index_s_collection_copies_nothing_until_told_another_name(
    tmp_path: Path, database_url: str, chroma_server: str
) -> None:
    """A hostile test: the migration took the embedded index's collection name whatever
    TANYA_COLLECTION said, so onto a shared Chroma server already holding another index's
    "tanya" it copied the catalog, then failed, leaving a server index no ingest could write."""
    from ingest.errors import ForeignCollection
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog

    def on_servers(name: str, **settings: Any) -> Index:
        return make_index(
            IndexSettings(data_dir=tmp_path / name, chroma_url=chroma_server, lock_timeout_s=1.0, **settings),
            HashEmbeddings(),
        )

    other = on_servers("other")
    ingest_articles(other, ARTICLES[:1])
    held = other.count()
    embedded = host(tmp_path, "embedded", None)
    ingest_articles(embedded, ARTICLES)
    source = Catalog.read_only(tmp_path / "embedded" / "catalog.sqlite3")

    refused = on_servers("server", database_url=database_url)
    with pytest.raises(ForeignCollection, match="TANYA_COLLECTION"):
        migrate_catalog(source, refused)
    assert refused.articles() == [] and refused.catalog.get_meta("collection") is None
    assert other.count() == held and other.nearest("banjir hilang", 1)

    moved = on_servers("server", database_url=database_url, collection="tanya_b")
    report = migrate_catalog(source, moved)
    assert (report.copied, report.chunks) == (3, embedded.count())
    assert moved.collection_name == "tanya_b" and moved.count() == embedded.count()
    assert same_ranking(moved.nearest("bus tarif", 3), embedded.nearest("bus tarif", 3))
    ingest_articles(moved, [Article("lagi", "Jembatan Seruni dibuka pada Rabu untuk pejalan kaki.", "Jembatan")])
    assert moved.count() == embedded.count() + 1
    assert other.count() == held  # the other index's copy as it was


def test_migrate_refuses_a_source_that_is_not_a_tanya_index_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from typer.testing import CliRunner

    from bot.cli.app import app

    monkeypatch.setenv("TANYA_DATABASE_URL", "postgresql://tanya@127.0.0.1:1/tanya")  # never reached
    empty, other = tmp_path / "empty", tmp_path / "other"
    empty.mkdir()
    other.mkdir()
    (empty / "catalog.sqlite3").write_bytes(b"")
    with sqlite3.connect(other / "catalog.sqlite3") as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    before = {d: (d / "catalog.sqlite3").read_bytes() for d in (empty, other)}
    for folder in (empty, other):
        result = CliRunner().invoke(app, ["migrate", "--from", str(folder)])
        assert result.exit_code == 2 and "is not a tanya index" in result.output, result.output
        assert (folder / "catalog.sqlite3").read_bytes() == before[folder]
        assert sorted(p.name for p in folder.iterdir()) == ["catalog.sqlite3"]


def test_migrate_refuses_an_index_built_with_another_model(tmp_path: Path, database_url: str) -> None:
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog

    embedded = make_index(IndexSettings(data_dir=tmp_path / "embedded"), HashEmbeddings(name="test/other"))
    ingest_articles(embedded, ARTICLES[:1])
    server = host(tmp_path, "server", database_url)
    ingest_articles(server, ARTICLES[1:2])
    with pytest.raises(BadInput, match="built with test/hash-embeddings"):
        migrate_catalog(Catalog(tmp_path / "embedded" / "catalog.sqlite3"), server)


def test_tanya_migrate_then_another_host_answers_from_the_server(
    bundled_index: Path, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from bot.cli.app import app

    runner = CliRunner()
    monkeypatch.setenv("TANYA_DATABASE_URL", database_url)
    result = runner.invoke(app, ["migrate", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["copied"] == 1
    # each catalog an index of its own, each with its own copy in this host's Chroma: the embedded
    # index keeps "tanya" (and can still be written), the database's a new one named after it
    from ingest.store.catalog import Catalog
    from ingest.store.vectors import INDEX_ID, ChromaMirror, named_after

    server = PostgresCatalog(database_url)
    ours, theirs = server.get_meta(INDEX_ID), Catalog(bundled_index / "catalog.sqlite3").get_meta(INDEX_ID)
    collection = server.get_meta("collection")
    server.close()
    assert ours and theirs and ours != theirs
    assert collection and collection != "tanya" and named_after(collection, "tanya")
    mirror = ChromaMirror(bundled_index, None)
    assert mirror.collection("tanya").owner() == theirs and mirror.collection(collection).owner() == ours
    monkeypatch.delenv("TANYA_DATABASE_URL")
    (tmp_path / "x.txt").write_text("Jembatan Seruni dibuka pada Rabu untuk pejalan kaki.", encoding="utf-8")
    added = runner.invoke(app, ["ingest", str(tmp_path / "x.txt")])
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("TANYA_DATABASE_URL", database_url)
    monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / "another-host"))
    answer = json.loads(runner.invoke(app, ["ask", "--json", "Berapa karyawan TikTok yang terkena PHK?"]).stdout)
    assert "700" in answer["answer"] and answer["citations"]
    missing = runner.invoke(app, ["migrate"])  # this host has no embedded index to copy
    assert missing.exit_code != 0 and "no embedded index" in missing.output


def test_tanya_migrate_says_which_articles_it_left_as_the_server_holds_newer_versions(
    bundled_index: Path, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, default_embeddings: Any
) -> None:
    from typer.testing import CliRunner

    from bot.cli.app import app

    runner = CliRunner()
    monkeypatch.setenv("TANYA_DATABASE_URL", database_url)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    # the article corrected on the server since (another host ingests a new version of it)
    server = make_index(IndexSettings(data_dir=tmp_path / "host", database_url=database_url), default_embeddings)
    (record,) = server.articles()
    ingest_articles(server, [Article(record.source, "KOREKSI: berita ini diperbarui.", record.title)])
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0, again.output
    assert "copied 0 articles (0 chunks), 0 already there, 1 left as the server holds a newer version" in again.stdout
    assert "KOREKSI" in " ".join(c.text for c in server.catalog.chunks_of(record.source))


def test_a_source_filter_ignores_case_beyond_ascii_in_both_catalogs(tmp_path: Path, database_url: str) -> None:
    article = Article("jerman", "Laporan tahunan tentang banjir di Jerman.", "ÜBERSICHT DER FLUT", outlet="ZEITUNG")
    for index in (host(tmp_path, "sqlite", None), host(tmp_path, "pg", database_url)):
        ingest_articles(index, [article])
        assert index.catalog.chunk_ids_in(Scope(source="übersicht")) == index.catalog.chunk_ids("jerman")
        assert index.catalog.chunk_ids_in(Scope(source="ÜBERSICHT")) == index.catalog.chunk_ids("jerman")
        assert index.catalog.chunk_ids_in(Scope(source="überall")) == frozenset()


def test_a_database_of_the_first_schema_is_brought_up_to_date_with_its_data(tmp_path: Path, database_url: str) -> None:
    index = host(tmp_path, "a", database_url)
    ingest_articles(index, ARTICLES)
    before = index.catalog.search(["banjir", "bus", "tiktok"], 10, 0.5)
    with index.catalog.transaction() as db:  # as a database set up before migration 2 was written
        db.execute("DROP TABLE bm25_stats")
        db.execute("DROP TABLE term_docs")
        db.execute("ALTER TABLE postings DROP COLUMN tokens")
        db.execute("ALTER TABLE term_grams DROP COLUMN grams")
        db.execute("DELETE FROM tanya_migrations WHERE version >= 2")
    assert PostgresCatalog(database_url).migrate() == 0  # opening it applied what was missing
    again = host(tmp_path, "b", database_url)
    assert same_ranking(again.catalog.search(["banjir", "bus", "tiktok"], 10, 0.5), before)
    assert again.catalog.get_meta("schema") == str(len(MIGRATIONS))


def test_a_host_sees_its_own_writes_at_once(tmp_path: Path, database_url: str) -> None:
    index = host(tmp_path, "a", database_url)
    assert index.count() == 0  # the generation is now read, and would stand for 0.25 s ...
    ingest_articles(index, ARTICLES[:1])
    assert index.count() > 0  # ... but this process's own commit is seen at once
    with index.writing():
        index.remove("banjir")
    assert index.count() == 0


def test_the_latest_article_is_the_same_in_both_catalogs(tmp_path: Path, database_url: str) -> None:
    """What a question about "the news" quotes (bot/chain/gist.py): the article published last,
    within the filters, none published after the day the question is asked; undated last."""
    articles = [
        Article("old", "Banjir merendam desa.", "Banjir", published="2026-10-28", outlet="Arumpos"),
        Article("new", "Tanggap darurat berakhir.", "Berakhir", published="2026-11-17", outlet="Kabar Lembah"),
        Article("future", "Berita dari masa depan.", "Masa depan", published="2099-01-01"),
        Article("undated", "Pasar dibuka kembali.", "Pasar"),
    ]
    for name, url in (("sqlite", None), ("pg", database_url)):
        index = host(tmp_path, name, url)
        ingest_articles(index, articles)
        cases = [
            (Scope(), "2026-12-02", "new"),
            (Scope(), None, "future"),
            (Scope(until="2026-11-01"), "2026-12-02", "old"),
            (Scope(source="arumpos"), "2026-12-02", "old"),
            (Scope(source="pasar"), "2026-12-02", "undated"),  # an undated article when it is all there is
            (Scope(), "2026-10-01", "undated"),
            (Scope(source="nothing"), "2026-12-02", None),
        ]
        for within, not_after, expected in cases:
            record = next(iter(index.latest_articles(within, not_after)), None)
            assert (record.source if record else None) == expected, (within, not_after)
        # the news in the plural ("ada berita apa aja?"): newest first, undated last
        assert [r.source for r in index.latest_articles(Scope(), "2026-12-02", 3)] == ["new", "old", "undated"]
        assert [r.source for r in index.latest_articles(Scope(), None, 2)] == ["future", "new"]
        assert [r.source for r in index.latest_articles(Scope(since="2026-11-01"), "2026-12-02", 5)] == ["new"]
        assert index.latest_articles(Scope(), "2026-12-02", 0) == []
        # one article, by its source exactly: not every source, title or outlet holding it
        assert [r.source for r in index.latest_articles(Scope(source="ol"), None, 3)] == ["old"]
        assert index.latest_articles(Scope(article="ol"), None, 3) == []
        assert [r.source for r in index.latest_articles(Scope(article="old"), None, 3)] == ["old"]
        # whether a date filter leaves out an undated article (a refusal's note says so)
        assert index.has_undated(Scope(since="2026-11-01")) and index.has_undated(Scope(source="pasar"))
        assert not index.has_undated(Scope(since="2026-11-01", source="arumpos"))
        assert not index.has_undated(Scope(article="old")) and index.has_undated(Scope(article="undated"))
        # the years articles were published in (a question naming another year the text lacks is
        # refused), read again once another process has written
        assert index.published_years() == frozenset({"2026", "2099"})
        ingest_articles(host(tmp_path, name, url), [Article("later", "Tahun depan.", "Depan", published="2027-01-02")])
        assert eventually(lambda index=index: "2027" in index.published_years())
        # the years one article tells of (a question naming another is refused): its title's, its
        # text's and its publication's, read again once another process has written
        assert index.article_years("old").years == frozenset({"2026"})
        assert index.article_years("undated").years == frozenset() and index.article_years("gone").years == frozenset()
        changed = Article("old", "Banjir merendam desa seperti pada 2019.", "Banjir 2018", published="2026-10-28")
        ingest_articles(host(tmp_path, name, url), [changed])
        assert eventually(lambda index=index: index.article_years("old").years == frozenset({"2018", "2019", "2026"}))


def new_role(url: str, *statements: str) -> str:
    """The URL of ``url``'s database for a new role (a name of its own: roles are the server's, not
    a database's) that may read tanya's tables there, after ``statements`` ("{role}" in them
    names it)."""
    import uuid

    import psycopg

    role = "r" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN")
        db.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        for statement in statements:
            db.execute(statement.format(role=role))
    return url.replace("tanya@", f"{role}@")


def test_a_running_reader_answers_at_once_after_the_server_restarts(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A hostile test: after a restart, with the server up again, each of the pool's idle
    connections (dead since) failed one question of a running bot or `ask --batch`."""
    index = host(tmp_path, "a", postgres_server.new_database())
    ingest_articles(index, ARTICLES[:2])
    with ThreadPool(3) as threads:  # several idle connections in the pool, as a bot's questions leave
        threads.map(lambda _: index.catalog.count_chunks(), range(6))
    postgres_server.stop()
    postgres_server.start()
    for _ in range(5):
        assert index.catalog.count_chunks() > 0


def test_while_the_server_is_away_each_read_fails_at_once_and_the_first_after_its_return_answers(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A hostile test: with PostgreSQL down, each question of a running `ask --batch` waited the
    pool's connection timeout (10 s) before its error. Once a read has found the server away, the
    next ones connect on their own, which a stopped server refuses at once: none asks the pool,
    whose requests would wait (its request count stays), and the first read after the server's
    return answers."""
    index = host(tmp_path, "a", postgres_server.new_database())
    ingest_articles(index, ARTICLES[:1])
    pool = index.catalog._pool
    postgres_server.stop()
    try:
        with pytest.raises(IndexUnavailable, match="cannot reach the database"):
            index.catalog.count_chunks()  # its pooled connection found dead
        waited = pool.get_stats().get("requests_wait_ms", 0)
        for _ in range(4):
            with pytest.raises(IndexUnavailable, match="cannot reach the database"):
                index.catalog.count_chunks()
        # none waited the pool's connection timeout (10 s; each looked for a live one 0.05 s)
        assert pool.get_stats().get("requests_wait_ms", 0) - waited < 10_000
    finally:
        postgres_server.start()
    assert index.catalog.count_chunks() > 0
    assert index.catalog.count_chunks() > 0  # and the pool's again
    assert not index.catalog._away


def test_a_read_after_the_server_was_found_away_uses_a_live_pooled_connection(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A review's: once a read had found the server away, every read connected on its own, past
    the pool, so a server refusing new connections ("too many clients") while serving the pool's
    failed them all. A live pooled connection at hand is used first, and no new one is made."""
    index = host(tmp_path, "a", postgres_server.new_database())
    ingest_articles(index, ARTICLES[:1])
    index.catalog.count_chunks()  # a pooled connection, idle now
    pool = index.catalog._pool
    asked = pool.get_stats().get("requests_num", 0)
    index.catalog._away = True  # as a read that found the server away leaves it
    assert index.catalog.count_chunks() > 0
    assert pool.get_stats().get("requests_num", 0) == asked + 1  # read on the pool's connection
    assert not index.catalog._away


def test_a_statement_that_waits_past_the_timeout_ends_with_one_line(database_url: str) -> None:
    """A hostile test: with a table another session held locked, `tanya ask` waited for ever (and
    `tanya sources` as long as the lock was held); a statement now ends after
    TANYA_DATABASE_TIMEOUT_S."""
    import psycopg

    catalog = PostgresCatalog(database_url, statement_timeout_s=0.5)
    try:
        with psycopg.connect(database_url) as locker:
            locker.execute("LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(IndexUnavailable, match=r"did not answer within 0.5 s \(TANYA_DATABASE_TIMEOUT_S\)"):
                catalog.count_chunks()
        assert catalog.count_chunks() == 0  # the lock gone, the same session reads again
    finally:
        catalog.close()


@contextlib.contextmanager
def frozen_backends(database_url: str) -> Iterator[list[int]]:
    """The database's server processes (but the one asking) stopped with SIGSTOP for the block, as
    on a paused host: its kernel still acknowledges every packet. They go on after it."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as admin:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        frozen = [int(r[0]) for r in admin.execute(query)]
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield frozen
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)


def test_a_read_from_a_server_that_froze_ends_with_one_line(database_url: str) -> None:
    """A hostile tester's, left open since the thirty-ninth session: a server whose processes are
    stopped (SIGSTOP, as a paused host: its kernel still acknowledges every packet, so neither the
    keepalives nor the server's own statement timeout end anything) left a read waiting for ever.
    A read is now given up CLIENT_GRACE_S past TANYA_DATABASE_TIMEOUT_S, in one line, and once the
    server goes on the same catalog reads again."""
    catalog = PostgresCatalog(database_url, statement_timeout_s=0.5)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            catalog.count_chunks()
        except BaseException as exc:  # the test reads what ended it
            outcome.append(exc)

    try:
        assert catalog.count_chunks() == 0
        with frozen_backends(database_url) as frozen:
            assert frozen  # the catalog's pooled connections
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            reader.join(120)  # a hang detector, not a timing: the read gives up after about 5.5 s
            assert not reader.is_alive(), "the read still waits on the frozen server"
        assert len(outcome) == 1 and isinstance(outcome[0], IndexUnavailable), outcome
        assert "did not answer within 5.5 s (TANYA_DATABASE_TIMEOUT_S and 5 s more)" in str(outcome[0])
        assert catalog.count_chunks() == 0  # the server going on, the catalog reads again
    finally:
        catalog.close()


def test_with_no_statement_timeout_of_tanya_s_a_read_of_a_frozen_server_waits_for_it(database_url: str) -> None:
    """TANYA_DATABASE_TIMEOUT_S=0 leaves the limits to the server (README): no read is given up from
    tanya's side either, however long a frozen server keeps it; it is answered once the server
    goes on."""
    catalog = PostgresCatalog(database_url, statement_timeout_s=0, client_grace_s=0.5)
    outcome: list[Any] = []
    reader = threading.Thread(target=lambda: outcome.append(catalog.count_chunks()), daemon=True)
    try:
        assert catalog.count_chunks() == 0
        with frozen_backends(database_url):
            reader.start()
            reader.join(3)  # six times the grace a limit would have had
            assert reader.is_alive() and not outcome  # still waiting on the server
        reader.join(60)
        assert outcome == [0]  # answered once the server went on
    finally:
        catalog.close()


def test_a_read_whose_limit_passes_as_its_rows_are_read_leaves_no_cut_connection_in_the_pool(
    database_url: str,
) -> None:
    """A review's: the limit may pass after the server's rows came, while the driver reads them
    into Python; the read then returns them, and its connection, whose socket was shut down, had
    gone back to the pool, where the next write met it ("server closed the connection"). It is
    closed now, and the pool makes another."""
    import psycopg
    from psycopg.types.numeric import IntLoader

    class SlowLoader(IntLoader):  # a count read slowly: the limit passes while it is read
        def load(self, data: Any) -> Any:
            time.sleep(0.6)
            return super().load(data)

    oid = psycopg.adapters.types["int8"].oid
    original = psycopg.adapters.get_loader(oid, psycopg.pq.Format.TEXT)
    assert original is not None
    psycopg.adapters.register_loader("int8", SlowLoader)  # every connection made from now on
    try:
        catalog = PostgresCatalog(database_url, statement_timeout_s=0.2, client_grace_s=0.0)
    finally:
        psycopg.adapters.register_loader("int8", original)
    try:
        assert catalog.count_chunks() == 0  # the rows had come: they are the answer
        with catalog.transaction() as db:  # a write on the pool's next connection
            db.execute("INSERT INTO meta (key, value) VALUES ('probe', 'x')")
        assert catalog.get_meta("probe") == "x"
    finally:
        catalog.close()


def test_a_role_that_may_only_read_answers_and_is_told_clearly_that_it_cannot_write(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A hostile test: every start created the migrations' table if it did not exist, which a role
    without the right to create may not ask even where it exists: a bot given a read-only role
    could not answer at all."""
    url = postgres_server.new_database()
    ingest_articles(host(tmp_path, "owner", url), ARTICLES[:2])
    reader = host(tmp_path, "reader", new_role(url, "REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    assert reader.catalog.count_chunks() > 0
    assert reader.lexical_search(["banjir"], 3)  # a question's lexical half
    with pytest.raises(IndexUnavailable, match=r"refused: permission denied .*lacks the right"):
        ingest_articles(reader, ARTICLES[2:])


def test_migrations_wait_for_another_host_s_and_run_to_their_end_past_the_statement_timeout(
    postgres_server: PostgresServer,
) -> None:
    """A review's: the statement timeout bounded the migrations too, so an index upgrading a big
    table, or a host waiting for another's migration, failed on every start."""
    import psycopg

    from ingest.store.postgres import _MIGRATION_LOCK

    url = postgres_server.new_database()
    with psycopg.connect(url) as other:  # another host migrating: it holds the lock a second
        other.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        threading.Timer(1.0, other.commit).start()
        catalog = PostgresCatalog(url, statement_timeout_s=0.2)
    try:
        assert catalog.count_chunks() == 0
    finally:
        catalog.close()


def test_a_role_with_a_schema_of_its_own_gets_an_index_of_its_own(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A review's: the check that the schema is up to date looked for tanya's table anywhere on the
    search path, so a role whose own schema comes first was sent to the public schema's index."""
    url = postgres_server.new_database()
    ingest_articles(host(tmp_path, "public", url), ARTICLES[:1])
    catalog = PostgresCatalog(new_role(url, "CREATE SCHEMA {role} AUTHORIZATION {role}"))
    try:
        assert catalog.count_chunks() == 0  # its own, in its own schema
    finally:
        catalog.close()


def test_the_read_only_role_of_the_deployment_guide_answers(tmp_path: Path, postgres_server: PostgresServer) -> None:
    """docs/deployment.md's SQL for a bot that only answers, run as written (the role named anew)."""
    import re
    import uuid

    import psycopg

    guide = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    sql = re.search(r"A role that may only read.*?```sql\n(.*?)```", guide, re.DOTALL)
    assert sql is not None
    role = "r" + uuid.uuid4().hex[:12]
    url = postgres_server.new_database()
    ingest_articles(host(tmp_path, "owner", url), ARTICLES[:1])
    with psycopg.connect(url, autocommit=True) as db:
        written = "\n".join(line for line in sql.group(1).splitlines() if not line.strip().startswith("--"))
        statements = [s for s in written.replace("tanya_bot", role).split(";") if s.strip()]
        assert len(statements) == 4
        for statement in statements:
            db.execute(statement)
    reader = host(tmp_path, "bot", url.replace("tanya@", f"{role}:change-me@"))
    assert reader.catalog.count_chunks() > 0


def test_a_timeout_of_0_leaves_the_limit_the_server_sets_for_the_database(database_url: str) -> None:
    """TANYA_DATABASE_TIMEOUT_S=0 sets none of tanya's: a limit a DBA set for the role or the
    database stands (a review's: it had been overridden with no limit at all)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        name = db.execute("SELECT current_database()").fetchone()[0]
        db.execute(f"ALTER DATABASE {name} SET statement_timeout = '4321ms'")
    for seconds, shown in ((0, "4321ms"), (2.5, "2500ms")):
        catalog = PostgresCatalog(database_url, statement_timeout_s=seconds)
        try:
            assert catalog._rows("SHOW statement_timeout") == [(shown,)]
        finally:
            catalog.close()


def test_the_old_vectors_of_a_rebuild_are_deleted_past_the_statement_timeout(tmp_path: Path, database_url: str) -> None:
    """A review's: a big index's old vector copies take long to delete; their deletion (the last step
    of `tanya reindex`) is not cut at TANYA_DATABASE_TIMEOUT_S. Here a table another session holds
    for a second stands for a long deletion."""
    import psycopg

    catalog = PostgresCatalog(database_url, statement_timeout_s=0.2)
    try:
        with psycopg.connect(database_url) as other:
            other.execute("LOCK TABLE chunk_vectors IN ACCESS EXCLUSIVE MODE")
            threading.Timer(1.0, other.commit).start()
            catalog.drop_collections(keep="tanya")
            catalog.activate_collection("tanya", "some-model")
        assert catalog.get_meta("embedding_model") == "some-model"
    finally:
        catalog.close()


def test_a_statement_an_administrator_cancels_is_neither_a_timeout_nor_run_again(database_url: str) -> None:
    """Only the session's statement timeout is reported as one, and only a read whose connection
    was found dead runs again: a cancelled statement on a live connection is not (a review's)."""
    import psycopg

    catalog = PostgresCatalog(database_url)
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("CREATE SEQUENCE runs")

        def cancel_it() -> None:
            while not db.execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT nextval%%'"
            ).fetchall():
                time.sleep(0.05)

        canceller = threading.Thread(target=cancel_it)
        canceller.start()
        try:
            with pytest.raises(IndexUnavailable) as cancelled:
                catalog._rows("SELECT nextval('runs'), pg_sleep(30)")
        finally:
            canceller.join()
            catalog.close()
        assert "user request" in str(cancelled.value) and "did not answer within" not in str(cancelled.value)
        assert db.execute("SELECT last_value FROM runs").fetchone() == (1,)


def test_terms_an_older_analyser_made_on_the_server_are_made_again_and_rank_as_fresh_ones(
    tmp_path: Path, database_url: str
) -> None:
    """The server's postings, term counts and document counts after analysing again are those an
    ingest with this analyser writes: the same ranking as a fresh SQLite index; and a migration
    from an embedded index an older analyser wrote copies it with this analyser's terms."""
    from ingest.pipeline import migrate_catalog, reanalyse
    from ingest.store.catalog import Catalog
    from tests.conftest import as_an_older_analyser_left_it

    fresh, shared = host(tmp_path, "fresh", None), host(tmp_path, "pg", database_url)
    for index in (fresh, shared):
        ingest_articles(index, ARTICLES)
    queries = (["banjir", "hilang"], ["bus", "tarif"], ["tiktok", "dirumahkan"], ["mengungsi", "masjid"])
    from ingest.text.analysis import query_terms

    as_an_older_analyser_left_it(shared)
    assert shared.terms_behind()
    stale = [shared.catalog.search(query_terms(" ".join(q)), 5, 0.5) for q in queries]
    assert any(  # the older terms rank otherwise
        not same_ranking(got, fresh.catalog.search(query_terms(" ".join(q)), 5, 0.5))
        for q, got in zip(queries, stale, strict=True)
    )
    assert reanalyse(shared).articles == 3 and not shared.terms_behind()
    for q in queries:
        terms = query_terms(" ".join(q))
        assert same_ranking(shared.catalog.search(terms, 5, 0.5), fresh.catalog.search(terms, 5, 0.5))
    # the older terms forgotten as SQLite forgets them: the same spelling variants, in the same order
    for word in ("dirumahkan", "mengungsi", "hilng", "microsft", "tarifnya"):
        assert shared.catalog.similar_terms(word) == fresh.catalog.similar_terms(word), word
    # an embedded index an older analyser wrote, migrated onto an empty database
    embedded = host(tmp_path, "embedded", None)
    ingest_articles(embedded, ARTICLES)
    as_an_older_analyser_left_it(embedded)
    with shared.writing():
        for a in ARTICLES:
            shared.remove(a.source)
    source = Catalog.read_only(tmp_path / "embedded" / "catalog.sqlite3")
    assert migrate_catalog(source, shared).copied == 3
    assert not shared.terms_behind() and sorted(shared.catalog.chunk_ids()) == sorted(embedded.catalog.chunk_ids())
    for q in queries:
        terms = query_terms(" ".join(q))
        assert same_ranking(shared.catalog.search(terms, 5, 0.5), fresh.catalog.search(terms, 5, 0.5))
    ids = sorted(embedded.catalog.chunk_ids())
    collection = embedded.collection_name
    assert shared.catalog.sentence_vectors(shared.collection_name, ids) == embedded.catalog.sentence_vectors(
        collection, ids
    )


def test_migrate_from_an_older_analysers_index_onto_one_of_the_server_s_own_keeps_one_analyser(
    tmp_path: Path, database_url: str
) -> None:
    """Both behind: the server's articles are analysed again before the embedded ones join them,
    those copied get this analyser's terms as they are copied, records and vectors kept (a
    review: the test above migrated onto an emptied server only)."""
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog
    from ingest.text.analysis import query_terms
    from tests.conftest import as_an_older_analyser_left_it

    fresh = host(tmp_path, "fresh", None)
    ingest_articles(fresh, ARTICLES)
    server = host(tmp_path, "pg", database_url)
    ingest_articles(server, ARTICLES[:1])
    as_an_older_analyser_left_it(server)
    embedded = host(tmp_path, "embedded", None)
    ingest_articles(embedded, ARTICLES)
    as_an_older_analyser_left_it(embedded)
    records = {r.source: (r.content_hash, r.ingested_at) for r in embedded.articles()}
    migrate_catalog(Catalog.read_only(tmp_path / "embedded" / "catalog.sqlite3"), server)
    assert not server.terms_behind()
    for q in (["banjir", "hilang"], ["bus", "tarif"], ["tiktok", "dirumahkan"], ["mengungsi", "masjid"]):
        terms = query_terms(" ".join(q))
        assert same_ranking(server.catalog.search(terms, 5, 0.5), fresh.catalog.search(terms, 5, 0.5)), q
    copied = {r.source: (r.content_hash, r.ingested_at) for r in server.articles() if r.source != ARTICLES[0].source}
    assert copied == {s: r for s, r in records.items() if s != ARTICLES[0].source}
    ids = embedded.catalog.chunk_ids()
    assert set(server.catalog.vectors(server.collection_name, sorted(ids))) == ids
    assert server.mirrored_ids() == server.catalog.chunk_ids()
