"""The Discord bot over a real chain and a temporary index: mentions through discord.py's real
dispatch (dpytest), slash commands with a minimal interaction double."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio
from discord import app_commands
from langchain_core.runnables import RunnableLambda
from pydantic import ValidationError

from bot.chain.answer import Answer
from bot.components import Stack, make_stack
from bot.discord.app import NO_MENTIONS, SWEEP_EVERY, RateLimiter, TanyaBot, send_ephemeral
from bot.discord.cogs.ask import (
    ANY_INDEX_QUESTION,
    EMPTY_MENTION,
    EMPTY_MENTION_ANY,
    AskCog,
    PassageButton,
    VoteButton,
    answer_view,
    mention_hint,
    strip_mentions,
)
from bot.discord.cogs.errors import ErrorsCog
from bot.discord.cogs.library import LibraryCog
from bot.discord.feedback import FeedbackStore
from bot.discord.formatting import sources_messages
from bot.settings import DiscordSettings, LLMSettings, Settings
from ingest.errors import IndexUnavailable
from ingest.loaders import Fetcher, load_inputs
from ingest.pipeline import ingest_articles
from ingest.settings import IndexSettings
from ingest.store.index import make_index
from ingest.types import Article
from tests.conftest import TEST_DATA, ScriptedChatModel, copy_of

QUESTION = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, bundled_template: Path, default_embeddings: Any) -> Stack:
    settings = IndexSettings(data_dir=copy_of(bundled_template, tmp_path_factory))
    index = make_index(settings, embeddings=default_embeddings)
    return make_stack(Settings(index=settings), index=index)


def build_bot(stack: Stack, tmp_path: Path, chain: Any = None, **settings: Any) -> TanyaBot:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True  # dpytest delivers content only with this intent
    return TanyaBot(
        chain=chain or stack.chain,
        index=stack.index,
        settings=Settings(discord=DiscordSettings(**settings)),
        feedback=FeedbackStore(tmp_path / "feedback.sqlite3"),
        fetcher=Fetcher(timeout_s=2, allow_private=settings.get("allow_private_urls", False)),
        sync_commands=False,
        intents=intents,
    )


class Recorder:
    """Records the payload of every message the bot sends through dpytest's fake HTTP layer."""

    def __init__(self, bot: TanyaBot) -> None:
        self.payloads: list[dict[str, Any]] = []
        http = bot.http
        original = http.send_message

        async def send_message(channel_id: int, *, params: Any) -> Any:
            self.payloads.append(dict(params.payload or {}))
            # dpytest's fake HTTP layer reads `channel` from its caller's locals.
            channel = bot.get_channel(channel_id)  # noqa: F841
            return await original(channel_id, params=params)

        http.send_message = send_message  # type: ignore[method-assign]


@pytest_asyncio.fixture
async def dpy(stack: Stack, tmp_path: Path) -> AsyncIterator[tuple[TanyaBot, Recorder]]:
    bot = build_bot(stack, tmp_path, cooldown_per_minute=5)
    # dpytest's documented set-up (discord.py runs this hook itself on login, which a test skips)
    await bot._async_setup_hook()
    dpytest.configure(bot, members=2)
    await bot.setup_hook()
    recorder = Recorder(bot)
    yield bot, recorder
    await dpytest.empty_queue()
    bot.workers.shutdown(wait=True)


def assert_no_mentions(payloads: list[dict[str, Any]]) -> None:
    assert payloads
    for payload in payloads:
        allowed = payload.get("allowed_mentions")
        assert allowed is not None and allowed.get("parse") == [] and not allowed.get("replied_user")
        assert not allowed.get("users") and not allowed.get("roles")


async def test_mention_is_answered_as_a_reply_with_sources(dpy: tuple[TanyaBot, Recorder]) -> None:
    bot, recorder = dpy
    assert bot.user is not None
    question = await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    reply = dpytest.get_message()
    assert "700" in reply.content and "[1]" in reply.content
    assert int(recorder.payloads[-1]["message_reference"]["message_id"]) == question.id  # a reply
    assert reply.embeds and reply.embeds[0].title.startswith("[1] TikTok")
    assert_no_mentions(recorder.payloads)


async def test_everyone_in_a_question_pings_no_one(dpy: tuple[TanyaBot, Recorder]) -> None:
    bot, recorder = dpy
    assert bot.user is not None
    await dpytest.message(f"<@{bot.user.id}> @everyone @here siapa CEO TikTok?")
    dpytest.get_message()
    assert_no_mentions(recorder.payloads)


async def test_empty_mention_gets_a_hint(dpy: tuple[TanyaBot, Recorder]) -> None:
    bot, _ = dpy
    assert bot.user is not None
    await dpytest.message(f"<@{bot.user.id}>")
    assert "Ask me something" in dpytest.get_message().content
    # nothing but other mentions is no question either (it was asked, "@everyone" and all)
    await dpytest.message(f"<@{bot.user.id}> @everyone <@&123456789012345678> ＠ｈｅｒｅ")
    assert "Ask me something" in dpytest.get_message().content
    # nor custom emoji and timestamps, whose names and figures had been asked (found by a hostile tester)
    await dpytest.message(f"<@{bot.user.id}> <:pepe_think:123456789012345678> <a:wave:42> <t:1700000000:R>")
    assert "Ask me something" in dpytest.get_message().content


def test_the_hint_asks_about_the_bundled_article_only_when_it_is_indexed(
    stack: Stack, tmp_path: Path, default_embeddings: Any
) -> None:
    assert mention_hint(stack.index) == EMPTY_MENTION
    other = make_index(IndexSettings(data_dir=tmp_path / "data"), embeddings=default_embeddings)
    ingest_articles(other, [a for a in load_inputs([str(TEST_DATA / "unseen")]) if isinstance(a, Article)])
    assert mention_hint(other) == EMPTY_MENTION_ANY  # a newsroom's own articles: no question about TikTok
    # the question it suggests instead is answered from any index: with its newest articles (one here: its lead)
    answer = make_stack(Settings(), index=other).chain.invoke(ANY_INDEX_QUESTION)
    assert not answer.abstained and answer.citations[0].chunk.source.endswith("trans-seruni-bus-listrik-serunipos.txt")


async def test_messages_without_a_mention_are_ignored(dpy: tuple[TanyaBot, Recorder]) -> None:
    await dpytest.message(QUESTION)
    assert dpytest.verify().message().nothing()


async def test_cooldown_holds_for_a_burst_and_others_still_get_answers(dpy: tuple[TanyaBot, Recorder]) -> None:
    bot, recorder = dpy
    assert bot.user is not None
    config = dpytest.get_config()
    spammer, other = config.members[0], config.members[1]
    replies = []
    for _ in range(100):
        await dpytest.message(f"<@{bot.user.id}> {QUESTION}", member=spammer)
        replies.append(dpytest.get_message().content)
    assert sum("700" in r for r in replies) == 5
    assert sum(r.startswith("Easy there!") for r in replies) == 95
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}", member=other)
    assert "700" in dpytest.get_message().content
    assert_no_mentions(recorder.payloads)


async def test_a_failing_answer_gets_an_apology_and_the_bot_stays_up(stack: Stack, tmp_path: Path) -> None:
    def explode(question: str) -> Any:
        if "meledak" in question:
            raise RuntimeError("boom")
        return stack.chain.invoke(question)

    bot = build_bot(stack, tmp_path, chain=RunnableLambda(explode))
    await bot._async_setup_hook()
    dpytest.configure(bot)
    await bot.setup_hook()
    assert bot.user is not None
    await dpytest.message(f"<@{bot.user.id}> meledak?")
    assert dpytest.get_message().content.startswith("Sorry, something went wrong")
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    assert "700" in dpytest.get_message().content
    await dpytest.empty_queue()


def test_strip_mentions() -> None:
    assert strip_mentions("<@42> apa kabar <@!42>?", 42) == "apa kabar  ?"


def test_rate_limiter_sliding_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 60, clock=lambda: now[0])
    assert limiter.retry_after(1) == 0 and limiter.retry_after(1) == 0
    assert limiter.retry_after(1) == pytest.approx(60)
    assert limiter.retry_after(2) == 0
    now[0] = 61
    assert limiter.retry_after(1) == 0


# ----- slash commands with a minimal interaction double -------------------------------------


class FakeResponse:
    def __init__(self, log: list[tuple[str, Any, dict[str, Any]]]) -> None:
        self.log = log
        self.done = False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, **kwargs: Any) -> None:
        self.log.append(("defer", None, kwargs))
        self.done = True

    async def send_message(self, content: Any = None, **kwargs: Any) -> None:
        self.log.append(("send_message", content, kwargs))
        self.done = True


class FakeSent:
    """A message an interaction's followup sent: as discord.py gives it (a webhook message with no
    guild), it cannot open a thread itself."""

    def __init__(self, log: list[tuple[str, Any, dict[str, Any]]]) -> None:
        self.log = log
        self.id = len(log) + 500

    async def create_thread(self, **kwargs: Any) -> None:
        raise ValueError("This message does not have guild info attached.")

    async def edit(self, **kwargs: Any) -> None:
        self.log.append(("edit", kwargs.get("content"), {**kwargs, "at": time.monotonic()}))


class FakeFollowup:
    def __init__(self, log: list[tuple[str, Any, dict[str, Any]]]) -> None:
        self.log = log

    async def send(self, content: Any = None, **kwargs: Any) -> FakeSent:
        self.log.append(("followup", content, kwargs))
        return FakeSent(self.log)


class Role(SimpleNamespace):
    pass


