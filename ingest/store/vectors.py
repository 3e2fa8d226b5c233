"""The Chroma copy of the index's vectors, embedded or on a server.

The catalog (``ingest.store.catalog``) is the index's one truth: chunks, the lexical index and
every vector live there, and answering reads only it. Chroma holds a copy of the passage
vectors, kept in step by the writers (``ChromaMirror.after_write`` copies the articles a write
changed, or reconciles every id when an earlier write could not reach it) and rebuilt from the
catalog by ``tanya reindex --vectors-only`` (``ChromaMirror.reconcile``); it is there for
whoever wants the vectors in a vector database (LangChain's ``Chroma`` reads the collection as
it is), never for answering. So it is used through its
public API only, and a writer opens it afresh each time: Chroma's embedded mode keeps a
process's view of a collection in memory, and a view older than another process's writes
must not be written back.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from ingest.errors import BadInput, ChromaUnavailable, ForeignCollection, IndexUnavailable, reason
from ingest.settings import without_credentials
from ingest.store.catalog import Catalog
from ingest.store.codecs import floats
from ingest.store.postgres import PostgresCatalog
from ingest.types import Chunk

logger = logging.getLogger(__name__)

# How long a Chroma server may take to accept a connection, and to answer one call (the largest
# is an upsert of a batch of vectors), before it counts as unreachable.
CHROMA_CONNECT_TIMEOUT_S = 10.0
CHROMA_TIMEOUT_S = 120.0

MODEL_KEY = "embedding_model"
OWNER_KEY = "tanya_index"  # collection metadata: the index (``INDEX_ID`` of its catalog) it copies
INDEX_ID = "index_id"  # catalog meta: this index's identity, made at its first write to Chroma
MIRRORED = "mirrored"  # catalog meta: the generation the copy matches
_TANYA_METADATA = frozenset({"source", "chunk_index", "start", "end"})  # what ``vector_metadata`` always stores
T = TypeVar("T")


def make_chroma_client(data_dir: Path, chroma_url: str | None) -> Any:
    """Return a Chroma client: ``HttpClient`` for ``chroma_url``, else a ``PersistentClient``
    under ``data_dir/chroma``. Telemetry is off either way."""
    import chromadb
    from chromadb.config import Settings

    if not chroma_url:
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings(data_dir))
    settings = Settings(anonymized_telemetry=False)
    parsed = urlparse(chroma_url)
    shown = without_credentials(chroma_url)  # Chroma's client does not send a user:password@ anyway
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise BadInput(f"TANYA_CHROMA_URL must look like http://host:port, not {shown!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    import httpx

    # Chroma's client waits on its server without a limit (httpx timeout=None): a server that
    # accepts and never answers held a write, and the cross-host write lock, for ever. Its first
    # call is made as it is built, so the server is asked first here, with a limit, and the
    # client's own session gets one after.
    # an IPv6 address keeps its brackets in a URL: Chroma's client writes the host as it gets it
    # ("http://[::1]:8000" had become "http://::1:8000", an invalid port; a hostile test)
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    base = f"{parsed.scheme}://{host}:{port}"
    try:
        verify = True if settings.chroma_server_ssl_verify is None else settings.chroma_server_ssl_verify
        headers = settings.chroma_server_headers or {}
        httpx.get(f"{base}/api/v2/heartbeat", timeout=CHROMA_CONNECT_TIMEOUT_S, verify=verify, headers=headers)
        client = chromadb.HttpClient(host=host, port=port, ssl=parsed.scheme == "https", settings=settings)
    except Exception as exc:  # chromadb raises bare Exception/ValueError when the server is unreachable
        raise ChromaUnavailable(f"cannot reach the Chroma server at {shown}: {reason(exc)}") from None
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_TIMEOUT_S, connect=CHROMA_CONNECT_TIMEOUT_S)
    return client


@functools.lru_cache(maxsize=16)
def chroma_settings(data_dir: Path) -> Any:
    """Settings of the embedded (on-disk) Chroma under ``data_dir/chroma``, telemetry off."""
    from chromadb.config import Settings

    return Settings(is_persistent=True, persist_directory=str(data_dir / "chroma"), anonymized_telemetry=False)


def with_chroma_errors(call: Callable[[], T]) -> T:
    """Run a call to Chroma; any failure of it (a server gone, a full disk, a broken folder)
    becomes one clear ``ChromaUnavailable``. What the catalog holds is not touched by it."""
    try:
        return call()
    except (IndexUnavailable, BadInput):
        raise
    except Exception as exc:
        detail = f"{type(exc).__name__}: {reason(exc)}"
        raise ChromaUnavailable(f"the Chroma vector store is unavailable: {detail}") from None


class ChromaMirror:
    """The Chroma collections that copy the catalog's vectors (one per embedding model built)."""

    def __init__(self, data_dir: Path, chroma_url: str | None) -> None:
        self.data_dir = data_dir
        self.chroma_url = chroma_url
        self._writer: Any = None  # the client of the current write session
        self._targets: dict[str, ChromaVectors] = {}  # the collections it has claimed, by name

    @contextmanager
    def session(self) -> Iterator[None]:
        """A write session: its writes share one client, opened afresh at its first write, and
        each collection it writes is claimed once (under the write lock, which sessions run in)."""
        self._let_go()
        try:
            yield
        finally:
            self._let_go()

    def _let_go(self) -> None:
        self._writer = None
        self._targets = {}

    def _target(self, catalog: Catalog | PostgresCatalog, collection: str, model: str) -> ChromaVectors:
        target = self._targets.get(collection)
        if target is None:
            if self._writer is None:
                self._writer = self.client()
            # created marked as this index's copy, so that of two indexes given the same name
            # whose first writes meet, the one that did not create it finds it another's (both had
            # found it unmarked and written to it, a hostile tester found)
            owner = index_id(catalog)
            target = ChromaVectors(self._writer, collection, created_as={OWNER_KEY: owner, MODEL_KEY: model})
            target.claim(owner, catalog.chunk_ids, model)
            target.set_model(model)
            self._targets[collection] = target
        return target

    def refuse_foreign(self, catalog: Catalog | PostgresCatalog, collection: str, model: str) -> None:
        """Before a write changes the catalog: ``ForeignCollection`` when ``collection`` is not
        this index's copy to write (``ChromaVectors.claim``), so that a refused write stores
        nothing. A Chroma that cannot be reached is left to the write's own report."""
        with contextlib.suppress(ChromaUnavailable):
            self._target(catalog, collection, model)

    def after_write(
        self,
        catalog: Catalog | PostgresCatalog,
        base: str,
        collection: str,
        model: str,
        sources: Sequence[str],
        before: int,
    ) -> None:
        """Bring the copy in step after a write of ``sources`` that found the catalog at
        generation ``before``: just those articles' vectors when the copy was in step then and
        holds as many vectors as the catalog stores for it after them, every id otherwise.
        Unreachable, it raises ``ChromaUnavailable``; the catalog keeps the write, and the next
        one catches the copy up."""
        if catalog.get_meta(MIRRORED) == str(before):
            target = self._target(catalog, collection, model)
            target.delete_sources(list(sources))
            _copy(catalog, target, [c for source in sources for c in catalog.chunks_of(source)])
            if self.holds_all(catalog, collection, model):
                catalog.set_meta(MIRRORED, str(catalog.generation()))
                return
            # the copy lost what it held since it was last in step (a Chroma server restarted
            # empty, a collection deleted by hand): it had been extended with the new chunks alone
            # and recorded as in step (a hostile test)
        self.reconcile(catalog, base, collection, model)

    def holds_all(self, catalog: Catalog | PostgresCatalog, collection: str, model: str) -> bool:
        """Whether the copy of ``collection`` holds as many vectors as the catalog stores for it
        (one that did not had lost what it held: a Chroma server restarted empty, a collection
        deleted by hand). ``ChromaUnavailable`` when it cannot be reached."""
        return self._target(catalog, collection, model).count() == catalog.count_vectors(collection)

    def reconcile(self, catalog: Catalog | PostgresCatalog, base: str, collection: str, model: str) -> tuple[int, int]:
        """Make the copy hold exactly the catalog's vectors of ``collection``, by chunk id, and
        drop the index's other collections; return how many vectors were (copied, deleted)."""
        target = self._target(catalog, collection, model)
        held = target.ids()
        wanted = catalog.chunk_ids()
        extra = held - wanted
        target.delete_ids(sorted(extra))
        missing = sorted(wanted - held)
        _copy(catalog, target, list(catalog.chunks(missing).values()))
        self.keep_only(base, target.name, index_id(catalog), wanted, self._writer)
        catalog.set_meta(MIRRORED, str(catalog.generation()))
        return len(missing), len(extra)

    def set_aside(self) -> Path | None:
        """Move the embedded copy's folder aside (``chroma.damaged-<UTC time>`` beside it), so
        that a new one can be built from the catalog, which holds every vector; ``None`` when
        there is no such folder or it cannot be moved (a read-only data folder). Never deletes."""
        import time

        # a file where the folder should be (a hostile test: Chroma only said "File exists") is
        # set aside as a damaged folder is
        if not self.embedded or not (self.folder.is_dir() or self.folder.is_file()):
            return None
        self._forget_clients()
        aside = self.folder.with_name(f"chroma.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
        try:
            self.folder.rename(aside)
        except OSError:
            return None
        return aside

    def displaced(self) -> bool:
        """Whether something other than a folder stands where the embedded copy's folder goes."""
        return self.embedded and self.folder.exists() and not self.folder.is_dir()

    def put_back(self, aside: Path) -> None:
        """Undo ``set_aside`` (the new copy could not be built either): the folder made since is
        removed and the old one returns, as it was."""
        import shutil

        self._forget_clients()
        shutil.rmtree(self.folder, ignore_errors=True)
        if not self.folder.exists():  # else both stay, and the error that brought us here is the one raised
            aside.rename(self.folder)

    @property
    def folder(self) -> Path:
        """Where an embedded copy lives: the data directory's ``chroma`` folder."""
        return self.data_dir / "chroma"

    def _forget_clients(self) -> None:
        """Let go of every client of the embedded folder this process holds (Chroma keeps one per
        folder): the next one reads the folder again, or a new one where it stood."""
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # public API
        self._let_go()

    @property
    def where(self) -> str:
        """Where the copy is, for a message: its folder, or its server without credentials."""
        if self.embedded:
            return f"the folder {self.folder}"
        return f"the server {without_credentials(self.chroma_url or '')}"

    @property
    def embedded(self) -> bool:
        """Whether the copy lives in this machine's data directory (not on a server)."""
        return not self.chroma_url

    def client(self) -> Any:
        """A client that sees what every process has written (an embedded one is opened afresh)."""
        if self.embedded:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # public: the next client reads the folder again
        return with_chroma_errors(lambda: make_chroma_client(self.data_dir, self.chroma_url))

    def collection(self, name: str, client: Any = None) -> ChromaVectors:
        """The named collection (created on first use)."""
        return ChromaVectors(client or self.client(), name)

    def collection_names(self, client: Any = None) -> list[str]:
        """Names of all collections."""
        found = with_chroma_errors((client or self.client()).list_collections)
        return [c if isinstance(c, str) else c.name for c in found]

    def count(self, base: str) -> int:
        """How many vectors the collections of an index hold (an embedded store is not created to say 0)."""
        if self.embedded and not self.folder.is_dir():
            return 0
        client = self.client()
        names = [n for n in self.collection_names(client) if named_after(n, base)]
        return sum(self.collection(n, client).count() for n in names)

    def keep_only(self, base: str, keep: str, owner: str, ours: set[str], client: Any = None) -> None:
        """Drop the index's collections other than ``keep`` (a rebuild's old or unfinished ones):
        those named after ``base`` that are marked as the copies of index ``owner``, or unmarked
        and holding none but its chunk ids (``ours``: a copy made before copies were marked),
        never another index's or tool's that happens to share the name."""
        client = client or self.client()
        for name in self.collection_names(client):
            if name == keep or not named_after(name, base):
                continue
            other = self.collection(name, client)
            mark = other.owner()
            if mark == owner or (mark is None and other.ids() <= ours):
                # its folders read before it goes: the database names them no more after
                folders = segment_folders(self.folder, name) if self.embedded else []
                with_chroma_errors(functools.partial(client.delete_collection, name))
                remove_folders(folders)


def segment_folders(folder: Path, collection: str) -> list[Path]:
    """The folders an embedded Chroma store (``folder``) keeps a collection's vectors in: one per
    vector segment its database names for it. None when the database cannot be read as Chroma 1.x
    writes it (a newer layout's folders are left as they are)."""
    import sqlite3

    database = folder / "chroma.sqlite3"
    if not database.is_file():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id"
                " WHERE c.name = ? AND s.scope = 'VECTOR'",
                (collection,),
            ).fetchall()
    except (sqlite3.Error, ValueError, OSError):
        logger.debug("the segments of %s could not be read", folder, exc_info=True)
        return []
    found = []
    for (segment,) in rows:
        path = folder / str(segment)
        try:
            if str(uuid.UUID(path.name)) == path.name and path.is_dir() and not path.is_symlink():
                found.append(path)
        except ValueError:
            continue
    return found


