"""The one answering chain every front end uses, built from LangChain Runnables:

    question ─► retrieve (retriever.search, into the state) ─► answer

where ``answer`` quotes the passages (``ExtractiveAnswerer``), or, with a chat model, is the
LLM branch of ``bot.chain.llm`` ``.with_fallbacks`` to quoting them, with a note saying why.
``chain.invoke(question)`` returns an ``Answer``; ``chain.stream(question)`` yields answers as
they grow (in LLM mode, one more verified sentence each time; the last is complete).

The input is a question, or ``{"question": ..., "history": [...]}`` for a follow-up: earlier
turns as ``Turn``s (which remember how they were read), questions, or question/answer mappings.
``retrieve`` then also reads the question with the conversation before it and keeps the reading
the answer model trusts more (``bot.chain.conversation``); the answer's ``context`` is what the
next turn needs, and in LLM mode the earlier turns go into the prompt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from bot.chain.answer import Answer, with_timings
from bot.chain.conversation import CONTEXT_MARGIN, NEW_SUBJECT_SHARE, Context, Turn, history_turns
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.llm import fallback_note
from bot.chain.question import Concept, ParsedQuery, question_type
from bot.chain.retriever import HybridRetriever, Retrieval
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


def prefer_context(p_alone: float, p_followed: float, named_alone: float, named_followed: float, share: float) -> bool:
    """Whether to answer a question as a follow-up of the turn before it: when the answer model
    trusts that reading more by ``CONTEXT_MARGIN`` (probabilities ``p_*``), unless the question
    names more itself than the earlier turn did (``share`` of the two's named concepts at least
    ``NEW_SUBJECT_SHARE``) and the follow-up reading's answer drops some of it (``named_*``: the
    shares of the question's own concepts the best answer's passage holds in each reading). So
    "trus kapan?" takes its subject from before, and "bus trans seruni sekali ngecas bisa jalan
    berapa km?" after a question on TikTok is answered (or refused) on its own."""
    if p_followed <= p_alone + CONTEXT_MARGIN:
        return False
    return share < NEW_SUBJECT_SHARE or named_followed >= named_alone


def build_answer_chain(
    retriever: HybridRetriever,
    extractive: ExtractiveAnswerer,
    max_question_chars: int,
    llm: Runnable[Any, Answer] | None = None,
) -> Runnable[Any, Answer]:
    """Return the chain from a question (or a question and its history) to its ``Answer`` (with
    timings in milliseconds)."""

    def question(raw: str | Mapping[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        if isinstance(raw, Mapping):
            text = raw.get("question")
            if not isinstance(text, str):
                raise BadInput("the input has no question")
            try:
                history = history_turns(raw.get("history"))
            except ValueError as exc:
                raise BadInput(str(exc)) from None
        else:
            text, history = raw, []
        return {"question": normalize_question(text, max_question_chars), "history": history, "started": started}

    def named(query: ParsedQuery) -> list[Concept]:
        """The concepts a question names (not the words that ask, like "kenapa" or "berapa")."""
        return [c for c in query.concepts if question_type(c.surface) is None]

    def subject_coverage(retrieval: Retrieval, alone: Retrieval) -> float:
        """How much of what the question itself names the passage of a reading's best answer holds."""
        ranked = extractive.rank_sentences(retrieval)
        own = named(alone.query)
        if not ranked or not own:
            return 0.0
        present = frozenset().union(*(terms for _, terms in ranked[0].passage.sentences))
        return sum(c.weight for c in own if c.found_in(present)) / (sum(c.weight for c in own) or 1.0)

    def says_more(alone: Retrieval, context: Context) -> float:
        """The share of the question's own named concepts among its and the earlier turn's
        together: a follow-up says little itself ("trus kapan?"), a new question says more."""
        own, earlier = len(named(alone.query)), len(named(context.query))
        return own / (own + earlier) if own + earlier else 0.0

    def read(question: str, context: Context | None) -> Retrieval:
        """The question on its own, or as a follow-up of ``context`` (``prefer_context``)."""
        alone = retriever.search(question)
        if context is None:
            return alone
        followed = retriever.search_in_context(alone, context)
        if prefer_context(
            extractive.probability(alone),
            extractive.probability(followed),
            subject_coverage(alone, alone),
            subject_coverage(followed, alone),
            says_more(alone, context),
        ):
            return followed
        return alone

    def context_before(history: list[Turn]) -> Context | None:
        """How the last earlier turn was read; turns given as text are read again in order."""
        context = None
        for turn in history:
            if turn.context is not None:
                context = turn.context
                continue
            try:
                earlier = read(normalize_question(turn.question, max_question_chars), context)
            except BadInput:
                continue
            context = Context(earlier.query, earlier.vector)
        return context

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        # One step, not RunnablePassthrough.assign: assign runs its runnable through a thread
        # pool made for each call, which cost 2 ms a question (a sixth of answering one).
        retrieval = read(state["question"], context_before(state["history"]) if state["history"] else None)
        return {**state, "retrieval": retrieval, "retrieved_at": time.perf_counter()}

    def quote(state: dict[str, Any]) -> Answer:
        retrieval = state["retrieval"]
        answer = extractive.answer_retrieval(retrieval)
        answer.context = Context(retrieval.query, retrieval.vector)
        return with_timings(answer, state)

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
