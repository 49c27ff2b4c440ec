"""The delivery worker: the outbox loop plus housekeeping, run by `helpdesk worker` or inside the web server."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from assistant.errors import ConfigurationError
from assistant.services.delivery import OutboxWorker, start_worker_thread
from assistant.wiring import Helpdesk

log = logging.getLogger(__name__)


def outbox_of(helpdesk: Helpdesk) -> OutboxWorker:
    """The helpdesk's outbox worker (built by attach_expert_services)."""
    if helpdesk.outbox is None:
        raise ConfigurationError("the expert services are not wired (attach_expert_services)")
    return helpdesk.outbox


def housekeeping(helpdesk: Helpdesk) -> Callable[[], dict[str, Any]]:
    """One round of the worker's regular chores: link similar questions, remind, flag overdue and expired answers."""

    def run() -> dict[str, Any]:
        done: dict[str, Any] = {"linked": helpdesk.escalations.link_new()}
        done.update(helpdesk.escalations.check_deadlines())
        if helpdesk.publishing is not None:
            done["review_due"] = helpdesk.publishing.flag_expired()
        if any(done.values()):
            log.info("housekeeping: %s", done)
        return done

    return run


def start_in_background(helpdesk: Helpdesk) -> Callable[[], None]:
    """Run the worker in a daemon thread of this process; returns the function that stops it."""
    worker = outbox_of(helpdesk)
    thread, stop = start_worker_thread(worker, housekeeping(helpdesk), helpdesk.settings.escalation)

    def halt() -> None:
        stop.set()
        worker.wake()
        thread.join(timeout=15)

    return halt


@asynccontextmanager
async def worker_lifespan(app: Any) -> AsyncIterator[None]:
    """With `escalation.worker_in_server` (set by `helpdesk serve --with-worker`), deliver from this process."""
    helpdesk: Helpdesk = app.state.helpdesk
    halt = start_in_background(helpdesk) if helpdesk.settings.escalation.worker_in_server else None
    try:
        yield
    finally:
        if halt is not None:
            halt()


def wait_forever(stop: threading.Event) -> None:
    """Block until `stop` is set (Ctrl-C in the CLI sets it)."""
    while not stop.wait(1.0):
        pass
