"""Readers catch up with other writers; a rebuild with another model switches readers at the end."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.pipeline import ingest_articles, reindex
from ingest.settings import IndexSettings
from ingest.store.catalog import Catalog
from ingest.store.index import Index
from ingest.store.vectors import ChromaMirror, segment_folders
from ingest.types import Article
from tests.conftest import HashEmbeddings

MODELS = {"model-a": HashEmbeddings("model-a", dim=48), "model-b": HashEmbeddings("model-b", dim=32)}


def open_index(settings: IndexSettings, model: str) -> Index:
    """A separate Index over the same folder, as another process would open it."""
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return Index(
        Catalog(data_dir / "catalog.sqlite3"),
        ChromaMirror(data_dir, None),
        MODELS.__getitem__,
        model,
        "tanya",
        1000,
        5.0,
    )


def lock_taken_after(index: Index, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], object]) -> None:
    """Have ``index`` take its write lock only once ``meanwhile`` is done, as a writer that waited
    for another host's write would."""
    held = index.catalog.write_lock

    @contextmanager
    def waited(*args: object, **kwargs: object) -> Iterator[None]:
        meanwhile()
        with held(*args, **kwargs):
            yield

    monkeypatch.setattr(index.catalog, "write_lock", waited)


def nearest_sources(index: Index, question: str) -> set[str]:
    """The sources of the passages nearest to ``question`` by their vectors."""
    ids = [cid for cid, _ in index.nearest(question, 10)]
    return {chunk.source for chunk in index.chunks(ids).values()}


def articles(n: int, word: str = "gunung") -> list[Article]:
    return [
        Article(f"{word}-{i}", f"Berita {word} nomor {i} tentang letusan dan abu vulkanik.", f"{word} {i}")
        for i in range(n)
    ]


def test_reader_sees_articles_written_after_it_started(settings: IndexSettings) -> None:
    writer = open_index(settings, "model-a")
    reader = open_index(settings, "model-a")
    ingest_articles(writer, articles(3))
    assert nearest_sources(reader, "gunung") == {"gunung-0", "gunung-1", "gunung-2"}
    ingest_articles(writer, articles(2, "banjir"))
    hits = reader.lexical_search(["banjir"], 10)
    assert {h.chunk.source for h in hits} == {"banjir-0", "banjir-1"}
    similarities = reader.similarities("banjir", [h.chunk.chunk_id for h in hits])
    assert set(similarities) == {h.chunk.chunk_id for h in hits}
    assert nearest_sources(reader, "banjir") >= {"banjir-0", "banjir-1"}
    with writer.writing():
        writer.remove("banjir-0")
    assert "banjir-0" not in nearest_sources(reader, "banjir")
    assert "banjir-0" not in {h.chunk.source for h in reader.lexical_search(["banjir"], 10)}


def test_reindex_keeps_readers_answering_and_switches_them_at_the_end(settings: IndexSettings) -> None:
    writer = open_index(settings, "model-a")
    ingest_articles(writer, articles(40))
    reader = open_index(settings, "model-a")
    assert reader.model_name == "model-a" and len(reader.similarities("gunung", ["x"])) == 0
    stale = reader.question_vector("gunung")
    during: list[int] = []
    nearest_during: list[int] = []
    done = threading.Event()

    errors: list[Exception] = []

    def keep_asking() -> None:
        while not done.is_set():
            hits = reader.lexical_search(["gunung"], 5)
            try:
                during.append(len(reader.similarities("letusan gunung", [h.chunk.chunk_id for h in hits])))
                nearest_during.append(len(reader.nearest("letusan gunung", 5)))
            except Exception as exc:  # a question asked during the switch must not fail
                errors.append(exc)
                return

    asker = threading.Thread(target=keep_asking)
    asker.start()
    rebuilder = open_index(settings, "model-b")
    report = reindex(rebuilder, MODELS["model-b"], "model-b")
    done.set()
    asker.join()
    assert (report.previous_model, report.model, report.chunks) == ("model-a", "model-b", 40)
    assert not errors
    assert during and all(n == 5 for n in during)  # every question got its dense scores
    assert all(n == 5 for n in nearest_during)  # and its nearest passages, whichever model held them
    hits = reader.lexical_search(["gunung"], 5)
    ids = [h.chunk.chunk_id for h in hits]
    assert len(reader.similarities("gunung", ids)) == 5
    assert reader.model_name == "model-b" and reader.built_with == "model-b"
    # A question embedded before the switch (the retriever embeds beside the lexical search) is
    # embedded again by the new model, never compared across models.
    assert stale.model == "model-a" and len(stale.vector) == 48
    assert reader.similarities(stale, ids) == reader.similarities("gunung", ids)
    assert reader.mirror.collection_names() == [reader.collection_name]  # the old collection is gone
    assert reader.mirror.collection(reader.collection_name).model() == "model-b"
    assert reader.mirrored_ids() == reader.catalog.chunk_ids()


