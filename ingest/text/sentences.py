"""Sentence segmentation for Indonesian and English news text, with character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.types import Span

# Abbreviations after which a period never ends a sentence (titles, "No.", "Jl.", "vs." ...).
_NEVER_FINAL = frozenset(
    """
    dr drs dra prof ir h hj kh st sh se mm mr mrs ms mt mba jl jln kol letjen mayjen brigjen jend
    kapt lettu serda bpk ibu sdr sdri yth tn ny no nomor hlm hal vol tel telp fax vs etc e.g i.e
    a.n u.p s.d jr sr inc ltd co corp dept gov univ mt ft
    """.split()
)
# Abbreviations that may end a sentence: they end one only when a capital letter follows.
_MAYBE_FINAL = frozenset("dll dsb dst dkk tsb sbb al cf ca".split())

# A run of end marks is tried from its first mark only (the lookbehind): tried from each mark of a
# run that no space ends ("???...?a"), the search had cost the square of the run's length.
_CANDIDATE = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’)\]]*(?=\s|$)|\n+")
_OPENERS = "\"'“‘([«"
_INITIALS = re.compile(r"[^\W\d_](?:\.[^\W\d_])*")


def _ends_sentence(text: str, dot_at: int, after: int) -> bool:
    """Decide whether the period at ``dot_at`` ends a sentence, given what follows at ``after``."""
    word = _word_ending_at(text, dot_at + 1).lstrip(_OPENERS).lower()
    stripped = word.rstrip(".")
    following = text[after : after + 2].lstrip()
    next_char = following[:1]
    if stripped in _NEVER_FINAL:
        return False
    # Initials and dotted acronyms ("A.", "A.S.", "J.K.") are not sentence ends.
    if _INITIALS.fullmatch(stripped):
        return False
    if stripped in _MAYBE_FINAL:
        return bool(next_char) and (next_char.isupper() or next_char in _OPENERS)
    # A lowercase continuation means the period was not final ("Rp 5 jt. per bulan").
    return not (next_char and next_char.islower())


def _word_ending_at(text: str, end: int) -> str:
    """The run of non-space characters that ends at ``end``. The walk back stops at the first
    space, and a candidate period is always followed by one, so across a text these walks never
    overlap: splitting stays linear however long the paragraph (a regex search for ``\\S+$``
    from the start of the text made it quadratic)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Return the sentences of ``text`` in order; offsets are shifted by ``offset``.

    Newlines always end a sentence (headlines, paragraphs). Sentences never start or end
    with whitespace and never split a word or a number such as ``USD2`` or ``3.5``.
    """
    return list(_iter_sentences(text, offset))


def _iter_sentences(text: str, offset: int) -> Iterator[Span]:
    start = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        if not match.group(0).startswith("\n"):
            if match.group(0)[0] == "." and not _ends_sentence(text, match.start(), end):
                continue
            if _inside_parenthesis(text, start, match.start()):
                continue
        yield from _span(text, start, end, offset)
        start = end
    yield from _span(text, start, len(text), offset)


def _inside_parenthesis(text: str, start: int, at: int) -> bool:
    """Whether ``at`` lies in a short parenthesis opened in this sentence ("(aksara Sunda: ...)").
    Only the last 120 characters are searched, so a long sentence is not scanned again at each
    of its candidate ends."""
    opened = text.rfind("(", max(start, at - 120), at)
    return opened != -1 and at - opened <= 120 and text.find(")", opened, at) == -1 and ")" in text[at : at + 120]


def _span(text: str, start: int, end: int, offset: int) -> Iterator[Span]:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right > left:
        yield Span(offset + start + left, offset + start + right, piece[left:right])


# How a sentence that goes on from the one before it opens: a connective ("Meskipun ...",
# "Namun, ...") or a demonstrative among its first words ("Langkah ini ...", "Hal itu ...").
_CONNECTIVES = frozenset(
    "meskipun walaupun namun tetapi tapi sedangkan sementara itu akibatnya karenanya however but although".split()
)
_DEMONSTRATIVES = frozenset("ini itu tersebut".split())


# How a sentence giving a speaker's words opens: a quote ('"Di lapangan ada 610 jiwa, ...') or
# "Menurut dia, ...".
_GIVES_WORDS = re.compile(r"^(?:[\"“]|menurut(?:nya\b|\s+(?:dia|mereka|beliau)\b))", re.IGNORECASE)


def gives_words(text: str) -> bool:
    """Whether a sentence gives a speaker's words: a quote, or what "Menurut dia" says. After one
    saying that someone disputes something ("... menilai angka itu terlalu kecil"), it says what
    they hold instead."""
    return bool(_GIVES_WORDS.match(text.lstrip()))


def refers_back(text: str) -> bool:
    """Whether a sentence leans on the one before it to be understood."""
    opening = [w.strip(",.;:\"'()").lower() for w in text.split()[:6]]
    return bool(opening) and (opening[0] in _CONNECTIVES or bool(_DEMONSTRATIVES & set(opening[1:])))
