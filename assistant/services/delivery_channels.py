"""The delivery channels the helpdesk brings itself: web conversation, e-mail, webhook and the knowledge index.

Slack and Teams channels live with their adapters and are registered by name next to these.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from email.message import EmailMessage

import httpx
from sqlalchemy import select

from assistant.config import NotifySettings
from assistant.errors import DeliveryError, HelpdeskError
from assistant.services.conversations import ConversationService
from assistant.services.delivery import DeliveryChannel, OutboxItem
from assistant.services.publishing import PublishingService
from assistant.store.db import Database
from assistant.store.models import Conversation, Message


class WebDelivery:
    """Writes an expert's answer into the official's conversation, where the chat page shows it."""

    name = "web"

    def __init__(self, db: Database, conversations: ConversationService) -> None:
        self._db = db
        self._conversations = conversations

    def deliver(self, item: OutboxItem) -> None:
        conversation_id = item.address.get("conversation_id") or item.payload.get("conversation_id")
        text = str(item.payload.get("text") or "")
        escalation_id = item.escalation_id or str(item.payload.get("escalation_id") or "")
        if not conversation_id or not text:
            raise DeliveryError(f"outbox item {item.id} has no conversation or no text")
        with self._db.session() as session:
            if session.get(Conversation, conversation_id) is None:
                return  # the official erased the conversation: there is no one left to tell
            already = session.scalar(select(Message.id).where(
                Message.conversation_id == conversation_id, Message.role == "expert",
                Message.escalation_id == escalation_id, Message.content == text))
        if already is None:  # a retry after a crash must not show the answer twice
            self._conversations.record_expert_answer(conversation_id, text, escalation_id)


class EmailDelivery:
    """Sends notifications by e-mail over SMTP (STARTTLS and login when configured)."""

    name = "email"

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings

    def deliver(self, item: OutboxItem) -> None:
        recipients = [str(r) for r in item.address.get("to", []) if r]
        if not recipients:
            raise DeliveryError(f"outbox item {item.id} has no e-mail recipient")
        if not self._settings.smtp_host:
            raise DeliveryError("SMTP is not configured (HELPDESK_NOTIFY__SMTP_HOST)")
        email = EmailMessage()
        email["From"] = self._settings.smtp_from
        email["To"] = ", ".join(recipients)
        email["Subject"] = str(item.payload.get("subject") or "Procurement helpdesk")
        email.set_content(str(item.payload.get("text") or ""))
        try:
            with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port,
                              timeout=self._settings.smtp_timeout_s) as smtp:
                if self._settings.smtp_starttls:
                    smtp.starttls()
                if self._settings.smtp_username and self._settings.smtp_password:
                    smtp.login(self._settings.smtp_username, self._settings.smtp_password.get_secret_value())
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self._settings.smtp_host}:{self._settings.smtp_port}: {exc}") from exc


class WebhookDelivery:
    """POSTs events as JSON to the generic webhook, signed with HMAC-SHA256 when a secret is set."""

    name = "webhook"

    def __init__(self, settings: NotifySettings, client: httpx.Client | None = None) -> None:
        self._settings = settings
        self._client = client  # tests may inject one; otherwise a short-lived client per delivery

    def deliver(self, item: OutboxItem) -> None:
        url = str(item.address.get("url") or self._settings.webhook_url or "")
        if not url:
            raise DeliveryError("no webhook URL is configured (HELPDESK_NOTIFY__WEBHOOK_URL)")
        body = json.dumps({"id": item.id, "kind": item.kind, **item.payload}, ensure_ascii=False,
                          default=str).encode()
        headers = {"Content-Type": "application/json", "X-Helpdesk-Delivery": str(item.id)}
        if self._settings.webhook_secret is not None:
            key = self._settings.webhook_secret.get_secret_value().encode()
            headers["X-Helpdesk-Signature"] = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        try:
            if self._client is not None:
                response = self._client.post(url, content=body, headers=headers)
            else:
                with httpx.Client(timeout=self._settings.webhook_timeout_s) as client:
                    response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {url}: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"webhook {url} answered {response.status_code}")


class KnowledgeDelivery:
    """Publishes or unpublishes an expert answer in the knowledge index (retried while the index is down)."""

    name = "knowledge"

    def __init__(self, publishing: PublishingService) -> None:
        self._publishing = publishing

    def deliver(self, item: OutboxItem) -> None:
        escalation_id = item.escalation_id or str(item.payload.get("escalation_id") or "")
        try:
            self._publishing.sync(escalation_id)
        except HelpdeskError as exc:
            raise DeliveryError(f"knowledge index: {exc}") from exc


def builtin_channels(db: Database, conversations: ConversationService, notify: NotifySettings,
                     publishing: PublishingService) -> dict[str, DeliveryChannel]:
    """The channels every helpdesk has, by name."""
    channels: list[DeliveryChannel] = [WebDelivery(db, conversations), EmailDelivery(notify),
                                       WebhookDelivery(notify), KnowledgeDelivery(publishing)]
    return {channel.name: channel for channel in channels}
