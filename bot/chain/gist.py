"""Questions about the news itself: "ini beritanya soal apa?", "what's this article about?",
"rangkum dong", "ada berita apa soal banjir?".

Such a question asks for no fact an article states, so the answering models (fitted to find the
sentence that answers a question) refuse it: nothing in the article shares its words. A news
article answers it in its lead, which by the conventions of news writing says who did what,
where and when. So the answer quotes the lead of the article asked about: the one the rest of
the question names ("berita banjir lembah arum intinya apa?"), found as any question is, or,
when it names none, the newest article the filters let through (by published date, then by
when it was indexed: "the news" is the latest).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.chain.answer import ABSTAIN_TEXT, Answer, Citation, fullwidth_brackets, passage_quote, shown_quote
from bot.chain.context import Context
from bot.chain.conversation import with_citations
from bot.chain.dates import (
    DATE_MARGIN,
    DateReading,
    names_calendar_day,
    narrowed,
    published_after,
    published_within,
    read_dates,
)
from bot.chain.features import PassageCandidate, is_heading
from bot.chain.followup import FollowUpReader
from bot.chain.normalization import CHAT_WORDS, asks, expand_short_forms, message_sentences, strip_mentions
from bot.chain.question import analyzed_sentences, prime_sentences, question_type
from bot.chain.retriever import Retrieval
from bot.chain.stories import one_story
from ingest.loaders import given_title
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, guess_language
from ingest.types import ArticleRecord, Chunk, Hit, Scope, Span

# Words that ask for a summary whatever else the question says.
_SUMMARY = re.compile(
    r"\b(?:rangkum\w*|merangkum\w*|ringkas\w*|meringkas\w*|ringkasan\w*|summar(?:y|ies|ise|ize|ised|ized)"
    r"|tl\s?;?\s?dr|recap|gist|overview|garis\s+besar\w*)\b"
)
# Asking what the news is, in so many words: "ada berita apa", "what's the news", "any news".
_NEWS_ASKED = re.compile(
    r"\b(?:ada\s+(?:berita|kabar|info|update)\s+apa|(?:berita|kabar|info)\s+apa\s+(?:aja|saja)"
    r"|(?:berita|kabar)\s+(?:soal|tentang)\s+apa|ada\s+(?:berita|kabar|info|update)\s+(?:soal|tentang|ttg|mengenai)"
    r"|(?:berita|kabar|info|update)\s+(?:terbaru|terkini|terakhir|paling\s+baru)"
    r"|(?:what(?:'s|\s+is)\s+(?:the\s+)?(?:latest\s+)?|any\s+(?:latest\s+)?)news(?=\s+(?:on|about|today|lately|for)\b|\s*\??\s*$)"
    r"|what'?s\s+the\s+latest(?=\s+(?:on|about|with|news)\b|\s*\??\s*$)"
    r"|what'?s\s+the\s+(?:story|deal)\s+with)\b"
)
# The news itself, named as what is asked about: "beritanya", "berita ini", "this article",
# "isi artikelnya".
_THE_NEWS = re.compile(
    r"\b(?:(?:berita|artikel|tulisan|liputan)(?:nya|\s+(?:ini|itu|tsb|tersebut|terbaru|terkini|hari\s+ini))"
    r"|isi\s+(?:berita|artikel)\w*"
    r"|(?:this|that|the|these|those)\s+(?:news\s+)?(?:article|articles|story|stories|piece|report|news))\b"
)
# One piece of news pointed at ("beritanya", "artikel ini", "this article"), where "berita
# terbaru" and "the news" are news in general.
_NEWS_NAMED = re.compile(
    r"\b(?:(?:berita|artikel|tulisan|liputan)(?:nya|\s+(?:ini|itu|tsb|tersebut))|isi\s+(?:berita|artikel)\w*"
    r"|(?:this|that|the|these|those)\s+(?:news\s+)?(?:article|articles|story|stories|piece|report)|(?:this|that)\s+news)\b"
)
# Asking what the news named is about, whatever else the question names: "X itu beritanya soal
# apa?", "beritanya gimana", "what's the story with X?".
_ABOUT_WHAT = re.compile(
    r"\b(?:(?:soal|tentang|bahas\w*|ngebahas\w*)\s+apa|apa\s+(?:aja|saja)|gimana|bagaimana|gmn"
    r"|what'?s\s+(?:it|that|this)\s+(?:all\s+)?about)\b|\babout\s*\??\s*$"
)
# A message that opens by naming the news of something, asking nothing of it ("berita banjir
# kemarin", "kabar soal PHK tiktok", "news on the flood"; not "berita nomor 2"): asked whom, how many
# or when, it asks a fact (``_asks_fact``). "berita" had been searched as a word of the subject,
# and found the stock line "hingga berita ini diturunkan".
_NEWS_OF = re.compile(
    r"(?:(?:ada|cari|minta|mau)\s+)?(?:berita|kabar|news)\s+(?:(?:soal|tentang|ttg|mengenai|on|about)\s+)?"
    r"(?!(?:nomor|no|ke|kedua|ketiga|pertama|terakhir|number|apa|ini|itu|tsb|tersebut|yang|yg)\b)[^\W\d_]"
)


def _names_news_of(text: str) -> bool:
    """Whether a message (lower case) names the news of something and nothing more: it opens so
    (``_NEWS_OF``), asks no question ("?", a question word: "kabar pengungsi di posko mana?",
    "berita bohong itu dari mana?" ask facts) and is short ("berita banjir kemarin")."""
    if not _NEWS_OF.match(text) or "?" in text:
        return False
    found = _WORDS.findall(text)
    return len(found) <= 8 and not any(question_type(w) is not None or w in _ASKS for w in found)


# Words that ask something of the news named, as question words do.
_ASKS = frozenset(
    "apa apakah mana benar bener betul beneran menyebut bilang kata said say says were was is are did do does".split()
)


# Asking what happened, naming nothing that did: "what happened yesterday?", "apa yang terjadi
# minggu ini?", "ada apa kemarin?", "ada kejadian apa?". Asked of a time relative to today, it asks
# for that time's news; of a day of the calendar ("apa yang terjadi pada 12 Oktober?") it asks
# what an article says happened then.
_HAPPENED = re.compile(
    r"\b(?:what(?:'s|\s+has|\s+had|\s+is)?(?:\s+been)?\s+(?:happened|happening|going\s+on|went\s+on)"
    r"|(?:did|has)\s+anything\s+happen(?:ed)?"
    r"|apa\s+(?:(?:aja|saja)\s+)?(?:yang|yg)\s+(?:(?:lagi|sedang)\s+)?terjadi|kejadian\s+apa)\b"
    r"|\bada\s+apa(?:\s+(?:aja|saja|ya|sih|dong|kak|min|nih|tuh|gan|bang))*\W*$"
)
# Words that point back at something said ("what happened to them yesterday?", "ada apa dengan
# mereka kemarin?"): a question about it, not about the news of a day.
_POINTING_BACK = re.compile(
    r"\b(?:it|its|they|them|their|he|him|his|she|her|that|this|those|these|mereka|dia|ia|beliau|itu|ini"
    r"|tersebut|tsb)\b|\w+nya\b"
)


# News named anywhere beside its gist or content: "berita banjir lembah arum intinya apa?".
_NEWS_WORD = re.compile(r"\b(?:berita|kabar|artikel|liputan|article|news|story)\w*\b")
_GIST_WORD = re.compile(r"\b(?:inti|isi)(?:nya)?\b")
# What a question about the news asks of it.
_ABOUT = re.compile(
    r"\b(?:tentang|soal|bahas\w*|ngebahas\w*|membahas\w*|isi\w*|inti\w*|apa|apaan|gimana|bagaimana"
    r"|about|what|say|says|said|cover\w*)\b"
)
# A question that is nothing but "what is its gist / content?": "intinya apa?", "isinya apa sih?".
_GIST_ONLY_WORDS = frozenset("inti intinya isi isinya apa apaan aja saja doang sih ya dong jadi jd".split())
_WORDS = re.compile(r"[^\W\d_]+")
# A word that a question about the news holds somewhere, in any case, stretched or not: a message
# without one is not read any further as such a question.
_MAYBE_NEWS = re.compile(
    r"berita|kabar|info|updat|artikel|tulisan|liputan|news|stor|article|report|rangkum|ringkas|summar|tl.?.?dr"
    r"|recap|gist|overview|garis|inti|isi|latest|terbaru|terkini|deal|piece|happen|terjadi|kejadian|ada\s+apa",
    re.IGNORECASE,
)
# A news question going on to ask a fact of the news: "berita apa saja yang disebarkan pelaku?",
# "ada info apa dari Reuters soal PHK?".
# Not when what follows says when or where the news came out: "berita apa aja yang terbit sebelum
# 3 November?" asks what news there is.
_FACT_OF_NEWS = re.compile(
    r"\b(?:berita|kabar|info)\s+apa\s+(?:(?:aja|saja)\s+)?(?:yang|yg|dari)\b"
    r"(?!\s+(?:terbit|diterbitkan|dimuat|rilis|dirilis|ada|baru)\b)"
)

# Words of a question about the news that do not name what it is about: what is left names it.
_NOT_A_TOPIC = re.compile(
    r"\b(?:berita\w*|kabar\w*|info\w*|update\w*|artikel\w*|tulisan\w*|liputan\w*|article\w*|news|story|stories"
    r"|piece|report|headline\w*|cerita\w*|deal|happen\w*|going|someone|anyone|anything|something|can|could|tell"
    r"|explain|jelas\w*|minta|mohon|gak|ga|nggak|enggak|katanya|paling|baru|terakhir|plz|gimme|fill|lately|rundown"
    r"|wih|wah|wow|waduh|duh|aduh|astaga|lah|nih|dah|udah|gw|gue|aku|saya|i|you|u"
    r"|ini|itu|tsb|tersebut|this|that|the|these|those|ada|apa|apaan|aja|saja|tentang|soal|bahas\w*|ngebahas\w*"
    r"|membahas\w*|isi\w*|inti\w*|about|what\w*|is|are|was|any|say|says|said|cover\w*|gimana|bagaimana"
    r"|rangkum\w*|merangkum\w*|ringkas\w*|meringkas\w*|summar\w*|tl|dr|recap|gist|overview"
    r"|garis|besar\w*|dong|sih|ya|yg|yang|nya|jadi|jd|terus|trus|tolong|please|pls|me|for|us|of|in|on|give|kasih"
    r"|buat|bikin|singkat\w*|short\w*|quick\w*|briefly|brief|latest|terbaru|terkini|hari|today|kak|min|bang|gan"
    r"|pagi|siang|sore|malam|malem|tonight|morning"  # "berita pagi ini": today's, no subject
    r"|terjadi|kejadian|lagi|sedang|been|went"  # "apa yang terjadi?", "ada kejadian apa?": what happened
    r"|terbit\w*|diterbitkan|dimuat|rilis|dirilis|published|posted)\b"
)

# The passage model's score (log-odds) the best passage found for a question's topic needs for
# the index to hold news about it: "ada berita soal gempa di cianjur?" finds a flood article's
# passage at 0.8, "jakarta governor election" one at -1.5, while topics the articles cover score
# 2.7 and more (chosen on tests/data/gist_dev.jsonl; docs/quality.md, "Questions about the news").
MIN_TOPIC_SCORE = 2.0

# The share of an Indonesian topic's weight that no passage of the index holds at which the index
# has no news on it ("banjir jakarta", 0.72, over an article on a flood elsewhere: the place asked
# about is in no article), though its best passage reaches MIN_TOPIC_SCORE; chatty topics the
# articles cover leave up to 0.64 unknown ("pasar kuala bening habis direnovasi": the article
# says "direvitalisasi"; gist_dev and gist2_dev). English words the glossary lacks are in no
# passage either, so an English topic is judged by its score alone.
MAX_UNKNOWN_SHARE = 0.7

# The longest lead an answer quotes: the first sentence always, the next ones while they fit.
MAX_LEAD_CHARS = 350

# How many articles a question about the news that names no topic lists ("ada berita apa aja?"),
# newest first, each by its headline with its lead cited; and the longest headline shown whole.
LATEST_LISTED = 3
MAX_HEADLINE_CHARS = 90

# What introduces that list.
NEWS_LIST_LABEL = {"id": "Berita terbaru:", "en": "The latest news:"}

# What a listed article without a date is marked with: it is never the newest, and is listed
# after every dated one (a newcomer's test: undated articles had read as the latest news).
UNDATED = {"id": "(tanpa tanggal)", "en": "(undated)"}

# A question about the news of one article, in each language: what a reference to one of an
# answer's citations that asks nothing more of it ("yang kedua soal apa?") is read as.
GIST_QUESTION = {"id": "intinya apa?", "en": "what is this article about?"}


def asks_gist(question: str) -> bool:
    """Whether ``question`` (as asked) asks what the news is, or asks for a summary, rather than
    for a fact an article states. "Psikologi itu mempelajari tentang apa?" and "berita apa yang
    disebarkan pelaku?" ask for facts."""
    text = " ".join(question.lower().split())
    if _asks_fact(text) or _FACT_OF_NEWS.search(text):
        return False
    words = set(_WORDS.findall(text))
    if words and words <= _GIST_ONLY_WORDS and words & {"inti", "intinya", "isi", "isinya"}:
        return True
    if _SUMMARY.search(text) or _NEWS_ASKED.search(text) or _names_news_of(text):
        return True
    if _NEWS_WORD.search(text) and _GIST_WORD.search(text):
        return True
    # "what does the article say about Microsoft?" asks what it says of Microsoft: a question
    # like any other; "what's this article about?" asks for its gist
    if not _THE_NEWS.search(text):
        return False
    rest = _THE_NEWS.sub(" ", text)
    return bool(_ABOUT_WHAT.search(rest) or (_ABOUT.search(rest) and not topic(text)))


