"""Experiment: what the reader (``bot/chain/reader.py``) would change, measured on the dev sets.

For each question the chain retrieves as usual; every sentence the extractive answerer
considers gets the reader's score, and the rows (the shipped sentence model's score, the
shipped answer model's confidence, the reader's logit, whether the sentence holds an answer)
are written to a pickle that ``--analyse`` reads, so variants can be compared without running
the reader again.

    python bench/reader_eval.py --adapters .fit-cache/reader.npz --out /tmp/rows.pkl
    python bench/reader_eval.py --analyse /tmp/rows.pkl
    python bench/reader_eval.py --adapters ... --sets news_dev --index-dir .eval-index-news --out ...
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SETS = {
    "natural_dev": (ROOT / "tests/data/natural_dev.jsonl", None),
    "unseen_dev": (ROOT / "tests/data/unseen_dev.jsonl", None),
    "seed_dev": (ROOT.parent / "shared/eval/seed_dev.jsonl", None),
    "natural2_dev": (ROOT / "tests/data/natural2_dev.jsonl", None),
    "natural3_dev": (ROOT / "tests/data/natural3_dev.jsonl", None),
    "facqa_valid": (ROOT.parent / "shared/eval/facqa_valid.jsonl", 150),
    "tydiqa_id_valid": (ROOT.parent / "shared/eval/tydiqa_id_valid.jsonl", 150),
    "idkmrc_valid": (ROOT.parent / "shared/eval/idkmrc_valid.jsonl", 250),
    "news_dev": (ROOT / "tests/data/news_dev.jsonl", None),
}


def collect(args: argparse.Namespace) -> None:
    from reader import Reader, build_reader

    from bot.chain.extractive import ExtractiveAnswerer
    from bot.cli.app import _settings
    from bot.components import make_stack
    from bot.evaluation import _contains_any, load_eval_set

    settings = _settings()
    index_settings = settings.index.model_copy(update={"data_dir": args.index_dir, "chroma_url": None})
    stack = make_stack(settings.model_copy(update={"index": index_settings}))
    extractive = ExtractiveAnswerer()
    reader = Reader(build_reader(args.cache, args.adapters), threads=2, model_file=args.model_file)
    rng = random.Random(1)
    rows = []
    started = time.monotonic()
    for name, (path, limit) in SETS.items():
        questions = load_eval_set(path)
        if limit and len(questions) > limit:
            questions = rng.sample(questions, limit)  # drawn for every set, so --sets samples alike
        if args.sets and name not in args.sets:
            continue
        for q in questions:
            retrieval = stack.retriever.search(q.question)
            ranked = extractive.rank_sentences(retrieval)
            confidence = extractive.probability(retrieval)
            contexts = [(c.text, c.passage.sentences[c.position - 1][0].text if c.position else "") for c in ranked]
            logits = reader.logits(q.question, contexts)
            rows.append(
                {
                    "set": name,
                    "id": q.id,
                    "question": q.question,
                    "answerable": q.answerable,
                    "confidence": confidence,
                    # the answerer's own decision (a one-article reading has a bar of its own)
                    "accepted": extractive.accepts(retrieval),
                    "sentences": [
                        {
                            "text": c.text,
                            "chunk": c.passage.chunk.chunk_id,
                            "rank": c.rank,
                            "score": c.score,
                            "reader": logit,
                            "gold": bool(q.answerable and _contains_any(c.text, q.answers)),
                        }
                        for c, logit in zip(ranked, logits, strict=True)
                    ],
                }
            )
        print(f"{name}: {len(questions)} questions, {time.monotonic() - started:.0f}s", flush=True)
    with args.out.open("wb") as fh:
        pickle.dump(rows, fh)


def analyse(path: Path) -> None:
    import math

    rows = pickle.load(path.open("rb"))

    def sig(x: float) -> float:
        return 1 / (1 + math.exp(-x))

    def run(pick, confident) -> dict[str, tuple[float, float, float]]:  # type: ignore[no-untyped-def]
        out = {}
        for name in SETS:
            rs = [r for r in rows if r["set"] == name]
            if not rs:
                continue
            right = abst_u = n_u = false_a = n_a = 0
            for r in rs:
                s = pick(r) if r["sentences"] else None
                answered = s is not None and confident(r, s)
                if r["answerable"]:
                    n_a += 1
                    false_a += not answered
                    right += answered and s["gold"]
                else:
                    n_u += 1
                    abst_u += not answered
                    right += not answered
            out[name] = (right / len(rs), abst_u / max(1, n_u), false_a / max(1, n_a))
        return out

    def show(label: str, res: dict[str, tuple[float, float, float]]) -> None:
        cells = "  ".join(f"{k[:7]} {a:.3f}/{u:.2f}/{f:.2f}" for k, (a, u, f) in res.items())
        print(f"{label:34s} {cells}")

    print("answerable questions whose first sentence holds the answer: shipped / reader / score+reader")
    for name in SETS:
        rs = [r for r in rows if r["set"] == name and r["answerable"] and r["sentences"]]
        if not rs:
            continue
        first = sum(r["sentences"][0]["gold"] for r in rs)
        rdr = sum(max(r["sentences"], key=lambda s: s["reader"])["gold"] for r in rs)
        mix = {
            w: sum(max(r["sentences"], key=lambda s, w=w: s["score"] + w * s["reader"])["gold"] for r in rs)
            for w in (0.25, 0.5, 1.0)
        }
        cells = " ".join(f"w{w}:{v}" for w, v in mix.items())
        print(f"  {name:16s} n={len(rs):4d} shipped {first:4d} reader {rdr:4d} {cells}")
    print("acc/abstain(unans)/false-abstain  (single best sentence only)")
    show("shipped models", run(lambda r: r["sentences"][0], lambda r, s: r["accepted"]))
    show(
        "reader picks, shipped abstains",
        run(
            lambda r: max(r["sentences"], key=lambda s: s["reader"]),
            lambda r, s: r["accepted"],
        ),
    )
    for t in (0.2, 0.3, 0.4, 0.5, 0.6):
        show(
            f"reader picks and abstains <{t}",
            run(lambda r: max(r["sentences"], key=lambda s: s["reader"]), lambda r, s, t=t: sig(s["reader"]) >= t),
        )
    for k in (3, 5, 8):
        for t in (0.3, 0.4, 0.5):
            show(
                f"reader over top {k}, abstains <{t}",
                run(
                    lambda r, k=k: max(r["sentences"][:k], key=lambda s: s["reader"]),
                    lambda r, s, t=t: sig(s["reader"]) >= t,
                ),
            )
    for w in (0.5, 1.0, 2.0):
        show(
            f"score + {w}*reader, reader abstains .4",
            run(
                lambda r, w=w: max(r["sentences"], key=lambda s: s["score"] + w * s["reader"]),
                lambda r, s: sig(s["reader"]) >= 0.4,
            ),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adapters", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reader-cache"), help="model cache for the export")
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".eval-index")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--analyse", type=Path)
    parser.add_argument("--model-file", default=None, help="model.onnx for fp32 (default int8)")
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=list(SETS),
        default=None,
        help="only these sets (news_dev needs --index-dir .eval-index-news)",
    )
    args = parser.parse_args()
    if args.analyse:
        analyse(args.analyse)
    else:
        collect(args)


if __name__ == "__main__":
    main()
