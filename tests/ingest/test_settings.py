from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import IndexSettings


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
