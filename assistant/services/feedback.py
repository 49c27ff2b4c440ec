"""Thumbs up or down on an answer, by the official who owns the conversation; a second vote replaces the first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from assistant.errors import NotFoundError
from assistant.store.db import Database
from assistant.store.models import Conversation, Feedback, Message, utcnow

RATED_ROLES = ("assistant", "expert")


@dataclass
class FeedbackRecord:
    """The feedback stored for one answer."""

    id: int
    conversation_id: str
    message_id: int
    rating: int  # +1 | -1
    comment: str | None
    updated: bool


class FeedbackService:
    """Records and summarises feedback on answers."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, conversation_id: str, message_id: int, rating: int, comment: str | None,
               owner_key: str | None) -> FeedbackRecord:
        """Store the rating of an answer in the caller's conversation (replacing an earlier one)."""
        if rating not in (1, -1):
            raise ValueError("rating must be +1 or -1")
        comment = (comment or "").strip() or None
        with self._db.session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.owner_key not in (None, owner_key):
                raise NotFoundError(f"no conversation '{conversation_id}'")
            message = session.get(Message, message_id)
            if message is None or message.conversation_id != conversation_id or message.role not in RATED_ROLES:
                raise NotFoundError(f"no answer {message_id} in conversation '{conversation_id}'")
            existing = session.scalars(select(Feedback).where(Feedback.message_id == message_id)).first()
            if existing is not None:
                existing.rating, existing.comment, existing.created_at = rating, comment, utcnow()
                record = existing
            else:
                record = Feedback(conversation_id=conversation_id, message_id=message_id, rating=rating,
                                  comment=comment)
                session.add(record)
            session.flush()
            return FeedbackRecord(record.id, conversation_id, message_id, rating, comment, existing is not None)

    def totals(self) -> dict[str, int]:
        """How many answers were rated helpful and not helpful."""
        with self._db.session() as session:
            rows = session.execute(select(Feedback.rating, func.count()).group_by(Feedback.rating)).all()
        counts = {int(rating): int(count) for rating, count in rows}
        return {"up": counts.get(1, 0), "down": counts.get(-1, 0)}
