"""The Slack delivery channel of the outbox: answers into threads, announcements in the experts channel."""

from __future__ import annotations

import pytest

from assistant.errors import DeliveryError
from assistant.services.delivery import OutboxItem
from tests.channels.conftest import EXPERTS_CHANNEL

ADDRESS = {"team": "T0001", "channel": "CGENERAL", "thread_ts": "1700000000.000100"}


def answer_item(text: str = "The answer.", item_id: int = 1) -> OutboxItem:
    return OutboxItem(id=item_id, kind="expert_answer", channel="slack", address=ADDRESS,
                      payload={"text": text, "heading": "Answer from a procurement expert", "language": "en",
                               "expert": "Eva"}, escalation_id="ESC-ABC234")


def notification(event: str, **payload: object) -> OutboxItem:
    escalation = {"id": "ESC-ABC234", "question": "May we extend?", "reason": "own_case", "status": "open",
                  "due_at": "2026-11-25T10:00:00+00:00"}
    return OutboxItem(id=9, kind="notification", channel="slack", address={"channel": EXPERTS_CHANNEL},
                      payload={"event": event, "text": f"{event} text", "escalation": escalation, **payload},
                      escalation_id="ESC-ABC234")


@pytest.fixture
def delivery(channel_helpdesk):  # type: ignore[no-untyped-def]
    return channel_helpdesk.extras["delivery_channels"]["slack"]


def test_expert_answer_is_posted_once_into_the_thread(delivery, slack_api):
    delivery.deliver(answer_item())
    delivery.deliver(answer_item())  # the worker retried after recording 'sent' failed

    (post,) = slack_api.posts()
    assert post["channel"] == "CGENERAL" and post["thread_ts"] == "1700000000.000100"
    assert post["blocks"][0]["text"]["text"] == "*Answer from a procurement expert* (ESC-ABC234)"


def test_long_expert_answer_is_split_across_messages(delivery, slack_api):
    delivery.deliver(answer_item("Paragraph of advice. " * 9000))

    posts = slack_api.posts()
    assert len(posts) >= 5 and all(p["thread_ts"] == "1700000000.000100" for p in posts)
    assert all(len(p["blocks"]) <= 50 for p in posts)


def test_slack_error_becomes_a_delivery_error_to_retry(delivery, slack_api):
    slack_api.failures["chat.postMessage"] = "channel_not_found"

    with pytest.raises(DeliveryError, match="channel_not_found"):
        delivery.deliver(answer_item(item_id=2))
    slack_api.failures.clear()
    delivery.deliver(answer_item(item_id=2))
    assert len(slack_api.posts()) == 2  # the failed try and the retry


def test_item_without_an_address_is_refused(delivery):
    with pytest.raises(DeliveryError, match="no Slack channel"):
        delivery.deliver(OutboxItem(id=3, kind="expert_answer", channel="slack", payload={"text": "x"}))


def test_new_escalation_card_then_reminder_in_its_thread_then_status(delivery, slack_api):
    delivery.deliver(notification("escalation.created"))
    delivery.deliver(notification("escalation.created"))  # posted once
    delivery.deliver(notification("escalation.reminder"))
    delivery.deliver(notification("escalation.answered", expert="Eva"))

    card, reminder = slack_api.posts()
    assert card["channel"] == EXPERTS_CHANNEL and card["blocks"][0]["text"]["text"] == "Escalation ESC-ABC234"
    assert {"type": "mrkdwn", "text": "*Due*\n2026-11-25 10:00 UTC"} in card["blocks"][2]["fields"]
    assert reminder["channel"] == EXPERTS_CHANNEL and reminder["thread_ts"] == "1700000100.000001"
    assert reminder["text"] == "escalation.reminder text"
    (update,) = slack_api.calls_to("chat.update")
    assert update["ts"] == "1700000100.000001" and update["blocks"][-1]["type"] == "context"
    assert "Answered* by Eva" in update["blocks"][-1]["elements"][0]["text"]


def test_notifier_reports_failures_as_delivery_errors(channel_helpdesk, slack_api):
    slack_api.failures["chat.postMessage"] = "not_in_channel"

    with pytest.raises(DeliveryError, match="not_in_channel"):
        channel_helpdesk.extras["slack_notifier"].notify_new({"id": "ESC-ABC234", "question": "q"})
    assert channel_helpdesk.extras["slack_notifier"].update_status("ESC-ZZZZZZ", "claimed") is False
