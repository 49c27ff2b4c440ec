"""Escalations to human experts: the durable record is committed before anyone is told it exists.

This module creates escalations (once per idempotency key, offered first to the matching experts, announced in
the same transaction), shows officials their status, takes their extra details, links similar open questions by
embedding similarity and watches the answer deadlines. The expert side (claim, answer, close) is `expert_queue`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.config import EscalationSettings
from assistant.embeddings import Embedder
from assistant.errors import ConflictError, InvalidInputError, NotFoundError
from assistant.services.conversations import ConversationService
from assistant.services.experts import matching_experts
from assistant.services.notifications import Notifier
from assistant.services.replies import ChannelAddress
from assistant.store.db import Database
from assistant.store.models import AuditEntry, Escalation, Expert, utcnow

ACTIVE_STATUSES = ("open", "claimed", "reopened")
MAX_DETAILS_CHARS = 4000


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


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def recipients(session: Session, record: Escalation) -> list[str]:
    """E-mail addresses of the assignee, or else of the experts the escalation was offered to."""
    ids = [record.assignee_id] if record.assignee_id else list(record.offered_to or [])
    return [expert.email for i in ids if (expert := session.get(Expert, i)) is not None and expert.active]


class EscalationService:
    """Creates escalations and keeps officials informed; the expert workflow builds on the same records."""

    def __init__(self, db: Database, settings: EscalationSettings, *, embedder: Embedder | None = None,
                 notifier: Notifier | None = None, conversations: ConversationService | None = None,
                 clock: Any = utcnow) -> None:
        self._db = db
        self._settings = settings
        self._embedder = embedder
        self._notifier = notifier
        self._conversations = conversations or ConversationService(db)
        self._clock = clock

    def escalate(self, request: EscalationRequest) -> EscalationTicket:
        """Store the escalation (once per idempotency key) and return its ticket after the commit."""
        if not request.question.strip():
            raise InvalidInputError("an escalation needs a question")
        key = request.key()
        existing = self._by_key(key)
        if existing:
            return existing
        for _ in range(3):  # a clash of the random reference is retried with a new one
            record = self._new_record(request, key)
            try:
                with self._db.session() as session:
                    self._store(session, record)
            except IntegrityError:
                existing = self._by_key(key)  # a concurrent retry won the race
                if existing:
                    return existing
                continue
            return EscalationTicket(record.id, record.status, record.due_at, created=True)
        raise ConflictError("could not store the escalation, please try again")

    def _new_record(self, request: EscalationRequest, key: str) -> Escalation:
        now = self._clock()
        return Escalation(
            id=new_escalation_id(), idempotency_key=key, conversation_id=request.conversation_id,
            kind=request.kind, reason=request.reason, question=request.question, transcript=request.transcript,
            passages=request.passages, draft_answer=request.draft_answer, language=request.language,
            channel=request.channel, reply_address=request.reply_address, contact=request.contact,
            municipality=request.municipality, country=request.country, topics=request.topics,
            priority=request.priority, status="open", due_at=add_working_days(now, self._settings.sla_working_days),
            created_at=now, updated_at=now, details=[], linked_sources=[],
        )

    def _store(self, session: Session, record: Escalation) -> None:
        experts = session.scalars(select(Expert).where(Expert.active.is_(True))).all()
        offered = matching_experts(experts, record.topics or [], record.country, record.language,
                                   self._settings.offer_to_experts)
        record.offered_to = [e.id for e in offered]
        session.add(record)
        session.add(AuditEntry(actor="assistant", action="escalation.create", target=record.id,
                               details={"reason": record.reason, "kind": record.kind, "channel": record.channel}))
        if self._notifier is not None:
            self._notifier.escalation_created(session, record, offered)

    def status(self, escalation_id: str) -> dict[str, Any]:
        """Public status of an escalation."""
        with self._db.session() as session:
            record = session.get(Escalation, escalation_id)
            if record is None:
                raise NotFoundError(f"no escalation '{escalation_id}'")
            return _public(record)

    def official_view(self, escalation_id: str, owner_key: str | None) -> dict[str, Any]:
        """Status, details and (once given) the expert's answer, for the owner of the conversation only."""
        with self._db.session() as session:
            return _public(self._owned(session, escalation_id, owner_key), with_details=True)

    def add_details(self, escalation_id: str, owner_key: str | None, text: str) -> dict[str, Any]:
        """The official adds information to their escalation while it waits for an answer."""
        text = (text or "").strip()
        if not text:
            raise InvalidInputError("the details are empty")
        if len(text) > MAX_DETAILS_CHARS:
            raise InvalidInputError(f"the details are longer than {MAX_DETAILS_CHARS} characters")
        with self._db.session() as session:
            record = self._owned(session, escalation_id, owner_key)
            if record.status not in ACTIVE_STATUSES:
                raise ConflictError(f"{record.id} is {record.status}; details can only be added while it is open")
            record.details = [*(record.details or []), {"at": self._clock().isoformat(), "text": text}]
            record.updated_at = self._clock()
            session.add(AuditEntry(actor="official", action="escalation.details", target=record.id))
            if self._notifier is not None:
                self._notifier.details_added(session, record, recipients(session, record))
            return _public(record, with_details=True)

    def _owned(self, session: Session, escalation_id: str, owner_key: str | None) -> Escalation:
        record = session.get(Escalation, escalation_id)
        if record is None or not record.conversation_id:
            raise NotFoundError(f"no escalation '{escalation_id}'")
        address = ChannelAddress(channel=record.channel, owner_key=owner_key)
        try:
            self._conversations.open(address, record.conversation_id)
        except NotFoundError as exc:
            raise NotFoundError(f"no escalation '{escalation_id}'") from exc
        return record

    def _by_key(self, key: str) -> EscalationTicket | None:
        with self._db.session() as session:
            found = session.scalars(select(Escalation).where(Escalation.idempotency_key == key)).first()
            return EscalationTicket(found.id, found.status, found.due_at, created=False) if found else None

    # -- housekeeping (run by the worker) ---------------------------------------------
    def link_new(self, limit: int = 100) -> int:
        """Embed new open questions and link each to an earlier similar open one (same language); returns links."""
        if self._embedder is None:
            return 0
        with self._db.session() as session:
            new = session.scalars(select(Escalation).where(
                Escalation.embedding.is_(None), Escalation.status.in_(ACTIVE_STATUSES),
                Escalation.kind == "question").order_by(Escalation.created_at).limit(limit)).all()
            if not new:
                return 0
            vectors = self._embedder.embed_batch([_embedding_text(r) for r in new])
            known = session.scalars(select(Escalation).where(
                Escalation.embedding.is_not(None), Escalation.status.in_(ACTIVE_STATUSES),
                Escalation.kind == "question")).all()
            pool = [(r, np.asarray(r.embedding, dtype=np.float32)) for r in known]
            links = 0
            for record, vector in zip(new, vectors, strict=True):
                record.embedding = [round(float(v), 6) for v in vector]
                match = _most_similar(record, vector, pool, self._settings.similar_threshold)
                if match is not None:
                    record.linked_to = match.linked_to or match.id
                    session.add(AuditEntry(actor="assistant", action="escalation.link", target=record.id,
                                           details={"linked_to": record.linked_to}))
                    links += 1
                pool.append((record, vector))
            return links

    def check_deadlines(self) -> dict[str, int]:
        """Remind the experts of answers due soon and flag the overdue ones, each once."""
        now = self._clock()
        soon = now + dt.timedelta(hours=self._settings.reminder_hours_before_due)
        active = Escalation.status.in_(ACTIVE_STATUSES)
        with self._db.session() as session:
            due_soon = session.scalars(select(Escalation).where(
                active, Escalation.reminder_sent_at.is_(None), Escalation.due_at <= soon,
                Escalation.due_at > now)).all()
            for record in due_soon:
                record.reminder_sent_at = now
                if self._notifier is not None:
                    self._notifier.reminder(session, record, recipients(session, record))
            overdue = session.scalars(select(Escalation).where(
                active, Escalation.overdue_flagged_at.is_(None), Escalation.due_at <= now)).all()
            for record in overdue:
                record.overdue_flagged_at = now
                session.add(AuditEntry(actor="assistant", action="escalation.overdue", target=record.id))
                if self._notifier is not None:
                    self._notifier.overdue(session, record, recipients(session, record))
            return {"reminded": len(due_soon), "overdue": len(overdue)}


def _embedding_text(record: Escalation) -> str:
    return record.question


def _most_similar(record: Escalation, vector: np.ndarray, pool: list[tuple[Escalation, np.ndarray]],
                  threshold: float) -> Escalation | None:
    best, best_score = None, threshold
    for other, other_vector in pool:
        if other.id == record.id or other.language != record.language or other_vector.shape != vector.shape:
            continue
        score = float(other_vector @ vector)
        if score >= best_score:
            best, best_score = other, score
    return best


def _public(record: Escalation, with_details: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.id, "status": record.status, "kind": record.kind, "due_at": as_utc(record.due_at).isoformat(),
        "created_at": as_utc(record.created_at).isoformat(),
        "answered_at": as_utc(record.answered_at).isoformat() if record.answered_at else None,
        "answer": record.answer if record.status in ("answered", "closed") else None,
    }
    if with_details:
        data["question"] = record.question
        data["details"] = list(record.details or [])
    return data
