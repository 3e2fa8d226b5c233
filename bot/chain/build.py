"""The one answering chain every front end uses, built from LangChain Runnables:

    question ─► retrieve (retriever.search, into the state) ─► answer

where ``answer`` quotes the passages (``ExtractiveAnswerer``), or, with a chat model, is the
LLM branch of ``bot.chain.llm`` ``.with_fallbacks`` to quoting them, with a note saying why.
``chain.invoke(question)`` returns an ``Answer``; ``chain.stream(question)`` yields answers as
they grow (in LLM mode, one more verified sentence each time; the last is complete).

The input is a question, or ``{"question": ..., "history": [...]}`` for a follow-up: earlier
turns as ``Turn``s (which remember how they were read), questions, or question/answer mappings.
``retrieve`` then also reads the question with the conversation before it and keeps the reading
the answer model trusts more (``bot.chain.followup.FollowUpReader``); the answer's
``context`` is what the next turn needs, and in LLM mode the earlier turns go into the prompt.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda

from bot.chain.answer import GREETING_TEXT, SMALL_TALK_TEXT, THANKS_TEXT, Answer, with_timings
from bot.chain.changes import ChangeReader, asks_change, without_change_words
from bot.chain.context import Context, citation_number, referred_source
from bot.chain.conversation import context_after, history_turns
from bot.chain.dates import (
    DateReading,
    impossible_day,
    names_calendar_day,
    newest_answering,
    outside_filters,
    parse_day,
    parse_today,
    prefer_dated,
    published_day,
    published_within,
    read_dates,
    searched_within_dates,
    up_to_today,
    without_days,
)
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.followup import FollowUpReader
from bot.chain.gist import GIST_QUESTION, GistReader, GistReading, asks_bare_news, publication_dates, topic
from bot.chain.llm import fallback_note
from bot.chain.normalization import greets, has_words, small_talk, thanks, unfancy
from bot.chain.question import names_something
from bot.chain.retriever import HybridRetriever, Retrieval
from bot.chain.speakers import SpeakerReader
from ingest.errors import BadInput
from ingest.text.analysis import clean_text, guess_language, replace_surrogates
from ingest.types import Scope

logger = logging.getLogger(__name__)


# The longest --source / "source" filter: longer than any article's source, URL, title or outlet.
MAX_SOURCE_CHARS = 1000


# A question about the news in the fewest words, which a message naming nothing but a time is
# read as ("terbaru?" is "ada berita apa terbaru?").
BARE_NEWS = {"id": "ada berita apa", "en": "any news"}


def normalize_question(raw: str, max_chars: int) -> str:
    """Return the question cleaned of control characters and extra space, with undecodable bytes
    (lone surrogates) as U+FFFD, or raise ``BadInput`` when it is empty, too long, or holds no
    word to search for."""
    # a line break stays one (a new line of a chat message starts a sentence: "tiktok phk\nKnp?");
    # a terminal's escape sequences go whole (``clean_text``: an arrow key typed where no line
    # editing reads it is "\x1b[A", whose "[A" had been searched)
    question = clean_text(replace_surrogates(raw)).replace("\n\n", "\n")
    if not question:
        raise BadInput("the question is empty")
    if len(question) > max_chars:
        raise BadInput(f"the question is too long ({len(question):,} characters; the limit is {max_chars:,})")
    if not any(ch.isalnum() for ch in question):
        raise BadInput("the question has no words in it")
    if not has_words(question):  # "@everyone", "<@&123> <#456>", "https://..."
        raise BadInput("the question has no words in it, only mentions or links")
    return question


def filter_scope(since: object, until: object, source: object, prefix: str = "") -> Scope:
    """The articles a question's ``since``, ``until`` and ``source`` let through, or a
    ``BadInput`` naming the field (``prefix``: how the caller spells the names, "--" for options)."""
    first, last = parse_day(since, f"{prefix}since"), parse_day(until, f"{prefix}until")
    if first and last and first > last:
        raise BadInput(f"{prefix}since ({first}) is after {prefix}until ({last})")
    if source is not None and not isinstance(source, str):
        raise BadInput(f"{prefix}source must be text")
    if source is not None:
        # undecodable bytes: no UTF-8 encoder (SQLite) takes them; a pasted value's line break or
        # tab around it is no part of it
        source = replace_surrogates(source).strip()
        if any(unicodedata.category(ch) == "Cc" for ch in source):
            # SQLite ends a LIKE pattern at a NUL: "\x00zzz" let every article through
            raise BadInput(f"{prefix}source must not hold control characters")
        if len(source) > MAX_SOURCE_CHARS:
            # SQLite refuses a LIKE pattern this long ("pattern too complex"), and no source,
            # URL, title or outlet is
            raise BadInput(f"{prefix}source is longer than {MAX_SOURCE_CHARS} characters")
    return Scope(first.isoformat() if first else None, last.isoformat() if last else None, source or None)


# The article a question naming a citation the earlier answer does not have is asked of (none
# has this source), and what its refusal notes.
NO_CITATION = "\x00no such citation"
NO_CITATION_NOTE = {
    "en": "Only [1] to [{n}] can be named: there is no such citation.",
    "id": "Hanya [1] sampai [{n}] yang bisa disebut: kutipan itu tidak ada.",
}
ONE_CITATION_NOTE = {
    "en": "The answer before had one citation, [1]: there is no such citation.",
    "id": "Jawaban sebelumnya hanya punya satu kutipan, [1]: kutipan itu tidak ada.",
}


def _no_citation(within: Scope | None) -> bool:
    return within is not None and within.article == NO_CITATION


def still_listed(context: Context | None, listed: tuple[str, ...]) -> Context | None:
    """The context an answer to a citation named by number leaves: its own, with the citations of
    the answer that was named still numbered ("yang kedua soal apa?" then "nomor 3 dong" after a
    list of three)."""
    if context is None or not listed:
        return context
    return dataclasses.replace(context, cited=listed)


# A note is said in the question's language, as the answer is ("Tidak ada artikel terbitan ..."
# under an Indonesian answer; notes had been English whatever was asked: a hostile tester).
_DATES_WORDS = {
    "en": ("on", "from", "to", "since", "until", "then"),
    "id": ("tanggal", "dari", "sampai", "sejak", "sampai", "saat itu"),
}
_OTHER_DATES = {
    "en": ("No article published {asked} answers this", "quoted from articles of other dates"),
    "id": ("Tidak ada artikel terbitan {asked} yang menjawabnya", "dikutip dari artikel bertanggal lain"),
}
# ... when every article quoted is undated (the bundled article: "quoted from articles of other
# dates" had said it had one, a hostile tester's)
_UNDATED_QUOTED = {"en": "quoted from undated articles", "id": "dikutip dari artikel tanpa tanggal"}


def _dates_asked(dates: DateReading, lang: str) -> str:
    """The dates a question named, as a note says them ("tanggal 2026-10-30", "since 2026-11-01")."""
    on, start, end, since, until, then = _DATES_WORDS[lang]
    if dates.since == dates.until and dates.since is not None:
        return f"{on} {dates.since.isoformat()}"
    if dates.since and dates.until:
        return f"{start} {dates.since.isoformat()} {end} {dates.until.isoformat()}"
    if dates.since:
        return f"{since} {dates.since.isoformat()}"
    return f"{until} {dates.until.isoformat()}" if dates.until else then  # a range has a start or an end


def other_dates_note(dates: DateReading, quoted: bool = True, lang: str = "en", undated: bool = False) -> str:
    """What to say (in ``lang``) when a question named dates ("hari ini", "minggu lalu") and no
    article published then answers it, so the answer quotes articles of other dates (``undated``:
    articles without a date, every one) or, not ``quoted``, none: it refuses."""
    refused, elsewhere = _OTHER_DATES[lang]
    elsewhere = _UNDATED_QUOTED[lang] if undated else elsewhere
    said = refused.format(asked=_dates_asked(dates, lang))
    return f"{said}; {elsewhere}." if quoted else f"{said}."


_OUTSIDE_FILTERS = {
    "en": "The dates asked ({asked}) lie outside the filters ({filters}): no article of them was searched.",
    "id": "Tanggal yang ditanyakan ({asked}) di luar filter ({filters}): tidak ada artikelnya yang dicari.",
}


def outside_filters_note(dates: DateReading, within: Scope, lang: str = "en") -> str:
    """What to say (in ``lang``) when the dates asked lie outside the filters (``outside_filters``)."""
    return _OUTSIDE_FILTERS[lang].format(asked=_dates_asked(dates, lang), filters=_filters(within))


_NO_ARTICLE = {
    "en": "No indexed article matches the filters ({filters}); see `tanya sources`.",
    "id": "Tidak ada artikel terindeks yang cocok dengan filter ({filters}); lihat `tanya sources`.",
}


def _filters(within: Scope) -> str:
    """The filters of ``within`` as a note names them ("since '2026-11-01', source 'kompas'")."""
    return ", ".join(
        f"{name} {value!r}"
        for name, value in (
            ("since", within.since),
            ("until", within.until),
            ("source", within.source),
            ("article", within.article),
        )
        if value
    )


def no_article_note(within: Scope, lang: str = "en") -> str:
    """What to say (in ``lang``) when the filters of a question leave no article to search."""
    return _NO_ARTICLE[lang].format(filters=_filters(within))


NO_SUCH_DAY_NOTE = {
    "en": '"{day}" is a day no calendar has: the question was read without it.',
    "id": '"{day}" bukan tanggal yang ada di kalender: pertanyaan dibaca tanpanya.',
}
UNDATED_NOTE = {
    "en": "Articles without a date were not searched: a date filter keeps to dated articles.",
    "id": "Artikel tanpa tanggal tidak dicari: filter tanggal hanya membaca artikel bertanggal.",
}


def leaves_out_undated(index: Any, within: Scope | None) -> bool:
    """Whether the date filter of ``within`` (``--since``, ``--until``) leaves out articles that
    have no date (and pass its other filters): a refusal then says so, as it says when the
    filters leave nothing (the bundled article has no date, and "not in the articles" had read as
    though it had been searched). One catalog row at most is read."""
    return within is not None and bool(within.since or within.until) and index.has_undated(within)


def build_answer_chain(
    retriever: HybridRetriever,
    extractive: ExtractiveAnswerer,
    max_question_chars: int,
    llm: Runnable[Any, Answer] | None = None,
    today: Callable[[], date] = date.today,
) -> Runnable[Any, Answer]:
    """Return the chain from a question (or a question and its history) to its ``Answer`` (with
    timings in milliseconds). ``today`` says what day relative dates count from when the input
    does not (``AnswerSettings.today``: the host's calendar, or ``TANYA_TIMEZONE``'s)."""

    def question(raw: str | Mapping[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        if not isinstance(raw, Mapping):
            raw = {"question": raw}
        text = raw.get("question")
        if not isinstance(text, str):
            raise BadInput("the input has no question")
        try:
            history = history_turns(raw.get("history"))
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        within = filter_scope(raw.get("since"), raw.get("until"), raw.get("source"))
        asked = normalize_question(text, max_question_chars)
        return {
            "asked": asked,  # echoed in the answer as asked
            "question": unfancy(asked),  # read in plain letters ("ｂｒｐ", "𝐛𝐞𝐫𝐚𝐩𝐚")
            "history": history,
            "within": None if within.empty else within,
            "today": parse_today(raw.get("today")) or today(),
            "started": started,
        }

    # an earlier question longer than a question may be is read as far as one may go, cut once
    # cleaned (NFC may lengthen it: "\u0958" is two characters); it had been dropped, and
    # "kenapa?" after it read as asking nothing
    def earlier_question(text: str) -> str:
        cleaned = clean_text(replace_surrogates(text))[:max_question_chars]
        return unfancy(normalize_question(cleaned, max_question_chars))

    reader = FollowUpReader(retriever, extractive, earlier_question)
    gists = GistReader(reader)
    speakers = SpeakerReader(retriever.index)

    def answered(reading: Retrieval, before: Context | None) -> Answer:
        """An earlier question's answer as ``quote`` gives it, when replayed from history given as
        text: "siapa yg bilang gitu?" by its speaker (``SpeakerReader``), else the extractive one."""
        return speakers.read(reading.query, before) or extractive.answer_retrieval(reading)

    changes = ChangeReader(
        retriever.index.articles,
        retriever.search_within,
        extractive,
        retriever.index.document_frequencies,
        reader.stories,
    )

    def referred(
        question: str, context: Context | None, within: Scope | None
    ) -> tuple[str, Context | None, Scope | None]:
        """The question, context and filters a question is read with when it names one of the
        earlier answer's citations by number ("yang kedua soal apa?", "berita nomor 3 korbannya
        brp?"): asked of that article alone, as a question on its own (nothing of the earlier
        answer's other articles), what is left of it if it asks more than "what is it about",
        else what its lead answers; otherwise as they are."""
        found = referred_source(question, context)
        if found is None:
            # (an answer citing one article too: "yang kedua?" after it had quoted [1] again)
            beyond = citation_number(question, context, articles=1)
            if (
                beyond is not None
                and context is not None
                and not 1 <= beyond[0] <= len(context.cited)
                and not (beyond[2] and topic(beyond[1]))
            ):
                # a citation the earlier answer does not have ("nomor 5 dong" after a list of
                # three): nothing is searched, and the note says how many there are
                return question, None, dataclasses.replace(within or Scope(), article=NO_CITATION)
            return question, context, within
        source, rest, loose = found
        asks_more = bool(topic(rest))
        if loose and asks_more:  # "yg pertama bocorin ...", "UU nomor 1"
            return question, context, within
        scope = dataclasses.replace(within or Scope(), article=source)
        if asks_more:
            return rest, None, scope
        lang = guess_language(rest if any(ch.isalpha() for ch in rest) else question)
        return GIST_QUESTION[lang], None, scope

    def asked_again(dates: DateReading, context: Context | None, today: date) -> str | None:
        """For a follow-up naming only a time ("kalau tanggal 17/11?", "what about Nov 3?", read as
        ``dates``), the turn before asked again, the days it named left out (the time is the
        follow-up's): on their own its few words had found passages of anything ("what about?",
        a market's budget); ``None`` for any other question."""
        if context is None or not dates.bounded or names_something(retriever.chat_text(dates.rest)):
            return None
        return without_days(read_dates(context.asked.text, today).rest or context.asked.text)

    def news_again(
        question: str, dates: DateReading, context: Context | None, within: Scope | None, today: date
    ) -> GistReading | None:
        """For a follow-up naming only a time after a question about the news ("kalau tanggal 25/11?"
        after "ada berita apa?", "what about Nov 25?" after "what is the news?"), the news of that
        time, when the turn before asked again with it reads as those same days and finds some
        (a newcomer's test: it had been searched as a question of that day's passages, and
        refused); ``None`` otherwise, and the question is asked as before."""
        again = asked_again(dates, context, today)
        if again is None or context is None:
            return None
        lang = guess_language(question)
        earlier = context.asked.text
        # after the news of one article, read from its headline, or a question naming nothing but
        # the news of some days, whose news word may be read as part of its days ("berita 3/11 apa
        # aja"): the news again
        if context.headline or asks_bare_news(earlier, publication_dates(earlier, today)):
            again = BARE_NEWS[lang]
        asked = f"{again.rstrip(' ?!.')} {_days_said(dates, lang)}"
        read = read_dates(asked, today)
        if (read.since, read.until) != (dates.since, dates.until):
            return None
        gist = gists.read(asked, today, context, within)
        if gist is not None and not gist.lead:  # "berita tanggal ..." of "berita terbaru?": asked as a first one is
            gist = gists.read(f"{BARE_NEWS[lang]} {asked}", today, context, within)
        return gist if gist is not None and gist.lead else None

    def nameless(question: str, within: Scope | None, today: date) -> GistReading | str | None:
        """For a first message (no conversation before it) that names nothing to search for
        (``names_something``): the news of the time it names ("terbaru?", "kemarin gimana?"), or
        else its language, for the reply saying what can be asked ("gimana?", "what can you
        do?"); ``None`` for one that names something. A citation named by number is no first
        message: ``referred`` reads it."""
        dates = read_dates(question, today)
        timed = dates.bounded or dates.latest
        if names_something(retriever.chat_text(dates.rest if timed else question)):
            return None
        lang = guess_language(question)
        news = gists.read(f"{BARE_NEWS[lang]} {question}", today, None, within) if timed else None
        return news if news is not None else lang

    def worded_day(question: str, within: Scope | None) -> Retrieval | None:
        """For a first message naming a calendar day and nothing else ("apa yg terjadi 12
        oktober?", "tgl 12/10 ada apa?") when no article was published that day: the question
        searched with the day as words, when an article that tells of that day answers it (an
        email sent "pada 12 Oktober 2024"); else ``None``. A relative time ("kemarin gimana?")
        is not searched so: its word alone finds whatever passage holds it."""
        if not names_calendar_day(question):
            return None
        retrieval = reader.read(question, None, within)
        return retrieval if extractive.accepts(retrieval) else None

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        # One step, not RunnablePassthrough.assign: assign runs its runnable through a thread
        # pool made for each call, which cost 2 ms a question (a sixth of answering one).
        within, question, today = state["within"], state["question"], state["today"]

        def replay(earlier: str, before: Context | None) -> Context | None:
            """What an earlier turn given as text leaves for the next, read as the chain reads it."""
            dates = read_dates(earlier, today)
            news = news_again(earlier, dates, before, within, today)
            if news is not None:  # a time alone after a question about the news: that time's news
                return gists.answer(news).context
            earlier = asked_again(dates, before, today) or earlier
            if small_talk(earlier) is not None:  # "makasih ya" between two questions
                return before
            if before is None:
                unnamed = nameless(earlier, within, today)
                if unnamed is not None:  # "gimana?" first: nothing; "terbaru?": the news listed
                    return gists.answer(unnamed).context if isinstance(unnamed, GistReading) else None
            listed = before.cited if before is not None else ()
            earlier, before, scope = referred(earlier, before, within)
            gist = gists.read(earlier, today, before, scope)
            left = gists.answer(gist).context if gist is not None else reader.replay(earlier, before, scope, answered)
            return still_listed(left, listed) if scope is not within else left

        context = reader.context_before(state["history"], replay)
        asked = state["asked"]
        talk = small_talk(asked)
        if talk is not None:  # "halo", "makasih ya": nothing to search for
            return {**state, "small_talk": talk, "context": context, "retrieved_at": time.perf_counter()}
        if context is None:
            unnamed = nameless(question, within, today)
            if isinstance(unnamed, GistReading):  # a time alone, first: "terbaru?", "kemarin gimana?"
                worded = None if unnamed.lead else worded_day(question, within)
                if worded is not None:  # no news of the day it names, and an article tells of that day
                    worded.question = asked
                    return {
                        **state,
                        "retrieval": worded,
                        "undated_from": unnamed.days,
                        "retrieved_at": time.perf_counter(),
                    }
                unnamed.retrieval.question = asked
                return {
                    **state,
                    "gist": unnamed,
                    "retrieval": unnamed.retrieval,
                    "undated_from": unnamed.days,
                    "retrieved_at": time.perf_counter(),
                }
            if unnamed is not None:  # "gimana?", "what can you do?" first: what can be asked, no thanks
                return {
                    **state,
                    "small_talk": unnamed,
                    "context": None,
                    "nameless": True,
                    "retrieved_at": time.perf_counter(),
                }
        listed = context.cited if context is not None else ()
        question, context, within = referred(question, context, within)
        if within is not state["within"]:  # the numbers of the answer it named still count next
            state = {**state, "listed": listed}
        dates = read_dates(question, today)
        # a question about the news itself, or a time alone after one
        gist = gists.read(question, today, context, within) or news_again(question, dates, context, within, today)
        if gist is not None:
            gist.retrieval.question = asked
            # the days whose news it asks for, which a refusal names ("berita tiktok dari 1/10 ...")
            return {
                **state,
                "gist": gist,
                "retrieval": gist.retrieval,
                "undated_from": gist.days,
                "retrieved_at": time.perf_counter(),
            }
        # A question with time words is searched without them ("berapa pengungsi terbaru?" for
        # "berapa pengungsi"), and its passages of the dates asked answer if the answer model
        # accepts them; otherwise it is read again as asked, time words and all.
        # (for the latest news, none published after the day asked on, however it is read)
        searched = asked_again(dates, context, today) or dates.rest or question
        retrieval = up_to_today(reader.read(searched, context, within), dates)
        undated_from: DateReading | None = None  # the dates asked, when no article of them answered
        if dates.bounded or dates.latest:
            # the articles of its story (the retrieval's own test, read for its concepts)
            together = retrieval.together or reader.stories.teller(retrieval.query.concepts)

            def searched_in(scope: Scope) -> Any:  # the question read again among other articles
                return up_to_today(reader.read(searched, context, scope), dates)

            def within_article(source: str) -> Any:
                return searched_in(dataclasses.replace(within or Scope(), article=source))

            preferred = prefer_dated(
                retrieval, dates, extractive.accepts, together, within_article
            ) or searched_within_dates(retrieval, dates, within, searched_in, extractive.accepts, together)
            if preferred is not None:
                retrieval = preferred
            else:
                undated_from = dates if dates.bounded else None
                # a range up to now with no article of it that answers ("berapa pengungsi hari
                # ini?"): the newest that does (it had been the oldest)
                newest = (
                    newest_answering(retrieval, today, extractive.accepts, together) if dates.reaches_today else None
                )
                if newest is not None:
                    retrieval = newest
                elif not extractive.off_topic(retrieval):
                    # (a question on a subject no article holds stays refused: its time words
                    # name no subject, "cuaca di mataram hari ini?" had been answered with a
                    # sentence of a day's report holding "hari")
                    # read again with its time words, which an answer may hold ("sepanjang tahun
                    # ini"); not a question that names nothing else ("kalau kemarin?" after a
                    # question on the evacuees: its time word alone found a market trader's "kemarin")
                    if dates.rest and names_something(dates.rest):
                        retrieval = up_to_today(reader.read(question, context, within), dates)
                    if dates.last is not None and not extractive.accepts(retrieval):
                        # refused so: the newest that answers up to the days' last, the figures as
                        # of then ("pasien yg dirawat tanggal 12/11?" had been refused)
                        retrieval = newest_answering(retrieval, dates.last, extractive.accepts, together) or retrieval
        retrieval.question = asked
        # a question on what changed between reports: beside its answer, another report of the
        # story that answers it (``bot.chain.changes``; quoted, without a chat model, whose prompt
        # holds the question's own passages), searched without the words placing what it asks
        # ("awalnya", "sekarang"); not within one article named by an earlier answer's number
        change = None
        if llm is None and (within is None or within.article is None) and asks_change(question):
            wide = without_change_words(retriever.chat_text(searched)) or searched
            change = changes.read(retrieval, lambda: reader.read(wide, context, within), dates, within, today)
        if change is not None:
            state = {**state, "change": change}
        # "siapa yg bilang gitu?": the speaker of what the turn before quoted, where the article names them
        said = speakers.read(retrieval.query, context)
        if said is not None:
            state = {**state, "speaker": said}
        if within is not state["within"]:
            # it named one of the earlier answer's citations: a chat model reads what is left of
            # it over that article's passages alone, numbered afresh, without the earlier turns
            state = {**state, "prompt_question": question, "history": []}
        return {**state, "retrieval": retrieval, "undated_from": undated_from, "retrieved_at": time.perf_counter()}

    def quote(state: dict[str, Any]) -> Answer:
        if "small_talk" in state:
            lang, asked = state["small_talk"], state["asked"]
            thanked = "nameless" not in state and thanks(asked)  # small talk may thank; "thanks, tapi gimana?" asks
            text = THANKS_TEXT[lang] if thanked else GREETING_TEXT[lang] * greets(asked) + SMALL_TALK_TEXT[lang]
            # no answer, said as it is; the conversation goes on from the turn before it
            return with_timings(Answer(asked, text, True, lang, context=state["context"], chat=True), state)
        retrieval = state["retrieval"]
        if "gist" in state:
            answer = gists.answer(state["gist"])
        elif "speaker" in state:
            answer = state["speaker"]
            answer.retrieved = retrieval.hits
            answer.context = context_after(retrieval.context, retrieval.keeps, answer)
        else:
            change = state.get("change")
            answer = changes.answer(change) if change is not None else extractive.answer_retrieval(retrieval)
            answer.context = context_after(retrieval.context, retrieval.keeps, answer)
        if "listed" in state:
            answer.context = still_listed(answer.context, state["listed"])
        within = retrieval.within
        lang = answer.lang
        if _no_citation(within):
            listed = len(state["listed"])
            answer.note = (ONE_CITATION_NOTE if listed == 1 else NO_CITATION_NOTE)[lang].format(n=listed)
        elif answer.abstained and within is not None and not retriever.index.chunk_ids_in(within):
            answer.note = no_article_note(within, lang)
        elif (
            not answer.chat
            and within is not None
            and (dates := state.get("undated_from")) is not None
            and outside_filters(dates, within)
        ):
            answer.note = outside_filters_note(dates, within, lang)
        elif (
            not answer.abstained
            and (dates := state.get("undated_from")) is not None
            and not any(published_within(c.chunk.published, dates.since, dates.last) for c in answer.citations)
        ):
            # the dates asked found nothing that answers: said, not passed off as of those dates
            undated = bool(answer.citations) and all(published_day(c.chunk.published) is None for c in answer.citations)
            answer.note = other_dates_note(dates, lang=lang, undated=undated)
        elif answer.abstained and not answer.chat and (dates := state.get("undated_from")) is not None:
            answer.note = other_dates_note(dates, quoted=False, lang=lang)  # read right, and nothing answers
        elif answer.abstained and not answer.chat and leaves_out_undated(retriever.index, within):
            answer.note = UNDATED_NOTE[lang]
        if answer.note is None and not answer.chat and (day := impossible_day(retrieval.question)) is not None:
            answer.note = NO_SUCH_DAY_NOTE[lang].format(day=day)
        return with_timings(answer, state)

    def quote_instead(state: dict[str, Any]) -> Answer:
        error = state.get("error")
        logger.warning("the chat model gave no usable answer (%s); quoting the passages", type(error).__name__)
        answer = quote(state)
        answer.note = fallback_note(error)
        return answer

    answer: Runnable[Any, Answer] = RunnableLambda(quote, name="quote")
    if llm is not None:
        # a question about the news itself is answered by the article's own lead, quoted
        answer = RunnableBranch(
            # ... and so is a citation number the earlier answer does not have (its note says so), a
            # message that asks nothing, and a question on a subject no article holds (refused: the
            # off-topic gate, as without a chat model; its passages would only tempt one)
            (
                lambda state: (
                    "small_talk" in state
                    or "gist" in state
                    or "speaker" in state
                    or _no_citation(state["retrieval"].within)
                    or extractive.off_topic(state["retrieval"])
                ),
                answer,
            ),
            llm.with_fallbacks([RunnableLambda(quote_instead, name="quote")], exception_key="error"),
        )
    return RunnableLambda(question, name="question") | RunnableLambda(retrieve, name="retrieve") | answer


def _days_said(dates: DateReading, lang: str) -> str:
    """The days ``dates`` reads, as words ``read_dates`` reads back as those days whatever stands
    before them ("tanggal 2026-11-25", "from 2026-11-01 to 2026-11-18"): a day as the question
    wrote it ("Nov 25") could read as its month after another question's words."""
    on, since, until = ("on", "since", "until") if lang == "en" else ("tanggal", "sejak", "sampai")
    first, last = dates.since, dates.until
    if first is not None and first == last:
        return f"{on} {first.isoformat()}"
    return " ".join([*([since, first.isoformat()] if first else []), *([until, last.isoformat()] if last else [])])
