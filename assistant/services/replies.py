"""What the assistant returns on every channel: the reply, its citations and its outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["answered", "escalated", "declined"]


@dataclass
class Citation:
    """A numbered source of an answer: the exact document, section and page."""

    n: int
    document_id: str
    title: str
    section: str
    page: int | None
    snippet: str
    score: float
    url: str


@dataclass
class ChannelAddress:
    """Where a conversation lives, so answers that come later reach the same place."""

    channel: str = "web"  # web | slack | teams | cli
    owner_key: str | None = None  # browser session, Slack user or Teams user: who may read it
    reply: dict[str, Any] = field(default_factory=dict)  # e.g. {"channel": "C1", "thread_ts": "..."}


@dataclass
class AssistantReply:
    """The response object of `helpdesk ask --json`, `POST /api/chat`, Slack and Teams."""

    answer: str
    outcome: Outcome
    confidence: float
    language: str
    citations: list[Citation]
    conversation_id: str
    escalation_id: str | None = None
    message_id: int | None = None
    reason: str = ""
    period: str | None = None
    held_for_review: bool = False

    def public(self) -> dict[str, Any]:
        """The documented JSON object (extra fields included for clients that want them)."""
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        return data
