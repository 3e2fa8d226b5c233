from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.text.analysis import clean_text
from ingest.text.chunking import chunk_text
from tests.conftest import BUNDLED_ARTICLE


def test_bundled_article_chunks_round_trip_and_respect_the_limit() -> None:
    text = clean_text(BUNDLED_ARTICLE.read_text(encoding="utf-8"))
    chunks = chunk_text(text, 600)
    assert len(chunks) > 3
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 600


def test_chunks_end_at_sentence_ends() -> None:
    text = " ".join(f"Kalimat nomor {i} berisi beberapa kata saja." for i in range(40))
    for chunk in chunk_text(text, 200):
        assert chunk.text.endswith("saja.")


def test_short_headline_joins_next_paragraph() -> None:
    text = "Investasi AI\n\n" + "TikTok membayar Microsoft. " * 5
    chunks = chunk_text(text.strip(), 600)
    assert len(chunks) == 1 and chunks[0].text.startswith("Investasi AI")


def test_long_sentence_is_cut_at_spaces() -> None:
    text = " ".join(["kata"] * 300) + "."
    chunks = chunk_text(text, 100)
    assert all(len(c.text) <= 100 for c in chunks)
    assert all(not c.text.startswith(" ") and "kat " not in c.text for c in chunks)
    assert " ".join(c.text for c in chunks) == text


_words = st.text(alphabet="abcdeé", min_size=1, max_size=12)
_sentence = st.lists(_words, min_size=1, max_size=30).map(lambda ws: " ".join(ws) + ".")
_paragraph = st.lists(_sentence, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=150)
@given(st.lists(_paragraph, min_size=1, max_size=6).map("\n\n".join), st.integers(min_value=100, max_value=800))
def test_chunks_cover_text_with_round_trip_offsets_and_no_cut_words(text: str, max_chars: int) -> None:
    chunks = chunk_text(text, max_chars)
    assert chunks
    covered = "".join(c.text for c in chunks)
    assert covered.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    previous_end = 0
    for chunk in chunks:
        assert chunk.text and text[chunk.start : chunk.end] == chunk.text
        assert chunk.start >= previous_end
        assert chunk.start == 0 or not text[chunk.start - 1].isalnum()
        assert chunk.end == len(text) or not text[chunk.end].isalnum()
        longest_word = max(len(w) for w in chunk.text.split())
        assert len(chunk.text) <= max(max_chars, longest_word)
        previous_end = chunk.end


def test_a_one_megabyte_paragraph_is_chunked_like_the_same_text_in_paragraphs() -> None:
    # One paragraph of 20,000 sentences took minutes (quadratic sentence splitting) where the
    # same text in paragraphs took a second; both now chunk the same way, in linear time.
    sentences = [f"Kalimat nomor {i} berisi beberapa kata, dll. dan angka 3.5 saja." for i in range(20_000)]
    one = " ".join(sentences)
    chunks = chunk_text(one, 1000)
    assert "".join(c.text for c in chunks).replace(" ", "") == one.replace(" ", "")
    assert all(c.text.endswith("saja.") and len(c.text) <= 1000 for c in chunks)
