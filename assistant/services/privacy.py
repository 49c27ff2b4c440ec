"""Personal data over time: retention of old conversations, and export or erasure of one person's data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.errors import InvalidInputError
from assistant.services.conversation_view import iso_utc
from assistant.services.officials import OWNER_PREFIX
from assistant.store.db import Database
from assistant.store.models import AuditEntry, Conversation, Escalation, Feedback, Message, OutboxMessage, utcnow


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed."""

    escalations: int
    conversations: int
    deliveries: int


class PrivacyService:
    """Deletes what is kept too long and answers a person's requests for their data."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def delete_conversations_older_than(self, days: int, actor: str = "retention",
                                        now: dt.datetime | None = None) -> int:
        """Delete conversations (messages and feedback with them) untouched for `days` days; returns how many."""
        if days < 1:
            raise InvalidInputError("retention must be at least 1 day")
        cutoff = (now or utcnow()) - dt.timedelta(days=days)
        with self._db.session() as session:
            old = select(Conversation.id).where(Conversation.updated_at < cutoff)
            ids = list(session.scalars(old))
            _delete_conversations(session, ids)
            session.add(AuditEntry(actor=actor, action="retention.run", target=None,
                                   details={"days": days, "conversations": len(ids)}))
        return len(ids)

    def export_person(self, contact: str, actor: str) -> dict[str, Any]:
        """Everything stored about the person with this contact (e-mail or account id): escalations, conversations."""
        contact = _contact(contact)
        with self._db.session() as session:
            escalations = _escalations_of(session, contact)
            conversation_ids = _conversation_ids(session, contact, escalations)
            conversations = session.scalars(select(Conversation).where(Conversation.id.in_(conversation_ids))).all()
            data = {"contact": contact, "escalations": [_escalation_dict(e) for e in escalations],
                    "conversations": [_conversation_dict(session, c) for c in conversations]}
            session.add(AuditEntry(actor=actor, action="privacy.export", target=contact[:128],
                                   details={"escalations": len(escalations)}))
        return data

    def erase_person(self, contact: str, actor: str) -> ErasureReport:
        """Delete the person's escalations, their conversations and the deliveries about them."""
        contact = _contact(contact)
        with self._db.session() as session:
            escalations = _escalations_of(session, contact)
            escalation_ids = [e.id for e in escalations]
            conversation_ids = _conversation_ids(session, contact, escalations)
            about_them = OutboxMessage.escalation_id.in_(escalation_ids)
            deliveries = session.scalar(select(func.count()).select_from(OutboxMessage).where(about_them)) or 0
            session.execute(delete(OutboxMessage).where(about_them))
            session.execute(delete(Escalation).where(Escalation.id.in_(escalation_ids)))
            _delete_conversations(session, conversation_ids)
            # The audit trail keeps that an erasure happened, not whose data it was.
            session.add(AuditEntry(actor=actor, action="privacy.erase", target=None,
                                   details={"escalations": len(escalation_ids)}))
        return ErasureReport(len(escalation_ids), len(set(conversation_ids)), int(deliveries))


def _contact(value: str) -> str:
    contact = value.strip().lower()
    if not contact or len(contact) > 255:
        raise InvalidInputError("give the person's contact (e-mail address), at most 255 characters")
    return contact


def _escalations_of(session: Session, contact: str) -> list[Escalation]:
    """Escalations with this contact; for a signed-in official's account id, those of their conversations."""
    condition = func.lower(Escalation.contact) == contact
    if contact.startswith(OWNER_PREFIX):
        owned = select(Conversation.id).where(Conversation.owner_key == contact)
        condition = condition | Escalation.conversation_id.in_(owned)
    return list(session.scalars(select(Escalation).where(condition).order_by(Escalation.created_at)))


def _conversation_ids(session: Session, contact: str, escalations: list[Escalation]) -> list[str]:
    """The conversations behind the escalations, and every conversation an official's account owns."""
    ids = [e.conversation_id for e in escalations if e.conversation_id]
    if contact.startswith(OWNER_PREFIX):
        ids += session.scalars(select(Conversation.id).where(Conversation.owner_key == contact))
    return list(dict.fromkeys(ids))


def _delete_conversations(session: Session, ids: list[str]) -> None:
    if not ids:
        return
    session.execute(delete(Feedback).where(Feedback.conversation_id.in_(ids)))
    session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    session.execute(delete(Conversation).where(Conversation.id.in_(ids)))


def _escalation_dict(record: Escalation) -> dict[str, Any]:
    return {"id": record.id, "status": record.status, "question": record.question, "details": record.details,
            "contact": record.contact, "municipality": record.municipality, "country": record.country,
            "answer": record.answer, "created_at": iso_utc(record.created_at),
            "conversation_id": record.conversation_id}


def _conversation_dict(session: Session, conversation: Conversation) -> dict[str, Any]:
    feedback = session.scalars(select(Feedback).where(Feedback.conversation_id == conversation.id)).all()
    return {"id": conversation.id, "channel": conversation.channel, "created_at": iso_utc(conversation.created_at),
            "messages": [{"role": m.role, "content": m.content, "created_at": iso_utc(m.created_at)}
                         for m in conversation.messages],
            "feedback": [{"message_id": f.message_id, "rating": f.rating, "comment": f.comment} for f in feedback]}
