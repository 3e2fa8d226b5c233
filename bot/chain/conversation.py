"""A conversation's memory: its turns, bounded in turns and age, and the conversations of a
Discord channel by thread or reply chain.

``Conversation`` keeps the turns of one conversation (a ``tanya chat`` session, a Discord thread
or reply chain); ``Conversations`` keeps many, the least recently used forgotten first;
``history_turns`` reads the turns a caller gives (``tanya ask --batch``'s ``history``). How a
question is read with the turns before it is ``bot.chain.followup``'s.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.chain.answer import Answer
from bot.chain.context import Context


@dataclass(frozen=True)
class Turn:
    """An earlier turn: its question, its answer's text, and how it was read (when known)."""

    question: str
    answer: str | None = None
    context: Context | None = None


def with_citations(context: Context, answer: Answer) -> Context:
    """``context`` whose topic also holds the articles ``answer`` cites, and the article of each
    citation in their order (a follow-up may name one by its number: "yang kedua soal apa?")."""
    citations = sorted(answer.citations, key=lambda c: c.n)
    order = tuple(c.chunk.source for c in citations)
    if not order:
        return context
    said = tuple((c.chunk, c.quote) for c in citations)
    best = [(c.chunk, answer.best) for c in citations if answer.best is not None and answer.best in c.quote]
    said = tuple(best[:1]) + said  # the best sentence first, when the answer says which it is
    return dataclasses.replace(context, sources=context.sources | frozenset(order), cited=order, said=said)


def context_after(context: Context, keeps: Context | None, answer: Answer) -> Context:
    """What a turn read as ``context`` and answered with ``answer`` leaves for the next: ``keeps``
    (the conversation before it) when it was a new subject no article holds and was refused
    (``bot.chain.followup``), else ``context`` with the articles ``answer`` cites."""
    return keeps if keeps is not None and answer.abstained else with_citations(context, answer)


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
        # by the last turn's time, even when a copy as of an earlier answer (``as_of``) keeps none
        # of its turns: its filters had outlived the quiet
        if self.added and self.clock() - self.last_at > self.max_age_s:
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

    def as_of(self, added: int, turns: list[Turn]) -> Conversation:
        """A copy of the conversation as it stood after its first ``added`` turns, whose last
        ``max_turns`` were ``turns`` (a reply to an earlier answer branches off there: two replies
        to one answer are not read with each other's turn, even when answered at the same time).
        The turns are those kept then, not worked back from the turns kept now: once the
        conversation had gone past ``max_turns``, a reply to its first answer had been read with
        no turn at all (a hostile test)."""
        return dataclasses.replace(self, turns=list(turns), filters=dict(self.filters), added=min(added, self.added))

    def stand(self) -> Stand:
        """How the conversation stands now, to be read as it stood later (``as_it_stood``)."""
        return Stand(self.added, tuple(self.history()), dict(self.filters), self.last_at)

    def as_it_stood(self, stand: Stand, alive_at: float | None = None) -> Conversation:
        """A copy of the conversation as it stood at ``stand`` (``as_of``), with the filters it had
        then, not ones set later in its thread: what a reply to an answer goes on from, and what an
        edited question is read with (``bot.discord.cogs.ask``). It is quiet since its last turn
        then, or since ``alive_at`` (an edited question, asked while it was alive), not since the
        turns its thread had later: a reply to an answer that went quiet and was forgotten, its
        thread since started over by another question, had brought its turns and filters back (a
        hostile tester's)."""
        then = self.as_of(stand.added, list(stand.turns))
        then.filters = dict(stand.filters)
        then.last_at = stand.at if alive_at is None else alive_at
        return then


@dataclass(frozen=True)
class Stand:
    """A conversation as it stood (``Conversation.stand``): the turns it had had in all, those it
    kept then (at most its ``max_turns``), its filters, and when its last turn was."""

    added: int
    turns: tuple[Turn, ...]
    filters: Mapping[str, str]
    at: float  # the time of its last turn then (``Conversation.last_at``)


class Conversations:
    """Conversations by key (a Discord thread, a reply chain), at most ``max_conversations``,
    the least recently used forgotten first; thread-safe."""

    def __init__(self, max_conversations: int = 1000, max_turns: int = 6, max_age_s: float = 1800.0) -> None:
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self.max_age_s = max_age_s
        # each key's conversation, and for an answer's key how it stood then
        self._items: OrderedDict[Any, tuple[Conversation, Stand | None]] = OrderedDict()
        self._lock = threading.Lock()

    def new(self) -> Conversation:
        """A conversation with this store's bounds, not filed under any key yet."""
        return Conversation(self.max_turns, self.max_age_s)

    def get(self, key: Any) -> Conversation | None:
        """The conversation under ``key``, if one is remembered: for a key filed ``as_it_is``,
        the conversation as it stood then (``Conversation.as_it_stood``)."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            conversation, stand = found
            return conversation if stand is None else conversation.as_it_stood(stand)

    def link(self, key: Any, conversation: Conversation, as_it_is: bool = False) -> Conversation:
        """File ``conversation`` under ``key`` too: a thread's, which goes on with it, or
        ``as_it_is`` an answer's (a reply to it continues the conversation from that answer)."""
        with self._lock:
            self._items[key] = (conversation, conversation.stand() if as_it_is else None)
            self._items.move_to_end(key)
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)
        return conversation

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
