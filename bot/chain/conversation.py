"""Follow-up questions: a question read with the conversation before it.

"kenapa?", "berapa orang?" or "and why?" after a first question say nothing on their own. Each
answered turn leaves a ``Context``: how its question was read (the analysed question, with the
turns before it folded in) and its vector. The next question is read two ways, on its own and
together with that context (its concepts and the earlier ones, its vector plus the earlier
one), and the reading the answer model trusts more wins, the one with the context only by a
margin; a question that names more than the turn before it did must also keep what it names
(``prefer_context``). A context also knows its topic: the article of its turn's best passage
and those its answer cites. A question that says less than the turn before it, whose own
reading would answer from another article while the follow-up reading answers from these, is
read with the context. A new topic is not
dragged into the old one, while a follow-up that says little answers far better with the
context. Both readings share the one embedding of the question, so a follow-up costs little
more than a first question.

``Conversation`` keeps the turns of one conversation (a ``tanya chat`` session, a Discord thread
or reply chain), bounded in turns and age.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.chain.question import Concept, ParsedQuery, question_type
from ingest.errors import BadInput
from ingest.types import Scope

if TYPE_CHECKING:  # the reader is handed both; importing them here would be circular
    from bot.chain.answer import Answer
    from bot.chain.extractive import ExtractiveAnswerer
    from bot.chain.features import PassageCandidate
    from bot.chain.retriever import HybridRetriever, Retrieval

# How much more likely (answer model probability) the reading with the context must be than the
# question on its own to be chosen (chosen on tests/data/conversation_dev.jsonl, docs/quality.md).
CONTEXT_MARGIN = 0.05
# At most this many concepts in a question read with its context (its own always count): what a
# conversation carries forward stays bounded however long it goes on.
MAX_CONTEXT_CONCEPTS = 12
# Earlier turns given as text that are read again to find a follow-up's context: the context
# comes from the last one, read with the ones before it, so older turns barely matter, and a
# caller's history of thousands of turns costs no more than this many readings.
MAX_REPLAYED_TURNS = 6
# A question that names at least this share of the concepts it and the earlier turn name
# together is on a subject of its own: it is read as a follow-up only when that reading's answer
# holds as much of what it names as its own reading's does (chosen on the same set).
NEW_SUBJECT_SHARE = 0.5


@dataclass(frozen=True)
class Context:
    """How an answered turn was read: what the next question may refer to."""

    query: ParsedQuery
    vector: Any  # numpy float32 unit vector, or None (lexical models)
    sources: frozenset[str] = frozenset()  # its topic: its best passage's article and those its answer cites


@dataclass(frozen=True)
class Turn:
    """An earlier turn: its question, its answer's text, and how it was read (when known)."""

    question: str
    answer: str | None = None
    context: Context | None = None


def in_context(query: ParsedQuery, context: Context) -> ParsedQuery:
    """``query`` read as a follow-up of ``context``: the earlier concepts join its own (those it
    does not already hold), and the kind of answer asked for and what names it carry over when
    the question asks for none ("yang di Malaysia saja?" after "berapa ...?")."""
    own = {t for c in query.concepts for t in c.terms}
    earlier = tuple(c for c in context.query.concepts if not own.intersection(c.terms))
    # The earlier reading's concepts are its own first, then those it took from before it: a
    # long conversation keeps its latest subjects and drops the oldest.
    earlier = earlier[: max(0, MAX_CONTEXT_CONCEPTS - len(query.concepts))]
    return dataclasses.replace(
        query,
        kind=query.kind or context.query.kind,
        words=query.words | context.query.words,
        concepts=query.concepts + earlier,
        rare_weight=max(query.rare_weight, context.query.rare_weight),
        focus=query.focus or context.query.focus,
    )


def with_citations(context: Context, answer: Answer) -> Context:
    """``context`` whose topic also holds the articles ``answer`` cites."""
    cited = frozenset(c.chunk.source for c in answer.citations)
    return context if cited <= context.sources else dataclasses.replace(context, sources=context.sources | cited)


def mixed_vector(vector: Any, context: Context) -> Any:
    """The question's vector plus the earlier reading's, at unit length (``None`` stays)."""
    import numpy as np

    if vector is None or context.vector is None or len(vector) != len(context.vector):
        return vector
    mixed = np.asarray(vector, dtype=np.float32) + np.asarray(context.vector, dtype=np.float32)
    return mixed / max(float(np.linalg.norm(mixed)), 1e-12)


