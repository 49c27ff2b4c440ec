"""`helpdesk retention run` and `helpdesk privacy export/erase`: personal data kept no longer than needed."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import HelpdeskError
from assistant.services.privacy import PrivacyService
from assistant.services.redaction import install_log_redaction
from assistant.store.db import Database

console = Console()
retention_app = typer.Typer(help="Delete old conversations.", no_args_is_help=True)
_WHO = "The person's e-mail address, or a signed-in official's account id (oidc:...)."
privacy_app = typer.Typer(help="Export or erase one person's data.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
app.add_typer(privacy_app, name="privacy")


def _service() -> PrivacyService:
    install_log_redaction()
    db = Database(get_settings().sqlalchemy_url)
    db.upgrade()
    return PrivacyService(db)


@retention_app.command("run")
def retention_run(
    days: Annotated[int | None, typer.Option(help="Override HELPDESK_RETENTION_DAYS.")] = None,
) -> None:
    """Delete conversations untouched for longer than the retention period (messages and ratings with them)."""
    days = days or get_settings().retention_days
    if days is None:
        console.print("[red]error:[/red] no retention period: set HELPDESK_RETENTION_DAYS or pass --days")
        raise typer.Exit(2)
    try:
        deleted = _service().delete_conversations_older_than(days, actor="cli")
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"deleted {deleted} conversation(s) older than {days} day(s)")


@privacy_app.command("export")
def export(contact: Annotated[str, typer.Argument(help=_WHO)]) -> None:
    """Print everything stored about a person as JSON (audited)."""
    try:
        data = _service().export_person(contact, actor="cli")
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@privacy_app.command("erase")
def erase(
    contact: Annotated[str, typer.Argument(help=_WHO)],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a person's escalations, their conversations and deliveries about them (audited)."""
    if not yes:
        typer.confirm(f"Erase all data of {contact}?", abort=True)
    try:
        report = _service().erase_person(contact, actor="cli")
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"erased {report.escalations} escalation(s), {report.conversations} conversation(s), "
                  f"{report.deliveries} delivery(ies)")
