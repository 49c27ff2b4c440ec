"""Announcements to experts (new escalation, reminder, overdue, review due, new details), written to the outbox.

Each event becomes one outbox message per configured channel: e-mail over SMTP (to the matching experts and
`notify.smtp_to`), the Slack experts channel, and the generic webhook. They are added to the caller's session, so
an announcement exists exactly when the change it announces was committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.services.delivery import enqueue
from assistant.store.models import Escalation, Expert

_SUBJECTS = {
    "escalation.created": "New question for the experts",
    "escalation.reminder": "Reminder: answer due soon",
    "escalation.overdue": "Overdue: answer time passed",
    "escalation.details_added": "The official added details",
    "expert_answer.review_due": "Published expert answer needs re-review",
    "escalation.claimed": "Claimed",
    "escalation.answered": "Answered",
    "escalation.closed": "Closed",
    "escalation.reopened": "Reopened",
}
STATUS_EVENT_CHANNELS = ("slack", "webhook")  # status changes update the Slack card and inform integrations


def console_url(settings: Settings, escalation_id: str) -> str:
    """Link to the escalation's page in the expert console."""
    return f"{settings.public_base_url.rstrip('/')}/console/escalations/{escalation_id}"


def escalation_summary(record: Escalation) -> dict[str, Any]:
    """The facts about an escalation that travel with every notification (webhook JSON)."""
    return {"id": record.id, "kind": record.kind, "reason": record.reason, "question": record.question,
            "language": record.language, "channel": record.channel, "country": record.country,
            "municipality": record.municipality, "priority": record.priority, "status": record.status,
            "due_at": record.due_at.isoformat() if record.due_at else None, "topics": list(record.topics or []),
            "linked_to": record.linked_to}


class Notifier:
    """Turns escalation events into outbox messages for the channels that are configured."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def channels(self) -> list[str]:
        """Channels notifications go to with the current settings."""
        notify, slack = self._settings.notify, self._settings.slack
        names = []
        if notify.smtp_host:
            names.append("email")
        if slack.bot_token and slack.experts_channel:
            names.append("slack")
        if notify.webhook_url:
            names.append("webhook")
        return names

    def escalation_created(self, session: Session, record: Escalation, offered: Sequence[Expert]) -> None:
        """A new question: offered first to the matching experts, announced to everyone configured."""
        names = ", ".join(e.name for e in offered) or "everyone"
        mentions = " ".join(f"<@{e.slack_user_id}>" for e in offered if e.slack_user_id)
        text = (f"{record.id} ({record.language}, {record.channel}, due {_when(record)}): {_short(record.question)}\n"
                f"Offered first to: {names}. {mentions}".rstrip())
        self._announce(session, "escalation.created", record, text, [e.email for e in offered])

    def reminder(self, session: Session, record: Escalation, recipients: Sequence[str]) -> None:
        """The answer is due soon."""
        text = f"{record.id} is due {_when(record)} and has no answer yet: {_short(record.question)}"
        self._announce(session, "escalation.reminder", record, text, recipients)

    def overdue(self, session: Session, record: Escalation, recipients: Sequence[str]) -> None:
        """The answer time has passed."""
        text = f"{record.id} is overdue (was due {_when(record)}): {_short(record.question)}"
        self._announce(session, "escalation.overdue", record, text, recipients)

    def details_added(self, session: Session, record: Escalation, recipients: Sequence[str]) -> None:
        """The official added information to an open escalation."""
        latest = record.details[-1]["text"] if record.details else ""
        text = f"{record.id}: the official added details: {_short(latest)}"
        self._announce(session, "escalation.details_added", record, text, recipients)

    def review_due(self, session: Session, record: Escalation, recipients: Sequence[str]) -> None:
        """A published expert answer passed its review-by date and is no longer used by the assistant."""
        text = (f"The published answer of {record.id} passed its review-by date ({record.review_by}) and is no longer "
                f"used. Please review it: {_short(record.question)}")
        self._announce(session, "expert_answer.review_due", record, text, recipients)

    def status_changed(self, session: Session, record: Escalation, event: str, expert: str) -> None:
        """An expert claimed, answered, closed or reopened an escalation (no e-mail for these)."""
        text = f"{record.id} {event.split('.')[-1]} by {expert}: {_short(record.question)}"
        self._announce(session, event, record, text, [], only=STATUS_EVENT_CHANNELS, expert=expert)

    def _announce(self, session: Session, event: str, record: Escalation, text: str, recipients: Sequence[str],
                  only: Sequence[str] | None = None, expert: str | None = None) -> None:
        url = console_url(self._settings, record.id)
        payload = {"event": event, "subject": f"[{record.id}] {_SUBJECTS[event]}", "text": f"{text}\n{url}",
                   "escalation_id": record.id, "url": url, "escalation": escalation_summary(record)}
        if expert:
            payload["expert"] = expert
        for channel in self.channels:
            if only is not None and channel not in only:
                continue
            address = self._address(channel, recipients)
            if address is not None:
                enqueue(session, kind="notification", channel=channel, address=address, payload=payload,
                        escalation_id=record.id)

    def _address(self, channel: str, recipients: Sequence[str]) -> dict[str, Any] | None:
        if channel == "email":
            to = sorted(set(recipients) | set(self._settings.notify.smtp_to))
            return {"to": to} if to else None
        if channel == "slack":
            return {"channel": self._settings.slack.experts_channel}
        return {"url": self._settings.notify.webhook_url}


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(record: Escalation) -> str:
    return record.due_at.strftime("%Y-%m-%d %H:%M UTC") if record.due_at else "?"
