"""``tanya eval``: retrieval and answer quality on question sets (format: shared/eval/README.md)."""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.chain.answer import Answer
from ingest.errors import BadInput
from ingest.loaders import load_inputs
from ingest.text.analysis import clean_text
from ingest.types import Article


@dataclass(frozen=True)
class EvalQuestion:
    """One question of a set."""

    set_name: str
    id: str
    lang: str
    question: str
    answerable: bool
    answers: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    passage: str | None = None
    conversation: str | None = None  # the conversation this turn belongs to (conversation sets)
    turn: int = 0  # its place in the conversation, from 0
    today: str | None = None  # the day it is asked ("kemarin", "terbaru" are relative to it)
    all_answers: tuple[tuple[str, ...], ...] = ()  # groups that must all be answered (sources that disagree)


def _question(name: str, row: dict[str, Any], **extra: Any) -> EvalQuestion:
    return EvalQuestion(
        set_name=name,
        id=str(row["id"]),
        lang=str(row.get("lang", "id")),
        question=str(row["question"]),
        answerable=bool(row.get("answerable", True)),
        answers=tuple(row.get("answers") or ()),
        evidence=tuple(row.get("evidence") or ()),
        passage=row.get("passage"),
        today=row.get("today"),
        all_answers=tuple(tuple(str(a) for a in group) for group in row.get("all_answers") or ()),
        **extra,
    )


def _conversation(name: str, row: dict[str, Any]) -> list[EvalQuestion]:
    """The turns of a conversation line (``{"id", "turns": [question, ...]}``) as questions: the
    first in set ``<name>/first``, the later ones in ``<name>/follow-up``, so both are scored."""
    turns = row["turns"]
    if not isinstance(turns, list) or not turns:
        raise TypeError("turns must be a non-empty list")
    return [
        _question(
            f"{name}/{'first' if i == 0 else 'follow-up'}",
            {**turn, "id": f"{row['id']}#{i + 1}"},
            conversation=str(row["id"]),
            turn=i,
        )
        for i, turn in enumerate(turns)
    ]


def load_eval_set(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question set; a malformed line is a ``BadInput`` naming its number."""
    name = path.stem
    out: list[EvalQuestion] = []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        number = data[: exc.start].count(b"\n") + 1
        raise BadInput(f"{path}:{number} is not UTF-8 (byte 0x{data[exc.start]:02x})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if "turns" in row:
                out.extend(_conversation(name, row))
            else:
                out.append(_question(name, row))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"{path}:{number} is not a valid question ({exc})") from None
    return out


def passage_source(passage: str) -> str:
    """Return the index source of an eval passage (stable across runs and sets)."""
    return "eval:" + hashlib.sha1(clean_text(passage).encode()).hexdigest()[:16]


def eval_articles(questions: Iterable[EvalQuestion], bundled: Path) -> list[Article]:
    """Return the bundled article(s) plus every distinct gold passage as its own article."""
    articles = [item for item in load_inputs([str(bundled)]) if isinstance(item, Article)]
    seen: set[str] = set()
    for q in questions:
        if q.passage and passage_source(q.passage) not in seen:
            source = passage_source(q.passage)
            seen.add(source)
            articles.append(
                # untitled: a made-up title would be embedded with every sentence of the passage
                Article(source=source, text=clean_text(q.passage), title="", lang="id")
            )
    return articles


# An answer shows an article's own "[3]" as "［3］" (only its citations look like markers): the
# same text for judging it.
_SHOWN_BRACKETS = str.maketrans("［］", "[]")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_SHOWN_BRACKETS)).strip().lower()


def _contains_any(text: str, needles: Sequence[str]) -> bool:
    hay = _norm(text)
    return any(_norm(n) and _norm(n) in hay for n in needles)


@dataclass
class QuestionResult:
    """How one question went."""

    question: EvalQuestion
    answer: Answer
    gold_rank: int | None  # 1-based rank of the first gold passage among those retrieved
    correct: bool
    cited_correct: bool


def judge(q: EvalQuestion, answer: Answer) -> QuestionResult:
    """Score one answer against its question's gold data."""

    def is_gold(chunk_text: str, source: str) -> bool:
        if q.passage is not None:
            return source == passage_source(q.passage)
        return _contains_any(chunk_text, q.evidence)

    gold_rank = next(
        (i for i, h in enumerate(answer.retrieved, start=1) if is_gold(h.chunk.text, h.chunk.source)), None
    )
    correct = q.answerable and not answer.abstained and _contains_any(answer.text, q.answers)
    if q.all_answers:  # both sides of a disagreement, or the old figure and the new one
        correct = correct and all(_contains_any(answer.text, group) for group in q.all_answers)
    cited = correct and any(
        _contains_any(c.quote, q.answers) and (q.passage is not None or _contains_any(c.chunk.text, q.evidence))
        for c in answer.citations
    )
    return QuestionResult(q, answer, gold_rank, correct, cited)


@dataclass
class SetMetrics:
    """The figures ``tanya eval`` reports for one set."""

    name: str
    questions: int
    answerable: int
    unanswerable: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    answer_accuracy: float
    cited_accuracy: float
    abstention_accuracy: float | None
    false_abstentions: float
    median_answer_chars: float
    latency_p50_ms: float
    latency_p95_ms: float
    extra: dict[str, Any] = field(default_factory=dict)


def _ratio(n: int, d: int) -> float:
    return round(n / d, 4) if d else 0.0


def _percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    at = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[at], 2)


