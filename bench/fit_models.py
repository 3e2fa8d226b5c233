"""Fit the answering models on the training splits and write ``bot/chain/data/answer_models.json``.

    python bench/fit_models.py                      # fit on ../shared/train, write the shipped file
    python bench/fit_models.py --out variant.json --drop answer_slot   # an ablation

The training passages go into an index built exactly as ``tanya ingest`` builds one (kept in
``--index-dir`` for the next run), every training question is retrieved by the same
``HybridRetriever`` the chain uses, and the features come from ``bot.chain.features``. Beside
the training splits' questions (and their chat and small-index copies), the fit reads the chat
questions of ``bench/data/chat_train.jsonl`` and ``chat_train_round2.jsonl``, written as people
type them on passages of the training splits (``bench/data/README.md``; ``--written-weight 0``
leaves them out), and those of ``bench/data/news_train.jsonl`` and ``news_train_round2.jsonl``,
written on news articles written for them, which the fit ingests into an index of their own and
reads into the models for several articles (``--news-in``; ``--news-weight 0`` leaves them out).
The fits:

1. the passage model, on every proposed passage of every question (is it the question's
   passage?);
2. the sentence model, on every sentence of the three best passages under the fitted passage
   model (does it hold one of the answers, in the question's passage?);
3. the answer model, on each question's best sentence (is it right?), and its operating points:
   ``min_probability`` so that a tenth of the answerable chat copies would be refused, and
   ``second_margin``, how far below the best a second sentence may score to join it, and
   ``third_margin``, the same for a third when the three fit in 300 characters
   (``bot.chain.extractive.quoted``), chosen together for answer accuracy with every set's
   median answer at most 300 characters;
4. steps 2 and 3 again without the passage features of the sentence model, for passages that
   all come from one article (``OneArticleModels``; docs/quality.md, section 6). They are fitted
   on the same readings but the news questions' (unless ``--news-in all`` or ``one-article``),
   nearly all of which come from several articles (the training passages are mostly one chunk
   each), so their threshold is not calibrated on one-article readings.

Nothing from the development sets (``../shared/eval``) is read. Logistic regressions, from
scikit-learn (a dev dependency); the chain reads only the written coefficients.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import re
import shlex
import statistics
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.chain.extractive import AnswererConfig, answers_alone, counterpart, quoted  # noqa: E402
from bot.chain.features import (  # noqa: E402
    ANSWER_FEATURES,
    PASSAGE_FEATURES,
    SENTENCE_FEATURES,
    PassageCandidate,
    SentenceCandidate,
    answer_features,
    passage_features,
    sentence_features,
)
from bot.chain.models import (  # noqa: E402
    KINDS,
    LEXICAL_MODELS_FILE,
    MODELS_FILE,
    OTHER_KIND,
    AnswerModels,
    LogisticModel,
    Model,
    OneArticleModels,
    TreeModel,
    bar_of,
)
from bot.chain.question import RULES, ParsedQuery  # noqa: E402
from bot.chain.retriever import HybridRetriever, Retrieval, RetrievalConfig  # noqa: E402
from bot.evaluation import EvalQuestion, eval_articles, load_eval_set, passage_source  # noqa: E402
from ingest.pipeline import ingest_articles  # noqa: E402
from ingest.settings import IndexSettings  # noqa: E402
from ingest.store.catalog import Catalog  # noqa: E402
from ingest.store.index import make_index  # noqa: E402
from ingest.types import Article  # noqa: E402

TRAIN = REPO.parent / "shared" / "train"
SETS = ("facqa_train", "tydiqa_id_train", "idkmrc_train")
# Chat questions written as people type them, on passages of the training splits, in two rounds
# (bench/data/README.md).
WRITTEN = (REPO / "bench" / "data" / "chat_train.jsonl", REPO / "bench" / "data" / "chat_train_round2.jsonl")
# Chat questions written on news articles written for them, in two rounds (bench/data/README.md):
# the news the chain reads, asked as people ask, for the several-article models.
NEWS = (REPO / "bench" / "data" / "news_train.jsonl", REPO / "bench" / "data" / "news_train_round2.jsonl")
BUNDLED = REPO / "ingest" / "corpus" / "tiktok-phk-malaysia-rakyatsulsel.txt"
SENTENCE_PASSAGES = 3
TARGET_FALSE_ABSTENTION = 0.10
# The kinds of answer whose Indonesian questions have a bar of their own (``--kind-bar``), and how
# many answerable ones people wrote a kind needs for one.
KIND_BARS = ("reason",)
MIN_KIND_QUESTIONS = 100
MAX_MEDIAN_CHARS = 300
# The margins (sentence-model log-odds below the best) tried for a second and a third sentence.
MARGINS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 8.0)
AUGMENT = 0.5
# what the embeddings measure; a lexical fit leaves them out
DENSE_FEATURES = {
    "dense",
    "dense_gap",
    "dense_rank",
    "sentence_dense",
    "sentence_dense_gap",
    "dense_passage_gap",
    "previous_dense_gap",
    "passage_dense",
    "top_dense",
}
DROPOUT = 0.3
# what a sentence's passage is like among the others; the one-article models go without them
PASSAGE_LEVEL = ("passage_score", "passage_rank", "passage_coverage", "dense_passage_gap")
SMALL_INDEX = 0.5
# How much each question written as people type (bench/data/chat_train.jsonl, news_train.jsonl)
# weighs in the sentence models against a training split's question or a copy of one: at 1 the
# sentence model leaned on what the carefully written splits reward, and picked the sentence
# holding the answer of news_dev's answerable questions for 264 of 576; at 10, 284
# (docs/quality.md, section 3, "The sentence models weigh the questions people write").
CHAT_SENTENCE_WEIGHT = 10.0
# The off-topic gate (step 5): the share of the training and written questions also asked of the
# news articles, on other subjects, and the share of what people type on the index's subjects it
# may refuse, in Indonesian and in English: chosen on the development sets (docs/quality.md,
# "Questions on subjects no article holds"; the answer model alone refuses nearly nine in ten
# Indonesian questions on other subjects and answers half the English ones, and a hundredth of
# Indonesian chat questions refused cost seven right answers over the eight articles). The
# Indonesian share was halved in the fifty-seventh session, over the chat sets of 35 articles:
# at 0.002 the gate refused a fiftieth of their answerable questions, ten times its share of the
# training copies; at 0.001 +11 / -1 answers, none of the questions on other subjects let through
# (docs/quality.md, "The off-topic gate's bar chosen again").
OFF_TOPIC = 0.15
OFF_TOPIC_REFUSED = 0.001
# the shares whose bars the fit prints beside the one it takes, to choose another by
SHARES_SHOWN = (0.004, 0.002, 0.001, 0.0005, 0.0002)
OFF_TOPIC_REFUSED_EN = 0.01
# One-article readings: training paragraphs at least this long, cut into chunks of at most this
# many characters in an index of their own, each question asked of its own paragraph's chunks.
ONE_ARTICLE_MIN_CHARS = 400
ONE_ARTICLE_CHUNK_CHARS = 250


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


_KEEP = re.compile(
    r"\d|^(apa|apakah|siapa|siapakah|berapa|berapakah|kapan|kapankah|mana|manakah|dimana|mengapa|kenapa|bagaimana)$"
)


def chat_copy(question: EvalQuestion, rng: random.Random, dropout: float) -> EvalQuestion:
    """The question as it might be typed in a chat: lower case, no question mark, and each
    word but the question words and numbers left out with probability ``dropout`` (people
    rarely use all the words the article does). The training splits hold only carefully
    written questions; these copies teach the models not to count on the article's wording."""
    tokens = question.question.lower().rstrip(" ?").split()
    kept = [t for t in tokens if _KEEP.search(t) or rng.random() >= dropout]
    text = " ".join(kept or tokens)
    return dataclasses.replace(question, id=question.id + "~chat", question=text)


