"""The library: ``/sources`` for everyone; ``/add`` and ``/remove`` for admins.

Commands raise on failure; ``bot.discord.cogs.errors`` tells the user why. ``/add`` and
``/remove`` are shown by default only to members with Manage Server; a server can grant them to
the configured admin role in Server Settings → Integrations, and the check below still applies."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import PurePath
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import NO_MENTIONS, send_ephemeral
from bot.discord.formatting import inert, neutralize, sources_messages
from ingest.errors import AmbiguousSource, BadInput, LoadError, how_many
from ingest.loaders import parse_document
from ingest.pipeline import IngestReport, ingest_articles, ingest_inputs
from ingest.settings import is_url
from ingest.types import Article, ArticleRecord

if TYPE_CHECKING:
    from bot.discord.app import TanyaBot

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
T = TypeVar("T")
NOT_ADMIN = "Only members with the Manage Server permission (or the configured admin role) can do this."


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server, or the role TANYA_DISCORD_ADMIN_ROLE names: by id when it is a number,
    else by name."""
    bot: TanyaBot = interaction.client  # type: ignore[assignment]
    member = interaction.user
    permissions = getattr(member, "guild_permissions", None)
    if interaction.guild is not None and permissions is not None and permissions.manage_guild:
        return True
    wanted = bot.settings.discord.admin_role.strip()
    roles = getattr(member, "roles", [])
    if not wanted:
        return False
    if wanted.isdecimal():
        # An id is matched as an id only: anyone who can name a role could otherwise name one
        # after the admin role's id and grant themselves /add and /remove.
        return any(role.id == int(wanted) for role in roles)
    return any(role.name == wanted for role in roles)


NOT_HERE = "I only take this command in the channels I was set up for."


def admin_only() -> Callable[[T], T]:
    """An app-command check that refuses everyone but admins, with the reason."""

    def predicate(interaction: discord.Interaction) -> bool:
        if not is_admin(interaction):
            raise app_commands.CheckFailure(NOT_ADMIN)
        return True

    return app_commands.check(predicate)


def its_channels_only() -> Callable[[T], T]:
    """An app-command check that refuses anywhere but the bot's channels (``TanyaBot.allows``),
    with the reason."""

    def predicate(interaction: discord.Interaction) -> bool:
        bot: TanyaBot = interaction.client  # type: ignore[assignment]
        if not bot.allows(interaction.channel, interaction.channel_id):
            raise app_commands.CheckFailure(NOT_HERE)
        return True

    return app_commands.check(predicate)


# The most articles /sources lists (the newest first); the rest are counted. An index of tens
# of thousands would otherwise take thousands of messages, past the interaction's 15 minutes.
MAX_LISTED = 50


# How much of a source that is not in the index a reply repeats (an option may hold 6,000 characters).
SHOWN_SOURCE_CHARS = 200


def describe(report: IngestReport) -> str:
    """One line per input of an ingest run, for Discord."""
    lines = []
    for item in report.items:
        title = _shown(item.title or item.source)
        if item.status == "added":
            lines.append(f"Added «{title}» ({how_many(item.chunks, 'passage')}).")
        elif item.status == "replaced":  # and what it replaced, when that had another title
            note = f"; {_shown(item.note)}" if item.note else ""
            lines.append(f"Updated «{title}» ({how_many(item.chunks, 'passage')}{note}).")
        elif item.status == "unchanged":
            lines.append(f"Already in the index: «{title}». Not added twice.")
        else:
            lines.append(f"Could not add {_shown(item.source)}: {_shown(item.reason or 'unknown reason')}.")
    return "\n".join(lines) or "Nothing to add."


def _shown(text: str) -> str:
    """``text`` as Discord shows it (``neutralize``), cut to ``SHOWN_SOURCE_CHARS``: a reply
    repeats a source, never floods a channel with it; a cut one links nowhere (``inert``), as
    its link would lead to another page."""
    return neutralize(text) if len(text) <= SHOWN_SOURCE_CHARS else inert(text[:SHOWN_SOURCE_CHARS]) + "…"