def interaction(
    bot: TanyaBot, *, user_id: int = 1, manage_guild: bool = False, roles: tuple[Role, ...] = (), channel_id: int = 100
) -> Any:
    log: list[tuple[str, Any, dict[str, Any]]] = []
    user = SimpleNamespace(
        id=user_id, guild_permissions=discord.Permissions(manage_guild=manage_guild), roles=list(roles)
    )

    async def create_thread(**kwargs: Any) -> Any:  # a text channel opens a thread on a message of its own
        log.append(("create_thread", None, kwargs))
        return SimpleNamespace(id=kwargs["message"].id + 10_000)

    return SimpleNamespace(
        client=bot,
        user=user,
        guild=SimpleNamespace(id=5),
        channel_id=channel_id,
        channel=SimpleNamespace(id=channel_id, create_thread=create_thread),
        response=FakeResponse(log),
        followup=FakeFollowup(log),
        log=log,
    )


async def invoke(command: app_commands.Command[Any, Any, Any], cog: Any, fake: Any, *args: Any) -> None:
    """Run a slash command as discord.py's tree does: its checks, then its callback; a failure
    goes to the tree's error handler, which the errors cog installs when it is loaded."""
    bot: TanyaBot = cog.bot
    if bot.get_cog("ErrorsCog") is None:
        await bot.add_cog(ErrorsCog(bot))
    fake.command = command
    try:
        if not all(check(fake) for check in command.checks):
            raise app_commands.CheckFailure()
        await command.callback(cog, fake, *args)
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(fake, error)
    except Exception as exc:
        await bot.tree.on_error(fake, app_commands.CommandInvokeError(command, exc))


def sends(fake: Any) -> list[tuple[str, Any, dict[str, Any]]]:
    """What the bot sent through an interaction; every send must allow no mentions."""
    sent = [entry for entry in fake.log if entry[0] in ("send_message", "followup", "edit")]
    assert all(kwargs.get("allowed_mentions") is NO_MENTIONS for _, _, kwargs in sent), sent
    return sent


async def test_slash_ask_defers_first_then_follows_up_with_answer_and_sources(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    cog = AskCog(bot)
    fake = interaction(bot)
    await invoke(AskCog.ask, cog, fake, QUESTION)
    assert fake.log[0][0] == "defer"
    (followup,) = [e for e in sends(fake) if e[0] == "followup"]
    _, content, kwargs = followup
    assert "700" in content and kwargs["embeds"] and kwargs["allowed_mentions"] is NO_MENTIONS
    view = kwargs["view"]
    labels = [getattr(item, "item", item) for item in view.children]
    assert any(isinstance(i, VoteButton) for i in view.children)
    assert any(isinstance(i, PassageButton) for i in view.children) and labels


async def test_slash_ask_in_thread_mode_opens_a_thread(stack: Stack, tmp_path: Path) -> None:
    """From the channel, on the answer: the message a followup returns cannot open one (a
    hostile test: every /ask in thread mode had been followed by an apology, and its answer was
    not kept for replies)."""
    bot = build_bot(stack, tmp_path, threads=True)
    fake = interaction(bot)
    await invoke(AskCog.ask, AskCog(bot), fake, QUESTION)
    assert fake.log[-1][0] == "create_thread" and fake.log[-1][2]["name"].startswith("Berapa karyawan")
    assert not sends(fake)[-1][1].startswith("Sorry")
    thread_id = fake.log[-1][2]["message"].id + 10_000
    assert bot.conversations.get(("thread", thread_id)) is not None  # its follow-ups go on there
    # a channel that cannot open one (no permission, no threads there): the answer stands, no apology
    fake = interaction(bot, user_id=2)

    async def refuse(**_: Any) -> Any:
        raise ValueError("no threads here")

    fake.channel.create_thread = refuse
    await invoke(AskCog.ask, AskCog(bot), fake, QUESTION)
    assert "700" in sends(fake)[-1][1]
    bot.workers.shutdown(wait=True)


async def test_slash_ask_outside_allowed_channels_is_refused_privately(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path, channels="200, 300")
    fake = interaction(bot, channel_id=100)
    await invoke(AskCog.ask, AskCog(bot), fake, QUESTION)
    ((kind, content, kwargs),) = sends(fake)
    assert kind == "send_message" and kwargs["ephemeral"] and "only answer" in content


def test_allowed_channels_are_ids_or_channel_mentions_and_none_means_every_channel(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = build_bot(stack, tmp_path, channels=" <#123456789012345678>,222222222222222222  333 ")
    assert bot.settings.discord.channel_ids == {123456789012345678, 222222222222222222, 333}
    assert bot.channel_allowed(333) and not bot.channel_allowed(999)
    for unset in ("", " , "):
        assert build_bot(stack, tmp_path, channels=unset).channel_allowed(999)
    monkeypatch.setenv("TANYA_DISCORD_CHANNELS", "200,300")
    assert DiscordSettings().channel_ids == {200, 300}


@pytest.mark.parametrize(
    "channels",
    [
        "general",
        "#general",
        "<#123456789012345678>x",
        "123456789012345678;222222222222222222",
        "123,abc",
        "１２３",
        "0",
    ],
)
def test_allowed_channels_that_are_not_ids_are_refused_rather_than_widened_to_every_channel(
    channels: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="expected numeric channel ids separated by commas"):
        DiscordSettings(channels=channels)
    monkeypatch.setenv("TANYA_DISCORD_CHANNELS", channels)
    with pytest.raises(ValidationError, match="expected numeric channel ids separated by commas"):
        DiscordSettings()


@pytest.mark.parametrize(("question", "message"), [("x" * 5000, "too long"), ("   ", "empty")])
async def test_slash_ask_refuses_bad_questions_politely(
    stack: Stack, tmp_path: Path, question: str, message: str
) -> None:
    bot = build_bot(stack, tmp_path)
    fake = interaction(bot)
    await invoke(AskCog.ask, AskCog(bot), fake, question)
    assert message in sends(fake)[-1][1] and sends(fake)[-1][1].startswith("Sorry")


class _DiesAfterAPreview:
    """A chain in LLM mode that shows a verified sentence, then fails."""

    def stream(self, asked: Any) -> Any:
        yield Answer("q", "TikTok merumahkan 700 karyawan [1].", False, "id", partial=True)
        raise RuntimeError("the model server went away")


async def test_a_failure_after_a_preview_replaces_the_preview_with_the_apology(
    stack: Stack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A hostile test: a half-written answer, with a citation marker to nothing and no sources,
    was left in the channel above a separate apology."""
    bot = build_bot(stack, tmp_path, chain=_DiesAfterAPreview())
    fake = interaction(bot)
    await invoke(AskCog.ask, AskCog(bot), fake, QUESTION)
    shown = [(kind, content) for kind, content, _ in fake.log if kind in ("followup", "edit")]
    assert shown and shown[-1][0] == "edit" and shown[-1][1].startswith("Sorry, something went wrong")
    assert any(record.exc_info and "went away" in str(record.exc_info[1]) for record in caplog.records)
    bot.workers.shutdown(wait=True)


async def test_an_unexpected_slash_failure_is_logged_and_apologised_for_privately(
    stack: Stack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(question: str) -> Any:
        raise RuntimeError("boom")

    bot = build_bot(stack, tmp_path, chain=RunnableLambda(explode))
    fake = interaction(bot)
    await invoke(AskCog.ask, AskCog(bot), fake, QUESTION)
    assert sends(fake)[-1][1].startswith("Sorry, something went wrong")
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)
    bot.workers.shutdown(wait=True)


async def test_loading_the_cogs_installs_the_one_error_handler(dpy: tuple[TanyaBot, Recorder]) -> None:
    bot, _ = dpy
    cog = bot.get_cog("ErrorsCog")  # load_extension imports the module afresh: compare by name
    assert cog is not None and bot.tree.on_error == cog.on_app_command_error  # type: ignore[attr-defined]


async def test_votes_and_passages_through_the_buttons(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    answer = stack.chain.invoke(QUESTION)
    answer_id = bot.feedback.record_answer(answer)
    fake = interaction(bot, user_id=123456789012345678)
    await VoteButton(answer_id, "up").callback(fake)
    await VoteButton(answer_id, "down").callback(interaction(bot, user_id=78))
    assert bot.feedback.votes(answer_id) == {"up": 1, "down": 1}
    record = bot.feedback.answer_record(answer_id)
    assert record is not None and record["question"] == QUESTION and record["citations"]
    with contextlib.closing(sqlite3.connect(tmp_path / "feedback.sqlite3")) as db:  # what is on disk
        assert "123456789012345678" not in "\n".join(db.iterdump())
    chunk = answer.citations[0].chunk
    shown = interaction(bot)
    await PassageButton(1, chunk.chunk_id).callback(shown)
    assert all(kwargs["ephemeral"] for _, _, kwargs in sends(shown))
    assert "700 karyawan" in "".join(content for _, content, _ in sends(shown))


async def test_buttons_survive_a_restart_by_custom_id(stack: Stack, tmp_path: Path) -> None:
    for store in ("0a1b2c3d", None):  # a button of before buttons carried their store's token too
        sent = VoteButton(12, "down", store)
        match = sent.template.fullmatch(sent.custom_id)  # what discord.py does with a click after a restart
        assert match is not None
        button = await VoteButton.from_custom_id(None, None, match)  # type: ignore[arg-type]
        assert (button.answer_id, button.vote, button.store) == (12, "down", store)


async def test_an_old_vote_button_never_counts_for_another_answer(stack: Stack, tmp_path: Path) -> None:
    """A hostile test: answer ids are SQLite row ids, and a feedback store started afresh (moved
    aside, as its own error advises) numbers its answers from 1 again: a button still in Discord
    had voted on an answer it was never under. Buttons carry their store's token now."""
    from bot.discord.feedback import FeedbackStore

    old = FeedbackStore(tmp_path / "old" / "feedback.sqlite3")
    old_id = old.record_answer(stack.chain.invoke(QUESTION))
    bot = build_bot(stack, tmp_path)
    fresh_id = bot.feedback.record_answer(stack.chain.invoke("siapa CEO TikTok?"))
    assert fresh_id == old_id and bot.feedback.token != old.token
    fake = interaction(bot, user_id=9)
    await VoteButton(old_id, "down", old.token).callback(fake)  # a click on the old answer's button
    assert bot.feedback.votes(fresh_id) == {"up": 0, "down": 0}
    assert sends(fake)[-1][1] == "That answer is no longer known."
    ours = interaction(bot, user_id=9)
    await VoteButton(fresh_id, "up", bot.feedback.token).callback(ours)
    assert bot.feedback.votes(fresh_id) == {"up": 1, "down": 0}
    view = answer_view(fresh_id, stack.chain.invoke(QUESTION), bot.feedback.token)
    assert f"tanya:vote:{bot.feedback.token}:{fresh_id}:up" in [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    bot.workers.shutdown(wait=True)


async def test_twenty_questions_at_once_are_answered_in_worker_threads(stack: Stack, tmp_path: Path) -> None:
    threads: list[str] = []
    loop_thread = threading.current_thread().name

    def record(question: str) -> str:
        threads.append(threading.current_thread().name)
        return question

    bot = build_bot(stack, tmp_path, chain=RunnableLambda(record) | stack.chain, concurrency=4)
    answers = await asyncio.gather(*(bot.answer(QUESTION) for _ in range(20)))
    assert len(answers) == 20 and all("700" in a.text for a in answers)
    assert len(threads) == 20 and loop_thread not in threads
    assert all(name.startswith("tanya-worker") for name in threads)
    bot.workers.shutdown(wait=True)


async def test_two_hundred_questions_from_twenty_users_are_all_answered(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path, cooldown_per_minute=10)
    cog = AskCog(bot)
    fakes = [interaction(bot, user_id=user) for user in range(20) for _ in range(10)]
    await asyncio.gather(*(invoke(AskCog.ask, cog, fake, QUESTION) for fake in fakes))
    finals = [sends(fake)[-1] for fake in fakes]
    assert len(finals) == 200 and all("700" in content and kwargs["embeds"] for _, content, kwargs in finals)
    bot.workers.shutdown(wait=True)


# ----- the library: /sources, /add, /remove ---------------------------------------------------


def check_passes(command: app_commands.Command[Any, Any, Any], fake: Any) -> bool:
    try:
        return all(check(fake) for check in command.checks)
    except app_commands.CheckFailure:
        return False


async def test_admin_commands_refuse_members_without_permission(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path, admin_role="editors")
    cog = LibraryCog(bot)
    for command in (cog.add, cog.remove):
        assert not check_passes(command, interaction(bot))
        assert check_passes(command, interaction(bot, manage_guild=True))
        assert check_passes(command, interaction(bot, roles=(Role(id=9, name="editors"),)))
    refused = interaction(bot)
    await invoke(LibraryCog.remove, cog, refused, "discord-upload:gempa.txt")
    assert "Manage Server" in sends(refused)[0][1] and sends(refused)[0][2]["ephemeral"]
    for command in (cog.add, cog.remove):
        assert command.default_permissions is not None and command.default_permissions.manage_guild
        assert command.guild_only


async def test_the_library_commands_keep_to_the_bots_channels(stack: Stack, tmp_path: Path) -> None:
    """/add and /remove change the one index every channel answers from: with channels set, an
    admin of any server the bot is in (one that merely invited it) could otherwise add to it;
    channel ids are unique across Discord, so the allow-list pins the bot's own server too."""
    bot = build_bot(stack, tmp_path, channels="200")
    cog = LibraryCog(bot)
    for command in (cog.add, cog.remove, cog.sources):
        assert not check_passes(command, interaction(bot, manage_guild=True, channel_id=100))
        assert check_passes(command, interaction(bot, manage_guild=True, channel_id=200))
    elsewhere = interaction(bot, manage_guild=True, channel_id=100)
    elsewhere.guild = SimpleNamespace(id=666)  # another server
    await invoke(LibraryCog.add, cog, elsewhere, None, FakeAttachment("gempa.txt", b"Gempa mengguncang Cianjur."))
    (refusal,) = sends(elsewhere)
    assert refusal[1] == "I only take this command in the channels I was set up for." and refusal[2]["ephemeral"]
    in_a_thread = interaction(bot, channel_id=300)
    in_a_thread.channel = SimpleNamespace(id=300, parent_id=200)  # a thread of an allowed channel
    assert check_passes(cog.sources, in_a_thread)


async def test_sources_lists_the_newest_articles_and_counts_the_rest(stack: Stack, tmp_path: Path) -> None:
    from bot.discord.cogs.library import MAX_LISTED
    from ingest.types import ArticleRecord

    records = [
        ArticleRecord(f"s{i}", f"Judul {i}", None, "2024-10-12", "id", "Outlet", None, 3, "x") for i in range(60_000)
    ]
    started = time.perf_counter()
    parts = sources_messages(records[:MAX_LISTED], more=len(records) - MAX_LISTED)
    assert len(parts) <= 3 and time.perf_counter() - started < 5  # was 4,434 messages and 7 s on the event loop
    assert "Judul 0 " in parts[0] and f"Judul {MAX_LISTED} " not in "".join(parts)
    assert parts[-1].endswith("… and 59,950 more (`tanya sources` on the bot's machine lists them all).")
    fake = interaction(build_bot(stack, tmp_path))
    await invoke(LibraryCog.sources, LibraryCog(fake.client), fake)
    (listing,) = [content for kind, content, _ in sends(fake) if kind == "followup"]
    assert "more" not in listing and "passages" in listing


def test_the_rate_limiter_forgets_users_quiet_for_a_whole_window() -> None:
    now = [0.0]
    limiter = RateLimiter(5, 60, clock=lambda: now[0])
    for user in range(100_000):
        assert limiter.retry_after(user) == 0.0
    now[0] = 61.0
    for _ in range(SWEEP_EVERY):
        limiter.retry_after(1)
    assert len(limiter._events) <= SWEEP_EVERY  # was one entry per user ever seen, about 140 MB for 100,000
    assert limiter.retry_after(1) > 0  # while the users of the window are still held to it


async def test_a_mention_whose_thread_cannot_be_opened_is_answered_as_a_reply(stack: Stack, tmp_path: Path) -> None:
    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    message = fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user])

    async def refuse(**kwargs: Any) -> None:  # no permission to open threads, a voice channel's chat
        raise discord.HTTPException(SimpleNamespace(status=403, reason="Forbidden"), {"code": 50013})

    message.create_thread = refuse
    await cog.on_message(message)
    (answer,) = [text for kind, text, _ in log if kind == "reply"]
    assert "700" in answer and not answer.startswith("Sorry")  # the answer, not only an apology
    bot.workers.shutdown(wait=True)


async def test_no_thread_is_opened_for_a_question_that_is_refused(stack: Stack, tmp_path: Path) -> None:
    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, "<@99> ???!!!", mentions=[bot.user]))
    await cog.on_message(fake_message(log, "<@99> " + "kata " * 1000, mentions=[bot.user]))
    assert [kind for kind, _, _ in log] == ["reply", "reply"]  # refused in a reply; no thread holding only that
    bot.workers.shutdown(wait=True)


