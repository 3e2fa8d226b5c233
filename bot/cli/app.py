"""The ``tanya`` command line: a thin layer over ``ingest`` and the answering chain."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import logging
import math
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.console import Console

from bot.cli import Terminated
from ingest.errors import BadInput, IndexUnavailable, TanyaError
from ingest.pipeline import IngestInterrupted, IngestReport, IngestStopped, ProgressSink, not_stored

app = typer.Typer(
    help="tanya: ask questions about news articles and get answers that cite their passages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True, emoji=False)  # ":x:" in a file name is text, not an emoji
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
logger = logging.getLogger(__name__)

SAMPLE_QUESTION = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"


class _State:
    debug = False


F = TypeVar("F", bound=Callable[..., Any])


class _Closes(Protocol):
    def close(self) -> None: ...


_Closable = TypeVar("_Closable", bound=_Closes)
# What the running command opened (an index, a catalog), closed as it ends (``handles_errors``)
_OPENED: contextvars.ContextVar[list[_Closes] | None] = contextvars.ContextVar("tanya_opened", default=None)


def handles_errors(fn: F) -> F:
    """Print an error a user can cause as one line and exit with its code (traceback with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from bot.logs import terminal_text

        opened: list[_Closes] = []
        token = _OPENED.set(opened)
        try:
            return fn(*args, **kwargs)
        except TanyaError as exc:
            _traceback_if_debugging()
            # a message may quote a file name, a source or a setting: escaped like any article text
            err.print(f"tanya: error: {terminal_text(str(exc))}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except ValidationError as exc:
            _traceback_if_debugging()
            first = exc.errors()[0]
            name = _env_name(exc.title, first["loc"][0]) if first.get("loc") else "a setting"
            said = str(first["msg"]).removeprefix("Value error, ")  # pydantic's wording, not ours
            err.print(f"tanya: error: invalid {name}: {terminal_text(said)}", markup=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:
            from ingest.pipeline import MigrateInterrupted

            # a migration says what it copied and that a second run copies the rest
            said = f": {exc}" if isinstance(exc, MigrateInterrupted) else ""
            err.print(f"tanya: interrupted{said}", markup=False)
            raise typer.Exit(130) from None
        except sqlite3.DatabaseError as exc:  # found damaged after it opened (a page overwritten)
            from ingest.store.catalog import unreadable

            error = unreadable(exc)
            if error is None:
                raise
            _traceback_if_debugging()
            err.print(f"tanya: error: {terminal_text(str(error))}", markup=False)
            raise typer.Exit(error.exit_code) from None
        finally:
            _OPENED.reset(token)
            for closable in reversed(opened):
                _close_quietly(closable)

    return wrapper  # type: ignore[return-value]


def _close_quietly(closable: _Closes) -> None:
    """Close what a command opened as it ends, whatever else happened: a failure to close (a
    database server gone) is logged, not shown over the command's own outcome."""
    try:
        closable.close()
    except Exception:  # the command has ended: its own outcome is what is reported
        logging.getLogger(__name__).debug("closing %r failed", closable, exc_info=True)


def _traceback_if_debugging() -> None:
    """With --debug, the traceback of the error being handled, before its one line: the exit
    code stays the error's own (a hostile test: --debug had turned every 2 into 1)."""
    if _State.debug:
        import traceback

        traceback.print_exc(file=sys.stderr)


def _env_name(settings_class: str, field: object) -> str:
    """The variable that sets ``field`` of the settings class named ``settings_class``."""
    from bot.settings import SECTIONS, field_variables

    found = next((section for section in SECTIONS if section.__name__ == settings_class), None)
    if found is None:
        return str(field).upper() if str(field).isupper() else f"TANYA_{str(field).upper()}"
    for name in found.model_fields:  # by its name, or by a variable itself: DISCORD_GUILD_ID
        variables = field_variables(found, name)
        if str(field) == name or str(field) in variables:
            return " or ".join(variables)
    return str(field)


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False) -> None:
    """tanya: ask questions about news articles and get answers that cite their passages."""
    _State.debug = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # A library's warnings go to the log, where secrets are masked and terminal codes escaped:
    # shown with --debug, not at the terminal otherwise (a reply whose content was a list had
    # printed a pydantic warning of three lines quoting the model's text: a hostile tester's).
    logging.captureWarnings(True)
    if not debug:
        logging.getLogger("py.warnings").setLevel(logging.ERROR)
        # what they say of a document that cannot be read is its skip reason already
        for name in DOCUMENT_PARSER_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        # the connection pool's retries while the database is away: tanya says so in one line
        # (the Discord bot's log keeps them: ``bot_command``)
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)


# The libraries that read HTML and PDF log every odd document ("lxml parsing failed", "EOF
# marker not found"); tanya reports the same once, as the reason an input was skipped.
DOCUMENT_PARSER_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext", "pypdf")


def _settings() -> Any:
    """Read the settings once and have every secret in them masked in logs from now on."""
    from bot.logs import redact_secrets
    from bot.settings import Settings
    from ingest.settings import check_env_file

    check_env_file()
    settings = Settings()
    redact_secrets(settings.secret_values())
    _note_unknown_settings()
    return settings


def _note_unknown_settings() -> None:
    """Name on stderr each ``TANYA_`` variable that sets nothing, with the setting it may be a
    misspelling of (a newcomer's ``TANYA_TOPK=3`` in ``.env`` was ignored without a word)."""
    import os
    from pathlib import Path

    from dotenv import dotenv_values

    from bot.logs import terminal_text
    from bot.settings import unknown_settings
    from ingest.settings import ENV_FILE

    env_file: dict[str, str | None] = {}
    if Path(ENV_FILE).is_file():  # check_env_file has refused one that cannot be read
        env_file = dict(dotenv_values(ENV_FILE, encoding="utf-8"))
    for name, where, close in unknown_settings(dict(os.environ), env_file):
        hint = f"; did you mean {close}?" if close else ""
        said = f"note: {terminal_text(name)} ({where}) is not a tanya setting and is ignored{hint}"
        err.print(said, style="dim", markup=False)


def _print_json(value: Any) -> None:
    from bot.cli.contract import json_line

    sys.stdout.write(json_line(value, ascii_only=not _writes_utf8(sys.stdout)))
    sys.stdout.flush()


def _writes_utf8(stream: Any) -> bool:
    """Whether ``stream`` encodes text as UTF-8 (a pipe or terminal in another encoding does not)."""
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name == "utf-8"
    except LookupError:
        return False


def _lenient_stdin(newline: str | None = None, encoding: str | None = None) -> None:
    """Make reading stdin turn bytes that are not UTF-8 into U+FFFD instead of raising, so one
    bad line is one odd question, not the end of a chat or a batch (``newline``: what ends a
    line, as ``open`` takes it; ``encoding``: the input's, whatever the locale says)."""
    reconfigure = getattr(sys.stdin, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace", newline=newline, **({"encoding": encoding} if encoding else {}))


@app.command()
@handles_errors
def ingest(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="Files, folders or http(s) URLs.", show_default=False)
    ] = None,
    bundled: Annotated[bool, typer.Option("--bundled", help="Also ingest the bundled sample article.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the index already holds articles.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Add articles (.txt .md .html .pdf .jsonl, folders, URLs) to the index.

    Unchanged articles are skipped without re-embedding; changed ones replace their old chunks.
    Exit code 2 when some input was skipped (each is listed with its reason).
    """
    from ingest.corpus import bundled_articles_dir
    from ingest.loaders import Fetcher
    from ingest.pipeline import ingest_inputs

    paths = list(inputs or []) + ([str(bundled_articles_dir())] if bundled else [])
    if not paths:
        raise BadInput("give at least one file, folder or URL to ingest (or --bundled)")
    ingest_settings = _settings().index
    index = _open_index(ingest_settings)
    if if_empty and index.count():  # no reading of the inputs; checked again under the write lock
        _nothing_to_do(len(index.articles()), as_json)
        return
    try:
        with _progress(enabled=not as_json) as sink:
            report = ingest_inputs(
                index, paths, Fetcher.from_settings(ingest_settings), progress=sink, if_empty=if_empty
            )
    except IngestStopped as stopped:  # what it stored, then why it stopped (handles_errors)
        _print_report(stopped.report, as_json)
        raise
    except IngestInterrupted as interrupted:  # Ctrl-C: what it stored stays, and a second run adds the rest
        _print_report(interrupted.report, as_json)
        err.print(interrupted_line(interrupted), markup=False)
        raise typer.Exit(130) from None
    if report.already_held is not None:  # another writer filled it meanwhile
        _nothing_to_do(report.already_held, as_json)
        return
    _print_report(report, as_json)
    if report.count("skipped"):
        raise typer.Exit(2)


def _nothing_to_do(held: int, as_json: bool) -> None:
    """What `tanya ingest --if-empty` says of an index that already holds articles."""
    if not as_json:
        err.print(f"The index already holds {held} article(s); nothing to do.")
    else:
        _print_json(IngestReport().to_json())  # nothing added, replaced or skipped


def interrupted_line(interrupted: IngestInterrupted) -> str:
    """What an ingest stopped by Ctrl-C says after its report: what it stored stays."""
    left, unread = interrupted.left, interrupted.unread
    rest = f"; {not_stored(left, unread)}: ingest again to add them" if left or unread else ""
    if interrupted.terms_behind:
        rest += (
            "; the stored articles' search terms, an older tanya's, were being analysed again: the index "
            "answers as before, and the next ingest (or `tanya reindex --terms-only`) does them all"
        )
    return f"tanya: interrupted: {interrupted.report.stored} new or changed article(s) were stored{rest}"


def _print_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        _print_json(report.to_json())
    else:
        from bot.cli.render import render_report

        out.print(render_report(report))


@app.command()
@handles_errors
def remove(
    source: Annotated[
        str, typer.Argument(help="The source or URL as `tanya sources` lists it, or the path of its file.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON result.")] = False,
) -> None:
    """Delete an article and all its chunks from the index."""
    from bot.logs import terminal_text
    from ingest.loaders import file_source, jsonl_source, text_source
    from ingest.settings import is_url
    from ingest.text.analysis import replace_surrogates

    ingest_settings = _settings().index
    index = _open_index(ingest_settings)
    # SOURCE is an article's source as listed, or the path of the file an article was read from,
    # whose source is the path escaped when its name needs it (a tab, two spaces, bytes that are
    # not UTF-8): the path as typed or resolved is then another article's source, or none.
    try:
        path_source: str | None = file_source(Path(source).expanduser().resolve())
    except (RuntimeError, ValueError, OSError):  # "~nobody/x", a NUL byte: names no file
        path_source = None
    at_path = path_source if path_source and index.find_source(path_source) == path_source else None
    source = replace_surrogates(source)  # bytes that are not UTF-8; the catalog cannot look them up
    named = index.find_source(source)  # a URL: as written any way, or the URL `tanya sources` shows
    listed = named if named is not None and (named == source or is_url(source)) else None
    # a JSON Lines id as its file writes it: stored escaped ("berita 02" with a tab), and after
    # "jsonl:" when it reads as a path or begins so ("/news/x", "jsonl:/news/x")
    stored = jsonl_source(text_source(source))
    written = stored if stored != source and index.find_source(stored) == stored else None
    if listed is not None and written is not None:  # "jsonl:/news/x": one's listing, another's id
        raise BadInput(
            f"ambiguous: {source} is an article's source as listed and another's JSON Lines id, listed as "
            f"{written}; give {written} to remove that one"
        )
    listed = listed if listed is not None else written
    if listed is not None and at_path and listed != at_path:  # a listed name that is also another file's path
        raise BadInput(
            f"ambiguous: {source} is an article's source and the path of the file of another, listed as "
            f"{at_path}; give {at_path} to remove that one, or the path of the other's file"
        )
    found = listed if listed is not None else at_path  # "": blank JSONL ids, stored before 2026-12-02
    if found is None:
        # (a blank or invisible name is shown quoted: "not in the index:  (see ...)" named nothing)
        shown = source if source.isprintable() and source.strip() else repr(source)
        raise BadInput(f"not in the index: {shown} (see `tanya sources`)")
    with index.writing(on_wait=lambda m: err.print(m, markup=False)):
        index.remove(found)
    if as_json:
        _print_json({"removed": found})
    else:
        out.print(f"Removed {terminal_text(found)}", markup=False)


@app.command()
@handles_errors
def sources(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False) -> None:
    """List indexed articles with their chunk counts and dates."""
    from bot.cli.contract import article_to_json

    ingest_settings = _settings().index
    records = _open_index(ingest_settings).articles()
    if as_json:
        _print_json([article_to_json(r) for r in records])
    else:
        from bot.cli.render import render_sources

        out.print(render_sources(records))


@app.command()
@handles_errors
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question (omit with --batch).", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract instead of text.")] = False,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch", help="Answer one question per line of FILE (- for stdin); prints JSON lines.", metavar="FILE"
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only articles published on or after DATE.", metavar="YYYY-MM-DD")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only articles published on or before DATE.", metavar="YYYY-MM-DD")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="Only articles whose source, URL, title or outlet contains TEXT.", metavar="TEXT"
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help='Read "kemarin", "latest" and other time words as if today were DATE (default: today in'
            " TANYA_TIMEZONE).",
            metavar="YYYY-MM-DD",
        ),
    ] = None,
) -> None:
    """Answer a question from the indexed articles, citing the passages used."""
    from bot.chain.dates import parse_today
    from bot.cli.contract import answer_to_json

    scope = _scope(since, until, source)
    # checked as the chain checks a batch line's, before any model loads; "" names no day
    if today is not None and parse_today(today, "--today") is None:
        raise BadInput(f"--today must be a date as YYYY-MM-DD, not {today!r}")
    if today is not None:
        scope["today"] = today
    if batch is None and question is None:
        raise BadInput("give a question, or --batch FILE")
    if batch is not None and question is not None:
        raise BadInput("give either a question or --batch FILE, not both")
    settings = _settings()
    ingest_settings = settings.index
    index = _index_warming_up(ingest_settings)
    from bot.components import make_stack

    stack = make_stack(settings, index=index)
    _notes_on_the_index(stack.index, ingest_settings)
    if batch is not None:
        _answer_batch(stack.chain, batch, scope)
        return
    assert question is not None
    asked = {"question": question, **scope}
    if as_json:
        _print_json(answer_to_json(_answered(stack.chain, asked)))
    else:
        _ask_and_print(stack.chain, asked)


def _scope(since: str | None, until: str | None, source: str | None) -> dict[str, str]:
    """The chain's filter fields from ``--since``, ``--until`` and ``--source``, checked now as
    the chain checks them (``filter_scope``), so a bad one is a one-line error before any model
    loads or any batch line is read."""
    from bot.chain.build import filter_scope

    filter_scope(since, until, source, "--")  # what the chain checks, before any model loads
    fields = {"since": since, "until": until, "source": source}
    return {key: value for key, value in fields.items() if value}


def _notes_on_the_index(index: Any, settings: Any) -> None:
    """Say once on stderr when the index is empty, when it was built with another model than the bundled one and
    TANYA_EMBEDDING_MODEL does not ask for it (an index of an older default): it answers, with
    the models that do without the embeddings, until `tanya reindex`; and when its Chroma copy
    is in another collection than TANYA_COLLECTION names (set after the index was written)."""
    from ingest.settings import BUNDLED_MODEL
    from ingest.store.index import analyser_order

    if not index.count():  # every answer would be a refusal with nothing to say why
        err.print(
            "note: the index is empty; add articles with `tanya ingest PATH_OR_URL...` (or `tanya ingest --bundled`)",
            style="dim",
            markup=False,
        )
        return
    if settings.embedding_model is None and index.model_name != BUNDLED_MODEL:
        err.print(
            f"note: this index was built with {index.model_name}; run `tanya reindex` to rebuild it with "
            f"the bundled multilingual model ({BUNDLED_MODEL}), which answers better",
            style="dim",
            markup=False,
        )
    analyser = index.analysed_with()  # (one read for both notes)
    order = analyser_order(analyser)
    if order < 0:
        err.print(
            "note: an older tanya made this index's search terms, so some words of a question may miss "
            "them; run `tanya reindex --terms-only` (nothing is embedded again) or ingest anything",
            style="dim",
            markup=False,
        )
    elif order > 0:
        err.print(
            f"note: a newer tanya made this index's search terms (analyser {analyser}), so some "
            "words of a question may miss them; upgrade tanya on this host (it adds nothing to the index until then)",
            style="dim",
            markup=False,
        )
    if index.copy_elsewhere:  # it stays in the collection it was first written to
        err.print(
            f"note: this index's vectors are copied to the Chroma collection {index.collection_name!r}, named "
            f"when it was first written; TANYA_COLLECTION ({index.base_collection!r}) names a new index's",
            style="dim",
            markup=False,
        )


def _answered(chain: Any, question: str | dict[str, Any]) -> Any:
    """The chain's final answer, read as it streams, as the text mode and Discord read it: an LLM
    answer whose model stalls after some verified sentences keeps them, with a note (``invoke``
    waits for the whole draft first, and its deadline then gave the extractive answer instead)."""
    answers = list(chain.stream(question))  # a handful: one per verified sentence, then the whole
    return answers[-1]


def _ask_and_print(chain: Any, question: str | dict[str, Any]) -> Any:
    """Answer and print (``question``: the chain's input); an answer written piece by piece (an
    LLM's) is shown as it grows. Return the answer."""
    from rich.text import Text

    from bot.cli.render import answer_style, render_answer
    from bot.logs import terminal_text

    shown = ""
    answer = None
    for answer in chain.stream(question):
        if answer.partial:
            text = terminal_text(answer.text, keep_newlines=True)
            out.print(
                Text(text[len(shown) :] if text.startswith(shown) else "\n" + text, style=answer_style(None)), end=""
            )
            shown = text
    assert answer is not None
    final = terminal_text(answer.text, keep_newlines=True)
    if shown and final.startswith(shown):
        # the answer as shown so far, and what it ends with (the last sentence, checked once the
        # model stopped writing): it had been printed again whole, the shown sentences twice
        out.print(Text(final[len(shown) :], style=answer_style(None)))
        out.print(render_answer(answer, with_text=False))
    else:
        if shown:
            out.print()
        out.print(render_answer(answer))
    return answer


def _closed_with_the_command(closable: _Closable) -> _Closable:
    """``closable`` (an index, a catalog), closed when the command running ends
    (``handles_errors``; ``Index.close``): run inside a longer process (tests run the commands
    so), a command had left its catalog's connection open until the cycle collector freed it."""
    opened = _OPENED.get()
    if opened is not None:
        opened.append(closable)
    return closable


def _open_index(settings: Any) -> Any:
    """The index ``settings`` (an ``IndexSettings``) describe, closed when the command ends."""
    from ingest.store.index import make_index

    return _closed_with_the_command(make_index(settings))


def _open_stack(settings: Any, **kwargs: Any) -> Any:
    """The answering stack of ``settings`` (``make_stack``), its index closed when the command ends."""
    from bot.components import make_stack

    stack = make_stack(settings, **kwargs)
    _closed_with_the_command(stack.index)
    return stack


def _index_warming_up(ingest_settings: Any) -> Any:
    """Open the index and start loading its embedding model in a thread, so that a cold
    one-shot `tanya ask` loads the model while it imports the answering chain."""
    import threading

    index = _open_index(ingest_settings)
    # an index built with another model than TANYA_EMBEDDING_MODEL names is refused before that
    # model loads: loading it first had taken seconds, printed its warnings and exported it into
    # the model cache, only to refuse (a hostile tester's)
    index.check_model()
    warm_up = getattr(index.embeddings, "warm_up", None)
    if warm_up is not None:
        # Not a daemon: the process waits for it before it exits. A question answered without its
        # vector (the lexical models of an index built with another model) could end the process
        # while the thread was still loading the model, and onnxruntime, torn down under it,
        # aborted the process ("terminate called without an active exception"; exit 134).
        threading.Thread(target=_quietly(warm_up), name="tanya-warm-up", daemon=False).start()
    return index


def _quietly(fn: Callable[[], None]) -> Callable[[], None]:
    """``fn`` for a background thread: a failure is left for the real call to report."""

    def run() -> None:
        try:
            fn()
        except Exception:
            logger.debug("warm-up failed", exc_info=True)

    return run


def _answer_batch(chain: Any, batch: str, scope: dict[str, str] | None = None) -> None:
    """Answer each line as soon as it is read, flushing every JSON line: one output line per
    input line, in order (a blank line gets an ``error`` object like any other refusal). A
    line's own ``since``/``until``/``source``/``today`` override the command's."""

    # Only "\n" ends a batch line (a "\r" inside one split it in two, and the answers no longer
    # paired with the lines by number); a "\r\n" ending is stripped with the line.
    if batch == "-":
        _lenient_stdin(newline="\n", encoding="utf-8")  # JSON is UTF-8 (a review's: latin-1 locales misread it)
        stream = sys.stdin
    else:  # a regular file or a pipe, read line by line
        from ingest.loaders import open_file_or_pipe

        stream = open_file_or_pipe(Path(batch), encoding="utf-8", errors="replace", newline="\n")
    try:
        _answer_lines(chain, _bounded_lines(stream), scope)
    finally:
        if stream is not sys.stdin:
            stream.close()


def _answer_lines(chain: Any, lines: Iterator[str | None], scope: dict[str, str] | None) -> None:
    from bot.cli.contract import answer_to_json

    for line in lines:
        if line is None:
            _print_json({"error": f"the line is longer than {MAX_BATCH_LINE:,} characters"})
            continue
        item_id, text, fields, problem = _parse_batch_line(line)
        asked = {"question": text, **(scope or {}), **fields}
        try:
            if problem:
                raise BadInput(problem)
            result: dict[str, Any] = answer_to_json(_answered(chain, asked))
        except (BadInput, IndexUnavailable) as exc:  # a line that cannot be asked; a server away for now
            # a refused question echoed as far as one tells which it was (a 980 KB question had
            # been written back whole: a hostile test)
            result = {"question": text[:ECHOED_CHARS], "error": str(exc)}
        if item_id is not None:
            result = {"id": item_id, **result}
        _print_json(result)


# How much of a refused batch question its error object writes back.
ECHOED_CHARS = 200
# A batch line (a question with its history) longer than this is refused without being kept.
MAX_BATCH_LINE = 1_000_000


def _bounded_lines(stream: Any) -> Iterator[str | None]:
    """The lines of ``stream`` as they come; ``None`` for a line longer than ``MAX_BATCH_LINE``,
    which is read past without being kept."""
    while True:
        line = _read_line(stream, MAX_BATCH_LINE + 1)
        if not line:
            return
        if len(line) > MAX_BATCH_LINE and not line.endswith("\n"):
            while (rest := _read_line(stream, MAX_BATCH_LINE)) and not rest.endswith("\n"):
                pass
            yield None
            continue
        yield line


def _read_line(stream: Any, limit: int) -> str:
    """A line of at most ``limit`` characters; an input that cannot be read (standard input
    opened for writing only, an I/O error, a file of /proc that refuses reads) is a ``BadInput``,
    one line, not a traceback."""
    try:
        line: str = stream.readline(limit)
    except OSError as exc:
        raise BadInput(f"cannot read the input: {exc.strerror or exc}") from None
    return line


BATCH_FIELDS = ("history", "since", "until", "source", "today")


# How deeply a batch line's JSON may nest (a history is a list of objects: three levels).
MAX_BATCH_DEPTH = 16


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _no_constant(name: str) -> Any:
    """JSON has no NaN or Infinity (Python's parser takes them; strict readers of the output do not)."""
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    """A JSON number too large for a float ("1e999") is refused rather than read as infinity."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def _parse_batch_line(line: str) -> tuple[Any, str, dict[str, Any], str | None]:
    """A batch line's id, question and other fields the chain reads (``history``: earlier
    questions or question/answer objects, oldest first; ``since``/``until``/``source``: the
    filters; ``today``: the day relative dates count from), and what is wrong with it if it
    cannot be asked. A line that does not start with "{" is the question itself; one that does
    must be such an object."""
    stripped = line.strip().lstrip("\ufeff").strip()  # a byte order mark (a file saved by Notepad) hides the "{"
    if not stripped.startswith("{"):
        return None, stripped, {}, None
    try:
        record = json.loads(stripped, parse_constant=_no_constant, parse_float=_finite_float)
    except ValueError as exc:
        # where in the line it went wrong ("Invalid control character at character 22": a raw NUL
        # in a string had been "Invalid control character at", cut before its place)
        if isinstance(exc, json.JSONDecodeError):  # its message may end in "at", and hold a ":"
            # counted in the line as written, before the spaces or byte order mark stripped
            detail = f"{exc.msg.removesuffix(' at')} at character {line.find(stripped) + exc.pos + 1}"
        else:  # ours ("... is not a number: NaN"): the part before the value
            detail = str(exc).split(":")[0]
        return None, stripped[:ECHOED_CHARS], {}, f"the line is not valid JSON ({detail})"
    except RecursionError:  # nesting deeper than Python's stack, inside the line cap
        return None, stripped[:ECHOED_CHARS], {}, "the line is not valid JSON (nested too deeply)"
    if _depth(record) > MAX_BATCH_DEPTH:  # read, but too deep to write back or print safely
        # its error still carries the line's id, when that is a plain value (a deep "history" had
        # dropped it, and with it which line was refused)
        given = record.get("id") if isinstance(record, dict) else None
        item_id = given if isinstance(given, str | int | float | bool) else None
        return item_id, stripped[:ECHOED_CHARS], {}, f"the line is nested more than {MAX_BATCH_DEPTH} deep"
    if not isinstance(record, dict):
        return None, stripped[:ECHOED_CHARS], {}, "the line is not a JSON object"
    item_id = record.get("id")
    if not isinstance(record.get("question"), str):
        given = record.get("question")  # echoed as the line wrote it (str() wrote "None", "['a']")
        shown = "" if given is None else json.dumps(given, ensure_ascii=False)[:ECHOED_CHARS]
        return item_id, shown, {}, 'the line has no "question" text'
    # null or blank (spaces alone too: a hostile test's " " had lifted the command's --source)
    # is not given, as a blank setting is: the command's own --since stands
    fields = {
        key: record[key]
        for key in BATCH_FIELDS
        if record.get(key) is not None and not (isinstance(record[key], str) and not record[key].strip())
    }
    return item_id, record["question"], fields, None


# What a chat line says to the chat itself rather than asks: a line of only one of these.
_QUIT = frozenset(("", "exit", "quit", "/exit", "/quit"))
_START_OVER = frozenset(("new", "/new", "reset", "/reset", "clear", "/clear"))


@app.command()
@handles_errors
def chat() -> None:
    """Ask questions one after another; models load once. A question is read with the ones
    before it ("kenapa?", "berapa orang?"); `new` (or `/new`, `reset`, `clear`) starts over.
    Empty line, `exit` or Ctrl-D quits;
    Ctrl-C abandons the answer being written (and quits at the prompt)."""
    from bot.chain.conversation import Conversation
    from bot.chain.llm import resume_model_calls
    from bot.logs import terminal_text

    settings = _settings()
    ingest_settings = settings.index
    stack = _open_stack(settings)
    _notes_on_the_index(stack.index, ingest_settings)
    _warm_up(stack)
    _lenient_stdin()
    out.print(
        "Ask about the indexed articles; follow-up questions are read with the earlier ones "
        "(`new` starts over, empty line or Ctrl-D quits).",
        style="dim",
    )
    conversation = Conversation()
    for question in _chat_lines():
        if question is None:
            err.print(f"tanya: the line is longer than {MAX_BATCH_LINE:,} characters", markup=False)
            continue
        said = question.strip().lower()
        if said in _QUIT:
            return
        if said in _START_OVER:
            conversation = Conversation()
            out.print("(a new conversation)", style="dim")
            continue
        try:
            answer = _ask_and_print(stack.chain, {"question": question, "history": conversation.history()})
            conversation.add(question, answer)
        except (BadInput, IndexUnavailable) as exc:  # as --batch: a database away for now ends no chat
            err.print(f"tanya: {terminal_text(str(exc))}", markup=False)
        except Terminated:  # SIGTERM (a service manager, `kill`) ends the chat, answering or not
            raise
        except KeyboardInterrupt:  # during an answer it abandons the answer, as in a shell; at the prompt it quits
            resume_model_calls()
            err.print("tanya: answer interrupted", markup=False)
        out.print()
    out.print()


def _warm_up(stack: Any) -> None:
    """Load the embedding model (when questions are embedded: not with the lexical models of an
    index built with another model) and run the chain once on a greeting (small talk: no model
    call, nothing printed) before the chat's first prompt, so that the model and what the
    chain's streaming imports on first use are in place before an answer a Ctrl-C may abandon.
    An interrupt inside the model's first opening or a first-time import had left a tokenizer
    without its table or numpy half imported ("cannot load module more than once"), and every
    later question ended the chat with a traceback (a hostile test); one during the warm-up ends
    the chat as one while `tanya ask` starts does. (The first real question still imports a few
    modules of its own, the stemmer's among them.)"""
    warm = getattr(stack.index.embeddings, "warm_up", None)
    if warm is not None and stack.retriever.models_now().embedding_model is not None:
        warm()
    for _ in stack.chain.stream({"question": "halo"}):  # small talk: no retrieval, no model call
        pass


def _chat_lines() -> Iterator[str | None]:
    """The chat's questions: typed at a terminal (with line editing), or read from a pipe or
    file line by line, where a line longer than ``MAX_BATCH_LINE`` is ``None``, read past
    without being kept (as in ``--batch``)."""
    if sys.stdin.isatty():
        # line editing and history for input() (arrow keys had typed "\x1b[A" into the question);
        # not on every platform, where escape sequences are then dropped from questions
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401
        while True:
            try:
                yield input("tanya> ")
            except EOFError:
                return
    for line in _bounded_lines(sys.stdin):
        sys.stdout.write("tanya> ")
        yield None if line is None else line.rstrip("\r\n")


@app.command("eval")
@handles_errors
def eval_(
    sets: Annotated[
        list[Path], typer.Argument(help="Question sets (.jsonl; the line formats are in the README, under tanya eval).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    details: Annotated[
        Path | None, typer.Option("--details", help="Write one JSON line per question to FILE.", metavar="FILE")
    ] = None,
    index_dir: Annotated[
        Path | None,
        typer.Option(
            "--index-dir",
            help="Keep the evaluation index here and reuse it (default: a temporary folder). Every article "
            "in it that this run does not ask for is removed, so a folder with files eval did not write "
            "is refused.",
            metavar="DIR",
        ),
    ] = None,
    articles: Annotated[
        list[Path] | None,
        typer.Option(
            "--articles",
            help="Also index these articles (files or folders), for sets whose questions have no passage.",
            metavar="PATH",
        ),
    ] = None,
    models: Annotated[
        Path | None,
        typer.Option(
            "--models",
            help="Answer with these fitted models (bench/fit_models.py --out) instead of the shipped ones.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Measure retrieval and answer quality: recall@1/3, MRR, accuracy, abstention, latency.

    Builds an index of the bundled article, the --articles and every distinct passage of the
    sets, then asks every question through the same chain as `tanya ask`.
    """
    from bot.chain.models import load_models
    from bot.evaluation import (
        check_writable,
        eval_articles,
        load_eval_set,
        result_to_json,
        run_eval,
        summarize,
        write_details,
    )
    from bot.logs import terminal_text
    from ingest.corpus import bundled_articles_dir
    from ingest.loaders import Fetcher, load_inputs
    from ingest.pipeline import ingest_articles
    from ingest.types import Article

    # Everything that can be refused is refused here, before the index is built and every
    # question asked: the sets, where --details goes, the --articles.
    settings = _settings()
    questions = [q for path in sets for q in load_eval_set(path, settings.answering.max_question_chars)]
    if details is not None:
        check_writable(details, "--details")
    extra: list[Article] = []
    for item in load_inputs([str(p) for p in articles or ()], Fetcher.from_settings(settings.index)):
        if not isinstance(item, Article):  # an eval without an article it was given measures something else
            raise BadInput(f"--articles: cannot use {terminal_text(item.source)} ({terminal_text(item.reason)})")
        extra.append(item)
    ingest_settings = settings.index
    if index_dir is not None and _holds_files(index_dir) and not (index_dir / EVAL_INDEX_MARK).exists():
        raise BadInput(
            f"--index-dir {terminal_text(str(index_dir))} holds files tanya eval did not write (an index of "
            "yours?): eval removes every article it does not ask for, so give it an empty or new folder"
        )
    if index_dir is not None:
        # marked before anything is written in it: a first run stopped part way (Ctrl-C) had left
        # a folder of its own that the next run refused as someone else's
        from ingest.store.index import file_in_the_way

        if (where := file_in_the_way(index_dir)) is not None:
            raise BadInput(f"--index-dir {terminal_text(str(index_dir))}: {terminal_text(where)}, not a folder")
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            (index_dir / EVAL_INDEX_MARK).write_text("an index tanya eval keeps (--index-dir)\n", encoding="utf-8")
        except OSError as exc:
            raise BadInput(
                f"--index-dir {terminal_text(str(index_dir))} cannot be used: {exc.strerror or exc}"
            ) from None
    with tempfile.TemporaryDirectory(prefix="tanya-eval-") as tmp:
        data_dir = index_dir or Path(tmp)
        index_settings = ingest_settings.model_copy(
            update={"data_dir": data_dir, "chroma_url": None, "database_url": None}
        )
        stack = _open_stack(settings.model_copy(update={"index": index_settings}), models=load_models(models))
        wanted = eval_articles(questions, bundled_articles_dir()) + extra
        with _progress(enabled=not as_json) as sink:
            ingest_articles(stack.index, wanted, sink)
        # A kept index holds what this run asks for and nothing else: a passage of another run's
        # sets, or an older version of one, would compete with the gold passages.
        kept = {article.source for article in wanted}
        with stack.index.writing():
            for record in stack.index.articles():
                if record.source not in kept:
                    stack.index.remove(record.source)
        results = run_eval(stack.chain.invoke, questions)
    by_set: dict[str, list[Any]] = {}
    for r in results:
        by_set.setdefault(r.question.set_name, []).append(r)
    metrics = [summarize(name, rs) for name, rs in by_set.items()]
    if as_json:
        from dataclasses import asdict

        _print_json([asdict(m) for m in metrics])
    else:
        from bot.cli.render import render_metrics

        wide = out if out.is_terminal else Console(highlight=False, width=160, emoji=False)
        wide.print(render_metrics(metrics))
    if details is not None:  # after the metrics, so a write that fails now (a full disk) loses only the details
        from bot.cli.contract import json_line

        try:
            write_details(details, "".join(json_line(result_to_json(r)) for r in results))
        except OSError as exc:
            raise TanyaError(f"cannot write --details {details}: {exc.strerror or exc}") from None


# The file that marks a folder as an index ``tanya eval --index-dir`` built, whose articles it may
# remove; any other folder with files in it is refused.
EVAL_INDEX_MARK = "tanya-eval-index"


def _holds_files(folder: Path) -> bool:
    try:
        return folder.is_dir() and any(folder.iterdir())
    except OSError:
        return False


@app.command()
@handles_errors
def reindex(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    vectors_only: Annotated[
        bool,
        typer.Option(
            "--vectors-only",
            help="Embed nothing: rebuild the Chroma copy of the vectors from the catalog (after a write "
            "that could not reach it, or a lost Chroma folder).",
        ),
    ] = False,
    terms_only: Annotated[
        bool,
        typer.Option(
            "--terms-only",
            help="Embed nothing: analyse every stored passage again into index terms, when an older "
            "tanya's analyser made them (the next ingest does it too).",
        ),
    ] = False,
) -> None:
    """Re-embed every stored passage with TANYA_EMBEDDING_MODEL (unset: the bundled multilingual
    model) and switch the index to it.

    Articles are not fetched again. Running bots and chats keep answering from the old vectors
    until the new ones are complete, then switch.
    """
    from bot.logs import terminal_text
    from ingest.errors import ReindexInterrupted, how_many
    from ingest.pipeline import reanalyse, sync_vectors
    from ingest.pipeline import reindex as rebuild
    from ingest.settings import BUNDLED_MODEL

    ingest_settings = _settings().index
    if vectors_only and terms_only:
        raise BadInput("--vectors-only and --terms-only are two different repairs: run one, then the other")
    if terms_only:
        # the index opened before the progress bar: a server away is its one line, with no empty
        # line the bar left before it (a hostile tester's)
        index = _open_index(ingest_settings)
        with _progress(enabled=not as_json) as sink:
            try:
                analysed = reanalyse(index, sink)
            except KeyboardInterrupt:  # Ctrl-C, SIGTERM (bot.cli.Terminated)
                err.print(
                    f"tanya: interrupted after {sink.analysed_chunks:,} of "
                    f"{how_many(sink.analysing_chunks, 'passage')} were analysed again: the index answers as "
                    "before, its terms still count as behind; run "
                    "`tanya reindex --terms-only` again (it starts over; nothing is embedded)",
                    markup=False,
                )
                raise typer.Exit(130) from None
        if as_json:
            _print_json(analysed.to_json())
        elif analysed.articles:
            out.print(
                f"Analysed {how_many(analysed.articles, 'article')} again (terms of analyser {analysed.analyser}, "
                f"were {analysed.previous_analyser}); nothing was embedded again, in {analysed.seconds:.1f} s.",
                markup=False,
            )
        else:
            out.print(f"The index's terms are up to date (analyser {analysed.analyser}): nothing to do.", markup=False)
        return
    if vectors_only:
        index = _open_index(ingest_settings)  # before the progress bar, as above
        with _progress(enabled=not as_json) as sink:
            synced = sync_vectors(index, sink)
        if as_json:
            _print_json(synced.to_json())
        else:
            if synced.set_aside is not None:
                out.print(
                    f"The Chroma copy could not be used; it was moved to {terminal_text(synced.set_aside)} "
                    "(delete it once you no longer need it) and built again from the catalog.",
                    markup=False,
                )
            out.print(
                f"The Chroma copy matches the catalog: {synced.copied} vectors copied, {synced.deleted} removed "
                f"in {synced.seconds:.1f} s.",
                markup=False,
            )
        return
    ingest_settings.embedding_model = ingest_settings.embedding_model or BUNDLED_MODEL
    index = _open_index(ingest_settings)  # its embeddings are TANYA_EMBEDDING_MODEL's, not the index's
    model = index.model_name
    try:
        with _progress(enabled=not as_json) as sink:
            report = rebuild(index, index.embeddings, model, sink)
    except ReindexInterrupted as interrupted:
        err.print(
            f"tanya: interrupted after the switch: every answer uses {interrupted.model} now (was "
            f"{interrupted.previous}); the Chroma copy of the vectors may be behind until "
            "`tanya reindex --vectors-only` or the next ingest",
            markup=False,
        )
        raise typer.Exit(130) from None
    if as_json:
        _print_json(report.to_json())
    else:
        out.print(
            f"Re-embedded {how_many(report.chunks, 'passage')} with {report.model} (was {report.previous_model}) "
            f"in {report.seconds:.1f} s.",
            markup=False,
        )


@app.command()
@handles_errors
def migrate(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", metavar="DIR", help="The embedded index to copy (default: TANYA_DATA_DIR)."),
    ] = None,
) -> None:
    """Copy the embedded index (TANYA_DATA_DIR) onto the database server TANYA_DATABASE_URL names.

    Articles keep their passages, vectors and dates; nothing is embedded again. Articles already
    on the server with the same content are left alone, so it can be run again. The embedded
    index is only read and stays usable: where both share one Chroma, the server's index gets a
    copy of its own.
    """
    from ingest.pipeline import migrate_catalog
    from ingest.store.catalog import Catalog

    settings = _settings().index
    if not settings.database_url:
        raise BadInput("set TANYA_DATABASE_URL to the PostgreSQL server to copy the index to")
    source_path = Path(from_dir or settings.data_dir).expanduser() / "catalog.sqlite3"
    if not source_path.is_file():
        raise BadInput(f"there is no embedded index in {source_path.parent} (no catalog.sqlite3)")
    source = _closed_with_the_command(Catalog.read_only(source_path))
    index = _open_index(settings)  # before the progress bar: a server away is one line, no empty one before
    with _progress(enabled=not as_json) as sink:
        sink.label = "copying chunks"
        report = migrate_catalog(source, index, sink)
    if as_json:
        _print_json(report.to_json())
    else:
        from ingest.errors import how_many

        out.print(
            f"copied {how_many(report.copied, 'article')} ({how_many(report.chunks, 'chunk')}), "
            f"{report.unchanged} already there"
            + (f", {report.newer_there} left as the server holds a newer version" if report.newer_there else "")
            + f", in {report.seconds:.1f} s",
            markup=False,
        )


@app.command("bot")
@handles_errors
def bot_command() -> None:
    """Run the Discord bot (token from DISCORD_TOKEN; see README, 'Discord')."""
    import asyncio

    import aiohttp
    import discord

    from bot.discord.app import make_bot, run_bot

    settings = _settings()
    ingest_settings = settings.index
    token = settings.discord.token
    if token is None or not token.get_secret_value().strip():
        raise BadInput("DISCORD_TOKEN is not set; put it in .env (see README, 'Discord')")
    logging.getLogger().setLevel(logging.DEBUG if _State.debug else logging.INFO)
    logging.getLogger("discord").setLevel(logging.INFO)
    logging.getLogger("psycopg.pool").setLevel(logging.NOTSET)  # a bot's log keeps the pool's retries
    logging.getLogger("py.warnings").setLevel(logging.NOTSET)  # and the libraries' warnings (masked)
    stack = _open_stack(settings)
    _notes_on_the_index(stack.index, ingest_settings)
    bot = make_bot(stack.chain, stack.index, settings)
    err.print("Starting the Discord bot (Ctrl-C stops it)...", markup=False)
    try:
        asyncio.run(run_bot(bot, token.get_secret_value().strip()))
    except discord.LoginFailure:
        raise BadInput("Discord rejected DISCORD_TOKEN; copy the bot token again from the Developer Portal") from None
    except discord.PrivilegedIntentsRequired:
        raise BadInput("Discord refused the bot's intents; see README, 'Discord'") from None
    except (OSError, aiohttp.ClientError) as exc:
        raise TanyaError(f"cannot reach Discord ({type(exc).__name__}); check the network and try again") from None


class _RichProgress(ProgressSink):
    """Draws ingest progress on stderr."""

    def __init__(self, enabled: bool) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.enabled = enabled
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not enabled,
        )
        self.task: Any = None
        self.total = 0  # the chunks to embed, known a round at a time
        self.reading: Any = None
        self.label = "embedding chunks"
        self.analysis: Any = None
        self.analysing_chunks = self.analysed_chunks = 0  # stored passages to analyse again, and done

    def loading(self, source: str) -> None:
        # articles read so far, before the chunks to embed are known (a folder of thousands of
        # files, a large JSONL file: nothing had been shown meanwhile)
        if self.reading is None:
            self.reading = self.bar.add_task("reading articles", total=None)
        self.bar.advance(self.reading, 1)

    def start(self, total_chunks: int) -> None:
        # once per round of articles read (ingest.pipeline.WINDOW_CHARS): the total grows
        self.total += total_chunks
        if self.task is not None:
            self.bar.update(self.task, total=self.total)
        elif total_chunks:
            self.task = self.bar.add_task(self.label, total=self.total)

    def advance(self, chunks: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, chunks)

    def analysing(self, total_chunks: int) -> None:
        self.analysis = self.bar.add_task("analysing stored passages again", total=total_chunks)
        self.analysing_chunks = total_chunks

    def analysed(self, chunks: int) -> None:
        self.bar.advance(self.analysis, chunks)
        self.analysed_chunks += chunks

    def waiting(self, message: str) -> None:
        err.print(message, markup=False)


class _progress:
    def __init__(self, enabled: bool) -> None:
        self.sink = _RichProgress(enabled)

    def __enter__(self) -> _RichProgress:
        self.sink.bar.start()
        return self.sink

    def __exit__(self, *exc: object) -> None:
        self.sink.bar.stop()
