"""The experts channel in Slack: escalations posted with Claim and Answer, and the answer modal.

`SlackExpertNotifier` is what the notifications module calls (`notify_new`, `update_status`); it posts each
escalation once and remembers the message, so later status changes edit the same card.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from assistant.channels import slack_blocks as blocks
from assistant.channels.records import ChannelRecords, receipt_key
from assistant.errors import DeliveryError, HelpdeskError
from assistant.services.expert_queue import AnswerForm, ExpertQueue
from assistant.services.experts import ExpertIdentity, ExpertService

log = logging.getLogger(__name__)

CHANNEL = "slack"
NOT_LINKED = ("Your Slack account is not linked to an expert account. "
              "Ask an admin to set your Slack user id on your expert account.")


class SlackExpertNotifier:
    """Posts escalations to the configured experts channel and keeps their status up to date."""

    def __init__(self, client: WebClient, experts_channel: str | None, records: ChannelRecords) -> None:
        self._client = client
        self._channel = experts_channel
        self._records = records

    @property
    def enabled(self) -> bool:
        """An experts channel is configured."""
        return bool(self._channel)

    def notify_new(self, escalation: dict[str, Any]) -> str | None:
        """Post a new escalation (once) with Claim and Answer buttons; returns the message timestamp."""
        if not self._channel or not escalation.get("id"):
            return None
        key = _card_key(str(escalation["id"]))
        posted = self._records.recall(key)
        if posted and posted.get("ts"):
            return str(posted["ts"])
        snapshot = _snapshot(escalation)
        status = str(escalation.get("status") or "open")
        text = f"New escalation {snapshot['id']}: {blocks.escape(snapshot['question'][:200])}"
        try:
            response = self._client.chat_postMessage(channel=self._channel, text=text, unfurl_links=False,
                                                     blocks=blocks.escalation_blocks(snapshot, status))
        except (SlackClientError, OSError) as exc:
            raise DeliveryError(f"slack: experts channel post failed: {slack_error(exc)}") from exc
        ts = str(response["ts"])
        self._records.remember(key, CHANNEL, {"channel": response.get("channel") or self._channel, "ts": ts,
                                              "escalation": snapshot})
        return ts

    def update_status(self, escalation_id: str, status: str, message_ts: str | None = None,
                      by: str | None = None) -> bool:
        """Show the escalation's new status on its card (buttons removed once answered); False if never posted."""
        posted = self._records.recall(_card_key(escalation_id)) or {}
        ts = message_ts or posted.get("ts")
        channel = posted.get("channel") or self._channel
        if not ts or not channel:
            return False
        snapshot = posted.get("escalation") or {"id": escalation_id}
        try:
            self._client.chat_update(channel=channel, ts=ts, text=f"Escalation {escalation_id}: {status}",
                                     blocks=blocks.escalation_blocks(snapshot, status, by))
        except (SlackClientError, OSError) as exc:
            raise DeliveryError(f"slack: experts card update failed: {slack_error(exc)}") from exc
        return True

    def question_of(self, escalation_id: str) -> str:
        """The question on a posted card (for the answer modal)."""
        posted = self._records.recall(_card_key(escalation_id)) or {}
        return str((posted.get("escalation") or {}).get("question", ""))


