"""The one answering chain every front end uses, built from LangChain Runnables:

    question ─► retrieve (retriever.search, into the state) ─► answer

where ``answer`` quotes the passages (``ExtractiveAnswerer``), or, with a chat model, is the
LLM branch of ``bot.chain.llm`` ``.with_fallbacks`` to quoting them, with a note saying why.
``chain.invoke(question)`` returns an ``Answer``; ``chain.stream(question)`` yields answers as
they grow (in LLM mode, one more verified sentence each time; the last is complete).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from bot.chain.answer import Answer, with_timings
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.llm import fallback_note
from bot.chain.retriever import HybridRetriever
from ingest.errors import BadInput
from ingest.text.analysis import clean_text, replace_surrogates

logger = logging.getLogger(__name__)


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
    retriever: HybridRetriever,
    extractive: ExtractiveAnswerer,
    max_question_chars: int,
    llm: Runnable[Any, Answer] | None = None,
) -> Runnable[str, Answer]:
    """Return the chain from a question to its ``Answer`` (with timings in milliseconds)."""

    def question(raw: str) -> dict[str, Any]:
        return {"question": normalize_question(raw, max_question_chars), "started": time.perf_counter()}

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        # One step, not RunnablePassthrough.assign: assign runs its runnable through a thread
        # pool made for each call, which cost 2 ms a question (a sixth of answering one).
        retrieval = retriever.search(state["question"])
        return {**state, "retrieval": retrieval, "retrieved_at": time.perf_counter()}

    def quote(state: dict[str, Any]) -> Answer:
        return with_timings(extractive.answer_retrieval(state["retrieval"]), state)

    def quote_instead(state: dict[str, Any]) -> Answer:
        error = state.get("error")
        logger.warning("the chat model gave no usable answer (%s); quoting the passages", type(error).__name__)
        answer = quote(state)
        answer.note = fallback_note(error)
        return answer

    answer: Runnable[Any, Answer] = RunnableLambda(quote, name="quote")
    if llm is not None:
        answer = llm.with_fallbacks([RunnableLambda(quote_instead, name="quote")], exception_key="error")
    return RunnableLambda(question, name="question") | RunnableLambda(retrieve, name="retrieve") | answer
