"""Hybrid retrieval: the lexical index and the embeddings each propose passages, and a learned
model ranks their union.

BM25 over Indonesian root words finds passages that share the question's names, numbers and
rare words; the multilingual embeddings find those that say the same thing in other words, or
in the other language (an English question about an Indonesian article). Each proposes its
``candidates`` best; every proposed passage gets the named features of ``bot.chain.features``
(both scores, how each compares with the best, the best sentence's similarity and word
coverage, whether it holds the kind of answer asked for), and the passage model of
``bot.chain.models`` (fitted on the training splits by ``bench/fit_models.py``) orders them.

The question is embedded in a worker thread while it is analysed and BM25 runs: onnxruntime
and SQLite both release the GIL, so the lexical work overlaps the embedding.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from bot.chain.context import Context, in_context, mixed_vector
from bot.chain.features import PassageCandidate, passage_features
from bot.chain.models import LEXICAL_MODELS_FILE, AnswerModels, load_models
from bot.chain.normalization import normalize_chat
from bot.chain.question import (
    ParsedQuery,
    analyzed_sentences,
    parse_query,
    prime_sentences,
    with_initialisms,
    word_by_word,
)
from bot.chain.stories import StoryReader, Together
from ingest.store.index import Index
from ingest.text.analysis import guess_language, stem
from ingest.types import Hit, QuestionVector, Scope


@dataclass(frozen=True)
class RetrievalConfig:
    """How many passages each side proposes, and how many index entries BM25 may rank for them
    (see ``ParsedQuery.search_terms_within``)."""

    k: int = 5
    candidates: int = 10
    max_postings: int = 20_000
    dense: bool = True  # False: lexical candidates only, no question embedding (tests, ablations)


@dataclass
class Retrieval:
    """A question analysed and its passages ranked, with what answering needs of them."""

    query: ParsedQuery
    vector: Any  # the question's embedding (numpy), or None
    candidates: list[PassageCandidate] = field(default_factory=list)  # best first
    k: int = 5
    question: str = ""  # as asked (``query.text`` is what was analysed: mentions dropped, ...)
    models: AnswerModels | None = None  # the models that ranked the passages; the answerer uses them too
    embedded: QuestionVector | None = None  # the question as embedded (``vector`` is its numpy form)
    judged: Any = None  # the answerer's sentence ranking, its probability and the gate's verdict, once made
    within: Scope | None = None  # the articles it searched (``None``: all)
    own: ParsedQuery | None = None  # read as a follow-up: the question on its own (``query`` holds the context)
    # a question on a subject no article holds, read on its own in a conversation: the context the
    # conversation keeps for its next turn, as it was before it (``bot.chain.followup``)
    keeps: Context | None = None
    # whether two passages' articles tell the story the question asks about, as the names it uses
    # say (``StoryReader.teller``; by headlines, ``one_story``, when ``None``)
    together: Together | None = None
    # read as a follow-up answered from the conversation's story: whether a sentence of a
    # passage may join the answer (``FollowUpReader.on_topic``, ``ExtractiveAnswerer``)
    on_topic: Callable[[PassageCandidate], bool] | None = None

    def __post_init__(self) -> None:
        self.question = self.question or self.query.text

    def __getstate__(self) -> dict[str, Any]:
        # kept (pickled: ``bench/fit_models.py`` caches the training questions' retrievals) without
        # ``together`` and ``on_topic``, closures that read the index they were made for
        return {**self.__dict__, "together": None, "on_topic": None}

    @property
    def context(self) -> Context:
        """How the question was read, for the next turn of a conversation to refer to: its
        topic is the article of its best passage."""
        return Context(self.query, self.vector, frozenset(c.chunk.source for c in self.candidates[:1]), self.own)

    @property
    def hits(self) -> list[Hit]:
        """The best ``k`` passages, scored by the passage model's log-odds."""
        return [Hit(c.chunk, round(c.score, 4)) for c in self.candidates[: self.k]]


def candidate_document(candidate: PassageCandidate) -> Document:
    """A ranked passage as a LangChain ``Document``: its text, and where it comes from."""
    chunk = candidate.chunk
    return Document(
        page_content=chunk.text,
        id=chunk.chunk_id,
        metadata={
            "chunk_id": chunk.chunk_id,
            "source": chunk.source,
            "title": chunk.title,
            "url": chunk.url,
            "published": chunk.published,
            "lang": chunk.lang,
            "index": chunk.index,
            "start": chunk.start,
            "end": chunk.end,
            "score": round(candidate.score, 4),
        },
    )


