from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from ingest.errors import LoadError
from ingest.loaders import Fetcher, _import_parsers, load_inputs
from ingest.types import Article, Skipped
from ingest.worker import ParseWorker


def slow_page(attributes: int) -> bytes:
    """One element with many attributes: lxml, justext and htmldate take time growing faster
    than the page (20,000 attributes, 210 KB: about 3 s; 100,000, 1.1 MB: 89 s)."""
    names = " ".join(f'a{i}="x"' for i in range(attributes))
    return f"<html><body><div {names}><p>Banjir melanda desa.</p></div></body></html>".encode()


PAGE = (
    b"<html><head><title>Banjir di Desa</title></head><body><article><h1>Banjir di Desa</h1>"
    b"<p>Banjir melanda desa pada Senin pagi setelah hujan deras sepanjang malam.</p>"
    b"<p>Ratusan warga mengungsi ke balai desa, kata kepala desa kepada wartawan.</p></article></body></html>"
)


def test_a_page_slow_to_parse_is_skipped_at_the_deadline_and_the_next_page_is_read(tmp_path: Path) -> None:
    """A hostile test: a 2.2 MB page of one element with 100,000 attributes took ten minutes and
    504 MB to read, a Discord bot's worker thread tied up meanwhile and Ctrl-C not acted on."""
    (tmp_path / "lambat.html").write_bytes(slow_page(20_000))
    (tmp_path / "biasa.html").write_bytes(PAGE)
    (slow,) = load_inputs([str(tmp_path / "lambat.html")], Fetcher(parse_timeout_s=0.5))
    # read by a new child (the one that took too long was stopped), started before its deadline counts
    (normal,) = load_inputs([str(tmp_path / "biasa.html")], Fetcher(parse_timeout_s=5))
    assert isinstance(slow, Skipped)
    assert slow.reason == (
        "reading this HTML page took longer than 0.5 s (TANYA_PARSE_TIMEOUT_S); "
        "a page or PDF built to be slow to parse is skipped"
    )
    assert isinstance(normal, Article) and "Ratusan warga mengungsi" in normal.text
    (whole,) = load_inputs([str(tmp_path / "lambat.html")], Fetcher(parse_timeout_s=120))
    assert isinstance(whole, Article) and "Banjir melanda desa" in whole.text  # given the time, read


def test_what_the_parser_raises_comes_back_as_it_was_and_a_parser_that_dies_is_named() -> None:
    worker = ParseWorker(warm_up=_import_parsers)
    try:
        with pytest.raises(LoadError, match="no article text found in the HTML"):
            from ingest.loaders import _html

            worker.run(_html, (b"<html><body></body></html>", None), 30, "this HTML page")
        with pytest.raises(LoadError, match=r"the parser of this PDF stopped unexpectedly \(exit code 3\)"):
            worker.run(os._exit, (3,), 30, "this PDF")
        assert worker.run(len, ("abc",), 30, "x") == 3  # a new child after one died
    finally:
        worker.close()


def test_settings_give_the_parse_deadline_to_every_front_end() -> None:
    from ingest.settings import IndexSettings

    settings = IndexSettings(_env_file=None, parse_timeout_s=7)  # type: ignore[call-arg]
    assert Fetcher.from_settings(settings).parse_timeout_s == 7


def test_the_childs_log_records_are_written_by_the_parents_handlers_with_their_filters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the child had written its log to stderr itself, past the filter that masks secrets and
    # escapes terminal controls (bot.logs.RedactSecrets on the parent's handlers)
    from bot.logs import RedactSecrets

    caplog.handler.addFilter(RedactSecrets(["sk-rahasia-123"]))
    worker = ParseWorker()
    try:
        with caplog.at_level(logging.WARNING):
            log = logging.getLogger("tanya.test.parser").warning  # a logger travels by its name
            worker.run(log, ("fetched \x1b]0;title\x07 with %s", "key sk-rahasia-123"), 60, "x")
    finally:
        worker.close()
    (record,) = [r for r in caplog.records if r.name == "tanya.test.parser"]
    assert record.getMessage() == "fetched \\x1b]0;title\\x07 with key [redacted]"
    assert record.processName == "tanya-parser"  # the child's record, written here


def test_what_else_a_parser_raises_on_a_document_skips_that_document() -> None:
    from ingest.loaders import _parsed

    with pytest.raises(LoadError, match=r"^cannot read this HTML page \(ValueError\)$"):
        _parsed(int, ("bukan angka",), 60, "this HTML page")  # a parser's own failure, not a LoadError
