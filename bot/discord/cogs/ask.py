"""Asking: ``/ask``, @mentions, follow-ups (a reply to one of the bot's answers, a message in a
thread the bot opened), the 👍/👎 buttons and "Show passage"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.chain.answer import Answer
from bot.chain.build import normalize_question
from bot.chain.conversation import Conversation, Stand
from bot.chain.normalization import has_words
from bot.discord.app import NO_MENTIONS, send_ephemeral
from bot.discord.cogs.errors import APOLOGY, reply_for
from bot.discord.formatting import Reply, answer_replies, passage_messages, plain_text, preview_content
from ingest.corpus import bundled_articles_dir
from ingest.errors import BadInput, TanyaError, how_many

if TYPE_CHECKING:
    from bot.discord.app import TanyaBot
    from ingest.store.index import Index

logger = logging.getLogger(__name__)

# Answered from the bundled article (tests/bot/test_answering.py asks it).
HINT_QUESTION = "Berapa karyawan TikTok yang terkena PHK?"
EMPTY_MENTION = f"Ask me something after the mention, for example: `@tanya {HINT_QUESTION}`"
# For an index without the bundled article, whose articles the hint cannot know to ask about: a
# question about the news itself is answered from any index (the lead of its latest article).
ANY_INDEX_QUESTION = "ada berita apa?"
EMPTY_MENTION_ANY = (
    f"Ask me something about the indexed news after the mention, for example: `@tanya {ANY_INDEX_QUESTION}`; "
    "`/sources` lists the articles."
)


def mention_hint(index: Index) -> str:
    """What a mention with no question is told: the example question when the bundled article it
    is answered from is indexed, else where to see what can be asked about."""
    bundled = sorted(bundled_articles_dir().glob("*.txt"))
    return EMPTY_MENTION if any(index.find_source(str(path)) for path in bundled) else EMPTY_MENTION_ANY


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tanya:vote:(?:(?P<store>[0-9a-f]{8}):)?(?P<id>\d+):(?P<vote>up|down)",
):
    """👍 or 👎 on an answer; works after a restart (the answer id is in the custom id, with the
    feedback store's ``token``: a store made afresh numbers its answers from 1 again, and an old
    button had counted for a new answer. A button posted before buttons carried it has none)."""

    def __init__(self, answer_id: int, vote: str, store: str | None = None) -> None:
        within = f"{store}:" if store else ""
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"tanya:vote:{within}{answer_id}:{vote}",
            )
        )
        self.answer_id = answer_id
        self.vote = vote
        self.store = store

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],  # type: ignore[override]
        match: re.Match[str],
    ) -> VoteButton:
        return cls(int(match["id"]), match["vote"], match["store"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: TanyaBot = interaction.client  # type: ignore[assignment]
        try:
            stored = await bot.run_blocking(
                bot.feedback.vote, self.answer_id, interaction.user.id, 1 if self.vote == "up" else -1, self.store
            )
        except Exception as exc:  # a full disk, a locked store: the user is told, not left waiting
            await send_ephemeral(interaction, reply_for(exc, "vote"))
            return
        await send_ephemeral(interaction, "Thanks for the feedback!" if stored else "That answer is no longer known.")


class PassageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tanya:passage:(?P<n>\d+):(?P<chunk>[\w-]+)"
):
    """Shows the whole passage behind citation [n], privately."""

    def __init__(self, n: int, chunk_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Show passage [{n}]",
                style=discord.ButtonStyle.secondary,
                custom_id=f"tanya:passage:{n}:{chunk_id}",
            )
        )
        self.n = n
        self.chunk_id = chunk_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],  # type: ignore[override]
        match: re.Match[str],
    ) -> PassageButton:
        return cls(int(match["n"]), match["chunk"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: TanyaBot = interaction.client  # type: ignore[assignment]
        try:
            chunks = await bot.run_blocking(bot.index.chunks, [self.chunk_id])
        except Exception as exc:  # the index away: said, as for /ask
            await send_ephemeral(interaction, reply_for(exc, "passage"))
            return
        chunk = chunks.get(self.chunk_id)
        if chunk is None:
            await send_ephemeral(interaction, "That passage is no longer in the index.")
            return
        for part in passage_messages(f"[{self.n}] {chunk.title}", chunk.text):
            await send_ephemeral(interaction, part)


def answer_view(answer_id: int | None, answer: Answer, store: str | None = None) -> discord.ui.View:
    """Buttons under an answer: votes (when the answer could be recorded, ``answer_id``, in the
    feedback store of ``token`` ``store``), then one "Show passage" per citation."""
    view = discord.ui.View(timeout=None)
    if answer_id is not None:
        view.add_item(VoteButton(answer_id, "up", store))
        view.add_item(VoteButton(answer_id, "down", store))
    for citation in answer.citations[:20]:
        view.add_item(PassageButton(citation.n, citation.chunk.chunk_id))
    return view


def strip_mentions(content: str, bot_id: int, role_id: int | None = None) -> str:
    """The question in a message that mentions the bot, without the mention itself (and without
    a mention of the bot's own role, ``role_id``)."""
    content = re.sub(rf"<@!?{bot_id}>", " ", content)
    if role_id is not None:
        content = re.sub(rf"<@&{role_id}>", " ", content)
    return content.strip()


def own_role(message: discord.Message) -> int | None:
    """The id of the bot's own (managed) role in the message's server when the message mentions
    it: typing "@tanya", Discord's picker often picks that role, and the message had been left
    unanswered without a word (a hostile test)."""
    guild = message.guild
    role = guild.self_role if guild is not None else None
    return role.id if role is not None and role in message.role_mentions else None


Post = Callable[..., Awaitable[Any]]


class LivePreview:
    """Shows an answer while it is written (LLM mode): one message, edited at most once every
    ``interval`` seconds with the verified text so far. ``on_text`` runs in a worker thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, post: Post, interval: float = 1.0) -> None:
        self.loop = loop
        self.post = post
        self.interval = interval
        self.message: Any = None
        self.edits = 0
        self._latest = ""
        self._last = -math.inf
        self._pending = False
        self._lock = threading.Lock()
        self._futures: list[Any] = []

    def on_text(self, text: str) -> None:
        with self._lock:
            self._latest = text
            if self._pending or time.monotonic() - self._last < self.interval:
                return
            self._pending = True
            self._last = time.monotonic()
        self._futures.append(asyncio.run_coroutine_threadsafe(self._show(), self.loop))

    async def _show(self) -> None:
        with self._lock:
            content = preview_content(self._latest)
        try:
            if self.message is None:
                self.message = await self.post(content, allowed_mentions=NO_MENTIONS)
            else:
                await self.message.edit(content=content, allowed_mentions=NO_MENTIONS)
            self.edits += 1
        except discord.HTTPException:
            logger.warning("could not show the answer so far", exc_info=True)
        finally:
            with self._lock:
                self._pending = False
                self._last = time.monotonic()

    async def settle(self) -> None:
        """Wait for the edits already scheduled, so the final message lands after them."""
        for future in self._futures:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(future)


async def deliver(replies: list[Reply], view: discord.ui.View | None, post: Post, preview: LivePreview) -> list[Any]:
    """Send the answer's messages (the first replaces the preview, if one was shown); return them."""
    await preview.settle()
    sent: list[Any] = []
    for i, reply in enumerate(replies):
        kwargs: dict[str, Any] = {"embeds": reply.embeds, "allowed_mentions": NO_MENTIONS}
        if i == len(replies) - 1 and view is not None:
            kwargs["view"] = view
        if i == 0 and preview.message is not None:
            await preview.message.edit(content=reply.content, **kwargs)
            sent.append(preview.message)
        else:
            sent.append(await post(reply.content, **kwargs))
    return [message for message in sent if message is not None]


NOT_HERE = "I only answer questions in the channels I was set up for."


@dataclass
class Asked:
    """A message the bot answered, kept so that when its author edits it, the edit is answered in
    its place: the text answered, the conversation as it stood before the answer, the answer's
    messages (removed once the new answer is out) and where they were posted. One per message,
    updated by each answer to an edit; its lock is held while the message is answered, so that an
    edit made meanwhile waits for that answer and then replaces it."""

    content: str  # the text last answered
    conversation: Conversation  # the conversation its answer was given in
    stood: Stand  # how that conversation stood before the answer
    post: Post
    answered_in: int
    thread: Any = None
    sent: list[Any] = field(default_factory=list)
    latest: str = ""  # the text of the newest edit seen (an older edit still waiting is not answered)
    at: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # whether its answer's turn joined ``conversation`` (none for a refusal: the cooldown, a
    # question too long; nor for a failure to answer): turns past ``stood`` and it are others'
    # (``AskCog.went_on``)
    turned: bool = False

    @classmethod
    def now(cls, content: str, conversation: Conversation, post: Post, answered_in: int, thread: Any = None) -> Asked:
        """``content`` about to be answered in ``conversation`` as it stands now."""
        return cls(content, conversation, conversation.stand(), post, answered_in, thread, latest=content)

    def before(self) -> Conversation:
        """The conversation as it stood before the answer (``Conversation.as_it_stood``): an
        edited question is read with the turns before it, not with its own first answer, and as
        alive as when it was asked."""
        return self.conversation.as_it_stood(self.stood, alive_at=self.at)


# Answered messages kept for their edits: the most recent ones, for as long as a conversation is
# remembered (``TANYA_DISCORD_CONVERSATION_MINUTES``)
ASKED_KEPT = 1000


class AskCog(commands.Cog):
    """Questions by slash command or mention, answered with cited sources."""

    def __init__(self, bot: TanyaBot) -> None:
        self.bot = bot
        self.asked: OrderedDict[tuple[int, int], Asked] = OrderedDict()

    def keep_asked(self, message: Any, asked: Asked) -> None:
        """Remember that ``message`` was answered (``Asked``), the oldest forgotten past ``ASKED_KEPT``."""
        key = (message.channel.id, message.id)
        self.asked[key] = asked
        self.asked.move_to_end(key)
        while len(self.asked) > ASKED_KEPT:
            self.asked.popitem(last=False)

    def refusal(self, user_id: int) -> str | None:
        """Why this user may not ask now (the cooldown), or None."""
        wait = self.bot.cooldown.retry_after(user_id)
        if wait > 0:
            limit = self.bot.settings.discord.cooldown_per_minute
            return f"Easy there! You can ask {how_many(limit, 'question')} a minute; try again in {wait:.0f} s."
        return None

    def askable(self, question: str) -> bool:
        """Whether the chain takes ``question`` at all (words, not too long)."""
        try:
            normalize_question(question, self.bot.settings.answering.max_question_chars)
        except BadInput:
            return False
        return True

    def replied(self, channel_id: int, replied_to: int | None) -> Conversation | None:
        """The conversation of the bot's answer a message in ``channel_id`` replies to, if any
        (keys hold the channel, so a conversation never crosses channels)."""
        return None if replied_to is None else self.bot.conversations.get(("reply", channel_id, replied_to))

    def in_thread(self, channel_id: int) -> Conversation | None:
        """The conversation of the thread ``channel_id``, when the bot opened it."""
        return self.bot.conversations.get(("thread", channel_id))

    def own_thread(self, channel: Any) -> discord.Thread | None:
        """``channel`` when it is a thread the bot opened: the thread is the conversation, filed
        again under it with each answer there (after a restart, or once pushed out of the bounded
        store, every mention there had been a first question)."""
        me = self.bot.user
        owned = isinstance(channel, discord.Thread) and me is not None and channel.owner_id == me.id
        return channel if owned else None

    def remember(self, conversation: Conversation, sent: list[Any], channel_id: int, thread: Any = None) -> None:
        """File ``conversation`` under the bot's answer (a reply to it continues it) and under the
        thread the bot opened for it (any message there continues it)."""
        for message in sent:  # every part of a long answer: a reply to any continues it
            self.bot.conversations.link(("reply", channel_id, message.id), conversation, as_it_is=True)
        if thread is not None:
            self.bot.conversations.link(("thread", thread.id), conversation)

    async def respond(
        self,
        question: str,
        preview: LivePreview,
        conversation: Conversation | None = None,
        filters: dict[str, str] | None = None,
    ) -> tuple[Answer | None, str | None]:
        """The answer, or a message saying why there is none; for a failure nothing foresaw once a
        preview was shown (LLM mode), the apology, which replaces the preview rather than leaving
        a half-written answer with a citation to nothing above it (a hostile test)."""
        try:
            return await self.bot.answer(question, preview.on_text, conversation, filters), None
        except TanyaError as exc:  # a question it cannot take, a busy or unreachable index
            return None, reply_for(exc, "ask")
        except Exception:
            await preview.settle()
            if preview.message is None:  # nothing shown yet: the error handlers apologise (privately, for /ask)
                raise
            logger.exception("answering failed after a preview was shown")
            return None, APOLOGY

    async def prepared(self, answer: Answer) -> tuple[list[Reply], discord.ui.View | None]:
        replies = answer_replies(answer)
        if answer.says_nothing or answer.chat:  # an abstention or a chat reply: nothing to vote on or to show
            return replies, None
        try:
            answer_id = await self.bot.run_blocking(self.bot.feedback.record_answer, answer)
        except Exception:  # a full disk, a locked store: the answer still goes out, without votes
            logger.warning("could not record an answer for its vote buttons", exc_info=True)
            return replies, answer_view(None, answer)
        return replies, answer_view(answer_id, answer, self.bot.feedback.token)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="Your question about the indexed news articles",
        since="Only articles published on or after this day (YYYY-MM-DD)",
        until="Only articles published on or before this day (YYYY-MM-DD)",
        source="Only articles whose source, link, title or outlet contains this",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
    ) -> None:
        """Ask a question; the answer cites the article passages it comes from."""
        refusal = (
            self.refusal(interaction.user.id)
            if self.bot.allows(interaction.channel, interaction.channel_id)
            else NOT_HERE
        )
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(thinking=True)

        async def post(content: str, **kwargs: Any) -> Any:
            return await interaction.followup.send(content, wait=True, **kwargs)

        preview = LivePreview(asyncio.get_running_loop(), post)
        channel_id = interaction.channel_id or 0
        conversation = self.in_thread(channel_id) or self.bot.conversations.new()
        filters = {k: v for k, v in (("since", since), ("until", until), ("source", source)) if v}
        answer, problem = await self.respond(question, preview, conversation, filters or None)
        if answer is None:
            await deliver([Reply(problem or APOLOGY)], None, post, preview)
            return
        if filters and not answer.says_nothing:  # its follow-ups search the same articles (not a refused
            conversation.filters = filters  # question's, nor filters no article passes)
        replies, view = await self.prepared(answer)
        sent = await deliver(replies, view, post, preview)
        thread = None
        if (
            self.bot.settings.discord.threads
            and sent
            and interaction.guild is not None
            and getattr(interaction.channel, "parent_id", None) is None  # a thread: Discord opens none inside one
        ):
            # from the channel, on the answer: the message a followup returns has no guild, and
            # discord.py refuses to open a thread on it (ValueError; a hostile test: every /ask in
            # thread mode was followed by an apology and its answer was not kept for replies)
            opener = getattr(interaction.channel, "create_thread", None)
            try:
                if opener is not None:
                    thread = await opener(name=_thread_name(question), message=sent[-1])
            except (discord.HTTPException, TypeError, ValueError):  # no permission, no threads: the answer stands
                logger.warning("could not open a thread for an answer", exc_info=True)
        self.remember(conversation, sent, channel_id, thread or self.own_thread(interaction.channel))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A question the bot answered, edited by its author (a typo mended, a word added), is
        answered again: the new answer is posted where the old one was (as a reply, or in the
        thread the bot opened for it), read with the conversation as it stood before the
        question, and the old answer's messages are then removed. The raw event, so that an edit
        is seen whether or not discord.py still holds the message. An edit made while the message
        is being answered waits for that answer; of several quick edits the newest is answered.
        Edits that leave the text as answered (Discord edits a message to show a link's preview),
        of a message the bot did not answer or answered longer ago than a conversation is
        remembered, are left alone."""
        me, message = self.bot.user, payload.message
        if message.author.bot or me is None:
            return
        asked = self.asked.get((payload.channel_id, payload.message_id))
        if asked is None or time.monotonic() - asked.at > self.bot.conversations.max_age_s:
            return
        asked.latest = message.content
        async with asked.lock:
            if asked.latest != message.content or message.content == asked.content:
                return  # a newer edit answers instead, or the text is as answered
            await apologising(message, self.answer_mention(message, me.id, asked.before(), again=asked), "an edit")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None:
            return
        replied_to = message.reference.message_id if message.reference is not None else None
        replied = self.replied(message.channel.id, replied_to)
        if replied is None and me not in message.mentions and own_role(message) is None:
            return  # chatter in a thread the bot opened is left alone (the README says so)
        # in a thread the bot opened, the thread is the conversation, whichever answer is replied to
        conversation = self.in_thread(message.channel.id) or replied
        await apologising(message, self.answer_mention(message, me.id, conversation), "a mention")

    async def answer_mention(
        self,
        message: discord.Message,
        bot_id: int,
        conversation: Conversation | None = None,
        again: Asked | None = None,
    ) -> None:
        """Answer a message that mentions the bot or continues a conversation with it, as a reply
        (or in a new thread), reading it with that conversation's earlier turns; ``again``, the
        answer it had before it was edited, whose messages the new answer replaces where they were."""
        question = strip_mentions(message.content, bot_id, own_role(message))
        if not has_words(question):  # only other members, roles
            question = ""
        if not question and (conversation is not None or again is not None):
            return  # an empty follow-up in a thread is just chatter; an edit to nothing keeps its answer
        # not set up for it: it says nothing there. An edit of a message it answered was asked
        # where it answers; discord.py gives a thread it no longer holds as a bare channel with no
        # parent, which an allow-list of channels had refused, the edit left unanswered (a hostile
        # tester's)
        if again is None and not self.bot.allows(message.channel, message.channel.id):
            return
        thread = None
        answered_in = message.channel.id

        async def as_reply(content: str, **kwargs: Any) -> Any:
            return await message.reply(content, mention_author=False, **kwargs)

        refusal = self.refusal(message.author.id)  # the hint too
        if refusal or not question:
            text = refusal or await self.bot.run_blocking(mention_hint, self.bot.index)
            told = await message.reply(text, allowed_mentions=NO_MENTIONS)
            if again is None:  # "@tanya" alone, then edited to ask: the edit is answered
                asked = Asked.now(message.content, conversation or self.bot.conversations.new(), as_reply, answered_in)
                asked.sent = [told]
                self.keep_asked(message, asked)
            return  # an edit past the cooldown keeps the answer it had
        with contextlib.suppress(discord.HTTPException):
            await message.channel.typing()  # one "tanya is typing…" (lasts ~10 s); cosmetic

        post: Post = as_reply
        if again is not None:  # where the answer it replaces was
            post, answered_in, thread = again.post, again.answered_in, again.thread
        elif (
            self.bot.settings.discord.threads
            and conversation is None  # a follow-up is answered where it was asked
            and message.guild is not None
            and not isinstance(message.channel, discord.Thread)
            and self.askable(question)  # no thread for a question that will only be refused
        ):
            try:
                thread = await message.create_thread(name=_thread_name(question))
            except discord.HTTPException:  # no permission, a channel with no threads: answered as a reply
                logger.warning("could not open a thread for a question", exc_info=True)
            else:
                post, answered_in = thread.send, thread.id

        conversation = conversation or self.bot.conversations.new()
        if again is None:
            asked = Asked.now(message.content, conversation, post, answered_in, thread)
            self.keep_asked(message, asked)  # an edit made while it is answered waits for the answer
            async with asked.lock:
                await self.answer_into(message, question, conversation, asked)
            return
        again.content = message.content
        await self.answer_into(message, question, conversation, again, replacing=list(again.sent), edit=True)

    async def answer_into(
        self,
        message: discord.Message,
        question: str,
        conversation: Conversation,
        asked: Asked,
        replacing: Sequence[Any] = (),
        edit: bool = False,
    ) -> None:
        """Answer ``question`` where ``asked`` says, then remove the messages of the answer it
        ``replacing`` (an ``edit``'s; kept when no answer came), and file the conversation under
        the answer, and under its thread unless the edit's answer branches off (``went_on``)."""
        preview = LivePreview(asyncio.get_running_loop(), asked.post)
        answer, problem = await self.respond(question, preview, conversation)
        if answer is None:
            sent = await deliver([Reply(problem or APOLOGY)], None, asked.post, preview)
            asked.sent = [*replacing, *sent]  # the answer it had stands; a later edit replaces both
            return
        # its turn is in the conversation now, whether or not its answer can be shown (an edit's
        # is in its own copy: ``went_on`` reads how the answer it replaces left the thread)
        if not edit:
            asked.turned = True
        replies, view = await self.prepared(answer)
        sent = await deliver(replies, view, asked.post, preview)
        # kept with the message: its edit may come with a bare channel, no thread (discord.py's
        # for a thread it no longer holds)
        thread = asked.thread = asked.thread or self.own_thread(message.channel)
        # decided once the answer is out, not before: a question asked in the thread meanwhile
        # is one of its later turns (a hostile tester's); and the conversation filed at once,
        # before the old answer is removed, so that none answered during that is lost (a review's)
        branch = edit and self.went_on(thread, asked)
        asked.sent, asked.conversation, asked.at, asked.turned = sent, conversation, time.monotonic(), True
        self.remember(conversation, sent, asked.answered_in, None if branch else thread)
        for old in replacing:  # the bot's own messages: it may always remove them
            with contextlib.suppress(discord.HTTPException):
                await old.delete()

    def went_on(self, thread: Any, asked: Asked) -> bool:
        """Whether ``thread`` (the bot's, where ``asked`` was answered) went on past the question
        an edit replaces: another conversation is filed under it now, or the one ``asked`` was
        answered in has had turns since (another member's question, answered before or while the
        edit was). The edit's new answer then branches off there (a reply to it goes on from it),
        and the thread goes on with its later turns. Counting turns since the question's own,
        not one turn past it: a refused question has none, and a member's question after it had
        been taken for its answer, and dropped from the thread by the edit (a hostile tester's)."""
        if thread is None:
            return False
        now = self.in_thread(thread.id)
        own = asked.stood.added + asked.turned  # the turns it stood on, and its own
        return now is not None and (now is not asked.conversation or asked.conversation.added > own)


async def apologising(message: discord.Message, answering: Awaitable[None], what: str) -> None:
    """Await ``answering`` (the answer to ``message``, ``what`` it is); a failure nothing foresaw
    is logged and apologised for in a reply, and the bot stays up."""
    try:
        await answering
    except Exception:
        logger.exception("answering %s failed", what)
        try:
            await message.reply(APOLOGY, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            logger.warning("could not send the apology", exc_info=True)


def _thread_name(question: str) -> str:
    name = re.sub(r"\s+", " ", plain_text(question)).strip()
    return (name[:95] + "…") if len(name) > 96 else name or "tanya"


async def setup(bot: TanyaBot) -> None:
    """Register the cog and the buttons that must keep working after a restart."""
    bot.add_dynamic_items(VoteButton, PassageButton)
    await bot.add_cog(AskCog(bot))
