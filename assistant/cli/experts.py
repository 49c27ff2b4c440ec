"""`helpdesk experts add/list/token/password/disable`: expert accounts for the console and the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import HelpdeskError
from assistant.services.experts import ROLES, ExpertService
from assistant.store.db import Database

console = Console()
experts_app = typer.Typer(help="Expert accounts.", no_args_is_help=True)
app.add_typer(experts_app, name="experts")


def _service() -> ExpertService:
    db = Database(get_settings().sqlalchemy_url)
    db.upgrade()
    return ExpertService(db)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


@experts_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Login e-mail.")],
    name: Annotated[str, typer.Option("--name", help="Name shown to colleagues.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="At least 10 characters (prompted when omitted).")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "expert",
    topics: Annotated[str, typer.Option(help="Comma-separated topics, e.g. 'cloud,data protection'.")] = "",
    countries: Annotated[str, typer.Option(help="Comma-separated ISO country codes, e.g. 'DE,AT'.")] = "",
    languages: Annotated[str, typer.Option(help="Comma-separated languages, e.g. 'de,en'.")] = "",
) -> None:
    """Create an expert (or admin) account; the password is stored as an argon2 hash."""
    try:
        expert = _service().add(email, name, password, role, _split(topics), _split(countries), _split(languages))
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"added {expert.role} {expert.email} (id {expert.id})")


@experts_app.command("list")
def list_experts() -> None:
    """Active expert accounts."""
    table = Table(title="Experts")
    for column in ("id", "email", "name", "role", "topics", "countries", "languages"):
        table.add_column(column)
    for x in _service().list():
        table.add_row(str(x.id), x.email, x.name, x.role, ", ".join(x.topics), ", ".join(x.countries),
                      ", ".join(x.languages))
    console.print(table)


@experts_app.command("token")
def token(email: Annotated[str, typer.Argument(help="The expert's e-mail.")]) -> None:
    """Issue an API token (replaces the previous one); it is shown once, only its hash is stored."""
    try:
        value = _service().issue_token(email)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    print(value)


@experts_app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="The expert's e-mail.")],
    new_password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                              help="At least 10 characters.")],
) -> None:
    """Set a new password (ends the expert's console sessions)."""
    try:
        _service().set_password(email, new_password)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"password changed for {email}")


@experts_app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The expert's e-mail.")]) -> None:
    """Deactivate an account: its sessions and API token stop working."""
    try:
        _service().deactivate(email)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"disabled {email}")
