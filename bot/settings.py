"""Settings of the read side: how questions are retrieved and answered, and the front ends."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    """Everything ``bot`` reads from the environment (prefix ``TANYA_``, ``.env`` supported)."""

    model_config = SettingsConfigDict(env_prefix="TANYA_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    top_k: int = Field(default=5, ge=1, le=50)
    dense_weight: float = Field(default=0.2, ge=0.0, le=1.0)
    max_question_chars: int = Field(default=1000, ge=10)
