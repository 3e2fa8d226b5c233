"""The machine contract: the JSON shapes that ``--json`` prints. Keep them stable."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.chain.answer import Answer, Citation
from bot.logs import SHOWN_OTHERWISE
from ingest.text.analysis import replace_surrogates
from ingest.types import ArticleRecord


def json_line(value: Any, ascii_only: bool = False) -> str:
    """Return ``value`` as one line of JSON (UTF-8 kept readable) that always encodes as UTF-8:
    lone surrogates, which questions and ids can carry, become U+FFFD. With ``ascii_only``
    every other character is written as a ``\\u`` escape, for an output that cannot encode it
    (a terminal in latin-1, ``PYTHONIOENCODING=ascii``): the JSON means the same, where writing
    "?" for the " … " between quoted pieces had broken the contract."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:  # a number JSON has no word for (NaN, infinity) becomes null, not "NaN"
        text = json.dumps(_without_non_finite(value), ensure_ascii=False, allow_nan=False)
    if ascii_only:
        return json.dumps(json.loads(replace_surrogates(text)), ensure_ascii=True) + "\n"
    return _UNSEEN.sub(lambda m: f"\\u{ord(m.group()):04x}", replace_surrogates(text)) + "\n"


# Characters JSON may carry raw that change how the text around them shows once a tool prints
# a string (`jq -r`): C1 controls, direction overrides and isolates, line and paragraph
# separators. Written as \u escapes (only strings hold them, so the JSON means the same).
_UNSEEN = re.compile(f"[{SHOWN_OTHERWISE}]")


def _without_non_finite(value: Any) -> Any:
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _without_non_finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_non_finite(v) for v in value]
    return value


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """Return the ``tanya ask --json`` object for one answer."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        # a reply to a message that asks nothing ("halo", "makasih"): no answer, nothing searched
        "chat": answer.chat,
        "mode": answer.mode,
        "note": answer.note,
        "lang": answer.lang,
        "citations": [citation_to_json(c) for c in answer.citations],
        # shaped like a citation, but no marker cites it: its n is null
        "closest": None if answer.closest is None else {**citation_to_json(answer.closest), "n": None},
        "retrieved": [
            {"chunk_id": h.chunk.chunk_id, "source": h.chunk.source, "text": h.chunk.text, "score": round(h.score, 6)}
            for h in answer.retrieved
        ],
        "timings_ms": answer.timings_ms,
    }


def citation_to_json(c: Citation) -> dict[str, Any]:
    """One citation (or the closest passage of an abstention) in ``tanya ask --json``."""
    return {
        "n": c.n,
        "source": c.chunk.source,
        "title": c.chunk.title,
        "url": c.chunk.url,
        "published": c.chunk.published,
        "chunk_id": c.chunk.chunk_id,
        "text": c.chunk.text,
        "quote": c.quote,
        "score": round(c.score, 6),
    }


def article_to_json(record: ArticleRecord) -> dict[str, Any]:
    """Return one entry of ``tanya sources --json``."""
    return {
        "source": record.source,
        "title": record.title,
        "url": record.url,
        "published": record.published,
        "lang": record.lang,
        "chunks": record.chunks,
        "ingested_at": record.ingested_at,
    }
