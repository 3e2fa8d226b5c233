"""Fit the follow-up model on conversations written on the training news articles and write
``bot/chain/data/followup_model.json``.

    python bench/fit_followups.py                 # fit and write the shipped file
    python bench/fit_followups.py --out F.json    # a variant

A question read as a follow-up is searched with the conversation's words and embedding, and the
sentence model, fitted on questions asked alone, then ranks first the sentence the conversation
was about: "trus anak2nya belajar gmn" after "sampe kapan liburnya?" quoted the holiday's end
again. The follow-up model adds to each sentence's log-odds what the question says of it itself
(``bot.chain.features.FOLLOWUP_SENTENCE_FEATURES``: the share of its own words the sentence holds,
the sentence's cosine with its own embedding).

The conversations (``bench/data/conversations_train.jsonl``, bench/data/README.md: each line a
conversation on one of the training news articles, its ``passage``, with its turns) are read over
an index of their articles built as ``tanya ingest`` builds one (kept in ``--index-dir``), turn by
turn as the chain reads them (``FollowUpReader`` with the shipped answering models), each turn
answered and the conversation going on from it. Every answerable turn read as a follow-up whose
best passages hold one of its answers is a group: the sentences of those passages, the positives
those holding an answer. A conditional logit over the sentence model's log-odds and the two
features is fitted on the groups, and written as what the two add to the log-odds in the
sentence model's units (``FollowUpModel``). Nothing from the development sets is read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fit_models import build_index, fit_listwise  # noqa: E402
from bot.chain.build import normalize_question  # noqa: E402
from bot.chain.context import Context  # noqa: E402
from bot.chain.conversation import context_after  # noqa: E402
from bot.chain.extractive import ExtractiveAnswerer  # noqa: E402
from bot.chain.features import FOLLOWUP_SENTENCE_FEATURES, followup_sentence_features  # noqa: E402
from bot.chain.followup import FollowUpReader  # noqa: E402
from bot.chain.models import FOLLOWUP_FILE, MODELS_FILE, FollowUpModel, LogisticModel, load_models  # noqa: E402
from bot.chain.retriever import HybridRetriever  # noqa: E402
from bot.evaluation import passage_source  # noqa: E402
from ingest.errors import BadInput  # noqa: E402
from ingest.text.analysis import clean_text  # noqa: E402
from ingest.types import Article  # noqa: E402

CONVERSATIONS = (REPO / "bench" / "data" / "conversations_train.jsonl",)
# The regularisation of the conditional logit (as the sentence model's, bench/fit_models.py)
C = 1.0
MAX_QUESTION_CHARS = 2000
# The sentence model's log-odds, beside the follow-up features, in the fitted conditional logit
BASE = "sentence_logit"
FOLDS = 5

Group = tuple[int, list[dict[str, float]], list[int]]  # conversation, rows, labels


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


def _holds(text: str, answers: list[str]) -> bool:
    """Whether ``text`` holds one of ``answers`` (as ``tanya eval`` judges: case and spaces aside)."""
    hay = " ".join(text.split()).lower()
    return any(" ".join(a.split()).lower() in hay for a in answers if a.strip())


def follow_up_groups(
    reader: FollowUpReader, extractive: ExtractiveAnswerer, conversations: list[dict[str, Any]]
) -> list[Group]:
    """A group per answerable turn the reader reads as a follow-up whose best passages hold an
    answer: each sentence's log-odds under the sentence model and follow-up features, and
    whether it holds an answer."""
    groups = []
    for n, conversation in enumerate(conversations):
        context: Context | None = None
        for turn in conversation["turns"]:
            try:
                question = normalize_question(turn["question"], MAX_QUESTION_CHARS)
            except BadInput:
                continue
            read = reader.read(question, context)
            ranked = extractive.rank_sentences(read)
            if read.own is not None and turn["answerable"]:
                labels = [int(_holds(s.text, turn["answers"])) for s in ranked]
                if any(labels):
                    own = followup_sentence_features(read.own, read.own_vector, ranked)
                    rows = [{BASE: s.score, **row} for s, row in zip(ranked, own, strict=True)]
                    groups.append((n, rows, labels))
            context = context_after(read.context, read.keeps, extractive.answer_retrieval(read))
    return groups


def fit(groups: list[Group], own_features: tuple[str, ...] = FOLLOWUP_SENTENCE_FEATURES) -> LogisticModel:
    """The conditional logit over the sentence model's log-odds and the follow-up features,
    written as what the features add in the log-odds' units: each feature's weight divided by
    the log-odds' weight, centred on the rows' means (so the model adds nothing on average)."""
    features = (BASE, *own_features)
    model = fit_listwise([rows for _, rows, _ in groups], [labels for _, _, labels in groups], features, C)
    unit = model.coef[0] / model.scale[0]
    if unit <= 0:
        raise SystemExit("the sentence model's log-odds got no positive weight: nothing to add to")
    own = range(1, len(features))
    return LogisticModel(
        own_features,
        tuple(model.mean[i] for i in own),
        (1.0,) * len(own),
        tuple(round(model.coef[i] / model.scale[i] / unit, 6) for i in own),
        0.0,
    )


def firsts(groups: list[Group], added: LogisticModel | None) -> int:
    """How many groups' best sentence holds an answer, by the sentence model's log-odds plus what
    ``added`` adds (nothing when ``None``)."""
    right = 0
    for _, rows, labels in groups:
        scores = [row[BASE] + (added.logit(row) if added else 0.0) for row in rows]
        right += labels[max(range(len(rows)), key=scores.__getitem__)]
    return right


def held_out(groups: list[Group]) -> int:
    """``firsts`` of each fold of conversations under a model fitted on the others."""
    conversations = sorted({n for n, _, _ in groups})
    random.Random(0).shuffle(conversations)
    right = 0
    for k in range(FOLDS):
        test = set(conversations[k::FOLDS])
        right += firsts([g for g in groups if g[0] in test], fit([g for g in groups if g[0] not in test]))
    return right


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=Path, nargs="+", default=list(CONVERSATIONS))
    parser.add_argument("--index-dir", type=Path, default=REPO / ".fit-cache" / "conversations-index")
    parser.add_argument("--model-cache", type=Path, default=None, help="TANYA_MODEL_CACHE_DIR for the index")
    parser.add_argument("--out", type=Path, default=FOLLOWUP_FILE)
    args = parser.parse_args(argv)

    conversations = read_conversations(args.conversations)
    index = build_index(args.index_dir, args.model_cache or args.index_dir / "models", articles_of(conversations))
    extractive = ExtractiveAnswerer()
    # the shipped models alone: the readings and sentence scores the follow-up model adds to
    retriever = HybridRetriever(index=index, models=load_models(MODELS_FILE))
    reader = FollowUpReader(retriever, extractive, lambda text: normalize_question(text, MAX_QUESTION_CHARS))
    started = time.perf_counter()
    groups = follow_up_groups(reader, extractive, conversations)
    print(f"{len(groups)} follow-ups read in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if len({n for n, _, _ in groups}) < FOLDS:
        raise SystemExit(f"{len(groups)} follow-ups whose passages hold an answer: too few to fit on")

    sentence = fit(groups)
    before, after, folds = firsts(groups, None), firsts(groups, sentence), held_out(groups)
    meta = {
        "follow_ups": len(groups),
        "first_sentence_right": {"sentence_model": before, "with_followup_model": after, "held_out": folds},
        "conversations": [p.name for p in args.conversations],
        "command": "python bench/fit_followups.py"
        + (
            f" --conversations {' '.join(str(p) for p in args.conversations)}"
            if args.conversations != list(CONVERSATIONS)
            else ""
        ),
    }
    args.out.write_text(FollowUpModel(sentence, meta).dumps(), encoding="utf-8")
    print(
        f"wrote {args.out}: the best sentence holds an answer for {before} of {len(groups)} follow-ups by the "
        f"sentence model, {after} with the follow-up model ({folds} in {FOLDS}-fold held-out fits)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
