"""The one answering chain used by every front end: question -> retrieve -> answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from bot.chain.answer import Answer
from bot.chain.retriever import Retrieval
from bot.cli.contract import replace_surrogates
from ingest.errors import BadInput
from ingest.text.analysis import clean_text


class Retriever(Protocol):
    """Anything that analyses a question and ranks chunks for it."""

    def search(self, question: str, k: int | None = None) -> Retrieval:
        """Return the analysed question and its ranked passages."""
        ...


class Answerer(Protocol):
    """Anything that turns a retrieval into an ``Answer``."""

    def answer_retrieval(self, retrieval: Retrieval, on_text: Callable[[str], None] | None = None) -> Answer:
        """Return the answer; answerers that write it piece by piece pass the (verified) text so
        far to ``on_text`` as it grows."""
        ...


def normalize_question(raw: str, max_chars: int) -> str:
    """Return the question cleaned of control characters and extra space, with undecodable bytes
    (lone surrogates) as U+FFFD, or raise ``BadInput`` when it is empty, too long, or holds no
    word to search for."""
    question = clean_text(replace_surrogates(raw)).replace("\n\n", " ")
    if not question:
        raise BadInput("the question is empty")
    if len(question) > max_chars:
        raise BadInput(f"the question is too long ({len(question):,} characters; the limit is {max_chars:,})")
    if not any(ch.isalnum() for ch in question):
        raise BadInput("the question has no words in it")
    return question


def build_answer_chain(
    retriever: Retriever, answerer: Answerer, k: int, max_question_chars: int
) -> Runnable[str, Answer]:
    """Return an LCEL runnable mapping a question to an ``Answer`` with timings in milliseconds.

    A front end that shows answers as they are written passes a callback as
    ``config={"configurable": {"on_text": fn}}``; it gets the answer text so far, each time it grows.
    """

    def retrieve(raw: str) -> dict[str, Any]:
        started = time.perf_counter()
        question = normalize_question(raw, max_question_chars)
        retrieval = retriever.search(question, k)
        return {"retrieval": retrieval, "started": started, "retrieved_at": time.perf_counter()}

    def answer(state: dict[str, Any], config: RunnableConfig) -> Answer:
        on_text = (config.get("configurable") or {}).get("on_text")
        result = answerer.answer_retrieval(state["retrieval"], on_text)
        done = time.perf_counter()
        result.timings_ms = {
            "retrieve": round((state["retrieved_at"] - state["started"]) * 1000, 2),
            "answer": round((done - state["retrieved_at"]) * 1000, 2),
            "total": round((done - state["started"]) * 1000, 2),
        }
        return result

    return RunnableLambda(retrieve, name="retrieve") | RunnableLambda(answer, name="answer")
