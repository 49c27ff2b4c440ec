"""`helpdesk serve`: the web app (and, with --with-worker, the delivery worker in the same process)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from assistant.cli import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    with_worker: Annotated[bool, typer.Option(
        "--with-worker", help="Also deliver expert answers and notifications from each server process.")] = False,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    if with_worker:  # read by get_settings() in every server process (escalation.worker_in_server)
        os.environ["HELPDESK_ESCALATION__WORKER_IN_SERVER"] = "true"
    uvicorn.run("assistant.app:create_app", host=host, port=port, workers=workers, factory=True,
                log_level="info", proxy_headers=False)
