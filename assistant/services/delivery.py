"""Delivery of outbox messages to their channel (web, Slack, Teams, e-mail, webhook, knowledge index).

Messages are written to the outbox in the same transaction as the change that caused them (`enqueue`), and a
worker delivers them (`OutboxWorker.deliver_due`, looped by `run_worker`). A failed delivery is retried with
exponential backoff; after `delivery_max_attempts` it is marked `failed`, kept, shown in the console and can be
retried from there. Nothing is deleted. Workers claim due rows with one UPDATE over a `FOR UPDATE SKIP LOCKED`
sub-select (on PostgreSQL several workers then take disjoint rows) guarded by the row's state (so SQLite, which has
no row locks, can never hand one row to two workers either).

Item shapes a channel receives:
- kind `expert_answer`: address = where the question came from (web: {"conversation_id"}; Slack: {"channel",
  "thread_ts"}; Teams: the stored conversation reference); payload = {"text" (Markdown answer), "heading",
  "escalation_id", "question", "language", "expert", "conversation_id"}.
- kind `notification`: address = {"to": [...]} (e-mail), {"channel": ...} (Slack experts channel), {"url"}
  (webhook); payload = {"event", "subject", "text" (plain text), "escalation_id", "url", "escalation": {...}}.
- kind `knowledge_sync` (channel `knowledge`): payload = {"escalation_id"}; publishes or unpublishes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assistant.config import EscalationSettings
from assistant.errors import DatabaseUnavailableError, DeliveryError, HelpdeskError, NotFoundError
from assistant.store.db import Database
from assistant.store.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)


@dataclass
class OutboxItem:
    """One message waiting in the outbox, as a delivery channel sees it."""

    id: int
    kind: str  # expert_answer | notification | knowledge_sync
    channel: str  # web | slack | teams | email | webhook | knowledge
    address: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    escalation_id: str | None = None
    attempts: int = 0


class DeliveryChannel(Protocol):
    """Sends outbox items of one channel; raises DeliveryError when the channel is down (retried later)."""

    name: str

    def deliver(self, item: OutboxItem) -> None:
        """Deliver one item or raise DeliveryError."""


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        """Items this pass took."""
        return self.sent + self.retried + self.failed


def enqueue(session: Session, *, kind: str, channel: str, payload: dict[str, Any],
            address: dict[str, Any] | None = None, escalation_id: str | None = None) -> OutboxMessage:
    """Add a message to the outbox inside the caller's transaction, so it commits (or not) with the change."""
    message = OutboxMessage(kind=kind, channel=channel, address=address or {}, payload=payload,
                            escalation_id=escalation_id, status="pending", attempts=0, next_attempt_at=utcnow())
    session.add(message)
    return message


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Delay before the next try after `attempts` failed ones: base, 2*base, 4*base, ... up to cap."""
    return float(min(cap, base * 2 ** max(attempts - 1, 0)))


def outbox_dict(row: OutboxMessage) -> dict[str, Any]:
    """An outbox row for the console and the API."""
    return {"id": row.id, "kind": row.kind, "channel": row.channel, "status": row.status, "attempts": row.attempts,
            "escalation_id": row.escalation_id, "last_error": row.last_error, "created_at": row.created_at,
            "next_attempt_at": row.next_attempt_at, "sent_at": row.sent_at,
            "event": row.payload.get("event") if isinstance(row.payload, dict) else None}


class OutboxWorker:
    """Claims due outbox messages, hands each to its channel and records the outcome."""

    def __init__(self, db: Database, channels: Mapping[str, DeliveryChannel], settings: EscalationSettings,
                 extra_channels: Mapping[str, DeliveryChannel] | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self.channels = dict(channels)
        self._extra = extra_channels if extra_channels is not None else {}  # live: Slack/Teams register later
        self._settings = settings
        self._clock = clock
        self._wake = threading.Event()

    def register(self, channel: DeliveryChannel) -> None:
        """Add or replace the channel that delivers items of `channel.name`."""
        self.channels[channel.name] = channel

    def wake(self) -> None:
        """Ask a waiting worker loop in this process to look at the outbox now."""
        self._wake.set()

    def wait(self, seconds: float) -> None:
        """Sleep until woken or `seconds` passed."""
        self._wake.wait(seconds)
        self._wake.clear()

    def deliver_due(self, limit: int = 50) -> DeliveryReport:
        """Deliver every due message (at most `limit`); failures are rescheduled, never dropped."""
        report = DeliveryReport()
        for item in self._claim(limit):
            outcome = self._deliver(item)
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _claim(self, limit: int) -> list[OutboxItem]:
        now = self._clock()
        due = (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now)
        ids = (select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)
               .with_for_update(skip_locked=True))
        lease = now + dt.timedelta(seconds=self._settings.delivery_lease_seconds)
        statement = (update(OutboxMessage).where(OutboxMessage.id.in_(ids), due)
                     .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=lease)
                     .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.channel, OutboxMessage.address,
                                OutboxMessage.payload, OutboxMessage.escalation_id, OutboxMessage.attempts)
                     .execution_options(synchronize_session=False))
        with self._db.session() as session:
            rows = session.execute(statement).all()
        return sorted((OutboxItem(*row) for row in rows), key=lambda item: item.id)

    def _deliver(self, item: OutboxItem) -> str:
        channel = self._extra.get(item.channel) or self.channels.get(item.channel)
        try:
            if channel is None:
                raise DeliveryError(f"no delivery channel '{item.channel}' is configured")
            channel.deliver(item)
        except DeliveryError as exc:
            return self._record_failure(item, str(exc))
        except Exception as exc:  # a broken channel must not stop the others: recorded, retried, visible
            log.exception("delivery of outbox item %s via %s failed", item.id, item.channel)
            return self._record_failure(item, f"{type(exc).__name__}: {exc}")
        self._record(item, status="sent", sent_at=self._clock(), last_error=None)
        return "sent"

    def _record_failure(self, item: OutboxItem, error: str) -> str:
        if item.attempts >= self._settings.delivery_max_attempts:
            self._record(item, status="failed", last_error=error[:2000])
            return "failed"
        delay = backoff_seconds(item.attempts, self._settings.delivery_backoff_seconds,
                                self._settings.delivery_backoff_max_seconds)
        self._record(item, next_attempt_at=self._clock() + dt.timedelta(seconds=delay), last_error=error[:2000])
        return "retried"

    def _record(self, item: OutboxItem, **values: Any) -> None:
        # Guarded by the attempt number: a worker whose lease ran out cannot overwrite a newer attempt.
        with self._db.session() as session:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id == item.id, OutboxMessage.attempts == item.attempts)
                            .values(**values).execution_options(synchronize_session=False))

    # -- console -----------------------------------------------------------------
    def retry(self, item_id: int) -> None:
        """Send a failed (or waiting) message again now, with a fresh set of attempts."""
        with self._db.session() as session:
            row = session.get(OutboxMessage, item_id)
            if row is None:
                raise NotFoundError(f"no outbox message {item_id}")
            if row.status == "sent":
                return
            row.status, row.attempts, row.next_attempt_at = "pending", 0, self._clock()
        self.wake()

    def items(self, status: str | None = None, escalation_id: str | None = None,
              limit: int = 100) -> list[dict[str, Any]]:
        """Outbox messages, newest first, optionally of one status or escalation."""
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status:
            query = query.where(OutboxMessage.status == status)
        if escalation_id:
            query = query.where(OutboxMessage.escalation_id == escalation_id)
        with self._db.session() as session:
            return [outbox_dict(row) for row in session.scalars(query).all()]

    def counts(self) -> dict[str, int]:
        """Messages per status; `retrying` are pending ones that already failed at least once."""
        with self._db.session() as session:
            rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
            retrying = session.scalar(select(func.count()).where(
                OutboxMessage.status == "pending", OutboxMessage.last_error.is_not(None))) or 0
        counts = {"pending": 0, "sent": 0, "failed": 0}
        counts.update({status: int(n) for status, n in rows})
        return {**counts, "retrying": int(retrying)}


def run_worker(worker: OutboxWorker, stop: threading.Event, housekeeping: Callable[[], object] | None = None,
               poll_seconds: float = 1.0, housekeeping_seconds: float = 60.0, batch: int = 50) -> None:
    """Deliver until `stop` is set: poll the outbox, and run housekeeping (links, reminders, review-by) regularly."""
    next_housekeeping = 0.0
    while not stop.is_set():
        if housekeeping is not None and time.monotonic() >= next_housekeeping:
            next_housekeeping = time.monotonic() + housekeeping_seconds
            try:
                housekeeping()
            except HelpdeskError as exc:
                log.warning("housekeeping failed, will try again: %s", exc)
        try:
            report = worker.deliver_due(batch)
        except DatabaseUnavailableError as exc:
            log.warning("outbox unavailable, will try again: %s", exc)
            report = DeliveryReport()
        if report.claimed < batch:
            worker.wait(poll_seconds)


def start_worker_thread(worker: OutboxWorker, housekeeping: Callable[[], object] | None,
                        settings: EscalationSettings) -> tuple[threading.Thread, threading.Event]:
    """The worker loop in a daemon thread of this process; set the returned event (and wake) to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, name="helpdesk-delivery", daemon=True,
                              args=(worker, stop, housekeeping, settings.worker_poll_seconds,
                                    settings.housekeeping_seconds))
    thread.start()
    return thread, stop
