"""``tanya eval``: retrieval and answer quality on question sets (format: shared/eval/README.md)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.chain.answer import Answer
from bot.chain.build import normalize_question
from bot.chain.dates import parse_today
from ingest.errors import BadInput, shortened
from ingest.loaders import json_lines, load_inputs, open_file_or_pipe
from ingest.text.analysis import clean_text, replace_surrogates
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


class _InvalidLine(ValueError):
    """What is wrong with a set line, said about its field."""


def _shown(value: Any) -> str:
    """A field's value as the set has it, shortened, for an error message."""
    return shortened(json.dumps(value, ensure_ascii=False), 40)


def _text(row: dict[str, Any], name: str, default: str | None = None, required: bool = False) -> str | None:
    """The text field ``name`` (``default`` when absent or null), lone surrogates (a JSON
    ``"\\ud800"``) read as U+FFFD: a passage is indexed and hashed, every field may be written
    to ``--details``, all as UTF-8."""
    value = row.get(name)
    if value is None:
        if required:
            raise _InvalidLine(f'"{name}" is missing')
        return default
    if not isinstance(value, str) or (required and not value.strip()):
        raise _InvalidLine(f'"{name}" must be {"non-empty " if required else ""}text, not {_shown(value)}')
    return replace_surrogates(value)


def _texts(row: dict[str, Any], name: str) -> tuple[str, ...]:
    """The list-of-text field ``name`` (empty when absent or null), read as ``_text`` reads one."""
    value = row.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _InvalidLine(f'"{name}" must be a list of texts, not {_shown(value)}')
    return tuple(map(replace_surrogates, value))


def _item_id(row: dict[str, Any]) -> str:
    """The line's ``id``, text or a whole number, as text."""
    value = row.get("id")
    if value is None:
        raise _InvalidLine('"id" is missing')
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _InvalidLine(f'"id" must be text or a number, not {_shown(value)}')
    return str(value)


def _question(name: str, row: dict[str, Any], max_question_chars: int | None = None, **extra: Any) -> EvalQuestion:
    """One question of a set, every field checked for its type now, so that a set that cannot be
    judged is refused before anything is indexed rather than after every question is asked."""
    item_id = _item_id(row)
    answerable = row.get("answerable", True)
    if not isinstance(answerable, bool):
        raise _InvalidLine(f'"answerable" must be true or false, not {_shown(answerable)}')
    groups = row.get("all_answers") or []
    if not isinstance(groups, list) or not all(
        isinstance(group, list) and all(isinstance(a, str) for a in group) for group in groups
    ):
        raise _InvalidLine(f'"all_answers" must be a list of lists of texts, not {_shown(groups)}')
    today = _text(row, "today")
    passage = _text(row, "passage")
    if passage is not None and not clean_text(passage):  # it would be indexed as an article of no chunks
        raise _InvalidLine(f'"passage" must hold text, not {_shown(passage)}')
    question = _text(row, "question", required=True) or ""
    try:
        parse_today(today)  # what the chain will accept when the question is asked
        normalize_question(question, max_question_chars or len(question) + 1)
    except BadInput as exc:
        raise _InvalidLine(str(exc)) from None
    if answerable and not row.get("answers") and not groups:
        # it could never be answered right: scored as a wrong answer, it had lowered the figures
        # unseen (a hostile test)
        raise _InvalidLine('"answers" is missing (or give "answerable": false for a question no article answers)')
    return EvalQuestion(
        set_name=name,
        id=item_id,
        lang=_text(row, "lang", "id") or "id",
        question=question,
        answerable=answerable,
        answers=_texts(row, "answers"),
        evidence=_texts(row, "evidence"),
        passage=passage,
        today=today,
        all_answers=tuple(tuple(map(replace_surrogates, group)) for group in groups),
        **extra,
    )


def _conversation(
    name: str, row: dict[str, Any], key: str, max_question_chars: int | None = None
) -> list[EvalQuestion]:
    """The turns of a conversation line (``{"id", "turns": [question, ...]}``) as questions: the
    first in set ``<name>/first``, the later ones in ``<name>/follow-up``, so both are scored;
    ``key`` (the set's path and the line's id) files them under their conversation, apart from
    another set's of the same id. A ``passage`` of the line is every turn's that gives none of its
    own (``bench/data/conversations_train.jsonl`` writes its article once so: it had been asked
    over the bundled article alone, every answer a refusal)."""
    turns = row["turns"]
    if not isinstance(turns, list) or not turns or not all(isinstance(turn, dict) for turn in turns):
        raise _InvalidLine(f'"turns" must be a non-empty list of objects, not {_shown(turns)}')
    conversation = _item_id(row)
    shared = {"passage": row["passage"]} if "passage" in row else {}
    questions = []
    for i, turn in enumerate(turns):
        try:
            questions.append(
                _question(
                    f"{name}/{'first' if i == 0 else 'follow-up'}",
                    {**shared, **turn, "id": f"{conversation}#{i + 1}"},
                    max_question_chars,
                    conversation=key,
                    turn=i,
                )
            )
        except _InvalidLine as exc:
            raise _InvalidLine(f"turn {i + 1}: {exc}") from None
    return questions


