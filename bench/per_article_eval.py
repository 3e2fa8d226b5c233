"""Ask a set's questions article by article, each over a small index of its own article.

    python bench/per_article_eval.py bench/data/news_train_round3.jsonl --index-root /tmp/r3 \\
        --details runs/X/r3 [--models FILE]
    python bench/compare.py runs/A/r3 runs/B/r3

tanya is mostly used over a few articles, while the third written rounds (``bench/data/*_round3``,
which no model is fitted on) are asked in `make eval`'s way over one index of all their articles,
where a change that acts in small indexes (the off-topic gate's bar, docs/quality.md, forty-ninth
session) moves nothing. Here the questions on one article (the same ``passage``) are asked with
`tanya eval` over an index of that article and the bundled one, kept in ``--index-root/aNN`` for
the next run (a second run embeds nothing; the model is rebuilt once, in ``--index-root/models``
unless ``TANYA_MODEL_CACHE_DIR`` says where), their answers written to ``--details/aNN.jsonl``, one
file per article, as `bench/compare.py` pairs them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


def articles(path: Path) -> list[list[str]]:
    """The lines of the JSON-lines set ``path`` grouped by their ``passage`` (an article's text),
    in the order each first appears; blank lines left out."""
    groups: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            passage = json.loads(line).get("passage")
            if not passage:
                sys.exit(f"{path}:{number}: a question without a passage: no article to ask it over")
            groups.setdefault(passage, []).append(line if line.endswith("\n") else line + "\n")
    return list(groups.values())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path, help="questions with their article's text as passage (.jsonl)")
    parser.add_argument("--index-root", type=Path, required=True, help="a folder for the indexes, kept")
    parser.add_argument("--details", type=Path, required=True, help="a folder for the answers, a file per article")
    parser.add_argument("--models", type=Path, help="answer with these fitted models (bench/fit_models.py --out)")
    args = parser.parse_args(argv)
    tanya = Path(sys.executable).parent / "tanya"
    # one model cache for every index (an index's own, by default, is a copy of the model: 0.8 GB each)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.setdefault("TANYA_MODEL_CACHE_DIR", str(args.index_root / "models"))
    args.details.mkdir(parents=True, exist_ok=True)
    args.index_root.mkdir(parents=True, exist_ok=True)
    groups = articles(args.set)
    for number, lines in enumerate(groups):
        name = f"a{number:02d}"
        questions = args.index_root / f"{name}.jsonl"  # beside its index: eval refuses files it did not write
        questions.write_text("".join(lines), encoding="utf-8")
        command = [str(tanya), "eval", str(questions), "--index-dir", str(args.index_root / name)]
        command += ["--details", str(args.details / f"{name}.jsonl")]
        command += ["--models", str(args.models)] if args.models else []
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode:
            sys.exit(f"{name} ({len(lines)} questions): tanya eval failed:\n{done.stderr.strip()}")
        print(f"{name}: {len(lines)} questions", flush=True)
    print(f"{len(groups)} articles; answers in {args.details}")


if __name__ == "__main__":
    main()
