"""Factories that build the answering stack from settings; entry points call these once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable

from bot.chain.answer import Answer
from bot.chain.build import build_answer_chain
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.llm import build_llm_answer, make_chat_model
from bot.chain.models import AnswerModels, load_models
from bot.chain.retriever import HybridRetriever, RetrievalConfig
from bot.settings import Settings
from ingest.store.index import Index, make_index


@dataclass
class Stack:
    """The index, its retriever and the chain over them, built once per process."""

    index: Index
    retriever: HybridRetriever
    chain: Runnable[Any, Answer]


def make_stack(
    settings: Settings,
    index: Index | None = None,
    chat_model: Any = None,
    models: AnswerModels | None = None,
) -> Stack:
    """Return the index, the retriever and the answering chain configured by the settings.

    ``chat_model`` replaces the one ``TANYA_LLM`` names (tests pass a fake one), ``models`` the
    shipped answering models (``tanya eval --models`` compares fitted variants).
    """
    answering = settings.answering
    index = index or make_index(settings.index)
    retriever = HybridRetriever(index=index, config=RetrievalConfig(k=answering.top_k), models=models or load_models())
    model = chat_model if chat_model is not None else make_chat_model(settings.llm)
    llm = (
        None
        if model is None
        else build_llm_answer(model, index, answering.top_k, settings.llm.timeout_s, settings.llm.paraphrase)
    )
    chain = build_answer_chain(retriever, ExtractiveAnswerer(), answering.max_question_chars, llm, answering.today)
    return Stack(index, retriever, chain)
