"""Answers posted to Discord and the 👍/👎 votes on them, in SQLite under ``TANYA_DATA_DIR``.
User ids are stored only as salted hashes."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from bot.chain.answer import Answer
from ingest.errors import IndexUnavailable, reason
from ingest.store.catalog import is_damage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    citations TEXT NOT NULL,        -- JSON list of {n, chunk_id, source, quote}
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id INTEGER NOT NULL REFERENCES answers(id),
    user_hash TEXT NOT NULL,
    vote INTEGER NOT NULL,          -- +1 or -1
    voted_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, user_hash)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Records answers and votes; one vote per user and answer (a new vote replaces the old)."""

    def __init__(self, path: Path, timeout_s: float = 30.0) -> None:
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout_s)
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
                row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
                if row is None:
                    self._db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                    row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
                self._salt = str(row[0])
        except (sqlite3.Error, OSError) as exc:
            # named here: the error for a damaged database in general cannot say which file, and
            # advised setting the index aside, which this file is no part of
            damaged = path.is_dir() or (isinstance(exc, sqlite3.DatabaseError) and is_damage(exc))
            advice = (
                "it holds only the answers posted and their votes; move it aside and `tanya bot` starts a new one"
                if damaged
                else "is another `tanya bot` using it, or can its folder not be written?"
            )
            raise IndexUnavailable(f"cannot use the feedback store {path} ({reason(exc)}): {advice}") from None

    @property
    def token(self) -> str:
        """Eight hex digits that tell this store from another (a new one, after the old was moved
        aside, numbers its answers from 1 again): a vote button carries it with the answer's id,
        so an old button never counts for a new answer (a hostile test). Made from the salt, which
        it does not give away."""
        return hashlib.sha256(f"token:{self._salt}".encode()).hexdigest()[:8]

    def user_hash(self, user_id: int) -> str:
        """Return the stored form of a Discord user id (salted SHA-256). The salt is kept in the
        same file, so this keeps ids out of sight, not out of reach: whoever holds the file can
        test a member id they already know (said so in the README)."""
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()

    def record_answer(self, answer: Answer) -> int:
        """Store an answer as posted; return its id (used by the vote buttons)."""
        citations = [
            {"n": c.n, "chunk_id": c.chunk.chunk_id, "source": c.chunk.source, "quote": c.quote}
            for c in answer.citations
        ]
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO answers (question, answer, abstained, citations, created_at) VALUES (?,?,?,?,?)",
                (
                    answer.question,
                    answer.text,
                    int(answer.abstained),
                    json.dumps(citations, ensure_ascii=False),
                    _now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def vote(self, answer_id: int, user_id: int, vote: int, token: str | None = None) -> bool:
        """Record ``vote`` (+1/-1) by a user; return False when the answer is unknown: no such id,
        or a ``token`` of another store (a button posted before this store was made)."""
        if not -(2**63) <= answer_id < 2**63:  # no row has it (SQLite's integers are 64-bit)
            return False
        if token is not None and token != self.token:
            return False
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO votes VALUES (?,?,?,?)", (answer_id, self.user_hash(user_id), vote, _now())
            )
            return True

    def votes(self, answer_id: int) -> dict[str, int]:
        """Return the number of up and down votes of an answer."""
        with self._lock:
            rows = self._db.execute(
                "SELECT vote, count(*) FROM votes WHERE answer_id = ? GROUP BY vote", (answer_id,)
            ).fetchall()
        counts = {int(v): int(n) for v, n in rows}
        return {"up": counts.get(1, 0), "down": counts.get(-1, 0)}

    def answer_record(self, answer_id: int) -> dict[str, object] | None:
        """Return a stored answer with its citations, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT question, answer, abstained, citations, created_at FROM answers WHERE id = ?", (answer_id,)
            ).fetchone()
        if row is None:
            return None
        return {
            "question": row[0],
            "answer": row[1],
            "abstained": bool(row[2]),
            "citations": json.loads(row[3]),
            "created_at": row[4],
        }
