"""`helpdesk ingest` and `helpdesk search`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import HelpdeskError
from assistant.wiring import build_knowledge
from ingest.pipeline import IngestReport, run_ingest

console = Console()


class _RichProgress:
    """Draws file and embedding progress bars."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._files = progress.add_task("files", total=None)
        self._chunks = progress.add_task("embedding", total=None)

    def files_total(self, total: int) -> None:
        self._progress.update(self._files, total=total)

    def file_done(self, source_path: str) -> None:
        self._progress.advance(self._files)

    def embed_total(self, total: int) -> None:
        self._progress.update(self._chunks, total=total)

    def embedded(self, count: int) -> None:
        self._progress.advance(self._chunks, count)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: knowledge/).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Empty the index first.")] = False,
) -> None:
    """Index templates and guidance (PDF, DOCX, Markdown, HTML, text); unchanged files are skipped."""
    settings = get_settings()
    try:
        embedder, index, _ = build_knowledge(settings)
        columns = [TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=console, transient=True) as bars:
            report = run_ingest(paths or [settings.knowledge_dir], index, embedder, settings.ingest,
                                settings.embedding.batch_size, rebuild, _RichProgress(bars))
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    _print_report(report)
    if report.failed:
        raise typer.Exit(1)


def _print_report(report: IngestReport) -> None:
    for outcome in report.failed:
        console.print(f"[red]FAILED[/red] {outcome.source_path}: {outcome.error}")
    counts = report.counts
    table = Table(title="Ingestion summary")
    for column in ("added", "updated", "unchanged", "removed", "failed", "chunks", "pages", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(*(str(counts[s]) for s in ("added", "updated", "unchanged", "removed", "failed")),
                  str(sum(o.chunks for o in report.outcomes)), str(sum(o.pages for o in report.outcomes)),
                  f"{report.seconds:.1f}")
    console.print(table)
    console.print(f"chunks embedded this run: {report.chunks_embedded}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical.")] = "hybrid",
) -> None:
    """Print the top passages with their scores and sources."""
    settings = get_settings()
    try:
        _, _, retriever = build_knowledge(settings)
        result = retriever.search(query, k=k, mode=mode)  # type: ignore[arg-type]
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not result.passages:
        console.print("No passages found. Has `helpdesk ingest` run?")
        raise typer.Exit(1)
    for rank, passage in enumerate(result.passages, start=1):
        meta = passage.metadata
        page = f" p.{meta['page']}" if meta.get("page") else ""
        console.rule(f"[{rank}] score {passage.score:.3f} (dense {passage.dense:.2f}, bm25 {passage.lexical:.2f})")
        console.print(f"[bold]{meta.get('title')}[/bold] — {passage.section or '(no section)'}{page}")
        console.print(f"[dim]{meta.get('document_id')} · {meta.get('source_path')}[/dim]")
        console.print(passage.text[:600], markup=False)
