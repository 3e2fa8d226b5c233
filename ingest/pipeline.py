"""The ingest job: load inputs, chunk, embed what changed, and write it to the index."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.embeddings import Embeddings

from ingest.embeddings.models import canonical_model_name, embed_passages
from ingest.errors import (
    BadInput,
    ChromaUnavailable,
    ForeignCollection,
    IndexUnavailable,
    ReindexInterrupted,
    TanyaError,
    VectorsBehind,
    how_many,
)
from ingest.loaders import Fetcher, load_inputs
from ingest.store.catalog import Catalog
from ingest.store.index import Index, analysed_with, status_against
from ingest.store.prepared import PreparedArticle, analyse
from ingest.store.vectors import INDEX_ID, named_after, stamped_collection
from ingest.text.analysis import ANALYZER_VERSION
from ingest.types import Article, Skipped

Outcome = Literal["added", "replaced", "unchanged", "skipped"]


@dataclass(frozen=True)
class ItemResult:
    """What happened to one input article."""

    source: str
    status: Outcome
    chunks: int = 0
    title: str | None = None
    reason: str | None = None
    # what else happened to a stored one: the article it replaced, when that had another title
    # (a JSON Lines id is its source: another file's line of the same id replaces its article)
    note: str | None = None


@dataclass
class IngestReport:
    """The summary of one ingest run."""

    items: list[ItemResult] = field(default_factory=list)
    seconds: float = 0.0
    # with ``if_empty``: how many articles the index already held, so that nothing was written
    already_held: int | None = None
    # vectors copied to (or removed from) a Chroma copy an earlier write had left behind
    # (``Index.catch_up_vectors``)
    caught_up: int = 0
    # stored articles analysed again, their terms made by an older analyser (``Index.reanalyse``)
    reanalysed: int = 0

    def count(self, status: Outcome) -> int:
        """Return how many inputs ended with ``status``."""
        return sum(1 for item in self.items if item.status == status)

    @property
    def stored(self) -> int:
        """How many new or changed articles were written."""
        return self.count("added") + self.count("replaced")

    @property
    def chunks_written(self) -> int:
        """Chunks embedded and stored in this run."""
        return sum(i.chunks for i in self.items if i.status in ("added", "replaced"))

    def to_json(self) -> dict[str, object]:
        """Return the ``tanya ingest --json`` object."""
        return {
            "added": self.count("added"),
            "replaced": self.count("replaced"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "chunks": self.chunks_written,
            "caught_up": self.caught_up,
            "reanalysed": self.reanalysed,
            "seconds": round(self.seconds, 3),
            "items": [asdict(item) for item in self.items],
        }


class IngestStopped(IndexUnavailable):
    """An ingest stopped part way; ``report`` says what it stored."""

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


def not_stored(left: int, unread: bool, verb: str = "") -> str:
    """What a run stopped part way says it did not store: ``left`` new or changed articles it had
    read, and, when ``unread``, the rest of its inputs ("were not" and ``verb``)."""
    if not left:
        return f"the rest were not{verb}"
    return f"{left} more were not{verb}" + (", nor the rest" if unread else "")


class IngestInterrupted(KeyboardInterrupt):
    """An ingest interrupted part way (Ctrl-C); ``report`` says what it stored, ``left`` how many
    new or changed articles of those it had read it did not, ``unread`` whether inputs were left
    unread or unprepared (a run larger than a round). What was stored stays: ingesting again adds
    the rest."""

    def __init__(self, report: IngestReport, left: int, unread: bool = False, terms_behind: bool = False) -> None:
        super().__init__(f"{report.stored} stored, {left} not")
        self.report = report
        self.left = left
        self.unread = unread
        # stopped while the stored articles' terms were analysed again (``reanalysed``): some are,
        # and the next write or `tanya reindex --terms-only` does them all again
        self.terms_behind = terms_behind


class ProgressSink:
    """Receives progress of a run; the default does nothing (the CLI draws a bar)."""

    def loading(self, source: str) -> None:
        """An input is being read."""

    def start(self, total_chunks: int) -> None:
        """Embedding is about to start for ``total_chunks`` chunks."""

    def advance(self, chunks: int) -> None:
        """``chunks`` more chunks are embedded and stored."""

    def analysing(self, total_chunks: int) -> None:
        """Stored passages are analysed again (``Index.reanalyse``): this many in all."""

    def analysed(self, chunks: int) -> None:
        """This many more stored passages were analysed again."""

    def waiting(self, message: str) -> None:
        """The run waits for something (another writer)."""


EMBED_GROUP = 128

# The most characters of article text prepared (chunked, analysed) and written in one round
# under the write lock: inputs are read as they are written, so a run's memory is bounded by a
# round, not by its inputs (a 43 MB JSONL file of 500,000 short articles had reached 2 GB before
# the first was embedded, all of them read and analysed first). A round of news is ~1,000 articles.
WINDOW_CHARS = 4_000_000


def ingest_inputs(
    index: Index,
    inputs: Iterable[str],
    fetcher: Fetcher | None = None,
    progress: ProgressSink | None = None,
    if_empty: bool = False,
) -> IngestReport:
    """Load ``inputs`` (paths, folders, URLs) and write each article to ``index`` (with
    ``if_empty``, only if it holds no article once the write lock is held)."""
    sink = progress or ProgressSink()

    def loaded() -> Iterator[Article | Skipped]:  # read as the rounds ask for them (``ingest_articles``)
        for item in load_inputs(inputs, fetcher):
            sink.loading(item.source)
            yield item

    return ingest_articles(index, loaded(), sink, if_empty)


def _rounds(loaded: Iterable[Article | Skipped], chars: int) -> Iterator[tuple[list[Article | Skipped], bool]]:
    """``loaded`` in rounds of about ``chars`` characters of text (an article larger than that
    is a round of its own), each read only when the one before it is written, with whether
    more follow (one article is read ahead to know)."""
    items = iter(loaded)
    batch: list[Article | Skipped] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item.text) if isinstance(item, Article) else 0
        if size >= chars:
            following = next(items, None)
            yield batch, following is not None
            batch = [following] if following is not None else []
            size = len(following.text) if isinstance(following, Article) else 0
    if batch:
        yield batch, False


def ingest_articles(
    index: Index,
    loaded: Iterable[Article | Skipped],
    progress: ProgressSink | None = None,
    if_empty: bool = False,
    round_chars: int = WINDOW_CHARS,
) -> IngestReport:
    """Write already loaded articles; unchanged ones cost a hash check and no embedding.

    Articles are taken in rounds of about ``round_chars`` characters (``loaded`` may be lazy:
    the next round is read once this one is written). In each, chunking, hashing and analysing
    happen before the write lock is taken, so other writers wait only while this run embeds and
    stores; whether an article changed is decided again under the lock (another process may
    have written it meanwhile). With ``if_empty`` nothing is written when the index holds an
    article once the lock is first held (``already_held``): two runs of `tanya ingest
    --if-empty` at once, as two hosts starting on one index, had both found it empty before
    either wrote.
    """
    progress = progress or ProgressSink()
    started = time.perf_counter()
    report = IngestReport()
    index.check_model()  # before any work: a mismatch fails at once
    seen: dict[str, str | None] = {}

    def analysed(chunks: int) -> None:  # a stored article analysed again, counted as it is done
        report.reanalysed += 1
        progress.analysed(chunks)

    try:
        for number, (batch, more) in enumerate(_rounds(loaded, round_chars)):
            ready = _prepared(index, batch, seen)
            with index.writing(on_wait=progress.waiting):
                index.check_model()
                # chunks, counted once per write: the articles only when there are some
                if number == 0 and if_empty and index.count():
                    report.already_held = len(index.articles())
                    return report
                try:
                    index.reanalyse(progress.analysing, analysed)
                except KeyboardInterrupt:
                    # the articles analysed again before the stop stay in the report (their terms
                    # are this analyser's; the record is not, so the next write does them again)
                    raise IngestInterrupted(report, 0, unread=True, terms_behind=True) from None
                todo = _to_write(index, ready, report)
                _write_round(index, todo, report, progress, more)
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, IngestInterrupted):
            raise
        # Ctrl-C while a round is read or prepared: the rounds before it stay; say so
        raise IngestInterrupted(report, 0, unread=True) from None
    except TanyaError as exc:
        if isinstance(exc, IngestStopped) or not report.items:  # nothing done before it: the error says all
            raise
        # a later round could not be written (another writer held the lock past its timeout, the
        # index was rebuilt meanwhile with a model this host cannot load): the rounds before it
        # stay; say so (the error alone had been printed, the articles stored before it not counted)
        stopped = IngestStopped(
            f"ingest stopped: {_said(exc)} {report.stored} new or changed article(s) were stored before it; "
            f"the rest were not: {_AGAIN}",
            report,
        )
        stopped.exit_code = exc.exit_code
        raise stopped from None
    finally:  # the report a stop carries too
        report.seconds = time.perf_counter() - started
    if not report.stored and report.items:
        # nothing to write: a Chroma copy an earlier write left behind is caught up all the same
        # (an ingest of unchanged articles had said nothing of it), or said to be behind
        try:
            with index.writing(on_wait=progress.waiting):
                report.caught_up = index.catch_up_vectors()
        except VectorsBehind as behind:  # with the report, which says what was read (--json too)
            stopped = IngestStopped(str(behind), report)
            stopped.exit_code = behind.exit_code
            raise stopped from None
    return report


# What a stopped ingest says to do: what it stored is not written again.
_AGAIN = "ingest the same again (what is stored is left as it is, the rest is added)"


def _said(error: Exception) -> str:
    """An error's message as a sentence (not "is the disk full?.")."""
    return str(error) if str(error).endswith(("?", ".")) else f"{error}."


