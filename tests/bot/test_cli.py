"""The CLI contract: JSON shapes, exit codes, one-line errors. Runs the real stack in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from tests.conftest import BUNDLED_ARTICLE

runner = CliRunner()

QUESTION = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"


def tanya(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def ingested(bundled_index: Path) -> None:
    """The bundled article's index, as `tanya ingest --bundled` leaves it."""


def test_the_models_warm_up_is_waited_for_before_the_process_exits(ingested: None) -> None:
    # A daemon thread still loading the model when a question needed no vector (the lexical
    # models) let onnxruntime be torn down under it: now and then `tanya ask` aborted (exit 134).
    import threading

    from bot.cli.app import _index_warming_up, _settings

    _index_warming_up(_settings().index)
    warming = [t for t in threading.enumerate() if t.name == "tanya-warm-up"]
    assert warming and not any(t.daemon for t in warming)  # the interpreter joins it before it exits
    for thread in warming:
        thread.join()


def test_ingest_json_summary_and_idempotence(tmp_path: Path) -> None:
    first = json.loads(tanya("ingest", str(BUNDLED_ARTICLE), "--json").stdout)
    second = json.loads(tanya("ingest", str(BUNDLED_ARTICLE), "--json").stdout)
    assert (first["added"], first["unchanged"], first["skipped"]) == (1, 0, 0)
    assert first["chunks"] > 0 and first["items"][0]["title"].startswith("TikTok")
    assert (second["added"], second["unchanged"], second["chunks"]) == (0, 1, 0)


def test_a_huge_jsonl_id_is_shown_shortened_in_the_report_and_given_whole_in_json(tmp_path: Path) -> None:
    huge = "x" * 100_000
    (tmp_path / "f.jsonl").write_text(json.dumps({"id": huge, "text": "Harga cabai naik 10 persen."}) + "\n")
    shown = tanya("ingest", str(tmp_path / "f.jsonl"))
    assert shown.exit_code == 0 and len(shown.stdout) < 2_000 and "x" * 299 + "…" in shown.stdout
    (record,) = json.loads(tanya("sources", "--json").stdout)
    assert record["source"] == huge
    cited = tanya("ask", "harga cabai naik berapa persen?")  # and in a citation's line
    assert cited.exit_code == 0 and "10 persen" in cited.stdout and len(cited.stdout) < 3_000, cited.output


