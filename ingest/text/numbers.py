"""Numbers written as words, in Indonesian and English: "tujuh ratus" is 700, "dua belas" 12,
"seratus dua puluh lima" 125, "twenty five" 25. The support check of a chat model's answers
(``bot.chain.verifier``) and what a figure counts (``bot.chain.extractive.counted``) read them
alike."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence


def alternatives(phrases: Sequence[str]) -> str:
    """A regex alternation of ``phrases``, longest first, any space between their words."""
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


# Numbers written as words, in either language: "tujuh ratus" is 700 and "dua puluh miliar" 20
# miliar, as a figure in digits would be ("se" only inside a number: "seratus", not "se-").
UNITS = {
    **dict.fromkeys(["nol", "zero"], 0),
    **dict.fromkeys(["satu", "se", "one"], 1),
    **dict.fromkeys(["dua", "two"], 2),
    **dict.fromkeys(["tiga", "three"], 3),
    **dict.fromkeys(["empat", "four"], 4),
    **dict.fromkeys(["lima", "five"], 5),
    **dict.fromkeys(["enam", "six"], 6),
    **dict.fromkeys(["tujuh", "seven"], 7),
    **dict.fromkeys(["delapan", "eight"], 8),
    **dict.fromkeys(["sembilan", "nine"], 9),
    **dict.fromkeys(["sepuluh", "ten"], 10),
    **dict.fromkeys(["sebelas", "eleven"], 11),
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "seratus": 100,
}
TENS = {"puluh": 10, "ratus": 100, "hundred": 100}  # "dua puluh" is 2 x 10 ("dua belas": 2 + 10)
# The most words one number written in words takes: "sembilan ratus sembilan puluh sembilan" is
# six. Bounded, a pattern that needs a word after the number ("dua pekan lalu") stays linear on a
# long run of number words; unbounded, it read the run to its end from every word of it (100,000
# characters of "dua dua ..." took minutes).
MAX_NUMBER_WORDS = 8
NUMBER_WORD = re.compile(
    rf"(?<![^\W\d_])(?:{alternatives([w for w in UNITS if w != 'se'])})"
    rf"(?:[\s-]+(?:{alternatives([*UNITS, *TENS, 'belas'])})){{0,{MAX_NUMBER_WORDS - 1}}}"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)


def number_value(words: str) -> int:
    """The value of a number written as words ("tujuh ratus" 700, "dua belas" 12, "seratus dua
    puluh lima" 125, "twenty five" 25)."""
    total, unit = 0, None
    for word in re.split(r"[\s-]+", words.lower()):
        if word in UNITS:
            total += unit or 0
            unit = UNITS[word]
        elif word == "belas":
            total, unit = total + (unit or 1) + 10, None
        elif word in TENS:
            total, unit = total + (unit or 1) * TENS[word], None
    return total + (unit or 0)


def in_digits(text: str, keep: Callable[[re.Match[str]], bool] = lambda _: False) -> str:
    """``text`` with its numbers written as words written in digits ("dua puluh dua orang" ->
    "22 orang"), but those ``keep`` says to leave as they are."""
    return NUMBER_WORD.sub(lambda m: m.group(0) if keep(m) else str(number_value(m.group(0))), text)
