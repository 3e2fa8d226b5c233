"""Fit the extractive answerer's sentence weights on development sets.

    python bench/fit_answerer.py --index-dir /tmp/tanya-eval ../shared/eval/facqa_valid.jsonl \
        ../shared/eval/tydiqa_id_valid.jsonl

For every answerable question, the sentences of the top passages (retrieved by the real
retriever) are scored by a linear model over ``bot.answering.FEATURES``; the weights maximise the
softmax probability of the sentences that contain a gold answer (listwise logistic loss, L2).
Prints the tuple to paste into ``SENTENCE_WEIGHTS``. Deterministic: plain gradient descent.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bot.answering import FEATURES, sentence_candidates
from bot.components import make_stack
from bot.evaluation import _contains_any, eval_articles, load_eval_set
from bot.retrieval import HybridRetriever
from bot.settings import BotSettings
from ingest.corpus import bundled_articles_dir
from ingest.pipeline import ingest_articles
from ingest.settings import IngestSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--l2", type=float, default=1e-3)
    args = parser.parse_args()

    questions = [q for path in args.sets for q in load_eval_set(path)]
    stack = make_stack(IngestSettings(data_dir=args.index_dir), BotSettings())
    ingest_articles(stack.index, eval_articles(questions, bundled_articles_dir()))
    retriever = HybridRetriever(stack.index)
    zero = (0.0,) * len(FEATURES)
    groups = []
    for q in questions:
        if not q.answerable:
            continue
        parsed = retriever.parse(q.question)
        candidates = sentence_candidates(parsed, retriever.retrieve_parsed(parsed, 5), zero)
        labels = np.array([float(_contains_any(c.text, q.answers)) for c in candidates])
        if labels.sum() > 0:
            groups.append((np.array([c.features for c in candidates]), labels / labels.sum()))
    weights = np.zeros(len(FEATURES))
    for _ in range(args.iterations):
        gradient = np.zeros_like(weights)
        for x, target in groups:
            s = x @ weights
            p = np.exp(s - s.max())
            gradient += x.T @ (p / p.sum() - target)
        weights -= 0.5 * (gradient / len(groups) + args.l2 * weights)
    print(f"{len(groups)} questions with a gold sentence among the candidates")
    for name, w in zip(FEATURES, weights, strict=True):
        print(f"  {name:>18} {w:+.3f}")
    print("SENTENCE_WEIGHTS = (" + ", ".join(f"{w:.3f}" for w in weights) + ")")


if __name__ == "__main__":
    main()
