"""The SQLite side of the index: articles, chunk texts and a BM25 (FTS5) lexical index.

Every process opens its own connections; SQLite's WAL mode lets readers see each commit of
a writer in another process at once, and a whole article is written in one transaction, so
the lexical side never holds half an article.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.errors import BadInput, IndexBusy, IndexUnavailable
from ingest.types import ArticleRecord, Chunk, Scope

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    url TEXT,
    published TEXT,
    lang TEXT NOT NULL,
    outlet TEXT,
    content_hash TEXT,            -- NULL in indexes written before whole articles went in one transaction
    chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source, idx);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    body, title, tokenize = "unicode61 remove_diacritics 0 tokenchars '.,'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'col');
-- Every index term ever stored, searchable by character trigrams, to match misspelt question
-- words ("homeostatis" -> "homeostasis"). Terms of removed articles may linger: harmless, since
-- a candidate is only used when it still occurs in some chunk.
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
-- Each chunk's sentences with their index terms, as JSON [[start, end, "term term"], ...]
-- (offsets into the chunk text), so answering does not analyse passages again.
CREATE TABLE IF NOT EXISTS chunk_sentences (chunk_id TEXT PRIMARY KEY, sentences TEXT NOT NULL) WITHOUT ROWID;
-- A copy of each chunk's vector (float32), per vector collection: re-ranking BM25 candidates
-- reads them here, in the same snapshot as the chunks, without opening Chroma.
CREATE TABLE IF NOT EXISTS chunk_vectors (
    collection TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (collection, chunk_id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS terms_trigrams USING fts5(term, tokenize = 'trigram');
-- One vector per sentence of each chunk (float16, sentences in order, as chunk_sentences), per
-- collection: answering compares them with the question to find the sentence that answers.
CREATE TABLE IF NOT EXISTS sentence_vectors (
    collection TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    vectors BLOB NOT NULL,
    PRIMARY KEY (collection, chunk_id)
) WITHOUT ROWID;
"""


def scope_sql(within: Scope, mark: str = "?", fold: str = "fold") -> tuple[str, list[Any]]:
    """The SQL condition on ``articles a`` for a scope, and its parameters (``mark`` is the
    driver's placeholder, ``fold`` the SQL function that lower-cases any letter: SQLite's own
    lower() folds ASCII only, so the SQLite catalog registers Python's as ``fold``). Dates compare
    as ISO text on their first ten characters (a stored date may carry a time); an article
    without one is outside any range."""
    conditions: list[str] = ["1 = 1"]
    params: list[Any] = []
    if within.since:
        conditions.append(f"a.published IS NOT NULL AND substr(a.published, 1, 10) >= {mark}")
        params.append(within.since)
    if within.until:
        conditions.append(f"a.published IS NOT NULL AND substr(a.published, 1, 10) <= {mark}")
        params.append(within.until)
    if within.source:
        needle = "%" + within.source.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = f"LIKE {mark} ESCAPE '\\'"
        conditions.append(
            f"({fold}(a.source) {like} OR {fold}(coalesce(a.url, '')) {like} "
            f"OR {fold}(a.title) {like} OR {fold}(coalesce(a.outlet, '')) {like})"
        )
        params += [needle] * 4
    if within.article:
        conditions.append(f"a.source = {mark}")
        params.append(within.article)
    return " AND ".join(conditions), params


def latest_sql(
    within: Scope, not_after: str | None, limit: int, mark: str = "?", fold: str = "fold", binary: str = "BINARY"
) -> tuple[str, list[Any]]:
    """The query for the ``limit`` articles published last among those ``within`` lets through,
    newest first (of those published the same day, the one indexed last first; undated articles
    after every dated one), leaving out those published after ``not_after`` (ISO date): what
    "the news" is. ``mark`` and ``fold`` as for ``scope_sql``; sources compare byte by byte, by
    the collation ``binary`` names (PostgreSQL's default would order them by its locale)."""
    conditions, params = scope_sql(within, mark, fold)
    if not_after:
        conditions += f" AND (a.published IS NULL OR substr(a.published, 1, 10) <= {mark})"
        params.append(not_after)
    sql = (
        f"SELECT a.* FROM articles a WHERE {conditions} ORDER BY a.published IS NULL, "
        f"substr(a.published, 1, 10) DESC, a.ingested_at DESC, a.source COLLATE {binary} LIMIT {mark}"
    )
    return sql, [*params, max(limit, 0)]


