from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chain.answer import THANKS_TEXT, Answer, Citation
from bot.discord.formatting import (
    EMBEDS_TOTAL_LIMIT,
    answer_replies,
    inert,
    neutralize,
    passage_messages,
    plain_text,
    source_embeds,
    sources_messages,
    split_message,
)
from ingest.types import ArticleRecord, Chunk

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


def test_neutralize_drops_bidirectional_controls_so_text_shows_in_the_order_it_was_checked() -> None:
    shown = neutralize("\u202bTikTok\u200f membayar\u200f Microsoft\u202c 20 juta [1] \u2067ok\u2069\u200b")
    assert shown.strip() == "TikTok membayar Microsoft 20 juta [1] ok"


def test_neutralize_escapes_markdown_and_links_but_keeps_markers() -> None:
    out = neutralize("Lihat [di sini](https://evil.example/x) **tebal** # judul https://a.example/b_c [2]")
    assert "](" not in out.replace("\\]\\(", "")
    assert "<https://evil.example/x>" in out and "<https://a.example/b_c>" in out
    assert "\\*\\*tebal\\*\\*" in out and out.endswith("[2]")


def _answer(
    quote: str, n_citations: int = 1, title: str = "Judul", url: str | None = "https://news.example/a"
) -> Answer:
    citations = [
        Citation(
            i,
            Chunk(f"c{i}", "src", 0, 0, len(quote), quote, title, url, "2024-10-12", "id"),
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


def test_an_undated_citation_with_no_name_to_show_has_no_empty_footer() -> None:
    quote = "Banjir merendam dua desa."
    chunk = Chunk("c1", "https://news.example/", 0, 0, len(quote), quote, "Judul", None, None, "id")
    answer = Answer("q?", f"{quote} [1]", False, "id", [Citation(1, chunk, quote, 1.0)])
    (embed,) = source_embeds(answer)
    assert embed.footer.text is None  # an empty one would make Discord refuse the whole message
    assert "footer" not in embed.to_dict()


def test_long_answer_is_split_and_sources_ride_on_the_last_part() -> None:
    replies = answer_replies(_answer("Kalimat panjang sekali. " * 200))
    assert len(replies) > 1 and all(len(r.content) <= 2000 for r in replies)
    assert not replies[0].embeds and replies[-1].embeds


def test_abstention_is_worded_clearly() -> None:
    (reply,) = answer_replies(Answer("q?", "x", True, "en"))
    assert reply.content == "I couldn't find the answer in the indexed articles." and not reply.embeds


def test_an_abstention_says_why_when_the_chain_noted_it() -> None:
    # found by a hostile tester: the note (filters leaving no article, a citation number the
    # answer lacks) was dropped on Discord, leaving a bare "couldn't find" for a question that
    # asked for an article of days the index has none of
    note = "No indexed article matches the filters (since '2026-11-01'); see `tanya sources`. @everyone " + "x" * 3000
    (reply,) = answer_replies(Answer("q?", "x", True, "en", note=note))
    assert reply.content.startswith("I couldn't find the answer in the indexed articles.\n\n_No indexed article")
    assert "@\u200beveryone" in reply.content and "@everyone" not in reply.content
    assert len(reply.content) <= 2000 and reply.content.endswith("_")
    # it points to the slash command, not to the command line (a hostile test)
    assert "/sources" in reply.content and "tanya sources" not in reply.content.replace("\\", "")
    (blank,) = answer_replies(Answer("q?", "x", True, "en", note="\u200b "))
    assert blank.content == "I couldn't find the answer in the indexed articles."


def test_an_abstention_shows_its_closest_passage_as_no_answer() -> None:
    chunk = Chunk(
        "c1", "s", 0, 0, 60, "Kata @everyone di <@&123>: hujan turun sejak Senin.", "Banjir @here", None, None, "id"
    )
    answer = Answer("q?", "x", True, "id", closest=Citation(1, chunk, chunk.text, 0.5))
    (reply,) = answer_replies(answer)
    assert reply.content.startswith("Saya tidak menemukan jawabannya") and "mungkin bukan jawabannya" in reply.content
    (embed,) = reply.embeds
    assert embed.title.startswith("Banjir") and not embed.title.startswith("[")  # not numbered: not a citation
    assert "hujan turun" in embed.description
    assert (
        "\\<@&123\\>" in embed.description
    )  # neutralised as a citation's quote is (allowed_mentions: tested on every send)


def test_a_quote_of_several_lines_is_quoted_line_by_line_in_its_embed() -> None:
    (embed,) = source_embeds(_answer("Banjir Merendam Empat Desa\n\nHujan turun sejak Senin."))
    assert embed.description == "> Banjir Merendam Empat Desa\n> \n> Hujan turun sejak Senin."


def test_an_embed_shows_its_quote_with_balanced_quotation_marks() -> None:
    """A quote opening a quotation its passage closes only later is closed in the embed, as in the
    answer's text (``answer.shown_quote``); the citation keeps the passage's text."""
    quote = '"Untuk bulan pertama kami menargetkan 9.500 penumpang per hari.'
    answer = _answer(quote)
    (embed,) = source_embeds(answer)
    assert embed.description == '> "Untuk bulan pertama kami menargetkan 9.500 penumpang per hari."'
    assert answer.citations[0].quote == quote


def test_an_answer_with_no_text_is_shown_as_an_abstention_not_a_crash() -> None:
    # nor one of only invisible or control characters, which neutralize drops (found by a hostile tester)
    for text in ("", "   \n ", "\u200b", "\x00", "\u00ad", "\u200b \u202e", "\ufeff\u2060"):
        answer = Answer("q?", text, False, "id")
        assert answer.says_nothing
        (reply,) = answer_replies(answer)
        assert reply.content and not reply.embeds


# Article URLs a hostile tester put in JSONL (they reach .meta.json and front matter the same way)
HOSTILE_URLS = [
    "https://example.com/a> [klik di sini](https://evil.example/phish) @everyone",
    "https://example.com/b\n# HEADING @here\n[tautan](https://evil.example)",
    "https://exa mple.com/c d",
    "https://example.com/d\u202e>",
    "https://example.com:99999/e",
]


def previewable_links(message: str) -> list[str]:
    """The http(s) URLs Discord would link, and so preview, in ``message``: those not in <...>."""
    return re.findall(r"https?://\S*", re.sub(r"<https?://[^\s<>]*>", "", message, flags=re.I), flags=re.I)


def escapes_are_whole(message: str) -> bool:
    """Whether every backslash in ``message`` escapes the character after it (or sits in a link)."""
    return re.fullmatch(r"(?:<https?://[^\s<>]*>|\\\S|[^\\])*", message, flags=re.I) is not None


def _record(title: str, url: str | None) -> ArticleRecord:
    return ArticleRecord("src", title, url, "2025-10-30", "id", None, None, 1, "2025-10-30T00:00:00")


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_malformed_article_url_is_left_out_of_sources_so_it_cannot_end_the_link_wrapper(url: str) -> None:
    (message,) = sources_messages([_record("Banjir", url), _record("Gempa", "https://news.example/gempa?id=1")])
    assert message.splitlines() == [
        "• Banjir · 2025-10-30 · 1 passage",
        "• Gempa · 2025-10-30 · 1 passage <https://news.example/gempa?id=1>",
    ]


def test_sources_count_passages_in_words_that_fit_the_number() -> None:
    # a hostile tester's: "1 passages"
    many = dataclasses.replace(_record("Gempa", None), chunks=1234)
    assert sources_messages([_record("Banjir", None), many])[0].splitlines() == [
        "• Banjir · 2025-10-30 · 1 passage",
        "• Gempa · 2025-10-30 · 1,234 passages",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lihat <https://evil.example/x sekarang", "lihat \\<<https://evil.example/x> sekarang"),
        ("lihat _https://evil.example/x ya", "lihat \\_<https://evil.example/x> ya"),
        ("lihatxhttps://evil.example/x", "lihatx<https://evil.example/x>"),
        ("lihat \\https://evil.example/x", "lihat \\\\<https://evil.example/x>"),
        ("lihat <<https://evil.example/x>", "lihat \\<<https://evil.example/x>"),
        ("lihat HTTPS://EVIL.EXAMPLE/x", "lihat <HTTPS://EVIL.EXAMPLE/x>"),
        ("lihat https://(evil.example/x)", "lihat https\\://\\(evil.example/x\\)"),
    ],
)
def test_every_url_is_wrapped_whatever_stands_before_it(text: str, expected: str) -> None:
    out = neutralize(text)
    assert out == expected and previewable_links(out) == [] and escapes_are_whole(out)


def test_a_link_at_the_end_of_a_sentence_is_wrapped_without_its_full_stop() -> None:
    assert neutralize("Baca https://news.example/a. Lalu https://x.example/?q=1, ya") == (
        "Baca <https://news.example/a>. Lalu <https://x.example/?q=1>, ya"
    )


def test_a_url_longer_than_a_message_is_split_into_pieces_that_link_nothing() -> None:
    url = "https://evil.example/" + "a" * 2500
    pieces = split_message(neutralize(f"Lihat {url} sekarang."))
    assert len(pieces) > 1 and all(len(p) <= 2000 for p in pieces)
    assert all(previewable_links(p) == [] and escapes_are_whole(p) for p in pieces)
    # "Show passage" of a long passage (TANYA_CHUNK_MAX_CHARS of 2,100 or more) goes the same way
    passage = passage_messages("[1] Tautan panjang", f"Situs layanan baru di {url} untuk warga.")
    assert all(previewable_links(p) == [] and escapes_are_whole(p) for p in passage)


def test_a_cut_in_a_long_word_moves_back_to_the_start_of_a_link_and_keeps_it_whole() -> None:
    assert split_message(neutralize("a" * 1990 + "https://news.example/berita")) == [
        "a" * 1990,
        "<https://news.example/berita>",
    ]


def test_a_cut_never_separates_a_backslash_from_the_character_it_escapes() -> None:
    pieces = split_message(neutralize("x" + "*" * 1500))
    assert len(pieces) == 2 and all(escapes_are_whole(p) for p in pieces)
    assert "".join(pieces) == neutralize("x" + "*" * 1500)


_hostile_token = st.sampled_from(
    ["https://evil.example/", "HTTP://a.example/b_c", "<", ">", "\\", "*", "_", "|", "[1]", "(", ")", "x", " ", "\n"]
)


@settings(max_examples=300)
@given(st.lists(st.one_of(_hostile_token, _word), max_size=400).map("".join), st.integers(min_value=20, max_value=2000))
def test_no_cut_of_neutralized_text_leaves_a_previewable_link_or_a_lone_escape(text: str, limit: int) -> None:
    for piece in split_message(neutralize(text), limit):
        assert len(piece) <= limit and previewable_links(piece) == [] and escapes_are_whole(piece)


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_an_embed_title_is_escaped_and_a_malformed_link_left_out(url: str) -> None:
    title = "**Banjir** @everyone <@&123456789012345678> ||spoiler|| [klik](https://evil.example)"
    (embed,) = source_embeds(_answer("Sekitar 300 warga mengungsi.", title=title, url=url))
    assert embed.url is None and embed.footer.text == "2024-10-12 · src"
    assert embed.title == (
        "[1] \\*\\*Banjir\\*\\* @\u200beveryone \\<@&123456789012345678\\> \\|\\|spoiler\\|\\| "
        "\\[klik\\]\\(<https://evil.example>\\)"
    )


def test_an_embed_keeps_a_well_formed_link_and_names_its_host() -> None:
    (embed,) = source_embeds(_answer("Kutipan.", url="https://www.news.example/berita/2024?id=7#atas"))
    assert embed.url == "https://www.news.example/berita/2024?id=7#atas"
    assert embed.footer.text == "2024-10-12 · news.example"


def test_everyone_and_here_in_text_are_broken_so_they_could_not_ping() -> None:
    # a second safeguard: every send also passes AllowedMentions.none() (tested on every send)
    text = neutralize("Kata @everyone dan @here, @Everyone: rapat warga [1] @everyones @here123")
    assert "@everyone" not in text.lower() and "@here" not in text
    assert (
        text == "Kata @\u200beveryone dan @\u200bhere, @\u200bEveryone: rapat warga [1] @\u200beveryones @\u200bhere123"
    )


def test_everyone_is_broken_in_a_footer_a_thread_name_and_a_link_too() -> None:
    # found by a hostile tester: a file named "@everyone.txt" made the footer, and a link in an
    # article kept its "@everyone" (each still sent with no mentions allowed)
    from bot.discord.cogs.ask import _thread_name

    chunk = Chunk("c1", "/news/@everyone.txt", 0, 0, 8, "Kutipan.", "Judul", None, "2024-10-12", "id")
    (embed,) = source_embeds(Answer("q?", "Kutipan. [1]", False, "id", [Citation(1, chunk, "Kutipan.", 1.0)]))
    assert embed.footer.text == "2024-10-12 · @\u200beveryone.txt"
    text = neutralize("Lihat https://koperasi.example/@everyone/@here?x=1 dan <https://a.example/@Everyone>")
    assert text == "Lihat <https://koperasi.example/%40everyone/%40here?x=1> dan <https://a.example/%40Everyone>"
    assert _thread_name("@everyone  siapa\u200b CEO-nya?") == "@\u200beveryone siapa CEO-nya?"
    record = ArticleRecord("s", "Banjir", "https://kabar.example/@everyone/x", "2024-10-12", "id", None, None, 3, "x")
    assert "<https://kabar.example/%40everyone/x>" in sources_messages([record])[0]
    # a source cut short is shown with no link at all, its "@everyone" broken as well
    assert inert("@everyone https://kabar.example/x" + "y" * 300).startswith("@\u200beveryone https\\://")


def test_an_articles_own_bracketed_numbers_in_an_embed_are_no_citations() -> None:
    (embed,) = source_embeds(_answer("Menurut laporan [12], sekitar 300 warga mengungsi.", title="Banjir [3] Arum"))
    assert embed.title == "[1] Banjir ［3］ Arum" and "laporan ［12］" in embed.description


def test_a_chat_reply_to_small_talk_is_shown_as_it_is_not_as_an_abstention() -> None:
    reply = Answer("makasih bang", THANKS_TEXT["id"], True, "id", chat=True)  # what the chain gives
    assert not reply.says_nothing
    (shown,) = answer_replies(reply)
    assert shown.content == neutralize(THANKS_TEXT["id"]) and not shown.embeds


def test_plain_text_breaks_mentions_as_well_as_everyone() -> None:
    # thread names and embed footers: a hostile tester's "<@&123>" had stayed as written
    shown = plain_text("@everyone <@&123> <@456> <#789> </ask:1> <t:1700000000:R> <id:customize> harga <5 juta")
    assert "@everyone" not in shown and "<@" not in shown and "<#" not in shown and "</" not in shown
    assert "<t:" not in shown and "<id:" not in shown and "harga <5 juta" in shown
