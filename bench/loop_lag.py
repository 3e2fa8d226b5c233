"""Event-loop lag while the Discord bot answers 20 questions at once, and a load of 200 /ask
from 20 users through the real slash-command handler (all answered? latency p50/p95).

The bot's answering runs in worker threads; the baseline in the same run calls the chain on the
event loop itself (what a naive bot does). A ticker on the loop records how late each 10 ms tick
fires; the gateway heartbeat needs the loop free. Run: ``make bench`` (or python bench/loop_lag.py).
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.components import make_stack
from bot.discord.app import TanyaBot, settle_memory
from bot.discord.feedback import FeedbackStore
from bot.settings import DiscordSettings, Settings
from ingest.corpus import bundled_articles_dir
from ingest.loaders import Fetcher
from ingest.pipeline import ingest_inputs
from ingest.settings import IndexSettings

QUESTIONS = [
    "Berapa karyawan TikTok di Malaysia yang terkena PHK?",
    "Kapan karyawan yang terdampak menerima pemberitahuan?",
    "Berapa biaya bulanan yang dibayar TikTok kepada Microsoft?",
    "Sejak tahun berapa OpenAI bermitra dengan Microsoft?",
    "How many TikTok employees were laid off in Malaysia?",
] * 4


async def _ticker(stop: asyncio.Event, lags: list[float], period: float = 0.01) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(period)
        lags.append(max(0.0, time.perf_counter() - start - period) * 1000)


async def _measure(answer_all: Any) -> tuple[list[float], float]:
    stop = asyncio.Event()
    lags: list[float] = []
    ticker = asyncio.create_task(_ticker(stop, lags))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await answer_all()
    elapsed = time.perf_counter() - started
    stop.set()
    await ticker
    return lags, elapsed


_MESSAGE_IDS = itertools.count(1)


class _Interaction:
    """The least of a ``discord.Interaction`` that ``/ask`` uses: deferral and follow-ups."""

    def __init__(self, bot: TanyaBot, user_id: int) -> None:
        self.client = bot
        self.user = SimpleNamespace(id=user_id)
        self.guild = None
        self.channel_id = 1
        self.channel = SimpleNamespace(id=1)
        self.sent: list[str] = []
        self.response = SimpleNamespace(defer=self._nothing, send_message=self._send)
        self.followup = SimpleNamespace(send=self._send)

    async def _nothing(self, **_: Any) -> None:
        return None

    async def _send(self, content: str = "", **_: Any) -> Any:
        self.sent.append(content)
        # a message id, as Discord gives: /ask remembers each answer for replies to it (issue 19)
        return SimpleNamespace(id=next(_MESSAGE_IDS), edit=self._nothing, create_thread=self._nothing)


async def _load(bot: TanyaBot, users: int, each: int) -> tuple[list[float], int, list[float]]:
    """Every user asks ``each`` questions at once through the real /ask callback."""
    from bot.discord.cogs.ask import AskCog

    cog = AskCog(bot)
    latencies: list[float] = []
    fakes = [_Interaction(bot, user) for user in range(users) for _ in range(each)]

    async def one(fake: _Interaction) -> None:
        started = time.perf_counter()
        await AskCog.ask.callback(cog, fake, QUESTIONS[0])  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - started) * 1000)

    async def everyone() -> None:
        await asyncio.gather(*(one(fake) for fake in fakes))

    lags, _ = await _measure(everyone)
    answered = sum(any("700" in m for m in fake.sent) for fake in fakes)
    return latencies, answered, lags


def _summary(lags: list[float]) -> str:
    ordered = sorted(lags)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"max {max(lags):7.1f} ms   p95 {p95:6.1f} ms   median {statistics.median(lags):5.1f} ms"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = IndexSettings(data_dir=Path(tmp))
        stack = make_stack(Settings(index=settings))
        ingest_inputs(stack.index, [str(bundled_articles_dir())])
        stack.chain.invoke(QUESTIONS[0])  # load the model outside the measurement
        bot = TanyaBot(
            chain=stack.chain,
            index=stack.index,
            settings=Settings(index=settings),
            feedback=FeedbackStore(Path(tmp) / "feedback.sqlite3"),
            fetcher=Fetcher(),
            sync_commands=False,
        )

        async def in_workers() -> None:
            answers = await asyncio.gather(*(bot.answer(q) for q in QUESTIONS))
            assert len(answers) == len(QUESTIONS)

        async def on_loop() -> None:
            for q in QUESTIONS:
                stack.chain.invoke(q)
                await asyncio.sleep(0)

        base_lags, base_time = await _measure(on_loop)
        bot_lags, bot_time = await _measure(in_workers)
        bot.workers.shutdown(wait=True)
        load_bot = TanyaBot(
            chain=stack.chain,
            index=stack.index,
            settings=Settings(index=settings, discord=DiscordSettings(cooldown_per_minute=10)),
            feedback=FeedbackStore(Path(tmp) / "feedback.sqlite3"),
            fetcher=Fetcher(),
            sync_commands=False,
        )
        settle_memory()  # what the bot's setup_hook does once its cogs are loaded
        latencies, answered, load_lags = await _load(load_bot, users=20, each=10)
        load_bot.workers.shutdown(wait=True)
    print(f"Event-loop lag while answering {len(QUESTIONS)} questions at once (ticker every 10 ms)")
    print(f"  baseline, chain on the loop : {_summary(base_lags)}   wall {base_time:5.2f} s")
    print(f"  tanya bot, worker threads   : {_summary(bot_lags)}   wall {bot_time:5.2f} s")
    print(f"  max-lag ratio bot/baseline  : {max(bot_lags) / max(base_lags):.3f}")
    ordered = sorted(latencies)
    print(
        f"Load: {len(latencies)} /ask from 20 users at once through the slash handler: {answered} answered; "
        f"latency p50 {statistics.median(ordered):.0f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms, "
        f"max {ordered[-1]:.0f} ms; loop lag {_summary(load_lags)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