def _prepared(
    index: Index, batch: list[Article | Skipped], seen: dict[str, str | None]
) -> list[ItemResult | PreparedArticle | _Unchanged]:
    """A round's articles chunked, hashed and analysed (outside the write lock); ``seen``: the
    sources of the run's articles so far, with their origins (not the articles: a feed read a
    line at a time would be held whole)."""
    ready: list[ItemResult | PreparedArticle | _Unchanged] = []
    for item in batch:
        if isinstance(item, Skipped):
            ready.append(ItemResult(item.source, "skipped", reason=item.reason))
        elif item.source in seen:
            ready.append(ItemResult(item.source, "skipped", reason=_given_twice(item, seen[item.source])))
        else:
            seen[item.source] = item.origin
            prepared = index.prepare(item)
            if index.status_of(prepared) == "unchanged":  # keep its hash only, not its chunks
                ready.append(_Unchanged(item, prepared.content_hash, len(prepared.spans)))
            else:
                ready.append(analyse(prepared))
    return ready


def _given_twice(item: Article, first: str | None) -> str:
    """Why an article of a source the run already had is skipped, naming both when their origins
    (``first``: the first one's) say more than the source ("/news/feed.jsonl line 3": two files'
    lines of one id)."""
    if item.origin and first:
        return f"given twice in this run: {item.origin} has the source of {first}, which is kept"
    return "given twice in this run"