async def test_a_reply_to_any_part_of_a_long_answer_continues_its_conversation(stack: Stack, tmp_path: Path) -> None:
    longer = RunnableLambda(
        lambda a: dataclasses.replace(a, text=a.text + " " + "Kalimat panjang yang diulang sebagai isi. " * 60)
    )
    bot, cog = _bot_with_user(stack, tmp_path, cooldown_per_minute=50)
    bot.chain = stack.chain | longer  # an answer of two messages
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {FIRST}", mentions=[bot.user]))
    parts = [k for k in bot.conversations._items if k[0] == "reply"]
    assert len(parts) >= 2  # every part filed, not only the last
    first_part = min(key[2] for key in parts)
    await cog.on_message(fake_message(log, "trus kapan?", replied_to=first_part))
    conversation = bot.conversations.get(
        ("reply", 100, max(key[2] for key in bot.conversations._items if key[0] == "reply"))
    )
    assert conversation is not None and len(conversation.history()) == 2  # read with the first turn
    bot.workers.shutdown(wait=True)


def test_a_reply_to_an_answer_takes_the_filters_it_was_asked_with() -> None:
    from bot.chain.conversation import Conversations

    conversations = Conversations()
    conversation = conversations.new()
    conversations.link(("reply", 1, 10), conversation, as_it_is=True)  # answer X, no filter
    conversation.filters = {"source": "rakyat sulsel"}  # set later in its thread
    then = conversations.get(("reply", 1, 10))
    assert then is not None and then.filters == {}


def test_an_admin_role_id_matches_the_role_with_that_id_not_a_role_named_after_it(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path, admin_role=" 1234567890 ")
    cog = LibraryCog(bot)
    for command in (cog.add, cog.remove):
        assert check_passes(command, interaction(bot, roles=(Role(id=1234567890, name="editors"),)))
        assert not check_passes(command, interaction(bot, roles=(Role(id=42, name="1234567890"),)))


class FakeAttachment:
    def __init__(self, filename: str, data: bytes) -> None:
        self.filename = filename
        self.size = len(data)
        self.data = data

    async def read(self) -> bytes:
        return self.data


