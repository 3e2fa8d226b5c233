"""Standard output that cannot be written: one line of tanya's (``bot.cli.GuardedOutput``)."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from bot.cli import GuardedOutput, OutputError


class _Failing(io.StringIO):
    def __init__(self, code: int, fd: int) -> None:
        super().__init__()
        self.code, self.fd = code, fd

    def flush(self) -> None:
        raise OSError(self.code, os.strerror(self.code))

    def fileno(self) -> int:
        return self.fd


def test_a_write_error_becomes_one_line_and_the_rest_goes_to_the_null_device(tmp_path: Path) -> None:
    with (tmp_path / "out").open("w") as target:
        stream = _Failing(errno.ENOSPC, target.fileno())
        guarded = GuardedOutput(stream)
        assert guarded.write("jawaban") == len("jawaban") and guarded.getvalue() == "jawaban"  # the stream's own
        with pytest.raises(OutputError, match="cannot write the output: No space left on device"):
            guarded.flush()
        target.write("sisa")  # the descriptor now writes to the null device
    assert (tmp_path / "out").read_text() == ""


def test_a_closed_pipe_stays_the_error_click_ends_quietly() -> None:
    guarded = GuardedOutput(_Failing(errno.EPIPE, -1))
    with pytest.raises(BrokenPipeError):
        guarded.flush()