def test_a_jsonl_id_is_removed_as_its_file_writes_it_or_as_sources_lists_it(tmp_path: Path) -> None:
    lines = [
        {"id": "berita\t02", "text": "Harga cabai naik 10 persen."},
        {"id": "berita 02", "text": "Harga bawang turun."},
    ]
    (tmp_path / "f.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert tanya("ingest", str(tmp_path / "f.jsonl")).exit_code == 0
    listed = sorted(record["source"] for record in json.loads(tanya("sources", "--json").stdout))
    assert listed == ["berita 02", "berita\\x0902"]
    removed = tanya("remove", "berita\t02", "--json")  # as the file writes it
    assert removed.exit_code == 0 and json.loads(removed.stdout) == {"removed": "berita\\x0902"}, removed.output
    assert [record["source"] for record in json.loads(tanya("sources", "--json").stdout)] == ["berita 02"]


def test_a_jsonl_id_reading_as_a_path_is_its_own_source_and_removed_as_written(tmp_path: Path) -> None:
    # "/news/x" and "jsonl:/news/x" had shared a source (the second replaced the first), and
    # "/news/x" as its file writes it was "not in the index" (a hostile tester's, 2026-12-05)
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "/news/x", "text": "Harga cabai naik 10 persen."}) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "jsonl:/news/x", "text": "Harga bawang turun."}) + "\n")
    assert tanya("ingest", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")).exit_code == 0
    listed = sorted(record["source"] for record in json.loads(tanya("sources", "--json").stdout))
    assert listed == ["jsonl:/news/x", "jsonl:jsonl:/news/x"]
    # "jsonl:/news/x" is the first's source as listed and the second's id as its file writes it (a review's)
    ambiguous = tanya("remove", "jsonl:/news/x")
    assert ambiguous.exit_code == 2 and "ambiguous" in ambiguous.stderr and "jsonl:jsonl:/news/x" in ambiguous.stderr
    removed = tanya("remove", "/news/x", "--json")  # as the file writes it
    assert removed.exit_code == 0 and json.loads(removed.stdout) == {"removed": "jsonl:/news/x"}, removed.output
    removed = tanya("remove", "jsonl:jsonl:/news/x", "--json")  # as `tanya sources` lists it
    assert removed.exit_code == 0 and json.loads(tanya("sources", "--json").stdout) == []


def test_a_jsonl_id_naming_a_line_of_a_file_is_not_that_lines_source(tmp_path: Path) -> None:
    # an id "/abs/n.jsonl#L1" had been the source of line 1 of /abs/n.jsonl, which has no id (a review's)
    line = f"{(tmp_path / 'n.jsonl').resolve()}#L1"
    (tmp_path / "n.jsonl").write_text(json.dumps({"text": "Harga cabai naik 10 persen."}) + "\n")
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": line, "text": "Harga bawang turun."}) + "\n")
    assert tanya("ingest", str(tmp_path / "n.jsonl"), str(tmp_path / "m.jsonl")).exit_code == 0
    listed = sorted(record["source"] for record in json.loads(tanya("sources", "--json").stdout))
    assert listed == [f"jsonl:{line}", f"jsonl:{line}".replace("#L1", "\\x23L1")]
    removed = tanya("remove", line, "--json")  # the id as its file writes it
    assert removed.exit_code == 0 and json.loads(removed.stdout)["removed"].endswith("\\x23L1"), removed.output
    assert [record["source"] for record in json.loads(tanya("sources", "--json").stdout)] == [f"jsonl:{line}"]


def test_ingest_if_empty_does_nothing_on_a_filled_index(ingested: None) -> None:
    result = tanya("ingest", "--bundled", "--if-empty")
    assert result.exit_code == 0 and "already holds 1 article" in result.stderr


def test_ingest_with_a_skipped_input_exits_2_and_says_why(ingested: None, tmp_path: Path) -> None:
    result = tanya("ingest", str(tmp_path / "missing.txt"), str(BUNDLED_ARTICLE))
    assert result.exit_code == 2
    assert "no such file or folder" in result.stdout and "unchanged" in result.stdout


def test_a_document_the_parsers_cannot_read_is_one_skip_line_without_their_logs(tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.test_processes import TANYA

    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    env = {**os.environ, "TANYA_DATA_DIR": str(tmp_path / "index")}
    result = subprocess.run(
        [TANYA, "ingest", str(tmp_path / "empty.html"), str(tmp_path / "cut.pdf")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and result.stdout.count("  skipped  ") == 2, result.stdout + result.stderr
    assert result.stderr.strip() == ""  # the parsers' own logs ("lxml parsing failed") stay out
    debug = subprocess.run(
        [TANYA, "--debug", "ingest", str(tmp_path / "empty.html")], env=env, capture_output=True, text=True, timeout=120
    )
    assert debug.returncode == 2 and "trafilatura" in debug.stderr  # with --debug they are shown


@pytest.mark.slow
def test_a_model_folder_on_a_full_disk_is_one_line_naming_the_file(tmp_path: Path) -> None:
    """Building the model writes through safetensors and tokenizers, which raise errors of their
    own when a write fails (a full disk, a file-size limit): one line naming the file, no
    traceback, and no half-built folder left behind."""
    import os
    import resource
    import subprocess

    from tests.test_processes import TANYA

    def small_files() -> None:  # every file this process writes stops at 200 KB, as a full disk would
        resource.setrlimit(resource.RLIMIT_FSIZE, (200 * 1024, 200 * 1024))

    models = tmp_path / "models"
    env = {**os.environ, "TANYA_DATA_DIR": str(tmp_path / "index"), "TANYA_MODEL_CACHE_DIR": str(models)}
    result = subprocess.run(
        [TANYA, "ingest", "--bundled"], env=env, capture_output=True, text=True, timeout=300, preexec_fn=small_files
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(f"tanya: error: cannot build the embedding model in {models} (TANYA_MODEL_CACHE_DIR")
    assert "model.safetensors)" in line and not list(models.glob(".*partial*"))


def test_ingest_without_inputs_is_bad_usage() -> None:
    result = tanya("ingest")
    assert result.exit_code == 2 and result.stderr.startswith("tanya: error: give at least one")


def test_ask_json_contract(ingested: None) -> None:
    result = tanya("ask", "--json", QUESTION)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "abstained", "chat", "citations", "retrieved", "timings_ms", "mode"}
    assert data["question"] == QUESTION and data["abstained"] is False and "700" in data["answer"]
    assert data["chat"] is False
    citation = data["citations"][0]
    assert set(citation) == {"n", "source", "title", "url", "published", "chunk_id", "text", "quote", "score"}
    assert citation["n"] == 1 and citation["quote"] in citation["text"]
    assert citation["source"] == str(BUNDLED_ARTICLE.resolve())
    assert {"chunk_id", "source", "text", "score"} <= set(data["retrieved"][0])
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}


def test_a_message_that_asks_nothing_is_a_chat_reply_in_json(ingested: None) -> None:
    # "halo kak" and "makasih" are told what to ask or thanked back, not refused: "chat" tells them
    # from an abstention, which a tool would otherwise count as a question the index cannot answer
    for message in ("halo kak", "makasih ya", "help"):
        data = json.loads(tanya("ask", "--json", message).stdout)
        assert data["chat"] is True and data["abstained"] is True
        assert data["citations"] == [] and data["closest"] is None and data["retrieved"] == []
        assert "tidak menyebutkan" not in data["answer"]


def test_an_abstention_shows_the_closest_passage_said_to_be_no_answer(ingested: None) -> None:
    # refused, though its likeliest sentence holds the answer
    question = "jubir tiktok ngomong apa soal phk ini"
    data = json.loads(tanya("ask", "--json", question).stdout)
    assert data["abstained"] and data["citations"] == [] and "operasi global" in data["closest"]["quote"]
    assert set(data["closest"]) == {"n", "source", "title", "url", "published", "chunk_id", "text", "quote", "score"}
    assert data["closest"]["n"] is None  # no marker cites it
    assert json.loads(tanya("ask", "--json", QUESTION).stdout)["closest"] is None  # an answer has none
    assert data["chat"] is False  # an abstention is no chat reply
    shown = tanya("ask", question).stdout
    assert (
        shown.index("tidak menyebutkan")
        < shown.index("paling dekat, mungkin bukan jawabannya")
        < shown.index("operasi global")
    )


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_output_that_cannot_encode_an_answer_s_characters_gets_them_replaced(
    story: object, story_dir: Path, encoding: str
) -> None:
    """A hostile test: a terminal in latin-1 (or ``PYTHONIOENCODING=ascii``) ended `tanya ask`
    with a UnicodeEncodeError's traceback at the first " · " (a citation's date and source) or
    " … "; such characters are written as "?"."""
    import os
    import subprocess

    from tests.test_processes import TANYA

    env = {**os.environ, "TANYA_DATA_DIR": str(story_dir), "PYTHONIOENCODING": encoding}
    question = "berapa pengungsi banjir lembah arum?"
    result = subprocess.run([TANYA, "ask", question], env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode(encoding, "replace")
    assert b"Traceback" not in result.stderr and b"pengungsi" in result.stdout
    # "2026-10-30 · source": "·" is latin-1's own, "?" in ASCII
    assert (b" \xb7 " if encoding == "latin-1" else b" ? ") in result.stdout


def test_ask_human_output_quotes_the_cited_passage(ingested: None) -> None:
    result = tanya("ask", QUESTION)
    assert result.exit_code == 0
    assert "700" in result.stdout and "[1] TikTok" in result.stdout


def test_each_cited_sentence_is_highlighted_where_it_stands_in_its_passage() -> None:
    from bot.cli.render import _quote

    passage = "Judul berita\n\nKalimat pertama. Kalimat kedua tidak dikutip. Kalimat ketiga."
    rendered = _quote(passage, "Kalimat pertama. Kalimat ketiga.")
    lit = [rendered.plain[span.start : span.end] for span in rendered.spans if "green" in str(span.style)]
    assert lit == ["Kalimat pertama.", "Kalimat ketiga."]  # past the paragraph break, and both of them


@pytest.mark.parametrize(
    ("args", "env"),
    [(["ask", "--since", "2026-13-01", "x"], {}), (["ask", "x"], {"TANYA_TOP_K": "0"}), (["remove", "nothing"], {})],
)
def test_debug_shows_the_traceback_and_keeps_the_exit_code(
    ingested: None, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]
) -> None:
    """A hostile test: with --debug every usage error (exit code 2) ended with exit code 1."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    plain, debugging = tanya(*args), tanya("--debug", *args)
    assert plain.exit_code == debugging.exit_code == 2, (plain.output, debugging.output)
    assert "Traceback" in debugging.output and "Traceback" not in plain.output


@pytest.mark.parametrize(
    ("question", "message"),
    [("   ", "empty"), ("?!", "no words"), ("x" * 10_000, "too long"), ("\x00\x07\x1b", "empty"), ("🙂🎉", "no words")],
)
def test_bad_questions_are_one_line_errors_with_exit_2(ingested: None, question: str, message: str) -> None:
    result = tanya("ask", question)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_batch_answers_each_line_in_order_with_ids(ingested: None, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 7, "question": QUESTION}),
        "Sejak tahun berapa OpenAI bermitra dengan Microsoft?",
        "",
        json.dumps({"id": "kosong", "question": " "}),
    ]
    result = tanya("ask", "--json", "--batch", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == [7, None, None, "kosong"]
    assert "700" in out[0]["answer"] and "2019" in out[1]["answer"]
    assert out[2] == {"question": "", "error": "the question is empty"}
    assert out[3]["error"] == "the question is empty"


def test_batch_lines_may_carry_the_conversation_before_them(ingested: None) -> None:
    first = "karyawan tiktok yg kena phk dikabarinnya lewat apa?"
    lines = [
        json.dumps({"id": 1, "question": "trus kapan?"}),
        json.dumps({"id": 2, "question": "trus kapan?", "history": [first]}),
        json.dumps({"id": 3, "question": "trus kapan?", "history": [{"question": first, "answer": "lewat email"}]}),
        json.dumps({"id": 4, "question": "trus kapan?", "history": [first, 7]}),
    ]
    result = tanya("ask", "--json", "--batch", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert "12 Oktober 2024" not in out[0]["answer"]  # on its own, "and when?" says too little
    assert "12 Oktober 2024" in out[1]["answer"] and out[2]["answer"] == out[1]["answer"]
    assert out[3] == {
        "id": 4,
        "question": "trus kapan?",
        "error": "history item 2 is neither a question nor an object with a question",
    }


@pytest.mark.parametrize("start_over", ["new", "/new", "reset", "Clear"])
def test_chat_reads_a_follow_up_with_the_question_before_it_until_new(ingested: None, start_over: str) -> None:
    # "reset", "clear" and "/new" had been searched as questions (a hostile tester's)
    lines = ["karyawan tiktok yg kena phk dikabarinnya lewat apa?", "trus kapan?", start_over, "trus kapan?", ""]
    result = tanya("chat", input="\n".join(lines))
    assert result.exit_code == 0, result.output
    answers = result.stdout.split("a new conversation")
    assert "12 Oktober 2024" in answers[0] and "tidak menyebutkan hal itu" not in answers[0]
    # on its own, "trus kapan?" names nothing to search for: it is told what to ask
    assert "Coba" in answers[1] and "12 Oktober 2024" not in answers[1]


@pytest.mark.parametrize("quit_word", ["exit", "/quit", "/exit", "QUIT"])
def test_chat_ends_at_a_word_that_quits(ingested: None, quit_word: str) -> None:
    # what follows it is never asked: "/quit" and "/exit" had been searched as questions
    result = tanya("chat", input="\n".join([quit_word, QUESTION, ""]))
    assert result.exit_code == 0, result.output
    assert "700" not in result.stdout


def test_eval_scores_conversations_turn_by_turn(tmp_path: Path) -> None:
    conversations = tmp_path / "talk.jsonl"
    turns = [
        {"question": "karyawan tiktok yg kena phk dikabarinnya lewat apa?", "answers": ["email"]},
        {"question": "trus kapan?", "answers": ["12 Oktober 2024"], "evidence": ["melalui email pada 12 Oktober 2024"]},
    ]
    conversations.write_text(json.dumps({"id": "c1", "turns": turns}) + "\n", encoding="utf-8")
    details = tmp_path / "details.jsonl"
    result = tanya("eval", str(conversations), "--json", "--details", str(details))
    assert result.exit_code == 0, result.output
    metrics = {m["name"]: m for m in json.loads(result.stdout)}
    assert set(metrics) == {"talk/first", "talk/follow-up"}
    assert metrics["talk/follow-up"]["answer_accuracy"] == 1.0
    assert [json.loads(line)["id"] for line in details.read_text().splitlines()] == ["c1#1", "c1#2"]


def test_eval_reports_how_often_a_refusals_closest_passage_holds_the_answer(tmp_path: Path) -> None:
    questions = tmp_path / "refused.jsonl"
    rows = [  # refused: the first's closest passage is what the spokesman said, the second's names no CEO
        {"id": "q1", "question": "jubir tiktok ngomong apa soal phk ini", "answers": ["operasi global"]},
        {"id": "q2", "question": "siapa CEO tiktok", "answers": ["Shou Zi Chew"]},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    details = tmp_path / "details.jsonl"
    result = tanya("eval", str(questions), "--json", "--details", str(details))
    assert result.exit_code == 0, result.output
    (metrics,) = json.loads(result.stdout)
    assert metrics["false_abstentions"] == 1.0 and metrics["extra"]["refused_closest_holds_answer"] == 0.5
    first, second = (json.loads(line) for line in details.read_text().splitlines())
    assert "operasi global" in first["closest"] and "Shou" not in second["closest"]


def test_batch_prints_one_line_per_input_line_blank_lines_as_errors(ingested: None, tmp_path: Path) -> None:
    batch = tmp_path / "questions.txt"
    batch.write_text(f"\n{QUESTION}\n   \n\n{QUESTION}\n", encoding="utf-8")
    result = tanya("ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5  # the file's five lines, the final newline ends the last one
    assert [o.get("error") for o in out] == ["the question is empty", None, *["the question is empty"] * 2, None]
    assert "700" in out[1]["answer"] and "700" in out[4]["answer"]


def test_a_question_with_bytes_that_are_not_utf8_is_answered(ingested: None) -> None:
    # Python hands the argv byte 0xff over as the lone surrogate "\udcff" (surrogateescape).
    raw = "Berapa karyawan TikTok \udcff di Malaysia yang terkena PHK?"
    result = tanya("ask", "--json", raw)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes.decode("utf-8"))
    assert data["question"] == raw.replace("\udcff", "\ufffd") and "700" in data["answer"]
    human = tanya("ask", raw)
    assert human.exit_code == 0 and "700" in human.stdout


def test_asking_an_empty_index_says_how_to_fill_it() -> None:
    """A refusal alone ("the indexed articles don't say") had left a newcomer guessing."""
    result = tanya("ask", "berapa korban banjir?")
    assert result.exit_code == 0 and "tidak menyebutkan" in result.stdout
    assert "the index is empty" in result.stderr and "tanya ingest" in result.stderr
    as_json = tanya("ask", "--json", "berapa korban banjir?")
    assert json.loads(as_json.stdout)["abstained"] is True  # stdout stays one JSON object


def test_chat_warms_up_before_its_first_prompt_and_says_nothing_of_it(ingested: None) -> None:
    """The model loads and the chain runs once on a greeting before the first prompt, so that an
    interrupt of the first answer cannot land in a first-time import (a hostile test); nothing
    of it is shown."""
    result = tanya("chat", input=QUESTION + "\n")
    assert result.exit_code == 0, result.output
    assert "Halo" not in result.stdout and "Coba tanya" not in result.stdout and "700" in result.stdout


def test_chat_refuses_a_line_too_long_to_keep_and_goes_on(ingested: None) -> None:
    result = tanya("chat", input="x" * 1_200_000 + "\n" + QUESTION + "\n")
    assert result.exit_code == 0, result.output
    assert "the line is longer than 1,000,000 characters" in result.stderr and "700" in result.stdout


def test_chat_goes_on_after_a_line_that_is_not_utf8(ingested: None) -> None:
    lines = [b"karyawan \xff TikTok", QUESTION.encode(), b""]
    result = tanya("chat", input=b"\n".join(lines))  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "700" in result.stdout


def test_batch_lines_with_bytes_that_are_not_utf8_or_lone_surrogates_are_answered_and_the_batch_goes_on(
    ingested: None, tmp_path: Path
) -> None:
    batch = tmp_path / "questions.txt"
    batch.write_bytes(
        b"Berapa karyawan TikTok \xff di Malaysia yang terkena PHK?\n"
        + b'{"id": "lone", "question": "Berapa karyawan TikTok di Malaysia yang terkena PHK?\\ud800"}\n'
        + b'{"id": "\\udcff", "question": "\\ud800"}\n'
        + QUESTION.encode()
        + b"\n"
    )
    for source, stdin in ((str(batch), None), ("-", batch.read_bytes())):
        result = tanya("ask", "--json", "--batch", source, input=stdin)  # type: ignore[arg-type]
        assert result.exit_code == 0, result.output
        text = result.stdout_bytes.decode("utf-8")  # strict: nothing unencodable was printed
        assert "\\ud" not in text
        out = [json.loads(line) for line in text.splitlines()]
        assert len(out) == 4
        assert "\ufffd" in out[0]["question"] and "700" in out[0]["answer"]
        assert out[1]["id"] == "lone" and out[1]["question"].endswith("PHK?\ufffd") and "700" in out[1]["answer"]
        assert out[2] == {"id": "\ufffd", "question": "\ufffd", "error": "the question has no words in it"}
        assert "700" in out[3]["answer"]


def test_remove_and_eval_with_bytes_that_are_not_utf8_are_one_line_errors(tmp_path: Path) -> None:
    result = tanya("remove", "nope\udcff.txt")
    assert (
        result.exit_code == 2
        and result.stderr == "tanya: error: not in the index: nope\ufffd.txt (see `tanya sources`)\n"
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "1", "question": "a"}\n{"id": "2", "question": "caf\xe9"}\n')
    result = tanya("eval", str(bad))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "bad.jsonl:2 is not UTF-8" in result.stderr


def test_names_are_printed_as_they_are_never_as_emoji(ingested: None) -> None:
    """Rich reads ":x:" or ":warning:" as emoji codes unless told not to: a file name or an error
    holding one was printed with an emoji in its place."""
    result = tanya("remove", "nope:warning:.txt")
    assert result.stderr == "tanya: error: not in the index: nope:warning:.txt (see `tanya sources`)\n"


def test_a_model_folder_that_cannot_be_made_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TANYA_MODEL_CACHE_DIR", str(in_the_way))
    result = tanya("ingest", "--bundled")
    assert result.exit_code == 1 and result.stderr.strip().count("\n") == 0  # one line (after the progress line's end)
    assert f"cannot build the embedding model in {in_the_way} (TANYA_MODEL_CACHE_DIR" in result.stderr


def test_a_data_dir_that_is_a_file_is_said_to_be_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a hostile tester: "cannot use the data directory ...: File exists" named no file
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    for data_dir, said in ((in_the_way, "it is a file"), (in_the_way / "data", f"{in_the_way} is a file")):
        monkeypatch.setenv("TANYA_DATA_DIR", str(data_dir))
        result = tanya("sources")
        assert result.exit_code == 1, result.output
        assert result.stderr == (
            f"tanya: error: cannot use the data directory {data_dir}: {said}, not a folder "
            "(set TANYA_DATA_DIR to a folder)\n"
        )


def test_sources_json_and_remove(ingested: None) -> None:
    (record,) = json.loads(tanya("sources", "--json").stdout)
    assert set(record) == {"source", "title", "url", "published", "lang", "chunks", "ingested_at"}
    assert record["chunks"] > 0 and record["lang"] == "id"
    assert tanya("remove", "nope").exit_code == 2
    blank = tanya("remove", "")
    assert blank.exit_code == 2 and "not in the index: '' (see `tanya sources`)" in blank.stderr  # named, not blank
    result = tanya("remove", record["source"], "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"removed": record["source"]}
    assert json.loads(tanya("sources", "--json").stdout) == []


def test_an_article_read_from_a_file_is_removed_by_the_url_sources_shows(ingested: None, tmp_path: Path) -> None:
    (tmp_path / "banjir.txt").write_text("Banjir merendam dua desa di Lembah Arum pada Senin.", encoding="utf-8")
    (tmp_path / "banjir.meta.json").write_text('{"url": "https://kabar.example/banjir-lembah-arum"}')
    assert tanya("ingest", str(tmp_path / "banjir.txt")).exit_code == 0
    (record,) = [r for r in json.loads(tanya("sources", "--json").stdout) if r["url"]]
    assert record["url"] != record["source"] == str(tmp_path / "banjir.txt")
    written_otherwise = record["url"].replace("https://", "HTTPS://", 1) + "#top"
    result = tanya("remove", written_otherwise, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"removed": record["source"]}, result.output
    assert tanya("remove", record["url"]).exit_code == 2  # gone
    # two files naming one page: the URL names neither alone
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"Berita {name} tentang banjir di Lembah Arum.", encoding="utf-8")
        (tmp_path / name.replace(".txt", ".meta.json")).write_text('{"url": "https://kabar.example/sama"}')
        assert tanya("ingest", str(tmp_path / name)).exit_code == 0
    result = tanya("remove", "https://kabar.example/sama")
    assert result.exit_code == 2 and "ambiguous: 2 articles have the URL" in result.stderr, result.output
    assert str(tmp_path / "a.txt") in result.stderr and str(tmp_path / "b.txt") in result.stderr


def test_an_article_an_older_tanya_stored_under_a_blank_source_can_be_removed(ingested: None) -> None:
    # a JSONL id of spaces was stored as the source "" before 2026-12-02; `tanya remove ""` took
    # "" for no match and said it was not in the index
    from bot.cli.app import _settings
    from ingest.pipeline import ingest_articles
    from ingest.store.index import make_index
    from ingest.types import Article

    index = make_index(_settings().index)
    ingest_articles(index, [Article(source="", text="Banjir merendam dua desa di Lembah Arum.", title="Banjir")])
    assert "" in [record["source"] for record in json.loads(tanya("sources", "--json").stdout)]
    result = tanya("remove", "", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"removed": ""}, result.output
    assert "" not in [record["source"] for record in json.loads(tanya("sources", "--json").stdout)]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TANYA_CHUNK_MAX_CHARS", "lots"),
        ("TANYA_LLM_TIMEOUT_S", "abc"),
        ("TANYA_LLM_TEMPERATURE", "5"),
        ("TANYA_DISCORD_COOLDOWN_PER_MINUTE", "0"),
        ("TANYA_TIMEZONE", "Mars/Olympus_Mons"),
        # a hostile tester's: unbounded, an 870 KB question took 10 s and 480 MB
        ("TANYA_MAX_QUESTION_CHARS", "99999999999999999999"),
    ],
)
def test_invalid_setting_is_reported_by_name(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    result = tanya("sources")
    assert result.exit_code == 2 and f"invalid {variable}:" in result.stderr
    assert "Value error" not in result.stderr  # pydantic's wording of a check of ours, left out


@pytest.mark.parametrize("variable", ["DISCORD_GUILD_ID", "TANYA_DISCORD_GUILD_ID"])
def test_a_setting_with_two_names_is_reported_by_both(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    """It was reported as TANYA_DISCORD_DISCORD_GUILD_ID, a variable that sets nothing."""
    monkeypatch.setenv(variable, "abc")
    result = tanya("sources")
    assert result.exit_code == 2
    assert "invalid DISCORD_GUILD_ID or TANYA_DISCORD_GUILD_ID:" in result.stderr, result.stderr


def test_eval_reports_metrics_per_set(tmp_path: Path) -> None:
    questions = tmp_path / "mini.jsonl"
    rows = [
        {
            "id": "1",
            "lang": "id",
            "question": "Siapa penemu bola lampu pijar?",
            "answerable": True,
            "answers": ["Edison"],
            "passage": "Thomas Alva Edison menemukan bola lampu pijar pada tahun 1879.",
        },
        {
            "id": "2",
            "lang": "id",
            "question": "Kapan bola lampu pijar ditemukan?",
            "answerable": True,
            "answers": ["1879"],
            "passage": "Thomas Alva Edison menemukan bola lampu pijar pada tahun 1879.",
        },
        {
            "id": "3",
            "lang": "id",
            "question": "Berapa harga tiket pesawat ke Mars?",
            "answerable": False,
            "answers": [],
            "passage": "Thomas Alva Edison menemukan bola lampu pijar pada tahun 1879.",
        },
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    details = tmp_path / "details.jsonl"
    result = tanya("eval", str(questions), "--json", "--details", str(details))
    assert result.exit_code == 0, result.output
    (metrics,) = json.loads(result.stdout)
    assert metrics["name"] == "mini" and metrics["questions"] == 3
    assert metrics["recall_at_1"] == 1.0 and metrics["answer_accuracy"] == 1.0
    assert metrics["abstention_accuracy"] == 1.0
    assert len(details.read_text().splitlines()) == 3


def test_eval_with_a_malformed_set_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "question": "a", "answers": ["b"]}\n{oops\n', encoding="utf-8")
    result = tanya("eval", str(bad))
    assert result.exit_code == 2 and "bad.jsonl:2" in result.stderr


@pytest.mark.parametrize("passage", ["   ", "\u0000\u0001", "\u200b"])
def test_eval_refuses_a_passage_with_no_text_naming_the_line(tmp_path: Path, passage: str) -> None:
    """A blank passage would be indexed as an article of no chunks that no question can retrieve,
    and scored as if it could."""
    bad = tmp_path / "blank.jsonl"
    rows = [
        {"id": 1, "question": "siapa?", "answers": ["a"], "passage": "Ada teks."},
        {"id": 2, "question": "siapa?", "answers": ["a"], "passage": passage},
    ]
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = tanya("eval", str(bad), "--index-dir", str(tmp_path / "idx"))
    assert result.exit_code == 2 and "blank.jsonl:2" in result.stderr and '"passage" must hold text' in result.stderr
    assert not (tmp_path / "idx").exists()  # refused before anything was indexed


def test_a_source_filter_with_bytes_that_are_not_utf8_is_searched_not_a_traceback(
    ingested: None, tmp_path: Path
) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes(
        b'{"id": 1, "question": "Berapa karyawan TikTok di Malaysia yang terkena PHK?", "source": "tiktok\\ud800"}\n'
        + QUESTION.encode()
        + b"\n"
    )
    result = tanya("ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    out = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    assert len(out) == 2 and out[0]["id"] == 1 and "answer" in out[0] and "700" in out[1]["answer"]
    # the same from the command line, where Python hands the byte 0xff over as "\udcff"
    single = tanya("ask", "--json", QUESTION, "--source", "tiktok\udcff")
    assert single.exit_code == 0 and "Traceback" not in single.output, single.output
    assert json.loads(single.stdout_bytes.decode("utf-8"))["abstained"]  # no source holds U+FFFD


def test_a_byte_order_mark_does_not_hide_a_batch_lines_json(ingested: None, tmp_path: Path) -> None:
    batch = tmp_path / "saved-by-notepad.jsonl"
    line = json.dumps({"id": "first", "question": QUESTION})
    batch.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n" + line.replace("first", "second").encode() + b"\n")
    result = tanya("ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["first", "second"] and all("700" in o["answer"] for o in out)


def test_batch_options_out_of_order_or_too_long_are_refused_before_any_question(tmp_path: Path) -> None:
    batch = tmp_path / "q.txt"
    batch.write_text("kenapa?\n", encoding="utf-8")
    inverted = tanya("ask", "--json", "--batch", str(batch), "--since", "2026-12-01", "--until", "2026-01-01")
    assert inverted.exit_code == 2 and "--since (2026-12-01) is after --until (2026-01-01)" in inverted.stderr
    assert inverted.stdout == ""
    long = tanya("ask", "--json", "--batch", str(batch), "--source", "x" * 1001)
    assert long.exit_code == 2 and "--source is longer than 1000 characters" in long.stderr


def test_batch_lines_that_cannot_be_asked_get_an_error_with_their_id(ingested: None) -> None:
    lines = [
        '{"id": 8, "question": 123}',
        '{"id": 9, "question": "Berapa?",}',
        "[1, 2]",
        '{"id": 10}',
        '{"id": 11, "question": null}',
        '{"id": 12, "question": ["a", "é"]}',
        '{"id": 13, "question": "a\x00b"}',
        '  {"id" 14, "question": "x"}',  # a message holding a ":", after spaces (an independent review's)
    ]
    result = tanya("ask", "--json", "--batch", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"id": 8, "question": "123", "error": 'the line has no "question" text'}
    # where it went wrong: a raw NUL inside a string had been "Invalid control character at", no place
    assert out[1]["error"] == (
        "the line is not valid JSON (Expecting property name enclosed in double quotes at character 33)"
    )
    assert out[-2]["error"] == "the line is not valid JSON (Invalid control character at character 26)"
    assert out[-1]["error"] == "the line is not valid JSON (Expecting ':' delimiter at character 9)"
    assert "id" not in out[1]
    assert "answer" in out[2] or "error" in out[2]  # not JSON-looking: asked as text
    assert out[3] == {"id": 10, "question": "", "error": 'the line has no "question" text'}
    # echoed as the line wrote them, not as Python writes them ("None", "['a', 'é']")
    assert out[4] == {"id": 11, "question": "", "error": 'the line has no "question" text'}
    assert out[5] == {"id": 12, "question": '["a", "é"]', "error": 'the line has no "question" text'}


def test_batch_lines_nested_too_deeply_or_with_numbers_json_lacks_get_an_error_and_the_batch_goes_on(
    ingested: None,
) -> None:
    deep = '{"id": "deep", "question": "Berapa karyawan?", "history": ' + "[" * 50_000 + "]" * 50_000 + "}"
    # nested deeper than a batch line needs: refused before it is written back or printed
    for field in ("id", "since", "today"):
        nested = "[" * 200 + "]" * 200
        lines_under = f'{{"{field}": {nested}, "question": "Berapa karyawan?"}}'
        result = tanya("ask", "--json", "--batch", "-", input=lines_under + "\n")
        assert result.exit_code == 0 and "nested" in json.loads(result.stdout)["error"], result.output
        assert "id" not in json.loads(result.stdout)  # a nested id is not echoed
    # the error of a line nested too deeply below its id still names the line
    history = '{"id": "keepme", "question": "x", "history": ' + "[" * 17 + '"a"' + "]" * 17 + "}"
    refused = json.loads(tanya("ask", "--json", "--batch", "-", input=history + "\n").stdout)
    assert refused["id"] == "keepme" and "nested more than" in refused["error"]
    lines = [
        deep,
        '{"id": 1e999, "question": "Berapa karyawan TikTok?"}',
        '{"id": NaN, "question": "Berapa karyawan TikTok?"}',
        '{"id": "after", "question": "Berapa karyawan TikTok di Malaysia yang terkena PHK?"}',
    ]
    result = tanya("ask", "--json", "--batch", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    strict = [json.loads(line, parse_constant=lambda name: pytest.fail(name)) for line in result.stdout.splitlines()]
    assert all(o.get("error", "").startswith("the line is not valid JSON") for o in strict[:3])
    assert strict[3]["id"] == "after" and "700" in strict[3]["answer"]


def test_a_batch_is_read_line_by_line_and_a_device_is_refused(ingested: None, tmp_path: Path) -> None:
    import importlib

    cli = importlib.import_module("bot.cli.app")
    huge = tmp_path / "huge.jsonl"
    with huge.open("w") as f:
        f.write("x" * (cli.MAX_BATCH_LINE + 10) + "\nBerapa karyawan TikTok di Malaysia yang terkena PHK?\n")
    result = tanya("ask", "--json", "--batch", str(huge))
    too_long, asked = (json.loads(line) for line in result.stdout.splitlines())
    assert too_long == {"error": f"the line is longer than {cli.MAX_BATCH_LINE:,} characters"}
    assert "700" in asked["answer"]
    device = tanya("ask", "--json", "--batch", "/dev/zero")
    assert device.exit_code == 2 and "not a regular file or a pipe" in device.stderr


def test_filters_that_leave_no_article_say_so(ingested: None) -> None:
    question = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"
    for option, value in (("--source", "nonexistent-outlet"), ("--since", "2030-01-01")):
        answer = json.loads(tanya("ask", "--json", option, value, question).stdout)
        assert answer["abstained"] and answer["note"].startswith("Tidak ada artikel terindeks yang cocok dengan filter")
        assert value in answer["note"]
    # a note is said in the question's language, as the answer is (it had been English whatever
    # was asked: a hostile tester)
    english = json.loads(tanya("ask", "--json", "--source", "nonexistent-outlet", "How many were laid off?").stdout)
    assert english["note"].startswith("No indexed article matches the filters (source 'nonexistent-outlet')")
    kept = json.loads(tanya("ask", "--json", "--source", "rakyatsulsel", question).stdout)
    assert not kept["abstained"] and kept["note"] is None


def test_today_is_an_option_of_ask_and_a_note_on_other_dates_says_when_the_quoted_article_is_undated(
    ingested: None,
) -> None:
    """A hostile tester's: `tanya ask --today` did not exist (only a batch line's `today`), and
    "... mulai januari ..." over the bundled article, which has no date, noted that it was quoted
    from "artikel bertanggal lain" (an article of another date)."""
    question = "izin medsos di malaysia wajib mulai januari tahun brp?"
    answer = json.loads(tanya("ask", "--json", "--today", "2026-12-05", question).stdout)
    assert "izin operasi sejak Januari" in answer["answer"]
    assert answer["note"] == (
        "Tidak ada artikel terbitan sejak 2026-01-01 yang menjawabnya; dikutip dari artikel tanpa tanggal."
    )
    a_year_on = json.loads(tanya("ask", "--json", "--today", "2027-03-01", question).stdout)
    assert a_year_on["note"].startswith("Tidak ada artikel terbitan sejak 2027-01-01")  # read relative to DATE
    for day in ("2026-13-01", "", "  "):
        wrong = tanya("ask", "--today", day, question)
        assert wrong.exit_code == 2 and "--today must be a date as YYYY-MM-DD" in wrong.output, day
    far = tanya("ask", "--today", "0001-01-01", question)  # named as the option, as a batch line's field is
    assert far.exit_code == 2 and "--today must be a day from 0002-01-01" in far.output


def test_a_first_message_naming_a_day_no_article_was_published_on_is_read_for_that_day_in_the_text(
    ingested: None,
) -> None:
    """A hostile tester's: "tgl 12 oktober ada apa?" over the bundled article (undated, of an email
    sent "pada 12 Oktober 2024") was refused without a word: the news of 2026-10-12 was looked for,
    and there is none. Now the day is searched as words when no article was published on it, and
    a refusal names the day that had no news; a relative time alone is not searched so."""

    def asked(question: str) -> dict[str, Any]:
        return json.loads(tanya("ask", "--json", "--today", "2026-12-05", question).stdout)

    day = asked("berita 12/10?")
    assert "12 Oktober 2024" in day["answer"], day["answer"]
    assert day["note"] == (
        "Tidak ada artikel terbitan tanggal 2026-10-12 yang menjawabnya; dikutip dari artikel tanpa tanggal."
    )
    yesterday = asked("kemarin gimana?")
    assert (
        yesterday["abstained"]
        and yesterday["note"] == "Tidak ada artikel terbitan tanggal 2026-12-04 yang menjawabnya."
    )


def test_a_date_filter_that_leaves_out_undated_articles_says_so_when_nothing_answers(
    ingested: None, tmp_path: Path
) -> None:
    """A hostile test: the bundled article has no date, and "--since 2026-01-01" refused a
    question it answers with "the articles do not say" and no note, as though it had been searched."""
    dated = tmp_path / "banjir.txt"
    dated.write_text("Banjir melanda Desa Sukamaju pada Senin. Sebanyak 40 rumah terendam air.\n")
    dated.with_name("banjir.meta.json").write_text('{"published": "2026-11-02"}')
    assert tanya("ingest", str(dated)).exit_code == 0
    question = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"
    refused = json.loads(tanya("ask", "--json", "--since", "2026-01-01", question).stdout)
    assert refused["abstained"] and refused["note"] == (
        "Artikel tanpa tanggal tidak dicari: filter tanggal hanya membaca artikel bertanggal."
    )
    answered = json.loads(tanya("ask", "--json", "--since", "2026-01-01", "Berapa rumah terendam banjir?").stdout)
    assert not answered["abstained"] and answered["note"] is None
    # every article of the other filters dated: nothing left out, nothing to say
    only_dated = json.loads(tanya("ask", "--json", "--since", "2026-01-01", "--source", "banjir", question).stdout)
    assert only_dated["abstained"] and only_dated["note"] is None


def test_a_batch_line_with_a_blank_filter_keeps_the_command_s_own(ingested: None, tmp_path: Path) -> None:
    # a blank "since" had cleared the command's --since (found by a hostile tester)
    question = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"
    batch = tmp_path / "batch.jsonl"
    # and one of spaces alone had lifted the command's --source (a hostile test)
    lines = [
        {"question": question, "since": ""},
        {"question": question, "since": None, "source": ""},
        {"question": question, "source": "   ", "since": "\t"},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    for line in tanya("ask", "--json", "--since", "2030-01-01", "--batch", str(batch)).stdout.splitlines():
        answer = json.loads(line)
        assert answer["abstained"] and "2030-01-01" in answer["note"]


def test_a_batch_question_refused_for_its_length_is_echoed_in_part(tmp_path: Path) -> None:
    """A 980 KB question was written back whole in its error object."""
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": 7, "question": "kenapa " * 100_000}) + "\n", encoding="utf-8")
    (line,) = tanya("ask", "--json", "--batch", str(batch)).stdout.splitlines()
    refused = json.loads(line)
    assert refused["id"] == 7 and "too long" in refused["error"] and len(refused["question"]) == 200
    assert len(line) < 1000


def test_a_source_filter_longer_than_any_source_is_refused_and_a_batch_goes_on(ingested: None, tmp_path: Path) -> None:
    """SQLite refused a LIKE pattern of 50,000 characters with a traceback, which ended a batch."""
    from bot.chain.build import MAX_SOURCE_CHARS

    long = "%" * 25_000
    result = tanya("ask", "--source", long, "PHK?")
    assert result.exit_code == 2 and f"source is longer than {MAX_SOURCE_CHARS} characters" in result.stderr
    batch = tmp_path / "batch.jsonl"
    lines = [{"question": "Berapa karyawan TikTok di Malaysia yang terkena PHK?"}, {"question": "PHK?", "source": long}]
    batch.write_text("\n".join(json.dumps(line) for line in [*lines, lines[0]]) + "\n", encoding="utf-8")
    first, refused, third = (
        json.loads(line) for line in tanya("ask", "--json", "--batch", str(batch)).stdout.splitlines()
    )
    assert "700" in first["answer"] and "700" in third["answer"]
    assert refused == {"question": "PHK?", "error": f"source is longer than {MAX_SOURCE_CHARS} characters"}


def test_asking_with_another_embedding_model_than_the_index_is_an_error(
    ingested: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answering models are fitted for the index's model; with another one named the chain
    fell back to its lexical models, never embedded the question and answered without a word."""
    import ingest.embeddings.models

    warmed: list[str] = []
    make = ingest.embeddings.models.make_embeddings

    def recorded(name: str, *args: Any, **kwargs: Any) -> Any:
        made = make(name, *args, **kwargs)
        warm_up = getattr(made, "warm_up", None)
        if warm_up is not None:

            def warming() -> None:
                warmed.append(name)
                warm_up()

            made.warm_up = warming
        return made

    monkeypatch.setattr(ingest.embeddings.models, "make_embeddings", recorded)
    monkeypatch.setenv("TANYA_EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2")
    result = tanya("ask", "Berapa karyawan TikTok di Malaysia yang terkena PHK?")
    assert result.exit_code == 2 and "tanya reindex" in result.stderr and "the index was built with" in result.stderr
    # refused before the other model loads: it had been loaded (seconds, its warnings) and
    # exported into the model cache first (a hostile tester's)
    assert warmed == []


def test_only_a_newline_ends_a_batch_line(ingested: None, tmp_path: Path) -> None:
    """A carriage return inside a line split it in two when read from a file (not from stdin),
    so the answers no longer paired with the lines by number; a CRLF ending is a line end."""
    batch = tmp_path / "batch.txt"
    batch.write_bytes(b"Berapa karyawan TikTok\rdi Malaysia yang terkena PHK?\r\nSiapa induk TikTok?\r\n")
    for source, stdin in ((str(batch), None), ("-", batch.read_bytes())):
        result = tanya("ask", "--json", "--batch", source, input=stdin)  # type: ignore[arg-type]
        first, second = (json.loads(line) for line in result.stdout.splitlines())
        assert "700" in first["answer"] and second["question"] == "Siapa induk TikTok?"


def test_a_json_line_is_strict_json_whatever_numbers_reach_it() -> None:
    """A score that came out NaN or infinite (a model file, a degenerate vector) is written as
    null: the line stays strict JSON and the batch goes on."""
    from bot.cli.contract import json_line

    line = json_line({"score": float("nan"), "citations": [{"score": float("inf")}, {"score": 0.5}], "n": 1})
    assert json.loads(line, parse_constant=lambda name: pytest.fail(name)) == {
        "score": None,
        "citations": [{"score": None}, {"score": 0.5}],
        "n": 1,
    }


def test_with_the_chroma_folder_read_only_remove_and_ingest_say_what_they_stored_and_what_repairs_it(
    bundled_index: Path, tmp_path: Path
) -> None:
    from tests.conftest import read_only

    (record,) = json.loads(tanya("sources", "--json").stdout)
    article = tmp_path / "banjir.txt"
    article.write_text("Banjir merendam dua desa di Lembah Arum pada Senin pagi.", encoding="utf-8")
    repair = f"once the folder {bundled_index / 'chroma'} can be written to, run `tanya reindex --vectors-only`"
    with read_only(bundled_index / "chroma"):
        removed = tanya("remove", record["source"], "--json")
        # before: "the Chroma vector store is unavailable: ...", as though nothing had been removed
        assert removed.exit_code == 1 and removed.stdout == "" and removed.stderr.count("\n") == 1, removed.output
        assert removed.stderr.startswith(
            f"tanya: error: removed {record['source']} from the catalog, but not from the Chroma copy"
        )
        assert repair in removed.stderr
        assert json.loads(tanya("sources", "--json").stdout) == []
        ingested = tanya("ingest", "--json", str(article))
        # before: the same one line, and no word of what was stored
        assert ingested.exit_code == 1 and ingested.stderr.count("\n") == 1, ingested.output
        assert [(i["source"], i["status"]) for i in json.loads(ingested.stdout)["items"]] == [(str(article), "added")]
        assert ingested.stderr.startswith(
            "tanya: error: ingest stopped: 1 new or changed article(s) were stored in the catalog"
        )
        assert repair in ingested.stderr
    synced = tanya("reindex", "--vectors-only", "--json")
    assert synced.exit_code == 0 and json.loads(synced.stdout)["deleted"] > 0, synced.output
    assert json.loads(synced.stdout)["set_aside"] is None  # the folder was only read-only, not damaged


def test_a_damaged_chroma_copy_is_moved_aside_and_built_again_from_the_catalog(
    bundled_index: Path, tmp_path: Path
) -> None:
    """A Chroma folder whose files are not a database (a bad disk, another Chroma's format) cannot
    be caught up; `tanya reindex --vectors-only`, which every message about it names, moves it
    aside (never deletes it) and builds the copy again from the catalog, which holds every vector."""
    (bundled_index / "chroma" / "chroma.sqlite3").write_bytes(b"garbage")
    article = tmp_path / "banjir.txt"
    article.write_text("Banjir merendam dua desa di Lembah Arum pada Senin pagi.", encoding="utf-8")
    stopped = tanya("ingest", str(article))
    assert stopped.exit_code == 1 and "moves a damaged one aside" in stopped.stderr, stopped.output
    synced = tanya("reindex", "--vectors-only", "--json")
    assert synced.exit_code == 0, synced.output
    report = json.loads(synced.stdout)
    aside = Path(report["set_aside"])
    assert aside.parent == bundled_index and aside.name.startswith("chroma.damaged-")
    assert (aside / "chroma.sqlite3").read_bytes() == b"garbage"  # kept as it was
    chunks = sum(record["chunks"] for record in json.loads(tanya("sources", "--json").stdout))
    assert report["copied"] == chunks and report["deleted"] == 0
    again = tanya("reindex", "--vectors-only", "--json")
    assert json.loads(again.stdout) | {"seconds": 0} == {"copied": 0, "deleted": 0, "seconds": 0, "set_aside": None}
    # seconds rounded to the millisecond, as an ingest's are (a newcomer's: 0.4847809299999426)
    assert json.loads(again.stdout)["seconds"] == round(json.loads(again.stdout)["seconds"], 3)
    assert tanya("ingest", str(article)).exit_code == 0  # writes reach the new copy
    said = tanya("reindex", "--vectors-only")
    assert said.exit_code == 0 and "moved to" not in said.stdout


def test_an_interrupt_while_the_model_module_is_half_imported_is_a_plain_interrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Ctrl-C handler cancels a chat model's calls through ``bot.chain.llm``; while that
    module was being imported it is in sys.modules without its functions, and the handler had
    raised AttributeError (a traceback, exit 1) instead of the interrupt (a hostile test)."""
    import signal
    import sys
    import types

    from bot.cli import _interrupted

    monkeypatch.setitem(sys.modules, "bot.chain.llm", types.ModuleType("bot.chain.llm"))
    with pytest.raises(KeyboardInterrupt):
        _interrupted(signal.SIGINT, None)


def test_an_interrupted_ingest_says_how_many_articles_it_stored(capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C during an ingest: the groups written stay, and the line says so (it said only
    "interrupted", though half the articles were stored and a second run skips them); another
    command interrupted (eval, whose index is its own) says only that."""
    import typer

    from bot.cli.app import handles_errors, interrupted_line
    from ingest.pipeline import IngestInterrupted, IngestReport, ItemResult

    report = IngestReport([ItemResult("a", "added", 1), ItemResult("b", "replaced", 2), ItemResult("c", "unchanged")])
    assert interrupted_line(IngestInterrupted(report, 3)) == (
        "tanya: interrupted: 2 new or changed article(s) were stored; 3 more were not: ingest again to add them"
    )

    @handles_errors
    def evaluating() -> None:
        raise IngestInterrupted(report, 3)

    with pytest.raises(typer.Exit) as exited:
        evaluating()
    assert exited.value.exit_code == 130 and capsys.readouterr().err == "tanya: interrupted\n"


def test_an_interrupted_migration_says_what_it_copied_and_that_a_second_run_copies_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import typer

    from bot.cli.app import handles_errors
    from ingest.pipeline import MigrateInterrupted

    @handles_errors
    def migrating() -> None:
        raise MigrateInterrupted(1, 2)

    with pytest.raises(typer.Exit) as exited:
        migrating()
    assert exited.value.exit_code == 130
    assert capsys.readouterr().err == (
        "tanya: interrupted: the migration stopped after copying 1 article, 2 not yet copied: run `tanya "
        "migrate` again to copy the rest (what is already there is left alone)\n"
    )


def test_a_source_filter_with_a_line_break_around_it_is_searched_without_it(ingested: None, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"question": "tiktok phk brp org?", "source": "\trakyat\n"}) + "\n", encoding="utf-8")
    (answered,) = (json.loads(line) for line in tanya("ask", "--json", "--batch", str(batch)).stdout.splitlines())
    assert "error" not in answered and "700" in answered["answer"], answered


