"""Settings of the read side: how questions are retrieved and answered, and the front ends."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    """Everything ``bot`` reads from the environment (prefix ``TANYA_``, ``.env`` supported).

    The Discord token and development guild keep Discord's usual names (``DISCORD_TOKEN``,
    ``DISCORD_GUILD_ID``). The token is a ``SecretStr``: it never shows in reprs or logs.
    """

    model_config = SettingsConfigDict(
        env_prefix="TANYA_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    top_k: int = Field(default=5, ge=1, le=50)
    dense_weight: float = Field(default=0.2, ge=0.0, le=1.0)
    max_question_chars: int = Field(default=1000, ge=10)

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "TANYA_DISCORD_TOKEN")
    )
    discord_guild_id: int | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_GUILD_ID", "TANYA_DISCORD_GUILD_ID")
    )
    discord_channels: str = ""
    discord_admin_role: str = ""
    discord_threads: bool = False
    discord_cooldown_per_minute: int = Field(default=5, ge=1)
    discord_concurrency: int = Field(default=4, ge=1, le=64)
    discord_allow_private_urls: bool = False

    @property
    def channel_ids(self) -> frozenset[int]:
        """Channels the bot answers in (empty: every channel it can see)."""
        return frozenset(int(part) for part in self.discord_channels.replace(",", " ").split() if part.isdigit())