def _to_write(
    index: Index, ready: list[ItemResult | PreparedArticle | _Unchanged], report: IngestReport
) -> list[tuple[PreparedArticle, Outcome]]:
    """What of a round is new or changed once the write lock is held; the rest goes in ``report``."""
    todo: list[tuple[PreparedArticle, Outcome]] = []
    for entry in ready:
        if isinstance(entry, ItemResult):
            report.items.append(entry)
            continue
        if isinstance(entry, _Unchanged):
            if index.status_of(PreparedArticle(entry.article, entry.content_hash, [])) == "unchanged":
                report.items.append(ItemResult(entry.article.source, "unchanged", entry.chunks, entry.article.title))
                continue
            entry = analyse(index.prepare(entry.article))  # changed by another writer meanwhile
        record = index.catalog.article(entry.article.source)  # read once: its status, and what it replaces
        status = status_against(entry, record)
        if status == "replaced" and record is not None and record.title != entry.article.title:
            entry = dataclasses.replace(entry, replaces=record.title)
        if status == "unchanged":
            report.items.append(ItemResult(entry.article.source, "unchanged", len(entry.spans), entry.article.title))
        else:
            todo.append((entry, status))
    return todo


def _write_round(
    index: Index,
    todo: list[tuple[PreparedArticle, Outcome]],
    report: IngestReport,
    progress: ProgressSink,
    more: bool,
) -> None:
    """Embed and store a round's new or changed articles, a group at a time."""
    progress.start(sum(len(p.spans) for p, _ in todo))
    stored_before = report.stored
    group: list[tuple[PreparedArticle, Outcome]] = []
    try:
        for pair in todo:
            group.append(pair)
            if sum(len(p.spans) for p, _ in group) >= EMBED_GROUP:
                _write_group(index, group, report, progress)
                group = []
        _write_group(index, group, report, progress)
    except IndexUnavailable as exc:  # stop: every next write would fail the same way
        left = len(todo) - (report.stored - stored_before)
        if isinstance(exc, VectorsBehind):  # stored in the catalog, not in the Chroma copy
            rest = f"; {not_stored(left, more, ' stored')}: ingest them again then" if left or more else ""
            message = f"ingest stopped: {report.stored} new or changed article(s) were {exc}{rest}"
        else:  # the catalog's server went away part way (a hostile test)
            message = (
                f"ingest stopped: {_said(exc)} {report.stored} new or changed article(s) were stored before it; "
                f"of the other {left}, some may have been{' (the rest were not read)' if more else ''}: "
                f"once the index answers, {_AGAIN}"
            )
        raise IngestStopped(message, report) from None
    except KeyboardInterrupt:  # Ctrl-C: the groups written so far stay; say which they were
        raise IngestInterrupted(report, len(todo) - (report.stored - stored_before), more) from None


