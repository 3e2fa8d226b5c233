"""Fit the follow-up model: whether to answer a question as a follow-up of the conversation before
it or on its own (``bot/chain/data/followup_model.json``, read by ``FollowUpReader.follows``).

A question in a conversation is read twice (``FollowUpReader.readings``): on its own and with the
earlier turn folded in. Over the training conversations (``bench/data/conversations_train.jsonl``,
216 conversations on 72 training articles with 484 follow-ups, 84 of them near misses; no
development set), each conversation is asked as ``tanya eval`` asks it, over an index of its
article and the bundled one (``bench/per_article_eval.py``'s, kept in ``--index-root``), and at
each follow-up both readings are answered (``FollowUpReader.settle``) and judged against the gold
answer. Where one reading is right and the other wrong, a logistic regression over what tells the
readings apart (``Readings.signs``) learns which to keep.

    python bench/per_article_eval.py bench/data/conversations_train.jsonl --index-root /tmp/pa-conv \\
        --details /tmp/pa-conv-details          # builds the indexes (once)
    python bench/fit_follow_up_reading.py --index-root /tmp/pa-conv [--out FILE]

Two runs over the same indexes give the same weights to the sixth decimal.

Measured and not kept (docs/quality.md, fifty-third session, "A learned choice of reading"): this
commit ships no model, so the chain keeps ``prefer_context``; ``TANYA_FOLLOWUP_MODEL=FILE`` makes
it read one for the measurement (``--balanced`` weighs the two outcomes alike).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fit_models import fit_logistic  # noqa: E402
from bench.per_article_eval import articles  # noqa: E402

SET = REPO / "bench" / "data" / "conversations_train.jsonl"
OUT = REPO / "bot" / "chain" / "data" / "followup_model.json"
# The model's regularisation (scikit-learn's C: smaller is stronger); few rows, few features.
C = 1.0


def features(signs: dict[str, float]) -> dict[str, float]:
    """The model's features of a question's two readings: the signs as they are, with the answer
    model's probabilities as log-odds and their difference."""
    from bot.chain.followup import follow_up_features

    return follow_up_features(signs)


def observe(index_dir: Path, lines: list[str]) -> list[tuple[dict[str, float], bool, bool]]:
    """Ask the conversations of one article over its kept index; for each follow-up, the signs
    of its readings and whether each reading's answer is right."""
    from bot.chain.followup import FollowUpReader
    from bot.components import make_stack
    from bot.evaluation import judge, load_eval_set, run_eval
    from bot.settings import Settings

    settings = Settings()
    index = settings.index.model_copy(update={"data_dir": index_dir, "chroma_url": None, "database_url": None})
    stack = make_stack(settings.model_copy(update={"index": index}))
    path = index_dir.parent / f"{index_dir.name}.fit.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    questions = load_eval_set(path)
    seen: list[tuple[dict[str, float], bool, bool]] = []
    asking: dict[str, Any] = {}
    original = FollowUpReader.follows

    def follows(reader: FollowUpReader, two: Any) -> bool:
        question = asking.get("question")
        if question is not None and question.conversation is not None and not asking.get("seen"):
            asking["seen"] = True
            right = [judge(question, reader.extractive.answer_retrieval(reader.settle(two, f))) for f in (True, False)]
            seen.append((dict(two.signs), bool(_right(right[0])), bool(_right(right[1]))))
        return original(reader, two)

    order = iter(questions)

    def ask(asked: dict[str, Any]) -> Any:
        asking.clear()
        asking["question"] = next(order)
        return stack.chain.invoke(asked)

    FollowUpReader.follows = follows  # type: ignore[method-assign]
    try:
        run_eval(ask, questions)
    finally:
        FollowUpReader.follows = original  # type: ignore[method-assign]
    return seen


def _right(result: Any) -> bool:
    return bool(result.correct) if result.question.answerable else bool(result.answer.abstained)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-root", type=Path, required=True, help="bench/per_article_eval.py's kept indexes")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the model (default {OUT})")
    parser.add_argument("--balanced", action="store_true", help="weigh the rows so both outcomes count alike")
    parser.add_argument("--rows", type=Path, help="also write every follow-up's signs and outcomes here (JSON lines)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TANYA_MODEL_CACHE_DIR", str(args.index_root / "models"))
    groups = articles(SET)
    rows: list[tuple[dict[str, float], bool, bool]] = []
    for number, lines in enumerate(groups):
        index_dir = args.index_root / f"a{number:02d}"
        if not index_dir.is_dir():
            sys.exit(f"{index_dir}: no index; build them with bench/per_article_eval.py first (see --help)")
        rows += observe(index_dir, lines)
        print(f"a{number:02d}: {len(rows)} follow-ups", file=sys.stderr, flush=True)
    if args.rows:
        args.rows.write_text(
            "".join(json.dumps({"signs": s, "followed": f, "alone": a}) + "\n" for s, f, a in rows), encoding="utf-8"
        )
    differ = [(features(s), f) for s, f, a in rows if f != a]
    names = tuple(sorted(differ[0][0]))
    right = sum(f for _, f in differ)
    weights = (
        [len(differ) / (2 * right) if f else len(differ) / (2 * (len(differ) - right)) for _, f in differ]
        if args.balanced
        else None
    )
    model = fit_logistic([r for r, _ in differ], [int(f) for _, f in differ], names, C, weights)
    fitted = model.to_json()
    out = {
        "what": "whether to read a question as a follow-up (bench/fit_follow_up_reading.py; do not edit: run it again)",
        "follow_ups": len(rows),
        "differing": len(differ),
        "followed_right": sum(f for _, f in differ),
        "model": fitted,
    }
    args.out.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    agree = sum((model.probability(r) > 0.5) == f for r, f in differ)
    print(
        f"{len(rows)} follow-ups, {len(differ)} where the readings differ ({out['followed_right']} the follow-up "
        f"right); training accuracy {agree / max(1, len(differ)):.3f}; written to {args.out}"
    )


if __name__ == "__main__":
    main()
