"""Write bot/chain/data/word_frequencies.tsv: how often Indonesian and English use their common
words, from wordfreq's bundled word lists (Wikipedia, subtitles, news, web text and social media;
code Apache-2.0, data CC BY-SA 4.0 by Robyn Speer et al., https://github.com/rspeer/wordfreq).

A word of a question that no chunk of the index holds weighs, in the answering chain, as much as
its absence tells (``bot.chain.question.parse_query``): a word the language uses all the time
("mau", "sekarang", "got") would be missing from a few chunks by chance, a rare one only when the
articles are on something else. wordfreq is needed only here, not at run time:

    pip install wordfreq==3.1.1 && python bench/word_frequencies.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "bot" / "chain" / "data" / "word_frequencies.tsv"
LANGS = ("id", "en")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-zipf", type=float, default=4.0, help="leave out rarer words (default 4.0)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import wordfreq  # a tool of this script only

    lines = [
        "# lang<TAB>word<TAB>zipf (log10 of uses per billion words), from wordfreq "
        f"{getattr(wordfreq, '__version__', '3.1.1')} (data CC BY-SA 4.0, Robyn Speer et al.);",
        f"# words of zipf {args.min_zipf:g} or more; written by bench/word_frequencies.py",
    ]
    for lang in LANGS:
        words = wordfreq.get_frequency_dict(lang, wordlist="small")
        kept = sorted(
            ((w, wordfreq.zipf_frequency(w, lang, wordlist="small")) for w in words if w.isalpha()),
            key=lambda wz: (-wz[1], wz[0]),
        )
        lines += [f"{lang}\t{w}\t{z:.2f}" for w, z in kept if z >= args.min_zipf]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - 2:,} words to {args.out}")


if __name__ == "__main__":
    main()
