"""The index: the one public way to write and read articles.

The SQLite catalog is the truth: an article, its chunks, their lexical index, their vectors and
their sentences' vectors land in one transaction, so a crash leaves either the old article or
the new one. The Chroma copy of the vectors (``ingest.store.vectors``) is brought in step after
each write, from the catalog, by chunk id; a write that cannot reach it says so and leaves the
next write (or ``tanya reindex --vectors-only``) to catch it up. Answering reads the catalog only.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from langchain_core.embeddings import Embeddings

from ingest.embeddings.models import canonical_model_name, embed_passages
from ingest.errors import (
    AmbiguousSource,
    ChromaUnavailable,
    IndexMismatch,
    IndexUnavailable,
    ReindexInterrupted,
    VectorsBehind,
)
from ingest.settings import canonical_url, is_url, without_credentials
from ingest.store.catalog import Catalog
from ingest.store.codecs import sentence_bytes, vector_bytes
from ingest.store.dense import DenseVectors
from ingest.store.postgres import PostgresCatalog
from ingest.store.prepared import PreparedArticle, Status, analyse, analyse_chunks, prepare
from ingest.store.vectors import MIRRORED, ChromaMirror, named_after, stamped_collection
from ingest.text.analysis import ANALYZER_VERSION, decode_sentence_terms, replace_surrogates
from ingest.text.years import YearsTold, years_told
from ingest.types import Article, ArticleRecord, Chunk, Hit, QuestionVector, Scope, Span

T = TypeVar("T")

logger = logging.getLogger(__name__)

# The catalog's record of the analyser its stored terms were made with; an index written before
# it was recorded had them from version "2".
ANALYZER = "analyzer"
_UNRECORDED_ANALYZER = "2"

# An article ready to store: its chunks' vectors and, when known, their sentence vectors.
Embedded = tuple[PreparedArticle, Any, Sequence[Any] | None]  # passage vectors: float32 rows (or lists)


class Index:
    """Articles, their chunks, their lexical (BM25) index and their vectors, in the catalog, with
    a copy of the vectors in Chroma.

    Other processes may write to the same index at any time. Every write raises the catalog's
    generation counter; readers compare it with the one they last saw and, when it changed,
    reload what they keep in memory (the vector matrix, the chunk count) and follow a rebuild
    with another embedding model. SQLite readers see each committed write.
    """

    def __init__(
        self,
        catalog: Catalog | PostgresCatalog,
        mirror: ChromaMirror,
        embeddings_for: Callable[[str], Embeddings],
        configured_model: str,
        base_collection: str,
        chunk_max_chars: int,
        lock_timeout_s: float,
    ) -> None:
        self.catalog = catalog
        self.mirror = mirror
        self.base_collection = base_collection
        self.chunk_max_chars = chunk_max_chars
        self.model_name = canonical_model_name(configured_model)
        self.embeddings = embeddings_for(self.model_name)
        self._embeddings_for = embeddings_for
        # the model used before the last switch, kept to be used again when a rebuild switches
        # back: a running process that made a new one at every switch grew by the size of a
        # model each time, for ever (a hostile test: 45 MB a switch and back)
        self._before: tuple[str, Embeddings] | None = None
        self._lock_timeout_s = lock_timeout_s
        self._state_lock = threading.Lock()
        self._generation: int | None = None
        self._follow_model = True
        self.dense = DenseVectors(catalog)
        self._scoped: tuple[tuple[Scope, int], frozenset[str]] | None = None  # the last scope's chunk ids
        self.collection_name = base_collection
        self.built_with: str | None = None
        # what is read again only after a write, by any process (the catalog's generation)
        self._count = _PerGeneration(self.catalog.count_chunks)
        self._years = _PerGeneration(self.catalog.published_years)
        self._article_years: _PerGeneration[dict[str, YearsTold]] = _PerGeneration(dict)
        self._analysed = _PerGeneration(lambda: analysed_with(self.catalog))

    def refresh(self, force: bool = False) -> None:
        """Catch up with writes made by other processes (one SQLite read when there were none)."""
        generation = self.catalog.generation()
        if generation == self._generation and not force:
            return
        with self._state_lock:
            if generation == self._generation and not force:
                return
            # the collection the stored vectors are in, whatever TANYA_COLLECTION says now (an
            # index written before the catalog recorded it: the one its vectors are in)
            self.collection_name = (
                self.catalog.get_meta("collection") or self.catalog.vector_collection() or self.base_collection
            )
            built_with = self.catalog.get_meta("embedding_model")
            if self._generation is None:
                # At start-up a different model is the user's mistake (check_model says so);
                # later it can only come from a rebuild, which running processes follow.
                self._follow_model = built_with is None or built_with == self.model_name
            elif built_with and built_with != self.model_name and self._follow_model:
                logger.info("the index was rebuilt with %s; switching to it", built_with)
                self._switch(built_with, None)
            self.built_with = built_with
            self._generation = generation

    # ----- writing -------------------------------------------------------------------------

    @contextmanager
    def writing(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the catalog's cross-process write lock for a block (a file beside SQLite's
        catalog, the server's on PostgreSQL, so it holds across hosts); wait up to the lock
        timeout for it."""
        with self.catalog.write_lock(self._lock_timeout_s, on_wait), self.mirror.session():
            # what other processes wrote before the lock was ours: the collection the vectors are
            # in now above all (a removal waiting on another host's `tanya reindex` had deleted
            # from the old collection, and a repair in a new process had reconciled the one
            # TANYA_COLLECTION names, emptying the rebuilt copy; hostile tests)
            self.refresh()
            self._drop_leftovers()
            yield

    def prepare(self, article: Article) -> PreparedArticle:
        """Chunk an article with this index's chunk size and hash what its chunks depend on."""
        return prepare(article, self.chunk_max_chars)

    def status_of(self, prepared: PreparedArticle) -> Status:
        """Return what writing ``prepared`` would do: add, replace, or nothing."""
        return status_against(prepared, self.catalog.article(prepared.article.source))

    def check_model(self) -> None:
        """Raise ``IndexMismatch`` when the vectors were built with another embedding model."""
        self.refresh()
        built_with = self.built_with
        if built_with is not None and built_with != self.model_name:
            raise IndexMismatch(
                f"the index was built with the embedding model {built_with!r} but TANYA_EMBEDDING_MODEL "
                f"is {self.model_name!r}; set it back, or run `tanya reindex` to re-embed every passage with it"
            )

    def write(
        self,
        prepared: PreparedArticle,
        vectors: Sequence[Sequence[float]],
        sentence_vectors: Sequence[Any] | None = None,
    ) -> None:
        """Store an article's chunks and their vectors, replacing any older version of it."""
        self.write_many([(prepared, vectors, sentence_vectors)])

    def write_many(self, items: Sequence[Embedded]) -> None:
        """Store several articles with their chunk vectors (and, when given, each chunk's
        sentence vectors: a float array with a row per sentence of its analysis), replacing
        older versions: each article in one catalog transaction, then the Chroma copy of all of
        them in step (``VectorsBehind`` when it cannot follow: the catalog keeps them). The
        caller holds the write lock (``writing``)."""
        if not items:
            return
        self.check_model()
        self.reanalyse()  # the stored terms first, as this code makes the new ones
        collection = self.collection_name
        self.mirror.refuse_foreign(self.catalog, collection, self.model_name)
        before = self.catalog.generation()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for prepared, vectors, sentence_vectors in items:
            a = prepared.article
            record = ArticleRecord(
                a.source, a.title, a.url, a.published, a.lang, a.outlet, prepared.content_hash, len(prepared.spans), now
            )
            analysis = analyse(prepared).analysis
            assert analysis is not None
            rows = [(prepared.chunk_id(s.index), s.index, s.start, s.end, s.text) for s in prepared.spans]
            self.catalog.put_article(
                record,
                rows,
                analysis.terms,
                analysis.title_terms,
                (collection, self.model_name, [vector_bytes(v) for v in vectors]),
                analysis.sentences,
                [sentence_bytes(m) for m in sentence_vectors] if sentence_vectors is not None else None,
            )
        self._mirror([p.article.source for p, _, _ in items], before, "stored in the catalog, but not in")

    def analysed_with(self) -> str:
        """The analyser version the stored index terms were made with."""
        return analysed_with(self.catalog)

    def terms_behind(self) -> bool:
        """Whether an older analyser than this code's made the stored index terms: a question's
        terms would then miss some of theirs until ``reanalyse``."""
        return analyser_order(self.analysed_with()) < 0

    def terms_ahead(self) -> bool:
        """Whether a newer tanya's analyser made the stored index terms (another host upgraded
        first): this one reads them as they are and writes nothing (``reanalyse`` refuses)."""
        return analyser_order(self.analysed_with()) > 0

    def terms_current(self) -> bool:
        """Whether this code's analyser made the stored terms, read once per write (answering
        reads the stored sentence terms only then)."""
        return analyser_order(self._analysed.read(self.catalog.generation())) == 0

    def embeddings_of(self, model: str) -> Embeddings:
        """The embeddings of ``model``: this index's loaded ones when it is their model."""
        return self.embeddings if canonical_model_name(model) == self.model_name else self._embeddings_for(model)

    def reanalyse(
        self, on_start: Callable[[int], None] | None = None, on_chunks: Callable[[int], None] | None = None
    ) -> int:
        """Analyse every stored passage again when an older analyser made the stored terms
        (``terms_behind``), and record this one's version; return how many articles were.
        Nothing is embedded again but the sentence vectors of a passage the new analyser cuts
        into other sentences, with the model the index was built with (loaded once, for that
        alone, when another one is, as during a rebuild). Each article is written in one
        transaction, the version last, with the generation raised so that running readers see
        it: a run that stops is done again whole by the next. ``on_start`` is told how many
        passages there are to analyse (when there are), ``on_chunks`` how many each article
        held. ``IndexMismatch`` when a newer tanya's analyser made them: an older one writing
        its terms beside them (or over them) would undo that host's. The caller holds the write
        lock (``writing``)."""
        analyser, recorded = _analyser_record(self.catalog)  # read once: every write asks
        order = analyser_order(analyser)
        if order > 0:
            raise IndexMismatch(
                f"a newer tanya made this index's search terms (analyser {analyser}; this one's is "
                f"{ANALYZER_VERSION}); upgrade tanya on this host before it writes to the index"
            )
        if order == 0:
            if not recorded:
                self.catalog.set_meta(ANALYZER, ANALYZER_VERSION)
            return 0
        if on_start is not None:
            on_start(self.count())
        collection = self.collection_name
        model = self.built_with or self.model_name
        embeddings = functools.cache(functools.partial(self.embeddings_of, model))
        before = self.catalog.generation()
        in_step = self.catalog.get_meta(MIRRORED) == str(before)
        records = self.catalog.articles()
        for record in records:
            chunks = self.catalog.chunks_of(record.source)
            ids = [c.chunk_id for c in chunks]
            self.put_reanalysed(
                record,
                chunks,
                self.catalog.sentences(ids),
                (self.catalog.vectors(collection, ids), self.catalog.sentence_vectors(collection, ids)),
                (collection, model),
                embeddings,
            )
            if on_chunks is not None:
                on_chunks(len(chunks))
        self.catalog.prune_terms()  # the older analyser's, which no passage holds now
        self.catalog.set_meta(ANALYZER, ANALYZER_VERSION, bump=True)
        if in_step:  # the vectors are as they were: the Chroma copy is as much in step
            self.catalog.set_meta(MIRRORED, str(self.catalog.generation()))
        return len(records)

    def put_reanalysed(
        self,
        record: ArticleRecord,
        chunks: Sequence[Chunk],
        sentences: dict[str, str],
        vectors: tuple[dict[str, bytes], dict[str, bytes]],
        into: tuple[str, str],
        embeddings: Callable[[], Embeddings] | None,
    ) -> None:
        """Store an article's ``chunks`` (as they are stored: ``record``, their stored
        ``sentences``, their ``vectors`` and sentence vectors by chunk id) in this index's
        catalog, their terms made again by this code's analyser, their vectors in the collection
        and under the model ``into`` names. A chunk stored with sentence vectors whose sentences
        are now cut otherwise has them embedded again, by the model ``embeddings`` gives (called
        only then), or stored without them when there is none."""
        ids = [c.chunk_id for c in chunks]
        analysis = analyse_chunks([c.text for c in chunks], record.title)
        chunk_vectors, stored_sentence_vectors = vectors
        sentence_blobs: list[bytes | None] = [stored_sentence_vectors.get(i) for i in ids]
        moved = [
            n
            for n, chunk_id in enumerate(ids)
            if sentence_blobs[n] is not None
            and [(s.start, s.end) for s, _ in _decoded(chunks[n].text, sentences.get(chunk_id, "[]")) or ()]
            != analysis.sentence_spans[n]
        ]
        for n in moved:
            sentence_blobs[n] = None
        if moved and embeddings is not None:
            # (the passages are embedded too, and their vectors left: the stored ones stay)
            _, fresh = embed_passages(
                embeddings(),
                [chunks[n].text for n in moved],
                [analysis.sentence_spans[n] for n in moved],
                [record.title] * len(moved),
            )
            for n, rows in zip(moved, fresh, strict=True):
                sentence_blobs[n] = sentence_bytes(rows)
        collection, model = into
        self.catalog.put_article(
            record,
            [(c.chunk_id, c.index, c.start, c.end, c.text) for c in chunks],
            analysis.terms,
            analysis.title_terms,
            (collection, model, [chunk_vectors.get(i) for i in ids]) if chunk_vectors else None,
            analysis.sentences,
            sentence_blobs,
        )

    def remove(self, source: str) -> bool:
        """Delete an article (from the catalog, then from the Chroma copy); return whether it was
        indexed. The caller holds the write lock (``writing``). ``VectorsBehind`` when the copy
        cannot follow: the catalog, which answers, no longer holds the article."""
        if self.catalog.article(source) is None:
            return False
        self.mirror.refuse_foreign(self.catalog, self.collection_name, self.model_name)
        before = self.catalog.generation()
        removed = self.catalog.delete_article(source)
        self._mirror([source], before, f"removed {source} from the catalog, but not from")
        return removed

    def _drop_leftovers(self) -> None:
        """Drop the vectors a `tanya reindex` killed part way left in the catalog, as every writer
        takes the write lock (``writing``; they had stayed until the next rebuild, and at first
        past a removal or an ingest storing nothing: hostile testers'). A rebuild holds the lock
        throughout, so none are in use; only where the catalog records its collection (an older
        one's is guessed among those holding vectors, which may be the half-built one)."""
        collection = self.collection_name
        if self.catalog.get_meta("collection") == collection and self.catalog.holds_other_collections(collection):
            self.catalog.drop_collections(keep=collection)

    def _mirror(self, sources: Sequence[str], before: int, done: str) -> None:
        """Bring the Chroma copy in step after a write (``done``, what the error says when it cannot:
        the catalog keeps the write, and ``meta.mirrored`` left behind makes the next write
        reconcile every id)."""
        try:
            self.mirror.after_write(
                self.catalog, self.base_collection, self.collection_name, self.model_name, sources, before
            )
        except ChromaUnavailable as exc:
            # an embedded copy whose files are damaged is moved aside by the repair (``sync_vectors``)
            aside = (
                " (it rebuilds the copy from the catalog, and moves a damaged one aside)"
                if self.mirror.embedded and damaged(exc)
                else ""
            )
            raise VectorsBehind(
                f"{done} the Chroma copy of the vectors ({exc}); once {self.mirror.where} can be "
                f"written to, run `tanya reindex --vectors-only`{aside}"
            ) from None

    def catch_up_vectors(self) -> int:
        """Bring the Chroma copy in step when an earlier write left it behind (``meta.mirrored``
        short of the catalog's generation: the write said so, ``VectorsBehind``), as the next write
        would; return how many vectors were copied to it or removed from it (0, and nothing read
        but that mark, when in step). ``VectorsBehind`` when it still cannot follow. The caller
        holds the write lock."""
        if self.catalog.get_meta(MIRRORED) == str(self.catalog.generation()) and not self._server_copy_lost():
            return 0
        try:
            copied, deleted, _ = self.sync_vectors()
        except ChromaUnavailable as exc:
            raise VectorsBehind(
                f"the Chroma copy of the vectors is behind the catalog since an earlier write ({exc}); "
                f"once {self.mirror.where} can be written to, run `tanya reindex --vectors-only`"
            ) from None
        return copied + deleted

    def _server_copy_lost(self) -> bool:
        """Whether a Chroma server's copy, recorded as in step, no longer holds as many vectors as
        the catalog: the server restarted empty, or another host without ``TANYA_CHROMA_URL``
        wrote the catalog (a hostile tester's: an ingest with nothing to write had left such a copy
        as it was and said nothing). One count, on a server only: an embedded copy changes with
        this host's writes alone, and its count would open it. A server out of reach is left to
        the next write, as before."""
        if self.mirror.embedded:
            return False
        try:
            return not self.mirror.holds_all(self.catalog, self.collection_name, self.model_name)
        except ChromaUnavailable:
            return False

    def mirrored_ids(self) -> set[str]:
        """The chunk ids the Chroma copy of the active vectors holds (for checks and tests)."""
        self.refresh()
        return self.mirror.collection(self.collection_name).ids()

    def sync_vectors(self, repair: bool = False) -> tuple[int, int, Path | None]:
        """Make the Chroma copy hold exactly the catalog's vectors, by chunk id, and drop the
        index's other collections; return how many vectors were (copied, deleted), and, with
        ``repair`` (``tanya reindex --vectors-only``), where an embedded copy whose files are
        damaged (not a database, malformed) was moved aside before a new one was built from the
        catalog (``None``: none was)."""

        def reconcile() -> tuple[int, int]:
            return self.mirror.reconcile(self.catalog, self.base_collection, self.collection_name, self.model_name)

        try:
            return (*reconcile(), None)
        except ChromaUnavailable as exc:
            aside = self.mirror.set_aside() if repair and (damaged(exc) or self.mirror.displaced()) else None
            if aside is None:  # unwritable, busy, a server's: as it failed
                raise
        try:
            return (*reconcile(), aside)
        except ChromaUnavailable:  # not the old copy's fault (a full disk): leave things as they were
            self.mirror.put_back(aside)
            raise

    # ----- reading -------------------------------------------------------------------------

    def articles(self) -> list[ArticleRecord]:
        """Return every indexed article, newest first."""
        return self.catalog.articles()

    def latest_articles(
        self, within: Scope | None = None, not_after: str | None = None, limit: int = 1
    ) -> list[ArticleRecord]:
        """The ``limit`` articles published last among those ``within`` lets through, newest
        first, none published after ``not_after`` (ISO date; ``ingest.store.catalog.latest_sql``)."""
        return self.catalog.latest_articles(within or Scope(), not_after, limit)

    def has_undated(self, within: Scope) -> bool:
        """Whether an article without a date passes ``within``'s filters but its dates: one that
        ``--since`` or ``--until`` leaves out."""
        return self.catalog.has_undated(within)

    def published_years(self) -> frozenset[str]:
        """The years the indexed articles were published in ("2026"), read again only after a
        write, by any process (``count``): a question naming a year asks whether it holds one."""
        return self._years.read(self.catalog.generation())

    def article_years(self, source: str) -> YearsTold:
        """The years the article ``source`` tells of (``ingest.text.years``: those its title and
        chunks write, the year it was published in), kept until the next write by any process
        (for up to ``ARTICLE_YEARS_KEPT`` articles); an article no longer indexed tells of none."""
        held = self._article_years.read(self.catalog.generation())
        found = held.get(source)
        if found is None:
            chunks = self.catalog.chunks_of(source)
            texts = [chunks[0].title, *(c.text for c in chunks)] if chunks else []
            found = years_told(texts, chunks[0].published if chunks else None)
            if len(held) < ARTICLE_YEARS_KEPT:
                held[source] = found
        return found

    def find_source(self, name: str) -> str | None:
        """Return the indexed source that ``name`` designates (exact, a path resolving to it, or
        the URL of the one article that has it, as ``tanya sources`` lists a file's article with a
        URL; ``AmbiguousSource`` when several have it); undecodable bytes in ``name`` count as
        U+FFFD, as in every stored source."""
        name = replace_surrogates(name)
        if self.catalog.article(name) is not None:
            return name
        if is_url(name):  # a URL as the article's source has it, or as the one article read from a file has it
            canonical = canonical_url(without_credentials(name))
            if self.catalog.article(canonical) is not None:
                return canonical
            by_url = [r.source for r in self.catalog.articles() if r.url and canonical_url(r.url) == canonical]
            if len(by_url) > 1:
                raise AmbiguousSource(name, by_url)
            return by_url[0] if by_url else None
        try:
            resolved = str(Path(name).expanduser().resolve())
        except (RuntimeError, ValueError, OSError):  # "~nobody/x", a NUL byte: names no file
            return None
        return resolved if self.catalog.article(resolved) is not None else None

    def close(self) -> None:
        """Close the catalog's connections (a command's end: ``tanya``'s commands close the index
        they opened). The index may still be used: the catalog opens a connection again, but a
        PostgreSQL catalog's pool stays closed."""
        self.catalog.close()

    def count(self) -> int:
        """Return how many chunks are indexed (counted again only after a write, by any process:
        a count scans the table, and every question's IDF weights need it)."""
        return self._count.read(self.catalog.generation())

    def lexical_search(
        self, terms: Sequence[str], k: int, title_weight: float = 0.0, within: Scope | None = None
    ) -> list[Hit]:
        """Return up to ``k`` chunks by BM25 over analysed ``terms``, best first, among the
        articles ``within`` lets through (all of them by default)."""
        scored = self.catalog.search(terms, k, title_weight, within)
        chunks = self.catalog.chunks(cid for cid, _ in scored)
        return [Hit(chunks[cid], score) for cid, score in scored if cid in chunks]

    def question_vector(self, question: str) -> QuestionVector:
        """Embed ``question`` with the model the index was built with (``IndexMismatch`` when the
        configured one differs). Thread-safe: the retriever runs it beside the lexical search."""
        return self._current(question)[0]

    def _current(self, query: str | QuestionVector) -> tuple[QuestionVector, str]:
        """``query`` embedded by the current model (again if the model changed since), and the
        collection that holds that model's vectors."""
        self.check_model()
        with self._state_lock:  # model, embeddings and collection as one snapshot (a reindex switches all three)
            model, embeddings, collection = self.model_name, self.embeddings, self.collection_name
        if isinstance(query, QuestionVector):
            if query.model == model:
                return query, collection
            query = query.text
        return QuestionVector(query, model, embeddings.embed_query(query)), collection

    def _read(self, query: str | QuestionVector, read: Callable[[QuestionVector, str], T]) -> tuple[QuestionVector, T]:
        """Run ``read(question, collection)`` on one snapshot of the model; when a reindex switched
        models between the snapshot and the read (the old model's vectors may be gone by then),
        run it once more on the new one. Return the question as embedded for the result."""
        question, collection = self._current(query)
        result = read(question, collection)
        self.check_model()
        with self._state_lock:
            switched = self.collection_name != collection
        if switched:
            question, collection = self._current(question)
            result = read(question, collection)
        return question, result

    def nearest(self, query: str | QuestionVector, k: int, within: Scope | None = None) -> list[tuple[str, float]]:
        """Return the ids of the ``k`` chunks nearest to ``query`` with their cosine similarity,
        best first (an exact scan of the catalog's vectors), among the articles ``within`` lets
        through (all of them by default)."""
        allowed = None if within is None or within.empty else self.chunk_ids_in(within)
        return self._read(query, lambda q, collection: self.dense.nearest(collection, q.vector, k, allowed))[1]

    def chunk_ids_in(self, within: Scope) -> frozenset[str]:
        """The chunk ids ``within`` lets through, kept until the index changes (a question and
        its follow-up readings search the same scope several times)."""
        key = (within, self.catalog.generation())
        cached = self._scoped
        if cached is not None and cached[0] == key:
            return cached[1]
        ids = self.catalog.chunk_ids_in(within)
        self._scoped = (key, ids)
        return ids

    def sentence_vectors(self, query: QuestionVector, chunk_ids: Sequence[str]) -> dict[str, Any]:
        """Return each chunk's sentence vectors (float32, a row per sentence) stored with the
        model ``query`` was embedded by; chunks without them are left out (all of them once a
        reindex has switched to another model)."""
        question, rows = self._read(
            query, lambda q, collection: self.dense.sentence_vectors(collection, chunk_ids, len(q.vector))
        )
        return rows if question.model == query.model else {}

    def similarities(self, query: str | QuestionVector, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Return the cosine similarity of ``query`` to each of these chunks (by their stored
        vectors; chunks without vectors are left out)."""
        if not chunk_ids:
            return {}
        return self._read(query, lambda q, collection: self.dense.similarities(collection, q.vector, chunk_ids))[1]

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """Return stored chunks by id."""
        return self.catalog.chunks(chunk_ids)

    def sentences(self, chunks: Sequence[Chunk]) -> dict[str, tuple[tuple[Span, frozenset[str]], ...]]:
        """Return each chunk's sentences with their index terms, as stored at ingest (chunks
        written before they were stored are left out)."""
        stored = self.catalog.sentences([c.chunk_id for c in chunks])
        decoded = {c.chunk_id: _decoded(c.text, stored[c.chunk_id]) for c in chunks if c.chunk_id in stored}
        return {chunk_id: sentences for chunk_id, sentences in decoded.items() if sentences is not None}

    def similar_terms(self, term: str, limit: int = 20) -> list[str]:
        """Return indexed terms spelt most like ``term`` (shared character trigrams), best first."""
        return self.catalog.similar_terms(term, limit)

    def document_frequencies(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """Return per-term chunk counts and the number of chunks, for IDF weights."""
        return self.catalog.document_frequencies(terms), self.count()

    # ----- rebuilding with another model ----------------------------------------------------

    def new_collection(self, model_name: str) -> str:
        """Name a collection for a rebuild with ``model_name`` and clear the catalog of what an
        interrupted rebuild left; readers keep using the active collection meanwhile."""
        self.catalog.drop_collections(keep=self.collection_name)
        return stamped_collection(self.base_collection, model_name)

    @property
    def copy_elsewhere(self) -> bool:
        """Whether this index's Chroma copy is in a collection other than TANYA_COLLECTION
        (``base_collection``) names: the copy stays in the one it was first written to."""
        self.refresh()
        return not named_after(self.collection_name, self.base_collection)

    def _switch(self, model_name: str, embeddings: Embeddings | None) -> None:
        """Embed with ``model_name`` from now on: with ``embeddings`` when given, else the model
        used before the last switch when it is that one, else a new one. At most two models stay
        loaded, however often a rebuild switches between them. The caller holds the state lock."""
        if model_name == self.model_name:
            self.embeddings = embeddings if embeddings is not None else self.embeddings
            return
        before = self._before
        if embeddings is None:
            reused = before[1] if before is not None and before[0] == model_name else None
            embeddings = reused if reused is not None else self._embeddings_for(model_name)
        self._before = (self.model_name, self.embeddings)
        self.embeddings, self.model_name = embeddings, model_name

    def activate(self, collection: str, model_name: str, embeddings: Embeddings) -> None:
        """Switch every reader (this process now, others at their next question) to the
        vectors of ``collection``, built with ``model_name``, and bring the Chroma copy to them."""
        previous, model = self.built_with, canonical_model_name(model_name)
        self.catalog.activate_collection(collection, model)
        # the switch is in the catalog from here on: an interrupt says so (``ReindexInterrupted``;
        # "interrupted" alone had said the opposite, a hostile test), without reading the catalog
        # again (a read that fails, the database going down with the same `docker compose down`,
        # had turned the interrupt into that error; one on SQLite's connection inside a
        # transaction being rolled back saw the switch that was not made: a review)
        try:
            with self._state_lock:
                self._switch(model, embeddings)
                self._follow_model = True
            self.refresh(force=True)
            self.sync_vectors()
        except KeyboardInterrupt:
            raise ReindexInterrupted(previous, model) from None
        except ChromaUnavailable as exc:  # the switch is made: only the copy is behind
            raise VectorsBehind(
                f"switched to {self.model_name} in the catalog (every answer uses it), but not the Chroma "
                f"copy of the vectors ({exc}); once {self.mirror.where} can be written to, run "
                "`tanya reindex --vectors-only`"
            ) from None


# Articles whose years ``Index.article_years`` keeps between writes
ARTICLE_YEARS_KEPT = 4096

# What SQLite and Chroma say of files that are not a database they can read: a damaged copy,
# which the repair moves aside. An unwritable or busy folder says otherwise, and is left alone.
_DAMAGE = ("file is not a database", "malformed", "database corruption", "file is encrypted")


class _PerGeneration(Generic[T]):
    """A value of the catalog read again only when its generation has moved (a write by any
    process) since it was last read."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._held: tuple[int, T] | None = None

    def read(self, generation: int) -> T:
        held = self._held
        if held is None or held[0] != generation:
            held = self._held = (generation, self._read())
        return held[1]


