"""Speed of tanya against the LangChain tutorial pipeline, side by side in one run.

Prints one table (and writes it as JSON with ``--json FILE``):

- cold one-shot question over an existing index: wall time and peak memory (max RSS) of a fresh
  process, the tutorial's ``similarity_search(k=4)`` script against ``tanya ask``; median of
  ``--runs`` alternating runs;
- ingest throughput in characters per second on the same articles (both as fresh processes);
- re-ingesting the unchanged articles (seconds per 1,000 articles);
- warm retrieve + answer latency (p50/p95) on indexes of the sizes given by ``--sizes``, built
  from real sentences (the dev sets' passages, split into sentences and recombined);
- a long-running process over the largest index: start-up to its first answer and idle RSS
  (``tanya ask --batch -``, the same stack the Discord bot builds);
- a follow-up question's warm latency against a first question's (the conversations of
  ``tests/data/conversation_dev.jsonl``, on the smallest of those indexes);
- the same ingest and warm latency against a Chroma server (``chroma run``) with ``--server``;
- and with ``--database`` also on PostgreSQL (``TANYA_DATABASE_URL``, a server started on
  loopback as the tests start it): ingest against the embedded figure, and warm latency over the
  largest index copied onto it by ``tanya migrate``, against the embedded one (both ratios in the
  same run).

Run: ``make bench`` (sizes 1k and 10k) or ``make bench-scale`` (adds 100k; about an hour).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TANYA = str(BIN / "tanya")
EVAL = REPO.parent / "shared" / "eval"
BUNDLED = REPO / "ingest" / "corpus" / "tiktok-phk-malaysia-rakyatsulsel.txt"
QUESTION = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"
SETS = ("facqa_valid.jsonl", "tydiqa_id_valid.jsonl", "idkmrc_valid.jsonl")


def run_peak(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, float, str]:
    """Run a process to its end; return (wall seconds, its own peak RSS in MiB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdin is not None and process.stdout is not None
    if stdin:
        process.stdin.write(stdin)
    process.stdin.close()
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} exited {process.returncode}: {out[-500:]}")
    return wall, usage.ru_maxrss / 1024, out


def passages() -> list[str]:
    """Every distinct passage of the dev sets, in file order."""
    seen: dict[str, None] = {}
    for name in SETS:
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            seen.setdefault(json.loads(line)["passage"], None)
    return list(seen)


