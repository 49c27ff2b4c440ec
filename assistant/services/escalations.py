"""Escalations to human experts: the durable record is committed before anyone is told it exists."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assistant.config import EscalationSettings
from assistant.errors import NotFoundError
from assistant.store.db import Database
from assistant.store.models import Escalation, utcnow


@dataclass
class EscalationRequest:
    """Everything an expert needs to answer, and where the answer must go."""

    question: str
    reason: str
    language: str = "en"
    channel: str = "web"
    reply_address: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None
    transcript: list[dict[str, str]] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    draft_answer: str = ""
    kind: str = "question"  # question | review
    idempotency_key: str | None = None
    contact: str | None = None
    municipality: str | None = None
    country: str | None = None
    topics: list[str] = field(default_factory=list)
    priority: str = "normal"

    def key(self) -> str:
        """Idempotency key: given by the client, else derived from the conversation and the question."""
        if self.idempotency_key:
            return self.idempotency_key[:128]
        basis = f"{self.conversation_id}|{self.kind}|{self.question.strip().lower()}"
        return "auto:" + hashlib.sha256(basis.encode()).hexdigest()[:40]


@dataclass
class EscalationTicket:
    """What the official is told: the reference and when to expect an answer."""

    id: str
    status: str
    due_at: dt.datetime
    created: bool


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days (Monday to Friday) after `start`."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def new_escalation_id() -> str:
    """Short human-readable reference, e.g. ESC-7Q2K9D."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "ESC-" + "".join(secrets.choice(alphabet) for _ in range(6))


class EscalationService:
    """Creates and reads escalations; the expert workflow builds on the same records."""

    def __init__(self, db: Database, settings: EscalationSettings) -> None:
        self._db = db
        self._settings = settings

    def escalate(self, request: EscalationRequest) -> EscalationTicket:
        """Store the escalation (once per idempotency key) and return its ticket after the commit."""
        key = request.key()
        existing = self._by_key(key)
        if existing:
            return existing
        now = utcnow()
        record = Escalation(
            id=new_escalation_id(), idempotency_key=key, conversation_id=request.conversation_id,
            kind=request.kind, reason=request.reason, question=request.question, transcript=request.transcript,
            passages=request.passages, draft_answer=request.draft_answer, language=request.language,
            channel=request.channel, reply_address=request.reply_address, contact=request.contact,
            municipality=request.municipality, country=request.country, topics=request.topics,
            priority=request.priority, status="open", due_at=add_working_days(now, self._settings.sla_working_days),
            created_at=now,
        )
        try:
            with self._db.session() as session:
                session.add(record)
        except IntegrityError:
            existing = self._by_key(key)  # a concurrent retry won the race
            if existing:
                return existing
            raise
        return EscalationTicket(record.id, record.status, record.due_at, created=True)

    def status(self, escalation_id: str) -> dict[str, Any]:
        """Public status of an escalation."""
        with self._db.session() as session:
            record = session.get(Escalation, escalation_id)
            if record is None:
                raise NotFoundError(f"no escalation '{escalation_id}'")
            return {"id": record.id, "status": record.status, "due_at": record.due_at.isoformat(),
                    "created_at": record.created_at.isoformat(), "answer": record.answer}

    def _by_key(self, key: str) -> EscalationTicket | None:
        with self._db.session() as session:
            found = session.scalars(select(Escalation).where(Escalation.idempotency_key == key)).first()
            return EscalationTicket(found.id, found.status, found.due_at, created=False) if found else None
