"""A file's source names it and no other file: names that differ only in whitespace, control
characters or bytes that are not UTF-8 used to share one source, so ingesting one replaced the
other, and ``tanya remove PATH`` could not find what was ingested from PATH."""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli.app import app
from ingest.loaders import load_inputs
from ingest.pipeline import ingest_inputs
from ingest.store.index import Index
from ingest.types import Article, Skipped

BODY = "Gempa bumi mengguncang Palu kemarin sore."


def named(folder: Path, name: bytes) -> Path:
    """The path of the file called ``name`` (bytes, so that it need not be UTF-8) in ``folder``."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


def write(folder: Path, name: bytes, text: str = BODY) -> Path:
    path = named(folder, name)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        pytest.skip(f"this file system refuses the file name {name!r}")
    return path


def assert_printable_and_storable(source: str) -> None:
    source.encode("utf-8")  # no lone surrogates: SQLite, Chroma and UTF-8 output refuse them
    # printed in terminals: no control character, nor one that shows nothing or turns the text
    # around (a zero-width space had been shown raw)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in source)
    assert source == " ".join(source.split())  # no whitespace but single spaces between words


@pytest.mark.parametrize(
    "odd",
    [
        b"news  quake.txt",
        b"news\tquake.txt",
        b"news\x1bquake.txt",
        b"news\nquake.txt",
        b"news\xe3\x80\x80quake.txt",
        b"news\xe2\x80\x8bquake.txt",
        b"news\xe2\x80\xaeekauq.txt",
        "news\u061cquake.txt".encode(),
    ],
    ids=[
        "two spaces",
        "tab",
        "escape",
        "newline",
        "ideographic space",
        "zero-width space",
        "right-to-left override",
        # a hostile tester's: cleaning made it a space, the name had kept it raw
        "arabic letter mark",
    ],
)
def test_a_name_with_odd_whitespace_or_control_characters_is_not_the_plain_name(tmp_path: Path, odd: bytes) -> None:
    plain = write(tmp_path, b"news quake.txt", "Harga beras naik tajam di pasar Bekasi.")
    write(tmp_path, odd)
    articles = [a for a in load_inputs([str(tmp_path)]) if isinstance(a, Article)]
    sources = {a.text: a.source for a in articles}
    assert len(articles) == 2 and len(set(sources.values())) == 2
    assert sources["Harga beras naik tajam di pasar Bekasi."] == str(plain.resolve())  # as it always was
    assert_printable_and_storable(sources[BODY])


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u180e", "\U000e0041", "\ufff9"])
def test_a_name_with_a_character_cleaning_leaves_out_is_not_the_name_without_it(tmp_path: Path, invisible: str) -> None:
    # a soft hyphen or a tag character had been left raw in the source, then taken out with the
    # rest of what is cleaned: "soft\u00adhyphen.txt" was "softhyphen.txt", given twice in one run
    # and replacing it in the next, and `tanya remove` could not find it by its name
    write(tmp_path, b"newsquake.txt", "Harga beras naik tajam di pasar Bekasi.")
    write(tmp_path, f"news{invisible}quake.txt".encode())
    articles = [a for a in load_inputs([str(tmp_path)]) if isinstance(a, Article)]
    assert len(articles) == 2 and len({a.source for a in articles}) == 2
    assert_printable_and_storable(next(a.source for a in articles if a.text == BODY))


def test_a_name_that_is_not_utf8_is_not_the_name_that_spells_its_escape(tmp_path: Path) -> None:
    raw = write(tmp_path, b"bad\xffname.txt")
    write(tmp_path, b"bad\\xffname.txt", "Harga beras naik tajam di pasar Bekasi.")
    (by_bytes, by_text) = sorted(
        (a for a in load_inputs([str(raw), str(tmp_path / "bad\\xffname.txt")]) if isinstance(a, Article)),
        key=lambda a: a.text != BODY,
    )
    folder = str(tmp_path.resolve())
    assert by_bytes.source == folder + "/bad\\xffname.txt"  # as `tanya sources` has always shown it
    assert by_text.source != by_bytes.source
    assert_printable_and_storable(by_text.source)


# Pieces of file names: plain letters, the backslash and "x", "f", "0" that spell escapes, spaces,
# tabs, newlines and other control characters, other Unicode spaces, and bytes that are not UTF-8.
_PIECES = [b"a", b"x", b"f", b"0", b"\\", b" ", b"\t", b"\n", b"\x1b", b"\x7f", b"\xc2\x85"]
_PIECES += [b"\xc2\xa0", b"\xe3\x80\x80", b"\xff", b"\xc3", b"\xed\xb2\x80"]
_ESCAPE_LOOKALIKE = re.compile(r"\\(?:\\|x[0-9a-fA-F]{2})")


def ordinary(name: bytes) -> bool:
    """A name whose source is its path as it always was: UTF-8, printable, single spaces between
    words, nothing that reads as an escape."""
    try:
        text = name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    plain_spaces = text == " ".join(text.split()) and not any(ch.isspace() and ch != " " for ch in text)
    printable = not any(unicodedata.category(ch) == "Cc" for ch in text)
    return plain_spaces and printable and not _ESCAPE_LOOKALIKE.search(text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map(b"".join), min_size=2, max_size=8))
def test_every_file_name_has_a_source_of_its_own(tmp_path: Path, stems: set[bytes]) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    for stem in stems:
        write(folder, stem + b".txt", f"Berita nomor {len(stem)} tentang pasar.")
    items = list(load_inputs([str(folder)]))
    assert all(isinstance(i, Article) for i in items)
    sources = [i.source for i in items]
    assert len(set(sources)) == len(stems)
    for source in sources:
        assert_printable_and_storable(source)
    resolved = os.fsencode(folder.resolve())
    for stem in stems:
        if ordinary(stem):
            assert os.fsdecode(resolved + b"/" + stem + b".txt") in sources


def test_ingesting_a_name_with_two_spaces_keeps_the_one_with_one_and_reingest_is_unchanged(
    small_index: Index, tmp_path: Path
) -> None:
    two = write(tmp_path, b"news  quake.txt")
    one = write(tmp_path, b"news quake.txt", "Harga beras naik tajam di pasar Bekasi.")
    first = ingest_inputs(small_index, [str(two)]).items + ingest_inputs(small_index, [str(one)]).items
    assert [i.status for i in first] == ["added", "added"]
    assert len(small_index.articles()) == 2
    again = ingest_inputs(small_index, [str(two), str(one)])
    assert [i.status for i in again.items] == ["unchanged", "unchanged"]
    assert [i.source for i in again.items] == [i.source for i in first]


def test_an_empty_file_with_an_odd_name_is_skipped_under_the_source_it_would_have(tmp_path: Path) -> None:
    write(tmp_path, b"kosong\tsekali.txt", "")
    (skipped,) = load_inputs([str(tmp_path)])
    assert isinstance(skipped, Skipped) and skipped.reason == "no text in it"
    assert_printable_and_storable(skipped.source)
    assert skipped.source != str((tmp_path / "kosong sekali.txt").resolve())


def test_remove_finds_the_article_ingested_from_a_path_with_an_odd_name(tmp_path: Path) -> None:
    runner = CliRunner()
    two = write(tmp_path, b"news  quake.txt")
    one = write(tmp_path, b"news quake.txt", "Harga beras naik tajam di pasar Bekasi.")
    raw = write(tmp_path, b"bad\xffname.txt", "Banjir merendam rumah warga di Medan.")
    spelt = write(tmp_path, b"bad\\xffname.txt", "Kebakaran hutan meluas di Riau.")
    ingested = runner.invoke(app, ["ingest", str(two), str(one), str(raw), str(spelt)])
    assert ingested.exit_code == 0, ingested.output

    def remove(name: str) -> int:
        return runner.invoke(app, ["remove", name]).exit_code

    assert remove(str(two)) == 0
    hidden = write(tmp_path, b"news\xe2\x80\x8bquake.txt", "Gempa mengguncang Cianjur.")
    assert runner.invoke(app, ["ingest", str(hidden)]).exit_code == 0
    assert remove(str(hidden)) == 0  # its source is escaped, and found from the name as typed
    # "bad\xffname.txt" is how the name that is not UTF-8 is listed, and the path of the other file
    ambiguous = runner.invoke(app, ["remove", str(spelt)])
    assert ambiguous.exit_code == 2 and "ambiguous" in ambiguous.stderr
    assert remove(str(raw)) == 0  # its bytes reach tanya as surrogates (surrogateescape)
    assert remove(str(spelt)) == 0  # no longer ambiguous

    listed = runner.invoke(app, ["sources", "--json"])
    assert listed.exit_code == 0 and [a["source"] for a in json.loads(listed.stdout)] == [str(one.resolve())]
    assert remove(str(two)) == 2  # gone, and nothing else taken in its place