def analyser_order(analyser: str) -> int:
    """Whether terms of ``analyser`` are older than this code's (-1), its own (0) or newer (1).
    A version this code cannot read ("2.1", "3a", a damaged record) counts as newer: its terms
    are read as they are and never written over (a hostile test: "2.1" had counted as the
    oldest, and been analysed back to "2")."""
    version = int(analyser) if analyser.isdecimal() and analyser.isascii() else math.inf
    ours = int(ANALYZER_VERSION)
    return (version > ours) - (version < ours)


def analysed_with(catalog: Catalog | PostgresCatalog) -> str:
    """The analyser version a catalog's stored index terms were made with."""
    return _analyser_record(catalog)[0]


def _analyser_record(catalog: Catalog | PostgresCatalog) -> tuple[str, bool]:
    """``analysed_with``, and whether the catalog records it."""
    recorded = catalog.get_meta(ANALYZER)
    if recorded:
        return recorded, True
    return (_UNRECORDED_ANALYZER if catalog.count_chunks() else ANALYZER_VERSION), False


def damaged(exc: Exception) -> bool:
    """Whether a Chroma failure says its files are damaged (not that they cannot be written)."""
    text = str(exc).lower()
    return any(sign in text for sign in _DAMAGE)


def status_against(prepared: PreparedArticle, record: ArticleRecord | None) -> Status:
    """What writing ``prepared`` would do to the stored ``record`` of its source (``None``: none
    stored): add, replace, or nothing."""
    if record is None:
        return "added"
    return "unchanged" if record.content_hash == prepared.content_hash else "replaced"