class LibraryCog(commands.Cog):
    """Listing, adding and removing articles."""

    def __init__(self, bot: TanyaBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    @its_channels_only()
    async def sources(self, interaction: discord.Interaction) -> None:
        """List the articles the bot answers from."""
        await interaction.response.defer(ephemeral=True, thinking=True)

        def listing() -> list[str]:
            records = self.bot.index.articles()
            return sources_messages(records[:MAX_LISTED], more=len(records) - MAX_LISTED)

        for part in await self.bot.run_blocking(listing):
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="add")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.describe(url="An http(s) link to a news article", file="A .txt, .md, .html or .pdf article")
    @admin_only()
    @its_channels_only()
    async def add(
        self, interaction: discord.Interaction, url: str | None = None, file: discord.Attachment | None = None
    ) -> None:
        """Add an article to the index (admins only)."""
        if (url is None) == (file is None):
            raise BadInput("give either a url or a file, not both or neither")
        if url is not None and not is_url(url.strip()):
            raise BadInput("the url must start with http:// or https://")
        await interaction.response.defer(ephemeral=True, thinking=True)
        if url is not None:
            report = await self.bot.run_blocking(ingest_inputs, self.bot.index, [url.strip()], self.bot.fetcher)
        else:
            assert file is not None
            article = await self.read_attachment(file)
            report = await self.bot.run_blocking(ingest_articles, self.bot.index, [article])
        await send_ephemeral(interaction, describe(report))

    async def read_attachment(self, file: discord.Attachment) -> Article:
        """Read an uploaded article (size-capped) into an ``Article``. Its source holds its
        content's hash beside the file's name: two uploads of different articles under one name
        ("berita.txt", or the "message.txt" Discord makes of a long paste) are two articles, not
        one replacing the other; the same file uploaded again is the same article, unchanged. A
        name uploaded before uploads were known so (``discord-upload:NAME``) keeps its source,
        and an upload under it replaces it as it did."""
        suffix = PurePath(file.filename).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise LoadError(f"unsupported file type {suffix or '(none)'}; send " + ", ".join(UPLOAD_SUFFIXES))
        if file.size > self.bot.fetcher.max_bytes:
            raise LoadError(f"larger than the {self.bot.fetcher.max_bytes:,}-byte limit")
        data = await file.read()
        stem = PurePath(file.filename).stem
        legacy = f"discord-upload:{file.filename}"
        known = await self.bot.run_blocking(lambda: self.bot.index.catalog.article(legacy) is not None)
        source = legacy if known else f"discord-upload:{hashlib.sha256(data).hexdigest()[:12]}/{file.filename}"
        return await self.bot.run_blocking(
            functools.partial(
                parse_document, max_chars=self.bot.fetcher.max_bytes, timeout_s=self.bot.fetcher.parse_timeout_s
            ),
            data,
            suffix,
            source,
            {},
            stem.replace("-", " "),
        )

    @app_commands.command(name="remove")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.describe(source="The article to remove (start typing its title)")
    @admin_only()
    @its_channels_only()
    async def remove(self, interaction: discord.Interaction, source: str) -> None:
        """Remove an article from the index (admins only)."""
        await interaction.response.defer(ephemeral=True, thinking=True)

        def remove_now() -> str | list[str] | None:
            try:
                found = self.bot.index.find_source(source)
            except AmbiguousSource as ambiguous:  # a URL two articles' files name removes neither
                return ambiguous.sources
            if found is None:
                return None
            with self.bot.index.writing():
                self.bot.index.remove(found)
            return found

        removed = await self.bot.run_blocking(remove_now)
        if removed is None:
            await send_ephemeral(interaction, f"Not in the index: {_shown(source)}. See `/sources`.")
        elif isinstance(removed, list):
            listed = ", ".join(_shown(s) for s in removed)
            await send_ephemeral(
                interaction, f"{len(removed)} articles have this URL: {listed}. Give the one to remove."
            )
        else:
            await send_ephemeral(interaction, f"Removed {neutralize(removed)}.")

    @remove.autocomplete("source")
    async def remove_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # discord.py runs a command's checks for the command, not for its autocomplete: the same
        # ones here, or the index, with the bot's file paths, is listed to anyone anywhere (a
        # hostile test: another server's admin, a channel outside TANYA_DISCORD_CHANNELS)
        if not self.bot.allows(interaction.channel, interaction.channel_id) or not is_admin(interaction):
            return []
        records = await self.bot.run_blocking(self.bot.index.articles)
        needle = current.lower()
        titles = Counter(r.title for r in records)

        def name(r: ArticleRecord) -> str:  # articles of one title (two uploads of "berita.txt") told apart
            if not r.title:
                return r.source[-90:]
            return r.title[:90] if titles[r.title] == 1 else f"{r.title[:50]} · {r.source[-40:]}"

        choices = [
            app_commands.Choice(name=name(r), value=r.source)
            for r in records
            if len(r.source) <= 100 and (needle in r.title.lower() or needle in r.source.lower())
        ]
        return choices[:25]


async def setup(bot: TanyaBot) -> None:
    """Register the cog."""
    await bot.add_cog(LibraryCog(bot))
