"""Settings of the read side: how questions are retrieved and answered, and the front ends."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    """Everything ``bot`` reads from the environment (prefix ``TANYA_``, ``.env`` supported).

    The Discord token and development guild keep Discord's usual names (``DISCORD_TOKEN``,
    ``DISCORD_GUILD_ID``), and the LLM providers theirs (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
    ``ANTHROPIC_API_KEY``, ``OLLAMA_BASE_URL``). Secrets are ``SecretStr``: they never show in
    reprs or logs.
    """

    model_config = SettingsConfigDict(
        env_prefix="TANYA_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    top_k: int = Field(default=5, ge=1, le=50)
    max_question_chars: int = Field(default=1000, ge=10)

    llm: str = "none"
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "TANYA_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "TANYA_OPENAI_BASE_URL")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "TANYA_ANTHROPIC_API_KEY")
    )
    ollama_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OLLAMA_BASE_URL", "TANYA_OLLAMA_BASE_URL")
    )

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

    @field_validator(
        "openai_api_key", "openai_base_url", "anthropic_api_key", "ollama_base_url", "discord_token", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def secret_values(self) -> list[str]:
        """The secrets set here (tokens and API keys), for log redaction."""
        secrets = (self.discord_token, self.openai_api_key, self.anthropic_api_key)
        return [s.get_secret_value().strip() for s in secrets if s is not None and s.get_secret_value().strip()]

    @property
    def channel_ids(self) -> frozenset[int]:
        """Channels the bot answers in (empty: every channel it can see)."""
        return frozenset(int(part) for part in self.discord_channels.replace(",", " ").split() if part.isdigit())