def history_turns(history: Iterable[Any] | None) -> list[Turn]:
    """Earlier turns from what a caller gives: ``Turn``s, questions (strings), or mappings with a
    ``question`` and optionally an ``answer`` (the JSON of ``tanya ask --batch``). Anything else
    is a ``ValueError`` naming what was wrong."""
    if history is None:
        return []
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Iterable):
        raise ValueError("history must be a list of earlier questions (or question/answer objects)")
    turns = []
    for i, item in enumerate(history):
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, str):
            turns.append(Turn(item))
        elif isinstance(item, Mapping) and isinstance(item.get("question"), str):
            answer = item.get("answer")
            if answer is not None and not isinstance(answer, str):
                raise ValueError(f"history item {i + 1}: its answer must be text (or left out)")
            turns.append(Turn(item["question"], answer))
        else:
            raise ValueError(f"history item {i + 1} is neither a question nor an object with a question")
    return turns


@dataclass
class Conversation:
    """The turns of one conversation, the oldest dropped past ``max_turns``, all of them once
    the conversation has been quiet for ``max_age_s`` seconds."""

    max_turns: int = 6
    max_age_s: float = 1800.0
    clock: Callable[[], float] = time.monotonic
    turns: list[Turn] = field(default_factory=list)
    last_at: float = 0.0
    filters: dict[str, str] = field(default_factory=dict)  # since/until/source its first question set (/ask)
    added: int = 0  # turns added in all (``turns`` keeps the last ``max_turns``)

    def history(self) -> list[Turn]:
        """The turns still remembered."""
        if self.turns and self.clock() - self.last_at > self.max_age_s:
            self.turns.clear()
            self.filters = {}  # a conversation gone quiet starts over, filters and all
        return list(self.turns)

    def add(self, question: str, answer: Answer) -> None:
        """Remember an answered turn."""
        self.history()
        self.turns.append(Turn(question, answer.text, answer.context))
        del self.turns[: -self.max_turns]
        self.last_at = self.clock()
        self.added += 1

    def as_of(self, added: int) -> Conversation:
        """A copy of the conversation as it stood after its first ``added`` turns (a reply to an
        earlier answer branches off there: two replies to one answer are not read with each
        other's turn, even when answered at the same time). Turns older than ``max_turns`` before
        that point are gone, as they are from the conversation itself."""
        kept = max(0, len(self.turns) - max(0, self.added - added))
        return dataclasses.replace(
            self, turns=self.turns[:kept], filters=dict(self.filters), added=min(added, self.added)
        )


class Conversations:
    """Conversations by key (a Discord thread, a reply chain), at most ``max_conversations``,
    the least recently used forgotten first; thread-safe."""

    def __init__(self, max_conversations: int = 1000, max_turns: int = 6, max_age_s: float = 1800.0) -> None:
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self.max_age_s = max_age_s
        # each key's conversation, and for an answer's key how many turns it had then
        self._items: OrderedDict[Any, tuple[Conversation, int | None]] = OrderedDict()
        self._lock = threading.Lock()

    def new(self) -> Conversation:
        """A conversation with this store's bounds, not filed under any key yet."""
        return Conversation(self.max_turns, self.max_age_s)

    def get(self, key: Any) -> Conversation | None:
        """The conversation under ``key``, if one is remembered: for a key filed ``as_it_is``,
        the conversation as it stood then (``Conversation.as_of``)."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            conversation, mark = found
            return conversation if mark is None else conversation.as_of(mark)

    def link(self, key: Any, conversation: Conversation, as_it_is: bool = False) -> Conversation:
        """File ``conversation`` under ``key`` too: a thread's, which goes on with it, or
        ``as_it_is`` an answer's (a reply to it continues the conversation from that answer)."""
        with self._lock:
            self._items[key] = (conversation, conversation.added if as_it_is else None)
            self._items.move_to_end(key)
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)
        return conversation

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def prefer_context(
    p_alone: float,
    p_followed: float,
    named_alone: float,
    named_followed: float,
    share: float,
    leaves_topic: bool = False,
) -> bool:
    """Whether to answer a question as a follow-up of the turn before it: when the answer model
    trusts that reading more by ``CONTEXT_MARGIN`` (probabilities ``p_*``), unless the question
    names more itself than the earlier turn did (``share`` of the two's named concepts at least
    ``NEW_SUBJECT_SHARE``) and the follow-up reading's answer drops some of it (``named_*``: the
    shares of the question's own concepts the best answer's passage holds in each reading). So
    "trus kapan?" takes its subject from before, and "bus trans seruni sekali ngecas bisa jalan
    berapa km?" after a question on TikTok is answered (or refused) on its own.

    A question that says less than the earlier turn (``share`` under ``NEW_SUBJECT_SHARE``) and
    whose own reading ``leaves_topic`` (its answer would come from outside the conversation's
    articles, while the follow-up reading's comes from them: ``FollowUpReader.strays``) is read
    as a follow-up whatever the probabilities, as long as that reading's answer holds as much of
    what the question names: "knp tuh?" after a question on TikTok's layoffs is asked of the
    TikTok article (and answered or refused there), however well an article on landforms
    answers "kenapa"."""
    if leaves_topic and share < NEW_SUBJECT_SHARE and named_followed >= named_alone:
        return True
    if p_followed <= p_alone + CONTEXT_MARGIN:
        return False
    return share < NEW_SUBJECT_SHARE or named_followed >= named_alone


