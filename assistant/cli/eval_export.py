"""`helpdesk eval export-escalations`: expert-answered escalations become eval regression cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.evals import eval_app
from assistant.config import get_settings
from assistant.services.regression_cases import append_cases, expert_answered_cases
from assistant.store.db import Database

DEFAULT_OUTPUT = Path("evals/questions/from-escalations.jsonl")


@eval_app.command("export-escalations")
def export_escalations(
    output: Annotated[Path, typer.Option(help="JSONL file the cases are appended to.")] = DEFAULT_OUTPUT,
    only_published: Annotated[bool, typer.Option("--only-published",
                                                  help="Only answers published to the knowledge base.")] = False,
) -> None:
    """Append every expert-answered escalation not exported yet as a regression case."""
    db = Database(get_settings().sqlalchemy_url)
    db.upgrade()
    cases = expert_answered_cases(db, only_published)
    added = append_cases(output, cases)
    typer.echo(f"{added} new regression cases appended to {output} ({len(cases) - added} already there)")
