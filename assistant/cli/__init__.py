"""The `helpdesk` command: each subcommand lives in its own small module."""

from __future__ import annotations

import typer

app = typer.Typer(help="Procurement helpdesk assistant.", no_args_is_help=True, add_completion=False)


def main() -> None:
    """Entry point of the `helpdesk` console script."""
    from assistant.cli import (  # noqa: F401  (registers commands)
        advise,
        asking,
        backup,
        channels,
        database,
        eval_export,
        evals,
        experts,
        knowledge,
        privacy,
        server,
        worker,
    )
    from assistant.services.redaction import install_log_redaction

    install_log_redaction()
    app()
