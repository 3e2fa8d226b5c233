"""`tanya eval` refuses what it cannot use before it builds anything: a set line with a field of
the wrong type, a set that is a device or too large, a --details file it could not write, an
--articles path that is not there. Each is one line on stderr and exit code 2."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import evaluation
from bot.cli.app import app
from bot.evaluation import eval_articles, load_eval_set
from ingest.corpus import bundled_articles_dir
from ingest.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / "tests" / "data"

runner = CliRunner()

GOOD = {"id": "1", "question": "Siapa penemu bola lampu?", "answers": ["Edison"], "passage": "Edison menemukannya."}


def tanya(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def a_set(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def assert_refused(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("tanya: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({**GOOD, "answers": [700]}, "answers"),
        ({**GOOD, "answers": "Edison"}, "answers"),
        ({**GOOD, "evidence": [5]}, "evidence"),
        ({**GOOD, "passage": 5}, "passage"),
        ({**GOOD, "question": 5}, "question"),
        ({**GOOD, "question": "  "}, "question"),
        ({**GOOD, "answerable": "false"}, "answerable"),
        ({**GOOD, "lang": ["id"]}, "lang"),
        ({**GOOD, "id": {"a": 1}}, "id"),
        ({**GOOD, "all_answers": [[1]]}, "all_answers"),
        ({**GOOD, "all_answers": ["a"]}, "all_answers"),
        ({**GOOD, "today": "kemarin"}, "today"),
        ({"id": "c", "turns": [5]}, "turns"),
        ({"id": "c", "turns": [{"question": "a", "answers": [1]}]}, "answers"),
        ({"id": "c", "turns": []}, "turns"),
        ([GOOD], "object"),
    ],
)
def test_a_set_line_with_a_field_of_the_wrong_type_is_refused_when_loaded(
    tmp_path: Path, line: object, field: str
) -> None:
    path = a_set(tmp_path, GOOD, line)
    with pytest.raises(BadInput, match=rf"set\.jsonl:2 .*{field}"):
        load_eval_set(path)


def test_two_conversations_of_one_id_are_refused_in_a_set_and_kept_apart_across_sets(tmp_path: Path) -> None:
    """A hostile test: the turns of a conversation are asked each with the turns before it, found
    by the conversation's id: two sets' conversations "c1" had been asked as one ("berapa orang?"
    answered as a follow-up of the other set's question), and so had two lines of one set."""
    turn = {k: GOOD[k] for k in ("question", "answers", "passage")}
    conversation = {"id": "c1", "turns": [turn, {**turn, "question": "kapan?"}]}
    with pytest.raises(BadInput, match=r'set\.jsonl:2 .*"id" "c1" is the id of line 1 too'):
        load_eval_set(a_set(tmp_path, conversation, conversation))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = (load_eval_set(a_set(tmp_path / folder, conversation)) for folder in ("a", "b"))
    assert [q.id for q in first] == [q.id for q in second] == ["c1#1", "c1#2"]  # as the set writes them
    assert {q.conversation for q in first}.isdisjoint(q.conversation for q in second)


def test_a_conversations_passage_is_every_turns_that_gives_none(tmp_path: Path) -> None:
    """A conversation line may write its article once, as bench/data/conversations_train.jsonl
    does: it is indexed, and each turn is judged against it (it had been left out, every turn
    asked over the bundled article alone)."""
    turn = {k: GOOD[k] for k in ("question", "answers")}
    own = {**turn, "question": "kapan?", "passage": "Pada 1879 lampu itu menyala."}
    conversation = {"id": "c1", "passage": GOOD["passage"], "turns": [turn, own]}
    first, second = load_eval_set(a_set(tmp_path, conversation))
    assert (first.passage, second.passage) == (GOOD["passage"], own["passage"])
    texts = [a.text for a in eval_articles([first, second], bundled_articles_dir())]
    assert GOOD["passage"] in texts and own["passage"] in texts
    with pytest.raises(BadInput, match=r'set\.jsonl:1 .*turn 1: "passage" must hold text'):
        load_eval_set(a_set(tmp_path, {**conversation, "passage": " "}))


def test_a_bad_set_is_one_line_before_anything_is_indexed(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    for field, value in (("answers", [700]), ("evidence", [5]), ("passage", 5)):
        result = tanya("eval", str(a_set(tmp_path, GOOD, {**GOOD, field: value})), "--index-dir", str(index_dir))
        assert_refused(result, "set.jsonl:2", f'"{field}"')
        assert not index_dir.exists()


def test_a_set_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notepad.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    (question,) = load_eval_set(path)
    assert question.id == "1" and question.answers == ("Edison",)


def test_only_a_newline_ends_a_set_line(tmp_path: Path) -> None:
    row = {**GOOD, "passage": "Edison menemukannya.\u2028Pada tahun 1879."}
    path = tmp_path / "separators.jsonl"
    path.write_text(
        json.dumps(row, ensure_ascii=False) + "\r\n" + json.dumps({**GOOD, "id": "2"}) + "\n", encoding="utf-8"
    )
    first, second = load_eval_set(path)
    assert first.passage == "Edison menemukannya.\u2028Pada tahun 1879." and second.id == "2"


def test_a_set_that_cannot_be_scored_as_it_stands_is_refused(tmp_path: Path) -> None:
    """A hostile test: an empty set printed no row and passed; a question with no answers was
    scored wrong whatever it was answered; two questions of one id were one in --details; a line
    with both a question and turns was asked as the conversation alone."""
    for lines, reason in (
        ([], "holds no questions"),
        (["", "  "], "holds no questions"),
        ([{"id": "1", "question": "Siapa penemu bola lampu?"}], '"answers" is missing'),
        ([GOOD, {**GOOD, "question": "Siapa?"}], '"id" "1" is the id of line 1 too'),
        ([{**GOOD, "turns": [{"question": "Siapa?", "answers": ["Edison"]}]}], '"question" and "turns" both given'),
    ):
        path = tmp_path / "set.jsonl"
        path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
        with pytest.raises(BadInput, match=re.escape(reason)):
            load_eval_set(path)
    # a question no article answers needs no answers; a conversation's turns need theirs
    path.write_text(json.dumps({"id": "1", "question": "Siapa CEO TikTok?", "answerable": False}) + "\n")
    (refused,) = load_eval_set(path)
    assert not refused.answerable
    path.write_text(json.dumps({"id": "c", "turns": [{"question": "Siapa?"}]}) + "\n")
    with pytest.raises(BadInput, match='turn 1: "answers" is missing'):
        load_eval_set(path)


def test_the_shipped_and_test_sets_are_valid() -> None:
    sets = sorted((Path(__file__).parent / "data").glob("*.jsonl"))
    sets += sorted((Path(__file__).parent / "data" / "train_sample").glob("*.jsonl"))
    assert sets and all(load_eval_set(path) for path in sets)


def test_a_device_is_refused_without_being_read(tmp_path: Path) -> None:
    result = tanya("eval", "/dev/zero", "--index-dir", str(tmp_path / "index"))
    assert_refused(result, "/dev/zero", "not a regular file or a pipe")
    with pytest.raises(BadInput, match="not a regular file or a pipe"):
        load_eval_set(tmp_path)  # a folder


def _fifo_fed(folder: Path, data: bytes) -> Path:
    """A named pipe that a thread writes ``data`` into (and stops when the reader goes away)."""
    folder.mkdir()
    fifo = folder / "set.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as pipe:
            pipe.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return fifo


def test_a_set_from_a_pipe_is_read_and_one_over_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (question,) = load_eval_set(_fifo_fed(tmp_path / "small", (json.dumps(GOOD) + "\n").encode()))
    assert question.answers == ("Edison",)
    monkeypatch.setattr(evaluation, "MAX_SET_BYTES", 10_000)
    endless = (json.dumps(GOOD) + "\n").encode() * 1_000  # more than the cap, every line valid
    with pytest.raises(BadInput, match="larger than"):
        load_eval_set(_fifo_fed(tmp_path / "large", endless))


def test_a_details_file_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    path = a_set(tmp_path, GOOD)
    for details in (tmp_path / "missing" / "d.jsonl", tmp_path, path / "d.jsonl"):
        result = tanya("eval", str(path), "--details", str(details), "--index-dir", str(index_dir))
        assert_refused(result, "--details", str(details))
        assert not index_dir.exists()


def test_a_details_path_holding_another_file_is_refused_and_an_earlier_runs_details_are_written_over(
    tmp_path: Path,
) -> None:
    # a hostile tester's: --details given the index's catalog or the set being measured had
    # replaced it with the details, exit 0
    index_dir = tmp_path / "index"
    path = a_set(tmp_path, GOOD)
    catalog = tmp_path / "catalog.sqlite3"
    catalog.write_bytes(b"SQLite format 3\x00" + bytes(200))
    for details in (path, catalog):
        before = details.read_bytes()
        result = tanya("eval", str(path), "--details", str(details), "--index-dir", str(index_dir))
        assert_refused(result, "--details", str(details), "not an earlier run's details")
        assert details.read_bytes() == before
        assert not index_dir.exists()
    details = tmp_path / "details.jsonl"
    details.write_text("", encoding="utf-8")  # empty: written
    assert tanya("eval", str(path), "--details", str(details), "--index-dir", str(index_dir)).exit_code == 0
    first = details.read_text(encoding="utf-8")
    assert json.loads(first.splitlines()[0])["id"] == GOOD["id"]
    # an earlier run's details are written over, and nothing is left beside them
    assert tanya("eval", str(path), "--details", str(details), "--index-dir", str(index_dir)).exit_code == 0
    assert json.loads(details.read_text(encoding="utf-8").splitlines()[0])["id"] == GOOD["id"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_details_are_written_through_a_file_renamed_into_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    details = tmp_path / "d.jsonl"
    details.write_text('{"set": "s", "id": "1", "answerable": true, "abstained": false, "correct": true}\n')
    before = details.read_text()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evaluation.os, "replace", fail)
    with pytest.raises(OSError):
        evaluation.write_details(details, "new\n")
    assert details.read_text() == before  # the earlier details whole
    assert [p.name for p in tmp_path.iterdir() if "d.jsonl" in p.name] == ["d.jsonl"]  # no partial file left


def test_articles_are_held_to_the_same_size_cap_as_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "big.txt").write_text("Harga beras naik di pasar induk. " * 10, encoding="utf-8")  # 330 bytes
    monkeypatch.setenv("TANYA_FETCH_MAX_BYTES", "200")
    index_dir = tmp_path / "index"
    result = tanya(
        "eval", str(a_set(tmp_path, GOOD)), "--articles", str(tmp_path / "big.txt"), "--index-dir", str(index_dir)
    )
    assert_refused(result, "--articles", "too large for one article", "TANYA_FETCH_MAX_BYTES")
    assert not index_dir.exists()


def test_articles_that_are_not_there_are_refused(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    result = tanya("eval", str(a_set(tmp_path, GOOD)), "--articles", "/nonexistent", "--index-dir", str(index_dir))
    assert_refused(result, "--articles", "/nonexistent", "no such file or folder")
    assert not index_dir.exists()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": 2, "question": "???"}', "the question has no words in it"),
        ('{"id": 2, "question": "Kapan?", "today": "0001-01-01"}', "today must be a day from"),
    ],
)
def test_a_question_the_chain_would_refuse_is_refused_when_the_set_is_loaded(
    tmp_path: Path, line: str, reason: str
) -> None:
    """The type checks let these through: the run stopped at them, after indexing and asking
    the lines before, with an error that named no file or line."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "question": "Berapa karyawan?", "answers": ["700"]}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(BadInput, match=rf"bad\.jsonl:2 is not a valid question \({reason}"):
        load_eval_set(bad)
    long = tmp_path / "long.jsonl"
    long.write_text(json.dumps({"id": 1, "question": "x" * 50}) + "\n", encoding="utf-8")
    with pytest.raises(BadInput, match="the question is too long"):
        load_eval_set(long, max_question_chars=20)


def test_a_kept_index_holds_only_what_this_run_asks_for(tmp_path: Path) -> None:
    # A passage an earlier run indexed (another set, or an older version of this one) would
    # compete with this run's gold passages.
    from bot.cli.app import _settings
    from bot.components import make_stack

    index_dir = tmp_path / "index"
    other = {**GOOD, "id": "2", "passage": "Bola lampu pijar dipatenkan pada 1879 oleh Edison."}
    assert tanya("eval", str(a_set(tmp_path, GOOD, other)), "--index-dir", str(index_dir)).exit_code == 0
    result = tanya("eval", str(a_set(tmp_path, GOOD)), "--index-dir", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    settings = _settings()
    at = {"data_dir": index_dir, "chroma_url": None, "database_url": None}
    kept = settings.model_copy(update={"index": settings.index.model_copy(update=at)})
    sources = {r.source for r in make_stack(kept).index.articles()}
    assert sources == {
        str(a.source) for a in eval_articles(load_eval_set(a_set(tmp_path, GOOD)), bundled_articles_dir())
    }


def test_a_kept_index_is_marked_before_anything_is_written_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile test: a first run stopped part way (Ctrl-C while indexing) had left a folder of
    its own that the next run refused as someone else's: the mark came after the index."""
    import bot.cli.app as cli

    index_dir = tmp_path / "index"

    def interrupted(*args: object, **kwargs: object) -> None:
        assert (index_dir / cli.EVAL_INDEX_MARK).exists()  # marked before the index is made in it
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("bot.components.make_stack", interrupted)
        assert tanya("eval", str(a_set(tmp_path, GOOD)), "--index-dir", str(index_dir)).exit_code == 130
    assert tanya("eval", str(a_set(tmp_path, GOOD)), "--index-dir", str(index_dir)).exit_code == 0
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert_refused(tanya("eval", str(a_set(tmp_path, GOOD)), "--index-dir", str(a_file)), "is a file, not a folder")
    under = a_file / "index"  # a file on its path: said too, not "Not a directory"
    assert_refused(tanya("eval", str(a_set(tmp_path, GOOD)), "--index-dir", str(under)), f"{a_file} is a file")