class SlackExpertActions:
    """Claim and Answer buttons and the answer modal, for experts whose Slack account is linked."""

    def __init__(self, queue: ExpertQueue, experts: ExpertService, notifier: SlackExpertNotifier,
                 records: ChannelRecords) -> None:
        self._queue = queue
        self._experts = experts
        self._notifier = notifier
        self._records = records

    def on_claim(self, body: dict[str, Any], client: WebClient) -> None:
        """The expert takes the escalation; the card shows who has it."""
        escalation_id, user = _action_value(body), _user(body)
        expert = self._expert(user)
        if expert is None:
            _tell(client, body, user, NOT_LINKED)
            return
        try:
            self._queue.claim(escalation_id, expert)
        except HelpdeskError as exc:
            _tell(client, body, user, f"Cannot claim {escalation_id}: {exc}")
            return
        self._update(escalation_id, "claimed", (body.get("container") or {}).get("message_ts"), expert.name)

    def open_answer_modal(self, body: dict[str, Any], client: WebClient) -> None:
        """Open the modal (must happen within three seconds of the click: the trigger expires)."""
        escalation_id, user = _action_value(body), _user(body)
        if self._expert(user) is None:
            _tell(client, body, user, NOT_LINKED)
            return
        question = self._notifier.question_of(escalation_id) or self._records.escalation_question(escalation_id)
        container = body.get("container") or {}
        metadata = {"e": escalation_id, "ts": container.get("message_ts")}
        view = blocks.answer_modal(escalation_id, question, metadata)
        try:
            client.views_open(trigger_id=body.get("trigger_id"), view=view)
        except SlackApiError as exc:
            log.warning("slack: cannot open the answer modal: %s", exc.response.get("error"))

    def submit_answer(self, view: dict[str, Any], user: str) -> dict[str, str] | None:
        """Store the expert's answer (the outbox delivers it to the official); errors to show in the modal."""
        escalation_id = str(_metadata(view).get("e", ""))
        state = view.get("state", {}).get("values", {})
        text = str(state.get(blocks.ANSWER_BLOCK, {}).get(blocks.ANSWER_INPUT, {}).get("value") or "").strip()
        publish = bool(state.get(blocks.PUBLISH_BLOCK, {}).get(blocks.PUBLISH_INPUT, {}).get("selected_options"))
        if not text:
            return {blocks.ANSWER_BLOCK: "Write an answer before sending."}
        expert = self._expert(user)
        if expert is None:
            return {blocks.ANSWER_BLOCK: NOT_LINKED}
        try:
            self._queue.answer(escalation_id, expert, AnswerForm(text=text, publish=publish))
        except HelpdeskError as exc:
            return {blocks.ANSWER_BLOCK: str(exc)[:300]}
        return None

    def after_answer(self, view: dict[str, Any], user: str) -> None:
        """Mark the card answered (after the modal was acknowledged)."""
        metadata = _metadata(view)
        expert = self._expert(user)
        self._update(str(metadata.get("e", "")), "answered", metadata.get("ts"), expert.name if expert else None)

    def _expert(self, slack_user: str) -> ExpertIdentity | None:
        record = self._records.expert_for_slack_user(slack_user) if slack_user else None
        return self._experts.get(record.id) if record is not None else None

    def _update(self, escalation_id: str, status: str, message_ts: str | None, by: str | None) -> None:
        if not escalation_id:
            return
        try:
            self._notifier.update_status(escalation_id, status, message_ts, by=by)
        except DeliveryError as exc:
            log.warning("%s", exc)


def slack_error(exc: Exception) -> str:
    """Slack's error code (e.g. channel_not_found), or the transport error."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return f"{type(exc).__name__}: {exc}"


def _card_key(escalation_id: str) -> str:
    return receipt_key(CHANNEL, "experts-card", escalation_id)


def _snapshot(escalation: dict[str, Any]) -> dict[str, Any]:
    """What the card shows, kept so that status updates can redraw it."""
    keys = ("id", "question", "reason", "language", "channel", "due_at", "municipality", "country")
    snapshot = {k: escalation.get(k) for k in keys if escalation.get(k) is not None}
    snapshot["question"] = str(snapshot.get("question", ""))[:blocks.QUESTION_PREVIEW + 1]
    due = snapshot.get("due_at")
    if isinstance(due, str):
        with contextlib.suppress(ValueError):  # not ISO: shown as given
            due = dt.datetime.fromisoformat(due)
    if isinstance(due, dt.datetime):
        snapshot["due_at"] = due.strftime("%Y-%m-%d %H:%M UTC")
    return {k: v if isinstance(v, (str, int, float)) else str(v) for k, v in snapshot.items()}


def _action_value(body: dict[str, Any]) -> str:
    try:
        return str(body["actions"][0]["value"])[:32]
    except (KeyError, IndexError, TypeError):
        return ""


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _tell(client: WebClient, body: dict[str, Any], user: str, text: str) -> None:
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    if not channel or not user:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.info("slack: ephemeral message failed: %s", exc.response.get("error"))
