"""The experts' side of an escalation: queue with filters and counts, claim, answer, close, reopen, publish.

Every state change writes its audit entry and its outbox messages (the answer to the official's channel, the
knowledge-index sync) in the same transaction, so an answer is either stored and on its way, or not stored at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.config import EscalationSettings
from assistant.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from assistant.services.delivery import enqueue
from assistant.services.escalations import ACTIVE_STATUSES, add_working_days
from assistant.services.experts import ExpertIdentity
from assistant.services.language import message
from assistant.services.notifications import Notifier
from assistant.services.queue_views import escalation_page, queue_row
from assistant.store.db import Database
from assistant.store.models import AuditEntry, Escalation, utcnow

STATUSES = ("open", "claimed", "answered", "closed", "reopened")
CHANNELS = ("web", "slack", "teams", "cli")
MAX_ANSWER_CHARS = 20000
_STATUS_EVENTS = {"escalation.claim": "escalation.claimed", "escalation.answer": "escalation.answered",
                  "escalation.close": "escalation.closed", "escalation.reopen": "escalation.reopened"}


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: `status` is one status, `active` (open, claimed, reopened) or `all`."""

    status: str = "active"
    language: str | None = None
    country: str | None = None
    channel: str | None = None
    overdue: bool = False
    review_due: bool = False
    mine: bool = False
    limit: int = 200

    def validate(self) -> QueueFilters:
        """Refuse values that cannot match anything, with a clear message."""
        if self.status not in (*STATUSES, "active", "all"):
            raise InvalidInputError(f"status must be one of {', '.join((*STATUSES, 'active', 'all'))}")
        if self.channel and self.channel not in CHANNELS:
            raise InvalidInputError(f"channel must be one of {', '.join(CHANNELS)}")
        for name in ("language", "country"):
            value = getattr(self, name)
            if value and (len(value) > 8 or not value.replace("-", "").isalpha()):
                raise InvalidInputError(f"{name} must be a code such as 'de' or 'DE'")
        if not 1 <= self.limit <= 1000:
            raise InvalidInputError("limit must be between 1 and 1000")
        return self


