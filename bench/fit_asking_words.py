"""Fit the words people ask with: ``bot/chain/data/asking_words.txt``.

A word a question names is either what it asks about ("presiden", "cuaca", "bitcoin") or part of
how it asks ("memang", "lewat", "kalo", "enggak", "sekarang", "can"). The second kind is rarely in
the passage that answers: over the chat and news questions written as people type
(``bench/data/chat_train*.jsonl`` and ``news_train*.jsonl``, the rounds ``bench/fit_models.py``
fits on, read as the chain reads them: chat words dropped and short forms spelt out), a word is an
asking word when questions on at least ``MIN_ASKED`` distinct passages name it and at least
``MIN_ABSENT_SHARE`` of those passages hold none of its terms. The training splits' questions are
left out: a Wikipedia paragraph often does not repeat its article's subject, which its questions
name ("prancis", "radar" lacked from 90% of their paragraphs). The chain reads a question that
names something the index lacks, other than such words, as a subject of its own rather than a
follow-up (``bot.chain.followup``), and a first message naming nothing else as one with nothing to
search for (``bot.chain.question.names_something``).

    python bench/fit_asking_words.py            # writes bot/chain/data/asking_words.txt

Deterministic: the same data give the same file byte for byte (``make fit`` runs it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fit_models import NEWS as FIT_NEWS  # noqa: E402
from bench.fit_models import WRITTEN as FIT_WRITTEN  # noqa: E402
from bot.chain.normalization import normalize_chat  # noqa: E402
from bot.chain.question import concept_terms, question_type  # noqa: E402
from ingest.text.analysis import analyze, guess_language  # noqa: E402

# the rounds of written chat and news questions the answering models are fitted on
WRITTEN = FIT_WRITTEN + FIT_NEWS
OUT = REPO / "bot" / "chain" / "data" / "asking_words.txt"
# At least this many passages' questions name a word before its share says anything.
MIN_ASKED = 10
# A word the passages answering its questions lack at least this often is how people ask.
MIN_ABSENT_SHARE = 0.5

HEADER = """\
# Words people ask with, fitted by bench/fit_asking_words.py (do not edit: run it again).
# A word of a question is one of these when questions written as people type on at least
# {min_asked} distinct passages name it and at least {share:.0%} of those passages hold none of its
# terms: how a question asks ("memang", "lewat", "sekarang"), not what it asks about. Columns: the
# word (its first index term), the passages whose questions name it, those of them lacking it.
"""


def rows(written: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """Each distinct (question, passage) of the written questions."""
    seen: set[tuple[str, str]] = set()
    for path in written:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                row = json.loads(line)
                key = (row["question"], row["passage"])
                if key not in seen:
                    seen.add(key)
                    yield key


def count(pairs: Iterable[tuple[str, str]]) -> tuple[Counter[str], Counter[str]]:
    """How many distinct passages have questions naming each word, and how many of those
    passages lack it: a passage asked about many times (or a name its questions spell another
    way) counts once."""
    named: dict[str, set[str]] = {}
    lacking: dict[str, set[str]] = {}
    for question, passage in pairs:
        text = normalize_chat(question, lambda found: set())
        present = set(analyze(passage))
        for surface, terms in concept_terms(text, guess_language(text)):
            if question_type(surface) is not None or not terms[0].isalpha():
                continue  # question words ask by themselves; numbers are what is asked about
            named.setdefault(terms[0], set()).add(passage)
            if not any(t in present for t in terms):
                lacking.setdefault(terms[0], set()).add(passage)
    return Counter({w: len(p) for w, p in named.items()}), Counter({w: len(p) for w, p in lacking.items()})


def asking_words(asked: Counter[str], absent: Counter[str]) -> list[tuple[str, int, int]]:
    """The asking words with their counts, most asked first (then alphabetically)."""
    chosen = [
        (word, n, absent[word]) for word, n in asked.items() if n >= MIN_ASKED and absent[word] >= MIN_ABSENT_SHARE * n
    ]
    return sorted(chosen, key=lambda row: (-row[1], row[0]))


def render(words: list[tuple[str, int, int]]) -> str:
    header = HEADER.format(min_asked=MIN_ASKED, share=MIN_ABSENT_SHARE)
    return header + "".join(f"{word} {n} {lacking}\n" for word, n, lacking in words)


def add_written_option(parser: argparse.ArgumentParser) -> None:
    """``--written``: the files of written questions to read instead of the fit's four (``WRITTEN``)."""
    parser.add_argument(
        "--written",
        type=Path,
        action="append",
        help="a file of written questions (repeatable; default: the fit's four)",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_written_option(parser)
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the list")
    args = parser.parse_args(argv)
    written = args.written or list(WRITTEN)
    missing = [p for p in written if not p.exists()]
    if missing:
        parser.error("missing written questions: " + ", ".join(str(p) for p in missing))
    words = asking_words(*count(rows(written)))
    args.out.write_text(render(words), encoding="utf-8")
    print(f"{len(words)} asking words written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
