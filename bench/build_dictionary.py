"""Build ``bot/chain/data/en_id_dictionary.txt``: the English words the hand-written glossary
(``en_id.txt``) lacks, translated by FreeDict's English–Indonesian dictionary.

The dictionary is Debian's ``dict-freedict-eng-ind`` (FreeDict's WikDict edition, built from
Wiktionary; CC BY-SA 3.0, attribution in the file written). Of each headword of one or two
English words, the translations of one or two words are kept whose Indonesian roots the training
passages (``../shared/train``) hold, ordered by how many of those passages hold them, at most
three: "hand" is "tangan" before "jarum" (a clock's hand). What the glossary already translates is
left out; the answering code reads this file only for words the glossary lacks
(``bot.chain.question.glossary``).

    apt-get download dict-freedict-eng-ind && dpkg-deb -x dict-freedict-eng-ind_*.deb freedict
    python bench/build_dictionary.py --dict freedict/usr/share/dictd   # writes the data file

Nothing here reads a development set.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.chain.question import GLOSSARY_FILE, glossary_key, read_glossary  # noqa: E402
from bot.evaluation import load_eval_set  # noqa: E402
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, analyze, words  # noqa: E402

OUT = REPO / "bot" / "chain" / "data" / "en_id_dictionary.txt"
TRAIN = REPO.parent / "shared" / "train"
MAX_TRANSLATIONS = 3
# English words that only shape a sentence (NLTK's English stop words beyond ``EN_STOPWORDS``):
# the dictionary translates "can" as "kaleng" and "will" as "wasiat", which no question means.
FUNCTION_WORDS = frozenset(
    """
    can will would could should shall may might must just also very too so then than such only own
    same both each few more most other some any all nor once here again further off over under above
    below up down out against between through during before after until while because if s t
    well
    """.split()
)  # ("well," opens an answer more often than it asks for a "sumur")
_NO_HEADWORD = EN_STOPWORDS | FUNCTION_WORDS
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# A sense's translations, numbered when a headword has several ("1. jarum", "2. tangan, yad").
_NUMBERED = re.compile(r"^\d+\.\s+(?P<rest>.+)$")
_SENSE_NUMBER = re.compile(r"\s*\d+\.\s*$")


def _number(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 64 + _B64.index(ch)
    return value


def entries(folder: Path) -> dict[str, list[str]]:
    """Each headword of the dictionary in ``folder`` (lower case) and its translations, as written
    (several senses' in order)."""
    with gzip.open(folder / "freedict-eng-ind.dict.dz") as dictzip:  # dictzip is gzip read whole
        data = dictzip.read()
    found: dict[str, list[str]] = {}
    for line in (folder / "freedict-eng-ind.index").read_text(encoding="utf-8").splitlines():
        headword, offset, length = line.split("\t")
        if headword.startswith("00database"):
            continue
        text = data[_number(offset) : _number(offset) + _number(length)].decode("utf-8")
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        if len(lines) < 2:
            continue
        # the line after the headword's ("hand //hænd// <n>") when it has one sense, else every
        # numbered line; the other lines gloss the senses in English
        numbered = [m.group("rest") for x in lines[1:] if (m := _NUMBERED.match(x)) is not None]
        for sense in numbered or [lines[1]]:
            translations = [_SENSE_NUMBER.sub("", t).strip() for t in sense.split(",")]
            found.setdefault(headword.lower(), []).extend(t for t in translations if t)
    return found


def passage_roots(train: Path) -> Counter[str]:
    """How many training passages (each once, of every set in ``train``) hold each Indonesian
    index term."""
    counts: Counter[str] = Counter()
    passages = {q.passage for path in sorted(train.glob("*.jsonl")) for q in load_eval_set(path) if q.passage}
    for passage in passages:
        counts.update(set(analyze(passage)))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dict", type=Path, required=True, help="the folder of freedict-eng-ind.index and .dict.dz")
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    roots = passage_roots(args.train)
    known = read_glossary(GLOSSARY_FILE)  # the hand-written glossary, not this file's earlier words
    lines = []
    for headword, translations in sorted(entries(args.dict).items()):
        english = words(headword)
        if not 1 <= len(english) <= 2 or " ".join(english) != headword or any(w in _NO_HEADWORD for w in english):
            continue
        if glossary_key(headword) in known:
            continue
        kept: dict[str, int] = {}
        for translation in translations:
            indonesian = words(translation)
            if not 1 <= len(indonesian) <= 2 or " ".join(indonesian) != translation.lower():
                continue
            terms = [t for t in analyze(translation) if t not in ID_STOPWORDS]
            if not terms or not all(roots[t] for t in terms):
                continue
            kept.setdefault("_".join(indonesian), min(roots[t] for t in terms))
        best = sorted(kept, key=lambda t: -kept[t])[:MAX_TRANSLATIONS]
        if best:
            lines.append(f"{headword}: {' '.join(best)}")
    header = (
        "# English -> Indonesian words for the English words the hand-written glossary (en_id.txt) lacks,\n"
        "# written by bench/build_dictionary.py (do not edit: run it again) from FreeDict's\n"
        "# English-Bahasa Indonesia dictionary, WikDict edition 2022.11.18 (Debian's dict-freedict-eng-ind),\n"
        "# built from Wiktionary: CC BY-SA 3.0, https://creativecommons.org/licenses/by-sa/3.0/ (FreeDict\n"
        "# contributors, Karl Bartel, Wiktionary's editors). Translations whose roots the training passages\n"
        "# hold, the most often held first, at most three.\n"
    )
    args.out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} headwords to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
