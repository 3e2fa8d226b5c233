"""tanya's settings: one object with a section per part, read once at an entry point and passed in.

Every variable is ``TANYA_`` plus a name (see ``.env.example`` and the README's table), except
that the Discord token and development guild keep Discord's usual names (``DISCORD_TOKEN``,
``DISCORD_GUILD_ID``) and the LLM providers theirs (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``ANTHROPIC_API_KEY``, ``OLLAMA_BASE_URL``). Secrets are ``SecretStr``: they never show in reprs
or logs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from ingest.settings import (
    PASSWORD_NOT_ENCODED,
    IndexSettings,
    Section,
    database_secrets,
    has_user_part,
    password_not_encoded,
    url_secrets,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


class AnswerSettings(Section):
    """How many passages an answer reads, how long a question may be, and whose calendar
    "today", "kemarin" and "minggu lalu" count on."""

    top_k: int = Field(default=5, ge=1, le=50)
    max_question_chars: int = Field(default=1000, ge=10, le=100_000)
    # An IANA time zone ("Asia/Jakarta"); empty: the host's local time. A host on UTC is a day
    # behind its users in WIB before 07:00.
    timezone: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Refuse a zone the time-zone database does not know, naming the setting."""
        value = value.strip()
        return zone_of(value).key if value else value  # as the database names it: "asia/jakarta" is Asia/Jakarta

    def today(self) -> date:
        """Today's date in ``timezone`` (the host's when it is empty)."""
        if not self.timezone:
            return date.today()
        return datetime.now(zone_of(self.timezone)).date()


def zone_of(name: str) -> ZoneInfo:
    """The time zone called ``name`` ("Asia/Jakarta", "UTC"; in any case: "asia/jakarta"), or a
    ValueError that says so."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a path ("../x"), a NUL, a name too long
        pass
    named = {zone.casefold(): zone for zone in available_timezones()}.get(name.casefold())
    if named is None:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Jakarta)")
    return ZoneInfo(named)


class LLMSettings(Section):
    """The optional chat model that writes answers (``TANYA_LLM``, ``TANYA_LLM_TIMEOUT_S``, ...)."""

    model_config = SettingsConfigDict(env_prefix="TANYA_LLM_")

    model: str = Field(default="none", validation_alias=AliasChoices("TANYA_LLM", "model"))
    timeout_s: float = Field(default=60.0, gt=0, le=3600)  # finite: sockets take no 'inf'
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    # the longest answer the model may write, in tokens (an answer is a few sentences; a model
    # that runs on is stopped there, and what it wrote is verified as a reply cut off is)
    max_tokens: int = Field(default=600, ge=16, le=100_000)
    # False: the model quotes the passages word for word; True: it writes its own sentences, each
    # checked word by word against the passage it cites (README, "Optional LLM answers").
    paraphrase: bool = False
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "TANYA_OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "TANYA_OPENAI_BASE_URL", "openai_base_url")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANTHROPIC_API_KEY", "TANYA_ANTHROPIC_API_KEY", "anthropic_api_key"),
    )
    ollama_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OLLAMA_BASE_URL", "TANYA_OLLAMA_BASE_URL", "ollama_base_url")
    )

    @field_validator("ollama_base_url")
    @classmethod
    def _password_encoded(cls, value: str | None) -> str | None:
        """Refuse a password with "/", "?" or "#" unencoded, which no message could hide
        (``password_not_encoded``)."""
        if value and password_not_encoded(value):
            raise ValueError(PASSWORD_NOT_ENCODED)
        return value

    @field_validator("openai_base_url")
    @classmethod
    def _no_sign_in_in_place_of_the_key(cls, value: str | None) -> str | None:
        """Refuse a ``user:password@`` part in the URL: the HTTP client sends it as Basic auth in
        place of OPENAI_API_KEY (which the OpenAI client requires), so the server never got the
        key (a hostile tester's, 2026-12-05)."""
        if value and (has_user_part(value) or password_not_encoded(value)):
            raise ValueError(
                "has a user:password@ part, which would be sent as Basic auth in place of OPENAI_API_KEY; "
                "give the URL without it, and the key in OPENAI_API_KEY"
            )
        return value

    @field_validator("openai_api_key", "anthropic_api_key")
    @classmethod
    def _key_as_typed(cls, value: SecretStr | None) -> SecretStr | None:
        """A key without the spaces and line ends around it (a ``.env`` saved with CRLF, a paste):
        they are no part of any key, and a server refused it as a wrong one."""
        key = None if value is None else value.get_secret_value().strip()
        return SecretStr(key) if key else None


class DiscordSettings(Section):
    """The Discord bot (``DISCORD_TOKEN``, ``TANYA_DISCORD_CHANNELS``, ...)."""

    model_config = SettingsConfigDict(env_prefix="TANYA_DISCORD_")

    token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "TANYA_DISCORD_TOKEN", "token")
    )
    guild_id: int | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_GUILD_ID", "TANYA_DISCORD_GUILD_ID", "guild_id")
    )
    channels: str = ""  # comma-separated channel ids, checked and written "id,id" by _channels_are_ids
    admin_role: str = ""
    threads: bool = False
    cooldown_per_minute: int = Field(default=5, ge=1)
    concurrency: int = Field(default=4, ge=1, le=64)
    allow_private_urls: bool = False
    conversation_turns: int = Field(default=6, ge=1, le=50)
    conversation_minutes: float = Field(default=30.0, gt=0, le=24 * 60)

    @field_validator("channels")
    @classmethod
    def _channels_are_ids(cls, value: str) -> str:
        """Accept channel ids (digits, or the ``<#id>`` a channel mention is) separated by commas or
        spaces, and refuse anything else: a channel name or another separator once parsed to no ids,
        which means every channel, so a filter meant to narrow the bot silently widened it."""
        ids = []
        for part in value.replace(",", " ").split():
            digits = part[2:-1] if part.startswith("<#") and part.endswith(">") else part
            if not (digits.isascii() and digits.isdigit() and len(digits) <= 20 and int(digits)):
                raise ValueError(
                    "expected numeric channel ids separated by commas, like 123456789012345678,234567890123456789"
                    f" (Discord's Copy Channel ID), not {part!r}"
                )
            ids.append(str(int(digits)))
        return ",".join(ids)

    @property
    def channel_ids(self) -> frozenset[int]:
        """Channels the bot answers in (empty: every channel it can see)."""
        return frozenset(int(part) for part in self.channels.split(",") if part)


