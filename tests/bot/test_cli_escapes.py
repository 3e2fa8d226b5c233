"""Nothing the CLI prints from articles, titles or file names can drive the terminal: C0 and C1
control characters and bidirectional overrides are shown escaped, never sent as they are."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console, RenderableType
from typer.testing import CliRunner

from bot.chain.answer import Answer, Citation
from bot.cli.app import app
from bot.cli.render import render_answer, render_metrics, render_report, render_sources
from bot.evaluation import SetMetrics
from bot.logs import terminal_text
from ingest.loaders import load_file
from ingest.pipeline import IngestReport, ItemResult
from ingest.types import Article, ArticleRecord, Chunk

runner = CliRunner()

# What must never reach a terminal: C0 (a newline excepted, it only ends a line), DEL, C1 (U+009B
# starts a control sequence in some terminals) and the bidi embeddings, overrides and isolates.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE = "x\x1b[8m\x1b]0;pwned\x07 \x9b2J \u202eevil\u202c \u2066iso\u2069\tend"


def shown(renderable: RenderableType) -> str:
    """What a terminal would receive, colours and all."""
    screen = io.StringIO()
    Console(file=screen, force_terminal=True, width=200, highlight=False, soft_wrap=True).print(renderable)
    return screen.getvalue()


def without_styles(text: str) -> str:
    """``text`` with rich's own colour sequences (ESC [ ... m) taken out, so that any control
    character left is one that came from the data."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain text, kept", "plain text, kept"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("csi \x9b31m", "csi \\x9b31m"),
        ("del\x7f", "del\\x7f"),
        ("bidi \u202eolleh\u202c", "bidi \\u202eolleh\\u202c"),
        ("isolate \u2066x\u2069", "isolate \\u2066x\\u2069"),
        ("two\nlines\ttab", "two\\x0alines\\x09tab"),
        ("bad\\xffname and ü, 中文, עברית", "bad\\xffname and ü, 中文, עברית"),  # printable text is left alone
    ],
)
def test_terminal_text_escapes_control_and_bidi_characters(raw: str, expected: str) -> None:
    assert terminal_text(raw) == expected


def test_terminal_text_can_keep_line_breaks_of_multi_line_text() -> None:
    assert terminal_text("one\n\ntwo\x1b", keep_newlines=True) == "one\n\ntwo\\x1b"


def _chunk(text: str, title: str, source: str) -> Chunk:
    return Chunk("c1", source, 0, 0, len(text), text, title, None, "2024-10-12", "id")


def test_an_answer_with_hostile_titles_passages_and_sources_is_shown_escaped() -> None:
    passage = f"Banjir besar melanda Jakarta. {HOSTILE} lagi."
    chunk = _chunk(passage, f"Judul {HOSTILE}", f"/tmp/{HOSTILE}.txt")
    answer = Answer(
        question="q",
        text=f"Banjir besar melanda Jakarta. {HOSTILE} [1]",
        abstained=False,
        lang="id",
        citations=[Citation(1, chunk, f"{HOSTILE} lagi.", 1.0)],
        note=f"catatan {HOSTILE}",
    )
    out = without_styles(shown(render_answer(answer)))
    assert not UNSAFE.search(out), repr(out)
    assert "\\x1b[8m" in out and "\\x9b2J" in out and "\\u202eevil" in out
    lit = shown(render_answer(answer))  # the quoted sentence is still found and highlighted
    assert "\x1b[" in lit and "\\u202eevil\\u202c" in lit


def test_sources_report_and_metrics_show_hostile_names_escaped() -> None:
    record = ArticleRecord(
        f"/tmp/{HOSTILE}.txt", f"Judul {HOSTILE}", None, None, "id", None, None, 1, "2024-10-12T00:00:00+00:00"
    )
    report = IngestReport(
        items=[
            ItemResult(f"/tmp/{HOSTILE}.bin", "skipped", reason=f"unsupported file type .\x1b[2J{HOSTILE}"),
            ItemResult(f"/tmp/{HOSTILE}.txt", "added", chunks=1, title=HOSTILE),
            ItemResult("1", "replaced", chunks=1, title="Baru", note=f'in place of "{HOSTILE}"'),
        ]
    )
    metrics = SetMetrics(f"[bold]set{HOSTILE}", 1, 1, 0, 1.0, 1.0, 1.0, 1.0, 1.0, None, 0.0, 10.0, 1.0, 1.0)
    for renderable in (render_sources([record]), render_report(report), render_metrics([metrics])):
        out = without_styles(shown(renderable))
        assert not UNSAFE.search(out), repr(out)
        assert "\\x1b" in out and "\\u202e" in out
    assert "[bold]set" in shown(render_metrics([metrics]))  # a set's name is text, not markup
    assert '1  1 chunk  (in place of "' in without_styles(shown(render_report(report)))  # what it replaced


