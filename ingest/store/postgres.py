"""The catalog on a PostgreSQL server (``TANYA_DATABASE_URL``): what ``ingest.store.catalog``
keeps in a SQLite file, in a database every host can share.

The same tables and the same guarantees: a whole article (its chunks, their lexical index, their
vectors and their sentences' vectors) lands in one transaction, so a writer killed half-way
leaves nothing for the other hosts to see; every write raises the generation counter in the
same transaction, which is how readers on every host notice it. The lexical index holds the
project's own analysed terms (the same strings SQLite's FTS5 table holds), one row per term and
chunk, and ranks with the formula FTS5's ``bm25()`` uses (k1 1.2, b 0.75, column weights, IDF
floored at 1e-6), so both backends give the same scores. Misspelt question words are matched by
character trigrams the same way. The cross-host write lock is a session advisory lock, released
by the server when its holder's connection goes away (a killed process never leaves it held).

Migrations are numbered SQL scripts applied in order, each once, by whichever process opens the
database first (under a transaction-scoped advisory lock, so two hosts starting together do not
race).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from ingest.errors import IndexBusy, IndexUnavailable, reason
from ingest.settings import hide_database_secrets, redact_database_url
from ingest.store.catalog import BUSY, PUBLISHED_YEARS_SQL, WAITING, latest_sql, scope_sql, undated_sql, years_of
from ingest.types import ArticleRecord, Chunk, Scope

logger = logging.getLogger(__name__)

# How long a generation read stands for (other hosts' writes are noticed this much later at most).
GENERATION_TTL_S = 0.25

# Advisory lock keys (any two 64-bit numbers no other application on the database uses).
_MIGRATION_LOCK = 7_351_210_001
_WRITE_LOCK = 7_351_210_002

MIGRATIONS: tuple[str, ...] = (
    # 1: the catalog as SQLite keeps it, with the lexical index as postings
    """
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE articles (
        source text PRIMARY KEY,
        title text NOT NULL,
        url text,
        published text,
        lang text NOT NULL,
        outlet text,
        content_hash text,
        chunks integer NOT NULL DEFAULT 0,
        ingested_at text NOT NULL
    );
    CREATE TABLE chunks (
        id bigserial PRIMARY KEY,
        chunk_id text NOT NULL UNIQUE,
        source text NOT NULL,
        idx integer NOT NULL,
        start_offset integer NOT NULL,
        end_offset integer NOT NULL,
        text text NOT NULL,
        tokens integer NOT NULL  -- index terms in the chunk's body and its article's title
    );
    CREATE INDEX chunks_by_source ON chunks (source, idx);
    -- how often each index term occurs in a chunk's body and its title (FTS5's two columns)
    CREATE TABLE postings (
        term text NOT NULL,
        chunk bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
        body integer NOT NULL,
        title integer NOT NULL,
        PRIMARY KEY (term, chunk)
    );
    CREATE INDEX postings_by_chunk ON postings (chunk);
    -- every index term ever stored and its character trigrams, for misspelt question words
    CREATE TABLE terms (id bigserial PRIMARY KEY, term text NOT NULL UNIQUE, grams integer NOT NULL);
    CREATE TABLE term_grams (gram text NOT NULL, term bigint NOT NULL, n integer NOT NULL, PRIMARY KEY (gram, term));
    CREATE TABLE chunk_sentences (chunk_id text PRIMARY KEY, sentences text NOT NULL);
    CREATE TABLE chunk_vectors (
        collection text NOT NULL, chunk_id text NOT NULL, vector bytea NOT NULL, PRIMARY KEY (collection, chunk_id)
    );
    CREATE TABLE sentence_vectors (
        collection text NOT NULL, chunk_id text NOT NULL, vectors bytea NOT NULL, PRIMARY KEY (collection, chunk_id)
    );
    INSERT INTO meta VALUES ('schema', '1'), ('generation', '0');
    """,
    # 2: BM25's table statistics (rows, and index terms or trigrams over all of them) kept by every
    # write, so a search reads one row instead of counting the whole table
    """
    CREATE TABLE bm25_stats (name text PRIMARY KEY, rows bigint NOT NULL, tokens bigint NOT NULL);
    INSERT INTO bm25_stats SELECT 'chunks', count(*), coalesce(sum(tokens), 0) FROM chunks;
    INSERT INTO bm25_stats SELECT 'terms', count(*), coalesce(sum(grams), 0) FROM terms;
    UPDATE meta SET value = '2' WHERE key = 'schema';
    """,
    # 3: each posting carries its row's length, so ranking reads the postings alone and looks up
    # only the k best rows
    """
    ALTER TABLE postings ADD COLUMN tokens integer;
    UPDATE postings p SET tokens = c.tokens FROM chunks c WHERE c.id = p.chunk;
    ALTER TABLE postings ALTER COLUMN tokens SET NOT NULL;
    ALTER TABLE term_grams ADD COLUMN grams integer;
    UPDATE term_grams g SET grams = t.grams FROM terms t WHERE t.id = g.term;
    ALTER TABLE term_grams ALTER COLUMN grams SET NOT NULL;
    UPDATE meta SET value = '3' WHERE key = 'schema';
    """,
    # 4: how many chunks hold each term (anywhere, and in their body), kept by every write: IDF
    # and document frequencies read one row a term instead of counting its postings
    """
    CREATE TABLE term_docs (term text PRIMARY KEY, docs integer NOT NULL, body_docs integer NOT NULL);
    INSERT INTO term_docs SELECT term, count(*), count(*) FILTER (WHERE body > 0) FROM postings GROUP BY term;
    UPDATE meta SET value = '4' WHERE key = 'schema';
    """,
)

# FTS5's bm25() over postings-like rows (``{postings}``: term, row id, frequencies, the row's
# length), for the rows of ``{table}``: IDF and the average length are over every row of the
# table, as FTS5's.
# ``{hits}`` gives (term, hits): in how many rows each of the query terms (its parameter) occurs.
# Parameters, in order: the query terms (twice), those of ``{frequency}``, those of ``{where}``,
# how many rows to return.
_BM25 = """
WITH asked AS (SELECT t AS term, count(*) AS n FROM unnest(%s::text[]) AS t GROUP BY t),
stats AS (
    SELECT rows::float8 AS rows, CASE WHEN rows > 0 THEN tokens::float8 / rows ELSE 0 END AS avgdl
    FROM bm25_stats WHERE name = '{table}'
),
idf AS (
    SELECT a.term, a.n, greatest(ln((s.rows - d.hits + 0.5) / (d.hits + 0.5)), 1e-6) AS idf
    FROM asked a
    JOIN ({hits}) d USING (term)
    CROSS JOIN stats s
),
best AS (
    SELECT p.{row} AS id, sum(i.n * i.idf * (f.freq * 2.2) / (f.freq + 1.2 * (0.25 + 0.75 * p.{length} / s.avgdl)))
        AS score
    FROM {postings} p
    JOIN idf i USING (term)
    CROSS JOIN stats s
    CROSS JOIN LATERAL (SELECT {frequency} AS freq) f
    {where}
    GROUP BY p.{row}
    ORDER BY score DESC, p.{row}
    LIMIT %s
)
SELECT {key}, best.score FROM best JOIN {table} r ON r.id = best.id ORDER BY best.score DESC, best.id
"""


_CHUNK_SELECT = """
SELECT c.chunk_id, c.source, c.idx, c.start_offset, c.end_offset, c.text, a.title, a.url, a.published, a.lang
FROM chunks c JOIN articles a ON a.source = c.source
"""


def _grams(term: str) -> Counter[str]:
    """A term's character trigrams, as FTS5's trigram tokenizer cuts them."""
    return Counter(term[i : i + 3] for i in range(len(term) - 2))


_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)")

# A server that stops answering without closing the connection (a network partition, a host
# gone) is noticed within about a minute rather than never: TCP keepalives, and a limit on data
# sent and not acknowledged (libpq's connection parameters).
DEAD_PEER: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}
# The same on the server's side of the write lock's session (settings any role may change): a
# host gone while it held the lock is noticed by the server, which frees the lock with its session.
_SERVER_DEAD_PEER = {
    "tcp_keepalives_idle": DEAD_PEER["keepalives_idle"],
    "tcp_keepalives_interval": DEAD_PEER["keepalives_interval"],
    "tcp_keepalives_count": DEAD_PEER["keepalives_count"],
    "tcp_user_timeout": DEAD_PEER["tcp_user_timeout"],
}


# A server whose processes are frozen (stopped, or a host paused whole) never answers, while its
# kernel still acknowledges every packet: neither the keepalives nor the server's own
# statement_timeout end a read waiting on it. A read still waiting this long past the statement
# timeout is given up from this side (``_deadline``); with no statement timeout of tanya's
# (TANYA_DATABASE_TIMEOUT_S=0), no read is.
CLIENT_GRACE_S = 5.0
# Once a read has found the server away, how long the next wait for a pooled connection before
# connecting on their own (``PostgresCatalog._rows``)
AWAY_POOL_WAIT_S = 0.05


@contextmanager
def _deadline(db: Any, seconds: float) -> Iterator[list[bool]]:
    """Shut ``db``'s socket down should the block run past ``seconds`` (0: never): a read blocked
    on a server that never answers then fails as on a lost connection. Yields a list that holds
    ``True`` once that happened. The socket is only shut down while the block runs, never after
    the connection went back to the pool."""
    fired: list[bool] = []
    if not seconds:
        yield fired
        return
    guard = threading.Lock()
    running = [True]

    def cut() -> None:
        with guard:
            if not running[0]:
                return
            fired.append(True)
            try:  # a duplicate of the descriptor: shutting it down shuts the connection's socket
                with socket.socket(fileno=os.dup(db.fileno())) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
            except Exception:  # a connection the driver holds closed: nothing to cut
                pass

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        with guard:
            running[0] = False
        timer.cancel()


class PostgresCatalog:
    """Articles, chunks and their lexical index in a PostgreSQL database; the same methods as
    ``ingest.store.catalog.Catalog``, safe to share between threads (a connection pool)."""

    def __init__(
        self,
        url: str,
        pool_size: int = 4,
        connect_timeout_s: float = 10.0,
        statement_timeout_s: float = 60.0,
        client_grace_s: float = CLIENT_GRACE_S,
    ) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self.where = redact_database_url(url)
        self.statement_timeout_s = statement_timeout_s
        self.client_grace_s = client_grace_s
        # how every connection is made: the pool's, and a read's own after a restart (``_rows``)
        self._options = {"autocommit": True, "connect_timeout": max(1, round(connect_timeout_s)), **DEAD_PEER}
        self._generation_seen: tuple[int, float] | None = None  # (generation, when it was read)
        # a read found the server away: the next reads wait for a pooled connection only briefly,
        # then connect on their own (``_rows``)
        self._away = False
        self._local = threading.local()
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs=self._options,
            timeout=connect_timeout_s,
            open=False,
            name="tanya",
            configure=self._configure,
        )
        try:
            # One connection first, so that a refused connection, an unknown host or database or a
            # wrong password is named at once (the pool retries them in the background until its
            # timeout and then only says it timed out).
            import psycopg

            psycopg.connect(url, connect_timeout=max(1, round(connect_timeout_s))).close()
            self._pool.open(wait=True, timeout=connect_timeout_s)
            self.migrate()
        except Exception as exc:
            self._pool.close()
            said = hide_database_secrets(reason(exc), url)
            if _timed_out(exc):
                said += f" (TANYA_DATABASE_TIMEOUT_S is {statement_timeout_s:g} s)"
            raise IndexUnavailable(f"cannot use the database {self.where}: {said}") from None

    def close(self) -> None:
        """Close every connection."""
        self._pool.close()

    def _configure(self, db: Any) -> None:
        """A new connection's session: no statement runs longer than ``statement_timeout_s``
        (``TANYA_DATABASE_TIMEOUT_S``), so a question or an ingest that meets a table another
        session holds locked, or a query stuck on the server, ends with one line instead of
        waiting for ever (a hostile tester's: `tanya ask` had hung past 100 s)."""
        if self.statement_timeout_s:  # 0: the server's own limit, a role's or a database's, stands
            db.execute(f"SET statement_timeout = {round(self.statement_timeout_s * 1000)}")

    # ----- schema ---------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply the migrations the database has not had yet; return how many were applied. A
        database already up to date is only read: a role that may read it and not change its
        schema (a bot that only answers) can use it (``CREATE TABLE IF NOT EXISTS`` needs the
        right to create, even where the table exists: a hostile tester's)."""
        with self._pool.connection() as db:
            # in the schema the slow path would create it in, not anywhere on the search path (a
            # role with a schema of its own had been given the public one's index: a review's)
            exists = db.execute(
                "SELECT to_regclass(quote_ident(current_schema()) || '.tanya_migrations') IS NOT NULL"
            ).fetchone()
            if exists and exists[0]:
                done = {int(r[0]) for r in db.execute("SELECT version FROM tanya_migrations").fetchall()}
                if done.issuperset(range(1, len(MIGRATIONS) + 1)):
                    self._refuse_newer(done)
                    return 0
        with self._pool.connection() as db, db.transaction():
            # a migration of a big table, or the wait for another host's, runs to its end (it had
            # been cut at TANYA_DATABASE_TIMEOUT_S on every start: a review's)
            db.execute("SET LOCAL statement_timeout = 0")
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS tanya_migrations "
                "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {int(r[0]) for r in db.execute("SELECT version FROM tanya_migrations").fetchall()}
            if not done:  # a database of something else's that holds tables tanya would make: not touched
                ours = sorted({t for script in MIGRATIONS for t in _TABLE.findall(script)})
                theirs = [
                    r[0]
                    for r in db.execute(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY table_name",
                        (ours,),
                    ).fetchall()
                ]
                if theirs:
                    raise IndexUnavailable(
                        f"not a tanya index: it holds tables tanya would make ({', '.join(theirs)}); "
                        "give tanya a database of its own"
                    )
            applied = 0
            for version, script in enumerate(MIGRATIONS, start=1):
                if version in done:
                    continue
                db.execute(script)
                db.execute("INSERT INTO tanya_migrations (version) VALUES (%s)", (version,))
                applied += 1
            self._refuse_newer(done)
            return applied

    def _refuse_newer(self, done: set[int]) -> None:
        """Refuse a database whose schema a newer tanya set up."""
        newer = max(done, default=0)
        if newer > len(MIGRATIONS):
            raise IndexUnavailable(
                f"set up by a newer tanya (schema {newer}, this one knows {len(MIGRATIONS)}); "
                "upgrade tanya on this host"
            )

    # ----- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """Run a block in one write transaction: all of it lands, or none of it. Under the write
        lock (``write_lock``, in the thread that holds it) the transaction runs on the lock's own
        connection: if that session ends (a restart, ``idle_session_timeout``, a terminated
        backend), the server frees the lock with it, and no catalog write can go on without it.
        (Writes from another thread are not under the lock; none are made. A transaction begun
        inside another on the lock's session is a savepoint of it.)"""
        held = getattr(self._local, "lock_db", None)
        with self._lost("lost the database"), nullcontext(held) if held is not None else self._pool.connection() as db:
            with db.transaction():
                yield db
            self._generation_seen = None  # committed: the next read sees this write

    @contextmanager
    def _lost(self, what: str) -> Iterator[None]:
        """A server lost or out of reach in the block is ``IndexUnavailable``: ``what``, where
        (its password hidden) and why, in one line."""
        try:
            yield
        except Exception as exc:
            if _timed_out(exc):
                raise IndexUnavailable(
                    f"the database {self.where} did not answer within {self.statement_timeout_s:g} s "
                    f"(TANYA_DATABASE_TIMEOUT_S): {reason(exc)}"
                ) from None
            if _is_connection_error(exc):
                raise IndexUnavailable(f"{what} {self.where}: {reason(exc)}") from None
            if _not_allowed(exc):
                raise IndexUnavailable(
                    f"the database {self.where} refused: {reason(exc)} "
                    "(the role TANYA_DATABASE_URL names lacks the right)"
                ) from None
            raise

    def _rows(self, sql: str, params: Any = None) -> list[Any]:
        """A read's rows. A read whose pooled connection is dead (the server restarted since the
        pool last used it) runs once more on a connection of its own, and once the server is
        seen back the pool's idle connections are tried and the dead ones replaced: each of them
        had failed one question of a running bot after a restart, the server up again (a
        hostile tester's). With the server still away, the first error stands at once. (Trying
        every connection before it is handed out, the pool's ``check``, or asking the pool
        again, made it wait out its reconnection back-off after an outage, past ten seconds.)
        Once a read has found the server away, the next ones wait for a live pooled connection
        only ``AWAY_POOL_WAIT_S``, then connect on their own, until one reaches it: each question
        of a running `ask --batch` had waited the pool's connection timeout (10 s) for its error
        while the server was away (a hostile tester's).
        A read still waiting ``CLIENT_GRACE_S`` past the statement timeout is given up: a server
        frozen with its connections open had left it waiting for ever (a hostile tester's)."""
        import psycopg

        had: list[Any] = []  # the pooled connection the read ran on, once it had one
        limit = self.statement_timeout_s + self.client_grace_s if self.statement_timeout_s else 0.0
        with self._lost("cannot reach the database"):
            # the server found away: a live pooled connection at hand is still used (a server
            # refusing new connections, "too many clients", may serve those it has), else one of
            # its own, refused at once while the server is away
            wait = AWAY_POOL_WAIT_S if self._away else None
            try:
                with self._pool.connection(timeout=wait) as db:
                    had.append(db)
                    rows = self._read_on(db, sql, params, limit)
                self._away = False
                return rows
            except psycopg.OperationalError:
                # a statement ended on a live connection (a timeout, a cancel) is the read's error
                if had and not had[0].broken:
                    raise
                if not had and not self._away:
                    # the pool's own timeout: the server away (or every connection busy); the next
                    # reads look for a live connection briefly, then connect on their own
                    self._away = True
                    raise
                return self._read_alone(sql, params, limit)

    def _read_alone(self, sql: str, params: Any, limit: float) -> list[Any]:
        """``_rows`` on a connection of its own, the server found away or a pooled connection
        dead: while the server is away it fails at once (and is marked so, ``_away``); once it is
        back the pool's dead idle connections are replaced and reads use the pool again."""
        import psycopg

        try:
            fresh = psycopg.connect(self.url, **self._options)
        except psycopg.OperationalError:
            self._away = True
            raise
        self._away = False
        with fresh:
            self._configure(fresh)
            rows = self._read_on(fresh, sql, params, limit)
        self._pool.check()
        return rows

    def _read_on(self, db: Any, sql: str, params: Any, limit: float) -> list[Any]:
        """The rows of ``sql`` read on ``db``, given up after ``limit`` seconds (``_deadline``)."""
        import psycopg

        rows: list[Any] | None = None
        with _deadline(db, limit) as cut:
            try:
                rows = list(db.execute(sql, params).fetchall())
            except psycopg.OperationalError:
                if not cut:
                    raise
        if cut:
            # its socket is shut down, whether or not the rows came first (the timer may fire while
            # they are read into Python): never back into the pool, where a write would meet it
            # (a review's)
            db.close()
        if rows is None:
            raise IndexUnavailable(
                f"the database {self.where} did not answer within {limit:g} s (TANYA_DATABASE_TIMEOUT_S "
                f"and {self.client_grace_s:g} s more): the server does not respond"
            )
        return rows

    @contextmanager
    def write_lock(self, timeout_s: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the cross-host write lock (a session advisory lock on a connection of its own)
        for a block, waiting up to ``timeout_s`` for another host to release it."""

        def take(db: Any) -> bool:
            row = db.execute("SELECT pg_try_advisory_lock(%s)", (_WRITE_LOCK,)).fetchone()
            return bool(row and row[0])

        with self._pool.connection() as db:
            with self._lost("cannot reach the database"):
                if not take(db):
                    if on_wait is not None:
                        on_wait(WAITING.format(timeout_s=timeout_s))
                    deadline = time.monotonic() + timeout_s
                    while not take(db):
                        if time.monotonic() >= deadline:
                            raise IndexBusy(BUSY)
                        time.sleep(0.1)
            try:
                with self._lost("lost the database"):
                    if db.info.server_version >= 140000:  # a session idle between writes is not ended for it
                        db.execute("SET idle_session_timeout = 0")
                    # the server's side notices a host gone as ours notices a server gone
                    # (``DEAD_PEER``): it frees the lock with the session, where the operating
                    # system's keepalives had held it for two hours (a hostile tester's)
                    for setting, value in _SERVER_DEAD_PEER.items():
                        db.execute(f"SET {setting} = {int(value)}")
                self._local.lock_db = db  # this thread's writes go through the lock's session
                yield
            finally:
                self._local.lock_db = None
                self._release(db)

    @staticmethod
    def _release(db: Any) -> None:
        """Free the write lock and give the session back as it came. A session that cannot (a
        statement cancelled, a server gone) is closed, and the server frees the lock with it:
        never is a connection pooled that still holds the lock, which another write of this
        process would take a second time and free only once."""
        try:
            db.execute("SELECT pg_advisory_unlock(%s)", (_WRITE_LOCK,))
            if db.info.server_version >= 140000:
                db.execute("RESET idle_session_timeout")
            for setting in _SERVER_DEAD_PEER:
                db.execute(f"RESET {setting}")
        except Exception as exc:
            if not (db.closed or db.broken):
                logger.warning("could not free the write lock (%s); closing its connection", type(exc).__name__)
                db.close()

    # ----- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """Return a stored setting of the index, or ``None``."""
        rows = self._rows("SELECT value FROM meta WHERE key = %s", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str, bump: bool = False) -> None:
        """Store a setting of the index (``bump`` as ``Catalog.set_meta``)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (key, value)
            )
            if bump:
                self._bump_generation(db)

    def _bump_generation(self, db: Any) -> None:
        (after,) = db.execute(
            "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation' RETURNING value::bigint"
        ).fetchone()
        self._local.last_write = (int(after) - 1, int(after))

    def last_write(self) -> tuple[int, int] | None:
        """``(generation before, generation after)`` of this thread's latest write."""
        value: tuple[int, int] | None = getattr(self._local, "last_write", None)
        return value

    def generation(self) -> int:
        """A counter every write to the index increases, on whichever host it was made. Read
        at most every ``GENERATION_TTL_S`` (answering a question asks several times); this
        process's own writes are seen at once."""
        now = time.monotonic()
        seen = self._generation_seen
        if seen is not None and now - seen[1] < GENERATION_TTL_S:
            return seen[0]
        value = self.get_meta("generation")
        generation = int(value) if value else 0
        self._generation_seen = (generation, now)
        return generation

    # ----- articles -------------------------------------------------------------------------

    def article(self, source: str) -> ArticleRecord | None:
        """Return the record of ``source``, or ``None`` when it is not indexed."""
        rows = self._rows("SELECT * FROM articles WHERE source = %s", (source,))
        return ArticleRecord(*rows[0]) if rows else None

    def articles(self) -> list[ArticleRecord]:
        """Return every indexed article, newest first."""
        rows = self._rows("SELECT * FROM articles ORDER BY ingested_at DESC, source")
        return [ArticleRecord(*row) for row in rows]

    def latest_articles(self, within: Scope, not_after: str | None = None, limit: int = 1) -> list[ArticleRecord]:
        """The ``limit`` articles published last (``latest_sql``)."""
        sql, params = latest_sql(within, not_after, limit, "%s", "lower", '"C"')
        return [ArticleRecord(*row) for row in self._rows(sql, tuple(params))]

    def has_undated(self, within: Scope) -> bool:
        """Whether an article without a date passes ``within``'s other filters (``undated_sql``)."""
        sql, params = undated_sql(within, "%s", "lower")
        return bool(self._rows(sql, tuple(params)))

    def published_years(self) -> frozenset[str]:
        """The years the indexed articles were published in (``PUBLISHED_YEARS_SQL``)."""
        return years_of(row[0] for row in self._rows(PUBLISHED_YEARS_SQL))

    def put_article(
        self,
        record: ArticleRecord,
        chunks: Sequence[tuple[str, int, int, int, str]],
        terms: Sequence[str],
        title_terms: str,
        vectors: tuple[str, str, Sequence[bytes | None]] | None = None,
        sentences: Sequence[str] | None = None,
        sentence_vectors: Sequence[bytes | None] | None = None,
    ) -> None:
        """Replace the article and all its chunks in one transaction (arguments as
        ``Catalog.put_article``)."""
        title = Counter(title_terms.split())
        with self.transaction() as db:
            self._delete_chunks(db, record.source)
            if vectors is not None:
                collection, model, blobs = vectors
                db.execute("INSERT INTO meta VALUES ('embedding_model', %s) ON CONFLICT DO NOTHING", (model,))
                db.execute("INSERT INTO meta VALUES ('collection', %s) ON CONFLICT DO NOTHING", (collection,))
                _upsert_blobs(db, "chunk_vectors", "vector", collection, [c[0] for c in chunks], blobs)
                _upsert_blobs(
                    db, "sentence_vectors", "vectors", collection, [c[0] for c in chunks], sentence_vectors or ()
                )
            db.execute(
                "INSERT INTO articles VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (source) DO UPDATE SET "
                "title = EXCLUDED.title, url = EXCLUDED.url, published = EXCLUDED.published, lang = EXCLUDED.lang, "
                "outlet = EXCLUDED.outlet, content_hash = EXCLUDED.content_hash, chunks = EXCLUDED.chunks, "
                "ingested_at = EXCLUDED.ingested_at",
                (
                    record.source,
                    record.title,
                    record.url,
                    record.published,
                    record.lang,
                    record.outlet,
                    record.content_hash,
                    len(chunks),
                    record.ingested_at,
                ),
            )
            self._add_terms(db, {t for body in terms for t in body.split()} | set(title))
            self._bump_generation(db)
            if sentences is not None:
                with db.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO chunk_sentences VALUES (%s, %s) ON CONFLICT (chunk_id) DO UPDATE "
                        "SET sentences = EXCLUDED.sentences",
                        [(c[0], js) for c, js in zip(chunks, sentences, strict=True)],
                    )
            written = 0
            for (chunk_id, idx, start, end, text), body in zip(chunks, terms, strict=True):
                body_terms = Counter(body.split())
                length = body_terms.total() + title.total()
                written += length
                (row,) = db.execute(
                    "INSERT INTO chunks (chunk_id, source, idx, start_offset, end_offset, text, tokens) "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                    (chunk_id, record.source, idx, start, end, text, length),
                ).fetchone()
                with db.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO postings (term, chunk, body, title, tokens) VALUES (%s, %s, %s, %s, %s)",
                        [(t, row, body_terms[t], title[t], length) for t in body_terms.keys() | title.keys()],
                    )
            self._count(db, "chunks", len(chunks), written)
            db.execute(
                "INSERT INTO term_docs SELECT term, count(*), count(*) FILTER (WHERE body > 0) FROM postings "
                "WHERE chunk IN (SELECT id FROM chunks WHERE source = %s) GROUP BY term "
                "ON CONFLICT (term) DO UPDATE SET docs = term_docs.docs + EXCLUDED.docs, "
                "body_docs = term_docs.body_docs + EXCLUDED.body_docs",
                (record.source,),
            )

    @classmethod
    def _add_terms(cls, db: Any, terms: Iterable[str]) -> None:
        """Remember new index terms with their trigrams."""
        fresh = sorted(terms)
        if not fresh:
            return
        known = {r[0] for r in db.execute("SELECT term FROM terms WHERE term = ANY(%s)", (fresh,)).fetchall()}
        new = [t for t in fresh if t not in known]
        if not new:
            return
        sizes = {t: _grams(t) for t in new}
        # one statement for all the article's new terms, one for all their trigrams
        rows = db.execute(
            "INSERT INTO terms (term, grams) SELECT * FROM unnest(%s::text[], %s::integer[]) "
            "ON CONFLICT (term) DO NOTHING RETURNING id, term",
            (new, [sizes[t].total() for t in new]),
        ).fetchall()
        grams = [(g, row_id, n, sizes[term].total()) for row_id, term in rows for g, n in sizes[term].items()]
        if grams:
            db.execute(
                "INSERT INTO term_grams (gram, term, n, grams) "
                "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::integer[], %s::integer[])",
                tuple(list(column) for column in zip(*grams, strict=True)),
            )
        added, grams_added = len(rows), sum(sizes[term].total() for _, term in rows)
        cls._count(db, "terms", added, grams_added)

    def delete_article(self, source: str) -> bool:
        """Remove an article and its chunks; return whether it was there."""
        with self.transaction() as db:
            self._delete_chunks(db, source)
            self._bump_generation(db)
            return bool(db.execute("DELETE FROM articles WHERE source = %s", (source,)).rowcount > 0)

    @staticmethod
    def _count(db: Any, name: str, rows: int, tokens: int) -> None:
        """Keep ``bm25_stats`` in step with a write (in its transaction)."""
        if rows or tokens:
            db.execute(
                "UPDATE bm25_stats SET rows = rows + %s, tokens = tokens + %s WHERE name = %s", (rows, tokens, name)
            )

    @classmethod
    def _delete_chunks(cls, db: Any, source: str) -> None:
        chunks = db.execute("SELECT chunk_id, tokens FROM chunks WHERE source = %s", (source,)).fetchall()
        if not chunks:
            return
        ids = [chunk_id for chunk_id, _ in chunks]
        cls._count(db, "chunks", -len(chunks), -sum(int(tokens) for _, tokens in chunks))
        db.execute(
            "UPDATE term_docs t SET docs = t.docs - d.n, body_docs = t.body_docs - d.b FROM "
            "(SELECT term, count(*) AS n, count(*) FILTER (WHERE body > 0) AS b FROM postings "
            " WHERE chunk IN (SELECT id FROM chunks WHERE source = %s) GROUP BY term) d WHERE t.term = d.term",
            (source,),
        )
        for table in ("chunk_vectors", "chunk_sentences", "sentence_vectors"):
            db.execute(f"DELETE FROM {table} WHERE chunk_id = ANY(%s)", (ids,))
        db.execute("DELETE FROM chunks WHERE source = %s", (source,))  # postings go with them

    # ----- vectors --------------------------------------------------------------------------

    def activate_collection(self, name: str, model: str) -> None:
        """Point readers at another vector collection built with ``model`` and drop the other
        collections' vector copies, in one transaction."""
        with self.transaction() as db:
            db.execute("SET LOCAL statement_timeout = 0")  # a big index's old copies take long to delete
            for key, value in (("collection", name), ("embedding_model", model)):
                db.execute(
                    "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (key, value),
                )
            db.execute("DELETE FROM chunk_vectors WHERE collection <> %s", (name,))
            db.execute("DELETE FROM sentence_vectors WHERE collection <> %s", (name,))
            self._bump_generation(db)

    def holds_other_collections(self, keep: str) -> bool:
        """As ``Catalog.holds_other_collections``."""
        return any(
            self._rows(f"SELECT 1 FROM {table} WHERE collection {op} %s LIMIT 1", (keep,))
            for table in ("chunk_vectors", "sentence_vectors")
            for op in ("<", ">")
        )

    def drop_collections(self, keep: str) -> None:
        """Delete the vectors of every collection but ``keep``."""
        with self.transaction() as db:
            db.execute("SET LOCAL statement_timeout = 0")  # as in ``activate_collection``
            db.execute("DELETE FROM chunk_vectors WHERE collection <> %s", (keep,))
            db.execute("DELETE FROM sentence_vectors WHERE collection <> %s", (keep,))

    def put_vectors(
        self,
        collection: str,
        vectors: Sequence[tuple[str, bytes]],
        sentence_vectors: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Store ``(chunk_id, float32 bytes)`` copies and sentence vectors for a collection being built."""
        with self.transaction() as db:
            _upsert_blobs(db, "chunk_vectors", "vector", collection, [v[0] for v in vectors], [v[1] for v in vectors])
            _upsert_blobs(
                db,
                "sentence_vectors",
                "vectors",
                collection,
                [v[0] for v in sentence_vectors],
                [v[1] for v in sentence_vectors],
            )

    def sentence_vectors(self, collection: str, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """Return the stored sentence vectors (float16 bytes) of these chunks."""
        rows = self._rows(
            "SELECT chunk_id, vectors FROM sentence_vectors WHERE collection = %s AND chunk_id = ANY(%s)",
            (collection, list(dict.fromkeys(chunk_ids))),
        )
        return {str(cid): bytes(blob) for cid, blob in rows}

    def vector_collection(self) -> str | None:
        """The collection of some stored vector (``None`` when there is none)."""
        rows = self._rows("SELECT collection FROM chunk_vectors LIMIT 1")
        return str(rows[0][0]) if rows else None

    def all_vectors(self, collection: str) -> tuple[list[str], list[bytes]]:
        """Return every chunk id of a collection with its vector copy (float32 bytes)."""
        rows = self._rows("SELECT chunk_id, vector FROM chunk_vectors WHERE collection = %s", (collection,))
        return [str(r[0]) for r in rows], [bytes(r[1]) for r in rows]

    def vectors(self, collection: str, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """Return the stored vector copies (float32 bytes) of these chunks."""
        rows = self._rows(
            "SELECT chunk_id, vector FROM chunk_vectors WHERE collection = %s AND chunk_id = ANY(%s)",
            (collection, list(dict.fromkeys(chunk_ids))),
        )
        return {str(cid): bytes(blob) for cid, blob in rows}

    # ----- chunks ---------------------------------------------------------------------------

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """Return the stored analysed sentences (JSON) of these chunks."""
        rows = self._rows(
            "SELECT chunk_id, sentences FROM chunk_sentences WHERE chunk_id = ANY(%s)",
            (list(dict.fromkeys(chunk_ids)),),
        )
        return {str(cid): str(js) for cid, js in rows}

    def iter_chunks(self, batch: int = 256) -> Iterator[list[Chunk]]:
        """Yield every stored chunk, in batches, in storage order."""
        last = 0
        while True:
            rows = self._rows(
                _CHUNK_SELECT.replace("SELECT ", "SELECT c.id, ", 1) + " WHERE c.id > %s ORDER BY c.id LIMIT %s",
                (last, batch),
            )
            if not rows:
                return
            last = int(rows[-1][0])
            yield [Chunk(*row[1:]) for row in rows]

    def chunk_ids(self, source: str | None = None) -> set[str]:
        """Return the ids of all chunks (of one article when ``source`` is given)."""
        if source is None:
            return {str(r[0]) for r in self._rows("SELECT chunk_id FROM chunks")}
        return {str(r[0]) for r in self._rows("SELECT chunk_id FROM chunks WHERE source = %s", (source,))}

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """Return the stored chunks with these ids (missing ids are left out)."""
        rows = self._rows(f"{_CHUNK_SELECT} WHERE c.chunk_id = ANY(%s)", (list(dict.fromkeys(chunk_ids)),))
        return {row[0]: Chunk(*row) for row in rows}

    def chunks_of(self, source: str) -> list[Chunk]:
        """Return the chunks of one article in order."""
        rows = self._rows(f"{_CHUNK_SELECT} WHERE c.source = %s ORDER BY c.idx", (source,))
        return [Chunk(*row) for row in rows]

    def count_chunks(self) -> int:
        """Return how many chunks are indexed."""
        return int(self._rows("SELECT count(*) FROM chunks")[0][0])

    def count_vectors(self, collection: str) -> int:
        """Return how many chunks have a vector stored for ``collection``."""
        return int(self._rows("SELECT count(*) FROM chunk_vectors WHERE collection = %s", (collection,))[0][0])

    # ----- lexical search -------------------------------------------------------------------

    def search(
        self, terms: Sequence[str], k: int, title_weight: float = 0.0, within: Scope | None = None
    ) -> list[tuple[str, float]]:
        """Return up to ``k`` ``(chunk_id, bm25)`` pairs matching any of ``terms``, best first,
        among the chunks of the articles ``within`` lets through."""
        if not terms or k <= 0:
            return []
        where, params = "", list[Any]()
        if within is not None and not within.empty:
            conditions, params = scope_sql(within, "%s", "lower")
            chosen = f"SELECT c.id FROM chunks c JOIN articles a ON a.source = c.source WHERE {conditions}"
            where = f"WHERE p.chunk IN ({chosen})"
        rows = self._ranked(
            "chunks",
            "postings",
            "chunk",
            "r.chunk_id",
            "tokens",
            "p.body + %s * p.title",
            where,
            [list(terms), list(terms), title_weight, *params, k],
            "SELECT term, docs::float8 AS hits FROM term_docs WHERE term = ANY(%s) AND docs > 0",
        )
        return [(str(r[0]), float(r[1])) for r in rows]

    def _ranked(
        self,
        table: str,
        postings: str,
        row: str,
        key: str,
        length: str,
        frequency: str,
        where: str,
        params: list[Any],
        hits: str | None = None,
    ) -> list[Any]:
        """Rows of ``table`` ranked by BM25 as FTS5 ranks them (``_BM25``); ``hits`` defaults to
        counting the postings."""
        hits = hits or f"SELECT term, count(*)::float8 AS hits FROM {postings} AS x WHERE term = ANY(%s) GROUP BY term"
        sql = _BM25.format(
            table=table, postings=postings, row=row, key=key, length=length, frequency=frequency, where=where, hits=hits
        )
        return self._rows(sql, params)

    def chunk_ids_in(self, within: Scope) -> frozenset[str]:
        """The ids of the chunks of the articles ``within`` lets through."""
        conditions, params = scope_sql(within, "%s", "lower")
        rows = self._rows(
            f"SELECT c.chunk_id FROM chunks c JOIN articles a ON a.source = c.source WHERE {conditions}", params
        )
        return frozenset(str(r[0]) for r in rows)

    def prune_terms(self) -> int:
        """Forget the terms no chunk holds any more (as ``Catalog.prune_terms``), their trigrams
        and their share of the trigram index's statistics; return how many."""
        with self.transaction() as db:
            dead = db.execute(
                "SELECT id, grams FROM terms t WHERE NOT EXISTS "
                "(SELECT 1 FROM term_docs d WHERE d.term = t.term AND d.docs > 0)"
            ).fetchall()
            if not dead:
                return 0
            ids = [row_id for row_id, _ in dead]
            db.execute("DELETE FROM term_grams WHERE term = ANY(%s)", (ids,))
            db.execute("DELETE FROM terms WHERE id = ANY(%s)", (ids,))
            self._count(db, "terms", -len(dead), -sum(grams for _, grams in dead))
            return len(dead)

    def similar_terms(self, term: str, limit: int = 20) -> list[str]:
        """Return stored terms sharing the most character trigrams with ``term`` (best first,
        ranked by BM25 over trigrams, as FTS5's trigram index ranks them)."""
        grams = sorted(_grams(term.replace('"', "")))
        if not grams:
            return []
        rows = self._ranked(
            "terms",
            "(SELECT gram AS term, term AS row_id, n, grams FROM term_grams)",
            "row_id",
            "r.term",
            "grams",
            "p.n",
            "",
            [grams, grams, limit],
        )
        return [str(r[0]) for r in rows]

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Return in how many chunks' bodies each term occurs (0 when in none)."""
        out = dict.fromkeys(terms, 0)
        if terms:
            for term, n in self._rows(
                "SELECT term, body_docs FROM term_docs WHERE body_docs > 0 AND term = ANY(%s)", (list(terms),)
            ):
                out[str(term)] = int(n)
        return out


def _upsert_blobs(
    db: Any, table: str, column: str, collection: str, ids: Sequence[str], blobs: Iterable[bytes | None]
) -> None:
    rows = [(collection, cid, blob) for cid, blob in zip(ids, blobs, strict=False) if blob is not None]
    if rows:
        with db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s) ON CONFLICT (collection, chunk_id) "
                f"DO UPDATE SET {column} = EXCLUDED.{column}",
                rows,
            )


def _timed_out(exc: BaseException) -> bool:
    """Whether a statement was ended by the session's ``statement_timeout`` (not cancelled by an
    administrator: "due to user request"; a server whose messages are in another language says
    neither, and its error is the plain one)."""
    import psycopg

    return isinstance(exc, psycopg.errors.QueryCanceled) and "statement timeout" in str(exc)


def _not_allowed(exc: BaseException) -> bool:
    """Whether the server refused a statement to the connection's role (a role that may only read,
    asked to write)."""
    import psycopg

    return isinstance(exc, psycopg.errors.InsufficientPrivilege)


def _is_connection_error(exc: BaseException) -> bool:
    import psycopg
    from psycopg_pool import PoolTimeout

    return isinstance(exc, psycopg.OperationalError | PoolTimeout)