@dataclass(frozen=True)
class _Unchanged:
    """An article that was unchanged when prepared: its hash and chunk count, not its chunks."""

    article: Article
    content_hash: str
    chunks: int


def _stored(prepared: PreparedArticle, status: Outcome) -> ItemResult:
    note = None if prepared.replaces is None else f'in place of "{prepared.replaces}"'
    return ItemResult(prepared.article.source, status, len(prepared.spans), prepared.article.title, note=note)


def _write_group(
    index: Index, group: list[tuple[PreparedArticle, Outcome]], report: IngestReport, progress: ProgressSink
) -> None:
    """Embed a group of articles in one call (batched by length), then store them together."""
    if not group:
        return
    group = [(analyse(prepared), status) for prepared, status in group]
    texts = [span.text for prepared, _ in group for span in prepared.spans]
    sentences = [spans for prepared, _ in group if prepared.analysis for spans in prepared.analysis.sentence_spans]
    titles = [prepared.article.title for prepared, _ in group for _ in prepared.spans]
    vectors, sentence_vectors = embed_passages(index.embeddings, texts, sentences, titles, progress.advance)
    items: list[tuple[PreparedArticle, Any, list[Any]]] = []
    at = 0
    for prepared, _ in group:
        end = at + len(prepared.spans)
        items.append((prepared, vectors[at:end], sentence_vectors[at:end]))
        at = end
    behind: VectorsBehind | None = None
    try:
        index.write_many(items)
    except VectorsBehind as exc:  # stored in the catalog all the same
        behind = exc
    except (KeyboardInterrupt, IndexUnavailable):
        # each article is one transaction: those the catalog now holds were stored (a disk that
        # filled part way through a group: the report had said 0 stored when 61 were)
        with contextlib.suppress(IndexUnavailable):  # a catalog that cannot be read cannot say
            report.items += [_stored(p, status) for p, status in group if index.status_of(p) == "unchanged"]
        raise
    report.items += [_stored(p, status) for p, status in group]
    if behind is not None:
        raise behind


