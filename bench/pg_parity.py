"""Retrieval and answers on PostgreSQL (TANYA_DATABASE_URL) against the embedded SQLite catalog,
on the development sets, in one run.

Copies a `tanya eval` index (``--index-dir``, default ``.eval-index``: run ``make eval`` first)
onto a PostgreSQL server started on loopback (as the tests start it) with the same code as
``tanya migrate`` (nothing is embedded again), asks every question of the sets through the
chain on both, and prints R@1, R@3 and answer accuracy side by side with their differences
(issue 20's bound: 0.005).

Run: ``python bench/pg_parity.py [--index-dir .eval-index] [SET.jsonl ...]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ablations import SETS  # noqa: E402  (the development sets every comparison uses)
from bot.components import make_stack  # noqa: E402
from bot.evaluation import load_eval_set, run_eval, summarize  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.pipeline import migrate_catalog  # noqa: E402
from ingest.store.catalog import Catalog  # noqa: E402
from tests.conftest import PostgresServer, free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=SETS)
    parser.add_argument("--index-dir", type=Path, default=REPO / ".eval-index")
    args = parser.parse_args()
    if not (args.index_dir / "catalog.sqlite3").is_file():
        sys.exit(f"no index in {args.index_dir}: run `make eval` first")
    questions = [q for path in args.sets for q in load_eval_set(path)]
    base = Settings()
    if base.index.model_cache_dir is None:  # the models the eval index was built with, not rebuilt again
        base.index.model_cache_dir = args.index_dir / "models"
    embedded_settings = base.index.model_copy(update={"data_dir": args.index_dir, "chroma_url": None})
    embedded = make_stack(base.model_copy(update={"index": embedded_settings}))

    server = PostgresServer(free_port())
    try:
        url = server.new_database()
        host = Path(tempfile.mkdtemp(prefix="tanya-pg-parity-"))  # a host with an empty data directory
        server_settings = base.index.model_copy(update={"data_dir": host, "chroma_url": None, "database_url": url})
        on_server = make_stack(base.model_copy(update={"index": server_settings}))
        report = migrate_catalog(Catalog(args.index_dir / "catalog.sqlite3"), on_server.index)
        print(f"copied {report.copied} articles ({report.chunks} chunks) in {report.seconds:.1f} s", file=sys.stderr)
        figures = {}
        for name, stack in (("sqlite", embedded), ("postgresql", on_server)):
            results = run_eval(stack.chain.invoke, questions)
            by_set: dict[str, list] = {}
            for r in results:
                by_set.setdefault(r.question.set_name, []).append(r)
            figures[name] = {s: summarize(s, rs) for s, rs in by_set.items()}
    finally:
        server.remove()

    print("| set | R@1 SQLite / PostgreSQL | R@3 | answer acc. | largest difference |")
    print("|---|---|---|---|---|")
    for name, a in figures["sqlite"].items():
        b = figures["postgresql"][name]
        pairs = [(a.recall_at_1, b.recall_at_1), (a.recall_at_3, b.recall_at_3), (a.answer_accuracy, b.answer_accuracy)]
        cells = [f"{x:.3f} / {y:.3f}" for x, y in pairs]
        print(f"| {name} | " + " | ".join(cells) + f" | {max(abs(x - y) for x, y in pairs):.3f} |")


if __name__ == "__main__":
    main()
