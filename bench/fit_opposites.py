"""Fit the question words that ask the opposite of what a passage says: ``bot/chain/data/opposites_fitted.txt``.

IDK-MRC writes many of its unanswerable questions by putting a word's opposite into an answerable
one: "Kapan kerajaan itu *dibubarkan*?" of a paragraph on its founding ("didirikan"), "Siapa raja
*terakhir*?" of one naming the first. The antonym table (``bot/chain/data/antonyms_id.txt``) says
which words are opposites; which of them, asked while the passage holds only the opposite, mark a
question the passage cannot answer is read off the training splits (``../shared/train``) and the
chat and news questions written on training passages that ``bench/fit_models.py`` fits on
(``bench/data/``): a question word (as written, lower case) whose index term the passage lacks
while it holds an opposite of it beside a word that stands beside the asked word in the question
too ("raja *terakhir* Majapahit" of "raja *pertama* Majapahit": ``features.opposites_asked``),
counted by pair over every such question; a pair is kept when at least ``MIN_QUESTIONS`` questions
have it and at least ``MIN_UNANSWERABLE_SHARE`` of them are unanswerable. Without the shared
neighbour, a hostile tester found people's questions refused: "retribusi terkecil berapa?" of a
passage on a fee "sebesar Rp4.000", "jumlah penumpang terakhir per hari?" of one on the "bulan
pertama". The answerer refuses a question whose best passage holds such a pair
(``features.fitted_opposite``, asked in ``ExtractiveAnswerer.judge``).

The same questions also say which directions of the antonym table mark no near miss at all, for
the answer model's softer ``opposite`` feature (a question term its passage lacks while the
passage holds an opposite, with no neighbour asked for): a (term, opposite) direction found in at
least ``MIN_DIRECTION_QUESTIONS`` questions, at most ``MAX_DIRECTION_UNANSWERABLE_SHARE`` of them
unanswerable, is left out of that feature ("pertama" asked of a passage saying "akhir": 80 of
109 answerable; "baru" of one saying "lama"). ``bot/chain/data/antonyms_answerable.txt``
lists them (``features.answerable_directions``); docs/quality.md, fortieth session.

    python bench/fit_opposites.py            # writes bot/chain/data/opposites_fitted.txt and antonyms_answerable.txt

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

from bench.fit_asking_words import WRITTEN, add_written_option  # noqa: E402
from bench.fit_models import TRAIN  # noqa: E402
from bot.chain.features import antonym_table, opposites_asked  # noqa: E402
from ingest.text.analysis import analyze, stem, words  # noqa: E402

SPLITS = ("idkmrc_train.jsonl", "tydiqa_id_train.jsonl", "facqa_train.jsonl")
OUT = REPO / "bot" / "chain" / "data" / "opposites_fitted.txt"
DIRECTIONS_OUT = REPO / "bot" / "chain" / "data" / "antonyms_answerable.txt"
# At least this many training questions have a pair before its share says anything.
MIN_QUESTIONS = 8
# A pair whose questions are unanswerable at least this often marks a near miss.
MIN_UNANSWERABLE_SHARE = 0.9
# A direction of the antonym table needs this many training questions before it is judged ...
MIN_DIRECTION_QUESTIONS = 3
# ... and marks no near miss when at most this share of them is unanswerable.
MAX_DIRECTION_UNANSWERABLE_SHARE = 0.5

HEADER = """\
# Question words asked of a passage holding only their opposite, fitted by bench/fit_opposites.py
# on ../shared/train and bench/data's written questions (do not edit: run it again). A pair is
# kept when at least {min_questions} training questions have it and at least {share:.0%} of them are
# unanswerable. Columns: the question word as written (lower case), the opposite's index term
# the passage holds, the unanswerable questions with the pair, the answerable ones.
"""


def questions(paths: Iterable[Path]) -> Iterator[tuple[str, str, bool]]:
    """Each question of ``paths`` (JSON Lines) with its passage and whether it is answerable."""
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    yield row["question"], row["passage"], bool(row["answerable"])


def count(rows: Iterable[tuple[str, str, bool]]) -> Counter[tuple[str, str, bool]]:
    """How many questions, answerable or not, ask the opposite of what their passage says by each
    (word, opposite) of the antonym table (``opposites_asked``: the passage lacks the word and holds
    the opposite beside a word that stands beside it in the question too)."""
    table = antonym_table()
    pairs: Counter[tuple[str, str, bool]] = Counter()
    for question, passage, answerable in rows:
        for word, opposite in opposites_asked(question, passage, lambda w: table.get(stem(w), frozenset())):
            pairs[(word, opposite, answerable)] += 1
    return pairs


def _tallies(counts: Counter[tuple[str, str, bool]]) -> Iterator[tuple[str, str, int, int]]:
    """Each (word, opposite) of ``counts`` with its unanswerable and its answerable questions,
    sorted by word and opposite."""
    for word, opposite in sorted({(w, o) for w, o, _ in counts}):
        yield word, opposite, counts[(word, opposite, False)], counts[(word, opposite, True)]


def fitted(pairs: Counter[tuple[str, str, bool]]) -> list[tuple[str, str, int, int]]:
    """The kept pairs with their counts (unanswerable, answerable), sorted by word and opposite."""
    return [
        (word, opposite, unanswerable, answerable)
        for word, opposite, unanswerable, answerable in _tallies(pairs)
        if unanswerable + answerable >= MIN_QUESTIONS
        and unanswerable >= MIN_UNANSWERABLE_SHARE * (unanswerable + answerable)
    ]


def _lines(tallies: list[tuple[str, str, int, int]]) -> str:
    """One line a (word, opposite) with its unanswerable and answerable questions."""
    return "".join(f"{w} {o} {u} {a}\n" for w, o, u, a in tallies)


def render(kept: list[tuple[str, str, int, int]]) -> str:
    return HEADER.format(min_questions=MIN_QUESTIONS, share=MIN_UNANSWERABLE_SHARE) + _lines(kept)


DIRECTIONS_HEADER = """\
# Directions of the antonym table (bot/chain/data/antonyms_id.txt) that mark no near miss, fitted
# by bench/fit_opposites.py on ../shared/train and bench/data's written questions (do not edit: run
# it again). A question term its passage lacks while the passage holds this opposite, in at least
# {min_questions} training questions, at most {share:.0%} of them unanswerable: left out of the answer
# model's `opposite` feature. Columns: the question's index term, the opposite's index term the
# passage holds, the unanswerable questions with it, the answerable ones.
"""


def count_directions(rows: Iterable[tuple[str, str, bool]]) -> Counter[tuple[str, str, bool]]:
    """How many questions, answerable or not, hold a term of the antonym table that their passage
    lacks while it holds an opposite of it, by (term, opposite). A question's words are counted by
    their stems as written: the feature reads its concepts, with English words' translations and
    spelling variants, which this approximates (docs/quality.md, fortieth session)."""
    table = antonym_table()
    directions: Counter[tuple[str, str, bool]] = Counter()
    for question, passage, answerable in rows:
        present = set(analyze(passage))
        for term in {stem(w) for w in words(question.lower())} - present:
            for opposite in table.get(term, frozenset()) & present:
                directions[(term, opposite, answerable)] += 1
    return directions


def fitted_directions(directions: Counter[tuple[str, str, bool]]) -> list[tuple[str, str, int, int]]:
    """The directions that mark no near miss, with their counts (unanswerable, answerable)."""
    return [
        (term, opposite, unanswerable, answerable)
        for term, opposite, unanswerable, answerable in _tallies(directions)
        if unanswerable + answerable >= MIN_DIRECTION_QUESTIONS
        and unanswerable <= MAX_DIRECTION_UNANSWERABLE_SHARE * (unanswerable + answerable)
    ]


def render_directions(dropped: list[tuple[str, str, int, int]]) -> str:
    header = DIRECTIONS_HEADER.format(min_questions=MIN_DIRECTION_QUESTIONS, share=MAX_DIRECTION_UNANSWERABLE_SHARE)
    return header + _lines(dropped)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", type=Path, default=TRAIN)
    add_written_option(parser)
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the pairs")
    parser.add_argument(
        "--directions-out",
        type=Path,
        default=DIRECTIONS_OUT,
        help="where to write the directions that mark no near miss",
    )
    args = parser.parse_args(argv)
    paths = [args.train_dir / name for name in SPLITS] + (args.written or list(WRITTEN))
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        parser.error("missing training questions: " + ", ".join(missing))
    rows = list(questions(paths))
    kept = fitted(count(rows))
    args.out.write_text(render(kept), encoding="utf-8")
    print(f"{len(kept)} pairs written to {args.out}", file=sys.stderr)
    dropped = fitted_directions(count_directions(rows))
    args.directions_out.write_text(render_directions(dropped), encoding="utf-8")
    print(f"{len(dropped)} directions written to {args.directions_out}", file=sys.stderr)


if __name__ == "__main__":
    main()
