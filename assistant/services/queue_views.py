"""Read models of the expert console: a queue row and the full escalation page, as plain dictionaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assistant.services.delivery import outbox_dict
from assistant.services.escalations import ACTIVE_STATUSES, as_utc
from assistant.services.experts import ExpertIdentity
from assistant.store.models import AuditEntry, Escalation, Expert, OutboxMessage


def queue_row(record: Escalation, expert: ExpertIdentity, now: dt.datetime) -> dict[str, Any]:
    """One line of the queue."""
    due = as_utc(record.due_at)
    return {
        "id": record.id, "question": record.question, "kind": record.kind, "reason": record.reason,
        "language": record.language, "country": record.country, "municipality": record.municipality,
        "channel": record.channel, "status": record.status, "priority": record.priority, "due_at": due,
        "created_at": as_utc(record.created_at), "overdue": record.status in ACTIVE_STATUSES and due < now,
        "assignee_id": record.assignee_id, "offered_to_me": expert.id in (record.offered_to or []),
        "linked_to": record.linked_to, "publish": record.publish,
        "review_due": bool(record.review_flagged_at and record.publish),
    }


def escalation_page(session: Session, record: Escalation, expert: ExpertIdentity,
                    now: dt.datetime) -> dict[str, Any]:
    """Everything an expert needs to answer: the question in context, the assistant's work and what happened."""
    page = queue_row(record, expert, now)
    names = _names(session, [record.assignee_id, *(record.offered_to or [])])
    page.update({
        "transcript": list(record.transcript or []), "passages": list(record.passages or []),
        "draft_answer": record.draft_answer or "", "details": list(record.details or []),
        "answer": record.answer, "legal_basis": record.legal_basis, "linked_sources": list(record.linked_sources or []),
        "review_by": record.review_by, "published_at": record.published_at, "contact": record.contact,
        "assignee": names.get(record.assignee_id) if record.assignee_id else None,
        "offered_to": [names[i] for i in record.offered_to or [] if i in names],
        "answered_at": record.answered_at, "closed_at": record.closed_at,
        "linked": _linked(session, record, expert, now),
        "deliveries": [outbox_dict(row) for row in session.scalars(select(OutboxMessage).where(
            OutboxMessage.escalation_id == record.id).order_by(OutboxMessage.id)).all()],
        "history": [{"at": e.created_at, "actor": e.actor, "action": e.action, "details": e.details}
                    for e in session.scalars(select(AuditEntry).where(AuditEntry.target == record.id)
                                             .order_by(AuditEntry.id)).all()],
    })
    active = record.status in ACTIVE_STATUSES
    taken = record.status == "claimed" and record.assignee_id not in (None, expert.id) and not expert.is_admin
    mine = record.status == "claimed" and record.assignee_id == expert.id
    page.update({"can_claim": active and not taken and not mine, "can_answer": active and not taken,
                 "can_close": record.status != "closed",
                 "can_reopen": record.status in ("answered", "closed"),
                 "can_publish": record.status in ("answered", "closed") and bool(record.answer)})
    return page


def _names(session: Session, ids: list[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {e.id: e.name for e in session.scalars(select(Expert).where(Expert.id.in_(wanted))).all()}


def _linked(session: Session, record: Escalation, expert: ExpertIdentity, now: dt.datetime) -> list[dict[str, Any]]:
    """The other escalations sharing this one's root: one answer serves them all."""
    root = record.linked_to or record.id
    rows = session.scalars(select(Escalation).where(
        or_(Escalation.linked_to == root, Escalation.id == root), Escalation.id != record.id)
        .order_by(Escalation.created_at)).all()
    return [queue_row(r, expert, now) for r in rows]
