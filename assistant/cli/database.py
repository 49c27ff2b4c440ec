"""`helpdesk db upgrade`: apply the Alembic migrations."""

from __future__ import annotations

import typer

from assistant.cli import app
from assistant.config import get_settings
from assistant.store.db import Database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    settings = get_settings()
    Database(settings.sqlalchemy_url).upgrade()
    typer.echo(f"database at head: {settings.sqlalchemy_url.split('@')[-1]}")