def remove_folders(folders: Iterable[Path]) -> None:
    """Delete the vector folders of collections Chroma has deleted: Chroma 1.x leaves them on disk
    (chroma-core/chroma#1309), and every `tanya reindex` had left its old one, a hostile tester
    found. Best effort: a folder that cannot be deleted stays."""
    import shutil

    for path in folders:
        shutil.rmtree(path, ignore_errors=True)


class ChromaVectors:
    """Chunk vectors in a cosine-space Chroma collection that records the model that built it."""

    def __init__(self, client: Any, name: str, created_as: dict[str, str] | None = None) -> None:
        self._client = client
        self.name = name
        self._created_as = created_as  # the metadata it is created with, if it is (not when it is there)
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        """The Chroma collection, created on first use (with the metadata it was given:
        Chroma creates a collection of a name once, atomically, and ignores it when it is there)."""
        if self._collection is None:
            self._collection = with_chroma_errors(
                lambda: self._client.get_or_create_collection(
                    self.name,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata=self._created_as or None,
                    embedding_function=None,
                )
            )
        return self._collection

    def owner(self) -> str | None:
        """The index whose copy the collection is (``claim``), if any."""
        value = (self.collection.metadata or {}).get(OWNER_KEY)
        return str(value) if value else None

    def unmarked_copy_of(self, ours: set[str], model: str) -> bool:
        """Whether the collection, marked as no index's, is a copy tanya made of the index whose
        chunk ids are ``ours`` and model ``model`` before copies were marked: it holds none but
        the index's ids, or it records that model and every vector it holds beyond them carries
        the metadata tanya stores (a copy left behind by a write it could not follow)."""
        held = self.ids()
        extra = sorted(held - ours)
        if not extra:
            return True
        if self.model() != model:
            return False
        metadatas = with_chroma_errors(lambda: self.collection.get(ids=extra, include=["metadatas"]))["metadatas"]
        return all(m is not None and m.keys() >= _TANYA_METADATA for m in metadatas)

    def claim(self, owner: str, ours: Callable[[], set[str]], model: str) -> None:
        """Make the collection the copy of index ``owner``, whose chunk ids are ``ours()`` and
        model ``model``, or refuse it (``refuse_unless``). Writing to another's would delete
        what it holds."""
        self.refuse_unless({owner}, ours, model)
        if self.owner() != owner:
            self.mark(OWNER_KEY, owner)
            # read again: another index that found it unmarked at the same moment may have marked
            # it after this one did (Chroma has no compare-and-set of metadata; this narrows it)
            self._collection = None
            if self.owner() != owner:
                self.refuse_unless({owner}, ours, model)

    def refuse_unless(self, owners: Collection[str], ours: Callable[[], set[str]], model: str) -> None:
        """``ForeignCollection`` unless the collection is the copy of one of the indexes
        ``owners``, or unmarked and a copy tanya made of the index whose chunk ids are ``ours()``
        and model ``model`` (``unmarked_copy_of``): not one marked as another index's copy, nor
        another tool's vectors or another model's. Reads only; ``tanya migrate`` asks it of the
        collection it will write before it copies anything."""
        mark = self.owner()
        if mark in owners:
            return
        if mark is not None:
            raise ForeignCollection(
                f"the Chroma collection {self.name!r} is the copy of another tanya index (its catalog is "
                "elsewhere: another TANYA_DATABASE_URL or data folder); set TANYA_COLLECTION to a name "
                "of this index's own"
            )
        if not self.unmarked_copy_of(ours(), model):
            raise ForeignCollection(
                f"the Chroma collection {self.name!r} holds vectors this index did not write (another "
                "tool's, or another model's); tanya does not write to it, which would delete them: set "
                "TANYA_COLLECTION to a name of this index's own"
            )

    def model(self) -> str | None:
        """Return the embedding model recorded for the collection, if any."""
        value = (self.collection.metadata or {}).get(MODEL_KEY)
        return str(value) if value else None

    def set_model(self, name: str) -> None:
        """Record which embedding model the collection's vectors come from."""
        self.mark(MODEL_KEY, name)

    def mark(self, key: str, value: str) -> None:
        """Record ``value`` under ``key`` in the collection's metadata (when it is not there yet)."""
        metadata = dict(self.collection.metadata or {})
        if metadata.get(key) != value:
            metadata[key] = value
            with_chroma_errors(lambda: self.collection.modify(metadata=metadata))

    def count(self) -> int:
        """Return how many vectors are stored."""
        return int(with_chroma_errors(self.collection.count))

    def ids(self) -> set[str]:
        """Return every stored id."""
        return set(with_chroma_errors(lambda: self.collection.get(include=[]))["ids"])

    def upsert(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Insert or overwrite vectors by id (Chroma's own batch limit respected)."""
        limit = int(getattr(self._client, "get_max_batch_size", lambda: 5000)())
        for i in range(0, len(ids), limit):
            with_chroma_errors(
                functools.partial(
                    self.collection.upsert,
                    ids=list(ids[i : i + limit]),
                    embeddings=[list(v) for v in vectors[i : i + limit]],
                    documents=list(documents[i : i + limit]),
                    metadatas=list(metadatas[i : i + limit]),
                )
            )

    def delete_ids(self, ids: Iterable[str]) -> None:
        """Delete these vectors."""
        wanted = list(ids)
        for i in range(0, len(wanted), 500):
            with_chroma_errors(functools.partial(self.collection.delete, ids=wanted[i : i + 500]))

    def delete_sources(self, sources: Sequence[str]) -> None:
        """Delete every vector of these articles."""
        for i in range(0, len(sources), 500):
            part = list(sources[i : i + 500])
            where = {"source": part[0]} if len(part) == 1 else {"source": {"$in": part}}
            with_chroma_errors(functools.partial(self.collection.delete, where=where))


def named_after(name: str, base: str) -> bool:
    """Whether a collection named ``name`` is one of those of an index whose copies are named
    after ``base`` (``base`` itself, or a rebuild's ``base--<stamp>``: ``Index.new_collection``)."""
    return name == base or name.startswith(f"{base}--")


def stamped_collection(base: str, model_name: str) -> str:
    """A new collection's name after ``base`` (``base--<stamp>``, ``named_after`` it): a rebuild's
    with ``model_name`` (``Index.new_collection``), or a migrated index's own (``tanya migrate``)."""
    stamp = hashlib.sha1(f"{model_name}\0{time.time()}".encode()).hexdigest()[:8]
    return f"{base}--{stamp}"


def index_id(catalog: Catalog | PostgresCatalog) -> str:
    """The identity of the index whose catalog this is, made and kept at first use (under the
    write lock, as every write to Chroma is)."""
    value = catalog.get_meta(INDEX_ID)
    if value is None:
        value = uuid.uuid4().hex
        catalog.set_meta(INDEX_ID, value)
    return value


def _copy(catalog: Catalog | PostgresCatalog, target: ChromaVectors, chunks: Sequence[Chunk]) -> None:
    """Copy these chunks' catalog vectors (with their text and metadata) into ``target``."""
    for i in range(0, len(chunks), 1000):
        part = chunks[i : i + 1000]
        stored = catalog.vectors(target.name, [c.chunk_id for c in part])
        have = [c for c in part if c.chunk_id in stored]
        if have:
            target.upsert(
                [c.chunk_id for c in have],
                [floats(stored[c.chunk_id]) for c in have],
                [c.text for c in have],
                [vector_metadata(c) for c in have],
            )


def vector_metadata(chunk: Chunk) -> dict[str, Any]:
    """The metadata stored with a chunk's vector (Chroma refuses None values, so they are left out)."""
    meta: dict[str, Any] = {
        "source": chunk.source,
        "title": chunk.title,
        "chunk_index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "lang": chunk.lang,
    }
    if chunk.url:
        meta["url"] = chunk.url
    if chunk.published:
        meta["published"] = chunk.published
    return meta
