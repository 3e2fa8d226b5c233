"""Measure what each hand-written rule and feature adds, out of sample, with paired tests.

    python bench/ablations.py --rule acronyms --rule spelling --feature answer_slot
    python bench/ablations.py --all          # every rule of bot.chain.question.RULES and every feature

For each rule (``bot.chain.question.RULES``) the models are refitted on the training splits with the
rule switched off (``bench/fit_models.py --without RULE``, which retrieves every training
question again, about eight minutes), and for each feature they are refitted without it
(``--drop FEATURE``, half a minute). Every variant answers all development sets through
``tanya eval``; ``bench/compare.py`` then pairs its answers with the baseline's question by
question. The tables go to ``--out`` (markdown) for docs/quality.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.compare import load, mcnemar, right  # noqa: E402
from bot.chain.features import ANSWER_FEATURES, PASSAGE_FEATURES, SENTENCE_FEATURES  # noqa: E402
from bot.chain.question import RULES  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
SETS = [
    EVAL / "seed_dev.jsonl",
    REPO / "tests" / "data" / "natural_dev.jsonl",
    REPO / "tests" / "data" / "unseen_dev.jsonl",
    EVAL / "facqa_valid.jsonl",
    EVAL / "tydiqa_id_valid.jsonl",
    EVAL / "idkmrc_valid.jsonl",
]
WORK = REPO / ".fit-cache" / "ablations"


def run(command: list[str]) -> None:
    print("$", " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def evaluate(models: Path, details: Path) -> None:
    tanya = str(Path(sys.executable).parent / "tanya")
    where = ["--articles", str(REPO / "tests" / "data" / "unseen"), "--index-dir", str(REPO / ".eval-index")]
    run([tanya, "eval", *map(str, SETS), *where, "--models", str(models), "--details", str(details), "--json"])


def fit(out: Path, extra: list[str]) -> None:
    run([sys.executable, str(REPO / "bench" / "fit_models.py"), "--out", str(out), *extra])


def row(name: str, base: Path, variant: Path) -> str:
    """One markdown row: per set, the variant's change in questions handled right, and p."""
    a, b = load(base), load(variant)
    cells = []
    for path in SETS:
        pairs = [(x, b[k]) for k, x in a.items() if k[0] == path.stem and k in b]
        gained = sum(1 for x, y in pairs if right(y) and not right(x))
        lost = sum(1 for x, y in pairs if right(x) and not right(y))
        cells.append(f"{gained - lost:+d} (p {mcnemar(gained, lost):.2f})")
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rule", action="append", default=[], choices=RULES)
    parser.add_argument("--feature", action="append", default=[])
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--base", type=Path, default=REPO / "bot" / "chain" / "data" / "answer_models.json")
    parser.add_argument("--model-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=WORK / "ablations.md")
    args = parser.parse_args()
    rules = list(RULES) if args.all else args.rule
    features = sorted(set(PASSAGE_FEATURES + SENTENCE_FEATURES + ANSWER_FEATURES)) if args.all else args.feature
    cache = ["--model-cache", str(args.model_cache)] if args.model_cache else []
    WORK.mkdir(parents=True, exist_ok=True)
    base_details = WORK / "base.details.jsonl"
    if not base_details.exists():
        evaluate(args.base, base_details)
    header = "| without | " + " | ".join(p.stem for p in SETS) + " |"
    lines = [header, "|" + "---|" * (len(SETS) + 1)]
    for kind, names in (("without", rules), ("drop", features)):
        for name in names:
            models, details = WORK / f"{kind}-{name}.json", WORK / f"{kind}-{name}.details.jsonl"
            if not details.exists():
                fit(models, [f"--{kind}", name, *cache])
                evaluate(models, details)
            lines.append(row(f"{'rule' if kind == 'without' else 'feature'} {name}", base_details, details))
            args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(lines[-1], flush=True)
    print(f"wrote {args.out}; a negative number means the rule or feature helps", file=sys.stderr)


if __name__ == "__main__":
    main()
