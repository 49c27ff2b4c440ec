"""What the chat channels remember: handled events, posted messages, thread conversations, expert identities."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assistant.errors import InvalidInputError, NotFoundError
from assistant.store.db import Database
from assistant.store.models import AuditEntry, ChannelReceipt, Conversation, Escalation, Expert

MAX_KEY = 191
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def receipt_key(*parts: str) -> str:
    """A receipt key from its parts; overly long keys are shortened to a stable hash."""
    key = ":".join(parts)
    if len(key) <= MAX_KEY:
        return key
    return f"{parts[0]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


class ChannelRecords:
    """Receipts that make retried and duplicated channel events harmless, and small look-ups the channels need."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def first_time(self, key: str, channel: str) -> bool:
        """Record the event `key`; False when it was handled before (a retry or a duplicate delivery)."""
        try:
            with self._db.session() as session:
                session.add(ChannelReceipt(key=key, channel=channel, data={}))
        except IntegrityError:
            return False
        return True

    def remember(self, key: str, channel: str, data: dict[str, Any]) -> None:
        """Store (or replace) what was posted under `key`, e.g. the experts-channel message of an escalation."""
        with self._db.session() as session:
            receipt = session.get(ChannelReceipt, key)
            if receipt is None:
                session.add(ChannelReceipt(key=key, channel=channel, data=dict(data)))
            else:
                receipt.data = dict(data)

    def recall(self, key: str) -> dict[str, Any] | None:
        """What was stored under `key`, if anything."""
        with self._db.session() as session:
            receipt = session.get(ChannelReceipt, key)
            return dict(receipt.data) if receipt is not None else None

    def conversation_for(self, channel: str, owner_key: str) -> str | None:
        """The conversation a chat thread maps to (its owner key is the thread's key), if one was started."""
        with self._db.session() as session:
            return session.scalars(
                select(Conversation.id).where(Conversation.channel == channel, Conversation.owner_key == owner_key)
                .order_by(Conversation.created_at.desc()).limit(1)
            ).first()

    def expert_for_slack_user(self, slack_user_id: str) -> Expert | None:
        """The active expert whose account is linked to this Slack user."""
        with self._db.session() as session:
            return session.scalars(
                select(Expert).where(Expert.slack_user_id == slack_user_id, Expert.active.is_(True))
            ).first()

    def escalation_question(self, escalation_id: str) -> str:
        """The question of an escalation ('' if there is none)."""
        with self._db.session() as session:
            record = session.get(Escalation, escalation_id)
            return record.question if record is not None else ""

    def link_slack_user(self, email: str, slack_user_id: str) -> str:
        """Link an expert account to a Slack user, so Claim and Answer in Slack act as that expert; returns the name."""
        if not SLACK_USER.match(slack_user_id):
            raise InvalidInputError(f"'{slack_user_id}' is not a Slack user id (like U012AB3CD)")
        with self._db.session() as session:
            expert = session.scalars(select(Expert).where(Expert.email == email.strip().lower())).first()
            if expert is None:
                raise NotFoundError(f"no expert '{email}'")
            expert.slack_user_id = slack_user_id
            session.add(AuditEntry(actor="cli", action="expert.link_slack", target=expert.email,
                                   details={"slack_user_id": slack_user_id}))
            return expert.name
