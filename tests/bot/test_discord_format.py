from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chain.answer import Answer, Citation
from bot.discord.formatting import (
    EMBEDS_TOTAL_LIMIT,
    answer_replies,
    neutralize,
    source_embeds,
    split_message,
)
from ingest.types import Chunk

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé0123456789", min_size=1, max_size=15)
_sentence = st.builds(
    lambda words, ending, marker: " ".join(words) + ending + (f" [{marker}]" if marker else ""),
    st.lists(_word, min_size=1, max_size=25),
    st.sampled_from([".", ". ", " [1].", "?"]),
    st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
)
_text = st.lists(st.lists(_sentence, min_size=1, max_size=12).map(" ".join), min_size=1, max_size=12).map("\n\n".join)


@settings(max_examples=200)
@given(_text, st.integers(min_value=60, max_value=2000))
def test_split_keeps_everything_in_order_under_the_limit(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert re.sub(r"\s+", "", "".join(pieces)) == re.sub(r"\s+", "", text)
    # pieces are consecutive slices of the text, separated only by whitespace
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        assert found >= 0 and text[position:found].strip() == ""
        position = found + len(piece)
    # no word and no citation marker is cut
    assert sorted(re.findall(r"\[\d+\]", "".join(p + " " for p in pieces))) == sorted(re.findall(r"\[\d+\]", text))
    for piece in pieces[1:]:
        assert not re.match(r"\s*\[\d+\]", piece), "a marker was separated from its sentence"
    words = set(re.findall(r"\S+", text))
    for piece in pieces:
        for token in re.findall(r"\S+", piece):
            assert token in words


def test_split_prefers_paragraph_breaks() -> None:
    text = "a " * 400 + "\n\n" + "b " * 400
    assert split_message(text, 1000) == [("a " * 400).strip(), ("b " * 400).strip()]


def test_neutralize_escapes_markdown_and_links_but_keeps_markers() -> None:
    out = neutralize("Lihat [di sini](https://evil.example/x) **tebal** # judul https://a.example/b_c [2]")
    assert "](" not in out.replace("\\]\\(", "")
    assert "<https://evil.example/x>" in out and "<https://a.example/b_c>" in out
    assert "\\*\\*tebal\\*\\*" in out and out.endswith("[2]")


def _answer(quote: str, n_citations: int = 1, title: str = "Judul") -> Answer:
    citations = [
        Citation(
            i,
            Chunk(f"c{i}", "src", 0, 0, len(quote), quote, title, "https://news.example/a", "2024-10-12", "id"),
            quote,
            1.0,
        )
        for i in range(1, n_citations + 1)
    ]
    return Answer("q?", " ".join(f"{quote} [{c.n}]" for c in citations), False, "id", citations)


def test_embeds_stay_within_discord_limits() -> None:
    answer = _answer("kata " * 2000, n_citations=10, title="T" * 400)
    embeds = source_embeds(answer)
    total = sum(len(e.title or "") + len(e.description or "") + len(e.footer.text or "") for e in embeds)
    assert embeds and total <= EMBEDS_TOTAL_LIMIT
    assert all(len(e.title or "") <= 256 and len(e.description or "") <= 4096 for e in embeds)
    assert embeds[0].url == "https://news.example/a" and "2024-10-12" in (embeds[0].footer.text or "")


def test_long_answer_is_split_and_sources_ride_on_the_last_part() -> None:
    replies = answer_replies(_answer("Kalimat panjang sekali. " * 200))
    assert len(replies) > 1 and all(len(r.content) <= 2000 for r in replies)
    assert not replies[0].embeds and replies[-1].embeds


def test_abstention_is_worded_clearly() -> None:
    (reply,) = answer_replies(Answer("q?", "x", True, "en"))
    assert reply.content == "I couldn't find the answer in the indexed articles." and not reply.embeds
