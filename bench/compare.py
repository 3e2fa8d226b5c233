"""Compare two ``tanya eval --details`` runs question by question, with McNemar's exact test.

    python bench/compare.py BASELINE.jsonl VARIANT.jsonl
    python bench/compare.py BASELINE_DIR VARIANT_DIR     # make eval EVAL_DETAILS=DIR, a file per index

For each set it counts the questions one run gets right and the other wrong, and gives the
two-sided exact McNemar p-value: how likely a split at least this uneven would be if the two
runs were equally good. "Right" is a correct answer for an answerable question and an
abstention for an unanswerable one; the table also splits answers from abstentions. A rule or
feature is kept when its variant is not worse anywhere and better somewhere with p < 0.05, or
when it is needed for something else (docs/quality.md says which).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from math import comb
from pathlib import Path


def mcnemar(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def right(row: dict[str, object]) -> bool:
    """Whether a question of a details file was handled right."""
    return bool(row["correct"]) if row["answerable"] else bool(row["abstained"])


def load(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    """A details file keyed by (set, id); a folder is every details file in it (``make eval
    EVAL_DETAILS=DIR`` writes one per index)."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    rows = [
        json.loads(line) for file in files for line in file.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return {(str(r["set"]), str(r["id"])): r for r in rows}


def main() -> None:
    base, variant = load(Path(sys.argv[1])), load(Path(sys.argv[2]))
    by_set: dict[str, list[tuple[dict[str, object], dict[str, object]]]] = defaultdict(list)
    for key, row in base.items():
        if key in variant:
            by_set[key[0]].append((row, variant[key]))
    header = f"{'set':<18} {'n':>5} {'base':>6} {'variant':>8} {'+':>4} {'-':>4} {'p':>7}"
    print(header + "   answerable +/-   unanswerable +/-")
    total_gained = total_lost = 0
    for name, pairs in sorted(by_set.items()):
        gained = sum(1 for a, b in pairs if right(b) and not right(a))
        lost = sum(1 for a, b in pairs if right(a) and not right(b))
        total_gained, total_lost = total_gained + gained, total_lost + lost
        ans_gain = sum(1 for a, b in pairs if a["answerable"] and right(b) and not right(a))
        ans_lost = sum(1 for a, b in pairs if a["answerable"] and right(a) and not right(b))
        print(
            f"{name:<18} {len(pairs):>5} {sum(right(a) for a, _ in pairs) / len(pairs):>6.3f} "
            f"{sum(right(b) for _, b in pairs) / len(pairs):>8.3f} {gained:>4} {lost:>4} {mcnemar(gained, lost):>7.3f}"
            f"   {ans_gain:>4}/{ans_lost:<4}        {gained - ans_gain:>4}/{lost - ans_lost:<4}"
        )
    n = sum(len(pairs) for pairs in by_set.values())
    p_all = mcnemar(total_gained, total_lost)
    print(f"{'all':<18} {n:>5} {'':>6} {'':>8} {total_gained:>4} {total_lost:>4} {p_all:>7.3f}")


if __name__ == "__main__":
    main()