@pytest.mark.parametrize("source", ["\x00zzz", "tiktok\x00", "rakyat\x1b[31m"])
def test_a_source_filter_with_control_characters_is_refused(ingested: None, tmp_path: Path, source: str) -> None:
    """SQLite ends a LIKE pattern at a NUL: "\\x00zzz" matched every article."""
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"question": "PHK?", "source": source}) + "\n", encoding="utf-8")
    (refused,) = (json.loads(line) for line in tanya("ask", "--json", "--batch", str(batch)).stdout.splitlines())
    assert refused == {"question": "PHK?", "error": "source must not hold control characters"}


@pytest.mark.parametrize("day", ["20261101", "2026-W45-1", "2026-11-1", "2026-11-01T00:00"])
def test_a_date_option_takes_one_form_of_a_day(ingested: None, day: str) -> None:
    """Python reads "20261101" and "2026-W45-1" as days too; the help and the errors say YYYY-MM-DD."""
    result = tanya("ask", "--since", day, "PHK?")
    assert result.exit_code == 2 and "--since must be a date as YYYY-MM-DD" in result.stderr, result.output


def test_a_collection_named_after_the_index_was_written_is_said_not_to_apply(
    ingested: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile test: TANYA_COLLECTION set after an index was written was silently ignored (its
    copy stays where it was first written)."""
    assert "TANYA_COLLECTION" not in tanya("ask", QUESTION).stderr
    monkeypatch.setenv("TANYA_COLLECTION", "tanya2")  # not a rebuild's "tanya--<stamp>" either
    assert "names a new index's" in tanya("ask", QUESTION).stderr
    monkeypatch.setenv("TANYA_COLLECTION", "berita")
    result = tanya("ask", QUESTION)
    assert result.exit_code == 0 and "700" in result.stdout
    assert (
        "note: this index's vectors are copied to the Chroma collection 'tanya', named when it was first "
        "written; TANYA_COLLECTION ('berita') names a new index's"
    ) in result.stderr


def test_the_chat_reads_a_terminal_with_line_editing(monkeypatch: pytest.MonkeyPatch) -> None:
    # without readline loaded, input() took an arrow key as "\x1b[A" typed into the question
    import builtins
    import importlib
    import sys

    cli = importlib.import_module("bot.cli.app")

    class Terminal:
        def isatty(self) -> bool:
            return True

    def typed(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(builtins, "input", typed)
    monkeypatch.delitem(sys.modules, "readline", raising=False)
    assert list(cli._chat_lines()) == []
    assert "readline" in sys.modules


def test_the_ingest_bar_counts_articles_read_then_chunks_embedded() -> None:
    """A hostile test: reading a folder of thousands of files or a large JSONL file showed nothing
    until embedding began."""
    from bot.cli.app import _RichProgress

    sink = _RichProgress(enabled=True)
    for source in ("a.txt", "b.txt", "c.txt"):
        sink.loading(source)
    (reading,) = sink.bar.tasks
    assert (reading.description, reading.completed, reading.total) == ("reading articles", 3, None)
    sink.start(10)
    sink.advance(4)
    sink.loading("d.txt")  # a second round of articles read: the total of chunks grows
    sink.start(5)
    reading, embedding = sink.bar.tasks
    assert (reading.completed, embedding.description, embedding.completed, embedding.total) == (
        4,
        "embedding chunks",
        4,
        15,
    )


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_json_on_an_output_that_is_not_utf8_escapes_what_it_cannot_encode(
    story: object, story_dir: Path, encoding: str
) -> None:
    """A newcomer's test: `tanya ask --json` and `--batch -` on a terminal in another encoding
    wrote "?" for the " … " between the verbatim pieces of an answer, breaking the contract; the
    JSON now writes such characters as \\u escapes and reads back as the UTF-8 run's."""
    import os
    import subprocess

    from tests.test_processes import TANYA

    question = "berapa pengungsi banjir lembah arum — kata BPBD?"  # the question is echoed

    def asked(*args: str, stdin: bytes | None = None, encoding: str | None = None) -> list[dict[str, object]]:
        env = {**os.environ, "TANYA_DATA_DIR": str(story_dir)}
        if encoding:
            env["PYTHONIOENCODING"] = encoding
        result = subprocess.run([TANYA, "ask", *args], env=env, input=stdin, capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
        shown = [json.loads(line.decode(encoding or "utf-8")) for line in result.stdout.splitlines()]
        return [{k: v for k, v in answer.items() if k != "timings_ms"} for answer in shown]

    batch = json.dumps({"question": question}, ensure_ascii=False).encode()  # JSON is UTF-8, whatever the locale
    for args, stdin in ((("--json", question), None), (("--batch", "-"), batch)):
        utf8 = asked(*args, stdin=stdin)
        assert not json.dumps(utf8, ensure_ascii=False).isascii()  # what was written "?"
        assert asked(*args, stdin=stdin, encoding=encoding) == utf8, args


def test_a_variable_that_sets_nothing_is_named_with_the_setting_it_may_misspell(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A newcomer's test: `TANYA_TOPK=3` in .env was ignored without a word. Such a variable, in
    .env or the environment, is named on stderr with the closest setting; the command goes on;
    real settings (any case, either name of a setting with two) and the tests' own are not."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TANYA_DATA_DIR", str(tmp_path / "index"))
    (tmp_path / ".env").write_text(
        # a line that is no assignment holds the value meant for the name: never shown (a review's)
        "TANYA_TOPK=3\nTANYA_TOP_K=4\nDISCORD_TOKEN=\nTANYA_OPENAI_API_KEY:sk-proj-SECRET1\nTANYA_=1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TANYA_Colection", "x")
    monkeypatch.setenv("tanya_collection", "tanya")
    monkeypatch.setenv("TANYA_DISCORD_GUILD_ID", "1")
    monkeypatch.setenv("TANYA_TEST_ANYTHING", "1")
    monkeypatch.setenv("TANYA_SHOUTING_NONSENSE", "1")
    result = tanya("sources")
    assert result.exit_code == 0, result.stderr
    noted = [line for line in result.stderr.splitlines() if "is not a tanya setting" in line]
    assert noted == [
        "note: TANYA_Colection (in the environment) is not a tanya setting and is ignored; "
        "did you mean TANYA_COLLECTION?",
        "note: TANYA_SHOUTING_NONSENSE (in the environment) is not a tanya setting and is ignored",
        "note: TANYA_TOPK (in .env) is not a tanya setting and is ignored; did you mean TANYA_TOP_K?",
    ], result.stderr
    assert "SECRET1" not in result.output


def test_every_variable_of_the_example_settings_file_is_a_setting() -> None:
    """.env.example lists every setting; each of its variables is one the settings read."""
    import re

    from bot.settings import setting_names

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    assert listed and listed <= setting_names() | {"HF_HUB_OFFLINE"}, listed - setting_names()


def test_reindex_terms_only_makes_an_older_analysers_terms_again_and_ask_says_when_it_is_needed(
    ingested: None,
) -> None:
    from bot.cli.app import _settings
    from ingest.store.index import make_index
    from ingest.text.analysis import ANALYZER_VERSION
    from tests.conftest import as_an_older_analyser_left_it

    as_an_older_analyser_left_it(make_index(_settings().index))
    asked = tanya("ask", QUESTION)
    assert asked.exit_code == 0 and "tanya reindex --terms-only" in asked.stderr, asked.output
    said = tanya("reindex", "--terms-only")
    assert said.exit_code == 0 and said.stdout.startswith("Analysed 1 article again"), said.output
    assert "nothing was embedded again" in said.stdout
    again = json.loads(tanya("reindex", "--terms-only", "--json").stdout)
    assert again | {"seconds": 0} == {
        "analyser": ANALYZER_VERSION,
        "previous_analyser": ANALYZER_VERSION,
        "articles": 0,
        "seconds": 0,
    }
    assert "up to date" in tanya("reindex", "--terms-only").stdout
    asked = tanya("ask", QUESTION)
    assert asked.exit_code == 0 and "terms-only" not in asked.stderr and "700" in asked.stdout
    both = tanya("reindex", "--terms-only", "--vectors-only")
    assert both.exit_code == 2 and "two different repairs" in both.stderr
    make_index(_settings().index).catalog.set_meta("analyzer", "99")  # a newer tanya's, on another host
    asked = tanya("ask", QUESTION)
    assert asked.exit_code == 0 and "a newer tanya made this index's search terms (analyser 99)" in asked.stderr
    refused = tanya("reindex", "--terms-only")
    assert refused.exit_code != 0 and "upgrade tanya on this host" in refused.stderr, refused.output


def test_an_ingest_says_it_made_an_older_analysers_terms_again(ingested: None, tmp_path: Path) -> None:
    from bot.cli.app import _settings
    from ingest.store.index import make_index
    from tests.conftest import as_an_older_analyser_left_it

    as_an_older_analyser_left_it(make_index(_settings().index))
    article = tmp_path / "banjir.txt"
    article.write_text("Banjir merendam dua desa di Lembah Arum pada Senin pagi.", encoding="utf-8")
    said = tanya("ingest", str(article))
    assert said.exit_code == 0 and "1 stored article analysed again first" in said.stdout, said.output
    assert "analysed again" not in tanya("ingest", str(article)).stdout  # once