def make_index(settings: Any, embeddings: Embeddings | None = None) -> Index:
    """Open (creating when needed) the index that ``settings`` (an ``IndexSettings``) describe.

    ``embeddings`` replaces the configured model (tests pass a small one); a model named by a
    rebuild is still loaded from settings.
    """
    from ingest.embeddings.models import make_embeddings, token_limit
    from ingest.settings import BUNDLED_MODEL

    data_dir = Path(settings.data_dir).expanduser()
    catalog_path = data_dir / "catalog.sqlite3"
    mirror = ChromaMirror(data_dir, settings.chroma_url)
    catalog: Catalog | PostgresCatalog
    if settings.database_url:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)  # models and a local vector copy still live here
        except OSError as exc:
            raise IndexUnavailable(_data_dir_error(data_dir, exc)) from None
        catalog = PostgresCatalog(settings.database_url, statement_timeout_s=settings.database_timeout_s)
    else:
        catalog = _sqlite_catalog(data_dir, catalog_path, mirror, settings.collection)

    def embeddings_for(name: str) -> Embeddings:
        if embeddings is not None and canonical_model_name(getattr(embeddings, "name", name)) == name:
            return embeddings
        return make_embeddings(
            name,
            settings.embed_batch_size,
            settings.embedding_backend,
            settings.model_cache_dir or data_dir / "models",
            token_limit(name, settings.embedding_max_tokens),
            settings.embedding_precision,
        )

    configured = (
        getattr(embeddings, "name", None)
        or settings.embedding_model
        or catalog.get_meta("embedding_model")
        or BUNDLED_MODEL
    )
    return Index(
        catalog,
        mirror,
        embeddings_for,
        configured,
        settings.collection,
        settings.chunk_max_chars,
        settings.lock_timeout_s,
    )