class Settings(BaseModel):
    """All of tanya's settings, a section per part."""

    model_config = ConfigDict(hide_input_in_errors=True)

    index: IndexSettings = Field(default_factory=IndexSettings)
    answering: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)

    def secret_values(self) -> list[str]:
        """The secrets set (tokens and API keys), for log redaction."""
        secrets = (self.discord.token, self.llm.openai_api_key, self.llm.anthropic_api_key)
        values = [s.get_secret_value().strip() for s in secrets if s is not None and s.get_secret_value().strip()]
        # a password in a server's URL (http://user:password@host) is as secret as a key: an HTTP
        # client logs the URLs it requests
        urls = (self.index.chroma_url, self.llm.openai_base_url, self.llm.ollama_base_url)
        values += [secret for url in urls if url for secret in url_secrets(url)]  # "?api-key=..." too
        return values + (database_secrets(self.index.database_url) if self.index.database_url else [])


# Variables of this prefix that no setting reads are named as misspellings, except the tests' own.
SETTING_PREFIX = "TANYA_"
TESTS_PREFIX = "TANYA_TEST_"


SECTIONS: tuple[type[Section], ...] = (IndexSettings, AnswerSettings, LLMSettings, DiscordSettings)


def field_variables(section: type[Section], name: str) -> tuple[str, ...]:
    """The variables one setting is read from: the names it is given (``DISCORD_TOKEN`` or
    ``TANYA_DISCORD_TOKEN``), else its section's prefix and its name."""
    info = section.model_fields[name]
    given = tuple(c for c in getattr(info.validation_alias, "choices", ()) if isinstance(c, str) and c.isupper())
    return given or (str(section.model_config.get("env_prefix") or SETTING_PREFIX) + name.upper(),)


def setting_names() -> frozenset[str]:
    """Every variable a setting is read from."""
    return frozenset(v for section in SECTIONS for name in section.model_fields for v in field_variables(section, name))


def unknown_settings(environ: dict[str, str], env_file: dict[str, str | None]) -> list[tuple[str, str, str | None]]:
    """The ``TANYA_`` variables of the environment and of ``.env`` (read as ``dotenv_values``)
    that set nothing, a misspelling as often as not ("TANYA_TOPK" for "TANYA_TOP_K"), which the
    settings ignore without a word: (the variable, where it is set, the closest setting or
    ``None``). Case does not matter, as for the settings themselves; ``TANYA_TEST_`` variables
    are the tests' own."""
    import difflib
    import re

    known = sorted(setting_names())
    found: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()  # a variable set in both places is named once
    for where, names in (("in the environment", environ), ("in .env", env_file)):
        for name in sorted(names):
            upper = name.upper()
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", upper) or upper == SETTING_PREFIX:
                # a line of .env that is no assignment ("TANYA_OPENAI_API_KEY:sk-..."), whose
                # "name" holds the value meant for it: never shown (a review's finding)
                continue
            if (
                not upper.startswith(SETTING_PREFIX)
                or upper.startswith(TESTS_PREFIX)
                or upper in known
                or upper in seen
            ):
                continue
            seen.add(upper)
            close = difflib.get_close_matches(upper, known, n=1, cutoff=0.75)
            found.append((name, where, close[0] if close else None))
    return found