# The years articles were published in: the first four characters of their ISO dates.
PUBLISHED_YEARS_SQL = "SELECT DISTINCT substr(published, 1, 4) FROM articles WHERE published IS NOT NULL"


def years_of(rows: Iterable[Any]) -> frozenset[str]:
    """The four-figure years among ``rows`` (a date stored otherwise gives none)."""
    return frozenset(str(y) for y in rows if isinstance(y, str) and len(y) == 4 and y.isdigit())


def undated_sql(within: Scope, mark: str = "?", fold: str = "fold") -> tuple[str, list[Any]]:
    """The query for whether an article without a date passes ``within``'s other filters (its
    source, its article): one row or none, no chunk read."""
    conditions, params = scope_sql(dataclasses.replace(within, since=None, until=None), mark, fold)
    return f"SELECT 1 FROM articles a WHERE a.published IS NULL AND {conditions} LIMIT 1", params


def _fold(value: str | None) -> str | None:
    return None if value is None else value.lower()


_CHUNK_SELECT = """
SELECT c.chunk_id, c.source, c.idx, c.start, c.end, c.text, a.title, a.url, a.published, a.lang
FROM chunks c JOIN articles a ON a.source = c.source
"""


# What a writer says while it waits for the write lock, and when it gives up (both catalogs).
WAITING = "another tanya process is writing to the index; waiting up to {timeout_s:g} s"
BUSY = "another tanya process is still writing to the index; try again when it has finished"

# How long a connection waits for another process's lock before "database is locked".
_BUSY_TIMEOUT_S = 30.0


def _use_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Switch a new database file to WAL (the mode is kept in the file). Two processes creating
    the same index at once can get "database is locked" here without SQLite's busy handler
    waiting, so the switch is retried until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is not a database or is corrupt (truncated, overwritten),
    as opposed to being busy, read-only or on a full disk."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(error) or "not a database" in str(error)


def unreadable(error: sqlite3.DatabaseError) -> IndexUnavailable | None:
    """The one-line error for SQLite finding a database damaged, or failing to read or write it,
    after it was opened (a page overwritten inside a file whose header is whole; a device behind
    it); ``None`` for any other database error. SQLite's error does not say which file: it is most
    likely the index's catalog, and may be the feedback store of ``tanya bot``."""
    code = getattr(error, "sqlite_errorcode", None)
    which = (
        "the index's catalog (catalog.sqlite3 in the data folder: TANYA_DATA_DIR, or the folder the "
        "command was given) or, for `tanya bot`, its feedback.sqlite3"
    )
    if is_damage(error):
        return IndexUnavailable(
            f"a database tanya uses is damaged ({error}): {which}; move the damaged file's folder aside (the "
            "index is rebuilt by ingesting your articles again), or run with --debug to see where it failed"
        )
    if code is not None and code & 0xFF == sqlite3.SQLITE_IOERR:
        return IndexUnavailable(f"a database tanya uses could not be read or written ({error}): {which}")
    return None