def _sqlite_catalog(data_dir: Path, catalog_path: Path, mirror: ChromaMirror, collection: str) -> Catalog:
    """Open the embedded catalog in the data directory."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # SQLite takes an empty file for a new database: after a fault that emptied the catalog,
        # the index would silently look empty while the vector store still holds every article.
        if catalog_path.exists() and catalog_path.stat().st_size == 0:
            orphans = mirror.count(collection)
            if orphans:
                raise IndexUnavailable(
                    f"the catalog {catalog_path} is empty (0 bytes) but the vector store still holds "
                    f"{orphans:,} vector{'s' if orphans != 1 else ''}; restore the catalog from a backup, "
                    f"or move the folder {data_dir} aside and ingest your articles again"
                )
        return Catalog(catalog_path)
    except OSError as exc:
        raise IndexUnavailable(_data_dir_error(data_dir, exc)) from None


def file_in_the_way(folder: Path) -> str | None:
    """What keeps ``folder`` from being one: "it is a file", or "PARENT is a file" for a file on
    its path; ``None`` when nothing does ("File exists" had been the reason given)."""
    # (os.path's tests say False where Path's raise: a parent the user may not enter)
    blocking = next((p for p in (folder, *folder.parents) if os.path.lexists(p) and not os.path.isdir(p)), None)
    if blocking is None:
        return None
    return "it is a file" if blocking == folder else f"{blocking} is a file"


def _data_dir_error(data_dir: Path, exc: OSError) -> str:
    """Why the data directory cannot be used, said as what is wrong."""
    if (where := file_in_the_way(data_dir)) is not None:
        return f"cannot use the data directory {data_dir}: {where}, not a folder (set TANYA_DATA_DIR to a folder)"
    return f"cannot use the data directory {data_dir}: {exc.strerror or exc}"


def _decoded(text: str, stored: str) -> tuple[tuple[Span, frozenset[str]], ...] | None:
    """A chunk's stored sentences (``decode_sentence_terms``), or ``None`` when what is stored is
    not what ingest writes: such a chunk is read as one written before they were stored (its
    sentences found again from its text), not a crash of every question (a hostile tester's)."""
    try:
        return decode_sentence_terms(text, stored)
    except (ValueError, TypeError, AttributeError, RecursionError):
        logger.warning("a chunk's stored sentences cannot be read; they are found again from its text")
        return None