def topic(question: str) -> str:
    """What a question about the news says it is about ("banjir lembah arum" of "berita banjir
    lembah arum intinya apa?"): empty when it names nothing."""
    rest = _SUMMARY.sub(" ", _NEWS_ASKED.sub(" ", _THE_NEWS.sub(" ", strip_mentions(question).lower())))
    rest = _NOT_A_TOPIC.sub(" ", re.sub(r"[^\w\s-]", " ", re.sub(r"['’]s\b", "", rest)))
    return " ".join(w for w in rest.split() if w not in ID_STOPWORDS and w not in EN_STOPWORDS and w not in CHAT_WORDS)


# The words that bring a date in a question ("ada berita apa tanggal 24 November?", "... pada 2
# November?", "ada berita apa 30 Oktober?", which a day alone, "30 Oktober?", is read as): in a
# question about the news, a date is when it was published.
_DATE_CUE = re.compile(r"\b(?:tanggal|tgl|pada|per|apa)\b(?=\s+\d)", re.IGNORECASE)


def publication_dates(question: str, today: date) -> DateReading:
    """The dates a question about the news names, read as publication dates: "ada berita apa
    tanggal 24 November?" asks for the news of that day (``read_dates`` reads a date as one only
    after a word for the news, "berita 24 November", since in other questions it is often when
    something happened)."""
    dates = read_dates(question, today)
    if dates.bounded or dates.latest:
        return dates
    cued = read_dates(_DATE_CUE.sub("berita", question), today)
    return cued if cued.bounded else dates