def reanalysed(index: Index, progress: ProgressSink) -> int:
    """Bring the stored index terms up to this code's analyser when they are behind it
    (``Index.reanalyse``, shown as ``progress``); return how many articles were analysed again.
    The caller holds the write lock."""
    return index.reanalyse(progress.analysing, progress.analysed)


@dataclass
class AnalyseReport:
    """The summary of analysing the stored passages again (``tanya reindex --terms-only``)."""

    analyser: str
    previous_analyser: str
    articles: int
    seconds: float

    def to_json(self) -> dict[str, object]:
        """Return the ``tanya reindex --terms-only --json`` object."""
        return timed_json(self)


def reanalyse(index: Index, progress: ProgressSink | None = None) -> AnalyseReport:
    """Analyse every stored passage again when its terms were made by another analyser than
    this code's, under the write lock; nothing is embedded again (but the sentences of a
    passage the new analyser cuts otherwise). Idempotent: with the terms up to date, nothing
    is written."""
    progress = progress or ProgressSink()
    started = time.perf_counter()
    with index.writing(on_wait=progress.waiting):
        previous = index.analysed_with()
        done = reanalysed(index, progress)
    return AnalyseReport(ANALYZER_VERSION, previous, done, time.perf_counter() - started)


@dataclass
class ReindexReport:
    """The summary of a rebuild with another embedding model."""

    previous_model: str | None
    model: str
    chunks: int
    seconds: float

    def to_json(self) -> dict[str, object]:
        """Return the ``tanya reindex --json`` object."""
        return timed_json(self)


def timed_json(report: Any) -> dict[str, object]:
    """A report's fields as its ``--json`` object, its ``seconds`` rounded to the millisecond as
    the ingest report's are (a newcomer's: 0.4847809299999426)."""
    return {**asdict(report), "seconds": round(report.seconds, 3)}


REINDEX_BATCH = 256


def reindex(
    index: Index, embeddings: Embeddings, model_name: str, progress: ProgressSink | None = None
) -> ReindexReport:
    """Re-embed every stored chunk (and its sentences) with ``embeddings`` into a new set of
    catalog vectors, then switch to it and bring the Chroma copy in step.

    Articles are not fetched again: the chunks stored in the catalog are embedded. Until the
    switch, every reader (this process and others) keeps answering from the old vectors; a
    crash leaves them active and the next rebuild starts afresh.
    """
    progress = progress or ProgressSink()
    started = time.perf_counter()
    index.refresh()
    _refuse_same_model(index, model_name)
    # the model is loaded before the write lock is taken: one that cannot be (not on this
    # machine, no model) had held every other writer off while it failed (a hostile test)
    embeddings.embed_query("warm up")
    previous: str | None = None
    done, switched = 0, False
    try:
        with index.writing(on_wait=progress.waiting):
            previous, done = _rebuild(index, embeddings, model_name, progress)
            switched = True
    except KeyboardInterrupt as interrupt:
        # once the switch is in the catalog, "interrupted" alone had told the user the opposite of
        # what happened (a hostile test): it is made, and only the Chroma copy may be behind (an
        # interrupt as ``activate`` brings the copy to it says so itself; this is one after it, as
        # the write lock or the Chroma client is let go)
        if switched and not isinstance(interrupt, ReindexInterrupted):
            raise ReindexInterrupted(previous, canonical_model_name(model_name)) from None
        raise
    return ReindexReport(previous, index.model_name, done, time.perf_counter() - started)


