"""SQLAlchemy models: conversations, messages, escalations, experts, feedback, delivery outbox, audit log."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    """Timezone-aware current time in UTC."""
    return dt.datetime.now(dt.UTC)


def new_token(prefix: str = "", nbytes: int = 18) -> str:
    """Unguessable identifier."""
    return prefix + secrets.token_urlsafe(nbytes)


class Base(DeclarativeBase):
    """Declarative base with timezone-aware timestamps and JSON columns."""

    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class Conversation(Base):
    """A thread of questions and answers in one channel."""

    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=lambda: new_token("c_"))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    owner_key: Mapped[str | None] = mapped_column(String(128), index=True)
    reply_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(Base):
    """One turn: the official's question, the assistant's answer or an expert's answer."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # user | assistant | expert | system
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(8))
    citations: Mapped[list[Any]] = mapped_column(default=list)
    escalation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    held_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Expert(Base):
    """A procurement expert or admin who works the escalation queue."""

    __tablename__ = "experts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="expert")  # expert | admin
    topics: Mapped[list[Any]] = mapped_column(default=list)
    countries: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Escalation(Base):
    """A question handed to human experts, with everything they need to answer it."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status_due", "status", "due_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default="question")  # question | review
    reason: Mapped[str] = mapped_column(String(64), default="low_confidence")
    question: Mapped[str] = mapped_column(Text)
    details: Mapped[list[Any]] = mapped_column(default=list)
    transcript: Mapped[list[Any]] = mapped_column(default=list)
    passages: Mapped[list[Any]] = mapped_column(default=list)
    draft_answer: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    reply_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    contact: Mapped[str | None] = mapped_column(String(255))
    municipality: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(8))
    topics: Mapped[list[Any]] = mapped_column(default=list)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id", ondelete="SET NULL"))
    offered_to: Mapped[list[Any]] = mapped_column(default=list)
    linked_to: Mapped[str | None] = mapped_column(String(32), index=True)
    embedding: Mapped[list[Any] | None] = mapped_column(JSON)
    answer: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    published_chunk_id: Mapped[str | None] = mapped_column(String(128))
    review_by: Mapped[dt.date | None] = mapped_column()
    linked_sources: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    review_flagged_at: Mapped[dt.datetime | None] = mapped_column()
    due_at: Mapped[dt.datetime] = mapped_column()
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column()
    overdue_flagged_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    assignee: Mapped[Expert | None] = relationship()


class Feedback(Base):
    """Thumbs up or down on an answer, with an optional comment."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)  # +1 | -1
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to deliver to a channel, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # expert_answer | notification | escalation_update
    channel: Mapped[str] = mapped_column(String(16))  # web | slack | teams | email | webhook
    address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    escalation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who did what, for expert and admin actions."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ChannelReceipt(Base):
    """A Slack or Teams event already handled, or a message already posted: retries never act twice."""

    __tablename__ = "channel_receipts"
    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # slack | teams
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
