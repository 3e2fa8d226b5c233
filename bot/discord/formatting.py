"""The one place that turns an ``Answer`` into Discord messages: neutralised text, split under
Discord's limits, sources as embeds. Article, question and model text is untrusted: markdown is
escaped, links are wrapped in <...> so Discord shows no preview, "@everyone" and "@here" are broken
by a zero-width space, and senders allow no mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.chain.answer import CLOSEST_LABEL, Answer, Citation, fullwidth_brackets, shown_quote
from ingest.errors import how_many
from ingest.text.analysis import LINK, without_invisible
from ingest.types import ArticleRecord

MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 1024  # kept well under Discord's 4096 so five sources fit the 6000 total
EMBED_FOOTER_LIMIT = 200
EMBEDS_TOTAL_LIMIT = 6000
MAX_EMBEDS = 10
URL_LIMIT = 2048  # longer article links are left out

# Links (``LINK``): one already in <...> is kept as it is, a bare one without the punctuation that
# ends its sentence, whatever stands before it (Discord links "xhttps://..." and "\_https://..."
# too), is wrapped; a bare "https://" with nothing after it is made inert.
_MARKER = re.compile(r"\[\d+\]")
_MARKDOWN = re.compile(r"([\\*_~`|<>#\[\]()-])")
# What a message must not be cut inside, read left to right: a link in <...>, a backslash and the
# character it escapes, a citation marker.
_WHOLE = re.compile(r"(<https?://[^\s<>]*>)|\\\S|\[\d+\]", re.IGNORECASE)
_SCHEME = re.compile(r"(https?):", re.IGNORECASE)
# RFC 3986's characters, percent escapes, and (as in IRIs) any character beyond ASCII
_WELL_FORMED_URL = re.compile(
    r"https?://(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])+", re.IGNORECASE
)
_HOSTNAME = re.compile(r"[\w.-]+|[0-9a-f:.]+")
# "@everyone" and "@here" written in text: broken by a zero-width space, as Discord itself
# suggests, so that they could not ping even if a send forgot ``AllowedMentions.none()``
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)

ABSTAIN_NOTE = {
    "id": "Saya tidak menemukan jawabannya di artikel yang diindeks.",
    "en": "I couldn't find the answer in the indexed articles.",
}


def neutralize(text: str) -> str:
    """Escape Discord markdown (so no masked links, headings, spoilers or mentions) except our
    ``[n]`` markers, wrap every http(s) URL in <...> so Discord does not unfurl it, and drop
    invisible characters and bidirectional controls (which show text in another order than it
    was checked in)."""
    text = _visible(text)
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
    for match in LINK.finditer(text):
        out.append(_plain(text[position : match.start()]))
        out.append(_link(match[1] or match[0]) if match[1] or match[2] else _inert(match[0]))
        position = match.end()
    out.append(_plain(text[position:]))
    return "".join(out)


def _link(url: str) -> str:
    """``url`` in <...>, its "@everyone" and "@here" written "%40everyone" (the same link to a
    server, and no mention; a zero-width space would break the link)."""
    return "<" + _EVERYONE.sub(r"%40\1", url) + ">"


# The opening of Discord's mention syntax: members "<@1>", roles "<@&1>", channels "<#1>",
# commands "</ask:1>", emoji "<:e:1>" / "<a:e:1>", timestamps "<t:1>", guide links "<id:customize>".
_MENTION_SYNTAX = re.compile(r"<(?=[@#/:]|[at]:|id:)")


def plain_text(text: str) -> str:
    """``text`` where Discord shows it as written, with no markdown (an embed's footer, a
    thread's name): invisible characters and bidirectional controls dropped, "@everyone" and
    "@here" broken, and mention syntax too (neither place pings; it could not, were it to show
    somewhere that renders mentions)."""
    return _MENTION_SYNTAX.sub("<\u200b", _unpinged(_visible(text)))


def _plain(text: str) -> str:
    """Text outside links, its markdown escaped and its "@everyone" and "@here" broken."""
    return _unpinged(_MARKDOWN.sub(r"\\\1", text))


def _unpinged(text: str) -> str:
    """``text`` with its "@everyone" and "@here" broken by a zero-width space."""
    return _EVERYONE.sub("@\u200b\\1", text)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, in order, at paragraph breaks,
    else sentence ends, else spaces; a citation marker stays with the text before it. Only
    whitespace at the cut points is dropped; a single word longer than ``limit`` is cut, but never
    inside a link in <...> or between a backslash and what it escapes (either would let the rest
    show as a previewed link or as markdown). A link in <...> longer than ``limit`` could only be
    cut, so it is shown as escaped text that Discord does not link."""
    pieces: list[str] = []
    rest = _WHOLE.sub(lambda m: _inert(m[0][1:-1]) if m[1] and len(m[0]) > limit else m[0], text.strip())
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
    return _safe_cut(text, limit) or limit  # one word longer than a whole message


def _safe_cut(text: str, at: int) -> int:
    """``at``, or the start of the link in <...>, escape or marker it would cut through."""
    for match in _WHOLE.finditer(text):
        if match.start() >= at:
            break
        if at < match.end():
            return match.start()
    return at


def inert(text: str) -> str:
    """``text`` as ``neutralize`` shows it, but with no link at all (``https\\://``): for text cut
    short, whose link would lead somewhere else than the one it was cut from."""
    return _inert(_visible(text))


def _visible(text: str) -> str:
    """``text`` without invisible characters and bidirectional controls, runs of spaces made one."""
    return re.sub(" {2,}", " ", without_invisible(text))


def _inert(url: str) -> str:
    """``url`` as text Discord neither links nor formats: markdown escaped, and the colon after
    each scheme too (``https\\://``), so no ``https://`` is left to link."""
    return _unpinged(_SCHEME.sub(r"\1\\:", _MARKDOWN.sub(r"\\\1", url)))


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


@dataclass
class Reply:
    """One Discord message to send: content plus (on the last part) the source embeds."""

    content: str
    embeds: list[Any] = field(default_factory=list)


# What the chain's notes point to on the command line, as Discord users do it (a hostile test:
# "No indexed article matches the filters ...; see `tanya sources`." on Discord).
_COMMANDS_HERE = {"`tanya sources`": "`/sources`"}


def discord_note(note: str) -> str:
    """The chain's ``note`` as a Discord user reads it: the command it points to, the slash one."""
    for cli, slash in _COMMANDS_HERE.items():
        note = note.replace(cli, slash)
    return neutralize(note)


def answer_replies(answer: Answer) -> list[Reply]:
    """Return the messages for an answer: text parts under 2,000 characters, then sources."""
    if answer.says_nothing:  # which reads the text as neutralize leaves it: never an empty message
        note = neutralize(ABSTAIN_NOTE.get(answer.lang, ABSTAIN_NOTE["en"]))
        if answer.note and without_invisible(answer.note).strip():  # why: no article of those days...
            note += f"\n\n_{split_message(discord_note(answer.note), MESSAGE_LIMIT // 2)[0]}_"
        if answer.abstained and answer.closest is not None:  # said to be no answer
            label = CLOSEST_LABEL.get(answer.lang, CLOSEST_LABEL["en"])
            return [Reply(f"{note}\n_{neutralize(label)}_", _embeds([("", answer.closest)]))]
        return [Reply(note)]
    text = neutralize(answer.text)
    if answer.note:
        text += f"\n\n_{discord_note(answer.note)}_"
    replies = [Reply(part) for part in split_message(text)]
    replies[-1].embeds = source_embeds(answer)
    return replies


def preview_content(text: str) -> str:
    """An answer still being written, as one message: neutralised, cut to fit, marked as unfinished."""
    pieces = split_message(neutralize(text), MESSAGE_LIMIT - 2)
    return (pieces[0] if pieces else "") + " …"


def source_embeds(answer: Answer) -> list[Any]:
    """One embed per citation: title, link when the article has one, date, quoted sentences."""
    return _embeds([(f"[{c.n}] ", c) for c in answer.citations[:MAX_EMBEDS]])


def _embeds(cited: list[tuple[str, Citation]]) -> list[Any]:
    """An embed for each citation, its title after its mark, within Discord's limits."""
    import discord

    embeds: list[Any] = []
    budget = EMBEDS_TOTAL_LIMIT
    for mark, citation in cited:
        chunk = citation.chunk
        url = safe_url(chunk.url)
        # an article's own "[12]" is shown in fullwidth brackets, as in answers: it is no citation
        title = _clip(f"{mark}{neutralize(fullwidth_brackets(chunk.title))}", EMBED_TITLE_LIMIT)
        footer = _clip(
            plain_text(" · ".join(x for x in (chunk.published, _source_label(chunk.source, url)) if x)),
            EMBED_FOOTER_LIMIT,
        )
        room = min(EMBED_DESCRIPTION_LIMIT, budget - len(title) - len(footer))
        if room < 50:
            break
        # every line quoted: a headline and the sentence under it are two lines
        lines = neutralize(shown_quote(citation.quote)).split("\n")
        description = _clip("\n".join(f"> {line}" for line in lines), room)
        embed = discord.Embed(title=title, url=url, description=description)
        if footer:  # Discord refuses an embed whose footer text is empty (an undated article, no name)
            embed.set_footer(text=footer)
        embeds.append(embed)
        budget -= len(title) + len(description) + len(footer)
    return embeds


def safe_url(url: str | None) -> str | None:
    """``url`` if it is one well-formed http(s) URL, else None. Article links come unchecked from
    JSONL, .meta.json and front matter: whitespace, ``<``, ``>`` or a control character would end
    the <...> around a link (and let the rest show as masked links or headings), and Discord
    refuses the whole message when an embed's link is malformed."""
    if not url or len(url) > URL_LIMIT or not url.isprintable() or not _WELL_FORMED_URL.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
        port_ok = parts.port != 0
    except ValueError:  # a bracket that does not close, a port that is not a number under 65536
        return None
    return url if port_ok and parts.hostname and _HOSTNAME.fullmatch(parts.hostname) else None


def _source_label(source: str, url: str | None) -> str:
    if url:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    return source.rsplit("/", 1)[-1]


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with "…", at a space if one is near the end, and never
    inside a link in <...> or an escape."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else _safe_cut(text, limit - 1)].rstrip() + "…"


def passage_messages(title: str, text: str) -> list[str]:
    """The whole passage behind a citation, for "Show passage", split under the limit."""
    return split_message(f"**{neutralize(title)}**\n\n{neutralize(text)}")


def sources_messages(records: list[ArticleRecord], more: int = 0) -> list[str]:
    """The indexed articles as message text, split under the limit; ``more``: how many others
    the index holds that are not listed."""
    if not records:
        return ["The index is empty. An admin can add articles with `/add`."]
    lines = []
    for r in records:
        url = safe_url(r.url)
        link = f" {_link(url)}" if url else ""
        date = f" · {r.published}" if r.published else ""
        lines.append(f"• {neutralize(r.title)}{date} · {how_many(r.chunks, 'passage')}{link}")
    if more > 0:
        lines.append(f"… and {more:,} more (`tanya sources` on the bot's machine lists them all).")
    return split_message("\n".join(lines))
