"""`helpdesk backup PATH` and `helpdesk restore PATH`: the SQLite database and the embedded index, round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import HelpdeskError
from assistant.services.backup import BackupTargets, create_backup, restore_backup, targets_for

console = Console()


def _targets() -> BackupTargets:
    settings = get_settings()
    return targets_for(settings.sqlalchemy_url, settings.chroma_dir, settings.chroma_url)


@app.command("backup")
def backup(path: Annotated[Path, typer.Argument(help="Archive to write, e.g. backups/helpdesk-2026-01-31.tar.gz")]
           ) -> None:
    """Write a consistent .tar.gz of the database and the embedded index (safe while the server runs)."""
    try:
        names = create_backup(_targets(), path)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {path} ({', '.join(names)})")


@app.command("restore")
def restore(
    path: Annotated[Path, typer.Argument(help="Archive written by `helpdesk backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database and the embedded index with a backup (stop the server and workers first)."""
    try:
        targets = _targets()
        if not yes:
            typer.confirm(f"Replace {targets.database} and {targets.index} with {path}?", abort=True)
        names = restore_backup(path, targets)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"restored {', '.join(names)} from {path}")
