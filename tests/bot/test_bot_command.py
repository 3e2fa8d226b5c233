"""`tanya bot` start-up failures are one clear line with exit code 2, and never show the token."""

from __future__ import annotations

import http.server
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
from typer.testing import CliRunner

from bot.cli.app import app

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-part.do-not-log-me"


def test_missing_token_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 2
    assert result.stderr == "tanya: error: DISCORD_TOKEN is not set; put it in .env (see README, 'Discord')\n"


class _Unauthorized(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"message": "401: Unauthorized", "code": 0}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_discord_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A loopback stand-in for Discord's REST API that rejects every token."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{server.server_address[1]}/api/v10")
    yield
    server.shutdown()


def test_rejected_token_is_one_line_exit_2_and_never_logged(
    fake_discord_api: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        "tanya: error: Discord rejected DISCORD_TOKEN; copy the bot token again from the Developer Portal"
    )
    everything = result.output + caplog.text
    assert TOKEN not in everything and "secret-part" not in everything
    # the bot's log keeps the libraries' warnings, which a terminal command shows only with --debug
    assert logging.getLogger("py.warnings").getEffectiveLevel() == logging.getLogger().getEffectiveLevel()


def test_settings_never_show_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = Settings()
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
    assert settings.discord.token is not None and settings.discord.token.get_secret_value() == TOKEN


@pytest.mark.parametrize("damage", ["folder", "garbage"])
def test_a_feedback_store_that_cannot_be_opened_is_named_in_one_line(
    fake_discord_api: None, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """A folder in its place gave a 45-line traceback; a damaged file, advice to set the index aside,
    which this file is no part of."""
    store = Path(os.environ["TANYA_DATA_DIR"]) / "feedback.sqlite3"
    store.parent.mkdir(parents=True, exist_ok=True)
    if damage == "folder":
        store.mkdir()
    else:
        store.write_bytes(b"not a database, not at all" * 100)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.stderr.splitlines() if not line.startswith("note:")]  # the index is empty
    assert line.startswith(f"tanya: error: cannot use the feedback store {store}") and "move it aside" in line
    assert "ingesting" not in line and "Traceback" not in result.output


def test_a_vote_on_an_answer_id_no_database_holds_is_refused(tmp_path: Path) -> None:
    from bot.discord.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    assert store.vote(10**30, 1, 1) is False and store.vote(-(10**30), 1, -1) is False  # OverflowError before


def test_a_feedback_store_another_process_holds_is_not_called_damaged(tmp_path: Path) -> None:
    """Moving aside a store another bot is writing is bad advice: it says what else may be wrong."""
    import sqlite3

    from bot.discord.feedback import FeedbackStore
    from ingest.errors import IndexUnavailable

    path = tmp_path / "feedback.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)  # another process's, mid-write
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE other (x)")
    try:
        with pytest.raises(IndexUnavailable) as refused:
            FeedbackStore(path, timeout_s=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in str(refused.value) and "another `tanya bot`" in str(refused.value)
    assert "move it aside" not in str(refused.value)
