"""Conversations and their messages: who owns them, what was asked, what was answered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from assistant.errors import NotFoundError
from assistant.services.replies import AssistantReply, ChannelAddress
from assistant.store.db import Database
from assistant.store.models import Conversation, Message


@dataclass
class Turn:
    """One message of a conversation, as the assistant sees its history."""

    role: str
    content: str


class ConversationService:
    """Creates conversations bound to their owner and records every turn."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def open(self, address: ChannelAddress, conversation_id: str | None = None, language: str | None = None) -> str:
        """Return the caller's conversation, or start one; someone else's id is reported as not found."""
        with self._db.session() as session:
            if conversation_id:
                conversation = session.get(Conversation, conversation_id)
                if conversation is None or not _owned(conversation, address.owner_key):
                    raise NotFoundError(f"no conversation '{conversation_id}'")
                return conversation.id
            conversation = Conversation(channel=address.channel, owner_key=address.owner_key,
                                        reply_address=address.reply, language=language)
            session.add(conversation)
            session.flush()
            return conversation.id

    def history(self, conversation_id: str, limit: int = 12) -> list[Turn]:
        """The latest turns, oldest first."""
        with self._db.session() as session:
            rows = session.scalars(
                select(Message).where(Message.conversation_id == conversation_id)
                .order_by(Message.id.desc()).limit(limit)
            ).all()
            return [Turn(m.role, m.content) for m in reversed(rows)]

    def record_question(self, conversation_id: str, text: str, language: str | None) -> int:
        """Store the official's question."""
        return self._add(Message(conversation_id=conversation_id, role="user", content=text, language=language))

    def record_answer(self, conversation_id: str, reply: AssistantReply) -> int:
        """Store the assistant's answer with its citations and outcome."""
        citations = [c.__dict__ for c in reply.citations]
        return self._add(Message(
            conversation_id=conversation_id, role="assistant", content=reply.answer, outcome=reply.outcome,
            confidence=reply.confidence, language=reply.language, citations=citations,
            escalation_id=reply.escalation_id, held_for_review=reply.held_for_review,
        ))

    def record_expert_answer(self, conversation_id: str, text: str, escalation_id: str) -> int:
        """Store an expert's answer that arrived later."""
        return self._add(Message(conversation_id=conversation_id, role="expert", content=text,
                                 outcome="answered", escalation_id=escalation_id))

    def read(self, conversation_id: str, owner_key: str | None) -> dict[str, Any]:
        """The whole conversation for its owner."""
        with self._db.session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or not _owned(conversation, owner_key):
                raise NotFoundError(f"no conversation '{conversation_id}'")
            return {
                "conversation_id": conversation.id,
                "channel": conversation.channel,
                "created_at": conversation.created_at.isoformat(),
                "messages": [_message_dict(m) for m in conversation.messages],
            }

    def list_for(self, owner_key: str, channel: str = "web", limit: int = 50) -> list[dict[str, Any]]:
        """The owner's conversations in a channel, most recently active first, each titled by its first question."""
        with self._db.session() as session:
            rows = session.scalars(
                select(Conversation).where(Conversation.owner_key == owner_key, Conversation.channel == channel)
                .order_by(Conversation.created_at.desc()).limit(4 * limit)
            ).all()
            out: list[dict[str, Any]] = []
            for conversation in rows:
                messages = conversation.messages
                first = next((m for m in messages if m.role == "user"), None)
                active = max((m.created_at for m in messages), default=conversation.created_at)
                out.append({"conversation_id": conversation.id, "title": (first.content[:120] if first else ""),
                            "messages": len(messages), "created_at": conversation.created_at.isoformat(),
                            "updated_at": active.isoformat()})
            return sorted(out, key=lambda c: str(c["updated_at"]), reverse=True)[:limit]

    def delete(self, conversation_id: str, owner_key: str | None) -> None:
        """Erase a conversation and its messages."""
        with self._db.session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or not _owned(conversation, owner_key):
                raise NotFoundError(f"no conversation '{conversation_id}'")
            session.delete(conversation)

    def _add(self, message: Message) -> int:
        with self._db.session() as session:
            session.add(message)
            session.flush()
            return message.id


def _owned(conversation: Conversation, owner_key: str | None) -> bool:
    return conversation.owner_key is None or conversation.owner_key == owner_key


def _message_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "role": message.role, "content": message.content, "outcome": message.outcome,
        "confidence": message.confidence, "language": message.language, "citations": message.citations,
        "escalation_id": message.escalation_id, "held_for_review": message.held_for_review,
        "created_at": message.created_at.isoformat(),
    }