def test_a_reader_following_rebuilds_back_and_forth_keeps_two_models_loaded(settings: IndexSettings) -> None:
    """A hostile test: a running `ask --batch -` grew by about 45 MB at each switch to another
    model and back, a model made afresh at every switch and none let go."""
    made: list[str] = []

    def fresh(name: str) -> HashEmbeddings:
        made.append(name)
        return HashEmbeddings(name, dim=48 if name == "model-a" else 32)

    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    catalog, mirror = Catalog(data_dir / "catalog.sqlite3"), ChromaMirror(data_dir, None)
    reader = Index(catalog, mirror, fresh, "model-a", "tanya", 1000, 5.0)
    ingest_articles(open_index(settings, "model-a"), articles(3))
    assert nearest_sources(reader, "gunung") == {"gunung-0", "gunung-1", "gunung-2"}  # it runs
    first = reader.embeddings
    for model in ("model-b", "model-a", "model-b", "model-a", "model-b"):
        reindex(open_index(settings, model), MODELS[model], model)
        assert nearest_sources(reader, "gunung") == {"gunung-0", "gunung-1", "gunung-2"}
        assert reader.model_name == model
    assert made == ["model-a", "model-b"]  # each model made once
    reindex(open_index(settings, "model-a"), MODELS["model-a"], "model-a")
    assert nearest_sources(reader, "gunung") and reader.embeddings is first


def test_a_rebuild_leaves_no_folder_of_the_collection_it_replaced(settings: IndexSettings) -> None:
    """Chroma 1.x leaves a deleted collection's vector folder on disk (chroma-core/chroma#1309):
    every rebuild had left its old one beside the new, 3.6 MB for 2,107 passages (a hostile
    tester's). Whatever else the folder holds stays."""
    ingest_articles(open_index(settings, "model-a"), articles(40))
    folder = Path(settings.data_dir) / "chroma"
    (folder / "notes").mkdir()  # not a segment's
    for model in ("model-b", "model-a"):
        reindex(open_index(settings, model), MODELS[model], model)
        segments = [p.name for p in folder.iterdir() if p.is_dir() and p.name != "notes"]
        assert len(segments) == 1, segments
        assert nearest_sources(open_index(settings, model), "gunung nomor 7") >= {"gunung-7"}
    assert (folder / "notes").is_dir()
    # a data directory given relative to the working one is read as well (a file URI is absolute)
    index = open_index(settings, "model-a")
    index.refresh()
    assert len(segment_folders(Path(os.path.relpath(folder)), index.collection_name)) == 1


def test_a_second_rebuild_that_waited_for_the_first_refuses_the_model_it_now_has(
    settings: IndexSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile test: two `tanya reindex` started together both passed the command's check, and
    the second, once the first let go of the lock, embedded every passage again."""
    from ingest.errors import BadInput

    ingest_articles(open_index(settings, "model-a"), articles(3))
    waiting = open_index(settings, "model-b")  # checked before the first rebuild ended: it waits for it
    lock_taken_after(
        waiting, monkeypatch, lambda: reindex(open_index(settings, "model-b"), MODELS["model-b"], "model-b")
    )
    with pytest.raises(BadInput, match="already uses model-b"):
        reindex(waiting, MODELS["model-b"], "model-b")
    assert open_index(settings, "model-b").catalog.get_meta("embedding_model") == "model-b"


def test_a_rebuild_interrupted_after_its_switch_says_the_switch_is_made(
    settings: IndexSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile test: Ctrl-C or SIGTERM as the Chroma copy followed the switch said only
    "interrupted", while every answer already used the new model."""
    from ingest.errors import ReindexInterrupted

    ingest_articles(open_index(settings, "model-a"), articles(3))
    rebuilder = open_index(settings, "model-b")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rebuilder, "sync_vectors", interrupted)  # the signal lands as the copy follows
    with pytest.raises(ReindexInterrupted) as raised:
        reindex(rebuilder, MODELS["model-b"], "model-b")
    assert (raised.value.previous, raised.value.model) == ("model-a", "model-b")
    later = open_index(settings, "model-b")
    assert nearest_sources(later, "gunung") == {"gunung-0", "gunung-1", "gunung-2"}
    later.sync_vectors(repair=True)  # `tanya reindex --vectors-only`
    assert later.mirror.collection(later.collection_name).model() == "model-b"
    assert later.mirrored_ids() == later.catalog.chunk_ids()
    # before the switch, an interrupt is the plain one: nothing changed
    other = open_index(settings, "model-a")
    monkeypatch.setattr(other.catalog, "activate_collection", interrupted)
    with pytest.raises(KeyboardInterrupt) as plain:
        reindex(other, MODELS["model-a"], "model-a")
    assert not isinstance(plain.value, ReindexInterrupted)
    assert open_index(settings, "model-b").catalog.get_meta("embedding_model") == "model-b"
    # after the switch, as the write lock is let go (a review): the switch is made, and said so,
    # without the catalog being read again (a read that fails had made the interrupt that error)
    third = open_index(settings, "model-a")
    held = third.catalog.write_lock

    @contextmanager
    def let_go_interrupted(*args: object, **kwargs: object) -> Iterator[None]:
        with held(*args, **kwargs):
            yield
        monkeypatch.setattr(third.catalog, "get_meta", interrupted)
        raise KeyboardInterrupt

    monkeypatch.setattr(third.catalog, "write_lock", let_go_interrupted)
    with pytest.raises(ReindexInterrupted) as late:
        reindex(third, MODELS["model-a"], "model-a")
    assert (late.value.previous, late.value.model) == ("model-b", "model-a")
    assert open_index(settings, "model-a").catalog.get_meta("embedding_model") == "model-a"