def named(query: ParsedQuery) -> list[Concept]:
    """The concepts a question names (not the words that ask, like "kenapa" or "berapa")."""
    return [c for c in query.concepts if question_type(c.surface) is None]


class FollowUpReader:
    """Reads a question on its own or as a follow-up (``prefer_context``), with the chain's
    retriever and extractive answerer (whose answer model judges both readings). ``normalize``
    cleans an earlier question given as text, as the chain cleans a question."""

    def __init__(
        self, retriever: HybridRetriever, extractive: ExtractiveAnswerer, normalize: Callable[[str], str]
    ) -> None:
        self.retriever = retriever
        self.extractive = extractive
        self.normalize = normalize

    def answer_passage(self, retrieval: Retrieval) -> PassageCandidate | None:
        """The passage a reading's answer would quote first: that of its best sentence."""
        ranked = self.extractive.rank_sentences(retrieval)
        return ranked[0].passage if ranked else None

    def subject_coverage(self, retrieval: Retrieval, alone: Retrieval) -> float:
        """How much of what the question itself names the passage of a reading's best answer holds."""
        passage, own = self.answer_passage(retrieval), named(alone.query)
        if passage is None or not own:
            return 0.0
        present = frozenset().union(*(terms for _, terms in passage.sentences))
        return sum(c.weight for c in own if c.found_in(present)) / (sum(c.weight for c in own) or 1.0)

    def strays(self, retrieval: Retrieval, context: Context) -> bool:
        """Whether a reading's answer would come from outside the articles the conversation was
        answered from (never when those are unknown)."""
        passage = self.answer_passage(retrieval)
        return bool(context.sources) and passage is not None and passage.chunk.source not in context.sources

    @staticmethod
    def says_more(alone: Retrieval, context: Context) -> float:
        """The share of the question's own named concepts among its and the earlier turn's
        together: a follow-up says little itself ("trus kapan?"), a new question says more."""
        own, earlier = len(named(alone.query)), len(named(context.query))
        return own / (own + earlier) if own + earlier else 0.0

    def read(self, question: str, context: Context | None, within: Scope | None = None) -> Retrieval:
        """The question's retrieval on its own, or as a follow-up of ``context``, among the
        articles ``within`` lets through."""
        alone = self.retriever.search(question, within=within)
        if context is None:
            return alone
        followed = self.retriever.search_in_context(alone, context)
        if prefer_context(
            self.extractive.probability(alone),
            self.extractive.probability(followed),
            self.subject_coverage(alone, alone),
            self.subject_coverage(followed, alone),
            self.says_more(alone, context),
            leaves_topic=self.strays(alone, context) and not self.strays(followed, context),
        ):
            return followed
        return alone

    def context_before(self, history: Sequence[Turn], within: Scope | None = None) -> Context | None:
        """How the last earlier turn was read (``None`` without history); turns given as text
        are read again in order, each with the one before it."""
        context = None
        for turn in history[-MAX_REPLAYED_TURNS:]:
            if turn.context is not None:
                context = turn.context
                continue
            try:
                earlier = self.read(self.normalize(turn.question), context, within)
            except BadInput:  # an earlier question that cannot be asked is skipped
                continue
            context = with_citations(earlier.context, self.extractive.answer_retrieval(earlier))
        return context