def _rebuild(index: Index, embeddings: Embeddings, model_name: str, progress: ProgressSink) -> tuple[str | None, int]:
    """``reindex``'s work under the write lock: the model the index had, and the passages embedded."""
    from ingest.store.codecs import sentence_bytes, vector_bytes

    index.refresh()
    # again once the lock is held: a second `tanya reindex` started beside the first had waited
    # for it, then embedded every passage again with the same model (a hostile test)
    _refuse_same_model(index, model_name)
    reanalysed(index, progress)  # the sentences embedded below are the ones the terms are made of
    previous = index.built_with
    collection = index.new_collection(model_name)
    progress.start(index.count())
    done = 0
    for batch in index.catalog.iter_chunks(REINDEX_BATCH):
        texts = [c.text for c in batch]
        stored = index.sentences(batch)
        spans = [[(s.start, s.end) for s, _ in stored.get(c.chunk_id, ())] for c in batch]
        vectors, sentence_vectors = embed_passages(embeddings, texts, spans, [c.title for c in batch], progress.advance)
        index.catalog.put_vectors(
            collection,
            [(c.chunk_id, vector_bytes(v)) for c, v in zip(batch, vectors, strict=True)],
            [(c.chunk_id, sentence_bytes(m)) for c, m in zip(batch, sentence_vectors, strict=True)],
        )
        done += len(batch)
    index.activate(collection, model_name, embeddings)  # ReindexInterrupted once its switch is made
    return previous, done


@dataclass
class SyncReport:
    """The summary of bringing the Chroma copy in step with the catalog."""

    copied: int
    deleted: int
    seconds: float
    set_aside: str | None = None  # where an embedded copy that could not be used was moved

    def to_json(self) -> dict[str, object]:
        """Return the ``tanya reindex --vectors-only --json`` object."""
        return timed_json(self)


def sync_vectors(index: Index, progress: ProgressSink | None = None) -> SyncReport:
    """Rebuild the Chroma copy of the vectors from the catalog (nothing is embedded)."""
    progress = progress or ProgressSink()
    started = time.perf_counter()
    with index.writing(on_wait=progress.waiting):
        copied, deleted, aside = index.sync_vectors(repair=True)
    return SyncReport(copied, deleted, time.perf_counter() - started, None if aside is None else str(aside))


@dataclass
class MigrateReport:
    """The summary of copying an embedded index onto the database server."""

    copied: int
    unchanged: int
    chunks: int
    seconds: float
    newer_there: int = 0  # articles the server holds in a version ingested since: left as they are

    def to_json(self) -> dict[str, object]:
        """Return the ``tanya migrate --json`` object."""
        return timed_json(self)