def test_a_rebuild_loads_its_model_before_it_takes_the_write_lock(
    settings: IndexSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile test: a model that could not be loaded held every other writer off while it
    failed (over a minute, tried on the network)."""
    from ingest.errors import TanyaError

    ingest_articles(open_index(settings, "model-a"), articles(1))
    rebuilder = open_index(settings, "model-b")
    taken: list[str] = []
    held = rebuilder.catalog.write_lock

    @contextmanager
    def noting(*args: object, **kwargs: object) -> Iterator[None]:
        taken.append("lock")
        with held(*args, **kwargs):
            yield

    class Unloadable(HashEmbeddings):
        def embed_query(self, text: str) -> list[float]:
            taken.append("load")
            raise TanyaError("cannot load embedding model 'model-b'")

    monkeypatch.setattr(rebuilder.catalog, "write_lock", noting)
    with pytest.raises(TanyaError, match="cannot load"):
        reindex(rebuilder, Unloadable("model-b", dim=32), "model-b")
    assert taken == ["load"]


def test_a_migration_that_waited_for_a_rebuild_refuses_the_model_it_switched_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile test of the servers: `tanya migrate` waiting for another host's `tanya reindex`
    copied the embedded index's vectors of the old model into the index rebuilt with another."""
    from ingest.errors import BadInput
    from ingest.pipeline import migrate_catalog

    def at(folder: Path, model: str) -> Index:
        folder.mkdir(parents=True, exist_ok=True)
        catalog, mirror = Catalog(folder / "catalog.sqlite3"), ChromaMirror(folder, None)
        return Index(catalog, mirror, MODELS.__getitem__, model, "tanya", 1000, 5.0)

    # another host rebuilt the server's index while the migration waited; then the embedded index
    # itself was rebuilt (a review: its articles had been copied without vectors, read from the
    # collection the rebuild had dropped)
    for case, (before, after, rebuilt) in enumerate(
        (("model-a", "model-b", "server"), ("model-b", "model-a", "embedded"))
    ):
        root = tmp_path / str(case)
        ingest_articles(at(root / "embedded", before), articles(2, "banjir"))
        source = Catalog.read_only(root / "embedded" / "catalog.sqlite3")
        ingest_articles(at(root / "server", before), articles(2))
        migrating = at(root / "server", before)

        def rebuild(folder: Path = root / rebuilt, model: str = after) -> None:
            reindex(at(folder, model), MODELS[model], model)

        lock_taken_after(migrating, monkeypatch, rebuild)
        with pytest.raises(BadInput, match="built with model-b and this one with model-a"):
            migrate_catalog(source, migrating)
        server = at(root / "server", after if rebuilt == "server" else before)
        assert {a.source for a in server.articles()} == {"gunung-0", "gunung-1"}, rebuilt  # nothing copied


def test_an_index_opened_with_another_model_points_to_reindex(settings: IndexSettings) -> None:
    ingest_articles(open_index(settings, "model-a"), articles(1))
    other = open_index(settings, "model-b")
    import pytest

    from ingest.errors import IndexMismatch

    with pytest.raises(IndexMismatch, match="tanya reindex"):
        other.nearest("gunung", 3)


def test_processes_creating_the_same_catalog_at_once_all_succeed(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys; from ingest.store.catalog import Catalog; Catalog(__import__('pathlib').Path(sys.argv[1]))"
    for attempt in range(3):
        path = tmp_path / f"catalog-{attempt}.sqlite3"
        processes = [
            subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE) for _ in range(6)
        ]
        errors = [p.communicate(timeout=60)[1].decode() for p in processes]
        assert [p.returncode for p in processes] == [0] * 6, errors


def test_a_rebuild_whose_chroma_copy_cannot_follow_says_the_switch_is_made(settings: IndexSettings) -> None:
    """A hostile test: the Chroma server killed during `tanya reindex` gave "cannot reach the
    Chroma server" though the catalog had switched to the new model; the message now says so."""
    import pytest

    from ingest.errors import VectorsBehind
    from tests.conftest import read_only

    index = open_index(settings, "model-a")
    ingest_articles(index, articles(3))
    rebuilder = open_index(settings, "model-b")
    with read_only(Path(settings.data_dir) / "chroma"), pytest.raises(VectorsBehind) as behind:
        reindex(rebuilder, MODELS["model-b"], "model-b")
    assert str(behind.value).startswith("switched to model-b in the catalog (every answer uses it), but not the")
    assert str(behind.value).endswith("run `tanya reindex --vectors-only`")
    assert rebuilder.built_with == "model-b"
    from ingest.pipeline import sync_vectors

    assert sync_vectors(rebuilder).copied == 3  # what the message says catches it up


def test_a_repair_after_a_rebuild_copies_into_the_rebuilt_collection(settings: IndexSettings) -> None:
    """A hostile test: `tanya reindex --vectors-only` in a new process after `tanya reindex`
    reconciled the configured collection ("tanya"), which holds none of the rebuilt vectors, and
    dropped the rebuilt one as another of the index's collections: the Chroma copy was left
    empty while the report said every vector had been copied. It repairs the collection the
    catalog records, whatever TANYA_COLLECTION says (an index's copy does not move)."""
    from ingest.pipeline import sync_vectors

    ingest_articles(open_index(settings, "model-a"), articles(3))
    rebuilt = open_index(settings, "model-b")
    reindex(rebuilt, MODELS["model-b"], "model-b")
    expected = rebuilt.mirrored_ids()
    assert len(expected) == 3
    for collection in ("tanya", "another"):
        data_dir = Path(settings.data_dir)
        fresh = Index(
            Catalog(data_dir / "catalog.sqlite3"),
            ChromaMirror(data_dir, None),
            MODELS.__getitem__,
            "model-b",
            collection,
            1000,
            5.0,
        )
        report = sync_vectors(fresh)
        assert report.copied == 0 and report.deleted == 0
        assert open_index(settings, "model-b").mirrored_ids() == expected
        assert nearest_sources(open_index(settings, "model-b"), "gunung") == {"gunung-0", "gunung-1", "gunung-2"}


def test_a_removal_after_another_process_rebuilt_the_index_leaves_nothing_of_it_in_the_copy(
    settings: IndexSettings,
) -> None:
    """A hostile test: a host that had read the index before another rebuilt it, removing an
    article once the rebuild let go of the write lock, deleted it from the old collection: the
    rebuilt copy kept its vector and text, and the index recorded the copy as in step."""
    other = open_index(settings, "model-a")
    ingest_articles(other, articles(3))
    assert len(other.mirrored_ids()) == 3  # read the index as it was
    rebuilt = open_index(settings, "model-b")
    reindex(rebuilt, MODELS["model-b"], "model-b")
    with other.writing():
        assert other.remove("gunung-1")
    fresh = open_index(settings, "model-b")
    assert len(fresh.mirrored_ids()) == fresh.count() == 2
    assert nearest_sources(fresh, "gunung") == {"gunung-0", "gunung-2"}


def test_a_rebuild_with_another_model_makes_an_older_analysers_terms_again_first(settings: IndexSettings) -> None:
    """`tanya reindex` embeds each passage's sentences as the stored terms cut them, so it makes
    an older analyser's terms again before it embeds: the rebuilt index is not left behind."""
    from ingest.text.analysis import query_terms
    from tests.conftest import as_an_older_analyser_left_it

    index = open_index(settings, "model-a")
    ingest_articles(index, [Article("phk", "Para karyawan pabrik itu dirumahkan sejak Senin.", "PHK")])
    as_an_older_analyser_left_it(index)
    assert index.terms_behind() and not index.catalog.search(query_terms("dirumahkan"), 3)
    rebuilder = open_index(settings, "model-b")
    reindex(rebuilder, MODELS["model-b"], "model-b")
    assert not rebuilder.terms_behind() and rebuilder.built_with == "model-b"
    assert rebuilder.catalog.search(query_terms("dirumahkan"), 3)