# A set is read whole (its passages are indexed before the first question is asked), so what is
# read is bounded: a device or an endless pipe is refused instead of filling memory. The largest
# sets in use, the training splits, are under 10 MB.
MAX_SET_BYTES = 64_000_000


def _read_set(path: Path) -> bytes:
    """The bytes of a set file: a regular file or a pipe, as ``tanya ask --batch`` reads (a
    device such as /dev/zero would never end), and no more than ``MAX_SET_BYTES``."""
    with open_file_or_pipe(path, mode="rb") as file:
        try:
            data: bytes = file.read(MAX_SET_BYTES + 1)
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SET_BYTES:
        raise BadInput(f"{path} is larger than {MAX_SET_BYTES / 1e6:g} MB, the most a question set may hold")
    return data


def load_eval_set(path: Path, max_question_chars: int | None = None) -> list[EvalQuestion]:
    """Read a JSONL question set; a malformed line, a field of the wrong type, or a question the
    chain would refuse (no words in it, longer than ``max_question_chars``, a ``today`` out of
    range) is a ``BadInput`` naming the line's number and the field."""
    name = path.stem
    out: list[EvalQuestion] = []
    data = _read_set(path)
    try:
        lines = json_lines(data.decode("utf-8-sig"))  # a byte order mark is not part of the first line
    except UnicodeDecodeError as exc:
        number = data[: exc.start].count(b"\n") + 1
        raise BadInput(f"{path}:{number} is not UTF-8 (byte 0x{data[exc.start]:02x})") from None
    ids: dict[str, int] = {}  # an id (a question's or a conversation's): its line
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise _InvalidLine(f"the line must be a JSON object, not {_shown(row)}")
            item_id = _item_id(row)
            if "turns" in row:
                if "question" in row:  # its question would have been left unasked, unsaid
                    raise _InvalidLine('"question" and "turns" both given: a line is one question or one conversation')
                # its turns are asked each with the turns before it, found by the set and the id
                read = _conversation(name, row, f"{path}\x00{item_id}", max_question_chars)
            else:
                read = [_question(name, row, max_question_chars)]
            # an id names one line: two conversations of one id had been asked as one, and two
            # questions of one id were one in --details (hostile tests)
            first = ids.setdefault(item_id, number)
            if first != number:
                raise _InvalidLine(f'"id" {_shown(item_id)} is the id of line {first} too')
            out.extend(read)
        except ValueError as exc:  # not JSON, or _InvalidLine
            raise BadInput(f"{path}:{number} is not a valid question ({exc})") from None
        except RecursionError:
            raise BadInput(f"{path}:{number} is not a valid question (nested too deeply)") from None
    if not out:  # an empty (or truncated to nothing) set had printed no row and passed
        raise BadInput(f"{path} holds no questions")
    return out


# The fields every line of ``tanya eval --details`` holds (``result_to_json``): a file whose first
# line lacks them is not an earlier run's details, and is not written over.
DETAILS_FIELDS = frozenset({"set", "id", "answerable", "abstained", "correct"})


def check_writable(path: Path, option: str) -> None:
    """``BadInput`` unless a file can be written at ``path`` (its folder exists and takes files;
    a file already there can be written and is empty or an earlier run's details): checked before
    a long run, not after it. Any other file is refused, not written over: ``--details`` given an
    index's catalog or the set being measured had replaced it (a hostile tester)."""
    if path.is_dir():
        raise BadInput(f"{option} {path}: is a folder")
    if not path.parent.is_dir():
        raise BadInput(f"{option} {path}: there is no folder {path.parent}")
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        raise BadInput(f"{option} {path}: not writable")
    if path.is_file() and not _holds_details(path):  # (not a device: /dev/null, /dev/stdout are written to)
        raise BadInput(
            f"{option} {path}: a file that is not an earlier run's details is there; "
            "give a new path (or remove the file)"
        )


def write_details(path: Path, text: str) -> None:
    """Write ``text`` (the details) to ``path``: through a file beside it renamed into place, so
    that a write that fails (a full disk) leaves an earlier run's details whole; a path that is
    no regular file (/dev/stdout, a pipe) is written to as it is."""
    if path.exists() and not path.is_file():
        path.write_text(text, encoding="utf-8")
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _holds_details(path: Path) -> bool:
    """Whether the file at ``path`` is empty or begins with a line of ``tanya eval --details``
    (read no further than its first megabyte)."""
    try:
        with path.open("rb") as file:
            head = file.read(1 << 20)
    except OSError:
        return False
    first = head.split(b"\n", 1)[0].strip()
    if not first:
        return not head.strip()
    try:
        line = json.loads(first)
    except (ValueError, RecursionError):
        return False
    return isinstance(line, dict) and line.keys() >= DETAILS_FIELDS


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
    refused = [r for r in answerable if r.answer.abstained]
    # of the answerable questions refused, those whose closest passage, shown with the refusal, holds the answer
    closest = sum(
        r.answer.closest is not None and _contains_any(r.answer.closest.quote, r.question.answers) for r in refused
    )
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
        extra={"refused_closest_holds_answer": _ratio(closest, len(refused)) if refused else None},
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
        "closest": None if r.answer.closest is None else r.answer.closest.quote,
        "ms": r.answer.timings_ms.get("total"),
    }
