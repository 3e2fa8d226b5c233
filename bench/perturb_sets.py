"""Copies of question sets with every question typed another way, as people type in a chat.

    python bench/perturb_sets.py tests/data/natural_dev.jsonl tests/data/natural2_dev.jsonl --out /tmp/typed
    tanya eval /tmp/typed/*.jsonl --articles tests/data/unseen --articles tests/data/unseen2 \\
        --articles tests/data/story --index-dir DIR --details after.jsonl
    python bench/compare.py before.jsonl after.jsonl

For each set NAME and each kind of change it writes ``NAME_KIND.jsonl`` (the set is named by
its file, so ``tanya eval`` reports each copy as a set of its own): ``upper`` (caps lock),
``lower``, ``stretched`` (two words with their last letter written three more times),
``greeting`` (one before the question), ``remark`` (a sentence or clause before it that asks
nothing), ``thanks`` (after it), ``nopunct``, ``emoji`` (after it) and ``typo`` (a letter
dropped, doubled or swapped with the next, in one word of five letters or more). The changes
are seeded, so a run writes the same files every time (docs/quality.md, "Messages as people
type them").
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

GREETINGS = ("Halo semuanya, ", "permisi, ", "Pagi! ", "guys, ", "eh ")
REMARKS = {
    "id": (
        "Gue baru baca beritanya. ",
        "Td liat di twitter rame bgt. ",
        "Aku penasaran nih. ",
        "Mau mastiin aja, ",
        "Temen gw nanya, ",
    ),
    "en": (
        "I just read the article. ",
        "Quick question: ",
        "Saw this on twitter. ",
        "Curious, ",
        "My friend asked me this: ",
    ),
}
THANKS = {
    "id": (" makasih ya", " thx", " makasih sebelumnya 🙏", " tolong dijawab", " hehe"),
    "en": (" thanks!", " thx", " cheers", " thanks in advance", " lol"),
}
EMOJI = (" 🙏", " 😅😅", " 🤔", " 🔥🔥🔥", " :)")


def _lang(row: dict) -> str:
    return "en" if row.get("lang") == "en" else "id"


def stretched(question: str, rng: random.Random) -> str:
    words = question.split()
    long_enough = [i for i, w in enumerate(words) if w[-1:].isalpha() and len(w) > 2]
    for i in rng.sample(long_enough, min(2, len(long_enough))):
        words[i] += words[i][-1] * 3
    return " ".join(words)


def typo(question: str, rng: random.Random) -> str:
    words = question.split()
    long_enough = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
    if not long_enough:
        return question
    i = rng.choice(long_enough)
    word, j = words[i], rng.randrange(1, len(words[i]) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif kind == "drop":
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def nopunct(question: str) -> str:
    return re.sub(r"[?!.,]+", "", question).strip()


CHANGES: dict[str, Callable[[dict, random.Random], str]] = {
    "upper": lambda row, rng: row["question"].upper(),
    "lower": lambda row, rng: row["question"].lower(),
    "stretched": lambda row, rng: stretched(row["question"], rng),
    "greeting": lambda row, rng: rng.choice(GREETINGS) + row["question"],
    "remark": lambda row, rng: rng.choice(REMARKS[_lang(row)]) + row["question"],
    "thanks": lambda row, rng: row["question"] + rng.choice(THANKS[_lang(row)]),
    "nopunct": lambda row, rng: nopunct(row["question"]),
    "emoji": lambda row, rng: row["question"] + rng.choice(EMOJI),
    "typo": lambda row, rng: typo(row["question"], rng),
}


def perturb(path: Path, kind: str, seed: int = 7) -> list[dict]:
    """The rows of the set at ``path`` with every single question changed by ``kind`` (rows
    holding a conversation rather than one question are left out)."""
    rng, rows = random.Random(seed), []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if isinstance(row.get("question"), str):
            rows.append({**row, "question": CHANGES[kind](row, rng)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--kinds", default=",".join(CHANGES), help="comma-separated (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.sets:
        for kind in args.kinds.split(","):
            target = args.out / f"{path.stem}_{kind}.jsonl"
            rows = perturb(path, kind)
            target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            print(f"{target}: {len(rows)} questions")


if __name__ == "__main__":
    main()
