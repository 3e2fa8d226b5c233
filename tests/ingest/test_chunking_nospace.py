"""Text with no spaces to cut at (Chinese, Thai, a run of letters) is still cut into passages no
longer than the limit: a 612 KB Chinese article used to become one 228,000-character passage,
and 3 MB without a space took 25 s and 1.1 GB to ingest."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.text.chunking import ChunkSpan, chunk_text


def assert_exact_passages(text: str, chunks: list[ChunkSpan], max_chars: int) -> None:
    """Offsets round-trip, passages follow each other, none is over the limit, and only
    whitespace falls between them."""
    assert chunks
    previous_end = 0
    for i, chunk in enumerate(chunks):
        assert chunk.index == i and chunk.text and text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= max_chars
        assert chunk.start >= previous_end and not text[previous_end : chunk.start].strip()
        previous_end = chunk.end
    assert not text[previous_end:].strip()


def chinese(length: int, seed: int = 7) -> str:
    """Chinese-like text: no spaces, full-width punctuation (which ends no sentence here)."""
    rng = random.Random(seed)
    out: list[str] = []
    while sum(map(len, out)) < length:
        out.append("".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(rng.randint(8, 40))) + rng.choice("，。"))
    return "".join(out)[:length]


def test_chinese_without_spaces_is_cut_at_the_limit() -> None:
    text = chinese(20_000)
    chunks = chunk_text(text, 1000)
    assert_exact_passages(text, chunks, 1000)
    assert "".join(c.text for c in chunks) == text
    assert len(chunks) == 20


def test_a_word_longer_than_the_limit_is_cut_and_the_words_around_it_stay_whole() -> None:
    text = "Kata pembuka di sini " + "x" * 250 + " lalu kata penutup yang biasa saja."
    chunks = chunk_text(text, 100)
    assert_exact_passages(text, chunks, 100)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    pieces = " ".join(c.text for c in chunks).split()
    assert [p for p in pieces if "x" not in p] == [w for w in text.split() if "x" not in w]


def test_a_cut_between_a_letter_and_its_mark_moves_back_to_the_letter() -> None:
    # Thai writes words without spaces, vowels and tone marks after their consonant ("กิ่" is
    # three code points): a passage must not start with a mark cut off its letter.
    text = "ประเทศไทยกิ่" * 400
    marks = [i for i, ch in enumerate(text[:100]) if unicodedata.category(ch).startswith("M")]
    assert {46, 47, 58, 59} <= set(marks)  # where a cut at the limit would fall below
    for max_chars in range(40, 60):
        chunks = chunk_text(text, max_chars)
        assert_exact_passages(text, chunks, max_chars)
        assert "".join(c.text for c in chunks) == text
        assert not any(unicodedata.category(c.text[0]).startswith("M") for c in chunks)


def test_three_megabytes_without_a_space_are_cut_at_the_limit() -> None:
    text = "abcdefghij" * 300_000
    chunks = chunk_text(text, 1000)
    assert len(chunks) == 3000 and all(len(c.text) == 1000 for c in chunks)
    assert chunks[-1].end == len(text)


_letters = st.text(alphabet="abé中文ไ\u0e34", min_size=1, max_size=400)
_words = st.lists(_letters, min_size=1, max_size=12).map(" ".join)
_text = st.lists(_words, min_size=1, max_size=5).map(lambda ps: "\n\n".join(p + "." for p in ps))


@settings(max_examples=200, deadline=None)
@given(_text, st.integers(min_value=20, max_value=300))
def test_no_passage_is_over_the_limit_whatever_the_words(text: str, max_chars: int) -> None:
    chunks = chunk_text(text, max_chars)
    assert_exact_passages(text, chunks, max_chars)
    kept = "".join(c.text for c in chunks)
    assert kept.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
