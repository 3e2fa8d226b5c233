"""The one place that turns an ``Answer`` into Discord messages: neutralised text, split under
Discord's limits, sources as embeds. Article, question and model text is untrusted: markdown is
escaped, links are wrapped in <...> so Discord shows no preview, and senders allow no mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.chain.answer import Answer
from ingest.types import ArticleRecord

MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 1024  # kept well under Discord's 4096 so five sources fit the 6000 total
EMBED_FOOTER_LIMIT = 200
EMBEDS_TOTAL_LIMIT = 6000
MAX_EMBEDS = 10

_URL = re.compile(r"(?<!<)\bhttps?://[^\s<>()\[\]]+", re.IGNORECASE)
_MARKER = re.compile(r"\[\d+\]")
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()-])")

ABSTAIN_NOTE = {
    "id": "Saya tidak menemukan jawabannya di artikel yang diindeks.",
    "en": "I couldn't find the answer in the indexed articles.",
}


def neutralize(text: str) -> str:
    """Escape Discord markdown (so no masked links, headings or spoilers) except our ``[n]``
    markers, and wrap bare URLs in <...> so Discord does not unfurl them."""
    parts: list[str] = []
    position = 0
    for match in _MARKER.finditer(text):
        parts.append(_escape(text[position : match.start()]))
        parts.append(match.group(0))
        position = match.end()
    parts.append(_escape(text[position:]))
    return "".join(parts)


def _escape(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        out.append(_MARKDOWN.sub(r"\\\1", text[position : match.start()]))
        out.append(f"<{match.group(0)}>")
        position = match.end()
    out.append(_MARKDOWN.sub(r"\\\1", text[position:]))
    return "".join(out)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, in order, at paragraph breaks,
    else sentence ends, else spaces; a citation marker stays with the text before it. Only
    whitespace at the cut points is dropped; a single word longer than ``limit`` is cut."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*(?:\s*\[\d+\])*(?=\s)")
_SPACE = re.compile(r"\s")


def _cut_point(text: str, limit: int) -> int:
    """Where to cut: the last paragraph break, else sentence end, else space that fits, never
    in front of a ``[n]`` marker (it belongs to the sentence before it)."""
    window = text[: limit + 1]
    for pattern, use_end, minimum in (
        (_PARAGRAPH_BREAK, False, limit // 3),
        (_SENTENCE_END, True, limit // 3),
        (_SPACE, False, 1),
    ):
        cuts = [m.end() if use_end else m.start() for m in pattern.finditer(window)]
        cuts = [c for c in cuts if minimum <= c <= limit and not _MARKER.match(text, _skip_space(text, c))]
        if cuts:
            return cuts[-1]
    return limit  # one word longer than a whole message


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


@dataclass
class Reply:
    """One Discord message to send: content plus (on the last part) the source embeds."""

    content: str
    embeds: list[Any] = field(default_factory=list)


def answer_replies(answer: Answer) -> list[Reply]:
    """Return the messages for an answer: text parts under 2,000 characters, then sources."""
    if answer.abstained:
        return [Reply(neutralize(ABSTAIN_NOTE.get(answer.lang, ABSTAIN_NOTE["en"])))]
    text = neutralize(answer.text)
    if answer.note:
        text += f"\n\n_{neutralize(answer.note)}_"
    replies = [Reply(part) for part in split_message(text)]
    replies[-1].embeds = source_embeds(answer)
    return replies


def preview_content(text: str) -> str:
    """An answer still being written, as one message: neutralised, cut to fit, marked as unfinished."""
    pieces = split_message(neutralize(text), MESSAGE_LIMIT - 2)
    return (pieces[0] if pieces else "") + " …"


def source_embeds(answer: Answer) -> list[Any]:
    """One embed per citation: title, link when the article has one, date, quoted sentences."""
    import discord

    embeds: list[Any] = []
    budget = EMBEDS_TOTAL_LIMIT
    for citation in answer.citations[:MAX_EMBEDS]:
        chunk = citation.chunk
        title = _clip(f"[{citation.n}] {chunk.title}", EMBED_TITLE_LIMIT)
        footer = _clip(
            " · ".join(x for x in (chunk.published, _source_label(chunk.source, chunk.url)) if x), EMBED_FOOTER_LIMIT
        )
        room = min(EMBED_DESCRIPTION_LIMIT, budget - len(title) - len(footer))
        if room < 50:
            break
        description = _clip(f"> {neutralize(citation.quote)}", room)
        url = chunk.url if chunk.url and re.match(r"https?://", chunk.url) else None
        embed = discord.Embed(title=title, url=url, description=description)
        embed.set_footer(text=footer)
        embeds.append(embed)
        budget -= len(title) + len(description) + len(footer)
    return embeds


def _source_label(source: str, url: str | None) -> str:
    if url:
        return re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
    return source.rsplit("/", 1)[-1]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"


def passage_messages(title: str, text: str) -> list[str]:
    """The whole passage behind a citation, for "Show passage", split under the limit."""
    return split_message(f"**{neutralize(title)}**\n\n{neutralize(text)}")


def sources_messages(records: list[ArticleRecord]) -> list[str]:
    """The indexed articles as message text, split under the limit."""
    if not records:
        return ["The index is empty. An admin can add articles with `/add`."]
    lines = []
    for r in records:
        link = f" <{r.url}>" if r.url and re.match(r"https?://", r.url) else ""
        date = f" · {r.published}" if r.published else ""
        lines.append(f"• {neutralize(r.title)}{date} · {r.chunks} passages{link}")
    return split_message("\n".join(lines))
