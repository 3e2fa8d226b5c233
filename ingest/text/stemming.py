"""A dictionary-guided Indonesian stemmer: affixes are stripped only when a known root results.

The Snowball Indonesian stemmer strips by rule alone: it turns "menuju" into "uju" and
"meninggalkan" into "inggal" (it cannot undo the nasal assimilation of meN-/peN-), and it
mangles names ("OpenAI" -> "opena", "Senna" -> "sena"). Here every candidate root, with the
assimilated consonant restored, is checked against Sastrawi's list of ~30,000 root words, and a
word with no known root is kept as it is. Candidates are a bounded search (a few dozen
lookups), so a word costs microseconds, unlike Sastrawi's own stemmer, which can spend half a
second on an unknown word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

_VOWELS = frozenset("aiueo")
_PARTICLES = ("lah", "kah", "tah", "pun")
_POSSESSIVES = ("nya", "ku", "mu")
_DERIVATIONAL = ("kan", "an", "i")
_MIN_ROOT = 2


@lru_cache(maxsize=1)
def root_words() -> frozenset[str]:
    """Return the Indonesian root-word list shipped with the Sastrawi package (MIT licence)."""
    import Sastrawi

    path = Path(Sastrawi.__file__).resolve().parent / "Stemmer" / "data" / "kata-dasar.txt"
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def _suffix_variants(word: str) -> Iterator[str]:
    """The word with ever more inflectional and derivational suffixes removed."""
    variants = [word]
    for group in (_PARTICLES, _POSSESSIVES, _DERIVATIONAL):
        extra = []
        for v in variants:
            for suffix in group:
                if v.endswith(suffix) and len(v) - len(suffix) >= _MIN_ROOT + 1:
                    extra.append(v[: -len(suffix)])
        variants.extend(extra)
    seen: set[str] = set()
    for v in variants:
        if v not in seen:
            seen.add(v)
            yield v


def _strip_prefix(word: str) -> Iterator[str]:
    """Every reading of ``word`` with one prefix removed, assimilated consonants restored."""
    w = word
    for plain in ("di", "ke", "se"):
        if w.startswith(plain):
            yield w[len(plain) :]
    for full, short in (("ter", "te"), ("ber", "be"), ("per", "pe")):
        if w.startswith(full):
            rest = w[len(full) :]
            yield rest
            if rest[:1] in _VOWELS:
                yield "r" + rest
        elif w.startswith(short) and len(w) > 3 and w[2] not in _VOWELS:
            yield w[2:]  # be-kerja, te-percaya
    if w.startswith("belajar"):
        yield w[3:]
    if w.startswith("pelajar"):
        yield w[3:]
    for nasal in ("me", "pe"):
        if not w.startswith(nasal):
            continue
        rest = w[2:]
        if rest.startswith("nge") and len(rest) > 4:
            yield rest[3:]  # menge-bom, penge-cat
        if rest.startswith("ng"):
            tail = rest[2:]
            yield tail
            if tail[:1] in _VOWELS:
                yield "k" + tail
        elif rest.startswith("ny"):
            tail = rest[2:]
            yield "s" + tail  # me-nyapu <- sapu
            yield "ny" + tail  # me-nyanyi
            yield tail
        elif rest.startswith("m"):
            tail = rest[1:]
            if tail[:1] in _VOWELS:
                yield "m" + tail  # me-makan
                yield "p" + tail  # me-mukul <- pukul
            else:
                yield tail  # mem-baca, mem-fitnah
        elif rest.startswith("n"):
            tail = rest[1:]
            if tail[:1] in _VOWELS:
                yield "n" + tail  # me-nanti
                yield "t" + tail  # me-nulis <- tulis
            else:
                yield tail  # men-dengar, men-cari
        elif rest[:1] in ("l", "r", "w", "y"):
            yield rest


def _prefix_chains(word: str, depth: int = 3) -> Iterator[str]:
    """Readings of ``word`` with up to ``depth`` prefixes removed, fewest first."""
    layer = [word]
    for _ in range(depth):
        following: list[str] = []
        for w in layer:
            for stripped in _strip_prefix(w):
                if len(stripped) >= _MIN_ROOT:
                    following.append(stripped)
                    yield stripped
        layer = following


@lru_cache(maxsize=300_000)
def stem_indonesian(word: str) -> str | None:
    """Return the root of a lowercased Indonesian ``word``, or ``None`` when no known root is found."""
    roots = root_words()
    if word in roots:
        return word
    for variant in _suffix_variants(word):
        if variant in roots:
            return variant
        for candidate in _prefix_chains(variant):
            if candidate in roots:
                return candidate
    return None


# A word whose last syllable's vowel is "e" after a consonant ("tangkep", "dalem"): the "a" of
# the standard word as Jakarta speech says it.
_SPOKEN_E = re.compile(r"(.*[^aiueo])e([^aiueo]{1,2})")


@lru_cache(maxsize=20_000)
def informal_roots(word: str) -> tuple[str, ...]:
    """The roots a lowercased word of colloquial (Jakarta) Indonesian may have, which chat writes
    and news do not: "-in" for "-kan" or "-i" ("diliburin", "dikabarin", "netapin"), and a verb's
    nasal without its "me-" ("ngungsi" for "mengungsi", "nemuin", "mutusin", "ngecas"); "ny-"
    stands for a root in "c" as well as one in "s" ("nyari" <- "cari", "nyebut" <- "sebut"); and
    an "a" of the last syllable spoken as "e" ("ditangkep" <- "tangkap", "kerendem" <-
    "rendam"), which the chat short forms spell out only in words standing alone ("dapet"): only
    for a word with no other reading, and not one a bare nasal begins ("member" would be
    "mem-bar"); a word with a root as written keeps it ("sedalem" is "dalem"). The readings of
    the first form of the word that has any (its "-in" taken off first), likeliest first; empty
    when none gives a known root."""
    roots = root_words()
    for variant in _suffix_variants(word):
        for base in (variant[:-2], variant) if variant.endswith("in") and len(variant) > 4 else (variant,):
            found = [stem_indonesian(base)]
            if base.startswith("ny") and len(base) > 3:
                found += [initial + base[2:] for initial in ("c", "s") if initial + base[2:] in roots]
            if base[:1] in ("n", "m"):
                found.append(stem_indonesian("me" + base))
            if found == [None] and (spoken := _SPOKEN_E.fullmatch(base)):  # no reading, no bare nasal
                found.append(stem_indonesian(f"{spoken.group(1)}a{spoken.group(2)}"))
            readings = tuple(dict.fromkeys(r for r in found if r is not None and len(r) > 2))
            if readings:
                return readings
    return ()
