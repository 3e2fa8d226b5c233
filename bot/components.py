"""Factories that build the answering stack from settings; entry points call these once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable

from bot.chain.answer import Answer
from bot.chain.build import Answerer, build_answer_chain
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.llm import LLMAnswerer, make_chat_model
from bot.chain.models import AnswerModels, load_models
from bot.chain.retriever import HybridRetriever, RetrievalConfig
from bot.settings import Settings
from ingest.store.index import Index, make_index


@dataclass
class Stack:
    """The index and the chain over it, built once per process."""

    index: Index
    chain: Runnable[str, Answer]


def make_stack(
    settings: Settings,
    index: Index | None = None,
    chat_model: Any = None,
    models: AnswerModels | None = None,
) -> Stack:
    """Return the index and the answering chain configured by the settings.

    ``chat_model`` replaces the one ``TANYA_LLM`` names (tests pass a fake one), ``models`` the
    shipped answering models (``tanya eval --models`` compares fitted variants).
    """
    answering = settings.answering
    index = index or make_index(settings.index)
    models = models or load_models()
    retriever = HybridRetriever(index, RetrievalConfig(k=answering.top_k), models)
    answerer: Answerer = ExtractiveAnswerer()
    model = chat_model if chat_model is not None else make_chat_model(settings.llm)
    if model is not None:
        answerer = LLMAnswerer(model, index, ExtractiveAnswerer(), answering.top_k, settings.llm.timeout_s)
    chain = build_answer_chain(retriever, answerer, answering.top_k, answering.max_question_chars)
    return Stack(index, chain)