@dataclass
class AnswerForm:
    """An expert's answer and how it may be reused."""

    text: str
    publish: bool = False
    legal_basis: str | None = None
    linked_sources: list[str] = field(default_factory=list)
    review_by: dt.date | None = None


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (clamped to the month's end)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


class ExpertQueue:
    """Lists escalations for experts and carries out their decisions."""

    def __init__(self, db: Database, settings: EscalationSettings, on_outbox: Callable[[], None] | None = None,
                 notifier: Notifier | None = None, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._settings = settings
        self._notifier = notifier
        self._on_outbox = on_outbox or (lambda: None)
        self._clock = clock

    # -- reading ------------------------------------------------------------------
    def find(self, filters: QueueFilters, expert: ExpertIdentity) -> dict[str, Any]:
        """The escalations matching the filters (offered to this expert first, then by due time) and counts."""
        filters = filters.validate()
        now = self._clock()
        base = self._scoped(select(Escalation), filters, expert, now)
        query = base
        if filters.status == "active":
            query = query.where(Escalation.status.in_(ACTIVE_STATUSES))
        elif filters.status != "all":
            query = query.where(Escalation.status == filters.status)
        with self._db.session() as session:
            rows = session.scalars(query.order_by(Escalation.due_at).limit(filters.limit)).all()
            items = sorted((queue_row(r, expert, now) for r in rows), key=lambda r: (not r["offered_to_me"],))
            counts = self._counts(session, filters, expert, now)
        return {"items": items, "counts": counts, "filters": filters}

    def _scoped(self, query: Any, filters: QueueFilters, expert: ExpertIdentity, now: dt.datetime) -> Any:
        if filters.language:
            query = query.where(Escalation.language == filters.language.lower())
        if filters.country:
            query = query.where(Escalation.country == filters.country.upper())
        if filters.channel:
            query = query.where(Escalation.channel == filters.channel)
        if filters.overdue:
            query = query.where(Escalation.status.in_(ACTIVE_STATUSES), Escalation.due_at < now)
        if filters.review_due:
            query = query.where(Escalation.review_flagged_at.is_not(None), Escalation.publish.is_(True))
        if filters.mine:
            query = query.where(Escalation.assignee_id == expert.id)
        return query

    def _counts(self, session: Session, filters: QueueFilters, expert: ExpertIdentity,
                now: dt.datetime) -> dict[str, int]:
        scoped = self._scoped(select(Escalation.status, func.count()), filters, expert, now)
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: int(n) for status, n in session.execute(scoped.group_by(Escalation.status)).all()})
        counts["active"] = sum(counts[s] for s in ACTIVE_STATUSES)
        counts["all"] = sum(counts[s] for s in STATUSES)
        counts["overdue"] = int(session.scalar(self._scoped(select(func.count()).select_from(Escalation), filters,
                                                            expert, now).where(
            Escalation.status.in_(ACTIVE_STATUSES), Escalation.due_at < now)) or 0)
        counts["review_due"] = int(session.scalar(select(func.count()).select_from(Escalation).where(
            Escalation.review_flagged_at.is_not(None), Escalation.publish.is_(True))) or 0)
        return counts

    def get(self, escalation_id: str, expert: ExpertIdentity) -> dict[str, Any]:
        """Everything on the escalation's page: transcript, passages, draft, links, deliveries, history."""
        with self._db.session() as session:
            return escalation_page(session, self._get(session, escalation_id), expert, self._clock())

    # -- decisions ----------------------------------------------------------------
    def claim(self, escalation_id: str, expert: ExpertIdentity) -> None:
        """Take an open escalation; one claimed by a colleague can only be taken over by an admin."""
        with self._db.session() as session:
            record = self._get(session, escalation_id)
            if record.status not in ACTIVE_STATUSES:
                raise ConflictError(f"{record.id} is {record.status} and cannot be claimed")
            self._check_not_taken(record, expert)
            record.status, record.assignee_id, record.updated_at = "claimed", expert.id, self._clock()
            self._audit(session, expert, "escalation.claim", record)

    def answer(self, escalation_id: str, expert: ExpertIdentity, form: AnswerForm) -> list[str]:
        """Store the answer and queue its delivery (to this and every linked escalation); returns the ids answered."""
        text = (form.text or "").strip()
        if not text:
            raise InvalidInputError("the answer is empty")
        if len(text) > MAX_ANSWER_CHARS:
            raise InvalidInputError(f"the answer is longer than {MAX_ANSWER_CHARS} characters")
        now = self._clock()
        if form.review_by is not None and form.review_by <= now.date():
            raise InvalidInputError("the review-by date must be in the future")
        with self._db.session() as session:
            record = self._get(session, escalation_id)
            if record.status not in ACTIVE_STATUSES:
                raise ConflictError(f"{record.id} is {record.status}; reopen it to answer again")
            self._check_not_taken(record, expert)
            was_published = record.publish
            self._set_answer(record, expert, text, now)
            self._set_publication(record, form, now)
            answered = [record.id]
            self._enqueue_answer(session, record, expert)
            for linked in self._open_linked(session, record.id):
                self._set_answer(linked, expert, text, now)
                self._enqueue_answer(session, linked, expert)
                self._audit(session, expert, "escalation.answer", linked, {"via": record.id})
                answered.append(linked.id)
            if record.publish or was_published:
                enqueue(session, kind="knowledge_sync", channel="knowledge", payload={"escalation_id": record.id},
                        escalation_id=record.id)
            self._audit(session, expert, "escalation.answer", record,
                        {"publish": record.publish, "also_answered": answered[1:]})
        self._on_outbox()
        return answered

    def close(self, escalation_id: str, expert: ExpertIdentity) -> None:
        """Close an escalation (answered, or not needing an answer)."""
        with self._db.session() as session:
            record = self._get(session, escalation_id)
            if record.status == "closed":
                raise ConflictError(f"{record.id} is already closed")
            record.status, record.closed_at, record.updated_at = "closed", self._clock(), self._clock()
            self._audit(session, expert, "escalation.close", record)

    def reopen(self, escalation_id: str, expert: ExpertIdentity) -> None:
        """Reopen an answered or closed escalation with a fresh answer time."""
        now = self._clock()
        with self._db.session() as session:
            record = self._get(session, escalation_id)
            if record.status not in ("answered", "closed"):
                raise ConflictError(f"{record.id} is {record.status}; only answered or closed ones can be reopened")
            record.status, record.closed_at, record.updated_at = "reopened", None, now
            record.due_at = add_working_days(now, self._settings.sla_working_days)
            record.reminder_sent_at = record.overdue_flagged_at = None
            self._audit(session, expert, "escalation.reopen", record)

    def set_published(self, escalation_id: str, expert: ExpertIdentity, publish: bool) -> None:
        """Publish an answered escalation to the knowledge base, or take it out again."""
        with self._db.session() as session:
            record = self._get(session, escalation_id)
            if publish and (record.status not in ("answered", "closed") or not record.answer):
                raise ConflictError(f"{record.id} has no answer to publish")
            record.publish = publish
            if publish and record.review_by is None:
                record.review_by = months_later(self._clock().date(), self._settings.publish_review_months)
            enqueue(session, kind="knowledge_sync", channel="knowledge", payload={"escalation_id": record.id},
                    escalation_id=record.id)
            self._audit(session, expert, "escalation.publish" if publish else "escalation.unpublish", record)
        self._on_outbox()

    def unlink(self, escalation_id: str, expert: ExpertIdentity) -> None:
        """Detach an escalation that was linked to a similar one by mistake."""
        with self._db.session() as session:
            record = self._get(session, escalation_id)
            if not record.linked_to:
                raise ConflictError(f"{record.id} is not linked")
            self._audit(session, expert, "escalation.unlink", record, {"was_linked_to": record.linked_to})
            record.linked_to = None

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def _get(session: Session, escalation_id: str) -> Escalation:
        record = session.get(Escalation, escalation_id)
        if record is None:
            raise NotFoundError(f"no escalation '{escalation_id}'")
        return record

    @staticmethod
    def _check_not_taken(record: Escalation, expert: ExpertIdentity) -> None:
        if record.status == "claimed" and record.assignee_id not in (None, expert.id) and not expert.is_admin:
            raise PermissionDeniedError(f"{record.id} is claimed by a colleague")

    def _set_answer(self, record: Escalation, expert: ExpertIdentity, text: str, now: dt.datetime) -> None:
        record.answer, record.status, record.assignee_id = text, "answered", expert.id
        record.answered_at = record.updated_at = now

    def _set_publication(self, record: Escalation, form: AnswerForm, now: dt.datetime) -> None:
        record.legal_basis = (form.legal_basis or "").strip()[:4000] or None
        record.linked_sources = [s.strip()[:500] for s in form.linked_sources if s.strip()][:20]
        record.publish = form.publish
        record.review_by = form.review_by or months_later(now.date(), self._settings.publish_review_months)
        record.review_flagged_at = None

    @staticmethod
    def _open_linked(session: Session, root_id: str) -> list[Escalation]:
        return list(session.scalars(select(Escalation).where(
            Escalation.linked_to == root_id, Escalation.status.in_(ACTIVE_STATUSES))).all())

    @staticmethod
    def _enqueue_answer(session: Session, record: Escalation, expert: ExpertIdentity) -> None:
        payload = {"text": record.answer, "heading": message("expert_answer", record.language),
                   "escalation_id": record.id, "question": record.question, "language": record.language,
                   "expert": expert.name, "conversation_id": record.conversation_id}
        if record.conversation_id:
            enqueue(session, kind="expert_answer", channel="web", payload=payload,
                    address={"conversation_id": record.conversation_id}, escalation_id=record.id)
        if record.channel in ("slack", "teams"):
            enqueue(session, kind="expert_answer", channel=record.channel, payload=payload,
                    address=dict(record.reply_address or {}), escalation_id=record.id)

    def _audit(self, session: Session, expert: ExpertIdentity, action: str, record: Escalation,
               details: dict[str, Any] | None = None) -> None:
        session.add(AuditEntry(actor=expert.email, action=action, target=record.id, details=details or {}))
        event = _STATUS_EVENTS.get(action)
        if event is not None and self._notifier is not None:
            self._notifier.status_changed(session, record, event, expert.name)