def migrate_catalog(source: Catalog, index: Index, progress: ProgressSink | None = None) -> MigrateReport:
    """Copy every article of an embedded catalog into ``index`` (one on a database server) as it
    is stored: chunks, lexical terms, vectors and sentence vectors; nothing is embedded again
    (terms an older analyser made are made again: ``Index.put_reanalysed``). An article the
    target already holds with the same content is left alone, so a migration that stopped can be
    run again, and so is one it holds in a version ingested since (the same
    time or later: ``newer_there``): a second run had put the embedded index's older copy over a
    correction ingested on the server (a hostile test). Refuses a target built with another
    embedding model."""
    progress = progress or ProgressSink()
    started = time.perf_counter()
    _embedded_meta(source, index)
    copied = unchanged = chunks_copied = newer_there = 0
    with index.writing(on_wait=progress.waiting):
        # again once the lock is held, the embedded index's model and collection read afresh: a
        # migration that waited for another host's `tanya reindex` had copied the old model's
        # vectors into the index the rebuild had just switched (a hostile test), where neither a
        # rebuild nor a repair would ever find them; one that waited while the embedded index was
        # rebuilt had copied its articles without vectors, from a collection no longer there (a
        # review)
        meta = _embedded_meta(source, index)
        model, collection = meta.get("embedding_model"), meta.get("collection") or index.base_collection
        # The server's index keeps the collection it records; one written now for the first time
        # takes a collection of its own (``_first_collection``): the embedded index keeps its copy.
        target_collection = index.catalog.get_meta("collection") or _first_collection(
            index, meta.get(INDEX_ID), source.chunk_ids(), model or index.model_name
        )
        _refuse_foreign_target(index, target_collection, meta.get(INDEX_ID), model or index.model_name)
        reanalysed(index, progress)  # what the server holds, before more joins it
        # an embedded index whose terms an older analyser made has them made again as they are
        # copied (the server's would otherwise mix two analysers' terms)
        same_terms = analysed_with(source) == ANALYZER_VERSION
        # the source's model, loaded once if a passage's sentences are cut otherwise now
        embeddings = functools.cache(functools.partial(index.embeddings_of, model or index.model_name))
        records = source.articles()
        progress.start(sum(r.chunks for r in records))
        try:
            for record in reversed(records):  # oldest first, as they were ingested
                there = index.catalog.article(record.source)
                if there is not None and record.content_hash and there.content_hash == record.content_hash:
                    unchanged += 1
                    progress.advance(record.chunks)
                    continue
                if there is not None and there.ingested_at >= record.ingested_at:
                    newer_there += 1
                    progress.advance(record.chunks)
                    continue
                chunks = source.chunks_of(record.source)
                ids = [c.chunk_id for c in chunks]
                vectors = source.vectors(collection, ids)
                sentences = source.sentences(ids)
                sentence_vectors = source.sentence_vectors(collection, ids)
                if same_terms:
                    lexical = source.lexical_rows(record.source)
                    index.catalog.put_article(
                        record,
                        [(c.chunk_id, c.index, c.start, c.end, c.text) for c in chunks],
                        [body for body, _ in lexical],
                        lexical[0][1] if lexical else "",
                        (target_collection, model, [vectors[i] for i in ids])
                        if model and all(i in vectors for i in ids)
                        else None,
                        [sentences[i] for i in ids] if all(i in sentences for i in ids) else None,
                        [sentence_vectors[i] for i in ids] if all(i in sentence_vectors for i in ids) else None,
                    )
                else:
                    index.put_reanalysed(
                        record,
                        chunks,
                        sentences,
                        (vectors if model else {}, sentence_vectors),
                        (target_collection, model or index.model_name),
                        embeddings if model else None,
                    )
                copied += 1
                chunks_copied += len(chunks)
                progress.advance(record.chunks)
        except (IndexUnavailable, KeyboardInterrupt) as exc:  # what was copied stays: a second run copies the rest
            left = len(records) - copied - unchanged - newer_there
            if isinstance(exc, KeyboardInterrupt):
                raise MigrateInterrupted(copied, left) from None
            raise IndexUnavailable(f"{exc}; {_migrated_so_far(copied, left)}") from None
        if index.catalog.get_meta("collection") is None:
            index.catalog.set_meta("collection", target_collection)
        if model and index.catalog.get_meta("embedding_model") is None:
            index.catalog.set_meta("embedding_model", model)
        index.refresh(force=True)
        index.sync_vectors()
    return MigrateReport(copied, unchanged, chunks_copied, time.perf_counter() - started, newer_there)


class MigrateInterrupted(KeyboardInterrupt):
    """A migration interrupted (Ctrl-C, SIGTERM) part way: the articles it copied stay on the
    server, and running it again copies the rest."""

    def __init__(self, copied: int, left: int) -> None:
        super().__init__(_migrated_so_far(copied, left))
        self.copied = copied
        self.left = left


def _migrated_so_far(copied: int, left: int) -> str:
    """What a migration that stopped part way says: how much it copied, and that a second run
    copies the rest (an interrupted `tanya migrate` had said only what failed: a hostile
    tester's). Hosts reading the server meanwhile answer from the articles copied so far."""
    return (
        f"the migration stopped after copying {how_many(copied, 'article')}, {left:,} not yet copied: "
        "run `tanya migrate` again to copy the rest (what is already there is left alone)"
    )


