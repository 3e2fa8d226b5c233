"""Fit the follow-up model on conversations written on the training news articles and write
``bot/chain/data/followup_model.json``.

    python bench/fit_followups.py                 # fit and write the shipped file
    python bench/fit_followups.py --out F.json    # a variant

The conversations (``bench/data/conversations_train.jsonl``: each line a conversation on one of
the training news articles, its ``passage``, with its turns; bench/data/README.md) are read over
an index of their articles built as ``tanya ingest`` builds one (kept in ``--index-dir``). Each
conversation is read turn by turn as the chain reads it (``FollowUpReader``, with the shipped
answering models and no follow-up model), and every later turn's reading as a follow-up gives one
row: ``bot.chain.features.followup_features`` of its best answer, labelled by whether that
answer holds one of the turn's answers (an unanswerable turn: never). A logistic regression over
those rows is the follow-up model; its bars (one for every question, one for English questions
when there are enough of them) are the probabilities under which a tenth of the right answers
fall (``--false-abstention``), as the answer model's bar refuses a tenth of the answerable chat
questions. Nothing from the development sets is read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fit_models import build_index, fit_logistic  # noqa: E402
from bot.chain.build import normalize_question  # noqa: E402
from bot.chain.context import Context  # noqa: E402
from bot.chain.conversation import context_after  # noqa: E402
from bot.chain.extractive import ExtractiveAnswerer  # noqa: E402
from bot.chain.features import FOLLOWUP_FEATURES, followup_features  # noqa: E402
from bot.chain.followup import FollowUpReader  # noqa: E402
from bot.chain.models import FOLLOWUP_FILE, MODELS_FILE, FollowUpModel, load_models  # noqa: E402
from bot.chain.retriever import HybridRetriever  # noqa: E402
from bot.evaluation import _contains_any, passage_source  # noqa: E402
from ingest.errors import BadInput  # noqa: E402
from ingest.text.analysis import clean_text  # noqa: E402
from ingest.types import Article  # noqa: E402

CONVERSATIONS = (REPO / "bench" / "data" / "conversations_train.jsonl",)
# The regularisation of the logistic regression (as the answer model's, bench/fit_models.py)
C = 1.0
# The share of the follow-up readings whose answer is right that the bar refuses: a tenth, as the
# answer model's bar refuses a tenth of the answerable chat questions (bench/fit_models.py)
FALSE_ABSTENTION = 0.10
# Right answers to English follow-ups needed for a bar of their own
MIN_ENGLISH = 20
MAX_QUESTION_CHARS = 2000


def read_conversations(paths: list[Path]) -> list[dict[str, Any]]:
    """Every conversation of ``paths`` (JSON Lines: ``id``, ``passage``, ``turns`` of ``question``,
    ``lang``, ``answerable``, ``answers``)."""
    out = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                row = json.loads(line)
                if not row.get("passage") or not row.get("turns"):
                    raise SystemExit(f"{path}:{n}: a conversation needs a passage and turns")
                out.append(row)
    return out


def articles_of(conversations: list[dict[str, Any]]) -> list[Article]:
    """The articles the conversations were written on, as ``tanya ingest`` reads them."""
    texts = dict.fromkeys(c["passage"] for c in conversations)
    return [
        Article(source=passage_source(t), text=clean_text(t), title=t.strip().splitlines()[0].strip(), lang="id")
        for t in texts
    ]


def follow_up_rows(
    reader: FollowUpReader, extractive: ExtractiveAnswerer, conversations: list[dict[str, Any]]
) -> list[tuple[dict[str, float], int, str, bool, bool]]:
    """One row per later turn that the reader reads as a follow-up (``FollowUpReader.read``, as
    the chain reads it): its features, whether its best sentence holds an answer, its language
    and whether it is answerable. Each turn is answered, and the conversation goes on from it,
    as ``FollowUpReader.replay`` does."""
    rows = []
    for conversation in conversations:
        context: Context | None = None
        for turn in conversation["turns"]:
            try:
                question = normalize_question(turn["question"], MAX_QUESTION_CHARS)
            except BadInput:
                continue
            read = reader.read(question, context)
            ranked, _ = extractive.judge(read)
            if read.own is not None and ranked:  # read as a follow-up
                passages = read.candidates[: extractive.config.passages]
                features = followup_features(read.query, read.own, passages, ranked)
                features["answer_logit"] = extractive.passage_models(read).answer.logit(features)
                quoted = " ".join(sentence.text for sentence in extractive.quotes(read))
                right = bool(turn["answerable"]) and _contains_any(quoted, turn["answers"])
                rows.append(
                    (features, int(right), turn.get("lang", "id"), bool(turn["answerable"]), extractive.accepts(read))
                )
            context = context_after(read.context, read.keeps, extractive.answer_retrieval(read))
    return rows


def refusing(share: float, probabilities: list[float]) -> float | None:
    """The bar under which ``share`` of ``probabilities`` fall (``None`` without any)."""
    ordered = sorted(probabilities)
    return round(ordered[int(share * len(ordered))], 6) if ordered else None


def as_many(probabilities: list[float], accepted: list[bool]) -> float | None:
    """The bar under which as many of ``probabilities`` fall as ``accepted`` has refusals."""
    if not probabilities:
        return None
    ordered = sorted(probabilities) + [1.0]
    return round(ordered[accepted.count(False)], 6)


def turns_right(probabilities: list[float], right: list[int], answerable: list[bool], bar: float) -> float:
    """The share of turns right at ``bar``: answered with an answer, or refused without one."""
    ok = sum(
        (p >= bar and r == 1) or (p < bar and not a) for p, r, a in zip(probabilities, right, answerable, strict=True)
    )
    return ok / max(1, len(probabilities))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=Path, nargs="+", default=list(CONVERSATIONS))
    parser.add_argument("--index-dir", type=Path, default=REPO / ".fit-cache" / "conversations-index")
    parser.add_argument("--model-cache", type=Path, default=None, help="TANYA_MODEL_CACHE_DIR for the index")
    parser.add_argument("--out", type=Path, default=FOLLOWUP_FILE)
    parser.add_argument("--drop", nargs="*", default=[], help="features left out (an ablation)")
    parser.add_argument(
        "--false-abstention",
        type=float,
        default=FALSE_ABSTENTION,
        help="the share of right answers the bar refuses (default %(default)s)",
    )
    parser.add_argument("--bar", choices=("right", "as-many"), default="right")
    args = parser.parse_args(argv)

    conversations = read_conversations(args.conversations)
    index = build_index(args.index_dir, args.model_cache or args.index_dir / "models", articles_of(conversations))
    models = load_models(MODELS_FILE)  # the shipped models alone: readings as the chain makes them without one
    extractive = ExtractiveAnswerer()
    retriever = HybridRetriever(index=index, models=models)
    reader = FollowUpReader(retriever, extractive, lambda text: normalize_question(text, MAX_QUESTION_CHARS))
    started = time.perf_counter()
    rows = follow_up_rows(reader, extractive, conversations)
    print(f"{len(rows)} follow-up readings in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    features = tuple(f for f in FOLLOWUP_FEATURES if f not in args.drop)
    model = fit_logistic([r[0] for r in rows], [r[1] for r in rows], features, C)
    probabilities = [model.probability(r[0]) for r in rows]
    labels, answerable = [r[1] for r in rows], [r[3] for r in rows]
    english = [i for i, r in enumerate(rows) if r[2] == "en"]
    if args.bar == "as-many":
        # as many readings refused as the answer model refuses, the likeliest wrong ones
        bar = as_many(probabilities, [r[4] for r in rows])
        english_bar = as_many([probabilities[i] for i in english], [rows[i][4] for i in english])
    else:
        bar = refusing(args.false_abstention, [p for p, label in zip(probabilities, labels, strict=True) if label])
        english_right = [probabilities[i] for i in english if labels[i]]
        english_bar = refusing(args.false_abstention, english_right) if len(english_right) >= MIN_ENGLISH else None
    if bar is None:
        raise SystemExit("no follow-up reading found an answer: nothing to set the bar on")
    share = turns_right(probabilities, labels, answerable, bar)
    meta = {
        "rows": len(rows),
        "right": sum(labels),
        "unanswerable": answerable.count(False),
        "english": len(english),
        "false_abstention": args.false_abstention,
        "training_turns_right": round(share, 4),
        "conversations": [p.name for p in args.conversations],
        "dropped": list(args.drop),
    }
    args.out.write_text(FollowUpModel(model, bar, english_bar, meta).dumps(), encoding="utf-8")
    print(f"wrote {args.out}: bar {bar} (English {english_bar}), {share:.3f} of training turns right", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
