"""The years an article tells of, against which a question naming a year is read
(``bot.chain.extractive``: an answer from an article that tells of other years only is about
another time)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import NamedTuple

# A figure shaped like a year (1500 to 2099)
YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
# Words before a figure that make it no year: a sum, a time of day, a number of a law or a code.
NOT_YEAR_AFTER = frozenset("rp idr usd us jam pukul nomor nomer nmr no pasal uu kode pos ke".split())
# A figure shaped like a year written with a thousands separator: "1.500", "2,015"
_SEPARATED_YEAR = re.compile(r"(?<![\d.,])([12])[.,](\d{3})(?![.,]?\d)")
SEPARATORS = ".,"


def separated(year: str) -> list[str]:
    """``year`` as a figure written with a thousands separator ("1500": "1.500", "1,500"), as
    ``_SEPARATED_YEAR`` reads one."""
    return [f"{year[0]}{mark}{year[1:]}" for mark in SEPARATORS]


# How far from the years an undated article writes the one it was written in may be (its "tahun
# ini"): fitted on the training questions naming a year (docs/quality.md, thirty-sixth session)
UNDATED_YEARS_NEAR = 5
# A year after "sejak" in an article: what it tells holds from then on ("menjabat sejak 2016")
_SINCE_YEAR = re.compile(r"\b(?:sejak|semenjak|since|mulai)\s+(?:tahun\s+|\d{1,2}\s+\w+\s+)?(?:1[5-9]|20)\d\d\b")


class YearsTold(NamedTuple):
    """The years an article tells of (``years_told``)."""

    years: frozenset[str]  # the years it writes, and the one it was published in
    separated: frozenset[str]  # figures it writes with a thousands separator, "1.500": asked as "1500"
    since: bool  # it tells of something holding since one of its years
    published: str | None  # the year it was published in, if it is dated

    def answer(self, asked: Collection[str]) -> bool:
        """Whether the article may answer a question about the years ``asked``: one of them is a
        year it writes (or a figure it writes, "1.500"), lies between the first and the last it
        writes (after the last when it tells of something holding since one), is next to the
        year it was published in (its "tahun lalu", "tahun depan"), or, undated, lies near one it
        writes (``UNDATED_YEARS_NEAR``: its "tahun ini" is unknown); or it writes no year at all."""
        if not self.years or self.years.intersection(asked) or self.separated.intersection(asked):
            return True
        first, last = min(self.years), max(self.years)
        for year in asked:
            if first <= year and (year <= last or self.since):
                return True
            if self.published is not None and abs(int(year) - int(self.published)) <= 1:
                return True
            if self.published is None and any(abs(int(year) - int(y)) <= UNDATED_YEARS_NEAR for y in self.years):
                return True
        return False


def years_told(texts: Iterable[str], published: str | None) -> YearsTold:
    """The years an article of ``texts`` (its title and its chunks) tells of, and the year it was
    ``published`` in (an article dated "Selasa (17/11)" in its text is still of its year)."""
    year = published[:4] if published and YEAR.fullmatch(published[:4]) else None
    years = {year} if year else set()
    separated: set[str] = set()
    since = False
    for text in texts:
        years.update(YEAR.findall(text))
        separated.update(y for y in (a + b for a, b in _SEPARATED_YEAR.findall(text)) if YEAR.fullmatch(y))
        since = since or _SINCE_YEAR.search(text.lower()) is not None
    return YearsTold(frozenset(years), frozenset(separated), since, year)