async def test_add_file_then_duplicate_then_remove(default_embeddings: Any, tmp_path: Path) -> None:
    settings = IndexSettings(data_dir=tmp_path / "library")
    index = make_index(settings, embeddings=default_embeddings)
    own = make_stack(Settings(index=settings), index=index)
    bot = build_bot(own, tmp_path)
    cog = LibraryCog(bot)
    upload = FakeAttachment("gempa.txt", b"Gempa bermagnitudo 5 mengguncang Cianjur pada Senin pagi.")
    first = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.add, cog, first, None, upload)
    assert "Added «gempa»" in sends(first)[-1][1]
    second = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.add, cog, second, None, upload)
    assert "Already in the index" in sends(second)[-1][1] and len(index.articles()) == 1
    listing = interaction(bot)
    await invoke(LibraryCog.sources, cog, listing)
    assert "gempa" in sends(listing)[-1][1]
    (stored,) = index.articles()
    assert stored.source.startswith("discord-upload:") and stored.source.endswith("/gempa.txt")
    # another article uploaded under the same name is another article, not a replacement
    other = FakeAttachment("gempa.txt", b"Gempa bermagnitudo 6 mengguncang Garut pada Selasa malam.")
    third = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.add, cog, third, None, other)
    assert "Added «gempa»" in sends(third)[-1][1] and len(index.articles()) == 2
    # told apart where /remove offers them, though their titles are one
    names = [choice.name for choice in await cog.remove_autocomplete(interaction(bot, manage_guild=True), "gempa")]
    assert len(set(names)) == 2 and all(name.startswith("gempa · discord-upload:") for name in names)
    for article in index.articles():
        removal = interaction(bot, manage_guild=True)
        await invoke(LibraryCog.remove, cog, removal, article.source)
        assert sends(removal)[-1][1].startswith("Removed")
    assert index.articles() == []
    bot.workers.shutdown(wait=True)


async def test_remove_by_a_url_two_articles_name_removes_neither_and_says_which(
    default_embeddings: Any, tmp_path: Path
) -> None:
    settings = IndexSettings(data_dir=tmp_path / "library")
    index = make_index(settings, embeddings=default_embeddings)
    url = "https://kabar.example/banjir"
    ingest_articles(
        index,
        [Article(source=f"/news/{n}.txt", text=f"Banjir merendam desa {n}.", title=n, url=url) for n in ("a", "b")],
    )
    bot = build_bot(make_stack(Settings(index=settings), index=index), tmp_path)
    removal = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.remove, LibraryCog(bot), removal, url)
    content = sends(removal)[-1][1]
    assert content.startswith("2 articles have this URL") and "/news/a.txt" in content and len(index.articles()) == 2
    bot.workers.shutdown(wait=True)


async def test_a_private_reply_part_that_fails_does_not_drop_the_rest(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    fake = interaction(bot)

    async def refused(content: Any = None, **kwargs: Any) -> None:  # Discord refuses the first part
        fake.response.done = True
        raise discord.HTTPException(SimpleNamespace(status=500, reason="Server Error"), "try again")

    fake.response.send_message = refused
    report = "\n".join(f"Could not add source-{n}: {'x' * 90}." for n in range(60))
    await send_ephemeral(fake, report)
    later = [content for kind, content, _ in sends(fake) if kind == "followup"]
    assert later and later[-1].endswith("source-59: " + "x" * 90 + ".")  # the rest still went out
    bot.workers.shutdown(wait=True)


async def test_an_answer_with_no_text_gets_no_buttons_and_is_not_recorded(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    replies, view = await AskCog(bot).prepared(Answer("q?", "  ", False, "id"))
    assert view is None and len(replies) == 1 and not replies[0].embeds
    bot.workers.shutdown(wait=True)


async def test_a_chat_reply_is_shown_as_written_with_no_buttons(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    reply = Answer("makasih bang", "Sama-sama! Silakan tanya lagi tentang berita yang diindeks.", True, "id", chat=True)
    replies, view = await AskCog(bot).prepared(reply)  # nothing to vote on
    assert view is None and len(replies) == 1 and replies[0].content.startswith("Sama")
    bot.workers.shutdown(wait=True)


async def test_private_replies_longer_than_discord_allows_are_sent_in_parts(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    # /remove of a source that is not there repeats a bounded part of it
    removal = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.remove, LibraryCog(bot), removal, "*" * 6000)
    ((_, content, _),) = [e for e in sends(removal) if e[0] == "followup"]
    assert content.startswith("Not in the index:") and len(content) < 600 and content.count("\\*") == 200
    # any private reply goes out in messages within the limit, all of it, in order
    long = interaction(bot)
    report = "\n".join(f"Could not add source-{n}: {'x' * 90}." for n in range(60))
    await send_ephemeral(long, report)
    parts = [content for _, content, _ in sends(long)]
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    assert [line for p in parts for line in p.splitlines()] == report.splitlines()
    assert long.log[0][0] == "send_message" and all(e[0] == "followup" for e in long.log[1:])
    bot.workers.shutdown(wait=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/x.html", "refused"),
        ("http://169.254.169.254/latest", "refused"),
        ("file:///etc/passwd", "must start with http"),
    ],
)
async def test_add_url_refuses_private_addresses(stack: Stack, tmp_path: Path, url: str, message: str) -> None:
    bot = build_bot(stack, tmp_path)
    fake = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.add, LibraryCog(bot), fake, url, None)
    assert message in sends(fake)[-1][1]
    bot.workers.shutdown(wait=True)


def test_an_add_report_repeats_a_long_source_cut_not_whole() -> None:
    from bot.discord.cogs.library import SHOWN_SOURCE_CHARS, describe
    from ingest.pipeline import IngestReport, ItemResult

    url = "https://example.com/" + "a" * 70_000  # a reply repeated it whole: some 350 messages
    line = describe(IngestReport([ItemResult(url, "skipped", reason="URL too long: " + url)]))
    assert len(line) < 3 * SHOWN_SOURCE_CHARS + 100 and line.startswith("Could not add https\\://example")
    assert "<http" not in line and "https://" not in line  # cut short, it links nowhere rather than elsewhere
    short = describe(IngestReport([ItemResult("https://example.com/a", "skipped", reason="not found")]))
    assert short == "Could not add <https://example.com/a>: not found."  # whole, it is a link as before
    replaced = ItemResult("https://example.com/a", "replaced", 3, "Baru", note='in place of "Lama @everyone"')
    assert describe(IngestReport([replaced])) == 'Updated «Baru» (3 passages; in place of "Lama @\u200beveryone").'
    one = ItemResult("https://example.com/b", "added", 1, "Satu")
    assert describe(IngestReport([one])) == "Added «Satu» (1 passage)."  # a hostile tester's: "1 passages"


async def test_add_rejects_unsupported_uploads(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    fake = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.add, LibraryCog(bot), fake, None, FakeAttachment("x.exe", b"MZ"))
    assert "unsupported file type .exe" in sends(fake)[-1][1]


async def test_llm_answers_stream_into_one_message_edited_at_most_once_a_second(stack: Stack, tmp_path: Path) -> None:
    reply = " ".join(
        [
            "Sekitar 700 karyawan terkena PHK [1].",
            "@everyone https://evil.example/x.png TikTok membayar Microsoft [1].",
            "TikTok merumahkan sekitar 700 karyawan di Malaysia [1].",
            "TikTok memutus hubungan kerja ratusan karyawan di Malaysia [1].",
            "Sekitar 700 karyawan TikTok di Malaysia terkena PHK [1].",
        ]
    )
    model = ScriptedChatModel(reply=reply, delay_s=0.1)
    llm_stack = make_stack(Settings(llm=LLMSettings(paraphrase=True)), index=stack.index, chat_model=model)
    bot = build_bot(stack, tmp_path, chain=llm_stack.chain)
    fake = interaction(bot)
    await invoke(AskCog.ask, AskCog(bot), fake, QUESTION)
    log = sends(fake)
    assert log[0][0] == "followup" and log[0][1].endswith(" …")  # the preview: verified text so far
    edits = [entry for entry in log if entry[0] == "edit"]
    assert len(log) == 1 + len(edits) and len(edits) >= 2
    final = edits[-1][2]
    assert final["embeds"] and "view" in final and "700" in final["content"] and not final["content"].endswith("…")
    times = [kwargs["at"] for _, _, kwargs in edits[:-1]]
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(times))
    assert all("<https://" in content or "https://" not in content for _, content, _ in log)


async def test_start_up_objects_are_put_out_of_the_collectors_sight(dpy: tuple[TanyaBot, Recorder]) -> None:
    # setup_hook froze what was alive then, so a full collection under load walks only what
    # answering made since (bench/loop_lag.py: the loop's longest stall 340 ms -> 12 ms)
    import gc

    assert gc.get_freeze_count() > 0


# ----- follow-ups: reply chains and the bot's threads, with a minimal message double ----------


class FakeChannel(SimpleNamespace):
    async def typing(self) -> None:
        pass


def fake_message(
    log: list[tuple[str, Any, dict[str, Any]]],
    content: str,
    *,
    channel_id: int = 100,
    mentions: list[Any] = (),  # type: ignore[assignment]
    replied_to: int | None = None,
    author_id: int = 1,
    message_id: int | None = None,
) -> Any:
    ids = itertools.count(len(log) * 10 + 1000)

    def sent(channel: int) -> Any:
        sent_id = next(ids)

        async def delete() -> None:
            log.append(("delete", None, {"id": sent_id, "channel": channel}))

        return SimpleNamespace(id=sent_id, channel=SimpleNamespace(id=channel), delete=delete)

    async def reply(text: str, **kwargs: Any) -> Any:
        message = sent(channel_id)
        log.append(("reply", text, {**kwargs, "channel": channel_id, "sent_id": message.id}))
        return message

    async def create_thread(**kwargs: Any) -> Any:
        thread_id = next(ids)

        async def send(text: str, **kw: Any) -> Any:
            message = sent(thread_id)
            log.append(("thread", text, {**kw, "channel": thread_id, "sent_id": message.id}))
            return message

        log.append(("create_thread", None, {**kwargs, "id": thread_id}))
        return SimpleNamespace(id=thread_id, send=send)

    return SimpleNamespace(
        id=message_id if message_id is not None else next(ids),
        content=content,
        author=SimpleNamespace(bot=False, id=author_id),
        mentions=list(mentions),
        channel=FakeChannel(id=channel_id, parent_id=None),
        reference=None if replied_to is None else SimpleNamespace(message_id=replied_to),
        guild=SimpleNamespace(id=5, self_role=None),  # as discord.py's: the bot's role, if it has one
        role_mentions=[],
        reply=reply,
        create_thread=create_thread,
    )


