"""Delivery of outbox messages to their channel (web, Slack, Teams, e-mail, webhook)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class OutboxItem:
    """One message waiting in the outbox, as a delivery channel sees it."""

    id: int
    kind: str  # expert_answer | notification | escalation_update
    channel: str  # web | slack | teams | email | webhook
    address: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    escalation_id: str | None = None
    attempts: int = 0


class DeliveryChannel(Protocol):
    """Sends outbox items of one channel; raises DeliveryError when the channel is down (retried later)."""

    name: str

    def deliver(self, item: OutboxItem) -> None:
        """Deliver one item or raise DeliveryError."""
