from __future__ import annotations

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


def test_dotenv_is_read_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANYA_DATA_DIR")
    (Path.cwd() / ".env").write_text("TANYA_DATA_DIR=/srv/tanya\nTANYA_CHUNK_MAX_CHARS=700\n", encoding="utf-8")
    settings = IndexSettings()
    assert settings.data_dir == Path("/srv/tanya") and settings.chunk_max_chars == 700


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

    from bot.settings import LLMSettings

    for name, read in (("TANYA_FETCH_TIMEOUT_S", IndexSettings), ("TANYA_LLM_TIMEOUT_S", LLMSettings)):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError):
            read()
        monkeypatch.delenv(name)