class HybridRetriever(BaseRetriever):
    """Ranks chunks for a question (see the module docstring). As a LangChain retriever,
    ``invoke(question)`` returns the best ``config.k`` passages as ``Document``s; ``search``
    returns the whole ``Retrieval`` the answering chain reads (features, vectors, models)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    config: RetrievalConfig = Field(default_factory=RetrievalConfig)
    models: AnswerModels = Field(default_factory=load_models)
    lexical: AnswerModels = Field(default_factory=lambda: load_models(LEXICAL_MODELS_FILE))
    _embedder: ThreadPoolExecutor = PrivateAttr(
        default_factory=lambda: ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="tanya-embed")
    )
    _stories: StoryReader | None = PrivateAttr(default=None)

    @property
    def stories(self) -> StoryReader:
        """Which articles of the index tell one story (``bot.chain.stories``)."""
        if self._stories is None:
            self._stories = StoryReader(self.index)
        return self._stories

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [candidate_document(c) for c in self.search(query).candidates[: self.config.k]]

    def models_now(self) -> AnswerModels:
        """The models for the index as it is: those fitted with its embedding model, or the
        lexical ones when it was built with another (a reindex may switch it at any time)."""
        # one catalog read; follows a rebuild with another model, and refuses one named in
        # TANYA_EMBEDDING_MODEL that did not build the index (with the lexical models the question
        # would never be embedded, so nothing else would say so)
        self.index.check_model()
        fitted_for = self.models.embedding_model
        return self.models if fitted_for in (None, self.index.model_name) else self.lexical

    def parse(self, question: str, models: AnswerModels | None = None) -> ParsedQuery:
        """Return ``question`` analysed against this index."""
        return parse_query(question, self.index, (models or self.models_now()).without)

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        """Return the best ``k`` chunks for ``question``, best first."""
        return self.search(question, k).hits

    def search(self, question: str, k: int | None = None, within: Scope | None = None) -> Retrieval:
        """Read ``question`` as a chat message (``bot.chain.normalization``), analyse it and rank
        passages for it, among the articles ``within`` lets through (``--since``, ``--until``,
        ``--source``; all by default); it is embedded from the start, beside both the analysis
        and the lexical search."""
        models = self.models_now()
        text = self.chat_text(question, models)
        embedding = self._embed(text, models)
        query = self.parse(text, models)
        retrieval = self._rank(query, k, embedding, models, within)
        if "initialisms" not in models.without:
            # an initialism no article writes, spelt out by the passages found ("rdp": "rapat
            # dengar pendapat"), searched again with the words it stands for
            texts = [c.chunk.text for c in retrieval.candidates[: retrieval.k]]
            widened = with_initialisms(query, texts, self.index)
            if widened is not query:
                retrieval = self._rank(widened, k, embedding, models, within)
        retrieval.question = question
        return retrieval

    def chat_text(self, question: str, models: AnswerModels | None = None) -> str:
        """``question`` read as a chat message (``bot.chain.normalization``), as ``search`` reads it
        for the models reading the index (``models``, else those of the index as it is)."""
        return normalize_chat(question, self._indexed, (models or self.models_now()).without)

    def search_in_context(self, alone: Retrieval, context: Context, k: int | None = None) -> Retrieval:
        """``alone`` (a question's own retrieval) read again as a follow-up of ``context``
        (``bot.chain.context``): the earlier concepts join the question's, the earlier
        vector its vector. No second embedding: the question's own is reused."""
        models = alone.models or self.models_now()
        embedding: Future[QuestionVector] | None = None
        if alone.embedded is not None:
            import numpy as np

            mixed = mixed_vector(np.asarray(alone.embedded.vector, dtype=np.float32), context)
            embedding = _ready(QuestionVector(alone.embedded.text, alone.embedded.model, mixed.tolist()))
        retrieval = self._rank(in_context(alone.query, context), k, embedding, models, alone.within)
        retrieval.question = alone.question
        retrieval.own = alone.query
        return retrieval

    def search_within(self, retrieval: Retrieval, within: Scope) -> Retrieval:
        """``retrieval``'s question ranked again among the articles ``within`` lets through
        (one report of a story: ``bot.chain.changes``), as it was read (a follow-up with its
        context) and embedded: nothing is analysed or embedded again."""
        embedding = None if retrieval.embedded is None else _ready(retrieval.embedded)
        again = self._rank(retrieval.query, retrieval.k, embedding, retrieval.models or self.models_now(), within)
        again.question = retrieval.question
        again.own = retrieval.own
        return again

    def search_parsed(self, query: ParsedQuery, k: int | None = None) -> Retrieval:
        """Like ``search`` for an already analysed question."""
        models = self.models_now()
        return self._rank(query, k, self._embed(query.text, models), models)

    def _indexed(self, words: Iterable[str]) -> set[str]:
        """Which of ``words`` the index holds (as index terms)."""
        terms = {word: stem(word) for word in words}
        frequencies, _ = self.index.document_frequencies(sorted(set(terms.values())))
        return {word for word, term in terms.items() if frequencies.get(term, 0)}

    def _embed(self, question: str, models: AnswerModels) -> Future[QuestionVector] | None:
        if not self.config.dense or models.embedding_model is None:
            return None
        if "glossary" not in models.without and guess_language(question) == "en":
            return self._embedder.submit(self._english_vector, question)
        return self._embedder.submit(self.index.question_vector, question)

    def _english_vector(self, question: str) -> QuestionVector:
        """An English question's vector: the mean of its own and its word-by-word Indonesian
        rendering's (``bot.chain.question.word_by_word``), which brings its similarities to Indonesian
        passages to the level the models were fitted on."""
        import numpy as np

        own = self.index.question_vector(question)
        rendering = word_by_word(question)
        if not rendering.strip():
            return own
        other = self.index.question_vector(rendering)
        if other.model != own.model:
            return own
        mean = np.asarray(own.vector) + np.asarray(other.vector)
        return QuestionVector(question, own.model, (mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist())

    def _rank(
        self,
        query: ParsedQuery,
        k: int | None,
        embedding: Future[QuestionVector] | None,
        models: AnswerModels,
        within: Scope | None = None,
    ) -> Retrieval:
        import numpy as np

        cfg = self.config
        k = k or cfg.k
        within = None if within is None or within.empty else within
        lexical = self.index.lexical_search(query.search_terms_within(cfg.max_postings), cfg.candidates, within=within)
        candidates: dict[str, PassageCandidate] = {}
        for rank, hit in enumerate(lexical):
            candidates[hit.chunk.chunk_id] = PassageCandidate(hit.chunk, (), bm25=hit.score, bm25_rank=rank)
        vector = None
        question: QuestionVector | None = None
        if embedding is not None:
            question = embedding.result()
            vector = np.asarray(question.vector, dtype=np.float32)
            nearest = self.index.nearest(question, cfg.candidates, within)
            missing = [cid for cid, _ in nearest if cid not in candidates]
            chunks = self.index.chunks(missing)
            for cid, _ in nearest:
                if cid in chunks:
                    candidates[cid] = PassageCandidate(chunks[cid], ())
            cosines = dict(nearest)
            cosines.update(self.index.similarities(question, [c for c in candidates if c not in cosines]))
            sentence_vectors = self.index.sentence_vectors(question, list(candidates))
            for cid, c in candidates.items():
                c.dense = cosines.get(cid, 0.0)
                c.sentence_vectors = sentence_vectors.get(cid)
        together = self.stories.teller(query.concepts)
        if not candidates:
            return Retrieval(query, vector, [], k, models=models, embedded=question, within=within, together=together)
        ranked = list(candidates.values())
        prime_sentences(self.index, [c.chunk for c in ranked])
        for c in ranked:
            c.sentences = analyzed_sentences(c.chunk.text)
        passage_features(query, ranked, vector if vector is not None else np.zeros(1, dtype=np.float32))
        model = models.passage
        for c in ranked:
            c.score = model.logit(c.features)
        ranked.sort(key=lambda c: c.score, reverse=True)
        ranked = _first_of_each_text(ranked)
        if query.years_asked:
            self._tell_years(ranked[:k])
        return Retrieval(query, vector, ranked, k, models=models, embedded=question, within=within, together=together)

    def _tell_years(self, candidates: Sequence[PassageCandidate]) -> None:
        """Fill each candidate's ``years_told``: the years its article tells of, read from its
        title and all its chunks (a report's later paragraphs need not repeat the year its lead
        names), kept by the index until its next write."""
        for c in candidates:
            c.years_told = self.index.article_years(c.chunk.source)


def _first_of_each_text(ranked: list[PassageCandidate]) -> list[PassageCandidate]:
    """``ranked`` with each passage once, where it ranks best: the same text of the same date
    (one article added under two names, a file and its copy, had filled three of the five
    passages an answer lists: a hostile tester's). Two reports of different dates repeating a
    paragraph keep both: which is the later one matters."""
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for candidate in ranked:
        key = (candidate.chunk.text, candidate.chunk.published)
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique


def _ready(vector: QuestionVector) -> Future[QuestionVector]:
    """A question vector already at hand, as the embedding a search waits for."""
    done: Future[QuestionVector] = Future()
    done.set_result(vector)
    return done
