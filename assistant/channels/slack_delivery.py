"""Outbox delivery to Slack: experts' answers into the official's thread, announcements to the experts channel."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.channels import slack_blocks as blocks
from assistant.channels.records import ChannelRecords, receipt_key
from assistant.channels.slack_experts import SlackExpertNotifier, slack_error
from assistant.errors import DeliveryError
from assistant.services.delivery import OutboxItem
from assistant.services.language import message

log = logging.getLogger(__name__)

STATUS_EVENTS = {"escalation.claimed": "claimed", "escalation.answered": "answered", "escalation.closed": "closed",
                 "escalation.reopened": "reopened"}


class SlackDelivery:
    """The `slack` delivery channel of the outbox worker."""

    name = "slack"

    def __init__(self, client: WebClient, notifier: SlackExpertNotifier, records: ChannelRecords) -> None:
        self._client = client
        self._notifier = notifier
        self._records = records

    def deliver(self, item: OutboxItem) -> None:
        """Post the item, or raise DeliveryError (the worker retries later)."""
        if item.kind == "notification":
            self._announce(item)
        else:
            self._post_answer(item)

    def _post_answer(self, item: OutboxItem) -> None:
        channel, thread_ts = item.address.get("channel"), item.address.get("thread_ts")
        text = str(item.payload.get("text") or "").strip()
        if not channel or not text:
            raise DeliveryError(f"outbox item {item.id}: no Slack channel or no text to post")
        key = receipt_key("slack", "outbox", str(item.id))
        if self._records.recall(key) is not None:
            return  # posted before; only recording 'sent' had failed
        heading = str(item.payload.get("heading") or message("expert_answer", str(item.payload.get("language", "en"))))
        for part in blocks.expert_answer_messages(text, heading, item.escalation_id):
            self._post(channel=channel, thread_ts=thread_ts, text=part.text, blocks=part.blocks)
        self._records.remember(key, "slack", {"channel": channel, "thread_ts": thread_ts})
        if item.escalation_id:
            self._mark_card(item.escalation_id, "answered", item.payload.get("expert"))

    def _announce(self, item: OutboxItem) -> None:
        event = str(item.payload.get("event", ""))
        escalation = dict(item.payload.get("escalation") or {})
        escalation.setdefault("id", item.escalation_id)
        if event == "escalation.created" and self._notifier.enabled and escalation.get("id"):
            self._notifier.notify_new(escalation)
            return
        if event in STATUS_EVENTS and escalation.get("id"):
            self._mark_card(str(escalation["id"]), STATUS_EVENTS[event], item.payload.get("expert"))
            return
        channel = item.address.get("channel")
        if not channel:
            raise DeliveryError(f"outbox item {item.id}: no Slack channel to announce in")
        card = self._records.recall(receipt_key("slack", "experts-card", str(escalation.get("id", "")))) or {}
        thread_ts = card.get("ts") if card.get("channel") == channel else None
        text = blocks.escape(str(item.payload.get("text") or item.payload.get("subject") or event))
        self._post(channel=channel, thread_ts=thread_ts, text=text[:blocks.FALLBACK_LIMIT])

    def _mark_card(self, escalation_id: str, status: str, by: object) -> None:
        try:
            self._notifier.update_status(escalation_id, status, by=str(by) if by else None)
        except DeliveryError as exc:  # the official got the answer; a stale card is not worth a re-post
            log.warning("%s", exc)

    def _post(self, **kwargs: Any) -> None:
        try:
            self._client.chat_postMessage(unfurl_links=False, **kwargs)
        except (SlackClientError, OSError) as exc:
            raise DeliveryError(f"slack chat.postMessage failed: {slack_error(exc)}") from exc
