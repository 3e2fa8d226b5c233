"""The Discord front end: a ``commands.Bot`` that takes the answering chain and index as
dependencies. Answering runs in worker threads under a concurrency limit, so the gateway
heartbeat never waits on retrieval; every message allows no mentions."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import discord
from discord.ext import commands
from langchain_core.runnables import Runnable

from bot.chain.answer import Answer
from bot.chain.conversation import Conversation, Conversations
from bot.discord.feedback import FeedbackStore
from bot.discord.formatting import split_message
from bot.settings import Settings
from ingest.loaders import Fetcher
from ingest.store.index import Index

logger = logging.getLogger(__name__)

COGS = ("bot.discord.cogs.errors", "bot.discord.cogs.ask", "bot.discord.cogs.library")
NO_MENTIONS = discord.AllowedMentions.none()
T = TypeVar("T")


# How many attempts the rate limiter records between sweeps of the users it no longer needs to
# remember: it holds at most the users of one window and this many more.
SWEEP_EVERY = 256


class RateLimiter:
    """At most ``limit`` events per user in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[int, deque[float]] = defaultdict(deque)
        self._calls = 0

    def retry_after(self, user_id: int) -> float:
        """Record an attempt; return 0 when allowed, else the seconds until the next one is."""
        now = self.clock()
        self._calls += 1
        if self._calls % SWEEP_EVERY == 0:  # users quiet for a whole window are forgotten
            for quiet in [u for u, ev in self._events.items() if not ev or now - ev[-1] >= self.window]:
                del self._events[quiet]
        events = self._events[user_id]
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return self.window - (now - events[0])
        events.append(now)
        return 0.0


# Keys of conversations remembered at once (a thread, or each answer of a reply chain; the least
# recently used is forgotten first, so a long reply chain may push out older conversations).
CONVERSATIONS = 2000


class TanyaBot(commands.Bot):
    """The bot; build it with ``make_bot`` (or pass real small components in tests)."""

    def __init__(
        self,
        *,
        chain: Runnable[Any, Answer],
        index: Index,
        settings: Settings,
        feedback: FeedbackStore,
        fetcher: Fetcher,
        sync_commands: bool = True,
        intents: discord.Intents | None = None,
    ) -> None:
        # tanya never joins voice; don't warn that voice libraries are missing.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or default_intents(),
            allowed_mentions=NO_MENTIONS,
            help_command=None,
        )
        self.chain = chain
        self.index = index
        self.settings = settings
        self.feedback = feedback
        self.fetcher = fetcher
        self.sync_commands = sync_commands
        self.cooldown = RateLimiter(settings.discord.cooldown_per_minute)
        self.workers = ThreadPoolExecutor(max_workers=settings.discord.concurrency, thread_name_prefix="tanya-worker")
        self.slots = asyncio.Semaphore(settings.discord.concurrency)
        # Follow-ups: a conversation per thread the bot answers in and per reply chain, in memory.
        self.conversations = Conversations(
            max_conversations=CONVERSATIONS,
            max_turns=settings.discord.conversation_turns,
            max_age_s=settings.discord.conversation_minutes * 60,
        )

    async def setup_hook(self) -> None:
        """Load the cogs; sync slash commands (to the development guild at once, when set)."""
        for name in COGS:
            await self.load_extension(name)
        settle_memory()
        if not self.sync_commands:
            return
        guild_id = self.settings.discord.guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        """Mentions are handled by the ask cog; there are no prefix commands to process."""

    async def close(self) -> None:
        await super().close()
        self.workers.shutdown(wait=False, cancel_futures=True)

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in a worker thread, at most ``discord_concurrency`` at once."""
        async with self.slots:
            return await asyncio.get_running_loop().run_in_executor(self.workers, fn, *args)

    async def answer(
        self,
        question: str,
        on_text: Callable[[str], None] | None = None,
        conversation: Conversation | None = None,
        filters: dict[str, str] | None = None,
    ) -> Answer:
        """Answer with the shared chain, off the event loop, consuming its stream; ``on_text``
        (called in the worker thread) gets the verified text so far of an answer that is written
        piece by piece (LLM mode). With a ``conversation``, the question is read with its earlier
        turns and searches the articles its filters (``since``, ``until``, ``source``) let
        through (``filters``, when given, for this question instead), and the answered turn joins it."""
        history = conversation.history() if conversation is not None else []
        if filters is None:
            filters = conversation.filters if conversation is not None else {}
        fields: dict[str, Any] = {**filters, **({"history": history} if history else {})}
        asked: Any = {"question": question, **fields} if fields else question

        def consume() -> Answer:
            final: Answer | None = None
            for answer in self.chain.stream(asked):
                final = answer
                if answer.partial and on_text is not None:
                    on_text(answer.text)
            assert final is not None
            return final

        answer = await self.run_blocking(consume)
        if conversation is not None:
            conversation.add(question, answer)
        return answer

    def channel_allowed(self, channel_id: int | None) -> bool:
        """Whether the bot answers in the channel of this id (TANYA_DISCORD_CHANNELS; all when empty)."""
        allowed = self.settings.discord.channel_ids
        return not allowed or channel_id in allowed

    def allows(self, channel: Any, channel_id: int | None) -> bool:
        """Whether the bot takes questions and commands in ``channel`` (its id ``channel_id``): a
        thread counts as its parent channel. Channel ids are unique across Discord, so a server
        the bot was merely invited to holds none of the allowed ones."""
        return self.channel_allowed(getattr(channel, "parent_id", None) or channel_id)

    async def on_ready(self) -> None:
        logger.info("connected as %s to %d server(s)", self.user, len(self.guilds))


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred, in as
    many messages as Discord's length limit needs (a report of an ``/add`` names every input)."""
    for part in split_message(content) or [content]:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(part, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:  # the next part may still go through
            logger.warning("could not send a private reply", exc_info=True)


def default_intents() -> discord.Intents:
    """Guilds and guild messages; no privileged intent (Discord sends the text of messages that
    mention the bot without the message-content intent)."""
    intents = discord.Intents.default()
    intents.message_content = False
    return intents


def settle_memory() -> None:
    """Put every object alive at start-up (modules, models, word lists) out of the garbage
    collector's sight: they live as long as the process, and each full collection walking them
    stalled the event loop for 140-340 ms while 200 questions were answered (bench/loop_lag.py).
    Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()


def make_bot(chain: Runnable[Any, Answer], index: Index, settings: Settings) -> TanyaBot:
    """Return the bot wired to the chain, the index and a feedback store in the data dir."""
    fetcher = Fetcher.from_settings(settings.index, allow_private=settings.discord.allow_private_urls)
    feedback = FeedbackStore(Path(settings.index.data_dir).expanduser() / "feedback.sqlite3")
    return TanyaBot(chain=chain, index=index, settings=settings, feedback=feedback, fetcher=fetcher)


async def run_bot(bot: TanyaBot, token: str) -> None:
    """Connect and serve until stopped."""
    async with bot:
        await bot.start(token)