def _refuse_same_model(index: Index, model_name: str) -> None:
    """Refuse to rebuild ``index`` with the model it already uses."""
    if index.built_with == canonical_model_name(model_name):
        raise BadInput(
            f"the index already uses {index.built_with}; set TANYA_EMBEDDING_MODEL to the model to switch to"
        )


def _embedded_meta(source: Catalog, index: Index) -> dict[str, str]:
    """The embedded index's meta (its model, its Chroma collection), read afresh; refused when
    ``index`` holds passages of another model (its vectors cannot join them)."""
    meta = source.meta()
    model = meta.get("embedding_model")
    theirs = index.catalog.get_meta("embedding_model")
    if model and theirs and theirs != model and index.catalog.count_chunks():
        raise BadInput(
            f"the database's index was built with {theirs} and this one with {model}; "
            "reindex one of them with the other's model first (tanya reindex)"
        )
    return meta


def _first_collection(index: Index, embedded_id: str | None, source_ids: set[str], model: str) -> str:
    """The Chroma collection a server's index written for the first time takes: TANYA_COLLECTION's,
    or where that is the embedded index's own copy (one Chroma for both, the data folder's when no
    TANYA_CHROMA_URL is set) a new one named after it, filled from the vectors copied into the
    catalog. The embedded copy had been handed over instead, and every later write to the embedded
    index refused as a write to another index's copy, a second migration of it too (a hostile
    test). A copy of the embedded index made before tanya marked its copies (unmarked, holding
    none but its chunk ids) cannot be told from one the server's index may write, nor kept from
    being dropped as one: the migration is refused until a write to the embedded index marks it.
    A collection of another index or tool is left to ``_refuse_foreign_target``: TANYA_COLLECTION
    names what the user meant (onto a Chroma server holding another index's "tanya" the embedded
    name had been taken, the catalog copied and the copy then refused: a hostile test)."""
    base = index.base_collection
    owners: dict[str, str | None] = {}  # the index's collections in this Chroma: whose copy each is
    with contextlib.suppress(ChromaUnavailable):
        for name in (n for n in index.mirror.collection_names() if named_after(n, base)):
            copy = index.mirror.collection(name)
            owners[name] = copy.owner()
            if owners[name] is None and (held := copy.ids()) and held <= source_ids:
                raise BadInput(
                    f"the Chroma collection {name!r} is the embedded index's copy, made before tanya marked "
                    "its copies: write to the embedded index once (tanya reindex --vectors-only, without "
                    "TANYA_DATABASE_URL), then migrate"
                )
    if embedded_id and owners.get(base) == embedded_id:
        return stamped_collection(base, model)
    return base


def _refuse_foreign_target(index: Index, name: str, old_id: str | None, model: str) -> None:
    """Before a migration copies anything: ``ForeignCollection`` when the collection it would
    write, ``name``, is not the server index's copy (``ChromaVectors.refuse_unless``, what a
    write's claim checks) but another index's or tool's, the embedded index's own included: a
    migration copies, and the embedded index goes on with its copy (where the server's index
    records the name of the embedded copy on this host, the copy had been written over). A Chroma
    that cannot be reached is left to the copy's own report (the catalog is copied; ``tanya
    reindex --vectors-only`` fills the copy later)."""
    with contextlib.suppress(ChromaUnavailable):
        if name in index.mirror.collection_names():
            copy = index.mirror.collection(name)
            if old_id and copy.owner() == old_id:
                raise ForeignCollection(
                    f"the Chroma collection {name!r} here is the embedded index's own copy, and the server's "
                    "index records that name: give the server's index a data folder of its own on this host "
                    "(TANYA_DATA_DIR=NEW_FOLDER tanya migrate --from THIS_FOLDER)"
                )
            server = index.catalog.get_meta(INDEX_ID)
            copy.refuse_unless({server} if server else set(), index.catalog.chunk_ids, model)