def _cannot_write(error: sqlite3.DatabaseError, path: Path) -> bool:
    """Whether SQLite failed because the catalog's folder or file cannot be written (a read-only
    mount, a folder of another user), which it reports as "unable to open database file" or
    "attempt to write a readonly database"."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
        return True
    folder = path.parent if path.parent.exists() else path.parent.parent
    return "readonly" in str(error) or ("unable to open" in str(error) and not os.access(folder, os.W_OK))


def _damaged(path: Path, what: str) -> IndexUnavailable:
    """The one-line error for the catalog at ``path`` found damaged (``what`` is wrong with it)."""
    return IndexUnavailable(
        f"the catalog {path} is damaged ({what}); move the folder {path.parent} aside "
        "and ingest your articles again to rebuild the index"
    )


# a thread's connection, and the thread (weakly: it may end)
_Opened = tuple["weakref.ref[threading.Thread]", sqlite3.Connection]


def _alive(thread: weakref.ref[threading.Thread]) -> bool:
    found = thread()
    return found is not None and found.is_alive()


class Catalog:
    """Articles, chunks and the FTS5 index in one SQLite file; safe to share between threads."""

    _read_only = False
    # every live thread's connection and its thread, for ``close``
    _opened: list[_Opened]

    @classmethod
    def read_only(cls, path: Path) -> Catalog:
        """The catalog at ``path`` opened for reading only (``tanya migrate``'s source): nothing is
        created or changed in it, and a file that is not a complete tanya catalog is refused."""
        catalog = cls.__new__(cls)
        catalog.path = path
        catalog._no_connections()
        catalog._read_only = True
        try:
            tables = {str(r[0]) for r in catalog._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailable(f"the catalog {path} cannot be read ({exc})") from None
        expected = set(re.findall(r"CREATE (?:VIRTUAL )?TABLE IF NOT EXISTS (\w+)", _SCHEMA))
        if not {"articles", "chunks", "meta"} <= tables:
            raise BadInput(f"{path} is not a tanya index")
        if not expected <= tables:
            raise BadInput(
                f"the index in {path.parent} was written by an older tanya: open it once with this one "
                f"(TANYA_DATA_DIR={path.parent} tanya sources) to bring it up to date, then copy it"
            )
        catalog._check_schema()
        return catalog

    def __init__(self, path: Path) -> None:
        self.path = path
        self._no_connections()
        try:
            self._check_schema()  # before anything is written in it
            # executescript commits on its own; every statement in the schema is idempotent.
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self._backfill_terms()
        except sqlite3.DatabaseError as exc:
            if path.is_dir():
                raise IndexUnavailable(f"{path} is a folder, not tanya's catalog file: move it aside") from None
            if _cannot_write(exc, path):
                raise IndexUnavailable(
                    f"cannot open the index in {path.parent} for writing ({exc}): tanya writes beside its "
                    "catalog even to answer (SQLite's WAL files and the write lock); make the folder "
                    "writable, or copy it somewhere that is and point TANYA_DATA_DIR there"
                ) from None
            if not is_damage(exc):
                raise
            raise _damaged(path, str(exc)) from None

    def _check_schema(self) -> None:
        """``IndexUnavailable`` for a catalog a newer tanya wrote (its schema version above this
        one's), which this one must not write into: the version had been stored and never read."""
        has_meta = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() if has_meta else None
        written = str(row[0]) if row else SCHEMA_VERSION
        if not written.isdecimal() or int(written) > int(SCHEMA_VERSION):
            raise IndexUnavailable(
                f"the index in {self.path.parent} was written by a newer tanya (catalog schema {written[:20]!r}, "
                f"this tanya reads {SCHEMA_VERSION}): upgrade tanya, or point TANYA_DATA_DIR at another folder"
            )

    def _backfill_terms(self) -> None:
        """Fill the term list of an index written before it existed."""
        with self.transaction() as db:
            if (
                db.execute("SELECT 1 FROM terms LIMIT 1").fetchone() is None
                and db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone()
            ):
                db.execute("INSERT OR IGNORE INTO terms SELECT DISTINCT term FROM chunks_vocab")
                db.execute("INSERT INTO terms_trigrams (term) SELECT term FROM terms")

    @property
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            where, uri = (self.path.resolve().as_uri() + "?mode=ro", True) if self._read_only else (self.path, False)
            db = sqlite3.connect(where, uri=uri, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            if not self._read_only:
                _use_wal(db, _BUSY_TIMEOUT_S)
                db.execute("PRAGMA synchronous=NORMAL")
            db.create_function("fold", 1, _fold, deterministic=True)
            self._local.db = db
            with self._opened_lock:
                # the connections of threads that have ended are closed now: held here, they would
                # otherwise stay open for as long as the catalog (a long-running bot's)
                live: list[_Opened] = []
                ended: list[_Opened] = []
                for thread, connection in self._opened:
                    (live if _alive(thread) else ended).append((thread, connection))
                self._opened = [*live, (weakref.ref(threading.current_thread()), db)]
            for _, connection in ended:
                connection.close()
        return db

    def _no_connections(self) -> None:
        """No thread's connection yet (each thread opens its own in ``_db``)."""
        self._local = threading.local()
        self._opened = []
        self._opened_lock = threading.Lock()

    def close(self) -> None:
        """Close every thread's connection, so that SQLite folds the WAL file into the catalog
        now: a command run inside a longer process (the tests run them so) had left its
        connection to the cycle collector (in CPython 3.11 a connection's statement cache is in
        a reference cycle with it), which closed it at any later moment. A later use opens a new
        connection."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
            self._local = threading.local()
        for _, db in opened:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction: all of it lands, or none of it."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "disk" in str(exc) or "full" in str(exc):
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise IndexUnavailable(f"cannot write the catalog ({exc}); is the disk full?") from None
            raise

    @contextmanager
    def write_lock(self, timeout_s: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the cross-process write lock (``write.lock`` beside the catalog) for a block,
        waiting up to ``timeout_s`` for another process to release it."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path.with_name("write.lock")))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait(WAITING.format(timeout_s=timeout_s))
            try:
                lock.acquire(timeout=timeout_s)
            except Timeout:
                raise IndexBusy(BUSY) from None
        try:
            yield
        finally:
            lock.release()

    def get_meta(self, key: str) -> str | None:
        """Return a stored setting of the index, or ``None``."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str, bump: bool = False) -> None:
        """Store a setting of the index; with ``bump``, raise the generation in the same
        transaction (readers that keep what they read per generation read it again)."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            if bump:
                self._bump_generation(db)

    def article(self, source: str) -> ArticleRecord | None:
        """Return the record of ``source``, or ``None`` when it is not indexed."""
        row = self._db.execute("SELECT * FROM articles WHERE source = ?", (source,)).fetchone()
        return None if row is None else ArticleRecord(*row)

    def articles(self) -> list[ArticleRecord]:
        """Return every indexed article, newest first."""
        rows = self._db.execute("SELECT * FROM articles ORDER BY ingested_at DESC, source").fetchall()
        return [ArticleRecord(*row) for row in rows]

    def latest_articles(self, within: Scope, not_after: str | None = None, limit: int = 1) -> list[ArticleRecord]:
        """The ``limit`` articles published last (``latest_sql``)."""
        sql, params = latest_sql(within, not_after, limit)
        return [ArticleRecord(*row) for row in self._db.execute(sql, params).fetchall()]

    def has_undated(self, within: Scope) -> bool:
        """Whether an article without a date passes ``within``'s other filters (``undated_sql``)."""
        sql, params = undated_sql(within)
        return self._db.execute(sql, params).fetchone() is not None

    def published_years(self) -> frozenset[str]:
        """The years the indexed articles were published in (``PUBLISHED_YEARS_SQL``)."""
        return years_of(row[0] for row in self._db.execute(PUBLISHED_YEARS_SQL))

    def _bump_generation(self, db: sqlite3.Connection) -> None:
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        before = self._counted(row[0]) if row else 0
        db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(before + 1),))
        self._local.last_write = (before, before + 1)

    def last_write(self) -> tuple[int, int] | None:
        """``(generation before, generation after)`` of this thread's latest write, so a writer
        can tell its own writes from other processes' (and need not reopen anything for them)."""
        value: tuple[int, int] | None = getattr(self._local, "last_write", None)
        return value

    def generation(self) -> int:
        """A counter every write to the index increases: other processes compare it to notice
        that articles were added, replaced or removed, or the vector collection changed."""
        value = self.get_meta("generation")
        return self._counted(value) if value else 0

    def _counted(self, value: str) -> int:
        """The generation stored as ``value``; a catalog whose generation is no number is damaged
        (a hostile tester's had crashed every command with a traceback)."""
        try:
            return int(value)
        except ValueError:
            raise _damaged(self.path, f"its generation is {value[:40]!r}, not a number") from None

    def activate_collection(self, name: str, model: str) -> None:
        """Point readers at another vector collection built with ``model`` (after a rebuild) and
        drop the other collections' vector copies, in one transaction."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('collection', ?)", (name,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('embedding_model', ?)", (model,))
            db.execute("DELETE FROM chunk_vectors WHERE collection != ?", (name,))
            db.execute("DELETE FROM sentence_vectors WHERE collection != ?", (name,))
            self._bump_generation(db)

    def holds_other_collections(self, keep: str) -> bool:
        """Whether vectors of a collection other than ``keep`` are stored (what a rebuild killed
        part way left): two seeks along each table's key, not a scan."""
        return any(
            self._db.execute(f"SELECT 1 FROM {table} WHERE collection {op} ? LIMIT 1", (keep,)).fetchone() is not None
            for table in ("chunk_vectors", "sentence_vectors")
            for op in ("<", ">")
        )

    def drop_collections(self, keep: str) -> None:
        """Delete the vectors of every collection but ``keep`` (what an interrupted rebuild left)."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunk_vectors WHERE collection != ?", (keep,))
            db.execute("DELETE FROM sentence_vectors WHERE collection != ?", (keep,))

    def put_vectors(
        self,
        collection: str,
        vectors: Sequence[tuple[str, bytes]],
        sentence_vectors: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Store ``(chunk_id, float32 bytes)`` copies, and ``(chunk_id, float16 bytes)`` of the
        chunks' sentence vectors, for a collection being built."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO chunk_vectors VALUES (?,?,?)", [(collection, *v) for v in vectors])
            db.executemany(
                "INSERT OR REPLACE INTO sentence_vectors VALUES (?,?,?)", [(collection, *v) for v in sentence_vectors]
            )

    def sentence_vectors(self, collection: str, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """Return the stored sentence vectors (float16 bytes) of these chunks; missing ones are left out."""
        rows = self._rows_by_chunk_id(
            "SELECT chunk_id, vectors FROM sentence_vectors WHERE collection = ? AND", [collection], chunk_ids
        )
        return {str(cid): bytes(blob) for cid, blob in rows}

    def vector_collection(self) -> str | None:
        """The collection of some stored vector (``None`` when there is none)."""
        row = self._db.execute("SELECT collection FROM chunk_vectors LIMIT 1").fetchone()
        return None if row is None else str(row[0])

    def all_vectors(self, collection: str) -> tuple[list[str], list[bytes]]:
        """Return every chunk id of a collection with its vector copy (float32 bytes)."""
        rows = self._db.execute("SELECT chunk_id, vector FROM chunk_vectors WHERE collection = ?", (collection,))
        ids: list[str] = []
        blobs: list[bytes] = []
        for cid, blob in rows:
            ids.append(str(cid))
            blobs.append(bytes(blob))
        return ids, blobs

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """Return the stored analysed sentences (JSON) of these chunks; missing ones are left out."""
        rows = self._rows_by_chunk_id("SELECT chunk_id, sentences FROM chunk_sentences WHERE", [], chunk_ids)
        return {str(cid): str(js) for cid, js in rows}

    def vectors(self, collection: str, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """Return the stored vector copies (float32 bytes) of these chunks; missing ones are left out."""
        rows = self._rows_by_chunk_id(
            "SELECT chunk_id, vector FROM chunk_vectors WHERE collection = ? AND", [collection], chunk_ids
        )
        return {str(cid): bytes(vector) for cid, vector in rows}

    def _rows_by_chunk_id(
        self, select: str, params: list[Any], chunk_ids: Iterable[str], column: str = "chunk_id"
    ) -> Iterator[Any]:
        """Run ``select ... column IN (...)`` over the distinct ids, 500 at a time (SQLite's
        variable limit), yielding the rows."""
        ids = list(dict.fromkeys(chunk_ids))
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            yield from self._db.execute(f"{select} {column} IN ({','.join('?' * len(part))})", [*params, *part])

    def iter_chunks(self, batch: int = 256) -> Iterator[list[Chunk]]:
        """Yield every stored chunk, in batches, in storage order."""
        last = 0
        while True:
            rows = self._db.execute(
                _CHUNK_SELECT.replace("SELECT ", "SELECT c.id, ", 1) + " WHERE c.id > ? ORDER BY c.id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            yield [Chunk(*row[1:]) for row in rows]

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
        """Replace the article and all its chunks in one transaction.

        ``chunks`` are ``(chunk_id, index, start, end, text)``; ``terms`` the analysed text of each;
        ``vectors`` is ``(collection, model, float32 bytes per chunk)``: the copies kept for
        re-ranking, and the model recorded when the index has none yet; ``sentences`` the
        analysed sentences of each chunk (JSON, see ``chunk_sentences``); ``sentence_vectors``
        the float16 bytes of each chunk's sentence vectors, in ``vectors``' collection. A chunk
        whose vector or sentence vectors are ``None`` is stored without them.
        """
        with self.transaction() as db:
            self._delete_chunks(db, record.source)
            if vectors is not None:
                collection, model, blobs = vectors
                db.execute("INSERT OR IGNORE INTO meta VALUES ('embedding_model', ?)", (model,))
                db.execute("INSERT OR IGNORE INTO meta VALUES ('collection', ?)", (collection,))
                db.executemany(
                    "INSERT OR REPLACE INTO chunk_vectors VALUES (?,?,?)",
                    [(collection, c[0], blob) for c, blob in zip(chunks, blobs, strict=True) if blob is not None],
                )
                db.executemany(
                    "INSERT OR REPLACE INTO sentence_vectors VALUES (?,?,?)",
                    [
                        (collection, c[0], blob)
                        for c, blob in zip(chunks, sentence_vectors or (), strict=False)
                        if blob is not None
                    ],
                )
            db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
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
            new_terms = {t for body in terms for t in body.split()} | set(title_terms.split())
            for term in new_terms:
                if db.execute("INSERT OR IGNORE INTO terms VALUES (?)", (term,)).rowcount:
                    db.execute("INSERT INTO terms_trigrams (term) VALUES (?)", (term,))
            self._bump_generation(db)
            if sentences is not None:
                db.executemany(
                    "INSERT OR REPLACE INTO chunk_sentences VALUES (?,?)",
                    [(c[0], js) for c, js in zip(chunks, sentences, strict=True)],
                )
            for (chunk_id, idx, start, end, text), body in zip(chunks, terms, strict=True):
                cursor = db.execute(
                    "INSERT INTO chunks (chunk_id, source, idx, start, end, text) VALUES (?,?,?,?,?,?)",
                    (chunk_id, record.source, idx, start, end, text),
                )
                db.execute(
                    "INSERT INTO chunks_fts (rowid, body, title) VALUES (?,?,?)", (cursor.lastrowid, body, title_terms)
                )

    def delete_article(self, source: str) -> bool:
        """Remove an article and its chunks; return whether it was there."""
        with self.transaction() as db:
            self._delete_chunks(db, source)
            self._bump_generation(db)
            return db.execute("DELETE FROM articles WHERE source = ?", (source,)).rowcount > 0

    @staticmethod
    def _delete_chunks(db: sqlite3.Connection, source: str) -> None:
        db.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE source = ?)", (source,))
        db.execute(
            "DELETE FROM chunk_vectors WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE source = ?)", (source,)
        )
        for table in ("chunk_sentences", "sentence_vectors"):
            db.execute(
                f"DELETE FROM {table} WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE source = ?)", (source,)
            )
        db.execute("DELETE FROM chunks WHERE source = ?", (source,))

    def lexical_rows(self, source: str) -> list[tuple[str, str]]:
        """The analysed body and title of each of an article's chunks, in order: what its
        lexical index holds (``tanya migrate`` copies them as they are)."""
        rows = self._db.execute(
            "SELECT f.body, f.title FROM chunks c JOIN chunks_fts f ON f.rowid = c.id "
            "WHERE c.source = ? ORDER BY c.idx",
            (source,),
        ).fetchall()
        return [(str(body), str(title)) for body, title in rows]

    def meta(self) -> dict[str, str]:
        """Every stored setting of the index."""
        return {str(k): str(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    def chunk_ids(self, source: str | None = None) -> set[str]:
        """Return the ids of all chunks (of one article when ``source`` is given)."""
        if source is None:
            rows = self._db.execute("SELECT chunk_id FROM chunks").fetchall()
        else:
            rows = self._db.execute("SELECT chunk_id FROM chunks WHERE source = ?", (source,)).fetchall()
        return {str(r[0]) for r in rows}

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """Return the stored chunks with these ids (missing ids are left out)."""
        rows = self._rows_by_chunk_id(f"{_CHUNK_SELECT} WHERE", [], chunk_ids, "c.chunk_id")
        return {row[0]: Chunk(*row) for row in rows}

    def chunks_of(self, source: str) -> list[Chunk]:
        """Return the chunks of one article in order."""
        rows = self._db.execute(f"{_CHUNK_SELECT} WHERE c.source = ? ORDER BY c.idx", (source,)).fetchall()
        return [Chunk(*row) for row in rows]

    def count_chunks(self) -> int:
        """Return how many chunks are indexed."""
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def count_vectors(self, collection: str) -> int:
        """Return how many chunks have a vector stored for ``collection``."""
        return int(
            self._db.execute("SELECT count(*) FROM chunk_vectors WHERE collection = ?", (collection,)).fetchone()[0]
        )

    def search(
        self, terms: Sequence[str], k: int, title_weight: float = 0.0, within: Scope | None = None
    ) -> list[tuple[str, float]]:
        """Return up to ``k`` ``(chunk_id, bm25)`` pairs matching any of ``terms``, best first
        (higher is better), among the chunks of the articles ``within`` lets through."""
        if not terms or k <= 0:
            return []
        query = " OR ".join(f'"{t}"' for t in terms)
        where = ""
        params: list[Any] = []
        if within is not None and not within.empty:
            conditions, params = scope_sql(within)
            where = (
                f" AND rowid IN (SELECT c.id FROM chunks c JOIN articles a ON a.source = c.source WHERE {conditions})"
            )
        # Rank inside FTS5 first, then join only the k best (joining every match first is about
        # twice as slow on a 10k-chunk index).
        rows = self._db.execute(
            "SELECT c.chunk_id, -best.score FROM (SELECT rowid, bm25(chunks_fts, 1.0, ?) AS score "
            f"FROM chunks_fts WHERE chunks_fts MATCH ?{where} ORDER BY score LIMIT ?) AS best "
            "JOIN chunks c ON c.id = best.rowid ORDER BY best.score",
            (title_weight, query, *params, k),
        ).fetchall()
        return [(str(r[0]), float(r[1])) for r in rows]

    def chunk_ids_in(self, within: Scope) -> frozenset[str]:
        """The ids of the chunks of the articles ``within`` lets through."""
        conditions, params = scope_sql(within)
        rows = self._db.execute(
            f"SELECT c.chunk_id FROM chunks c JOIN articles a ON a.source = c.source WHERE {conditions}", params
        ).fetchall()
        return frozenset(str(r[0]) for r in rows)

    def prune_terms(self) -> int:
        """Forget the terms no chunk holds any more (an older analyser's, once every passage was
        analysed again: they would take places among ``similar_terms``); return how many."""
        with self.transaction() as db:
            held = "SELECT term FROM chunks_vocab"
            db.execute(f"DELETE FROM terms_trigrams WHERE term NOT IN ({held})")
            return int(db.execute(f"DELETE FROM terms WHERE term NOT IN ({held})").rowcount)

    def similar_terms(self, term: str, limit: int = 20) -> list[str]:
        """Return stored terms sharing the most character trigrams with ``term`` (best first)."""
        padded = term.replace('"', "")
        grams = {padded[i : i + 3] for i in range(len(padded) - 2)}
        if not grams:
            return []
        query = " OR ".join(f'"{g}"' for g in sorted(grams))
        rows = self._db.execute(
            "SELECT term FROM terms_trigrams WHERE terms_trigrams MATCH ? ORDER BY rank LIMIT ?", (query, limit)
        ).fetchall()
        return [str(r[0]) for r in rows]

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Return in how many chunks each term occurs (0 when in none)."""
        out = dict.fromkeys(terms, 0)
        if terms:
            marks = ",".join("?" * len(terms))
            for term, doc in self._db.execute(
                f"SELECT term, doc FROM chunks_vocab WHERE col = 'body' AND term IN ({marks})", list(terms)
            ):
                out[term] = int(doc)
        return out