def summarize(name: str, results: Sequence[QuestionResult]) -> SetMetrics:
    """Aggregate question results into a set's metrics."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    latencies = [r.answer.timings_ms.get("total", 0.0) for r in results]
    answered = [len(r.answer.text) for r in results if not r.answer.abstained]
    return SetMetrics(
        name=name,
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        recall_at_1=_ratio(sum(r.gold_rank == 1 for r in answerable), len(answerable)),
        recall_at_3=_ratio(sum(r.gold_rank is not None and r.gold_rank <= 3 for r in answerable), len(answerable)),
        mrr=round(sum(1 / r.gold_rank for r in answerable if r.gold_rank) / len(answerable), 4) if answerable else 0.0,
        answer_accuracy=_ratio(sum(r.correct for r in answerable), len(answerable)),
        cited_accuracy=_ratio(sum(r.cited_correct for r in answerable), len(answerable)),
        abstention_accuracy=_ratio(sum(r.answer.abstained for r in unanswerable), len(unanswerable))
        if unanswerable
        else None,
        false_abstentions=_ratio(sum(r.answer.abstained for r in answerable), len(answerable)),
        median_answer_chars=float(statistics.median(answered)) if answered else 0.0,
        latency_p50_ms=_percentile(latencies, 50),
        latency_p95_ms=_percentile(latencies, 95),
    )


def run_eval(
    ask: Callable[[Any], Answer], questions: Sequence[EvalQuestion], on_progress: Callable[[int], None] | None = None
) -> list[QuestionResult]:
    """Ask every question (through the same chain users get) and judge each answer. The turns of
    a conversation are asked in order, each with the turns before it, as ``tanya chat`` does."""
    from bot.chain.conversation import Conversation

    results = []
    conversations: dict[str, Conversation] = {}
    for i, q in enumerate(questions, start=1):
        asked: dict[str, Any] = {"question": q.question, "today": q.today}
        if q.conversation is None:
            answer = ask(asked)
        else:
            conversation = conversations.setdefault(q.conversation, Conversation(max_turns=10))
            answer = ask({**asked, "history": conversation.history()})
            conversation.add(q.question, answer)
        results.append(judge(q, answer))
        if on_progress:
            on_progress(i)
    return results


def result_to_json(r: QuestionResult) -> dict[str, Any]:
    """One line of ``tanya eval --details``."""
    return {
        "set": r.question.set_name,
        "id": r.question.id,
        "question": r.question.question,
        "answerable": r.question.answerable,
        "answers": list(r.question.answers),
        "answer": r.answer.text,
        "abstained": r.answer.abstained,
        "correct": r.correct,
        "cited_correct": r.cited_correct,
        "gold_rank": r.gold_rank,
        "ms": r.answer.timings_ms.get("total"),
    }
