"""The ``tanya`` command (``bot.cli.app``), its terminal rendering and its JSON contract."""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130  # the exit code of a command stopped by Ctrl-C


def main() -> None:
    """The ``tanya`` console script: the command, imported here so that Ctrl-C while its modules
    load (about a second) ends as it does later, with one line and exit code 130.

    Once a command has been interrupted, further Ctrl-C are ignored while the process ends: the
    interpreter waits there for the embedding threads to finish the batch each is running, and a
    second Ctrl-C (an impatient user, or ``timeout -s INT``, which signals the process and its
    group) broke that wait with a traceback and a C++ abort ("terminate called without an active
    exception")."""
    try:
        from bot.cli.app import app
    except KeyboardInterrupt:
        _ending_after_interrupt()
        raise SystemExit(INTERRUPTED) from None
    try:
        app()
    except KeyboardInterrupt:  # a second Ctrl-C while the first was being reported
        _ending_after_interrupt()
        raise SystemExit(INTERRUPTED) from None
    except SystemExit as exit:
        if exit.code == INTERRUPTED:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise


def _ending_after_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("tanya: interrupted", file=sys.stderr)
