"""`helpdesk worker`: deliver expert answers and notifications, link similar questions, remind and flag."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer
from rich.console import Console

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import HelpdeskError
from assistant.services.delivery import run_worker
from assistant.wiring import build_helpdesk
from assistant.worker import housekeeping, outbox_of

console = Console()


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round of housekeeping and delivery, then exit.")] = False,
    poll: Annotated[float | None, typer.Option(help="Seconds between outbox polls (default from settings).")] = None,
) -> None:
    """Run the delivery worker (several may run at once on PostgreSQL)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    try:
        helpdesk = build_helpdesk(settings)
        outbox = outbox_of(helpdesk)
        if once:
            done = housekeeping(helpdesk)()
            report = outbox.deliver_due(limit=1000)
            console.print(f"sent {report.sent}, retrying {report.retried}, failed {report.failed}; {done}")
            raise typer.Exit(1 if report.failed else 0)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    stop = threading.Event()
    console.print(f"delivering from {settings.sqlalchemy_url.split('@')[-1]} (Ctrl-C to stop); channels: "
                  f"{', '.join(sorted(set(outbox.channels) | set(helpdesk.extras.get('delivery_channels', {}))))}")
    try:
        run_worker(outbox, stop, housekeeping(helpdesk), poll or settings.escalation.worker_poll_seconds,
                   settings.escalation.housekeeping_seconds)
    except KeyboardInterrupt:
        stop.set()
        console.print("stopped")
