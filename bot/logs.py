"""Logging that cannot leak secrets: a filter that masks known secret values in every record."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

MASK = "[redacted]"
# Secrets this short or longer are masked wherever they appear (a three-letter password, "dev",
# inside "news_dev" too: masking too much is safe); one of a character or two is no secret, and
# masking it would leave no log line readable.
MIN_SECRET_CHARS = 3
# A stretch of a secret between characters escaping rewrites is masked on its own from this long.
SECRET_PART_CHARS = 8


def written_forms(secret: str) -> Iterator[str]:
    """The ways ``secret`` can appear in a log line: as it is, escaped in a ``repr`` of a string
    or of bytes (an HTTP library's debug log of its headers: ``b'Bearer sk-...'``), in JSON, and
    percent-encoded in a URL."""
    once = [
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
    ]
    yield from once
    # escaped twice: an error quoting a library's repr of its headers ("Illegal header value
    # b'Bearer sk-...\\nabc'"), which a key with a line break inside reached under --debug
    for form in once[1:3]:
        yield repr(form)[1:-1]
    # and each long stretch of it between characters that escaping rewrites, however escaped (long:
    # a short one, "def" of 'x"def', would mask that word in every traceback)
    yield from (part for part in re.split(r"[^\x20-\x7e]|[\\'\"]", secret) if len(part) >= SECRET_PART_CHARS)


# Characters that change how the text around them shows, beyond C0 controls and DEL: C1
# controls (U+009B starts a control sequence in some terminals), the bidi marks, embeddings,
# overrides and isolates (text that reads otherwise than it is stored), line and paragraph
# separators. A class's inside, for ``re``: the CLI's JSON writes them as escapes too.
SHOWN_OTHERWISE = "\x80-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# What a terminal acts on instead of showing: those and C0 controls and DEL (escape sequences, a
# cleared screen, a window title).
_UNSAFE_CHARS = re.compile(f"[\x00-\x1f\x7f{SHOWN_OTHERWISE}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"(?!\n){_UNSAFE_CHARS.pattern}")


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str, keep_newlines: bool = False) -> str:
    """``text`` safe to print: each control or bidi override character written as its escape
    (``\\x1b``, ``\\x9b``, ``\\u202e``, as a file name's bad bytes are shown), so the text is
    seen as stored and cannot drive the terminal. ``keep_newlines`` keeps the line breaks of
    multi-line text (an answer); in a one-line field (a title, a file name) a newline is escaped
    too, so it cannot start a line that looks like the CLI's own."""
    return (_UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE_CHARS).sub(_escaped, text)


class RedactSecrets(logging.Filter):
    """Replaces each secret value in a record's message (arguments included) and traceback, in
    any of its ``written_forms``, with ``[redacted]``, and writes what a terminal would act on as
    escapes (``terminal_text``): log lines quote text from outside (a model server's error had
    set the terminal's title and cleared its screen; a hostile test)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = {form for s in secrets if len(s) >= MIN_SECRET_CHARS for form in written_forms(s)}
        self.secrets = sorted(forms, key=len, reverse=True)  # a longer form first: it may hold a shorter

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        text, exc_text = message, record.exc_text or ""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
            exc_text = exc_text.replace(secret, MASK)
        text = terminal_text(text, keep_newlines=True)
        if text != message:
            record.msg, record.args = text, None
        if record.exc_text:
            record.exc_text = terminal_text(exc_text, keep_newlines=True)
        return True


def redact_secrets(secrets: Iterable[str]) -> RedactSecrets:
    """Install a ``RedactSecrets`` filter on every handler of the root logger; return it."""
    redactor = RedactSecrets(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
