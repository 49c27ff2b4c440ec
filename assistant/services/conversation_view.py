"""A conversation as its owner sees it: every message, its escalations, and whether an expert answer is awaited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from assistant.errors import NotFoundError
from assistant.services.conversations import ConversationService
from assistant.store.db import Database
from assistant.store.models import Escalation


def conversation_view(conversations: ConversationService, db: Database, conversation_id: str,
                      owner_key: str | None) -> dict[str, Any]:
    """The owner's conversation (NotFoundError for anyone else) with escalation references and due times."""
    data = conversations.read(conversation_id, owner_key)
    with db.session() as session:
        rows = session.scalars(select(Escalation).where(Escalation.conversation_id == conversation_id)
                               .order_by(Escalation.created_at)).all()
        escalations: dict[str, dict[str, Any]] = {
            e.id: {"id": e.id, "status": e.status, "due_at": iso_utc(e.due_at), "kind": e.kind} for e in rows}
    answered = {m["escalation_id"] for m in data["messages"] if m["role"] == "expert" and m["escalation_id"]}
    for message in data["messages"]:
        if message["role"] != "expert" and message.get("escalation_id") in escalations:
            message["escalation"] = public_escalation(escalations[message["escalation_id"]])
    for escalation in escalations.values():
        escalation["answered"] = escalation["id"] in answered
    data["escalations"] = list(escalations.values())
    # Awaited until the expert's answer is in the conversation (it may still be on its way through the outbox),
    # unless the experts closed the escalation without one.
    data["awaiting_expert"] = any(not e["answered"] and e["status"] != "closed" for e in escalations.values())
    return data


def escalation_summary(db: Database, escalation_id: str) -> dict[str, Any]:
    """Reference, status and due time of one escalation."""
    with db.session() as session:
        record = session.get(Escalation, escalation_id)
        if record is None:
            raise NotFoundError(f"no escalation '{escalation_id}'")
        return {"id": record.id, "status": record.status, "due_at": iso_utc(record.due_at)}


def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 with its UTC offset (SQLite hands back naive datetimes that were stored as UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).isoformat()


def public_escalation(escalation: dict[str, Any]) -> dict[str, Any]:
    """What the official is told about an escalation: reference, status and due time."""
    return {"id": escalation["id"], "status": escalation["status"], "due_at": escalation["due_at"]}