FIRST = "karyawan tiktok yg kena phk dikabarinnya lewat apa?"
LATER = "kapan karyawan tiktok yg kena phk dapat informasinya?"


async def test_a_mention_of_the_bots_own_role_is_a_mention_of_the_bot(stack: Stack, tmp_path: Path) -> None:
    """A hostile test: typing "@tanya", Discord's picker often picks the bot's integration role
    ("<@&ROLE> question", ``mentions`` empty, the role in ``role_mentions``), and the message was
    left unanswered without a word. Another role's mention is still no mention of the bot."""
    bot, cog = _bot_with_user(stack, tmp_path)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    role = SimpleNamespace(id=777)
    message = fake_message(log, f"<@&777> {QUESTION}")
    message.role_mentions, message.guild = [role], SimpleNamespace(id=5, self_role=role)
    await cog.on_message(message)
    assert log and "700" in log[-1][1] and "777" not in log[-1][1]
    other = fake_message(log, f"<@&778> {QUESTION}")
    other.role_mentions, other.guild = [SimpleNamespace(id=778)], SimpleNamespace(id=5, self_role=role)
    before = len(log)
    await cog.on_message(other)
    assert len(log) == before
    bot.workers.shutdown(wait=True)


async def test_a_reply_to_an_answer_is_read_with_the_conversation_it_continues(
    dpy: tuple[TanyaBot, Recorder],
) -> None:
    bot, _ = dpy
    cog = bot.get_cog("AskCog")
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@{bot.user.id}> {FIRST}", mentions=[bot.user]))
    (key,) = [k for k in bot.conversations._items if k[0] == "reply"]  # the answer, filed
    _, channel, answer_id = key
    assert channel == 100
    await cog.on_message(fake_message(log, "trus kapan?", replied_to=answer_id))  # no mention needed
    assert "12 Oktober 2024" in log[-1][1]
    await cog.on_message(fake_message(log, "trus kapan?", replied_to=answer_id, channel_id=101))
    await cog.on_message(fake_message(log, "trus kapan?", replied_to=12345))
    assert len([e for e in log if e[0] == "reply"]) == 2  # another channel, or an unknown message: not a follow-up
    alone = fake_message(log, f"<@{bot.user.id}> trus kapan?", mentions=[bot.user])
    await cog.on_message(alone)  # a fresh mention starts a conversation of its own
    assert "12 Oktober 2024" not in log[-1][1]


async def test_in_thread_mode_the_thread_the_bot_opened_holds_the_conversation(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path, threads=True, conversation_turns=3)
    await bot.add_cog(AskCog(bot))
    cog = bot.get_cog("AskCog")
    bot._connection.user = SimpleNamespace(id=99, mention="<@99>")  # the logged-in user, as discord.py sets it
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {FIRST}", mentions=[bot.user]))
    thread_id = next(e[2]["id"] for e in log if e[0] == "create_thread")
    await cog.on_message(fake_message(log, "trus kapan?", channel_id=thread_id))
    assert len(log) == 2  # chatter in the thread, without a mention, is left alone
    await cog.on_message(fake_message(log, "<@99> trus kapan?", channel_id=thread_id, mentions=[bot.user]))
    assert log[-1][2]["channel"] == thread_id and "12 Oktober 2024" in log[-1][1]
    assert len([e for e in log if e[0] == "create_thread"]) == 1  # the follow-up stays in the thread
    conversation = bot.conversations.get(("thread", thread_id))
    assert conversation is not None and conversation.max_turns == 3 and len(conversation.history()) == 2
    assert conversation.max_age_s == 30 * 60  # TANYA_DISCORD_CONVERSATION_MINUTES
    await cog.on_message(fake_message(log, "hmm", channel_id=555))  # a channel with no conversation
    assert len(log) == 3  # the thread, its answer, the follow-up's answer: nothing more
    bot.workers.shutdown(wait=True)


class _BotThread(discord.Thread):
    """A thread as discord.py gives it (``isinstance`` is what the cog asks), built without a
    connection."""

    async def typing(self) -> None:  # type: ignore[override]
        pass


async def thread_after_edit(bot: TanyaBot, cog: AskCog, message: Any, thread_id: int) -> list[str]:
    """The questions of the thread's conversation once ``message`` was edited to ask ``LATER``."""
    await cog.on_raw_message_edit(raw_edit(edited(message, f"<@99> {LATER}")))
    return [t.question for t in bot.conversations.get(("thread", thread_id)).history()]


def in_bot_thread(message: Any, thread_id: int, parent_id: int = 100) -> Any:
    """``message`` as discord.py gives it from a thread the bot (id 99) opened in ``parent_id``."""
    thread = _BotThread.__new__(_BotThread)
    thread.id, thread.owner_id, thread.parent_id = thread_id, 99, parent_id
    message.channel = thread
    return message


async def test_a_thread_the_bot_opened_is_a_conversation_again_after_a_restart(stack: Stack, tmp_path: Path) -> None:
    # found by a hostile tester: a new bot (a restart, or the thread's conversation pushed out of
    # the bounded store) answered mentions in its own thread each as a first question for ever
    bot = build_bot(stack, tmp_path, threads=True, cooldown_per_minute=50)
    await bot.add_cog(AskCog(bot))
    cog = bot.get_cog("AskCog")
    bot._connection.user = SimpleNamespace(id=99, mention="<@99>")
    log: list[tuple[str, Any, dict[str, Any]]] = []
    thread = _BotThread.__new__(_BotThread)
    thread.id, thread.owner_id, thread.parent_id = 4242, 99, 100
    message = fake_message(log, f"<@99> {FIRST}", channel_id=thread.id, mentions=[bot.user])
    message.channel = thread
    await cog.on_message(message)
    assert not [e for e in log if e[0] == "create_thread"]  # answered in the thread, none opened in it
    conversation = bot.conversations.get(("thread", thread.id))
    assert conversation is not None and len(conversation.history()) == 1
    follow_up = fake_message(log, "<@99> trus kapan?", channel_id=thread.id, mentions=[bot.user])
    follow_up.channel = thread
    await cog.on_message(follow_up)
    assert "12 Oktober 2024" in log[-1][1] and len(conversation.history()) == 2
    # a thread someone else opened is not the bot's conversation
    theirs = _BotThread.__new__(_BotThread)
    theirs.id, theirs.owner_id, theirs.parent_id = 4343, 7, 100
    other = fake_message(log, f"<@99> {FIRST}", channel_id=theirs.id, mentions=[bot.user])
    other.channel = theirs
    await cog.on_message(other)
    assert bot.conversations.get(("thread", theirs.id)) is None
    # and so does /ask there, on a bot that holds nothing of the thread
    restarted = build_bot(stack, tmp_path, threads=True, cooldown_per_minute=50)
    restarted._connection.user = SimpleNamespace(id=99, mention="<@99>")
    fake = interaction(restarted, user_id=2, channel_id=thread.id)
    fake.channel = thread
    await invoke(AskCog.ask, AskCog(restarted), fake, FIRST)
    assert "create_thread" not in [kind for kind, _, _ in fake.log]
    assert restarted.conversations.get(("thread", thread.id)) is not None
    bot.workers.shutdown(wait=True)
    restarted.workers.shutdown(wait=True)


async def test_slash_ask_takes_since_until_and_source(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    cog = AskCog(bot)
    fake = interaction(bot)
    await invoke(AskCog.ask, cog, fake, QUESTION, None, None, "rakyat sulsel")
    assert "700" in sends(fake)[-1][1]  # the bundled article's outlet
    fake = interaction(bot)
    await invoke(AskCog.ask, cog, fake, QUESTION, "2026-01-01")
    assert "tidak menemukan" in sends(fake)[-1][1]  # the bundled article has no date: in no range
    fake = interaction(bot)
    await invoke(AskCog.ask, cog, fake, QUESTION, "kemarin")
    assert sends(fake)[-1][1].startswith("Sorry, I can't take that question: since must be a date")
    fake = interaction(bot)
    await invoke(AskCog.ask, cog, fake, QUESTION, None, None, "rakyat sulsel")
    filed = [c for k, (c, _) in bot.conversations._items.items() if k[0] == "reply"]
    assert filed and filed[-1].filters == {"source": "rakyat sulsel"}  # its follow-ups search the same


# ----- found by a hostile test of the Discord front end (2026-12-01) ------------------------


def _bot_with_user(stack: Stack, tmp_path: Path, **settings: Any) -> tuple[TanyaBot, AskCog]:
    bot = build_bot(stack, tmp_path, **settings)
    bot._connection.user = SimpleNamespace(id=99, mention="<@99>")  # the logged-in user, as discord.py sets it
    return bot, AskCog(bot)


async def _thread_opened(
    stack: Stack, tmp_path: Path, question: str = FIRST, message_id: int | None = None
) -> tuple[TanyaBot, AskCog, list[Any], int]:
    """A bot in thread mode that has answered ``question`` (``FIRST``) in a thread of its own, and
    that thread."""
    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {question}", mentions=[bot.user], message_id=message_id))
    return bot, cog, log, next(e[2]["id"] for e in log if e[0] == "create_thread")


async def test_a_refused_ask_in_a_thread_leaves_its_filters_off_the_thread(stack: Stack, tmp_path: Path) -> None:
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path)
    fake = interaction(bot, user_id=2, channel_id=thread_id)
    await invoke(AskCog.ask, cog, fake, "trus kapan?", "kemarin")  # a since that is no date: refused
    assert "since must be a date" in sends(fake)[-1][1]
    conversation = bot.conversations.get(("thread", thread_id))
    assert conversation is not None and conversation.filters == {}
    await cog.on_message(fake_message(log, "<@99> trus kapan?", channel_id=thread_id, mentions=[bot.user]))
    assert "12 Oktober 2024" in log[-1][1]
    # a taken one stays with the thread until it goes quiet, then the conversation starts over
    taken = interaction(bot, user_id=2, channel_id=thread_id)
    await invoke(AskCog.ask, cog, taken, "trus kapan?", None, None, "rakyat sulsel")
    assert "12 Oktober 2024" in sends(taken)[-1][1] and conversation.filters == {"source": "rakyat sulsel"}
    conversation.last_at -= 10**6
    assert conversation.history() == [] and conversation.filters == {}
    bot.workers.shutdown(wait=True)


