"""Channel commands: `helpdesk slack --socket` (Socket Mode), `helpdesk slack-link` (an expert's Slack account),
`helpdesk teams-package` (the Teams app zip)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import ConfigurationError


@app.command()
def slack(
    socket: Annotated[bool, typer.Option("--socket", help="Connect to Slack over Socket Mode (needs the app token).")]
    = False,
) -> None:
    """Run the Slack app. Over HTTP it is served by `helpdesk serve` at /slack/events instead."""
    settings = get_settings()
    if not socket:
        typer.echo("Over HTTP, the Slack app is part of `helpdesk serve` (/slack/events, /slack/interactions, "
                   "/slack/commands). Use `helpdesk slack --socket` for Socket Mode.", err=True)
        raise typer.Exit(2)
    if settings.slack.bot_token is None or settings.slack.app_token is None:
        typer.echo("Socket Mode needs HELPDESK_SLACK__BOT_TOKEN (xoxb-) and HELPDESK_SLACK__APP_TOKEN (xapp-).",
                   err=True)
        raise typer.Exit(2)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from assistant.wiring import build_helpdesk

    try:
        helpdesk = build_helpdesk(settings)
    except ConfigurationError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("Slack Socket Mode: connected listeners for mentions, direct messages, /procurement and buttons. "
               "Run `helpdesk worker` as well, so experts' answers reach Slack.")
    SocketModeHandler(helpdesk.extras["slack_app"], settings.slack.app_token.get_secret_value()).start()


@app.command("teams-package")
def teams_package(
    out: Annotated[Path, typer.Option(help="Where to write the Teams app package (zip).")] = Path("helpdesk-teams.zip"),
    organisation: Annotated[str, typer.Option(help="Publisher name shown in Teams.")] = "Procurement helpdesk network",
    teams_app_id: Annotated[str | None, typer.Option(help="Teams app id (default: derived from the bot id).")] = None,
) -> None:
    """Build the Teams app package from the manifest template, HELPDESK_TEAMS__APP_ID and the public URL."""
    from assistant.channels.teams_package import build_package

    try:
        path = build_package(get_settings(), out, organisation, teams_app_id)
    except ConfigurationError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Wrote {path}: upload it in Teams under Apps > Manage your apps > Upload an app.")


@app.command("slack-link")
def slack_link(
    email: Annotated[str, typer.Argument(help="The expert's login e-mail.")],
    slack_user_id: Annotated[str, typer.Argument(help="Their Slack member id (profile > ⋮ > Copy member ID).")],
) -> None:
    """Link an expert account to a Slack user, so Claim and Answer in the experts channel act as that expert."""
    from assistant.channels.records import ChannelRecords
    from assistant.errors import HelpdeskError
    from assistant.store.db import Database

    settings = get_settings()
    db = Database(settings.sqlalchemy_url)
    try:
        name = ChannelRecords(db).link_slack_user(email, slack_user_id)
    except HelpdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    typer.echo(f"{name} <{email}> is now Slack user {slack_user_id}")