def test_eval_refuses_a_kept_index_folder_it_did_not_write(tmp_path: Path) -> None:
    # It removes every article it does not ask for: pointed at an index of someone's articles, it
    # would empty it.
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "catalog.sqlite3").write_bytes(b"")
    assert_refused(tanya("eval", str(a_set(tmp_path, GOOD)), "--index-dir", str(folder)), "--index-dir", "empty")
    assert (folder / "catalog.sqlite3").exists()


def test_lone_surrogates_in_a_sets_passage_answers_and_evidence_are_read_as_replacement_characters(
    tmp_path: Path,
) -> None:
    # a JSON "\ud800" escape in a passage crashed `tanya eval` when the passage was hashed for its
    # source; it is indexed and hashed as U+FFFD, as ingest stores such text
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": "1", "question": "Apa ini?", "passage": "Ini \\ud800 teks gempa.", "answers": ["gempa \\udcff"],'
        ' "evidence": ["\\ud800 teks"], "all_answers": [["gempa \\udcff"]]}\n',
        encoding="utf-8",
    )
    (question,) = load_eval_set(path)
    assert question.passage == "Ini \ufffd teks gempa." and question.answers == ("gempa \ufffd",)
    assert question.evidence == ("\ufffd teks",) and question.all_answers == (("gempa \ufffd",),)
    (_, passage) = eval_articles([question], bundled_articles_dir())
    assert passage.text == "Ini \ufffd teks gempa." and passage.source.startswith("eval:")


def test_perturbed_copies_of_a_set_are_seeded_and_load_as_sets(tmp_path: Path) -> None:
    """bench/perturb_sets.py (docs/quality.md, "Messages as people type them") writes the same
    copies every time, each a valid set with every question typed its way."""
    out = tmp_path / "typed"
    command = [sys.executable, "bench/perturb_sets.py", str(TEST_DATA / "natural_dev.jsonl"), "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    first = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    assert first == {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    original = load_eval_set(TEST_DATA / "natural_dev.jsonl")
    upper = load_eval_set(out / "natural_dev_upper.jsonl")
    assert [q.question.upper() for q in original] == [q.question for q in upper]
    stretched = load_eval_set(out / "natural_dev_stretched.jsonl")
    assert all(re.search(r"(\w)\1\1\1", q.question) for q in stretched)
    assert len(first) == 9 and all(len(load_eval_set(out / name)) == len(original) for name in first)
