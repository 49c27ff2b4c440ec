"""Request and response bodies of the chat API, as the OpenAPI document at /docs shows them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A guard against huge bodies; the configured limit (settings.max_question_chars) is enforced by the assistant.
MESSAGE_HARD_LIMIT = 20_000
_ID_PATTERN = r"^[A-Za-z0-9_-]+$"


class ChatRequest(BaseModel):
    """A question from the official, optionally continuing a conversation."""

    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=MESSAGE_HARD_LIMIT, description="The question, in any language.")
    conversation_id: str | None = Field(None, min_length=1, max_length=64, pattern=_ID_PATTERN,
                                        description="Id returned by an earlier answer; omit to start a conversation.")
    language: str | None = Field(None, pattern=r"^[a-z]{2}$",
                                 description="Answer language (ISO 639-1); default: the question's language.")

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value


class CitationOut(BaseModel):
    """A numbered source of an answer."""

    n: int
    document_id: str
    title: str
    section: str
    page: int | None
    snippet: str
    score: float
    url: str = Field(description="Source viewer at the cited section or PDF page.")


class EscalationOut(BaseModel):
    """The expert request an answer created: its reference and when to expect the expert's answer."""

    id: str = Field(description="Reference, e.g. ESC-7Q2K9D.")
    status: str
    due_at: str = Field(description="ISO 8601 time by which an expert should answer.")
    created: bool | None = Field(None, description="False when the same request had already been made.")


class ChatReply(BaseModel):
    """The response object of `helpdesk ask --json`, plus the escalation details when there is one."""

    answer: str
    outcome: Literal["answered", "escalated", "declined"]
    confidence: float
    language: str
    citations: list[CitationOut]
    conversation_id: str
    escalation_id: str | None = None
    message_id: int | None = None
    reason: str = ""
    period: str | None = None
    held_for_review: bool = False
    escalation: EscalationOut | None = None


class FeedbackRequest(BaseModel):
    """Thumbs up or down on one answer, with an optional comment."""

    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=1, max_length=64, pattern=_ID_PATTERN)
    message_id: int = Field(ge=1, le=2**31 - 1, description="message_id of the answer being rated.")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    """The feedback as stored."""

    id: int
    conversation_id: str
    message_id: int
    rating: Literal["up", "down"]
    comment: str | None
    updated: bool = Field(description="True when an earlier rating of the same answer was replaced.")


class ExpertRequest(BaseModel):
    """The official asks a human expert about an answer of their conversation."""

    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=1, max_length=64, pattern=_ID_PATTERN)
    message_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                   description="The answer the request is about (default: the last).")
    note: str | None = Field(None, max_length=2000, description="What the expert should know.")
    contact: str | None = Field(None, max_length=255, description="E-mail address or phone number.")
    municipality: str | None = Field(None, max_length=255)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166 country code, e.g. DE.")

    @field_validator("note", "contact", "municipality")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class ConversationSummary(BaseModel):
    """One of the caller's conversations, for a list to pick from."""

    conversation_id: str
    title: str = Field(description="The first question, shortened to 120 characters.")
    messages: int
    created_at: str
    updated_at: str = Field(description="When its latest message was written.")


class ConversationOut(BaseModel):
    """A conversation with every message, expert answers that arrived later included."""

    conversation_id: str
    channel: str
    created_at: str
    messages: list[dict[str, object]]
    escalations: list[dict[str, object]] = Field(description="Every escalation of the conversation.")
    awaiting_expert: bool = Field(description="True while an escalation of this conversation awaits its answer.")
