"""Faults with real processes: kill -9 mid-ingest, a full disk, a Chroma server that goes away,
an oversized file. Nothing is lost, nothing crashes, and the index that was there still answers."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from ingest.pipeline import EMBED_GROUP
from ingest.settings import IndexSettings
from ingest.store.index import make_index
from tests.conftest import BUNDLED_ARTICLE, free_port, start_chroma
from tests.test_processes import TANYA, TIKTOK_QUESTION, VOLCANO, VOLCANO_QUESTION, Answerer, cited_sources, run

pytestmark = pytest.mark.slow


def many_articles(path: Path, count: int, sentences: int = 10) -> Path:
    """``count`` short articles (one passage each) in one JSON-lines file."""
    lines = [
        json.dumps(
            {"id": f"kota-{i}", "title": f"Kota {i}", "text": f"Kota nomor {i} dilanda banjir besar. " * sentences}
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def written_articles(data_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data_dir / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM articles WHERE content_hash IS NOT NULL").fetchone()[0])
    except sqlite3.Error:
        return 0


def assert_stores_in_step(data_dir: Path) -> int:
    index = make_index(IndexSettings(data_dir=data_dir))
    ids = index.catalog.chunk_ids()
    assert index.mirrored_ids() == ids and index.mirror.count(index.base_collection) == len(ids)
    assert set(index.catalog.vectors(index.collection_name, sorted(ids))) == ids
    return len(ids)


def test_kill_9_during_an_ingest_then_the_same_ingest_again(tmp_path: Path) -> None:
    env = dict(os.environ)
    # More articles than one embedding group (ingest.pipeline.EMBED_GROUP passages are written
    # together), so the process is killed between two writes.
    batch = many_articles(tmp_path / "many.jsonl", EMBED_GROUP + 100, sentences=1)
    data_dir = Path(env["TANYA_DATA_DIR"])
    process = subprocess.Popen(
        [TANYA, "ingest", str(batch)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while written_articles(data_dir) < 5 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < written_articles(data_dir) < EMBED_GROUP + 100

    again = run("ingest", str(batch), "--json", env=env)
    assert again.returncode == 0, again.stderr
    chunks = assert_stores_in_step(data_dir)
    clean_env = {**env, "TANYA_DATA_DIR": str(tmp_path / "clean")}
    assert run("ingest", str(batch), env=clean_env).returncode == 0
    assert chunks == assert_stores_in_step(tmp_path / "clean")


def _file_size_limit(limit: int) -> Any:
    def apply() -> None:  # in the child: writes past ``limit`` bytes per file fail, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_a_clear_error_and_the_index_still_answers(tmp_path: Path) -> None:
    env = dict(os.environ)
    assert run("ingest", "--bundled", env=env).returncode == 0
    data_dir = Path(env["TANYA_DATA_DIR"])
    largest = max(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
    full = subprocess.run(
        [TANYA, "ingest", str(many_articles(tmp_path / "many.jsonl", 60, sentences=3))],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_file_size_limit(largest + 16_384),
        check=False,
    )
    assert full.returncode == 1, full.stderr[-3000:]
    assert "Traceback" not in full.stderr and "is the disk full?" in full.stderr, full.stderr[-3000:]
    assert len(full.stderr.strip().splitlines()) == 1
    # what it says it stored is what the index holds: articles are stored one at a time, and the
    # disk filled part way through the group (it had said 0 when 61 were)
    said = re.search(r"(\d+) new or changed article\(s\) were stored before it", full.stderr)
    held = json.loads(run("sources", "--json", env=env).stdout)
    assert said is not None and int(said.group(1)) == len(held) - 1 > 0, full.stderr
    answer = json.loads(run("ask", "--json", TIKTOK_QUESTION, env=env).stdout)
    assert "700" in answer["answer"]
    assert run("ingest", str(tmp_path / "many.jsonl"), env=env).returncode == 0  # room again: it completes
    assert_stores_in_step(data_dir)


def test_an_oversized_file_is_skipped_with_its_size_and_the_rest_goes_in(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"Banjir besar melanda kota. " * 2_000_000)  # 54 MB
    result = CliRunner().invoke(app, ["ingest", str(big), str(BUNDLED_ARTICLE), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["added"] == 1 and report["skipped"] == 1
    (skipped,) = [i for i in report["items"] if i["status"] == "skipped"]
    assert skipped["reason"].startswith("too large for one article (54.0 MB; the limit is 10 MB")


def test_a_chroma_server_that_stops_and_restarts_while_a_process_answers(tmp_path: Path) -> None:
    port = free_port()
    server, url = start_chroma(tmp_path / "server-data", port)
    env = {**os.environ, "TANYA_CHROMA_URL": url}
    answerer = Answerer(env)
    try:
        assert run("ingest", "--bundled", env=env).returncode == 0
        assert "700" in answerer.ask(TIKTOK_QUESTION)["answer"]
        server.terminate()
        server.wait(timeout=30)

        # Server down: questions are still answered (re-ranking reads the catalog's vector
        # copies); a write is one clear line.
        assert "700" in answerer.ask(TIKTOK_QUESTION)["answer"]
        article = tmp_path / "lewotobi.txt"
        article.write_text(VOLCANO, encoding="utf-8")
        down = run("ingest", str(article), env=env)
        assert down.returncode == 1 and "Traceback" not in down.stderr
        assert "cannot reach the Chroma server" in down.stderr or "unavailable" in down.stderr

        server, _ = start_chroma(tmp_path / "server-data", port)  # back, same data
        assert run("ingest", str(article), env=env).returncode == 0
        answer = answerer.ask(VOLCANO_QUESTION)
        assert str(article.resolve()) in cited_sources(answer)
        assert answerer.process.poll() is None
    finally:
        answerer.close()
        server.terminate()
        server.wait(timeout=30)


def test_a_damaged_catalog_is_one_line_and_exit_1_not_a_traceback() -> None:
    data_dir = Path(os.environ["TANYA_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "catalog.sqlite3").write_bytes(bytes(range(256)) * 16)
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"tanya: error: the catalog {data_dir / 'catalog.sqlite3'} is damaged")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_catalog_whose_folder_cannot_be_written_is_one_line_and_exit_1() -> None:
    """SQLite cannot open a catalog in WAL mode without writing beside it: on a read-only mount
    every command, ``sources`` included, gave a traceback. Here the WAL file's name is taken by a
    folder, which SQLite reports the same way ("unable to open database file") even to root."""
    data_dir = Path(os.environ["TANYA_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data_dir / "catalog.sqlite3")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.close()
    (data_dir / "catalog.sqlite3-wal").mkdir()
    (data_dir / "catalog.sqlite3-shm").mkdir()
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"tanya: error: cannot open the index in {data_dir} for writing")
    assert len(result.stderr.strip().splitlines()) == 1