async def test_an_empty_mention_keeps_to_the_allowed_channels_and_the_cooldown(stack: Stack, tmp_path: Path) -> None:
    bot, cog = _bot_with_user(stack, tmp_path, channels="200", cooldown_per_minute=1)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    for _ in range(50):  # outside them it says nothing (it replied to every mention there, publicly)
        await cog.on_message(fake_message(log, "<@99>", channel_id=100, mentions=[bot.user]))
        await cog.on_message(fake_message(log, "<@99> siapa CEO TikTok?", channel_id=100, mentions=[bot.user]))
    assert log == []
    await cog.on_message(fake_message(log, "<@99>", channel_id=200, mentions=[bot.user]))
    assert log[-1][1].startswith("Ask me something")  # the hint, where it may answer
    await cog.on_message(fake_message(log, "<@99>", channel_id=200, mentions=[bot.user]))
    assert log[-1][1].startswith("Easy there! You can ask 1 question a minute;")  # not "1 questions"
    bot.workers.shutdown(wait=True)


class _AwayIndex:
    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def chunks(self, ids: Any) -> Any:
        raise IndexUnavailable("the database server is away")


async def test_a_button_that_fails_tells_the_user_why(stack: Stack, tmp_path: Path) -> None:
    bot = build_bot(stack, tmp_path)
    answer = stack.chain.invoke(QUESTION)
    answer_id = bot.feedback.record_answer(answer)
    bot.index = _AwayIndex(stack.index)
    passage = interaction(bot)
    await PassageButton(1, answer.citations[0].chunk.chunk_id).callback(passage)
    assert "unavailable" in sends(passage)[-1][1]

    def full(*_: Any) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    bot.feedback.vote = full  # type: ignore[method-assign]
    vote = interaction(bot)
    await VoteButton(answer_id, "up").callback(vote)
    assert sends(vote)[-1][1].startswith("Sorry")
    bot.workers.shutdown(wait=True)


async def test_ask_in_a_thread_answers_there_without_opening_a_thread_in_it(stack: Stack, tmp_path: Path) -> None:
    bot, cog, _, thread_id = await _thread_opened(stack, tmp_path)
    fake = interaction(bot, user_id=2, channel_id=thread_id)
    fake.channel = SimpleNamespace(id=thread_id, parent_id=100)  # a thread, as discord.py gives it
    await invoke(AskCog.ask, cog, fake, "trus kapan?")
    assert "create_thread" not in [kind for kind, _, _ in fake.log]
    assert "12 Oktober 2024" in sends(fake)[-1][1]
    assert bot.conversations.get(("thread", thread_id)) is not None
    bot.workers.shutdown(wait=True)


async def test_two_replies_to_one_answer_each_continue_from_that_answer(stack: Stack, tmp_path: Path) -> None:
    seen: list[Any] = []

    def record(asked: Any) -> Any:
        seen.append(asked)
        return asked

    bot = build_bot(stack, tmp_path, chain=RunnableLambda(record) | stack.chain)
    bot._connection.user = SimpleNamespace(id=99, mention="<@99>")
    cog = AskCog(bot)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {FIRST}", mentions=[bot.user]))
    (key,) = [k for k in bot.conversations._items if k[0] == "reply"]
    first_answer = key[2]
    other = "bus trans seruni sekali ngecas berapa km?"
    await cog.on_message(fake_message(log, other, replied_to=first_answer, author_id=2))
    await cog.on_message(fake_message(log, "trus kapan?", replied_to=first_answer, author_id=3))
    asked = [item["question"] if isinstance(item, dict) else item for item in seen]
    histories = [[t.question for t in item.get("history", [])] if isinstance(item, dict) else [] for item in seen]
    assert asked == [FIRST, other, "trus kapan?"]
    assert histories == [[], [FIRST], [FIRST]]  # the second reply is not read with the first one's turn
    assert "12 Oktober 2024" in log[-1][1]
    # a reply to the second reply's answer goes on from there, with both of its turns
    (latest,) = [k for k in bot.conversations._items if k[0] == "reply" and k[2] not in (first_answer,)][-1:]
    conversation = bot.conversations.get(latest)
    assert conversation is not None and [t.question for t in conversation.history()] == [FIRST, "trus kapan?"]
    bot.workers.shutdown(wait=True)


async def test_in_a_thread_a_reply_to_an_older_answer_goes_on_with_the_thread(stack: Stack, tmp_path: Path) -> None:
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path)
    await cog.on_message(fake_message(log, "<@99> trus kapan?", channel_id=thread_id, mentions=[bot.user]))
    older = next(k[2] for k in bot.conversations._items if k[0] == "reply" and k[1] == thread_id)
    await cog.on_message(fake_message(log, "<@99> lewat apa?", channel_id=thread_id, replied_to=older))
    conversation = bot.conversations.get(("thread", thread_id))
    assert conversation is not None
    assert [t.question for t in conversation.history()][-1] == "lewat apa?"  # the thread saw it
    bot.workers.shutdown(wait=True)


async def test_filters_no_article_passes_are_not_kept_for_the_thread(stack: Stack, tmp_path: Path) -> None:
    bot, cog, _, thread_id = await _thread_opened(stack, tmp_path)
    fake = interaction(bot, user_id=2, channel_id=thread_id)
    await invoke(AskCog.ask, cog, fake, "trus kapan?", None, None, "zzzqqq")  # no source holds it
    conversation = bot.conversations.get(("thread", thread_id))
    assert conversation is not None and conversation.filters == {}
    bot.workers.shutdown(wait=True)


async def test_an_answer_whose_thread_cannot_be_opened_stands_and_replies_continue_it(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: FakeSent, **kwargs: Any) -> None:  # no permission to open threads here
        raise discord.HTTPException(SimpleNamespace(status=403, reason="Forbidden"), {"code": 50013})

    monkeypatch.setattr(FakeSent, "create_thread", refuse)
    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50)
    fake = interaction(bot)
    await invoke(AskCog.ask, cog, fake, FIRST)
    (answer,) = [content for kind, content, _ in sends(fake) if kind == "followup"]
    assert "[1]" in answer and not answer.startswith("Sorry")  # the answer, and no apology after it
    assert [k for k in bot.conversations._items if k[0] == "reply"]  # filed: a reply continues it
    bot.workers.shutdown(wait=True)


async def test_an_uploaded_pdf_is_held_to_the_text_limit_of_one_article(stack: Stack, tmp_path: Path) -> None:
    # /add checked an upload's bytes only: a PDF of a few KB could hold hundreds of MB of text
    from ingest.errors import LoadError
    from tests.conftest import text_bomb_pdf

    bot = build_bot(stack, tmp_path)
    bot.fetcher = Fetcher(timeout_s=2, max_bytes=100_000)
    upload = FakeAttachment("laporan.pdf", text_bomb_pdf(pages=1, chars=20_000, repeats=50))
    assert upload.size < 2_000
    with pytest.raises(LoadError, match="its text is too large for one article"):
        await LibraryCog(bot).read_attachment(upload)  # type: ignore[arg-type]
    bot.workers.shutdown(wait=True)


async def test_make_bench_discord_load_asks_through_the_real_slash_handler(stack: Stack, tmp_path: Path) -> None:
    # bench/loop_lag.py's fake interactions fell behind /ask (its sent messages had no id once
    # answers were remembered for replies) and `make bench` failed; its load runs here, small
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from loop_lag import _load

    bot = build_bot(stack, tmp_path)
    latencies, answered, _ = await _load(bot, users=2, each=1)
    assert len(latencies) == 2 and answered == 2
    bot.workers.shutdown(wait=True)


async def test_an_upload_under_a_name_known_before_replaces_it(default_embeddings: Any, tmp_path: Path) -> None:
    """Uploads were known by their file name alone (``discord-upload:NAME``) before 2026-12-03: a
    corrected upload under that name still replaces the article, rather than adding a second."""
    settings = IndexSettings(data_dir=tmp_path / "library")
    index = make_index(settings, embeddings=default_embeddings)
    ingest_articles(index, [Article("discord-upload:gempa.txt", "Gempa bermagnitudo 5 mengguncang Cianjur.", "gempa")])
    bot = build_bot(make_stack(Settings(index=settings), index=index), tmp_path)
    cog = LibraryCog(bot)
    corrected = FakeAttachment("gempa.txt", b"Gempa bermagnitudo 5,6 mengguncang Cianjur pada Senin pagi.")
    upload = interaction(bot, manage_guild=True)
    await invoke(LibraryCog.add, cog, upload, None, corrected)
    assert "Updated «gempa»" in sends(upload)[-1][1]
    assert [(a.source, a.chunks) for a in index.articles()] == [("discord-upload:gempa.txt", 1)]
    bot.workers.shutdown(wait=True)