def lead_answer(
    question: str, lang: str, lead: Chunk, sentences: Sequence[tuple[Span, object]], retrieved: list[Hit] | None = None
) -> Answer | None:
    """The answer quoting the lead of an article: its first chunk's first sentence that is neither
    a heading nor the headline standing alone (the citation shows the headline), and the
    sentences after it while the quote is under half of ``MAX_LEAD_CHARS`` and stays within it;
    ``None`` when the chunk holds nothing but those."""
    headline = " ".join(lead.title.split()).casefold()
    positions: list[int] = []
    length = 0
    for position, (span, _) in enumerate(sentences):
        if not positions and (is_heading(span.text) or " ".join(span.text.split()).casefold() == headline):
            continue
        if positions and (length + len(span.text) + 1 > MAX_LEAD_CHARS or length >= MAX_LEAD_CHARS // 2):
            break
        positions.append(position)
        length += len(span.text) + 1
    if not positions:
        return None
    quote = passage_quote(lead.text, sentences, positions)
    citation = Citation(1, lead, quote, 1.0)
    return Answer(question, f"{shown_quote(quote)} [1]", False, lang, [citation], retrieved=retrieved or [])


def topic_article(
    candidates: Sequence[PassageCandidate],
    latest: bool = False,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
) -> PassageCandidate | None:
    """The passage that says which article a question about the news on a topic asks about, from
    the passages found for the topic (best first): the best, when its score reaches
    ``MIN_TOPIC_SCORE``; with ``latest``, the best of the newest article of its story
    (``one_story``) among those whose passages score within ``DATE_MARGIN`` of it and reach
    ``MIN_TOPIC_SCORE`` too, none published after ``today``; with dates (inclusive), the best of
    the articles published then. ``None``: the index holds no news on it."""
    if since or until:
        candidates = [c for c in candidates if published_within(c.chunk.published, since, until)]
    if latest:
        candidates = [c for c in candidates if not published_after(c, today)]
    if not candidates or candidates[0].score < MIN_TOPIC_SCORE:
        return None
    best = candidates[0]
    if latest:
        floor = max(MIN_TOPIC_SCORE, best.score - DATE_MARGIN)
        near = [c for c in candidates if c.score >= floor and one_story(best.chunk, c.chunk)]
        best = max(near, key=lambda c: ((c.chunk.published or "")[:10], c.score))
    return best


def asks_news(question: str) -> bool:
    """Whether a question about the news asks what news there is ("ada berita apa aja?", "berita
    terbaru apa?", "what's the news?": "the news" as news in general), not about the news it
    names ("ini beritanya soal apa?", "what's this article about?") nor for a summary ("rangkum
    berita dong", "intinya apa?")."""
    text = " ".join(question.lower().split())
    return bool(_NEWS_ASKED.search(text)) and not _NEWS_NAMED.search(text) and not asks_summary(text)


def _asks_fact(text: str) -> bool:
    """Who, when, how many...: a question asking for a fact ("siapa yang merangkum ...", "update
    terakhir kerugiannya brp?", "kapan beritanya terbit?"), its short forms read (``text`` in lower
    case)."""
    return question_type(expand_short_forms(text, lambda _: set())) is not None


def asks_bare_news(question: str, dates: DateReading) -> bool:
    """Whether ``question`` names the news and nothing else but when it came out, asking what news
    there is in the fewest words: "berita apa?", "apa berita minggu lalu?", "berita tanggal 30/10
    apa?", "latest news?" (``dates``: its publication dates, whose words are no topic); not one
    piece of news pointed at ("beritanya apa?") nor a fact ("kapan beritanya terbit?"). Asking
    what happened at a time relative to today, naming nothing that did, asks the same ("what
    happened yesterday?", "ada apa minggu lalu?": ``_HAPPENED``); of a day of the calendar, or of
    something said before ("what happened to them yesterday?"), it is a question like any other."""
    text = " ".join(question.lower().split())
    rest = dates.rest.lower()
    happened = (
        dates.bounded
        and _HAPPENED.search(rest) is not None
        and _POINTING_BACK.search(rest) is None
        and not names_calendar_day(text)
    )
    if not (_NEWS_WORD.search(text) or happened) or _NEWS_NAMED.search(text) or asks_summary(text):
        return False
    return not _asks_fact(text) and not topic(dates.rest if dates.bounded or dates.latest else text)


def asks_summary(question: str) -> bool:
    """Whether a question about the news asks for a summary or the gist in so many words
    ("rangkum", "intinya", "tl;dr")."""
    text = " ".join(question.lower().split())
    return bool(_SUMMARY.search(text) or _GIST_WORD.search(text))


@dataclass
class GistReading:
    """How a question about the news was read: the passages its topic (or the question itself)
    found, which the answer shows as retrieved; the first chunks of the article it asks about,
    whose lead answers (none: the index holds no news on it); and, when the question names no
    topic, what that article's headline reads as: the subject a follow-up ("kenapa?", "berapa
    orang?") takes from this turn (else the topic's reading is)."""

    retrieval: Retrieval
    lead: list[Chunk]
    headline: Context | None = None
    # When it names no topic and the index holds several articles: the first chunks of the next
    # newest ones, listed after it.
    more: list[list[Chunk]] = field(default_factory=list)
    # The days whose news it asks for (``publication_dates``), which a refusal names.
    days: DateReading | None = None


class GistReader:
    """Reads questions about the news itself with the chain's ``FollowUpReader`` (whose retriever
    holds the index) and answers them with the lead of their article."""

    def __init__(self, reader: FollowUpReader) -> None:
        self.reader = reader

    def read(self, question: str, today: date, context: Context | None, within: Scope | None) -> GistReading | None:
        """``question`` read as a question about the news, or ``None`` when it is not one. It is read as a
        chat message, by its sentences that ask and its last one: a greeting, or a remark ("Td liat di
        grup WA.", "Aku udah rangkum sendiri sih."), says nothing of it; its topic is in the sentences
        that ask. ``None`` too when its topic is found deeper in an article than its lead, unless it
        asks for a summary of the news in so many words ("intinya berita soal angkutan yg gratis sampe
        pertengahan november apa?"): "ada kabar apa soal sekolah yg diliburin?" of a flood story, or
        "what is the gist of the Microsoft deal?", asks for the sentences that say so, and is read as
        any question is."""
        if not _MAYBE_NEWS.search(question):  # most questions: no need to read the message again
            return None
        retriever = self.reader.retriever
        sentences = message_sentences(retriever.chat_text(question))
        # what it asks: its sentences that ask, and its last ("... ? rangkum dong"); what it asks
        # about: its sentences that ask (its last when none does)
        asking = [sentence for sentence in sentences if asks(sentence)] or sentences[-1:] or [question]
        asked = " ".join(dict.fromkeys([*asking, *sentences[-1:]]))
        dates = publication_dates(asked, today)

        def reading(
            found: Retrieval, lead: list[Chunk], headline: Context | None = None, more: list[list[Chunk]] | None = None
        ) -> GistReading:
            return GistReading(found, lead, headline, more or [], dates if dates.bounded else None)

        bare = asks_bare_news(asked, dates)
        if not (bare or asks_gist(asked) or (dates.rest and asks_gist(dates.rest))):
            return None
        subject = " ".join(asking)
        about = topic(publication_dates(subject, today).rest or subject)
        english = guess_language(asked) == "en"
        if about and english and guess_language(about) != "en":
            about = f"the {about}"  # "flood" alone reads as no language in particular: search it in English
        retrieval = self.reader.read(about or question, context, within)
        retrieval.question = question
        index = retriever.index
        since = dates.since.isoformat() if dates.since else None
        until = dates.until.isoformat() if dates.until else None
        if about:
            found = topic_article(retrieval.candidates, dates.latest, dates.since, dates.until, dates.today)
            unknown = 0.0 if english else retrieval.query.unknown_share
            if found is None or unknown >= MAX_UNKNOWN_SHARE:
                return reading(retrieval, [])
            if found.chunk.index != 0 and not (asks_summary(asked) and _NEWS_WORD.search(asked.lower())):
                return None
            if dates.bounded and dates.since != dates.until and not asks_summary(asked):
                # the news of a subject over days ("berita banjir dari 28/10 sampai 2/11"): each
                # article of its story in them, newest first, as the news of those days is listed
                # without a subject (it had been the lead of one)
                # (the articles the topic found, near its best: a headline's common word, "warga",
                # joins two stories)
                on_topic = {
                    c.chunk.source
                    for c in retrieval.candidates
                    if c.score >= max(MIN_TOPIC_SCORE, found.score - DATE_MARGIN) and one_story(found.chunk, c.chunk)
                }
                scope = narrowed(within, since, until)
                records = index.latest_articles(scope, today.isoformat(), 4 * LATEST_LISTED)
                leads = _leads(index, [r for r in _distinct(records) if r.source in on_topic])[:LATEST_LISTED]
                if len(leads) > 1:
                    return reading(retrieval, leads[0], None, leads[1:])
            return reading(retrieval, index.catalog.chunks_of(found.chunk.source)[:2])
        # in a conversation, the article discussed, unless the question asks for other news by date
        # or what news there is; else the newest article, or the newest ones listed when it asks
        # what news there is
        news = bare or asks_news(asked) or bool(dates.rest and asks_news(dates.rest))  # "berita hari ini apa aja?"
        discussed = None if dates.bounded or dates.latest or news else self._discussed(context)
        listed = LATEST_LISTED if news else 1
        scope = narrowed(within, since, until)
        records = [discussed] if discussed else _distinct(index.latest_articles(scope, today.isoformat(), 2 * listed))
        records = records[:listed]
        leads = _leads(index, records)
        if not leads:
            return reading(retrieval, [])
        if len(leads) > 1:  # a list: no one subject for a follow-up, which may name one by number
            return reading(retrieval, leads[0], None, leads[1:])
        # it names nothing: the subject is what the article's headline names
        first = leads[0][0]
        headline = self.reader.read(first.title or first.text[:MAX_LEAD_CHARS], None, within).context
        return reading(retrieval, leads[0], headline)

    def _discussed(self, context: Context | None) -> ArticleRecord | None:
        """In a conversation, the article it is about (the newest of those the turn before cited):
        "intinya apa?" after a question on the flood asks for the flood story's gist."""
        if context is None or not context.sources:
            return None
        catalog = self.reader.retriever.index.catalog
        records = [r for r in (catalog.article(source) for source in sorted(context.sources)) if r is not None]
        return max(records, key=lambda r: ((r.published or "")[:10], r.ingested_at), default=None)

    def answer(self, reading: GistReading) -> Answer:
        """The lead quoted (the second chunk's when the first holds nothing but a headline), or
        the refusal in the question's language; several articles listed by their headlines, each
        with its lead cited (``news_list``). Its ``context`` is the headline's reading, or the
        topic's, with the articles cited."""
        retrieval = reading.retrieval
        lang = retrieval.query.lang
        index = self.reader.retriever.index
        leads = [reading.lead, *reading.more] if reading.lead else []
        prime_sentences(index, [chunk for lead in leads for chunk in lead])
        answers = [a for a in (self._lead(retrieval, lang, lead) for lead in leads) if a is not None]
        if not answers:
            answer = Answer(retrieval.question, ABSTAIN_TEXT[lang], True, lang, retrieved=retrieval.hits)
        elif len(answers) == 1:
            answer = answers[0]
        else:
            leads_cited = [a.citations[0] for a in answers]
            label = news_list_label(lang, reading.days)
            answer = news_list(retrieval.question, lang, leads_cited, retrieval.hits, label)
        headline = dataclasses.replace(reading.headline, headline=True) if reading.headline else None
        answer.context = with_citations(headline or retrieval.context, answer)
        return answer

    @staticmethod
    def _lead(retrieval: Retrieval, lang: str, lead: list[Chunk]) -> Answer | None:
        """The answer quoting an article's lead (from its first chunk, else its second)."""
        for chunk in lead:
            answer = lead_answer(retrieval.question, lang, chunk, analyzed_sentences(chunk.text), retrieval.hits)
            if answer is not None:
                return answer
        return None


_MONTH_NAMES = {
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split(),
    "en": "January February March April May June July August September October November December".split(),
}


def _day_said(day: date, lang: str) -> str:
    return f"{day.day} {_MONTH_NAMES[lang][day.month - 1]} {day.year}"


def news_list_label(lang: str, days: DateReading | None) -> str:
    """What a list of news says it is: the latest ("Berita terbaru:"), or the news of the days a
    question named ("Berita 3 November 2026:", "News from 28 October 2026 to 2 November 2026:";
    a hostile tester's: the news of yesterday had been labelled the latest)."""
    if days is None or not days.bounded:
        return NEWS_LIST_LABEL[lang]
    first, last = days.since, days.last
    if first is not None and first == last:
        said = {"id": f"Berita {_day_said(first, 'id')}:", "en": f"News of {_day_said(first, 'en')}:"}
    elif first is not None and last is not None:
        said = {
            "id": f"Berita {_day_said(first, 'id')} sampai {_day_said(last, 'id')}:",
            "en": f"News from {_day_said(first, 'en')} to {_day_said(last, 'en')}:",
        }
    elif first is not None:
        said = {"id": f"Berita sejak {_day_said(first, 'id')}:", "en": f"News since {_day_said(first, 'en')}:"}
    else:
        assert last is not None
        said = {"id": f"Berita sampai {_day_said(last, 'id')}:", "en": f"News until {_day_said(last, 'en')}:"}
    return said[lang]


def news_list(
    question: str, lang: str, leads: Sequence[Citation], retrieved: list[Hit], label: str | None = None
) -> Answer:
    """The answer listing articles by their headlines ("Berita terbaru: «...» [1]; «...» [2]."),
    an article without a date marked so (``UNDATED``), each citing its lead, after ``label``
    (``news_list_label``; the latest news by default); an
    article without a headline (none, or the file name, URL or JSONL line the loader named it
    by: ``given_title``) is named by the start of its lead."""
    items = []
    citations = []
    for n, lead in enumerate(leads, 1):
        title = " ".join(lead.chunk.title.split())
        name = " ".join(lead.quote.split()) if given_title(title) else title
        name = name.replace("«", '"').replace("»", '"')
        if len(name) > MAX_HEADLINE_CHARS:
            name = name[: MAX_HEADLINE_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
        undated = "" if lead.chunk.published else f" {UNDATED[lang]}"
        items.append(f"«{fullwidth_brackets(name)}»{undated} [{n}]")
        citations.append(Citation(n, lead.chunk, lead.quote, lead.score))
    text = f"{label or NEWS_LIST_LABEL[lang]} {'; '.join(items)}."
    return Answer(question, text, False, lang, citations, retrieved=retrieved)


def _leads(index: Any, records: list[ArticleRecord]) -> list[list[Chunk]]:
    """The first chunks (headline and lead) of each of ``records`` that has any."""
    return [chunks for chunks in (index.catalog.chunks_of(r.source)[:2] for r in records) if chunks]


def _distinct(records: list[ArticleRecord]) -> list[ArticleRecord]:
    """``records`` without those whose text an earlier one has (one text indexed under two names)."""
    seen: set[str] = set()
    out = []
    for record in records:
        if record.content_hash is not None:
            if record.content_hash in seen:
                continue
            seen.add(record.content_hash)
        out.append(record)
    return out
