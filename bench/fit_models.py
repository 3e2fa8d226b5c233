"""Fit the answering models on the training splits and write ``bot/data/answer_models.json``.

    python bench/fit_models.py                      # fit on ../shared/train, write the shipped file
    python bench/fit_models.py --out variant.json --drop answer_slot   # an ablation

The training passages go into an index built exactly as ``tanya ingest`` builds one (kept in
``--index-dir`` for the next run), every training question is retrieved by the same
``HybridRetriever`` the chain uses, and the features come from ``bot.features``. Three fits:

1. the passage model, on every proposed passage of every question (is it the question's
   passage?);
2. the sentence model, on every sentence of the three best passages under the fitted passage
   model (does it hold one of the answers, in the question's passage?);
3. the thresholds: ``min_probability`` so that a tenth of the answerable training questions
   whose best sentence is right would be refused (the operating point the targets name), and
   ``second_ratio``, the smallest share of the best sentence's probability that a second
   sentence needs, chosen for answer accuracy with the median answer at most 300 characters.

Nothing from the development sets (``../shared/eval``) is read. Logistic regressions, from
scikit-learn (a dev dependency); the chain reads only the written coefficients.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.classifier import MODELS_FILE, AnswerModels, LogisticModel  # noqa: E402
from bot.evaluation import EvalQuestion, eval_articles, load_eval_set, passage_source  # noqa: E402
from bot.features import PASSAGE_FEATURES, SENTENCE_FEATURES, PassageCandidate, sentence_features  # noqa: E402
from bot.retrieval import HybridRetriever, Retrieval, RetrievalConfig  # noqa: E402
from ingest.index import make_index  # noqa: E402
from ingest.pipeline import ingest_articles  # noqa: E402
from ingest.settings import IngestSettings  # noqa: E402

TRAIN = REPO.parent / "shared" / "train"
SETS = ("facqa_train", "tydiqa_id_train", "idkmrc_train")
BUNDLED = REPO / "ingest" / "corpus" / "tiktok-phk-malaysia-rakyatsulsel.txt"
SENTENCE_PASSAGES = 3
TARGET_FALSE_ABSTENTION = 0.10
MAX_MEDIAN_CHARS = 300


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def holds_answer(text: str, answers: tuple[str, ...]) -> bool:
    """Whether ``text`` contains one of the answers (as ``tanya eval`` judges)."""
    hay = _norm(text)
    return any(_norm(a) and _norm(a) in hay for a in answers)


def _blank(features: tuple[str, ...]) -> LogisticModel:
    n = len(features)
    return LogisticModel(features, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0)


@dataclass
class Example:
    """One training question and what retrieval proposed for it."""

    question: EvalQuestion
    retrieval: Retrieval
    gold: str


def build_index(index_dir: Path, cache_dir: Path | None, questions: list[EvalQuestion]) -> Any:
    """The training index (ingested once; later runs find every passage unchanged)."""
    settings = IngestSettings(data_dir=index_dir, model_cache_dir=cache_dir)
    index = make_index(settings)
    articles = eval_articles(questions, BUNDLED)
    started = time.perf_counter()
    report = ingest_articles(index, articles)
    print(
        f"train index: {len(articles)} articles, {report.chunks_written} chunks embedded "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return index


def retrieve_all(index: Any, questions: list[EvalQuestion], candidates: int) -> list[Example]:
    """Every question's proposed passages with their features (no ranking yet)."""
    blank = AnswerModels(_blank(PASSAGE_FEATURES), _blank(SENTENCE_FEATURES), 0.0, 1.0, {})
    retriever = HybridRetriever(index, RetrievalConfig(k=candidates * 2, candidates=candidates), blank)
    out = []
    started = time.perf_counter()
    for i, q in enumerate(questions):
        retrieval = retriever.search(q.question, candidates * 2)
        for c in retrieval.candidates:
            c.sentence_vectors = None  # the cosines are kept; the vectors would fill memory
        out.append(Example(q, retrieval, passage_source(q.passage or "")))
        if i % 1000 == 999:
            print(f"  retrieved {i + 1}/{len(questions)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return out


def fit_logistic(rows: list[dict[str, float]], labels: list[int], features: tuple[str, ...], c: float) -> LogisticModel:
    """A standardised logistic regression over named features."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r[f] for f in features] for r in rows], dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, np.array(labels))
    return LogisticModel(
        features,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in model.coef_[0]),
        round(float(model.intercept_[0]), 6),
    )


def rank(example: Example, model: LogisticModel) -> list[PassageCandidate]:
    """The example's candidates ordered by ``model`` (their scores set)."""
    for c in example.retrieval.candidates:
        c.score = model.logit(c.features)
    return sorted(example.retrieval.candidates, key=lambda c: c.score, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", type=Path, default=TRAIN)
    parser.add_argument("--index-dir", type=Path, default=REPO / ".fit-cache" / "train-index")
    parser.add_argument("--model-cache", type=Path, default=None, help="TANYA_MODEL_CACHE_DIR for the index")
    parser.add_argument("--out", type=Path, default=MODELS_FILE)
    parser.add_argument("--drop", action="append", default=[], help="leave a feature out (ablations)")
    parser.add_argument("--candidates", type=int, default=RetrievalConfig().candidates)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--limit", type=int, default=0, help="use only this many questions per set (quick runs)")
    args = parser.parse_args()

    questions: list[EvalQuestion] = []
    for name in SETS:
        rows = load_eval_set(args.train_dir / f"{name}.jsonl")
        if args.limit:
            random.Random(0).shuffle(rows)
            rows = rows[: args.limit]
        questions += rows
    index = build_index(args.index_dir, args.model_cache, questions)
    examples = retrieve_all(index, questions, args.candidates)

    passage_features = tuple(f for f in PASSAGE_FEATURES if f not in args.drop)
    rows, labels = [], []
    for ex in examples:
        for c in ex.retrieval.candidates:
            rows.append(c.features)
            labels.append(int(c.chunk.source == ex.gold))
    passage_model = fit_logistic(rows, labels, passage_features, args.c)
    hit1 = sum(bool(r := rank(ex, passage_model)) and r[0].chunk.source == ex.gold for ex in examples)
    print(f"passage model: {len(rows)} rows, train R@1 {hit1 / len(examples):.3f}", file=sys.stderr)

    sentence_feature_names = tuple(f for f in SENTENCE_FEATURES if f not in args.drop)
    rows, labels = [], []
    per_question: list[tuple[Example, list[Any]]] = []
    for ex in examples:
        ranked = rank(ex, passage_model)[:SENTENCE_PASSAGES]
        sentences = sentence_features(ex.retrieval.query, ranked, ex.retrieval.vector)
        per_question.append((ex, sentences))
        for s in sentences:
            rows.append(s.features)
            good = ex.question.answerable and s.passage.chunk.source == ex.gold
            labels.append(int(good and holds_answer(s.text, ex.question.answers)))
    sentence_model = fit_logistic(rows, labels, sentence_feature_names, args.c)

    # Operating points, on the training questions.
    scored = []
    for ex, sentences in per_question:
        ordered = sorted(sentences, key=lambda s: sentence_model.probability(s.features), reverse=True)
        scored.append((ex, [(sentence_model.probability(s.features), s) for s in ordered]))
    right = sorted(
        top[0][0]
        for ex, top in scored
        if top and ex.question.answerable and holds_answer(top[0][1].text, ex.question.answers)
    )
    min_probability = right[int(TARGET_FALSE_ABSTENTION * len(right))] if right else 0.5
    best_ratio, best_accuracy = 1.0, -1.0
    for ratio in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        correct, lengths = 0, []
        for ex, top in scored:
            if not top or top[0][0] < min_probability or not ex.question.answerable:
                continue
            text = top[0][1].text
            for p, s in top[1:3]:
                if p < ratio * top[0][0]:
                    break
                if len(text) + 1 + len(s.text) <= 400 and s.text != text:
                    text = text + " " + s.text
                    break
            lengths.append(len(text))
            correct += holds_answer(text, ex.question.answers)
        median = statistics.median(lengths) if lengths else 0
        if median <= MAX_MEDIAN_CHARS and correct > best_accuracy:
            best_ratio, best_accuracy = ratio, correct
    answerable = [ex for ex, _ in scored if ex.question.answerable]
    unanswerable = [(ex, top) for ex, top in scored if not ex.question.answerable]
    abstains = sum(1 for _, top in unanswerable if not top or top[0][0] < min_probability)
    print(
        f"sentence model: {len(rows)} rows; min_probability {min_probability:.3f}, second_ratio {best_ratio}; "
        f"train accuracy {best_accuracy / max(1, len(answerable)):.3f}, "
        f"unanswerable refused {abstains / max(1, len(unanswerable)):.3f}",
        file=sys.stderr,
    )
    models = AnswerModels(
        passage_model,
        sentence_model,
        round(min_probability, 6),
        best_ratio,
        {
            "fitted_on": [f"{name}.jsonl" for name in SETS],
            "questions": len(questions),
            "dropped": sorted(args.drop),
            "c": args.c,
            "command": "python bench/fit_models.py" + "".join(f" --drop {d}" for d in args.drop),
        },
    )
    args.out.write_text(json.dumps(models.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
