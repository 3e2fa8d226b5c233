"""Terminal rendering of answers, sources and ingest summaries (rich ``Text``, never markup,
so brackets or markup in articles are printed as they are). Every string that comes from an
article, a title or a file name goes through ``terminal_text`` on its way to the screen."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.chain.answer import CLOSEST_LABEL, OMISSION, Answer, Citation
from bot.logs import terminal_text
from ingest.errors import how_many, shortened
from ingest.pipeline import IngestReport
from ingest.text.sentences import split_sentences
from ingest.types import ArticleRecord


def answer_style(answer: Answer | None) -> str:
    """How the answer text is printed (also while it streams)."""
    return "yellow" if answer is not None and answer.abstained else "bold"


def render_answer(answer: Answer, with_text: bool = True) -> RenderableType:
    """Return the answer (unless it was already streamed), a note when there is one, then each
    cited passage quoted with its cited sentences highlighted."""
    parts: list[RenderableType] = (
        [Text(terminal_text(answer.text, keep_newlines=True), style=answer_style(answer))] if with_text else []
    )
    if answer.note:
        parts.append(Text(terminal_text(answer.note, keep_newlines=True), style="dim italic"))
    for citation in answer.citations:
        parts += _cited(f"[{citation.n}] ", citation)
    if answer.abstained and answer.closest is not None:  # said to be no answer, in a quieter style
        parts.append(Text("\n" + CLOSEST_LABEL.get(answer.lang, CLOSEST_LABEL["en"]), style="dim italic"))
        parts += _cited("", answer.closest)
    return Group(*parts)


def _cited(mark: str, citation: Citation) -> list[RenderableType]:
    """A cited passage: its title after ``mark``, its date and source, then the passage with the
    quoted sentences highlighted."""
    chunk = citation.chunk
    heading = Text(f"\n{mark}", style="cyan bold")
    heading.append(terminal_text(chunk.title), style="bold")
    where = shortened(chunk.url or chunk.source, MAX_SHOWN_SOURCE)
    details = " · ".join(terminal_text(x) for x in (chunk.published, where) if x)
    heading.append(f"\n    {details}", style="dim")
    return [heading, _quote(chunk.text, citation.quote)]


def _quote(passage: str, quote: str) -> Text:
    """The passage on one line, each cited sentence of ``quote`` highlighted where it stands (the
    sentences of one passage are quoted together even when others stand between them)."""
    text = Text("    ")
    shown = terminal_text(passage.replace("\n\n", " "))
    body = Text(shown, style="dim")
    at = 0
    sentences = [sentence for piece in quote.split(OMISSION) for sentence in split_sentences(piece)]
    for sentence in sentences:
        cited = terminal_text(sentence.text)  # escaped as the passage is, so it is found in it
        found = shown.find(cited, at)
        if found >= 0:
            body.stylize("reset bold green", found, found + len(cited))
            at = found + len(cited)
    text.append(body)
    return text


def render_sources(records: list[ArticleRecord]) -> RenderableType:
    """Return a table of indexed articles."""
    if not records:
        return Text("The index is empty. Add articles with: tanya ingest PATH_OR_URL", style="yellow")
    table = Table(show_lines=False)
    for column in ("title", "source", "published", "chunks", "ingested"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            Text(terminal_text(r.title)),
            Text(terminal_text(r.url or r.source)),
            Text(terminal_text(r.published or "")),
            str(r.chunks),
            Text(r.ingested_at),
        )
    return table


# The most of a source a line shows (an ingest report's, a citation's): a JSONL id may be
# 100,000 characters.
MAX_SHOWN_SOURCE = 300


def render_report(report: IngestReport) -> RenderableType:
    """Return the per-input outcome lines and the totals of an ingest run."""
    lines: list[RenderableType] = []
    styles = {"added": "green", "replaced": "cyan", "unchanged": "dim", "skipped": "yellow"}
    for item in report.items:
        line = Text(f"{item.status:>9}  ", style=styles[item.status])
        line.append(terminal_text(shortened(item.source, MAX_SHOWN_SOURCE)))  # (--json, `tanya sources`: whole)
        if item.reason:  # a reason can quote the input ("unsupported file type ...")
            line.append(f"  ({terminal_text(item.reason)})", style="yellow")
        elif item.status != "skipped":
            line.append(f"  {how_many(item.chunks, 'chunk')}", style="dim")
        if item.note:  # what it replaced, when that had another title
            line.append(f"  ({terminal_text(item.note)})", style="cyan")
        lines.append(line)
    summary = Text(
        f"added {report.count('added')} · replaced {report.count('replaced')} · unchanged {report.count('unchanged')}"
        f" · skipped {report.count('skipped')} · {how_many(report.chunks_written, 'chunk')} embedded"
        f" · {report.seconds:.1f} s",
        style="bold",
    )
    lines.append(summary)
    if report.reanalysed:
        again = how_many(report.reanalysed, "stored article")
        lines.append(Text(f"{again} analysed again first: an older tanya had made their search terms"))
    if report.caught_up:
        caught = how_many(report.caught_up, "vector")
        lines.append(Text(f"the Chroma copy, behind since an earlier write, was caught up: {caught} copied or removed"))
    return Group(*lines)


def render_metrics(metrics: list[Any]) -> RenderableType:
    """Return the ``tanya eval`` table: one row per question set."""
    table = Table(title="tanya eval")
    columns = (
        "set",
        "n",
        "R@1",
        "R@3",
        "MRR",
        "answer acc",
        "cited acc",
        "abstain (unans.)",
        "false abstain",
        "median chars",
        "p50 ms",
        "p95 ms",
    )
    for column in columns:
        table.add_column(column, justify="right" if column != "set" else "left")
    for m in metrics:
        table.add_row(
            Text(terminal_text(m.name)),  # a set's file name: text, never markup
            str(m.questions),
            f"{m.recall_at_1:.3f}",
            f"{m.recall_at_3:.3f}",
            f"{m.mrr:.3f}",
            f"{m.answer_accuracy:.3f}",
            f"{m.cited_accuracy:.3f}",
            "–" if m.abstention_accuracy is None else f"{m.abstention_accuracy:.3f}",
            f"{m.false_abstentions:.3f}",
            f"{m.median_answer_chars:.0f}",
            f"{m.latency_p50_ms:.1f}",
            f"{m.latency_p95_ms:.1f}",
        )
    return table
