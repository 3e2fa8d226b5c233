"""The one place that turns an app command's failure into what its user reads.

Commands raise; discord.py hands every failure of a slash command to the tree's error handler,
which this cog installs (python-discord's pattern): a refused check gets its reason, an error a
user can cause gets one polite sentence, anything else is logged and answered with an apology.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import send_ephemeral
from bot.discord.formatting import neutralize
from ingest.errors import BadInput, IndexBusy, LoadError, TanyaError

if TYPE_CHECKING:
    from bot.discord.app import TanyaBot

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong while answering. Please try again later."
BUSY = "Another import is running; please try again in a minute."
UNAVAILABLE = "The article index is unavailable right now; please try again later."


def reply_for(error: BaseException, command: str | None = None) -> str:
    """What to tell the user whose ``command`` failed with ``error``."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    if isinstance(error, LoadError):
        return f"Could not add that: {neutralize(str(error))}."
    if isinstance(error, BadInput):
        what = "question" if command == "ask" else "request"
        return f"Sorry, I can't take that {what}: {neutralize(str(error))}."
    if isinstance(error, IndexBusy):
        return BUSY
    if isinstance(error, TanyaError):
        logger.warning("/%s could not be served: %s", command, error)
        return UNAVAILABLE
    logger.error("/%s failed", command, exc_info=error)
    return APOLOGY


class ErrorsCog(commands.Cog):
    """Routes every slash command's failure to ``reply_for`` and answers privately."""

    def __init__(self, bot: TanyaBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Tell the user why their command failed."""
        command = interaction.command.name if interaction.command is not None else None
        await send_ephemeral(interaction, reply_for(error, command))


async def setup(bot: TanyaBot) -> None:
    """Register the cog (it installs the handler when loaded)."""
    await bot.add_cog(ErrorsCog(bot))
