"""A child process that runs a parser with a deadline.

HTML and PDF parsers run C code (lxml, libxml2) and pure-Python loops whose time can grow faster
than the page: a hostile tester's page of one element with 100,000 attributes (1.1 MB) took 89 s
to read, 2.2 MB ten minutes and 504 MB, and nothing could stop it short of killing the process
(a Discord bot's worker thread was tied up as long). Run in a child, a parse that passes its
deadline is stopped by killing the child, whatever it is doing; the next parse starts another.
The child is started once (``spawn``: no copy of the caller's threads) and reused, so a folder
of pages pays for its start once.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from ingest.errors import LoadError


def _log_levels() -> dict[str, int]:
    """The levels set on the parent's loggers, for the child: the parsers' loggers a front end
    quiets (their "EOF marker not found" is the skip reason already) stay quiet in the child."""
    levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and logger.level
    }
    return {"": logging.getLogger().level, **levels}


class _ToParent:
    """Where the child's one log handler (the standard ``QueueHandler``: each record with its
    message and traceback made text, as both can be unpicklable) puts its records: over the task
    pipe to the parent, whose handlers write them with their filters (secrets masked, terminal
    controls escaped: ``bot.logs``) and format. The child had written to stderr itself, past them."""

    def __init__(self, send: Callable[[Any], None]) -> None:
        self._send = send

    def put_nowait(self, record: logging.LogRecord) -> None:
        self._send((_LOG, record))


def _serve(conn: Any, levels: dict[str, int], warm_up: Callable[[], None] | None) -> None:
    """The child's loop: warm up, say so, then run each ``(function, args)`` sent and send back
    ``(ok, value)``; its log records go back as ``(_LOG, record)`` (``_ToParent``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the child
    sending = threading.Lock()

    def send(message: Any) -> None:
        with sending:
            conn.send(message)

    logging.getLogger().addHandler(logging.handlers.QueueHandler(_ToParent(send)))  # type: ignore[arg-type]  # put_nowait is all it uses
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
    if warm_up is not None:
        warm_up()
    send(_READY)
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        try:
            reply: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:  # sent back and raised in the parent
            reply = (False, exc)
        try:
            send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):  # an exception that cannot travel
            send((False, LoadError(f"{type(reply[1]).__name__}: {reply[1]}")))


_READY = "ready"
_LOG = "log"  # before a log record the child sends (``_ToParent``)
# How long a child may take to start and warm up (import its parsers) before its first task: not
# part of any task's deadline (on a busy machine the imports alone took longer than a short one).
START_TIMEOUT_S = 120.0


class ParseWorker:
    """One child process that runs functions for its parent, one at a time, each with a deadline.
    ``warm_up`` runs in the child when it starts (importing what its tasks need), before the
    first task's deadline counts."""

    def __init__(self, warm_up: Callable[[], None] | None = None) -> None:
        self._warm_up = warm_up
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Any = None

    def run(self, function: Callable[..., Any], args: tuple[Any, ...], timeout_s: float, what: str) -> Any:
        """Return ``function(*args)`` run in the child, or raise what it raised; ``LoadError``
        when it takes longer than ``timeout_s`` (the child is killed) or the child dies."""
        with self._lock:
            try:
                if self._process is None or not self._process.is_alive():
                    self._start()
                self._conn.send((function, args))
                reply = self._receive(timeout_s)
                if reply is None:
                    self._stop()
                    raise LoadError(
                        f"reading {what} took longer than {timeout_s:g} s (TANYA_PARSE_TIMEOUT_S); "
                        "a page or PDF built to be slow to parse is skipped"
                    )
                ok, value = reply
            except (EOFError, OSError, BrokenPipeError):
                if self._process is not None:
                    self._process.join(1)  # it has just closed its end: its exit code comes with its end
                code = self._process.exitcode if self._process is not None else None
                self._stop()
                raise LoadError(f"the parser of {what} stopped unexpectedly (exit code {code})") from None
            except BaseException:  # Ctrl-C while it parses: stop the child too
                self._stop()
                raise
        if ok:
            return value
        raise value

    def _receive(self, timeout_s: float) -> Any:
        """The child's next message within ``timeout_s`` (``None`` past it), its log records
        written meanwhile by this process's loggers."""
        deadline = time.monotonic() + timeout_s
        while self._conn.poll(max(deadline - time.monotonic(), 0)):
            message = self._conn.recv()
            if not (isinstance(message, tuple) and message[0] == _LOG):
                return message
            record: logging.LogRecord = message[1]
            logging.getLogger(record.name).handle(record)
        return None

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child, _log_levels(), self._warm_up), name="tanya-parser", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        if self._receive(START_TIMEOUT_S) != _READY:
            raise EOFError("the parser did not start")

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None:
            process.kill()
            process.join(5)

    def close(self) -> None:
        """Stop the child (it also ends with its parent)."""
        with self._lock:
            self._stop()
