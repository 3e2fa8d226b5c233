"""Errors a user can cause. Front ends print their message as one line; bugs are not caught."""

from __future__ import annotations

import re

# How much of a library's own error message an error of tanya's repeats: a server that is not
# the one expected answers with a whole page, which its client puts in its exception.
REASON_CHARS = 300


# A message that is a web page: a server that is not the one expected answered with one
_HTML = re.compile(r"<\s*(?:!doctype\s+html|html)\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]{0,200}>([^<]{0,1000})</title", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,2000}>")


def reason(exc: BaseException) -> str:
    """What a library's ``exc`` says, for a one-line error: the first line of its message (the
    rest is advice or a traceback's worth of detail), cut to ``REASON_CHARS``; its type's name
    when it says nothing. A message that is a web page says so, with its title or its first
    words (a `TANYA_CHROMA_URL` answering with a page had been "...: <!DOCTYPE HTML>")."""
    message = str(exc).strip()
    if _HTML.search(message[:2000]):
        title = _TITLE.search(message)
        words = " ".join((title.group(1) if title else _TAG.sub(" ", message[:20_000])).split())
        return shortened(f"a web page answered: {words}" if words else "a web page answered", REASON_CHARS)
    lines = message.splitlines()
    text = lines[0].strip() if lines else type(exc).__name__
    return shortened(text, REASON_CHARS)


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis last, when it is longer (for a message)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def how_many(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural but for one, as messages write counts: "1 passage", "1,234
    passages" (a hostile tester's "1 passages")."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


class TanyaError(Exception):
    """A problem the user can fix; ``exit_code`` follows the CLI contract (1 failure, 2 bad input)."""

    exit_code = 1


class BadInput(TanyaError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class AmbiguousSource(BadInput):
    """A URL that several articles read from files have (their sidecars name one page): it
    designates none of them."""

    def __init__(self, url: str, sources: list[str]) -> None:
        super().__init__(
            f"ambiguous: {len(sources)} articles have the URL {url}: {', '.join(sources)}; "
            "give the source of the one meant"
        )
        self.sources = sources


class LoadError(TanyaError):
    """An article could not be read; the message says why in a few words."""

    exit_code = 2


class IndexMismatch(TanyaError):
    """The index was built with another embedding model than the one configured."""

    exit_code = 2


class IndexBusy(TanyaError):
    """Another process is writing to the index and did not finish in time."""

    exit_code = 1


class IndexUnavailable(TanyaError):
    """The index (a Chroma server, or the data directory) cannot be reached or written."""

    exit_code = 1


class ForeignCollection(BadInput):
    """The Chroma collection named for the copy holds what this index did not write (another
    tool's vectors, or another tanya index's copy): it is not written to, so nothing of it is
    deleted."""


class ChromaUnavailable(IndexUnavailable):
    """The Chroma copy of the vectors cannot be reached or written (the catalog may well be)."""


class VectorsBehind(IndexUnavailable):
    """A write landed in the catalog, but the Chroma copy of the vectors could not follow it."""


class ReindexInterrupted(KeyboardInterrupt):
    """A rebuild interrupted (Ctrl-C, SIGTERM) once the catalog had switched to the new model:
    every answer uses it, and the Chroma copy may still hold the old model's vectors until
    ``tanya reindex --vectors-only`` (or the next write) catches it up."""

    def __init__(self, previous: str | None, model: str) -> None:
        super().__init__(f"switched to {model}")
        self.previous = previous
        self.model = model