class _AutocompleteResponse:
    def __init__(self) -> None:
        self.choices: list[Any] | None = None

    def is_done(self) -> bool:
        return self.choices is not None

    async def autocomplete(self, choices: list[Any]) -> None:
        self.choices = list(choices)


async def test_remove_autocomplete_keeps_to_the_bots_channels_and_admins(stack: Stack, tmp_path: Path) -> None:
    """A hostile test: discord.py runs a command's checks for the command, not its autocomplete,
    so typing /remove listed the index, with the bot's file paths, in any channel of any server
    to anyone who saw the command."""
    bot = build_bot(stack, tmp_path, channels="200")
    remove = next(c for c in LibraryCog(bot).__cog_app_commands__ if c.name == "remove")

    async def choices(fake: Any) -> list[Any] | None:
        fake.response = _AutocompleteResponse()
        await remove._invoke_autocomplete(fake, "source", SimpleNamespace(source=""))
        return fake.response.choices

    assert await choices(interaction(bot, manage_guild=True, channel_id=100)) == []  # not its channel
    assert await choices(interaction(bot, manage_guild=False, channel_id=200)) == []  # not an admin
    listed = await choices(interaction(bot, manage_guild=True, channel_id=200))
    assert listed and all(isinstance(c, app_commands.Choice) for c in listed)
    bot.workers.shutdown(wait=True)


async def test_a_feedback_store_that_cannot_record_the_answer_does_not_lose_it(stack: Stack, tmp_path: Path) -> None:
    """A hostile test: a full or locked feedback store turned every answer into an apology; the
    answer goes out without vote buttons."""
    bot, cog = _bot_with_user(stack, tmp_path, cooldown_per_minute=50)

    def full(*_: Any) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    bot.feedback.record_answer = full  # type: ignore[method-assign]
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user]))
    replies = [(text, kwargs) for kind, text, kwargs in log if kind == "reply"]
    assert replies and "700" in replies[-1][0], replies
    view = replies[-1][1].get("view")
    assert view is None or not any(isinstance(i, VoteButton) for i in view.children)
    bot.workers.shutdown(wait=True)


def edited(message: Any, content: str) -> Any:
    """``message`` as its author left it after editing it to ``content`` (same id, same channel)."""
    return SimpleNamespace(**{**vars(message), "content": content})


def raw_edit(message: Any) -> Any:
    """The raw edit event discord.py gives for ``message`` (cached or not)."""
    return SimpleNamespace(message=message, channel_id=message.channel.id, message_id=message.id)


def shown(log: list[tuple[str, Any, dict[str, Any]]]) -> list[str]:
    """The texts of the bot's replies still shown (those not deleted since)."""
    deleted = {e[2]["id"] for e in log if e[0] == "delete"}
    return [e[1] for e in log if e[0] in ("reply", "thread") and e[2].get("sent_id") not in deleted]


async def test_an_edited_question_is_answered_again_in_place_of_its_answer(stack: Stack, tmp_path: Path) -> None:
    """People mend a typo or add a word by editing their message; the answer to what they first
    typed had stayed (a hostile tester's). The edit is answered again, read with the conversation
    as it stood before the question, and the old answer's messages removed once it is out."""
    bot, cog = _bot_with_user(stack, tmp_path, cooldown_per_minute=50)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    first = fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)
    await cog.on_message(first)
    assert "700" in shown(log)[-1]
    again = edited(first, f"<@99> {LATER}")
    await cog.on_raw_message_edit(raw_edit(again))
    assert [e[0] for e in log[-2:]] == ["reply", "delete"]  # the new answer first, then the old one goes
    assert len(shown(log)) == 1 and "12 Oktober 2024" in shown(log)[0]
    # read with the turns before it: its answer's conversation holds it alone
    turns = bot.conversations.get(("reply", 100, log[-2][2]["sent_id"])).history()
    assert [t.question for t in turns] == [LATER]
    # an edit that leaves the text as answered (a link's preview shown), or of a message the bot
    # did not answer, is left alone; so is one older than a conversation is remembered
    before = len(log)
    await cog.on_raw_message_edit(raw_edit(edited(again, again.content)))
    other = fake_message(log, "ngobrol biasa", message_id=6000)
    await cog.on_raw_message_edit(raw_edit(edited(other, f"<@99> {QUESTION}")))
    cog.asked[(100, 5000)].at -= bot.conversations.max_age_s + 1
    await cog.on_raw_message_edit(raw_edit(edited(again, f"<@99> {QUESTION}")))
    assert len(log) == before
    bot.workers.shutdown(wait=True)


async def test_an_edit_made_while_the_question_is_answered_waits_and_the_newest_edit_wins(
    stack: Stack, tmp_path: Path
) -> None:
    """A review's findings: an edit made while the first answer was being worked out was dropped
    (the message was filed only once answered), and two quick edits left two answers."""
    bot, cog = _bot_with_user(stack, tmp_path, cooldown_per_minute=50)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    first = fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)
    answering = asyncio.create_task(cog.on_message(first))
    while (100, 5000) not in cog.asked:
        await asyncio.sleep(0.001)
    assert not log  # still being answered
    await asyncio.gather(answering, cog.on_raw_message_edit(raw_edit(edited(first, f"<@99> {LATER}"))))
    assert len(shown(log)) == 1 and "12 Oktober 2024" in shown(log)[0]
    await asyncio.gather(
        cog.on_raw_message_edit(raw_edit(edited(first, "<@99> siapa yang membocorkan dokumen internal tiktok?"))),
        cog.on_raw_message_edit(raw_edit(edited(first, f"<@99> {QUESTION}"))),
    )
    assert len(shown(log)) == 1 and "700" in shown(log)[0]  # the newest edit's answer alone
    bot.workers.shutdown(wait=True)


async def test_a_mention_alone_edited_to_ask_something_is_answered(stack: Stack, tmp_path: Path) -> None:
    bot, cog = _bot_with_user(stack, tmp_path, cooldown_per_minute=50)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    bare = fake_message(log, "<@99>", mentions=[bot.user], message_id=5000)
    await cog.on_message(bare)
    assert "Ask me something" in log[-1][1]
    await cog.on_raw_message_edit(raw_edit(edited(bare, f"<@99> {QUESTION}")))
    assert log[-1][0] == "delete" and len(shown(log)) == 1 and "700" in shown(log)[0]
    # edited to nothing but the mention again: the answer stays
    before = len(log)
    await cog.on_raw_message_edit(raw_edit(edited(bare, "<@99>")))
    assert len(log) == before
    bot.workers.shutdown(wait=True)


async def test_an_edited_question_in_thread_mode_is_answered_again_in_its_thread(stack: Stack, tmp_path: Path) -> None:
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path, QUESTION, message_id=5000)
    first = fake_message([], f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)  # as it was answered
    await cog.on_raw_message_edit(raw_edit(edited(first, f"<@99> {LATER}")))
    assert len([e for e in log if e[0] == "create_thread"]) == 1  # no second thread
    new = [e for e in log if e[0] == "thread"][-1]
    assert new[2]["channel"] == thread_id and "12 Oktober 2024" in new[1] and log[-1][0] == "delete"
    turns = bot.conversations.get(("thread", thread_id)).history()  # the thread goes on from the new answer
    assert [t.question for t in turns] == [LATER]
    bot.workers.shutdown(wait=True)


async def test_a_question_edited_after_later_turns_of_its_thread_leaves_the_thread_going_on(
    stack: Stack, tmp_path: Path
) -> None:
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path, QUESTION, message_id=5000)
    first = fake_message([], f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)  # as it was answered
    await cog.on_message(fake_message(log, "<@99> trus kapan?", channel_id=thread_id, mentions=[bot.user]))
    await cog.on_raw_message_edit(raw_edit(edited(first, f"<@99> {LATER}")))
    new = [e for e in log if e[0] == "thread"][-1]
    assert new[2]["channel"] == thread_id and "12 Oktober 2024" in new[1]
    thread_turns = bot.conversations.get(("thread", thread_id)).history()
    assert [t.question for t in thread_turns] == [QUESTION, "trus kapan?"]  # the thread goes on as it was
    newest = cog.asked[(100, 5000)].sent[0].id  # the new answer, a reply to it continues the branch
    branch = bot.conversations.get(("reply", thread_id, newest)).history()
    assert [t.question for t in branch] == [LATER]
    bot.workers.shutdown(wait=True)


OTHER = "siapa yang membocorkan dokumen internal tiktok?"


async def test_a_question_asked_in_the_thread_while_an_edit_is_answered_stays_in_the_thread(
    stack: Stack, tmp_path: Path
) -> None:
    """A hostile tester's: whether the edit's answer branches off was decided before it was
    answered, so another member's question answered meanwhile in the thread was dropped from the
    thread's conversation when the edit's answer was filed there."""
    edit_answered = threading.Event()

    def slow_for_the_edit(raw: Any) -> Any:
        if "kapan" in (raw["question"] if isinstance(raw, dict) else raw):
            edit_answered.wait(10)  # until the other member's question has been answered
        return stack.chain.invoke(raw)

    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50)
    bot.chain = RunnableLambda(slow_for_the_edit)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    first = fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)
    await cog.on_message(first)
    thread_id = next(e[2]["id"] for e in log if e[0] == "create_thread")
    edit = asyncio.create_task(cog.on_raw_message_edit(raw_edit(edited(first, f"<@99> {LATER}"))))
    await asyncio.sleep(0.1)  # the edit is being answered
    await cog.on_message(fake_message(log, f"<@99> {OTHER}", channel_id=thread_id, mentions=[bot.user], author_id=2))
    edit_answered.set()
    await edit
    thread_turns = bot.conversations.get(("thread", thread_id)).history()
    assert [t.question for t in thread_turns] == [QUESTION, OTHER]  # the thread goes on as it was
    newest = cog.asked[(100, 5000)].sent[0].id  # the edit's answer: a reply to it continues the branch
    assert [t.question for t in bot.conversations.get(("reply", thread_id, newest)).history()] == [LATER]
    bot.workers.shutdown(wait=True)


