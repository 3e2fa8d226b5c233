"""Dates in questions: what "kemarin", "minggu lalu", "sejak Oktober" or "latest" mean, relative to
the day the question is asked, and the range of publication dates a question is about.

``read_dates(question, today)`` returns a ``DateReading``: ``since``/``until`` (inclusive dates, or
``None``), ``latest`` (the question asks for the newest news: "terbaru", "update", "berita
terakhir", "latest", "now") and the question without those words. These are words of time, the
same for every article, like the question words of ``bot.chain.question``. Words only *prefer*
dates (``prefer_dated``): the passages of the range, or the newest article, answer when the
answer model accepts them, and otherwise the question is answered as if it named no date (its
"sejak Januari" may be about when a rule began, not when it was reported). Only ``--since``,
``--until`` and ``--source`` filter (``ingest.types.Scope``). An article without a date is in no
range and is never the newest.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from bot.chain.stories import Together, one_story
from ingest.errors import BadInput
from ingest.text.analysis import guess_language
from ingest.text.calendar import EN_WEEKDAYS, MONTHS, PLAIN_WEEKDAYS, WEEKDAYS
from ingest.text.numbers import NUMBER_WORD, number_value
from ingest.text.years import NOT_YEAR_AFTER, YEAR
from ingest.types import Scope

# Any month name or short form, longest first (a regular expression alternation).
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
_LATEST = re.compile(
    r"\b(terbaru\w*|terkini\w*|paling baru|terupdate|update\w*|latest|newest|most recent|current|now|sekarang|skrg"
    r"|(?:berita|kabar|info|data|laporan|perkembangan|angka|jumlah)\s+terakhir\w*)\b"
)


@dataclass(frozen=True)
class DateReading:
    """The publication dates a question is about (inclusive; ``None``: open), whether it asks
    for the latest news, and the question without the words that said so (``rest``: "berapa
    pengungsi terbaru?" searches for "berapa pengungsi"; empty when nothing was taken out)."""

    since: date | None = None
    until: date | None = None
    latest: bool = False
    rest: str = ""
    today: date | None = None  # the day it was read on: the latest news is none published after it

    @property
    def bounded(self) -> bool:
        """Whether the question names a range of dates."""
        return self.since is not None or self.until is not None

    @property
    def last(self) -> date | None:
        """The range's last day as news: none published after the day it was read on is news yet
        ("sejak kemarin" asked on 4 November is not answered from an article of the 17th)."""
        ends = [day for day in (self.until, self.today) if day is not None]
        return min(ends) if ends and self.bounded else self.until

    @property
    def reaches_today(self) -> bool:
        """Whether the range runs up to the day it was read on ("hari ini", "minggu ini", "sejak 1
        November")."""
        return self.bounded and self.today is not None and self.last == self.today


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _year_of(month: int, today: date) -> int:
    """A month named without a year is the latest such month up to today."""
    return today.year if month <= today.month else today.year - 1


def _full_year(year: str) -> int:
    """A year as written: four figures, or two of this century ("30/10/26")."""
    return 2000 + int(year) if len(year) == 2 else int(year)


def _month_number(month: str) -> int:
    """A month as written: its number, or its name (``MONTHS``)."""
    return int(month) if month.isdigit() else MONTHS[month]


def _day(day: str, month: str, year: str | None, today: date, past: bool = False) -> date | None:
    """The day of a match's groups: ``month`` a number or a month's name, ``year`` optional; with
    ``past`` (the news of one day), a day named without a year is the latest such day up to today
    ("berita tanggal 30/11" asked on 25 November is last year's: it had been read five days
    ahead), while a bound or a range may end after today ("sampai 30 November")."""
    number = _month_number(month)
    try:
        found = date(_full_year(year) if year else _year_of(number, today), number, int(day))
        return date(found.year - 1, number, int(day)) if past and not year and found > today else found
    except ValueError:
        return None


def _month(name: str, year: str | None, today: date) -> tuple[date, date] | None:
    """The first and last day of a month named in a question, ``year`` optional (``None`` for a
    year no calendar has: "Oktober 0000")."""
    month = MONTHS[name]
    try:
        return _month_range(int(year) if year else _year_of(month, today), month)
    except ValueError:
        return None


def _lower(text: str) -> str:
    """``text`` in lower case, character for character (a letter whose lower case is longer,
    such as "İ", is kept), so positions in it are positions in ``text``."""
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


# A day written month first, as in English ("November 28", "Nov 3rd", "November 28, 2026").
_MONTH_DAY = re.compile(rf"\b({MONTH_PATTERN})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?(?!\s*[/:.]\d)")


# A day written year first ("2026-10-30", "2026/10/30"), as ISO and machines write it.
_YEAR_FIRST = re.compile(r"\b(\d{4})([-/])(\d{1,2})\2(\d{1,2})\b(?![-/.]\d)")  # not dots: "2026.10.30" a version
# The English words a day written month first follows in a question guessed Indonesian
# ("evacuees since November 10": English words an Indonesian guess was made on).
_ENGLISH_BEFORE_DAY = re.compile(r"\b(?:since|until|till|before|after|from|between|through|on|of)\s+$")
# What ends a clause after a day written month first: nothing counted follows its figure
# ("sejak Februari 15?" is since 15 February; "sejak Februari 15 warga" is since February, 15 people).
_CLAUSE_END = re.compile(r"\s*(?:[?!.,;:)]|$)")


# A day written day first with dashes or dots and its year ("30-10-2026", "30.10.2026").
_DASHED_DAY = re.compile(r"\b(\d{1,2})([-.])(\d{1,2})\2(\d{4})\b(?![-/.]\d)")


def without_days(text: str) -> str:
    """``text`` without the days it names, with the word before each ("on", "pada", "tanggal",
    "per", "as of"): what a question asks of any day ("how many evacuees" of "how many evacuees on
    Oct 30th?"), to ask it again of another."""
    read, rewritten = _as_read(text)
    return _taken_out(text, [m.span() for m in _A_DAY.finditer(read)], rewritten)


def names_calendar_day(text: str) -> bool:
    """Whether ``text`` writes a day of the calendar as the dates are read: by a month's name ("12
    oktober", "october 12") or as figures ("12/10", "2026-10-12"), not a relative time ("kemarin",
    "2 hari lalu")."""
    read, _ = _as_read(text)
    return _A_DAY.search(read) is not None or re.search(rf"\b{_DAY_FIGURES}", read) is not None


def _figures_day_first(q: str) -> str:
    """``q`` with its days written year first, or with dashes or dots, written day first with
    slashes ("2026-10-30" and "30-10-2026" are "30/10/2026"): as long, so that positions in it are
    positions in ``q``."""
    q = _DASHED_DAY.sub(lambda m: f"{m.group(1)}/{m.group(3)}/{m.group(4)}", q)
    return _YEAR_FIRST.sub(lambda m: f"{m.group(4)}/{m.group(3)}/{m.group(1)}", q)


def _as_read(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` as its dates are read: in lower case, its days written with figures written day
    first with slashes (``_figures_day_first``), and its days written month first written day
    first ("28 november") when the question is English, after an English word of time ("since
    November 10"), or when nothing follows its figure in the clause ("sejak Februari 15?"; in
    Indonesian "sejak Oktober 30 orang mengungsi" is since October, 30 people);
    each in the place it took, so that positions in it are positions in ``text``; with where the
    latter were rewritten."""
    english = guess_language(text) == "en"
    q = _figures_day_first(_lower(text))
    rewritten: list[tuple[int, int]] = []

    def swap(m: re.Match[str]) -> str:
        if not english and not _ENGLISH_BEFORE_DAY.search(q, 0, m.start()) and not _CLAUSE_END.match(q, m.end()):
            return m.group(0)
        rewritten.append(m.span())
        # padded in front, so that what a date is read to end with ends where it does in ``q``
        # (what is taken out where it stood is then widened to all of it: ``_taken_out``)
        day_month = f"{m.group(2)} {m.group(1)}"
        if not m.group(3):
            return day_month.rjust(len(m.group(0)))
        return day_month.rjust(m.start(3) - m.start(0) - 1) + " " + m.group(3)  # the year where it was

    return _MONTH_DAY.sub(swap, q), rewritten


def _widened(start: int, end: int, rewritten: list[tuple[int, int]]) -> tuple[int, int]:
    """The span ``start``-``end`` of a text read by ``_as_read``, widened to the whole of any day
    it overlaps that was rewritten day first ("Nov 3rd" is read as "3 nov" padded in front)."""
    for first, last in rewritten:
        if start < last and first < end:
            start, end = min(start, first), max(end, last)
    return start, end


def _taken_out(text: str, spans: list[tuple[int, int]], rewritten: list[tuple[int, int]]) -> str:
    """``text`` without ``spans``, each ``_widened`` (the "No" of "Nov 3rd" had been left in the
    words searched)."""
    chars = list(text)
    for span in spans:
        start, end = _widened(*span, rewritten)
        chars[start:end] = " " * (end - start)
    return re.sub(r"\s+([?.!,])", r"\1", " ".join("".join(chars).split()))


def _plus(day: date, days: int) -> date | None:
    """``day`` moved by ``days``; ``None`` past the calendar (before 1 January of year 1, after 31
    December 9999)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def read_dates(question: str, today: date) -> DateReading:
    """The dates ``question`` refers to, relative to ``today`` (see the module docstring)."""
    text = " ".join(question.split())
    read, rewritten = _as_read(text)
    since, until, latest, spans = _read(read, today)
    if not spans:
        return DateReading(since, until, latest, today=today)
    rest = _taken_out(text, spans, rewritten)
    return DateReading(since, until, latest, rest if any(ch.isalnum() for ch in rest) else "", today)


# A count of days, weeks or months, in figures or in words ("3", "tiga", "dua puluh", "three").
_COUNT = rf"(\d{{1,2}}|{NUMBER_WORD.pattern})"
_COUNTED_BACK = re.compile(
    rf"\b(\d+|{NUMBER_WORD.pattern}) (minggu|pekan|bulan|tahun|weeks?|months?|years?)"
    r" (?:yang lalu|yg lalu|lalu|ago)\b"
)
_RECENT = re.compile(rf"\b{_COUNT} (hari|days?) (terakhir|lalu|ago|last)\b")


def _count(text: str) -> int:
    return int(text) if text.isdigit() else number_value(text)


# A year right after a word for the news, with "dari"/"from", "tahun"/"year" between or not
_NEWS_YEAR = re.compile(
    r"\b(?:berita|kabar|news)\s+((?:(?:dari|pada|di|from|of|in)\s+)?(?:(?:tahun|thn|year)\s+)?(\d{4}))\b"
)


def _read(q: str, today: date) -> tuple[date | None, date | None, bool, list[tuple[int, int]]]:
    """``read_dates`` on a lower-cased question: since, until, latest and where it said so."""
    marker = _LATEST.search(q)
    latest = marker is not None
    spans = [marker.span()] if marker else []
    if marker is not None and (up_to := _UP_TO_NOW.search(q, 0, marker.start())):
        spans = [(up_to.start(), marker.end())]  # "sampai sekarang", "until now": the latest, its bound too
    week_start = today - timedelta(days=today.weekday())
    rules: list[tuple[str, tuple[date, date]]] = [
        (r"\b(hari ini|today)\b", (today, today)),
        (r"\b(minggu ini|pekan ini|this week)\b", (week_start, today)),
        (
            r"\b(minggu lalu|pekan lalu|minggu kemarin|last week)\b",
            (week_start - timedelta(days=7), week_start - timedelta(days=1)),
        ),
        (r"\b(bulan ini|this month)\b", (today.replace(day=1), today)),
        (
            r"\b(bulan lalu|bulan kemarin|last month)\b",
            _month_range(*((today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12))),
        ),
        (r"\b(tahun ini|this year)\b", (date(today.year, 1, 1), today)),
        (r"\b(tahun lalu|tahun kemarin|last year)\b", (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
        # the day before yesterday ("kemarin lusa", "kemarin dulu" had been read as yesterday: a
        # hostile tester's)
        (r"\b((?:kemarin|kemaren|kmrn) (?:lusa|dulu)|the day before yesterday)\b", (today - timedelta(days=2),) * 2),
        # after "minggu kemarin", "bulan kemarin" and "kemarin lusa", which hold it
        (_YESTERDAY, (today - timedelta(days=1), today - timedelta(days=1))),
    ]
    # the news of a year ("berita tahun 2025", "news from 2025"): its articles, as "berita bulan
    # Oktober" reads a month's; a year without a word for news is when something happened
    # ("banjir tahun 2025 berapa korban?": ``question.years_asked``), not when it was published
    for news_year in _NEWS_YEAR.finditer(q):
        number = int(news_year.group(2))
        if 1900 <= number <= today.year:
            rules.insert(0, (re.escape(news_year.group(1)), (date(number, 1, 1), min(date(number, 12, 31), today))))
    # the week or month some back ("2 minggu lalu", "tiga bulan yang lalu", "3 weeks ago"), before
    # the rules above, whose "minggu lalu" it holds: it had been read as last week, its count
    # left in the words searched
    back = _COUNTED_BACK.search(q)
    counted: tuple[str, str] | None = None  # the counted rule's pattern, and the question without it
    if back is not None:
        without_back = q[: back.start()] + " " * (back.end() - back.start()) + q[back.end() :]
        count = _count(back.group(1))
        if back.group(2) in ("minggu", "pekan", "week", "weeks"):
            monday = _plus(week_start, -7 * count)
            period = None if monday is None else (monday, monday + timedelta(days=6))
        elif back.group(2) in ("tahun", "year", "years"):  # "2 tahun lalu": that year, not last year
            # a year written before "tahun lalu" ("kejadian 2023 tahun lalu") is that year
            years_back = count if 1900 <= count <= today.year else today.year - count
            period = (date(years_back, 1, 1), date(years_back, 12, 31)) if years_back >= 1 else None
        else:
            month_index = today.year * 12 + today.month - 1 - count
            period = _month_range(month_index // 12, month_index % 12 + 1) if month_index >= 12 else None
        if period is not None:
            rules.insert(0, (re.escape(back.group(0)), period))
            # the other rules look past it: "sejak 2 tahun lalu sampai tahun lalu" had found only
            # the "tahun lalu" inside the first, and lost its end
            counted = (re.escape(back.group(0)), without_back)
        else:  # before the calendar ("5000 tahun lalu"): no date, and not the "tahun lalu" it holds
            q = without_back
            spans.append(back.span())
    # nor after a day named ("jumat 30/10 kmrn", "30 Oktober kemarin": the one just past)
    yesterday = re.search(_YESTERDAY, q)
    if yesterday is not None and _NAMED_DAY_BEFORE.search(q, 0, yesterday.start()):
        rules = [(pattern, dates) for pattern, dates in rules if pattern != _YESTERDAY]
        spans.append(yesterday.span())  # a time word all the same, not one to search for
    # a weekday just past: "Senin kemarin", "hari Rabu lalu" (not "minggu": last week's), "last
    # Monday" (it had been read as no time at all)
    past_weekday = _PAST_WEEKDAY.search(q)
    if past_weekday is not None:
        weekday = PLAIN_WEEKDAYS[past_weekday.group(1) or past_weekday.group(2)]
        days_back = (today.weekday() - weekday - 1) % 7 + 1
        rules.insert(0, (re.escape(past_weekday.group(0)), (today - timedelta(days=days_back),) * 2))
    found_all = sorted(
        (
            (hit, dates)
            for pattern, dates in rules
            if (hit := re.search(pattern, q if counted is None or pattern == counted[0] else counted[1]))
        ),
        key=lambda h: h[0].start(),
    )
    # "kemarin" inside "minggu kemarin" is no time of its own
    found_all = [
        (hit, dates)
        for hit, dates in found_all
        if not any(o.start() <= hit.start() and hit.end() <= o.end() and o is not hit for o, _ in found_all)
    ]
    for (earlier, one), (later, other) in pairwise(found_all):
        # a range of two ("sejak kemarin sampai hari ini", "from last week until today", "antara
        # minggu lalu dan minggu ini": "dan" / "and" only after "antara" / "between", which may
        # name the later one first: "antara hari ini dan kemarin")
        opened = _RANGE_FROM.search(q, 0, earlier.start())
        between = opened is not None and opened.group(1) in _BETWEEN
        joined = _RANGE_TO.fullmatch(q, earlier.end(), later.start()) or (
            between and _RANGE_AND.fullmatch(q, earlier.end(), later.start())
        )
        day_from, day_to = (min(one[0], other[0]), max(one[1], other[1])) if between else (one[0], other[1])
        if joined and day_from <= day_to:
            return day_from, day_to, latest, [*spans, (opened.start() if opened else earlier.start(), later.end())]
    for pattern, (day_from, day_to) in rules:
        hit = re.search(pattern, q)
        if hit:
            # a bound before it: "sebelum kemarin" is up to the day before yesterday, "sejak minggu
            # lalu" from last week's Monday on
            before = _RELATIVE_BOUND.search(q, 0, hit.start())
            if before is None:
                return day_from, day_to, latest, [*spans, hit.span()]
            span = [*spans, (before.start(), hit.end())]
            word = before.group(1)
            if word in _BEFORE:
                return None, _plus(day_from, -1), latest, span
            if word in _AFTER:
                return _plus(day_to, 1), None, latest, span
            if word in _FROM:
                return day_from, None, latest, span
            # up to it, from a day or month named before ("sejak 30 Oktober sampai hari ini")
            opening = _named_bound(q[: before.start()], "opens", today)
            if opening is not None and opening[0] <= day_to:
                return opening[0], day_to, latest, [*span, opening[1]]
            return None, day_to, latest, span
    recent = _RECENT.search(q)
    if recent:
        start = _plus(today, -_count(recent.group(1)))
        if start is not None:
            return start, today, latest, [*spans, recent.span()]
    # days of one month: "dari 1 sampai 10 November", "tgl 1-10 Nov", "antara 3 dan 5 November",
    # "between November 3 and 5" (written day first: "3 november and 5"); not "3 dan 5 November"
    # alone, more often when something happened than when it was reported
    days = re.search(
        rf"\b(?:dari|antara|between|from|tanggal|tgl)\s+(?:(?:tanggal|tgl)\s+)?(\d{{1,2}})\s*(?:{_JOIN}|{_AND})"
        rf"\s*(?:(?:tanggal|tgl)\s+)?(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+(\d{{4}}))?\b"
        rf"|\b(?:between|from)\s+(\d{{1,2}})\s+({MONTH_PATTERN})\s*(?:{_JOIN}|{_AND})\s*(\d{{1,2}})\b"
        rf"(?!\s+(?:{MONTH_PATTERN})\b)(?:,?\s+(\d{{4}}))?",
        q,
    )
    # two days written as figures: "berita 30/10 sampai 3/11", "tgl 30/10-3/11", "dari tanggal
    # 28/12/2025 sampai 2/1/2026"; after a word naming news or "tanggal", or after a range's first
    # word when no share could be meant: a year written, or a first figure over the second ("dari
    # 28/10 sampai 2/11", "antara 1/11 dan 8/11"; "harga naik dari 1/2 sampai 3/4 persen", "antara
    # 1/2 dan 2/3 warga" are shares, as "dari 2/3 suara" is)
    figures = re.search(
        rf"\b(?:(?:berita|artikel|laporan|kabar|news|articles?|reports?)\s+(?:({_OPENS})\s+)?(?:(?:tanggal|tgl)\s+)?"
        rf"|(?:({_OPENS})\s+)?(?:tanggal|tgl)\s+|(?P<bare>{_OPENS})\s+){_DAY_FIGURES}\s*(?:(?P<anded>{_AND})|{_JOIN})"
        rf"\s*(?:(?:tanggal|tgl)\s+)?{_DAY_FIGURES}(?!\s*/|\d)(?:\s+(?P<tail>\d{{4}})(?!\d)(?=\s*(?:[?.!,]|$|(?:{_AFTER_YEAR})\b)))?",
        q,
    )
    if figures:
        opener = figures.group(1) or figures.group(2) or figures.group("bare")
        first_day, first_month, first_year, _, last_day, last_month, last_year = figures.groups()[3:10]
        # a year after both days is theirs ("berita 10/11 - 12/11 2026")
        last_year = last_year or (figures.group("tail") if not first_year else None)
        # "dan" / "and" join days only after "antara" / "between" ("laporan 1/2 dan 3/4 anggota")
        if (figures.group("anded") and opener not in _BETWEEN) or (
            figures.group("bare")
            and not (
                first_year
                or last_year
                or int(first_day) > int(first_month)
                or int(last_day) > int(last_month)
                or min(int(first_month), int(last_month)) >= 5  # "antara 1/11 dan 8/11": no share is in elevenths
            )
        ):
            figures = None
    if figures:
        ends = _days_between(first_day, first_month, first_year, last_day, last_month, last_year, today)
        if ends is not None:
            return *ends, latest, [*spans, figures.span()]
    # and of two: "antara 3 November dan 5 Desember", "between November 3 and December 5"
    across = re.search(
        rf"\b(?:dari|antara|between|from|tanggal|tgl)\s+(\d{{1,2}})\s+({MONTH_PATTERN})\s*(?:{_JOIN}|{_AND})"
        rf"\s*(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+(\d{{4}}))?\b",
        q,
    )
    if across:
        first_day, first_month, last_day, last_month, year = across.groups()
        ends = _days_between(first_day, first_month, None, last_day, last_month, year, today)
        if ends is not None:
            return *ends, latest, [*spans, across.span()]
    if days:
        first, last, month, year = (
            days.group(1, 2, 3, 4) if days.group(1) else (days.group(5), days.group(7), days.group(6), days.group(8))
        )
        start, end = _day(first, month, year, today), _day(last, month, year, today)
        if start is not None and end is not None and start <= end:
            return start, end, latest, [*spans, days.span()]
    # "sejak 30 Oktober", "since October", "dari 1 November", "setelah ..."; "sebelum ...", "until ..."
    # a day, a month as a figure (and a year: "30/10/2026") or by name, a year
    day_month = (
        rf"(\d{{1,2}})\s*(?:/\s*(\d{{1,2}})(?:\s*/\s*(\d{{4}}|\d{{2}})(?!\d))?|({MONTH_PATTERN}))(?:\s+(\d{{4}}))?"
    )
    month_only = rf"({MONTH_PATTERN})(?:\s+(\d{{4}}))?"
    since = until = None
    for bound in ("since", "until"):
        named = _named_bound(q, bound, today)
        if named is not None:
            spans.append(named[1])
            if bound == "since":
                since = named[0]
            else:
                until = named[0]
    if since or until:
        return since, until, latest, spans
    # news of a day: "berita tanggal 30 Oktober", "laporan 30/10", "the report of 3 November"; and
    # the figures as of a day: "per" before a day names it ("data per 17 November", "per Jumat
    # 30/10", "per tanggal 30/10"; a day as figures only after a weekday or "tanggal", or with its
    # year: "per 2/3 suara" is a share, as "Rp4.000 per hari" is each day). A day on its own, "pada 27 Oktober",
    # is more often when something happened than when it was reported, so it is not read as one.
    named_weekday = rf"(?:hari\s+)?(?:{_WEEKDAY})[,\s]+"
    for pattern in (
        rf"\b(?:berita|artikel|laporan|kabar|news|article|report|story)(?:\s+(?:tanggal|tgl|of|on|from))?\s+"
        rf"(?:{named_weekday})?{day_month}\b",
        # a message that names a day and nothing else: "kalau tanggal 3/11?", "what about November
        # 3?", "30 Oktober gimana?" (after a question on the evacuees: the figure of that day)
        _only(rf"(?:(?:tanggal|tgl|pada|per|on)\s+)?(?:{named_weekday})?{day_month}"),
        # the news of a subject on a day: "berita banjir tanggal 30/10" (its subject searched)
        rf"\b(?P<news>berita|kabar|laporan|artikel)\s+(?:[^\W\d]+\s+){{1,5}}?"
        rf"(?P<when>(?:tanggal|tgl)\s+(?:{named_weekday})?{day_month})\b",
        # "per": a month by name, or figures after a weekday or "tanggal"
        rf"\bper\s+(?:(?:{named_weekday}|(?:tanggal|tgl)\s+)?(?=\d{{1,2}}\s+(?:{MONTH_PATTERN})\b|{_DAY_FIGURES_YEAR})"
        rf"|{named_weekday}|(?:tanggal|tgl)\s+){day_month}\b",
        # a day after "tanggal" or "as of" in any question: the figures of that day ("berapa
        # kerugian banjir tanggal 30/10?", "how many evacuees as of Nov 3rd?"); preferred only, and
        # a question it was when something happened is read again as asked when no article of the
        # day answers
        rf"\b(?:(?:tanggal|tgl)\s+|as\s+of\s+)(?:{named_weekday})?{day_month}\b",
    ):
        found = re.search(pattern, q)
        point = None
        if found:
            day, figure_month, figure_year, month_name, year = found.groups()[-5:]
            point = _day(day, figure_month or month_name, figure_year or year, today, past=True)
        if found and point is not None:
            where = [found.span(g) for g in ("news", "when") if g in found.groupdict()] or [found.span()]
            return point, point, latest, [*spans, *where]
    # a message naming a day of the month and nothing else ("klo yg tgl 17?"): the latest such day
    alone = re.search(_only(r"(?:tanggal|tgl)\s+(\d{1,2})\b(?!\s*[/.-]?\d)"), q)
    if alone is not None:
        month_index = today.year * 12 + today.month - 1 - (int(alone.group(2)) > today.day)
        point = None
        for step in range(12):  # "tgl 31" asked in December is 31 October (no 31 November)
            index = month_index - step
            point = _day(alone.group(2), str(index % 12 + 1), f"{index // 12:04d}", today) if index >= 12 else None
            if point is not None:
                break
        if point is not None:
            return point, point, latest, [*spans, alone.span("when")]
    found = re.search(
        rf"\b(?:berita|artikel|laporan|kabar|news|article|report|story)(?:\s+(?:bulan|of|in|from))?\s+{month_only}\b", q
    )
    months = _month(found.group(1), found.group(2), today) if found else None
    if found and months:
        return (*months, latest, [*spans, found.span()])
    return None, None, latest, spans


# What joins the two ends of a range ("sampai", "-", "until"); "dan" / "and" join them too after
# "antara" / "between"; and what may open one.
_JOIN = r"-|–|s/d|sd|sampai|sampe|smp|hingga|to|until|till|through"
_AND = r"dan|and"
_OPENS = r"sejak|dari|dr|mulai|antara|since|from|between"


def _days_between(
    first_day: str,
    first_month: str,
    first_year: str | None,
    last_day: str,
    last_month: str,
    last_year: str | None,
    today: date,
) -> tuple[date, date] | None:
    """The first and last day of a range written with its two ends (months as numbers or names,
    years optional): without a year both ends are in the year of the first's latest such month up
    to today ("30/11 sampai 2/12" asked on 20 November is this year's), and across a year's end
    ("28/12 - 2/1", "dari 28 Desember sampai 2 Januari") the last is in its latest such month's
    year and the first a year before; ``None`` for a day no calendar has, or ends the wrong way
    round."""
    first_number = _month_number(first_month)
    last_number = _month_number(last_month)
    if not (1 <= first_number <= 12 and 1 <= last_number <= 12):
        return None
    across = first_number > last_number  # a year's end between them
    if across and first_year is None and first_number - last_number < 6:
        # "3/11 sampai 30/10" (or "... 30/10/2026"): ends written the wrong way round, not eleven
        # months across a year's end
        first_day, first_month, last_day, last_month = last_day, last_month, first_day, first_month
        first_year, last_year = last_year, first_year
        first_number, last_number, across = last_number, first_number, False
    if last_year is None:
        if first_year:
            last_year = f"{_full_year(first_year) + across:04d}"
        else:  # the latest such range up to today: by its last month across a year's end
            last_year = f"{_year_of(last_number, today) if across else _year_of(first_number, today):04d}"
    if first_year is None:
        first_year = f"{_full_year(last_year) - across:04d}"
    start, end = _day(first_day, first_month, first_year, today), _day(last_day, last_month, last_year, today)
    if start is not None and end is not None and start > end and first_number == last_number:
        start, end = end, start  # "21/11 sampai 20/11": the days of one month the wrong way round
    return (start, end) if start is not None and end is not None and start <= end else None


def _named_bound(q: str, bound: str, today: date) -> tuple[date, tuple[int, int]] | None:
    """The first or last day (``bound``: "since", "until", or "opens", the first end of a range
    whose last is a relative time) a bound in ``q`` names, with where it is written: a day
    ("sejak 30 Oktober", "sampai tanggal 3/11"; a day as figures only after "tanggal" or with its
    year: "dari 2/3 suara" is a share) or a month ("since October", "sebelum akhir Oktober");
    "setelah" / "after" and "sebelum" / "before" leave the day or month out."""
    word = _BOUND_WORDS[bound]
    found = re.search(
        rf"\b(?:{word})\s+(?:(?:(?:tanggal|tgl)\s+)?{_DAY_FIGURES_YEAR}|(?:(?:tanggal|tgl)\s+|{_NO_SHARE_BEFORE})"
        rf"(\d{{1,2}})\s*/\s*(\d{{1,2}})(?!\s*/|\d)"
        rf"|(?:tanggal\s+|tgl\s+)?(\d{{1,2}})\s+({MONTH_PATTERN}))(?:\s+(\d{{4}}))?\b",
        q,
    )
    point: date | None = None
    if found:
        day, month, year = (
            found.group(1, 2, 3)
            if found.group(1)
            else (found.group(4) or found.group(6), found.group(5) or found.group(7), found.group(8))
        )
        point = _day(day, month, year, today)
    else:
        found = re.search(
            rf"\b(?:{word})\s+(?:awal\s+|akhir\s+|pertengahan\s+)?(?:bulan\s+)?({MONTH_PATTERN})(?:\s+(\d{{4}}))?\b", q
        )
        months = _month(found.group(1), found.group(2), today) if found else None
        if found is not None and months:
            # inclusive: from the month's first day, to its last; exclusive: from after its last,
            # to before its first
            point = months[0] if bound != "until" else months[1]
            if _EXCLUSIVE.match(found.group(0)):
                point = months[1] if bound != "until" else months[0]
    if point is not None and found is not None and _EXCLUSIVE.match(found.group(0)):
        point = _plus(point, 1 if bound != "until" else -1)
    return None if point is None or found is None else (point, found.span())


# The bound words after which a day may be written as figures alone, which no share follows
# ("sejak 1/11"; "dari 2/3 suara", "sampai 1/2 warga", "setelah 2/3 suara masuk", "since 1/2 of
# the voters" are shares, a review's): right after one.
_NO_SHARE_BEFORE = "(?:" + "|".join(rf"(?<=\b{w}\s)" for w in ("sejak", "semenjak")) + ")"
_WEEKDAY = "|".join(WEEKDAYS)
_YESTERDAY_WORDS = "kemarin|kemaren|kmrn"
_PAST_WEEKDAY = re.compile(
    rf"\b(?:hari\s+)?({'|'.join(PLAIN_WEEKDAYS)})\s+(?:{_YESTERDAY_WORDS}|lalu)\b|\blast ({'|'.join(EN_WEEKDAYS)})\b"
)
_YESTERDAY = rf"\b({_YESTERDAY_WORDS}|yesterday)\b"
# A day, month or year named right before "kemarin", which is then the one just past, not
# yesterday ("30 Oktober kemarin"; "2024 kemarin": in 2024, a hostile tester's, read as yesterday;
# not a sum or a time of day shaped like a year, ``NOT_YEAR_AFTER``: "rp 2000 kemarin", "jam 1930
# kemarin", nor a price, "harga 2000 kemarin").
_NOT_A_YEAR = "".join(rf"(?<!\b{word} )" for word in sorted(NOT_YEAR_AFTER | {"harga"}))
_NAMED_DAY_BEFORE = re.compile(
    rf"(?:\d{{1,2}}\s*/\s*\d{{1,2}}|\d{{1,2}}\s+(?:{MONTH_PATTERN})|\b(?:{MONTH_PATTERN})|\b(?:{_WEEKDAY})"
    rf"|{_NOT_A_YEAR}{YEAR.pattern})\s*$"
)


# The words that may stand around a day in a message that names nothing else ("kalau tanggal
# 3/11?", "what about Nov 3?", "30 Oktober gimana?"): asking how things stood then.
_DAY_FRAME = r"kalau|kalo|klo|terus|trus|trs|lalu|nah|gimana|bagaimana|gmn|what|how|about|and|dan|then|yang|yg"
_DAY_ASKED = r"gimana|bagaimana|gmn|brp|berapa|apa|ya|sih|dong|nya|aja|saja|doang|deh|how|many|much|then|kak|min"


def _only(day: str) -> str:
    """A message naming a ``day`` (a pattern, its span the group "when") and nothing else but the
    words that may stand around it."""
    return rf"^\W*(?:(?:{_DAY_FRAME})\s+)*(?P<when>{day})(?:\W+(?:{_DAY_ASKED})\b)*\W*$"


# What may follow a year written after a range of days ("berita 10/11 - 12/11 2026 ada apa?"); a
# figure followed by anything else counts something ("dari 28/10 sampai 2/11 1500 orang").
_AFTER_YEAR = r"ada|apa|apaan|berapa|brp|siapa|kapan|gimana|bagaimana|soal|tentang|ttg|about|on"

# A day written as figures, day first, the year optional ("30/10", "30/10/2026", "30/10/26");
# three groups.
_DAY_FIGURES = r"(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}|\d{2})(?!\d))?"
# And with its year, which no share is written with ("30/10/2026", "2026-10-30"); three groups.
_DAY_FIGURES_YEAR = r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4}|\d{2})(?!\d)"


# A day written with its month (and perhaps its year): by name ("31 November", "30 Feb 2026"), or
# as figures after "tanggal" or with their year ("tgl 31/11", "30/2/2026"; "2/3" alone is a share)
_WRITTEN_DAY = re.compile(
    rf"\b(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+(\d{{4}}))?\b"
    rf"|\b(?:tanggal|tgl)\s+{_DAY_FIGURES}"
    rf"|\b{_DAY_FIGURES_YEAR}"
)


def impossible_day(question: str) -> str | None:
    """A day ``question`` writes that no calendar has ("31 November", "30 Februari", "tgl 31/4",
    "29/2/2025"), as written: read as no date, the rest of the question is answered, and a note
    says so (it had been answered as though the day were not there, without a word). A day
    written month first counts where the dates read it so ("November 31", "sejak Februari 30?")."""
    read, rewritten = _as_read(question)
    for found in _WRITTEN_DAY.finditer(read):
        groups = found.groups()
        day, month, year = next((groups[i : i + 3] for i in (0, 3, 6) if groups[i]), (None, None, None))
        assert day is not None and month is not None
        number = _month_number(month)
        if not (1 <= number <= 12 and 1 <= int(day) <= 31):  # "40 may still be missing" names no day
            continue
        try:
            date(_full_year(year) if year else 2024, number, int(day))  # a leap year: 29 Februari is a day
        except ValueError:
            start, end = _widened(*found.span(), rewritten)  # a day rewritten day first, as written
            return question[start:end]
    return None


# A day, with the word that may bring it, in a question as ``_as_read`` writes it: a month by
# name ("30 oktober", "3 nov 2026"), figures after such a word or with their year ("PP 5/21" is
# no day), a day of the month alone after "tanggal" ("tgl 17").
_BRINGS_DAY = r"\b(?:on|pada|tanggal|tgl|per|as\s+of)\s+"
_A_DAY = re.compile(
    rf"(?:{_BRINGS_DAY})?\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH_PATTERN})\b(?:\s+\d{{4}})?"
    rf"|{_BRINGS_DAY}{_DAY_FIGURES}|\b{_DAY_FIGURES_YEAR}|\b(?:tanggal|tgl)\s+\d{{1,2}}\b(?!\s*[/.-]?\d)"
)

# A bound written right before a relative time ("sebelum kemarin", "sejak minggu lalu", "until
# yesterday"); "dari" / "from" are left out: "berita dari minggu lalu" is last week's news.
_BEFORE = frozenset({"sebelum", "before"})
_AFTER = frozenset({"setelah", "sesudah", "after"})
_FROM = frozenset({"sejak", "semenjak", "since", "mulai"})
_UNTIL = frozenset({"sampai", "sampe", "hingga", "until", "till"})
_BETWEEN = frozenset({"antara", "between"})  # "dan" / "and" join a range's ends only after these
# The words of a bound a day or a month is named after, by which bound they make ("dari" only
# before a day or month: "berita dari minggu lalu" is last week's news).
_BOUND_WORDS = {
    "since": "|".join(sorted(_FROM | _AFTER | {"dari", "dr"})),
    # a range's first end up to a relative time ("from October 30 until today"), where "news from
    # Nov 3" alone is that day's news
    "opens": "|".join(sorted(_FROM | _AFTER | {"dari", "dr", "from"})),
    "until": "|".join(sorted(_BEFORE | _UNTIL)),
}
# What joins two relative times into a range, and what may open it.
_RANGE_TO = re.compile(rf"\s*(?:{_JOIN})\s*")
_RANGE_FROM = re.compile(rf"\b({_OPENS})\s+$")
_RANGE_AND = re.compile(rf"\s*(?:{_AND})\s*")
# "sampai sekarang", "smp skrg" (the latest, its bound too): "smp" closes a range only here and
# between two days ("dr 3/11 smp 10/11", ``_JOIN``); alone it is a junior high school ("keracunan
# smp 12 oktober", a review's)
_UP_TO_NOW = re.compile(rf"\b(?:{'|'.join(sorted(_UNTIL | {'smp'}))})\s+$")
_RELATIVE_BOUND = re.compile(rf"\b({'|'.join(sorted(_BEFORE | _AFTER | _FROM | _UNTIL))})\s+$")

# The words of a bound that leave out the day or month they name (not a part of a month: "sebelum
# akhir Oktober" is read as up to the end of October, as the month's parts are not told apart).
_EXCLUSIVE = re.compile(rf"(?:{'|'.join(sorted(_AFTER | _BEFORE))})\s+(?!awal\b|akhir\b|pertengahan\b)")


# How far below the best passage (passage-model log-odds) a passage may score and still answer a
# question for its date (chosen on tests/data/story_dev.jsonl, docs/quality.md).
DATE_MARGIN = 8.0


def published_day(value: str | None) -> date | None:
    """An article's publication day from its stored date (ISO, maybe with a time), or ``None``."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


# The one form of a day a caller may give (Python also reads "20261101" and "2026-W45-1").
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_day(value: object, name: str) -> date | None:
    """A date given by a caller (``--since``, a JSON field): a ``date`` (a ``datetime`` counts as
    its day) or ``YYYY-MM-DD`` text; anything else is a ``BadInput`` naming ``name``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadInput(f"{name} must be a date as YYYY-MM-DD, not {str(value)[:40]!r}")


# The days "today" may be: time words reach a year back ("bulan lalu" in January, "minggu lalu")
# and a little forward, and Python's dates stop at years 1 and 9999.
FIRST_TODAY, LAST_TODAY = date(2, 1, 1), date(9998, 12, 31)


def parse_today(value: object, name: str = "today") -> date | None:
    """The day a caller says it is (``today`` of a batch line, ``--today``: ``name``), as
    ``parse_day``, and within ``FIRST_TODAY`` to ``LAST_TODAY``."""
    day = parse_day(value, name)
    if day is not None and not FIRST_TODAY <= day <= LAST_TODAY:
        raise BadInput(f"{name} must be a day from {FIRST_TODAY.isoformat()} to {LAST_TODAY.isoformat()}")
    return day


def published_within(published: str | None, since: date | None, until: date | None) -> bool:
    """Whether an article's stored date falls within ``since`` to ``until`` (inclusive, either
    open); an undated article is in no range."""
    day = published_day(published)
    return day is not None and (since is None or day >= since) and (until is None or day <= until)


def published_after(candidate: Any, day: date | None) -> bool:
    """Whether a candidate's article was published after ``day`` (an undated one never was)."""
    published = published_day(candidate.chunk.published)
    return day is not None and published is not None and published > day


def up_to_today(retrieval: Any, reading: DateReading) -> Any:
    """For a question on the latest news, ``retrieval`` without the passages of articles published
    after the day it is asked on (not yet news then: an eval's ``today``, or a date typed wrong at
    ingest; the news list leaves them out too); undated ones stay. As it was otherwise."""
    import dataclasses

    if not reading.latest:
        return retrieval
    kept = [c for c in retrieval.candidates if not published_after(c, reading.today)]
    if len(kept) == len(retrieval.candidates):
        return retrieval
    return dataclasses.replace(retrieval, candidates=kept, judged=None)


def _in_range(candidate: Any, reading: DateReading) -> bool:
    return published_within(candidate.chunk.published, reading.since, reading.last)


def dated_choices(candidates: list[Any], reading: DateReading, together: Together = one_story) -> list[list[Any]]:
    """The candidate lists to try, in order, for a question about a range of dates or the latest
    news (``candidates``: ranked passages, best first). Of the passages within ``DATE_MARGIN`` of
    the best, those published in the range; for the latest news, one article of the best
    passage's story (``together``: the chain's ``StoryReader.teller``, by what articles say;
    headlines alone, ``one_story``, by default) at a time, newest first (an article without a
    date is never the newest). Empty when the question names no date."""
    if not (reading.bounded or reading.latest) or len(candidates) < 2:
        return []
    # of the best passage's story: "how many are still at the shelter in the latest update?" of a
    # flood is not answered from a newer market report, nor "tarif trans seruni mulai 16
    # November?" from a market report of those days (a date in a question may be when something
    # happened)
    best = candidates[0]
    near = [c for c in candidates if c.score >= best.score - DATE_MARGIN and together(best.chunk, c.chunk)]
    if reading.bounded:
        near = [c for c in near if _in_range(c, reading)]
    if not reading.latest:
        return [near] if near and len(near) < len(candidates) else []
    by_article: dict[str, list[Any]] = {}
    for c in near:
        if published_day(c.chunk.published) is not None:
            by_article.setdefault(c.chunk.source, []).append(c)
    order = sorted(
        by_article.values(), key=lambda group: published_day(group[0].chunk.published) or date.min, reverse=True
    )
    return order


def prefer_dated(
    retrieval: Any,
    reading: DateReading,
    accepts: Callable[[Any], bool],
    together: Together = one_story,
    search_article: Callable[[str], Any] | None = None,
) -> Any | None:
    """``retrieval`` answered from the passages its question's dates point to, when the answerer
    ``accepts`` the answer of one of ``dated_choices`` (it would not abstain); otherwise as it
    was. So "pengungsi terbarunya brp?" is answered from the newest article that answers it, and
    "apa kata BPBD minggu lalu?" from last week's, while a question whose dated passages do not
    answer is answered as if it named no date (``None``: none answers). For the latest news,
    once some report answers, the newest article searched on its own (``search_article``: a
    search within the article it names) answers first when it is accepted."""
    import dataclasses

    choices = dated_choices(retrieval.candidates, reading, together)
    for choice in choices:
        trial = dataclasses.replace(retrieval, candidates=choice, judged=None)
        if not accepts(trial):
            continue
        if reading.latest and search_article is not None:
            # some report answers: for the latest news, the newest article searched on its own
            # first (``search_article``: its source), whose passages that answer best need not be
            # among those the question found over every article, whether an older report's
            # answered ("jumlah pengungsi skrg brp?": the last report's "masih ada 45 orang"
            # under older reports' passages on the evacuees) or its own found did ("pengungsi
            # terbarunya brp org?" had quoted the last report's losses, found for "banjir lembah
            # arum"). Only the newest (an older report searched alone answers with what its
            # passages hold nearest the question, before a report between them whose found
            # passages answer), and only when some report answers: one article's reading is
            # accepted more easily, and a question no report answers stays refused
            newest = choices[0][0].chunk.source
            own = search_article(newest)
            kept = [c for c in own.candidates if c.chunk.source == newest]
            searched = dataclasses.replace(own, candidates=kept, judged=None)
            if kept and accepts(searched):
                return searched
        return trial
    return None


def newest_answering(
    retrieval: Any, day: date, accepts: Callable[[Any], bool], together: Together = one_story
) -> Any | None:
    """``retrieval`` answered from the newest article up to ``day`` whose passages the answerer
    ``accepts``, as for the latest news ("berapa pengungsi hari ini?" with no article of today: the
    newest figure, not the oldest); ``None`` when none does."""
    as_of = DateReading(latest=True, today=day)
    return prefer_dated(up_to_today(retrieval, as_of), as_of, accepts, together)


def narrowed(within: Scope | None, since: str | None, until: str | None) -> Scope:
    """The filters ``within`` narrowed to the dates a question names (ISO, inclusive)."""
    within = within or Scope()
    first = max(filter(None, (within.since, since)), default=None)
    last = min(filter(None, (within.until, until)), default=None)
    return Scope(first, last, within.source, within.article)


def _no_day(scope: Scope) -> bool:
    """Whether ``scope``'s dates leave no day (its first after its last)."""
    return bool(scope.since and scope.until and scope.since > scope.until)


def outside_filters(reading: DateReading, within: Scope | None) -> bool:
    """Whether the dates ``reading`` names ("kemarin") share no day with the filters ``within``
    (``--since``, ``--until``), though they have days of their own: then no article of those
    dates was searched, whatever the index holds (the note had said none of them answers: a
    hostile tester's)."""
    since = reading.since.isoformat() if reading.since else None
    last = reading.last.isoformat() if reading.last else None
    return not _no_day(narrowed(None, since, last)) and _no_day(narrowed(within, since, last))


def searched_within_dates(
    retrieval: Any,
    reading: DateReading,
    within: Scope | None,
    search: Callable[[Scope], Any],
    accepts: Callable[[Any], bool],
    together: Together = one_story,
) -> Any | None:
    """For a question about a range of dates whose passages among ``retrieval``'s did not answer
    (``prefer_dated``), the question searched again among the articles of those dates alone
    (``search`` with the filters narrowed to them), of the story of ``retrieval``'s best passage
    (``together``),
    when the answerer ``accepts`` it; else ``None``. "kalau tanggal 3/11?" after a question on the
    evacuees is answered from the 3 November article's sentence on them, which the search over
    every article had ranked below its passages of other days."""
    import dataclasses

    if not reading.bounded or not retrieval.candidates:
        return None
    best = retrieval.candidates[0]
    scope = narrowed(
        within,
        reading.since.isoformat() if reading.since else None,
        reading.last.isoformat() if reading.last else None,
    )
    if _no_day(scope):
        return None
    dated = search(scope)
    kept = [c for c in dated.candidates if _in_range(c, reading) and together(best.chunk, c.chunk)]
    if not kept:
        return None
    trial = dataclasses.replace(dated, candidates=kept, judged=None)
    return trial if accepts(trial) else None
