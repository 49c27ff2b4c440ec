"""`helpdesk serve`: the web app (and, with --worker, the delivery worker in the same process)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    uvicorn.run("assistant.app:create_app", host=host, port=port, workers=workers, factory=True,
                log_level="info", proxy_headers=False)
