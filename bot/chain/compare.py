"""Questions that ask for the sides of a disagreement.

"yg ilang brp org sih? kok angkanya beda2", "data pengungsi BPBD sama dinsos beda ya? brp
masing2", "BPBD and the village head seem to have different numbers. What does each say?",
"korban meninggal jadinya 4 apa 5?". Such a question wants more than the one sentence that
best matches it: each side's figure or claim, with its citation. ``read_comparison`` tells them
by their words, a closed class like the question words and the time words (``bot.chain.dates``):
"beda", "versi", "masing-masing", "simpang siur", "ada yang bilang ...", "4 apa 5",
"different", "each of them", "who says what". The words that only say so are taken out of the
question before it is searched ("data pengungsi BPBD sama dinsos brp"): no article writes them
beside the answer.

The usual answer (``bot.chain.extractive``) is then given more room (``COMPARE_MAX_CHARS``) and
up to ``COMPARE_SENTENCES`` sentences: among the likeliest ones (within ``COMPARE_MARGIN`` of the
best, on the sentence model's log-odds), each next one that adds what the quoted ones lack, a
figure of the kind asked for ("tiga orang" beside "lima orang") or a part of the question they
do not hold (the "dinsos" of "BPBD sama dinsos"). The answer model still decides whether to
answer at all. "What changed since ...?" is not answered this way: docs/quality.md says what was
tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.chain.features import SentenceCandidate
from bot.chain.question import NUMBER_WORDS, ParsedQuery
from ingest.text.analysis import words

# How far below the best sentence (sentence-model log-odds) another may score and still give a
# side (3 chosen beforehand; 1.5 and 5 give the same answers on tests/data/story_dev.jsonl).
COMPARE_MARGIN = 3.0
# The most sentences an answer with sides quotes, and its length (twice a usual answer's: two
# sides and what each leans on).
COMPARE_SENTENCES = 3
COMPARE_MAX_CHARS = 700

_NUMBER = (
    r"(?:\d[\d.,]*|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)"
)
_SIDES = re.compile(
    r"\b(?:beda\w*|berbeda\w*|perbedaan\w*|selisih\w*|versi\w*|masing[- ]masing|masing2|simpang siur|"
    r"bertentangan|berlawanan|saling klaim|"
    r"ada (?:yg|yang) (?:bilang|blg|bilg|nyebut|menyebut)|"
    r"differ\w*|disagree\w*|conflicting|contradict\w*|versions?|each of them|who says what|according to whom|"
    r"both sides|on each side)\b"
    rf"|\b{_NUMBER}\s+(?:apa|atau|ato|or)\s+{_NUMBER}\b"
)
# Taken out of the question before it is searched; "4 apa 5" stays (its numbers are the sides).
_STRIP = re.compile(
    r"\b(?:kok\s+)?(?:angkanya\s+|datanya\s+)?(?:beda2|beda-beda|beda|berbeda|versi(?:nya)?|masing-masing|masing2|"
    r"different|differ|disagree|each of them|who says what|according to whom)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Comparison:
    """Whether a question asks for the sides of a disagreement, and the question without the
    words that say so (``rest``; empty when nothing was taken out)."""

    sides: bool = False
    rest: str = ""


def read_comparison(question: str) -> Comparison:
    """Whether ``question`` asks for the sides of a disagreement (see the module docstring)."""
    if not _SIDES.search(question.lower()):
        return Comparison()
    rest = re.sub(r"\s+([?.!,])", r"\1", " ".join(_STRIP.sub(" ", question).split()))
    if rest == " ".join(question.split()) or not any(ch.isalnum() for ch in rest):
        rest = ""
    return Comparison(True, rest)


def figures(text: str) -> frozenset[str]:
    """The numbers a sentence gives, digits and number words alike ("tiga", "460", "1.400")."""
    return frozenset(t.rstrip(".,") for t in words(text) if t[0].isdigit() or t in NUMBER_WORDS)


def _terms(candidate: SentenceCandidate) -> frozenset[str]:
    return candidate.passage.sentences[candidate.position][1]


def _held(query: ParsedQuery, candidate: SentenceCandidate) -> set[int]:
    terms = _terms(candidate)
    return {i for i, c in enumerate(query.concepts) if c.found_in(terms)}


def fits_beside(chosen: Sequence[SentenceCandidate], candidate: SentenceCandidate) -> bool:
    return all(candidate.text != c.text for c in chosen) and (
        sum(len(c.text) + 1 for c in chosen) + len(candidate.text) <= COMPARE_MAX_CHARS
    )


def more_sides(
    chosen: Sequence[SentenceCandidate], ranked: Sequence[SentenceCandidate], query: ParsedQuery
) -> list[SentenceCandidate]:
    """The sentences to quote beside ``chosen`` (the usual answer) for both sides: each next
    likeliest one that adds a figure of the kind asked for or a part of the question the quoted
    ones lack (see the module docstring)."""
    best = ranked[0]
    covered = set().union(*(_held(query, c) for c in chosen))
    seen = frozenset().union(*(figures(c.text) for c in chosen))
    numeric = query.kind in ("number", "date")
    added: list[SentenceCandidate] = []
    for candidate in ranked[1:]:
        if best.score - candidate.score > COMPARE_MARGIN or len(chosen) + len(added) >= COMPARE_SENTENCES:
            break
        if not fits_beside([*chosen, *added], candidate):
            continue
        held = _held(query, candidate)
        new_parts = sum(query.concepts[i].weight for i in held - covered)
        new_figures = figures(candidate.text) - seen if numeric and candidate.features.get("answer_slot") else set()
        if new_parts > 0 or new_figures:
            added.append(candidate)
            covered |= held
            seen |= figures(candidate.text)
    return added
