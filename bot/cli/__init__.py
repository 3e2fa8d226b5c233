"""The ``tanya`` command (``bot.cli.app``), its terminal rendering and its JSON contract."""

from __future__ import annotations

import atexit
import contextlib
import errno
import io
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO, cast

from ingest.errors import TanyaError

INTERRUPTED = 130  # the exit code of a command stopped by Ctrl-C


class OutputError(TanyaError):
    """What a command prints cannot be written (a full disk, ``> /dev/full``, an I/O error)."""


class GuardedOutput:
    """Standard output whose write errors are one line of tanya's, not a traceback: an error
    other than a closed pipe (which click already ends quietly) becomes an ``OutputError``, and
    what is still buffered then goes to the null device, so that the interpreter's own flush
    as it ends does not fail a second time. Everything else is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.error: OutputError | None = None  # the first write error, once there was one

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._failed(exc) from None

    def _failed(self, exc: OSError) -> OSError | OutputError:
        if exc.errno == errno.EPIPE:
            return exc
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        if self.error is None:
            self.error = OutputError(f"cannot write the output: {exc.strerror or exc}")
        return self.error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedOutput(io.TextIOBase):
    """Standard output when the process was started without one: every write fails, as on a
    closed descriptor, so that ``GuardedOutput`` reports it."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def main() -> None:
    """The ``tanya`` console script: the command, imported here so that Ctrl-C while its modules
    load (about a second) ends as it does later, with one line and exit code 130.

    Once a command has been interrupted and has said so, a second Ctrl-C ends the process at
    once: the interpreter waits, as it ends, for the embedding threads to finish the batch each is
    running (or a model call its timeout), and a second SIGINT (an impatient user, or
    ``timeout -s INT``, which signals the process and its group) had broken that wait with a
    traceback and a C++ abort ("terminate called without an active exception")."""
    try:
        from bot.cli.app import app
    except KeyboardInterrupt:
        print("tanya: interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED) from None
    _handle_signals()
    _replacing_what_cannot_be_encoded()
    if sys.stdin is None:  # started with standard input closed ("<&-"): nothing to read, as /dev/null
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (the process's own stdin)
    # started with standard output closed (">&-"): what a command prints is an error, not lost
    guard = GuardedOutput(sys.stdout if sys.stdout is not None else cast(TextIO, _ClosedOutput()))
    sys.stdout = guard
    try:
        app()
    except KeyboardInterrupt:  # typer reports an interrupt itself; one that escaped it
        print("tanya: interrupted", file=sys.stderr)
        _end_at_the_next_interrupt()
        raise SystemExit(_exit_code()) from None
    except OutputError as error:  # where no command reports it ("tanya --help > /dev/full")
        print(f"tanya: error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as error:
        if not _from_an_interrupt(error):
            raise
        # an interrupt that code it landed in turned into another error: a native module's import
        # (onnxruntime's "ImportError: initialization failed", a hostile test's Ctrl-C as the first
        # embedding loaded it) had ended with that traceback and exit code 1
        print("tanya: interrupted", file=sys.stderr)
        _end_at_the_next_interrupt()
        raise SystemExit(_exit_code()) from None
    except SystemExit as exit:
        if exit.code == INTERRUPTED:
            _end_at_the_next_interrupt()
            raise SystemExit(_exit_code()) from None
        elif exit.code in (0, None) and guard.error is not None:
            # a write error something swallowed (click's probe of the stream): not a success
            print(f"tanya: error: {guard.error}", file=sys.stderr)
            raise SystemExit(1) from None
        raise


def _handle_signals() -> None:
    """Ctrl-C and SIGTERM as ``_interrupted`` and ``_terminated`` meet them, and an interrupt that
    landed where the interpreter ignores exceptions sent again (``_interrupt_again``)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where it is ignored (a background job)
        signal.signal(signal.SIGINT, _interrupted)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
    sys.unraisablehook = _interrupt_again(sys.unraisablehook)


# How long after an interrupt was lost it is sent again: the callback it was lost in has returned.
_AGAIN_AFTER = 0.05


def _interrupt_again(
    hook: Callable[[sys.UnraisableHookArgs], object],
) -> Callable[[sys.UnraisableHookArgs], object]:
    """An unraisable-exception hook that sends a lost interrupt again and leaves every other
    exception to ``hook``.

    A signal's handler runs wherever the main thread is, and where that is a callback whose
    exceptions the interpreter only reports (a weak reference's, such as the import system's
    module locks; a ``__del__``), the KeyboardInterrupt it raised was printed as "Exception ignored
    in ..." and the command went on: CI saw a SIGTERM'd ingest embed all it was given and exit 0.
    The signal is sent once more, from a thread, a moment later, when the callback is over."""

    def again(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            hook(unraisable)
            return
        signum = signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT
        seen = _HANDLED[0]

        def resend_if_still_lost() -> None:
            # not when an interrupt was met since (`timeout` signals a process and then its group:
            # the second signal, being handled, had been interrupted by a third, and the report of
            # what was stored lost; a review's), nor once the handler is no longer ours (``_end_now``
            # would end the process at once, SIG_DFL in the teardown would kill it)
            if _HANDLED[0] == seen and signal.getsignal(signum) in (_interrupted, _terminated):
                os.kill(os.getpid(), signum)

        resend = threading.Timer(_AGAIN_AFTER, resend_if_still_lost)
        resend.daemon = True
        resend.start()

    return again


# What CPython's import system raises in place of an interrupt that lands while it words a failed
# import ("cannot import name ..."): the message cannot be made, and the error made instead
# (``PyErr_SetImportError`` given none) keeps nothing of the interrupt. numpy imports an optional
# module so as it loads: a Ctrl-C there had ended an ingest with this traceback (a loaded test run).
_IMPORT_WITHOUT_A_MESSAGE = ("expected a message argument",)


def _from_an_interrupt(error: BaseException) -> bool:
    """Whether ``error`` was raised because of a KeyboardInterrupt (Ctrl-C, or SIGTERM met as one):
    one is among its causes (pybind11 raises a module's failed import from what ended it), or it
    is the import system's error without a message after an interrupt was met
    (``_IMPORT_WITHOUT_A_MESSAGE``). An error after an interrupt that was handled (an answer
    abandoned in `tanya chat`) is not."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        if _HANDLED[0] and type(cause) is TypeError and cause.args == _IMPORT_WITHOUT_A_MESSAGE:
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _replacing_what_cannot_be_encoded() -> None:
    """Have stdout and stderr write "?" for a character their encoding lacks (a terminal in
    latin-1, ``PYTHONIOENCODING=ascii``: the " … " and " · " of answers and citations) instead
    of ending the command with a UnicodeEncodeError's traceback (a hostile test's finding)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


# How many times ``_interrupted`` has run: a lost interrupt is sent again only if none came since.
_HANDLED = [0]


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C: a chat model's call in progress ends at once (``cancel_model_calls``; it runs in a
    worker thread that the unwinding main thread waits for), then the usual KeyboardInterrupt."""
    _HANDLED[0] += 1
    # (a module being imported is in sys.modules before its functions are: an interrupt there
    # had raised AttributeError from this handler)
    cancel = getattr(sys.modules.get("bot.chain.llm"), "cancel_model_calls", None)
    if cancel is not None:
        cancel()
    signal.default_int_handler(signum, frame)


# The signal that stopped the command: SIGTERM (a service manager, `docker stop`, `kill`) is met
# as Ctrl-C is (an ingest says what it stored, a bot closes its connection), and the exit code
# is still the one a shell expects of it, 143.
_STOPPED_BY: list[int] = []


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as Ctrl-C is: what handles an interrupt handles it, and what goes on after
    Ctrl-C (`tanya chat` abandons the answer and asks for the next question) ends instead."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: as Ctrl-C (``_interrupted``), remembered for the exit code."""
    _STOPPED_BY.append(signum)
    try:
        _interrupted(signum, frame)
    except KeyboardInterrupt:
        raise Terminated from None


def _exit_code() -> int:
    """130 after Ctrl-C, 128 + the signal's number after another (143 for SIGTERM)."""
    return 128 + _STOPPED_BY[0] if _STOPPED_BY else INTERRUPTED


def _end_at_the_next_interrupt() -> None:
    signal.signal(signal.SIGINT, _end_now)
    if signal.getsignal(signal.SIGTERM) is _terminated:  # not where it was ignored
        signal.signal(signal.SIGTERM, _end_now)
        atexit.register(signal.signal, signal.SIGTERM, signal.SIG_IGN)
    # Once the threads are done (atexit runs after them), the rest of the teardown is short and a
    # Ctrl-C then is ignored: the interpreter resets a Python handler to the default there, and
    # the process would die by the signal instead of exiting 130.
    atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)


def _end_now(signum: int, frame: FrameType | None) -> None:
    """End the process without waiting for its threads: what it had to say is said, and what it
    stored is committed (each article is one transaction)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, OutputError):
            stream.flush()
    os._exit(_exit_code())
