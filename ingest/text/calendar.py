"""The names of the months and the days of the week, as news and questions write them: one list
for reading dates (``bot.chain.dates``) and for telling them from the names of a story's places
and people (``bot.chain.stories.names``)."""

from __future__ import annotations

# Month name or short form -> its number (1-12), Indonesian and English.
MONTHS = {
    **{
        m: i
        for i, m in enumerate(
            "januari februari maret april mei juni juli agustus september oktober november desember".split(), 1
        )
    },
    **{
        m: i
        for i, m in enumerate(
            "january february march april may june july august september october november december".split(), 1
        )
    },
    **{m: i for i, m in enumerate("jan feb mar apr mei jun jul agu sep okt nov des".split(), 1)},
    "agt": 8,
    "aug": 8,
    "oct": 10,
    "dec": 12,
    "sept": 9,
}
# Weekdays (Monday 0) and how questions write them; "minggu" is also a week ("minggu lalu").
WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6}
EN_WEEKDAYS = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
# The weekdays that name nothing else, Indonesian and English ("minggu" is also a week).
PLAIN_WEEKDAYS = {day: n for day, n in WEEKDAYS.items() if day != "minggu"} | EN_WEEKDAYS
# Every word naming a month or a day of the week, which reports of any story write capitalised and
# which name no one (``bot.chain.stories.names``, ``bot.chain.verifier``).
CALENDAR_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(EN_WEEKDAYS)