def test_a_title_made_from_a_file_name_has_no_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "x\x1b[8m\x1b]0;pwned\x07\x9b_news.txt"
    path.write_text("Banjir besar melanda Jakarta hari ini.\n", encoding="utf-8")
    (article,) = load_file(path)
    assert (
        isinstance(article, Article) and article.title == "x news"
    )  # escape sequences dropped whole, as from a sidecar's title below ("[8m ]0;pwned" had stayed)
    (tmp_path / "y.txt").write_text("Harga cabai naik di Bandung.\n", encoding="utf-8")
    (tmp_path / "y.meta.json").write_text(json.dumps({"title": "Cabai \x9b2J\x85 \u202emahal\u202c \x1b[31m"}))
    (titled,) = load_file(tmp_path / "y.txt")
    assert (
        isinstance(titled, Article) and titled.title == "Cabai mahal"
    )  # C1 controls are spaces, a terminal escape sequence goes whole ("\x1b[31m", and its 8-bit
    # form "\x9b2J", which had left "2J"); bidirectional controls are dropped (they would show
    # text in another order)


def test_ingest_sources_and_ask_print_no_escapes_from_file_names_or_article_text(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    evil = folder / "x\x1b[8m\x1b]0;pwned\x07news.txt"
    evil.write_text("Banjir besar melanda Jakarta hari ini. Warga \x9b2J\u202eterbalik\u202c mengungsi.\n")
    (folder / "y.txt").write_text("Harga cabai naik di Bandung.\n", encoding="utf-8")
    (folder / "y.meta.json").write_text(json.dumps({"title": "Cabai \x9b2J \u202emahal\u202c \x1b[31m"}))
    skipped = folder / "\x1b[2Jimg.bin"
    skipped.write_bytes(b"x")

    ingested = runner.invoke(app, ["ingest", str(folder), str(skipped)])
    assert ingested.exit_code == 2 and "skipped" in ingested.stdout and "\\x1b[2Jimg.bin" in ingested.stdout
    listed = runner.invoke(app, ["sources"])
    asked = runner.invoke(app, ["ask", "Banjir melanda mana?"])
    assert listed.exit_code == 0 and asked.exit_code == 0, asked.output
    assert "Jakarta" in asked.stdout and "Warga terbalik mengungsi" in asked.stdout and "202e" not in asked.stdout
    for result in (ingested, listed, asked):
        assert not UNSAFE.search(result.stdout), repr(result.stdout)

    # JSON is left to escape what it holds: no raw escape character reaches the screen either.
    as_json = runner.invoke(app, ["ingest", str(folder), str(skipped), "--json"])
    assert "\x1b" not in as_json.stdout
    (item,) = [i for i in json.loads(as_json.stdout)["items"] if i["status"] == "skipped"]
    assert item["source"].endswith("img.bin")


def test_json_writes_characters_that_change_how_text_shows_as_escapes() -> None:
    """`tanya sources --json | jq -r` had printed a source's right-to-left override raw (a file
    named "rlo\u202etxt.exe" shows as "rloexe.txt"); C1 controls and line separators too."""
    from bot.cli.contract import json_line

    line = json_line({"source": "rlo\u202etxt.exe", "text": "satu\u2028dua\x85tiga \u2066x\u2069 é"})
    assert line == '{"source": "rlo\\u202etxt.exe", "text": "satu\\u2028dua\\u0085tiga \\u2066x\\u2069 é"}\n'
    assert json.loads(line) == {"source": "rlo\u202etxt.exe", "text": "satu\u2028dua\x85tiga \u2066x\u2069 é"}


def test_an_8bit_escape_goes_whole_and_a_lone_c1_character_takes_nothing_with_it() -> None:
    from ingest.text.analysis import clean_text

    assert clean_text("Petugas \x9b2J bekerja \x9b31mmerah") == "Petugas bekerja merah"
    # without a parameter it is no sequence: the words after it stay (a review's finding)
    for text in ("\x9bBanjir melanda", "\x9b Baca juga: Banjir", "Harga \x9b2024 Banjir"):
        assert "anjir" in clean_text(text) and clean_text(text).split()[-1] == text.split()[-1]
    assert clean_text("\x9bBanjir melanda") == "Banjir melanda"


def test_unicode_line_and_paragraph_separators_are_line_breaks_of_the_text() -> None:
    from bot.logs import terminal_text
    from ingest.text.analysis import clean_text

    assert clean_text("satu\u2028dua\u2029tiga") == "satu dua\n\ntiga"
    assert terminal_text("a\u2028b", keep_newlines=True) == "a\\u2028b"  # one stored before: escaped


def test_an_error_line_quoting_a_hostile_name_is_escaped() -> None:
    """Error messages quote what the user gave (a source, a file name): a name that clears the
    screen reached the terminal through `tanya: error: ...`."""
    result = runner.invoke(app, ["remove", "x\x1b[2Jy"])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "x\\x1b[2Jy" in result.stderr


def test_each_piece_of_a_quote_is_highlighted_in_its_passage() -> None:
    from bot.chain.answer import OMISSION
    from bot.cli.render import _quote

    passage = "Banjir Merendam Empat Desa\n\nHujan turun sejak Senin. Air naik dua meter. Sebanyak 120 warga mengungsi."
    shown = _quote(passage, "Banjir Merendam Empat Desa" + OMISSION + "Sebanyak 120 warga mengungsi.")
    lit = [shown.plain[span.start : span.end] for span in shown.spans if "green" in str(span.style)]
    assert lit == ["Banjir Merendam Empat Desa", "Sebanyak 120 warga mengungsi."]  # the headline too
