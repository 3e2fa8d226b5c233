"""Errors a user can cause. Front ends print their message as one line; bugs are not caught."""

from __future__ import annotations


class TanyaError(Exception):
    """A problem the user can fix; ``exit_code`` follows the CLI contract (1 failure, 2 bad input)."""

    exit_code = 1


class BadInput(TanyaError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


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