def questions(limit: int = 300) -> list[str]:
    out: list[str] = []
    for name in SETS[:2]:
        out += [json.loads(line)["question"] for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    random.Random(7).shuffle(out)
    return out[:limit]


def synthetic_articles(count: int, seed: int = 11) -> list[dict[str, str]]:
    """``count`` one-passage articles of 2-4 real sentences, recombined from the dev passages."""
    sentences = [s for p in passages() for s in re.split(r"(?<=[.!?])\s+", p) if 30 <= len(s) <= 400]
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        text = " ".join(rng.sample(sentences, rng.randint(2, 4)))[:990]
        articles.append({"id": f"synthetic-{i:06d}", "title": text.split(" ", 6)[-2][:60], "text": text})
    return articles


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def tanya_env(data_dir: Path, cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    env.update(TANYA_DATA_DIR=str(data_dir), TANYA_MODEL_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1", **extra)
    return env


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def warm_latency(
    data_dir: Path,
    cache: Path,
    asked: list[str],
    chroma_url: str | None = None,
    database_url: str | None = None,
    collection: str | None = None,
) -> dict[str, float]:
    """p50/p95 of retrieve + answer in one process (models loaded, 10 questions of warm-up)."""
    code = (
        "import json, sys, time\n"
        "from bot.components import make_stack\n"
        "from bot.settings import Settings\n"
        "stack = make_stack(Settings())\n"
        "qs = json.loads(sys.stdin.read())\n"
        "for q in qs[:10]: stack.chain.invoke(q)\n"
        "times = []\n"
        "for q in qs:\n"
        "    t = time.perf_counter(); stack.chain.invoke(q); times.append((time.perf_counter() - t) * 1000)\n"
        "print(json.dumps(times))\n"
    )
    extra = {"TANYA_CHROMA_URL": chroma_url} if chroma_url else {}
    if database_url:
        extra["TANYA_DATABASE_URL"] = database_url
    if collection:
        extra["TANYA_COLLECTION"] = collection
    _, _, out = run_peak([sys.executable, "-c", code], tanya_env(data_dir, cache, **extra), json.dumps(asked))
    times = json.loads(out)
    return {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "questions": len(times)}


def follow_up_latency(data_dir: Path, cache: Path, rounds: int = 5) -> dict[str, float]:
    """Warm p50 of the first turns and of the follow-up turns of tests/data/conversation_dev.jsonl
    (each follow-up asked with its conversation so far, as `tanya chat` does), in one process,
    both measured in the same rounds: a follow-up also reads the question with its context."""
    code = (
        "import json, statistics, sys, time\n"
        "from bot.chain.conversation import Conversation\n"
        "from bot.components import make_stack\n"
        "from bot.settings import Settings\n"
        "stack = make_stack(Settings())\n"
        "lines = [line for line in sys.stdin.read().splitlines() if line.strip()]\n"
        "talks = [[t['question'] for t in json.loads(line)['turns']] for line in lines]\n"
        "first, later = [], []\n"
        f"for round in range({rounds} + 1):\n"
        "    for turns in talks:\n"
        "        c = Conversation()\n"
        "        for i, q in enumerate(turns):\n"
        "            t = time.perf_counter(); a = stack.chain.invoke({'question': q, 'history': c.history()})\n"
        "            ms = (time.perf_counter() - t) * 1000\n"
        "            c.add(q, a)\n"
        "            if round:\n"
        "                (later if i else first).append(ms)\n"
        "print(json.dumps([statistics.median(first), statistics.median(later)]))\n"
    )
    conversations = (REPO / "tests" / "data" / "conversation_dev.jsonl").read_text(encoding="utf-8")
    _, _, out = run_peak([sys.executable, "-c", code], tanya_env(data_dir, cache), conversations)
    first, later = json.loads(out)
    return {"first_p50_ms": first, "follow_up_p50_ms": later, "ratio": later / first}


def long_running(data_dir: Path, cache: Path) -> dict[str, float]:
    """Start a `tanya ask --batch -` process, time its first answer, then read its idle RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [TANYA, "ask", "--json", "--batch", "-"],
        env=tanya_env(data_dir, cache),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(QUESTION + "\n")
    process.stdin.flush()
    process.stdout.readline()
    first = time.perf_counter() - started
    time.sleep(2)
    rss_kib = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{process.pid}/status").read_text()).group(1))  # type: ignore[union-attr]
    process.stdin.close()
    process.wait(timeout=30)
    return {"first_answer_s": first, "idle_rss_mib": rss_kib / 1024}


def ingest_timed(files: list[Path], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    wall, _, out = run_peak([TANYA, "ingest", *map(str, files), "--json"], env)
    return wall, json.loads(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("chroma run did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="index sizes (chunks) for warm latency")
    parser.add_argument("--runs", type=int, default=3, help="cold runs of each side")
    parser.add_argument("--ingest-runs", type=int, default=2, help="ingest runs of each side (median)")
    parser.add_argument("--server", action=argparse.BooleanOptionalAction, default=True, help="also a Chroma server")
    parser.add_argument(
        "--database",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also PostgreSQL (TANYA_DATABASE_URL) with the Chroma server",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--index-cache",
        type=Path,
        help="keep the synthetic indexes here and reuse them on the next run (the 100k one takes an hour)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="tanya-bench-"))
    cache = work / "models"
    results: dict[str, Any] = {"machine": f"{os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}"}
    try:
        corpus = [{"id": f"dev-{i:05d}", "title": p[:60], "text": p} for i, p in enumerate(passages())]
        corpus_file = write_jsonl(work / "corpus.jsonl", corpus)
        chars = sum(len(a["text"]) for a in corpus) + len(BUNDLED.read_text(encoding="utf-8"))
        print(f"corpus: {len(corpus) + 1} articles, {chars:,} characters; work dir {work}", file=sys.stderr)

        # Warm the ONNX export once so no timed run pays it.
        run_peak([TANYA, "ingest", "--bundled"], tanya_env(work / "warm", cache))

        # ----- ingest throughput, both as fresh processes on the same articles, alternating
        t_walls, o_walls = [], []
        for run in range(max(1, args.ingest_runs)):
            tutorial_dir = work / f"tutorial-{run}"
            t_wall, _, t_out = run_peak(
                [
                    sys.executable,
                    str(REPO / "bench" / "tutorial.py"),
                    "ingest",
                    str(tutorial_dir),
                    str(BUNDLED),
                    str(corpus_file),
                ],
                dict(os.environ, HF_HUB_OFFLINE="1"),
            )
            ours_dir = work / f"ours-{run}"
            o_wall, report = ingest_timed([BUNDLED, corpus_file], tanya_env(ours_dir, cache))
            t_walls.append(t_wall)
            o_walls.append(o_wall)
        t_wall, o_wall = statistics.median(t_walls), statistics.median(o_walls)
        r_wall, again = ingest_timed([BUNDLED, corpus_file], tanya_env(ours_dir, cache))
        articles = again["unchanged"]
        results["ingest"] = {
            "tutorial_chars_per_s": chars / t_wall,
            "tanya_chars_per_s": chars / o_wall,
            "ratio": t_wall / o_wall,
            "runs": max(1, args.ingest_runs),
            "tutorial_s": t_wall,
            "tanya_s": o_wall,
            "tutorial_chunks": json.loads(t_out.strip().splitlines()[-1])["chunks"],
            "tanya_chunks": report["chunks"],
            "reingest_unchanged_s": r_wall,
            "reingest_s_per_1000_articles": r_wall / articles * 1000,
            "reingest_in_process_s_per_1000_articles": again["seconds"] / articles * 1000,
        }

        # ----- cold one-shot question, alternating runs
        tutorial_runs, ours_runs = [], []
        for _ in range(args.runs):
            tutorial_runs.append(
                run_peak(
                    [sys.executable, str(REPO / "bench" / "tutorial.py"), "query", str(tutorial_dir), QUESTION],
                    dict(os.environ, HF_HUB_OFFLINE="1"),
                )[:2]
            )
            ours_runs.append(run_peak([TANYA, "ask", QUESTION], tanya_env(ours_dir, cache))[:2])
        tw, tm = statistics.median(w for w, _ in tutorial_runs), max(m for _, m in tutorial_runs)
        ow, om = statistics.median(w for w, _ in ours_runs), max(m for _, m in ours_runs)
        results["cold"] = {
            "tutorial_s": tw,
            "tanya_s": ow,
            "wall_ratio": ow / tw,
            "tutorial_rss_mib": tm,
            "tanya_rss_mib": om,
            "rss_ratio": om / tm,
        }

        # ----- warm latency by index size
        asked = questions()
        results["warm"] = {}
        for size in sizes:
            data_dir = (args.index_cache or work) / f"size-{size}"
            ready = data_dir / ".bench-complete"
            started = time.perf_counter()
            reused = ready.exists()
            synthetic = size > len(corpus) + 1
            if synthetic:
                batch = write_jsonl(work / f"synthetic-{size}.jsonl", synthetic_articles(size - len(corpus) - 1))
            if not reused:
                shutil.rmtree(data_dir, ignore_errors=True)
                shutil.copytree(ours_dir, data_dir)
                if synthetic:
                    ingest_timed([batch], tanya_env(data_dir, cache))
                ready.touch()
            built = None if reused else time.perf_counter() - started
            listing = json.loads(run_peak([TANYA, "sources", "--json"], tanya_env(data_dir, cache))[2])
            chunks = sum(a["chunks"] for a in listing)
            entry: dict[str, Any] = {"chunks": chunks, "build_s": built}
            if synthetic:  # the same articles again: nothing to embed, the hash check only
                again_wall, again_report = ingest_timed([batch], tanya_env(data_dir, cache))
                entry["reingest_articles"] = again_report["unchanged"]
                entry["reingest_s_per_1000_articles"] = again_wall / max(1, again_report["unchanged"]) * 1000
            entry.update(warm_latency(data_dir, cache, asked))
            print(f"size {size}: {entry}", file=sys.stderr)
            results["warm"][str(size)] = entry
        results["follow_up"] = {
            "chunks": results["warm"][str(sizes[0])]["chunks"],
            **follow_up_latency((args.index_cache or work) / f"size-{sizes[0]}", cache),
        }
        largest = (args.index_cache or work) / f"size-{sizes[-1]}"
        results["long_running"] = {"chunks": results["warm"][str(sizes[-1])]["chunks"], **long_running(largest, cache)}

        # ----- the same against a Chroma server
        if args.server:
            chroma, url = start_chroma(work / "chroma-server")
            try:
                server_dir = work / "server"
                s_wall, _ = ingest_timed([BUNDLED, corpus_file], tanya_env(server_dir, cache, TANYA_CHROMA_URL=url))
                results["server"] = {
                    "ingest_chars_per_s": chars / s_wall,
                    "embedded_ingest_chars_per_s": chars / o_wall,
                    **warm_latency(server_dir, cache, asked, chroma_url=url),
                    "embedded_p95_ms": results["warm"][str(sizes[0])]["p95_ms"],
                }
                if args.database:
                    results["database"] = database_figures(
                        work, cache, url, corpus_file, chars, o_wall, largest, results
                    )
            finally:
                chroma.terminate()
                chroma.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


def database_figures(
    work: Path,
    cache: Path,
    chroma_url: str,
    corpus_file: Path,
    chars: int,
    embedded_wall: float,
    largest: Path,
    r: dict[str, Any],
) -> dict[str, Any]:
    """PostgreSQL + the Chroma server against the embedded index, in the same run: ingest of the
    same articles, and warm latency over the largest index copied onto the server by ``tanya
    migrate`` (nothing embedded again), from a host with an empty data directory."""
    sys.path.insert(0, str(REPO))
    from tests.conftest import PostgresServer  # the server the tests start: Debian's PostgreSQL on loopback

    # each index on the shared Chroma server has a collection of its own (the server run's index
    # holds the default one, and tanya refuses a collection that is another catalog's copy)
    server = PostgresServer(free_port())
    try:
        fresh = server.new_database()
        wall, _ = ingest_timed(
            [BUNDLED, corpus_file],
            tanya_env(
                work / "db-ingest",
                cache,
                TANYA_CHROMA_URL=chroma_url,
                TANYA_DATABASE_URL=fresh,
                TANYA_COLLECTION="bench_database",
            ),
        )
        copy = server.new_database()
        started = time.perf_counter()
        run_peak(
            [TANYA, "migrate", "--json"],
            tanya_env(
                largest, cache, TANYA_DATABASE_URL=copy, TANYA_CHROMA_URL=chroma_url, TANYA_COLLECTION="bench_migrated"
            ),
        )
        migrated = time.perf_counter() - started
        warm = warm_latency(
            work / "db-host", cache, questions(), chroma_url=chroma_url, database_url=copy, collection="bench_migrated"
        )
        embedded = r["warm"][largest.name.removeprefix("size-")]
        return {
            "ingest_chars_per_s": chars / wall,
            "embedded_ingest_chars_per_s": chars / embedded_wall,
            "ingest_ratio": embedded_wall / wall,
            "chunks": embedded["chunks"],
            "migrate_s": migrated,
            **warm,
            "embedded_p95_ms": embedded["p95_ms"],
            "p95_ratio": warm["p95_ms"] / embedded["p95_ms"],
        }
    finally:
        server.remove()


def print_table(r: dict[str, Any]) -> None:
    cold, ingest = r["cold"], r["ingest"]
    rows = [
        (
            "cold one-shot question, wall",
            f"{cold['tutorial_s']:.2f} s",
            f"{cold['tanya_s']:.2f} s",
            f"{cold['wall_ratio']:.2f}×",
            "≤ 0.30×",
        ),
        (
            "cold one-shot question, peak RSS",
            f"{cold['tutorial_rss_mib']:.0f} MiB",
            f"{cold['tanya_rss_mib']:.0f} MiB",
            f"{cold['rss_ratio']:.2f}×",
            "≤ 0.60×",
        ),
        (
            "ingest, characters/s",
            f"{ingest['tutorial_chars_per_s']:.0f}",
            f"{ingest['tanya_chars_per_s']:.0f}",
            f"{ingest['ratio']:.2f}×",
            "≥ 2×",
        ),
        (
            "re-ingest unchanged, per 1,000 articles",
            "",
            f"{ingest['reingest_s_per_1000_articles']:.2f} s (process), "
            f"{ingest['reingest_in_process_s_per_1000_articles']:.2f} s (work)",
            "",
            "≤ 1 s",
        ),
    ]
    for w in r["warm"].values():
        if "reingest_s_per_1000_articles" in w:
            rows.append(
                (
                    f"re-ingest unchanged, {w['reingest_articles']:,} articles (per 1,000, whole process)",
                    "",
                    f"{w['reingest_s_per_1000_articles']:.2f} s",
                    "",
                    "≤ 1 s",
                )
            )
    for size, w in r["warm"].items():
        target = "p50 ≤ 15, p95 ≤ 40 ms" if int(size) <= 10000 else "p95 ≤ 80 ms"
        rows.append(
            (
                f"warm retrieve+answer, {w['chunks']:,} chunks",
                "",
                f"p50 {w['p50_ms']:.1f} ms, p95 {w['p95_ms']:.1f} ms",
                "",
                target,
            )
        )
    fu = r["follow_up"]
    rows.append(
        (
            f"follow-up question (with its conversation) against a first question, warm p50, {fu['chunks']:,} chunks",
            f"{fu['first_p50_ms']:.1f} ms (first)",
            f"{fu['follow_up_p50_ms']:.1f} ms",
            f"{fu['ratio']:.2f}×",
            "≤ 1.5×",
        )
    )
    lr = r["long_running"]
    rows.append(
        (
            f"long-running process, {lr['chunks']:,} chunks",
            "",
            f"first answer {lr['first_answer_s']:.1f} s, idle {lr['idle_rss_mib']:.0f} MiB",
            "",
            "≤ 10 s, ≤ 1.5 GB",
        )
    )
    if "server" in r:
        s = r["server"]
        rows.append(
            (
                "Chroma server: ingest characters/s",
                f"{s['embedded_ingest_chars_per_s']:.0f} (embedded)",
                f"{s['ingest_chars_per_s']:.0f}",
                "",
                "",
            )
        )
        rows.append(
            (
                "Chroma server: warm retrieve+answer",
                f"p95 {s['embedded_p95_ms']:.1f} ms (embedded)",
                f"p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms",
                "",
                "",
            )
        )
    if "database" in r:
        d = r["database"]
        rows.append(
            (
                "PostgreSQL + Chroma server: ingest characters/s",
                f"{d['embedded_ingest_chars_per_s']:.0f} (embedded)",
                f"{d['ingest_chars_per_s']:.0f}",
                f"{d['ingest_ratio']:.2f}× of embedded",
                "≥ 0.8×",
            )
        )
        rows.append(
            (
                f"PostgreSQL + Chroma server: warm retrieve+answer, {d['chunks']:,} chunks",
                f"p95 {d['embedded_p95_ms']:.1f} ms (embedded)",
                f"p50 {d['p50_ms']:.1f} ms, p95 {d['p95_ms']:.1f} ms",
                f"{d['p95_ratio']:.2f}× of embedded",
                "≤ 2×",
            )
        )
    print(f"\nmachine: {r['machine']}\n")
    print("| measure | tutorial pipeline | tanya | ratio | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
