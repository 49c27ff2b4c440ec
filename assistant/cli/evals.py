"""`helpdesk eval`: retrieval per configuration, routing confusion matrix, fact accuracy, latency."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli import app
from assistant.config import get_settings

console = Console()
eval_app = typer.Typer(help="Evaluate the assistant on evals/questions.", invoke_without_command=True)
app.add_typer(eval_app, name="eval")


@eval_app.callback()
def run_eval(
    ctx: typer.Context,
    files: Annotated[list[str] | None, typer.Option("--file", help="Only these files (stem), e.g. routing.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many questions (0 = all).")] = 0,
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
) -> None:
    """Run the eval set (when no subcommand is given)."""
    if ctx.invoked_subcommand is not None:
        return
    from assistant.evaluation import evaluate_retrieval, evaluate_routing, load_questions
    from assistant.wiring import build_helpdesk, retrieval_variants

    settings = get_settings()
    helpdesk = build_helpdesk(settings)
    questions = load_questions(files=files)
    if limit:
        questions = questions[:limit]
    variants, modes = retrieval_variants(helpdesk)
    retrieval = evaluate_retrieval(variants, questions, modes)
    routing = evaluate_routing(helpdesk.assistant, questions)
    _print(retrieval, routing, len(questions))
    path = report or Path("evals/reports") / f"eval-{dt.date.today().isoformat()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"questions": len(questions), "retrieval": retrieval, "routing": routing},
                               indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"report: {path}")


def _print(retrieval: list[dict[str, Any]], routing: dict[str, Any], count: int) -> None:
    table = Table(title=f"Retrieval ({count} questions)")
    for column in ("config", "questions", "hit@3", "mrr", "facts@3"):
        table.add_column(column)
    for row in retrieval:
        table.add_row(*(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                        for c in ("config", "questions", "hit@3", "mrr", "facts@3")))
    console.print(table)
    languages = sorted({lang for row in retrieval for lang in row["hit@3_by_language"]})
    per_language = Table(title="hit@3 per language")
    per_language.add_column("config")
    for lang in languages:
        per_language.add_column(lang)
    for row in retrieval:
        per_language.add_row(row["config"], *(f"{row['hit@3_by_language'].get(lang, 0):.2f}" for lang in languages))
    console.print(per_language)
    matrix = Table(title=f"Routing (accuracy {routing['accuracy']:.3f})")
    matrix.add_column("expected \\ actual")
    for outcome in routing["matrix"]:
        matrix.add_column(outcome)
    matrix.add_column("precision")
    matrix.add_column("recall")
    for expected, row in routing["matrix"].items():
        cls = routing["per_class"][expected]
        matrix.add_row(expected, *(str(v) for v in row.values()), f"{cls['precision']:.3f}", f"{cls['recall']:.3f}")
    console.print(matrix)
    console.print(f"fact accuracy in answers: {routing['fact_accuracy_in_answers']:.3f} · "
                  f"latency p50 {routing['latency_ms']['p50']} ms, p95 {routing['latency_ms']['p95']} ms")