def small_copy(example: Example, rng: random.Random) -> Example:
    """The example as it would be asked of a small index of a few articles on one story: only
    the two to six passages most like the question are candidates, and every feature that
    compares candidates is computed among them. The training index holds thousands of passages
    on every subject, so there the right one stands out; in a newsroom's index of a handful of
    related articles it does not, and the models must not read that as doubt.

    The cache keeps each sentence's cosine but not its vector, and computing the features again
    gives every sentence of a copy its passage's cosine: the sentence model sees a third of its
    examples with no way to tell sentences apart by meaning. Keeping the cosines was measured
    worse on every chat development set (docs/quality.md, section 7), so the copies stay so."""
    keep = rng.randint(2, 6)
    nearest = sorted(example.retrieval.candidates, key=lambda c: c.dense, reverse=True)[:keep]
    candidates = [dataclasses.replace(c, features={}) for c in nearest]
    passage_features(example.retrieval.query, candidates, example.retrieval.vector)
    question = dataclasses.replace(example.question, id=example.question.id + "~small")
    return Example(question, dataclasses.replace(example.retrieval, candidates=candidates), example.gold)


def build_index(index_dir: Path, cache_dir: Path | None, articles: list[Article], chunk_max_chars: int = 0) -> Any:
    """A training index of ``articles`` (ingested once; later runs find every article unchanged),
    its passages cut at ``chunk_max_chars`` when given (else as ``tanya ingest`` cuts them)."""
    settings = IndexSettings(data_dir=index_dir, model_cache_dir=cache_dir)
    if chunk_max_chars:
        settings = settings.model_copy(update={"chunk_max_chars": chunk_max_chars})
    index = make_index(settings)
    started = time.perf_counter()
    report = ingest_articles(index, articles)
    print(
        f"train index {index_dir.name}: {len(articles)} articles, {report.chunks_written} chunks embedded "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return index


def retrieve_all(
    index: Any,
    questions: list[EvalQuestion],
    candidates: int,
    without: list[str],
    lexical: bool,
    own_article: bool = False,
) -> list[Example]:
    """Every question's proposed passages with their features (no ranking yet); with
    ``own_article``, proposed from its own passage's chunks only (questions whose passage is a
    single chunk are left out)."""
    from ingest.types import Scope

    meta = {"without": without, "embedding_model": None if lexical else index.model_name}
    blank = AnswerModels(_blank(PASSAGE_FEATURES), _blank(SENTENCE_FEATURES), _blank(ANSWER_FEATURES), 0.0, 1.0, meta)
    config = RetrievalConfig(k=candidates * 2, candidates=candidates, dense=not lexical)
    retriever = HybridRetriever(index=index, config=config, models=blank, lexical=blank)
    out = []
    started = time.perf_counter()
    for i, q in enumerate(questions):
        gold = passage_source(q.passage or "")
        retrieval = retriever.search(q.question, candidates * 2, within=Scope(source=gold) if own_article else None)
        for c in retrieval.candidates:
            c.sentence_vectors = None  # the cosines are kept; the vectors would fill memory
        if not own_article:
            out.append(Example(q, retrieval, gold))
        elif len(retrieval.candidates) >= 2:
            out.append(Example(dataclasses.replace(q, id=q.id + "|one"), retrieval, gold))
        if i % 1000 == 999:
            print(f"  retrieved {i + 1}/{len(questions)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return out


def _matrix(rows: list[dict[str, float]], features: tuple[str, ...]) -> tuple[Any, Any, Any]:
    import numpy as np

    x = np.array([[r[f] for f in features] for r in rows], dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return (x - mean) / scale, mean, scale


def _model(features: tuple[str, ...], mean: Any, scale: Any, coef: Any, intercept: float) -> LogisticModel:
    return LogisticModel(
        features,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in coef),
        round(float(intercept), 6),
    )


def fit_logistic(
    rows: list[dict[str, float]],
    labels: list[int],
    features: tuple[str, ...],
    c: float,
    weights: list[float] | None = None,
) -> LogisticModel:
    """A standardised logistic regression over named features (``weights`` weigh the rows)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x, mean, scale = _matrix(rows, features)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, np.array(labels), sample_weight=None if weights is None else np.array(weights))
    return _model(features, mean, scale, model.coef_[0], float(model.intercept_[0]))


# Gradient-boosted trees for the sentence model (``--sentence-model trees``; measured and not
# shipped, docs/quality.md section 6): the size that did best on the development sets among a few;
# deeper or longer fits learn the training sets' careful phrasing and lose chat questions.
TREES = {"max_iter": 300, "learning_rate": 0.1, "max_leaf_nodes": 31, "max_depth": 6, "l2_regularization": 1.0}


def fit_trees(groups: list[list[dict[str, float]]], gold: list[list[int]], features: tuple[str, ...]) -> TreeModel:
    """Gradient-boosted trees that tell the candidates holding the answer from the others (each
    candidate a row; only the order within a question matters to the chain)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.array([[row[name] for name in features] for group in groups for row in group], dtype=np.float64)
    y = np.array([label for labels in gold for label in labels])
    model = HistGradientBoostingClassifier(**TREES, early_stopping=False, random_state=0).fit(x, y)
    return trees_from_sklearn(model, features)


FOLDS = 3


def fold(example: Example) -> int:
    """The cross-fitting fold of an example: its chat and small-index copies share their
    original's, so no question is scored by a model fitted on a copy of itself."""
    key = f"{example.question.set_name}/{example.question.id.partition('~')[0].partition('|')[0]}"
    return zlib.crc32(key.encode()) % FOLDS


def held_out_trees(
    examples: list[Example], groups: list[list[dict[str, float]]], gold: list[list[int]], features: tuple[str, ...]
) -> list[TreeModel]:
    """One tree model per fold, each fitted without that fold's questions."""
    folds = [fold(ex) for ex in examples]
    return [
        fit_trees(
            [g for g, f in zip(groups, folds, strict=True) if f != k],
            [g for g, f in zip(gold, folds, strict=True) if f != k],
            features,
        )
        for k in range(FOLDS)
    ]


def trees_from_sklearn(model: Any, features: tuple[str, ...]) -> TreeModel:
    """A ``TreeModel`` computing what a fitted binary ``HistGradientBoostingClassifier``'s
    ``decision_function`` does (the fit has no missing values, so no node sends them anywhere)."""
    import numpy as np

    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        own = np.arange(len(nodes))
        trees.append(
            {
                "feature": np.where(leaf, 0, nodes["feature_idx"]).tolist(),
                "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),
                "left": np.where(leaf, own, nodes["left"]).tolist(),
                "right": np.where(leaf, own, nodes["right"]).tolist(),
                "value": np.where(leaf, nodes["value"], 0.0).tolist(),
            }
        )
    return TreeModel.from_trees(features, float(np.ravel(model._baseline_prediction)[0]), trees)


def fit_listwise(
    groups: list[list[dict[str, float]]],
    gold: list[list[int]],
    features: tuple[str, ...],
    c: float,
    weights: list[float] | None = None,
) -> LogisticModel:
    """A conditional logit: per group (one question's candidates) a softmax over linear scores,
    fitted to put the probability on the group's positive candidates (L2-penalised by 1/c);
    ``weights`` weigh the groups (default: alike)."""
    import numpy as np
    from scipy.optimize import minimize

    flat = [row for group in groups for row in group]
    x, mean, scale = _matrix(flat, features)
    sizes = np.array([len(g) for g in groups])
    owner = np.repeat(np.arange(len(groups)), sizes)
    positive = np.array([label for labels in gold for label in labels], dtype=np.float64)
    n_groups = len(groups)
    g = np.asarray(weights if weights is not None else [1.0] * n_groups, dtype=np.float64)
    g = g * n_groups / g.sum()

    def loss(w: Any) -> tuple[float, Any]:
        scores = x @ w
        top = np.full(n_groups, -np.inf)
        np.maximum.at(top, owner, scores)
        exp = np.exp(scores - top[owner])
        total = np.bincount(owner, exp, n_groups)
        log_total = np.log(total) + top
        pos_exp = np.bincount(owner, exp * positive, n_groups)
        log_pos = np.log(np.maximum(pos_exp, 1e-300)) + top
        value = float(np.sum(g * (log_total - log_pos))) / n_groups + 0.5 * float(w @ w) / (c * n_groups)
        p_all = exp / total[owner]
        p_pos = exp * positive / np.maximum(pos_exp[owner], 1e-300)
        grad = x.T @ (g[owner] * (p_all - p_pos)) / n_groups + w / (c * n_groups)
        return value, grad

    result = minimize(loss, np.zeros(len(features)), jac=True, method="L-BFGS-B")
    return _model(features, mean, scale, result.x, 0.0)


def balance(examples: list[Example]) -> list[float]:
    """A weight per example such that each training set weighs alike in total (FacQA's 2,495
    news questions count as much as IDK-MRC's 9,332 Wikipedia ones: tanya answers about news)."""
    sizes: dict[str, int] = defaultdict(int)
    for ex in examples:
        sizes[ex.question.set_name] += 1
    return [1.0 / sizes[ex.question.set_name] for ex in examples]


def rank(example: Example, model: LogisticModel) -> list[PassageCandidate]:
    """The example's candidates ordered by ``model`` (their scores set)."""
    for c in example.retrieval.candidates:
        c.score = model.logit(c.features)
    return sorted(example.retrieval.candidates, key=lambda c: c.score, reverse=True)


def retrieved(
    args: argparse.Namespace,
    questions: list[EvalQuestion],
    directory: Path,
    model_cache: Path | None,
    name: str,
    articles: Callable[[], list[Article]],
    chunk_max_chars: int = 0,
    own_article: bool = False,
) -> list[Example]:
    """``questions`` retrieved (``retrieve_all``) over the index in ``directory`` of ``articles()``,
    kept in the cache file ``name`` there (with the rules left out and ``--lexical`` in its name)
    and read from it by later runs unless ``--refresh``."""
    import pickle

    rules = "".join(f"-{w}" for w in sorted(args.without)) + ("-lexical" if args.lexical else "")
    cache = directory / f"{name}{rules}.pickle"
    if cache.exists() and not args.refresh:
        with cache.open("rb") as f:
            cached: list[Example] = pickle.load(f)
        return _retyped(cached, args.without)
    index = build_index(directory, model_cache, articles(), chunk_max_chars)
    examples = retrieve_all(index, questions, args.candidates, sorted(args.without), args.lexical, own_article)
    with cache.open("wb") as f:
        pickle.dump(examples, f)
    return examples


def _retyped(examples: list[Example], without: Sequence[str] = ()) -> list[Example]:
    """``examples`` with the kind of answer their question asks for, the nouns naming it and the
    passage features that read them computed again by today's code (a cache keeps the question
    analysis and the features of the code that retrieved it)."""
    from bot.chain.question import answer_slot, asked_kind, focus_terms, holds_answer_type

    for ex in examples:
        query = ex.retrieval.query
        ex.retrieval.query = dataclasses.replace(
            query, kind=asked_kind(query.text, without), focus=focus_terms(query.text)
        )
        for c in ex.retrieval.candidates:
            if "answer_type" in c.features:
                c.features["answer_type"] = float(holds_answer_type(c.chunk.text, ex.retrieval.query))
            if "answer_slot" in c.features:
                c.features["answer_slot"] = float(answer_slot(c.chunk.text, ex.retrieval.query))
    return examples


def load_examples(
    args: argparse.Namespace, questions: list[EvalQuestion], own_article: bool = False, tag: str = ""
) -> list[Example]:
    """The retrieved training questions, from the cache when it holds these questions; with
    ``own_article``, their one-article readings (``one_article_examples``), in an index of their
    own whose passages are cut at ``--one-article-chunk-chars``."""
    directory, model_cache, chunk_max_chars = args.index_dir, args.model_cache, 0
    if own_article:
        chunk_max_chars = args.one_article_chunk_chars
        directory = args.index_dir.parent / f"{args.index_dir.name}-one-article-{chunk_max_chars}"
        model_cache = args.model_cache or args.index_dir / "models"  # the model the training index rebuilt
    name = f"examples-{tag}{args.candidates}-{len(questions)}-{args.dropout}"
    return retrieved(
        args,
        questions,
        directory,
        model_cache,
        name,
        lambda: eval_articles(questions, BUNDLED),
        chunk_max_chars,
        own_article,
    )


def news_articles(questions: list[EvalQuestion]) -> list[Article]:
    """The news articles ``questions`` were written on (each ``passage`` a whole article,
    headline first), as ``tanya ingest`` reads them (the headline as title)."""
    from ingest.text.analysis import clean_text

    texts = dict.fromkeys(q.passage for q in questions if q.passage)
    return [
        Article(source=passage_source(t), text=clean_text(t), title=t.strip().splitlines()[0].strip(), lang="id")
        for t in texts
    ]


def news_directory(args: argparse.Namespace) -> Path:
    """The index of the ``--news`` articles (another file, another index)."""
    return args.index_dir.parent / f"{args.index_dir.name}-news-{_crc(args.news):08x}"


def news_examples(args: argparse.Namespace, questions: list[EvalQuestion], own_article: bool = False) -> list[Example]:
    """The questions written on news articles (``--news``), read over an index of those articles
    alone (``news_articles``): across all of them (several-article readings), or with
    ``own_article`` within each question's own article (one-article readings, as in a newsroom's
    index of a story or two)."""
    # the number of questions in the name, as for the training questions (a --limit run also has
    # indexes of its own: see main)
    name = f"examples-{'one-article' if own_article else 'all'}-{args.candidates}-{len(questions)}"
    model_cache = args.model_cache or args.index_dir / "models"
    return retrieved(
        args,
        questions,
        news_directory(args),
        model_cache,
        name,
        lambda: news_articles(questions),
        own_article=own_article,
    )


def off_topic_examples(
    args: argparse.Namespace, questions: list[EvalQuestion], news: list[EvalQuestion], own_article: bool
) -> list[Example]:
    """``questions`` asked of news they are not about, as unanswerable readings: each of the
    training splits' questions (Wikipedia's subjects) and of the written chat questions over the
    index of the ``news`` articles (several-article readings), or with ``own_article`` within one
    news article drawn at random (one-article readings, as a question on another subject asked of
    an index of one article). The training questions are all asked of the passage they were
    written on, so without these the answer model never sees a question whose subject the index
    does not hold, and answers "What is the capital of France?" with a bus route's length."""
    rng = random.Random(11 + own_article)
    articles = list(dict.fromkeys(q.passage for q in news if q.passage))
    chosen = [
        dataclasses.replace(
            q,
            id=f"{q.id.partition('~')[0]}|offtopic~{q.id.partition('~')[2]}".rstrip("~"),
            answerable=False,
            answers=(),
            all_answers=(),
            passage=rng.choice(articles),
        )
        for q in questions
        if rng.random() < args.off_topic
    ]
    name = (
        f"offtopic-{'one-article' if own_article else 'all'}-{args.candidates}-{len(chosen)}-{_crc(args.written):08x}"
    )
    model_cache = args.model_cache or args.index_dir / "models"
    examples = retrieved(
        args, chosen, news_directory(args), model_cache, name, lambda: news_articles(news), own_article=own_article
    )
    # no passage is theirs: the passage model does not read them, and no sentence holds an answer
    return [dataclasses.replace(ex, gold="") for ex in examples]


def one_article_examples(args: argparse.Namespace, questions: list[EvalQuestion]) -> list[Example]:
    """Training questions read as in a newsroom's index, where the three passages read all come
    from one article: every paragraph of at least ``--one-article-min-chars`` is ingested into an
    index of its own cut into chunks of at most ``--one-article-chunk-chars``, and each question on
    it is asked of that paragraph's chunks only, so the features that compare passages compare
    parts of one text. IDK-MRC's unanswerable questions are then what an unanswerable chat
    question about an article is: on its subject, in its words, asking for a detail it does not
    give."""
    chosen = [q for q in questions if q.passage and len(q.passage) >= args.one_article_min_chars]
    return load_examples(args, chosen, own_article=True)


def sentence_set(ex: Example, passage_model: LogisticModel) -> list[Any]:
    """The sentences of an example's best passages, with features."""
    ranked = rank(ex, passage_model)[:SENTENCE_PASSAGES]
    return sentence_features(ex.retrieval.query, ranked, ex.retrieval.vector)


def fit_reading(
    per_question: list[tuple[Example, list[Any]]],
    passage_model: LogisticModel,
    args: argparse.Namespace,
    sentence_drop: set[str],
    label: str = "",
) -> OneArticleModels:
    """Fit how the best passages are read: the sentence model (which sentence holds the answer),
    the answer model (is the best sentence right) and their operating points, with the sentence
    model's features but ``sentence_drop``."""

    # 2. sentences: which sentence of the best passages holds the answer
    names = tuple(f for f in SENTENCE_FEATURES if f not in args.drop and f not in sentence_drop)
    sentence_groups, sentence_gold, sentence_examples = [], [], []
    for ex, sentences in per_question:
        labels = [
            int(s.passage.chunk.source == ex.gold and holds_answer(s.text, ex.question.answers)) for s in sentences
        ]
        if ex.question.answerable and any(labels):
            sentence_groups.append([s.features for s in sentences])
            sentence_gold.append(labels)
            sentence_examples.append(ex)
    sentence_model: LogisticModel | TreeModel
    if args.sentence_model == "trees":
        sentence_model = fit_trees(sentence_groups, sentence_gold, names)
        # The answer model learns from the sentence model's scores: they must be what it gives
        # questions it was not fitted on (trees score their own training rows far more surely).
        scorers = held_out_trees(sentence_examples, sentence_groups, sentence_gold, names)
    else:
        weights = balance(sentence_examples) if args.balance else [1.0] * len(sentence_examples)
        if args.chat_sentence_weight != 1.0:  # the questions people write weigh more (CHAT_SENTENCE_WEIGHT)
            weights = [
                w * (args.chat_sentence_weight if _people_wrote(ex) else 1.0)
                for w, ex in zip(weights, sentence_examples, strict=True)
            ]
        sentence_model = fit_listwise(sentence_groups, sentence_gold, names, args.c, weights)
        scorers = [sentence_model] * FOLDS

    # 3. answers: is the best sentence right
    names = tuple(f for f in ANSWER_FEATURES if f not in args.drop)
    rows, labels, outcomes, read = [], [], [], []
    for ex, sentences in per_question:
        if not sentences or (args.written_in == "ranking" and _written(ex)):
            continue
        scored = scored_sentences(scorers[fold(ex)], sentences)
        passages = rank(ex, passage_model)[:SENTENCE_PASSAGES]
        rows.append(answer_features(ex.retrieval.query, passages, scored))
        right = ex.question.answerable and holds_answer(scored[0].text, ex.question.answers)
        labels.append(int(right))
        outcomes.append((ex, scored))
        read.append(passages)
    answer_model: LogisticModel | TreeModel
    if args.answer_model == "trees":
        answer_model = fit_trees([rows], [labels], names)
    else:
        answer_model = fit_logistic(
            rows, labels, names, args.c, balance([ex for ex, _ in outcomes]) if args.balance else None
        )
    probabilities = [1 / (1 + math.exp(-v)) for v in answer_model.logits(rows)]

    # Operating points, on the training questions.
    # The threshold refuses ``false_abstention`` of the answerable chat copies (the questions most
    # like what people type); the carefully written originals are refused less often.
    chat = [(p, ex) for p, (ex, _) in zip(probabilities, outcomes, strict=True) if _calibrates(ex, args.bar_on)]
    pool = chat or [(p, ex) for p, (ex, _) in zip(probabilities, outcomes, strict=True)]
    bar = _refusing(args.false_abstention, [p for p, ex in pool if ex.question.answerable])
    min_probability = 0.5 if bar is None else bar
    # English questions get a bar of their own, by the same rule over the answerable English
    # questions people wrote (chat and news): the model, fitted mostly on Indonesian questions,
    # gives right answers to English ones lower probabilities (docs/quality.md, section 4).
    judged = list(zip(probabilities, (ex for ex, _ in outcomes), strict=True))
    english = _people_wrote_answerable(judged, lambda query: query.lang == "en")
    english_bar = _refusing(args.false_abstention, english) if args.english_bar else None
    english_probability = None if english_bar is None else round(english_bar, 6)
    kind_probability = kind_bars(judged, args)

    def bar_for(query: ParsedQuery) -> float:  # as ``AnswerModels.bar`` reads the bars
        return bar_of(query.lang, query.kind, min_probability, english_probability, kind_probability)

    best_margin, best_third, best_correct = 0.0, None, -1
    config = AnswererConfig()
    # The sentences that may join each answer, as the answerer lets them (``answers_alone``),
    # judged once each however many margins are tried.
    joinable = [
        _joins(ex.retrieval.query, passages, scored, answer_model, bar_for(ex.retrieval.query))
        for (ex, scored), passages in zip(outcomes, read, strict=True)
    ]
    # and the other figure for what the best sentence counts, quoted second when there is one
    sides = [
        counterpart(ex.retrieval.query, scored, config.max_answer_chars, joins) if scored else None
        for (ex, scored), joins in zip(outcomes, joinable, strict=True)
    ]
    for margin in MARGINS:
        for third in (None, *MARGINS) if args.third_sentence else (None,):
            if third is not None and third > margin:
                continue
            correct, lengths = 0, defaultdict(list)
            for p, (ex, scored), joins, side in zip(probabilities, outcomes, joinable, sides, strict=True):
                if p < bar_for(ex.retrieval.query) or not ex.question.answerable:
                    continue
                chosen = quoted(
                    scored,
                    margin,
                    third,
                    config.max_answer_chars,
                    config.max_answer_chars_with_third,
                    joins=joins,
                    other_side=side,
                )
                # as the answerer counts lengths (``_fits``): one space between sentences; the
                # answer's citation markers and " … " between a passage's sentences add a few
                text = " ".join(s.text for s in chosen)
                lengths[ex.question.set_name + ex.question.id.partition("~")[1]].append(len(text))
                correct += holds_answer(text, ex.question.answers)
            # every set's median, the copies' apart: an answer stays short whatever the passages are like
            median = max((statistics.median(v) for v in lengths.values()), default=0)
            if median <= MAX_MEDIAN_CHARS and correct > best_correct:
                best_margin, best_third, best_correct = margin, third, correct
    n_answerable = sum(1 for ex, _ in outcomes if ex.question.answerable)
    unanswerable = [(p, ex) for p, (ex, _) in zip(probabilities, outcomes, strict=True) if not ex.question.answerable]
    refused = sum(p < bar_for(ex.retrieval.query) for p, ex in unanswerable) / max(1, len(unanswerable))
    print(
        f"{label}answer model: min_probability {min_probability:.3f}, second_margin {best_margin}, "
        f"third_margin {best_third}; train accuracy "
        f"{best_correct / max(1, n_answerable):.3f}, unanswerable refused {refused:.3f}; "
        f"English questions' bar {english_probability}, bars by kind {kind_probability}",
        file=sys.stderr,
    )
    return OneArticleModels(
        sentence_model,
        answer_model,
        round(min_probability, 6),
        best_margin,
        best_third,
        english_probability,
        kind_probability,
    )


def scored_sentences(model: Model, sentences: list[SentenceCandidate]) -> list[SentenceCandidate]:
    """``sentences`` scored by a sentence model, best first (as the answerer ranks them)."""
    logits = model.logits([s.features for s in sentences])
    scored = (dataclasses.replace(s, score=v) for s, v in zip(sentences, logits, strict=True))
    return sorted(scored, key=lambda s: s.score, reverse=True)


def fit_gate(models: AnswerModels, on_topic: list[Example], off_topic: list[Example], args: argparse.Namespace) -> Any:
    """5. The off-topic gate (``bot.chain.models.OffTopicGate``): a logistic model over the answer
    features of each reading, as the fitted models read it (``for_passages``), telling the
    ``off_topic`` readings from the questions read over their own passages (``on_topic``,
    answerable or not), and per language the bar that ``--off-topic-refused`` (Indonesian) or
    ``--off-topic-refused-en`` of those people type (chat copies, written and news questions) on
    their passages' subjects reach."""
    from bot.chain.models import OffTopicGate

    rows, labels, langs, people = [], [], [], []
    # (the written and news questions may be counted several times: each reading once)
    readings = {id(ex): (ex, 0) for ex in on_topic} | {id(ex): (ex, 1) for ex in off_topic}
    for ex, label in readings.values():
        passages = rank(ex, models.passage)[:SENTENCE_PASSAGES]
        sentences = sentence_features(ex.retrieval.query, passages, ex.retrieval.vector) if passages else []
        if not sentences:
            continue
        scored = scored_sentences(models.for_passages(passages).sentence, sentences)
        rows.append(answer_features(ex.retrieval.query, passages, scored))
        labels.append(label)
        langs.append(ex.retrieval.query.lang)
        people.append(label == 0 and "~" in ex.question.id)
    names = tuple(f for f in ANSWER_FEATURES if f not in args.drop)
    gate = fit_logistic(rows, labels, names, args.c)
    probabilities = [1 / (1 + math.exp(-v)) for v in gate.logits(rows)]
    bars, caught = {}, {}
    for lang, share in (("id", args.off_topic_refused), ("en", args.off_topic_refused_en)):
        of_lang = [
            (p, label, person)
            for p, label, language, person in zip(probabilities, labels, langs, people, strict=True)
            if language == lang
        ]
        theirs = [p for p, _, person in of_lang if person]
        bar = _refusing(1 - share, theirs)
        bars[lang] = 1.0 if bar is None else round(bar, 6)
        print(
            f"off-topic gate ({lang}): bars by the share of people's questions refused: "
            + ", ".join(f"{s}: {b:.4f}" for s in SHARES_SHOWN if (b := _refusing(1 - s, theirs)))
            + f"; of {len(theirs)}",
            file=sys.stderr,
        )
        off = [p for p, label, _ in of_lang if label]
        caught[lang] = sum(p > bars[lang] for p in off) / max(1, len(off))
    print(
        f"off-topic gate: {sum(labels)} off-topic and {len(labels) - sum(labels)} on-topic readings; bars "
        f"{bars['id']:.3f} / {bars['en']:.3f} (English), off-topic readings over them "
        f"{caught['id']:.3f} / {caught['en']:.3f}",
        file=sys.stderr,
    )
    return OffTopicGate(gate, bars["id"], bars["en"])


def _refusing(share: float, probabilities: list[float]) -> float | None:
    """The bar under which ``share`` of these answerable questions' probabilities fall (``None``
    without any)."""
    ordered = sorted(probabilities)
    return ordered[int(share * len(ordered))] if ordered else None


def kind_bars(judged: Sequence[tuple[float, Example]], args: argparse.Namespace) -> dict[str, float]:
    """The bars of the Indonesian questions asking for each kind of answer of ``--kind-bar``
    (``AnswerModels.bar``), by the English bar's rule: each refuses ``--false-abstention`` of the
    answerable questions of its kind people wrote (chat and news: ``judged``, each with its
    answer model's probability), given ``MIN_KIND_QUESTIONS`` of them. The training splits'
    questions asking why are half of them unanswerable (IDK-MRC's), those people wrote a tenth
    at most, so the model gives right answers to why lower probabilities than people's questions
    warrant: the one bar refused 14% of the answerable ones people wrote on training passages and
    43% of those on the news articles (docs/quality.md, "A bar of its own for questions asking
    why")."""
    bars = {}
    for kind in args.kind_bar:
        asked = _people_wrote_answerable(
            judged, lambda query, kind=kind: query.lang == "id" and (query.kind or OTHER_KIND) == kind
        )
        if len(asked) >= MIN_KIND_QUESTIONS:
            bars[kind] = round(_refusing(args.false_abstention, asked) or 0.0, 6)
    return bars


def _people_wrote_answerable(
    judged: Sequence[tuple[float, Example]], asks: Callable[[ParsedQuery], bool]
) -> list[float]:
    """The probabilities of the answerable questions people wrote (``_people_wrote``) whose reading
    ``asks`` holds of: those a bar of their own is set on (English ones, a kind's)."""
    return [p for p, ex in judged if ex.question.answerable and _people_wrote(ex) and asks(ex.retrieval.query)]


def _joins(
    query: ParsedQuery,
    passages: list[PassageCandidate],
    scored: list[SentenceCandidate],
    answer_model: Model,
    bar: float,
) -> Callable[[SentenceCandidate], bool]:
    """Whether a sentence of ``scored`` may join its answer (``answers_alone``), each sentence
    judged at most once."""
    judged: dict[int, bool] = {}

    def joins(sentence: SentenceCandidate) -> bool:
        if id(sentence) not in judged:
            judged[id(sentence)] = answers_alone(query, passages, scored, sentence, answer_model, bar)
        return judged[id(sentence)]

    return joins


def tagged(paths: list[Path], kind: str, limit: int = 0) -> list[EvalQuestion]:
    """The chat questions of ``paths`` in order (``--written``, ``--news``), each id marked
    ``~kind`` (how ``_written`` and ``_news`` tell them apart); the first ``limit`` when given
    (``--limit``)."""
    questions = [dataclasses.replace(q, id=f"{q.id}~{kind}") for path in paths for q in load_eval_set(path)]
    return questions[:limit] if limit else questions


def _crc(paths: list[Path]) -> int:
    """A checksum of the files' names and bytes one after the other (the caches of other files are
    others: a question's set is its file's name, which the readings cached keep)."""
    return zlib.crc32(b"".join(path.name.encode() + b"\0" + path.read_bytes() for path in paths))


def shell_words(paths: Sequence[Path]) -> str:
    """``paths`` as a shell reads them back: the recorded command can be pasted and run again
    with a path that holds a space or a quote."""
    return " ".join(shlex.quote(str(p)) for p in paths)


def _differ(paths: list[Path], default: tuple[Path, ...]) -> bool:
    return [p.resolve() for p in paths] != [p.resolve() for p in default]


def _written(example: Example) -> bool:
    """Whether ``example`` is a written chat question (or a small-index copy of one)."""
    return "written" in example.question.id.partition("~")[2]


def _news(example: Example) -> bool:
    """Whether ``example`` is a question written on a news article (or a copy or reading of one)."""
    return "news" in example.question.id.partition("~")[2]


def _people_wrote(example: Example) -> bool:
    """Whether ``example`` is a question written as people ask: a chat question on a training
    passage or a question on a news article (or a copy of either); the English bar and the bars by
    kind are set on these."""
    return _written(example) or _news(example)


def _calibrates(example: Example, bar_on: str) -> bool:
    """Whether the threshold is set on ``example``: a chat or small-index copy (``copies``), a
    written chat question (``written``), or either (``all``, which also takes the questions on
    news articles); never a training split's own."""
    if "~" not in example.question.id:
        return False
    if _news(example):  # only with ``all``
        return bar_on == "all"
    return bar_on == "all" or _written(example) == (bar_on == "written")


def main() -> None:

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", type=Path, default=TRAIN)
    parser.add_argument("--index-dir", type=Path, default=REPO / ".fit-cache" / "train-index")
    parser.add_argument("--model-cache", type=Path, default=None, help="TANYA_MODEL_CACHE_DIR for the index")
    parser.add_argument("--out", type=Path, default=None, help=f"default: bot/chain/data/{MODELS_FILE.name}")
    parser.add_argument("--drop", action="append", default=[], help="leave a feature out (ablations)")
    parser.add_argument(
        "--sentence-drop", action="append", default=[], help="leave a feature out of the sentence model only"
    )
    parser.add_argument(
        "--lexical",
        action="store_true",
        help=f"fit without the embeddings (for indexes built with another model) and write {LEXICAL_MODELS_FILE.name}",
    )
    parser.add_argument(
        "--without", action="append", default=[], choices=RULES, help="switch a rule of question analysis off"
    )
    parser.add_argument(
        "--sentence-model",
        choices=("trees", "linear"),
        default="linear",
        help="a conditional logit like the passage model (shipped) or gradient-boosted trees (docs/quality.md)",
    )
    parser.add_argument("--answer-model", choices=("trees", "linear"), default="linear")
    parser.add_argument(
        "--third-sentence",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fit third_margin: a third sentence may join when the three fit in "
        f"{AnswererConfig().max_answer_chars_with_third} characters (docs/quality.md)",
    )
    parser.add_argument("--candidates", type=int, default=RetrievalConfig().candidates)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--false-abstention", type=float, default=TARGET_FALSE_ABSTENTION)
    parser.add_argument(
        "--english-bar",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a bar of its own for English questions, set on the English questions people wrote",
    )
    parser.add_argument(
        "--kind-bar",
        nargs="*",
        default=list(KIND_BARS),
        choices=KINDS,
        metavar="KIND",
        help=f"bars of their own for Indonesian questions asking for these kinds of answer ({', '.join(KINDS)}), "
        f"set on those people wrote; none with no KIND (default: {' '.join(KIND_BARS)})",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=0,
        help="use only this many questions of each training split, and of the written and news questions (quick runs)",
    )
    parser.add_argument("--refresh", action="store_true", help="retrieve again instead of using the cache")
    parser.add_argument(
        "--news",
        type=Path,
        nargs="+",
        default=list(NEWS),
        help="chat questions written on news articles, one or more files (--news-weight 0: none)",
    )
    parser.add_argument("--news-weight", type=int, default=1, help="how many times each news question counts")
    parser.add_argument(
        "--news-in",
        choices=("all", "several", "one-article"),
        default="several",
        help="the models the news questions are fitted into: the several-article ones; all (the one-article "
        "models then read both their readings); the one-article ones",
    )
    parser.add_argument(
        "--balance", action=argparse.BooleanOptionalAction, default=False, help="weigh the training sets alike"
    )
    parser.add_argument(
        "--written",
        type=Path,
        nargs="+",
        default=list(WRITTEN),
        help="chat questions written as people type them, on training passages, one or more files "
        "(bench/data/README.md)",
    )
    parser.add_argument(
        "--written-weight", type=int, default=1, help="how many times each written question counts (0: left out)"
    )
    parser.add_argument(
        "--written-in",
        choices=("all", "ranking"),
        default="all",
        help="fit every model on the written chat questions, or only the passage and sentence models",
    )
    parser.add_argument(
        "--chat-sentence-weight",
        type=float,
        default=CHAT_SENTENCE_WEIGHT,
        help="how much each written chat or news question weighs in the sentence models",
    )
    parser.add_argument(
        "--bar-on",
        choices=("copies", "written", "all"),
        default="copies",
        help="the questions whose answerable ones the threshold refuses --false-abstention of: the chat and "
        "small-index copies (shipped), the written chat questions, or both",
    )
    parser.add_argument(
        "--off-topic",
        type=float,
        default=OFF_TOPIC,
        help="share of the training and written questions also asked of the news articles, for the off-topic gate",
    )
    parser.add_argument(
        "--off-topic-refused",
        type=float,
        default=OFF_TOPIC_REFUSED,
        help="share of the Indonesian questions people type on the index's subjects the off-topic gate may refuse",
    )
    parser.add_argument(
        "--off-topic-refused-en",
        type=float,
        default=OFF_TOPIC_REFUSED_EN,
        help="the same for English questions",
    )
    parser.add_argument("--augment", type=float, default=AUGMENT, help="share of questions also asked as chat copies")
    parser.add_argument("--dropout", type=float, default=DROPOUT, help="word dropout of the chat copies")
    parser.add_argument(
        "--small-index", type=float, default=SMALL_INDEX, help="share of questions also asked of a small index"
    )
    parser.add_argument(
        "--one-article",
        choices=("off", "only", "with"),
        default="off",
        help="fit the one-article models on the usual readings (off, shipped), on one-article readings of the "
        "training paragraphs (only), or on both (with); docs/quality.md section 7",
    )
    parser.add_argument(
        "--one-article-drop", action="append", default=[], help="leave a feature out of the one-article sentence model"
    )
    parser.add_argument("--one-article-min-chars", type=int, default=ONE_ARTICLE_MIN_CHARS)
    parser.add_argument("--one-article-chunk-chars", type=int, default=ONE_ARTICLE_CHUNK_CHARS)
    args = parser.parse_args()

    args.out = args.out or (LEXICAL_MODELS_FILE if args.lexical else MODELS_FILE)
    if args.limit:  # indexes of their own: an index only grows, so a full run's would hold more articles
        args.index_dir = args.index_dir.with_name(f"{args.index_dir.name}-limit{args.limit}")
    if args.lexical:
        args.drop = sorted(set(args.drop) | DENSE_FEATURES)
    questions: list[EvalQuestion] = []
    for name in SETS:
        rows = load_eval_set(args.train_dir / f"{name}.jsonl")
        if args.limit:
            random.Random(0).shuffle(rows)
            rows = rows[: args.limit]
        questions += rows
    originals = len(questions)
    rng = random.Random(1)
    questions += [chat_copy(q, rng, args.dropout) for q in questions if rng.random() < args.augment]
    if args.bar_on == "written" and (args.written_weight == 0 or args.written_in == "ranking"):
        parser.error("--bar-on written needs the written questions in the answer model")
    written = tagged(args.written, "written", args.limit) if args.written_weight > 0 else []
    examples = load_examples(args, questions)
    if written:
        tag = f"written-{_crc(args.written):08x}-"  # other files, another cache
        examples += load_examples(args, written, tag=tag) * args.written_weight
    news: list[EvalQuestion] = []
    news_one: list[Example] = []  # the news questions' one-article readings, when fitted on
    if args.news_weight > 0:
        news = tagged(args.news, "news", args.limit)
        if args.news_in != "one-article":
            examples += news_examples(args, news) * args.news_weight
        if args.news_in != "several":
            news_one = news_examples(args, news, own_article=True)
    examples += [small_copy(ex, rng) for ex in examples if rng.random() < args.small_index and not args.lexical]
    off_topic: list[Example] = []  # read by the off-topic gate alone (step 5)
    if args.off_topic > 0 and news and not args.lexical:  # the lexical features cannot tell (docs/quality.md)
        asked = questions + written
        off_topic = off_topic_examples(args, asked, news, own_article=False)
        off_topic += off_topic_examples(args, asked, news, own_article=True)

    # 1. passages: which proposed passage is the question's
    names = tuple(f for f in PASSAGE_FEATURES if f not in args.drop)
    # (not the news questions: every chunk of their article would count as theirs)
    groups = [
        ex for ex in examples if not _news(ex) and any(c.chunk.source == ex.gold for c in ex.retrieval.candidates)
    ]
    passage_model = fit_listwise(
        [[c.features for c in ex.retrieval.candidates] for ex in groups],
        [[int(c.chunk.source == ex.gold) for c in ex.retrieval.candidates] for ex in groups],
        names,
        args.c,
        balance(groups) if args.balance else None,
    )
    hit1 = sum(rank(ex, passage_model)[0].chunk.source == ex.gold for ex in examples if ex.retrieval.candidates)
    print(f"passage model: train R@1 {hit1 / len(examples):.3f}", file=sys.stderr)

    per_question = [(ex, sentence_set(ex, passage_model)) for ex in examples]
    reading = fit_reading(per_question, passage_model, args, set(args.sentence_drop))
    # 4. the same for passages that all come from one article: without the passage features
    one_reading = per_question
    if args.one_article != "off":
        extra = [(ex, sentence_set(ex, passage_model)) for ex in one_article_examples(args, questions)]
        print(f"one-article readings: {len(extra)}", file=sys.stderr)
        one_reading = extra if args.one_article == "only" else per_question + extra
    if args.news_in == "several":  # the one-article models without any news question
        one_reading = [(ex, sentences) for ex, sentences in one_reading if not _news(ex)]
    elif news_one:
        one_reading = one_reading + [(ex, sentence_set(ex, passage_model)) for ex in news_one] * args.news_weight
    one_article = fit_reading(
        one_reading,
        passage_model,
        args,
        set(args.sentence_drop) | set(PASSAGE_LEVEL) | set(args.one_article_drop),
        "one article: ",
    )
    fitted_with = Catalog(args.index_dir / "catalog.sqlite3").get_meta("embedding_model")
    models = AnswerModels(
        passage_model,
        reading.sentence,
        reading.answer,
        reading.min_probability,
        reading.second_margin,
        {
            "embedding_model": None if args.lexical else fitted_with,
            "fitted_on": [f"{name}.jsonl" for name in SETS]
            + ([p.name for p in args.written] if written else [])
            + ([p.name for p in args.news] if news else []),
            "questions": originals,
            "chat_copies": len(questions) - originals,
            "written": len(written),
            "written_weight": args.written_weight if written else 0,
            "chat_sentence_weight": args.chat_sentence_weight if args.sentence_model != "trees" else None,
            "bar_on": args.bar_on,
            "written_in": args.written_in,
            "dropped": sorted(args.drop),
            "sentence_dropped": sorted(args.sentence_drop),
            "without": sorted(args.without),
            "c": args.c,
            "false_abstention": args.false_abstention,
            "augment": args.augment,
            "dropout": args.dropout,
            "small_index": args.small_index,
            "one_article": args.one_article,
            "one_article_dropped": sorted(args.one_article_drop),
            "balance": args.balance,
            "sentence_model": args.sentence_model,
            "answer_model": args.answer_model,
            "news": len(news),
            "news_weight": args.news_weight if news else 0,
            "news_in": args.news_in if news else None,
            "limit": args.limit,
            **(
                {
                    "off_topic": args.off_topic,
                    "off_topic_refused": args.off_topic_refused if args.off_topic else None,
                    "off_topic_refused_en": args.off_topic_refused_en if args.off_topic else None,
                }
                if not args.lexical
                else {}
            ),
            "command": "python bench/fit_models.py"
            + (f" --limit {args.limit}" if args.limit else "")
            + "".join(f" --drop {d}" for d in args.drop if not (args.lexical and d in DENSE_FEATURES))
            + "".join(f" --sentence-drop {d}" for d in args.sentence_drop)
            + (" --lexical" if args.lexical else "")
            + "".join(f" --without {w}" for w in args.without)
            + (f" --augment {args.augment}" if args.augment != AUGMENT else "")
            + (f" --dropout {args.dropout}" if args.dropout != DROPOUT else "")
            + (f" --off-topic {args.off_topic}" if args.off_topic != OFF_TOPIC else "")
            + (f" --off-topic-refused {args.off_topic_refused}" if args.off_topic_refused != OFF_TOPIC_REFUSED else "")
            + (
                f" --off-topic-refused-en {args.off_topic_refused_en}"
                if args.off_topic_refused_en != OFF_TOPIC_REFUSED_EN
                else ""
            )
            + (f" --small-index {args.small_index}" if args.small_index != SMALL_INDEX else "")
            + (f" --one-article {args.one_article}" if args.one_article != "off" else "")
            + "".join(f" --one-article-drop {d}" for d in args.one_article_drop)
            + (f" --written {shell_words(args.written)}" if _differ(args.written, WRITTEN) else "")
            + (f" --written-weight {args.written_weight}" if args.written_weight != 1 else "")
            + (
                f" --chat-sentence-weight {args.chat_sentence_weight:g}"
                if args.chat_sentence_weight != CHAT_SENTENCE_WEIGHT
                else ""
            )
            + (f" --bar-on {args.bar_on}" if args.bar_on != "copies" else "")
            + (f" --written-in {args.written_in}" if args.written_in != "all" else "")
            + (" --sentence-model trees" if args.sentence_model == "trees" else "")
            + (" --answer-model trees" if args.answer_model == "trees" else "")
            + ("" if args.third_sentence else " --no-third-sentence")
            + ("" if args.english_bar else " --no-english-bar")
            + (f" --kind-bar{''.join(' ' + k for k in args.kind_bar)}" if args.kind_bar != list(KIND_BARS) else "")
            + (f" --news {shell_words(args.news)}" if _differ(args.news, NEWS) and args.news_weight > 0 else "")
            + (f" --news-weight {args.news_weight}" if args.news_weight != 1 else "")
            + (f" --news-in {args.news_in}" if args.news_in != "several" and args.news_weight > 0 else "")
            + (
                f" --false-abstention {args.false_abstention}"
                if args.false_abstention != TARGET_FALSE_ABSTENTION
                else ""
            ),
        },
        one_article,
        reading.third_margin,
        reading.english_probability,
        kind_probability=reading.kind_probability,
    )
    if off_topic:
        # on their subject within one article too: the news questions asked of their own article
        own = news_one or news_examples(args, news, own_article=True)
        models = dataclasses.replace(models, off_topic=fit_gate(models, examples + own, off_topic, args))
    args.out.write_text(models.dumps(), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