async def test_a_refused_question_edited_after_another_members_question_leaves_the_thread_going_on(
    stack: Stack, tmp_path: Path
) -> None:
    """A hostile tester's: an edit branched off only past one turn after the question's own, as if
    every question had been answered; a refused one (too long, the cooldown) had none, so the
    edit filed the thread as it stood before it, and the member's question after it was gone."""
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path, QUESTION)
    too_long = fake_message(log, "<@99> " + "kapan " * 400, channel_id=thread_id, mentions=[bot.user], message_id=7000)
    await cog.on_message(in_bot_thread(too_long, thread_id))
    assert "can't take that question" in log[-1][1]
    await cog.on_message(fake_message(log, f"<@99> {OTHER}", channel_id=thread_id, mentions=[bot.user], author_id=2))
    await cog.on_raw_message_edit(raw_edit(edited(too_long, f"<@99> {LATER}")))
    assert any("12 Oktober 2024" in (e[1] or "") for e in log[-3:])  # the edit answered
    thread_turns = bot.conversations.get(("thread", thread_id)).history()
    assert [t.question for t in thread_turns] == [QUESTION, OTHER]
    bot.workers.shutdown(wait=True)


async def test_a_reply_to_an_answer_whose_conversation_went_quiet_starts_over(stack: Stack, tmp_path: Path) -> None:
    """A hostile tester's: a reply to an /ask answer was read as of the answer, but as quiet only
    since its thread's newest turn: the thread forgotten after the quiet and started over by
    another member's question, the reply still got the old turn and its source filter back."""
    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50, conversation_minutes=0.05)
    fake = interaction(bot, user_id=1, channel_id=100)
    await invoke(AskCog.ask, cog, fake, FIRST, None, None, "rakyat sulsel")
    answer_id = next(e for e in fake.log if e[0] == "create_thread")[2]["message"].id
    thread_id = answer_id + 10_000
    assert bot.conversations.get(("reply", 100, answer_id)).filters == {"source": "rakyat sulsel"}
    await asyncio.sleep(3.2)  # quiet past TANYA_DISCORD_CONVERSATION_MINUTES (3 s)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {OTHER}", channel_id=thread_id, mentions=[bot.user], author_id=2))
    assert [t.question for t in bot.conversations.get(("thread", thread_id)).history()] == [OTHER]
    reply = bot.conversations.get(("reply", 100, answer_id))  # what a reply to the old answer goes on from
    assert reply is not None and reply.history() == [] and reply.filters == {}
    bot.workers.shutdown(wait=True)


async def test_a_question_answered_in_the_thread_while_the_edited_one_was_first_answered_stays_in_the_thread(
    stack: Stack, tmp_path: Path
) -> None:
    """A review's: the turns a question left its thread with were counted once its answer was out,
    so another member's question answered meanwhile counted as its own, and its edit then filed
    the thread without that member's turn."""
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path, QUESTION)
    other_answered = threading.Event()

    def slow_for_the_first(raw: Any) -> Any:
        if "dikabarinnya" in (raw["question"] if isinstance(raw, dict) else raw):
            other_answered.wait(10)
        return stack.chain.invoke(raw)

    bot.chain = RunnableLambda(slow_for_the_first)
    asked = in_bot_thread(fake_message(log, f"<@99> {FIRST}", mentions=[bot.user], message_id=6000), thread_id)
    first = asyncio.create_task(cog.on_message(asked))
    await asyncio.sleep(0.1)
    other = fake_message(log, f"<@99> {OTHER}", mentions=[bot.user], author_id=2)
    await cog.on_message(in_bot_thread(other, thread_id))
    other_answered.set()
    await first
    # the thread goes on; the edit branched off
    assert await thread_after_edit(bot, cog, asked, thread_id) == [QUESTION, OTHER, FIRST]
    bot.workers.shutdown(wait=True)


async def test_an_edit_of_a_question_whose_answer_could_not_be_sent_replaces_it_in_the_thread(
    stack: Stack, tmp_path: Path
) -> None:
    """A review's: the answer's turn joins the conversation before the answer is sent; when it
    could not be sent, the question still counted as having left none, so its edit took its own
    turn for another member's and branched off, the thread going on with the unsent answer."""
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path, QUESTION)
    asked = in_bot_thread(fake_message(log, f"<@99> {FIRST}", mentions=[bot.user], message_id=6000), thread_id)
    sends = asked.reply

    async def refused_once(text: str, **kwargs: Any) -> Any:
        asked.reply = sends
        raise discord.HTTPException(SimpleNamespace(status=500, reason="Server Error"), "down")

    asked.reply = refused_once
    await cog.on_message(asked)  # the answer's turn is in the thread; its message failed
    assert await thread_after_edit(bot, cog, asked, thread_id) == [QUESTION, LATER]
    bot.workers.shutdown(wait=True)


async def test_a_question_answered_while_an_edits_old_answer_is_removed_stays_in_the_thread(
    stack: Stack, tmp_path: Path
) -> None:
    """A review's: the edit's conversation was filed under the thread after the old answer's
    messages were removed (a request each), so a question answered in the thread meanwhile was
    dropped from it."""
    bot, cog, log, thread_id = await _thread_opened(stack, tmp_path, QUESTION, message_id=5000)
    first = fake_message([], f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)  # as it was answered

    async def removed_slowly() -> None:  # another member's question is answered meanwhile
        other = fake_message(log, f"<@99> {OTHER}", mentions=[bot.user], author_id=2)
        await cog.on_message(in_bot_thread(other, thread_id))

    cog.asked[(100, 5000)].sent[0].delete = removed_slowly
    assert await thread_after_edit(bot, cog, first, thread_id) == [LATER, OTHER]
    bot.workers.shutdown(wait=True)


async def test_an_edit_in_a_thread_discord_py_no_longer_holds_is_answered_in_an_allowed_channel(
    stack: Stack, tmp_path: Path
) -> None:
    """A hostile tester's: discord.py gives the edit of a message in a thread it no longer holds
    with a bare channel (``PartialMessageable``: the thread's id, no parent), which an allow-list
    of channels refused, so the edit was left unanswered. The message had been answered there."""
    bot, cog = _bot_with_user(stack, tmp_path, threads=True, cooldown_per_minute=50, channels="100")
    log: list[tuple[str, Any, dict[str, Any]]] = []
    await cog.on_message(fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user]))
    thread_id = next(e[2]["id"] for e in log if e[0] == "create_thread")
    asked = fake_message(log, f"<@99> {OTHER}", channel_id=thread_id, mentions=[bot.user], message_id=7000)
    await cog.on_message(in_bot_thread(asked, thread_id))  # as discord.py gives it while it holds the thread
    assert "membocorkan" in log[-1][1] or "dokumen" in log[-1][1]
    later = edited(asked, f"<@99> {LATER}")
    bare = fake_message([], "", channel_id=thread_id).channel  # the thread gone from discord.py's cache:
    later.channel = SimpleNamespace(id=thread_id, typing=bare.typing)  # its id, no parent
    await cog.on_raw_message_edit(raw_edit(later))
    assert any("12 Oktober 2024" in (e[1] or "") for e in log[-3:])  # answered again
    turns = [t.question for t in bot.conversations.get(("thread", thread_id)).history()]
    assert turns == [QUESTION, LATER]  # and the thread goes on from the new answer
    bot.workers.shutdown(wait=True)


async def test_an_edit_the_cooldown_refuses_keeps_the_answer(stack: Stack, tmp_path: Path) -> None:
    bot, cog = _bot_with_user(stack, tmp_path, cooldown_per_minute=1)
    log: list[tuple[str, Any, dict[str, Any]]] = []
    first = fake_message(log, f"<@99> {QUESTION}", mentions=[bot.user], message_id=5000)
    await cog.on_message(first)
    await cog.on_raw_message_edit(raw_edit(edited(first, f"<@99> {LATER}")))
    assert "Easy there" in log[-1][1] and not [e for e in log if e[0] == "delete"]
    bot.workers.shutdown(wait=True)


async def test_an_edit_reaches_the_bot_through_discord_py_even_of_a_message_it_no_longer_holds(
    dpy: tuple[TanyaBot, Recorder],
) -> None:
    """The README's claim: edits are read from the raw edit event, so a message out of discord.py's
    cache is answered again too (``on_message_edit`` fires only for cached ones). The gateway's
    MESSAGE_UPDATE goes through discord.py's own parser here, with the message dropped from its
    cache first."""
    from discord.ext.test import factories as facts

    bot, recorder = dpy
    assert bot.user is not None
    question = await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    assert "700" in dpytest.get_message().content
    data = facts.dict_from_message(question)
    data["content"] = f"<@{bot.user.id}> kapan karyawan tiktok yg kena phk dapat informasinya?"
    data["channel_id"] = question.channel.id
    if question.guild is not None:
        data["guild_id"] = question.guild.id
    bot._connection._messages.clear()  # out of the cache
    bot._connection.parse_message_update(data)
    await dpytest.run_all_events()
    for _ in range(200):  # answered in a worker thread
        if any("12 Oktober 2024" in (p.get("content") or "") for p in recorder.payloads):
            break
        await asyncio.sleep(0.05)
    assert any("12 Oktober 2024" in (p.get("content") or "") for p in recorder.payloads)
    assert_no_mentions(recorder.payloads)
