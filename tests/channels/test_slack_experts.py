"""Buttons under answers, the experts channel (Claim, Answer, modal) and delivery back into the official's thread."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from assistant.services.delivery import OutboxWorker
from assistant.store.models import Escalation, Expert, Feedback, OutboxMessage
from tests.channels.conftest import EXPERTS_CHANNEL, post_event, post_interaction
from tests.channels.standins import BOT_USER, TEAM

ROOT = "1700000000.000100"


def ask_in_thread(web, slack_api):  # type: ignore[no-untyped-def]
    """An official's mention, answered; returns the answer message's button value and ts."""
    post_event(web, {"type": "app_mention", "user": "UOFFICIAL", "ts": ROOT, "channel": "CGENERAL",
                     "text": f"<@{BOT_USER}> What is the EU threshold for services?"})
    answer = slack_api.posts()[-1]
    return answer["blocks"][-1]["elements"][0]["value"], "1700000100.000001"


def click(web, action_id: str, value: str, user: str = "UOFFICIAL", channel: str = "CGENERAL",
          message_ts: str = "1700000100.000001", thread_ts: str | None = ROOT):  # type: ignore[no-untyped-def]
    message = {"type": "message", "ts": message_ts, **({"thread_ts": thread_ts} if thread_ts else {})}
    return post_interaction(web, {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A1", "token": "x",
        "trigger_id": f"trigger-{action_id}", "channel": {"id": channel}, "message": message,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                     "action_ts": "1.1"}]})


def deliver(helpdesk) -> None:  # type: ignore[no-untyped-def]
    OutboxWorker(helpdesk.db, helpdesk.extras["delivery_channels"], helpdesk.settings.escalation).deliver_due()


def add_expert(helpdesk, slack_user: str = "UEXPERT", name: str = "Eva Expert") -> None:  # type: ignore[no-untyped-def]
    with helpdesk.db.session() as session:
        session.add(Expert(email=f"{slack_user.lower()}@example.eu", name=name, password_hash="x",
                           slack_user_id=slack_user))


def escalate_by_button(web, slack_api, helpdesk) -> str:  # type: ignore[no-untyped-def]
    value, _ = ask_in_thread(web, slack_api)
    click(web, "helpdesk_ask_expert", value)
    deliver(helpdesk)
    with helpdesk.db.session() as session:
        return session.scalars(select(Escalation.id)).one()


def test_feedback_buttons_store_one_rating_per_answer(web, slack_api, channel_helpdesk):
    value, _ = ask_in_thread(web, slack_api)

    assert click(web, "helpdesk_feedback_up", value).status_code == 200
    click(web, "helpdesk_feedback_down", value)

    with channel_helpdesk.db.session() as session:
        ratings = session.scalars(select(Feedback.rating)).all()
    assert ratings == [-1]
    thanks = slack_api.calls_to("chat.postEphemeral")
    assert len(thanks) == 2 and thanks[0]["user"] == "UOFFICIAL" and thanks[0]["thread_ts"] == ROOT


def test_feedback_on_an_answer_of_another_thread_is_refused(web, slack_api, channel_helpdesk):
    value, _ = ask_in_thread(web, slack_api)
    click(web, "helpdesk_feedback_up", value, thread_ts="1699999999.000001")

    with channel_helpdesk.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    assert "no longer available" in slack_api.calls_to("chat.postEphemeral")[0]["text"]


def test_ask_an_expert_escalates_once_and_posts_a_card_with_claim_and_answer(web, slack_api, channel_helpdesk):
    escalation_id = escalate_by_button(web, slack_api, channel_helpdesk)
    notice = slack_api.posts()[1]
    assert notice["thread_ts"] == ROOT and escalation_id in notice["blocks"][0]["text"]["text"]

    card = slack_api.posts()[2]
    assert card["channel"] == EXPERTS_CHANNEL and "thread_ts" not in card
    assert card["blocks"][0]["text"]["text"] == f"Escalation {escalation_id}"
    assert "What is the EU threshold for services?" in card["blocks"][1]["text"]["text"]
    buttons = card["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("helpdesk_claim", escalation_id),
                                                               ("helpdesk_answer", escalation_id)]

    value = slack_api.posts()[0]["blocks"][-1]["elements"][0]["value"]
    click(web, "helpdesk_ask_expert", value)
    deliver(channel_helpdesk)
    with channel_helpdesk.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 1
    assert len(slack_api.posts()) == 3
    assert "already with an expert" in slack_api.calls_to("chat.postEphemeral")[-1]["text"]


def test_claim_by_a_linked_expert_updates_the_card(web, slack_api, channel_helpdesk):
    add_expert(channel_helpdesk)
    escalation_id = escalate_by_button(web, slack_api, channel_helpdesk)
    card_ts = "1700000100.000003"

    click(web, "helpdesk_claim", escalation_id, user="UEXPERT", channel=EXPERTS_CHANNEL, message_ts=card_ts,
          thread_ts=None)

    with channel_helpdesk.db.session() as session:
        record = session.get(Escalation, escalation_id)
        assert record.status == "claimed" and record.assignee.name == "Eva Expert"
    update = slack_api.calls_to("chat.update")[-1]
    assert update["channel"] == EXPERTS_CHANNEL and update["ts"] == card_ts
    assert "Claimed* by Eva Expert" in update["blocks"][-2]["elements"][0]["text"]
    assert [b["action_id"] for b in update["blocks"][-1]["elements"]] == ["helpdesk_answer"]


def test_claim_by_someone_not_linked_to_an_expert_account_is_refused(web, slack_api, channel_helpdesk):
    escalation_id = escalate_by_button(web, slack_api, channel_helpdesk)

    click(web, "helpdesk_claim", escalation_id, user="USTRANGER", channel=EXPERTS_CHANNEL, thread_ts=None)

    with channel_helpdesk.db.session() as session:
        assert session.get(Escalation, escalation_id).status == "open"
    assert "not linked" in slack_api.calls_to("chat.postEphemeral")[-1]["text"]
    assert slack_api.calls_to("chat.update") == []


def test_answer_modal_delivers_the_answer_into_the_officials_thread(web, slack_api, channel_helpdesk):
    add_expert(channel_helpdesk)
    escalation_id = escalate_by_button(web, slack_api, channel_helpdesk)
    card_ts = "1700000100.000003"

    click(web, "helpdesk_answer", escalation_id, user="UEXPERT", channel=EXPERTS_CHANNEL, message_ts=card_ts,
          thread_ts=None)
    opened = slack_api.calls_to("views.open")[0]
    assert opened["trigger_id"] == "trigger-helpdesk_answer"
    view = opened["view"]
    assert view["callback_id"] == "helpdesk_expert_answer"
    assert "What is the EU threshold for services?" in view["blocks"][0]["text"]["text"]

    response = submit(web, view, "Yes: **EUR 221 000** for <services> & supplies.")
    assert response.status_code == 200 and response.content in (b"", b"null")
    with channel_helpdesk.db.session() as session:
        record = session.get(Escalation, escalation_id)
        assert record.status == "answered" and record.answer.startswith("Yes:")
        kinds = session.execute(select(OutboxMessage.kind, OutboxMessage.channel)
                                .where(OutboxMessage.kind == "expert_answer")).all()
    assert sorted(kinds) == [("expert_answer", "slack"), ("expert_answer", "web")]
    assert "Answered* by Eva Expert" in slack_api.calls_to("chat.update")[-1]["blocks"][-1]["elements"][0]["text"]

    deliver(channel_helpdesk)
    delivered = slack_api.posts()[-1]
    assert delivered["channel"] == "CGENERAL" and delivered["thread_ts"] == ROOT
    assert escalation_id in delivered["blocks"][0]["text"]["text"]
    assert delivered["blocks"][1]["text"]["text"] == "Yes: *EUR 221 000* for &lt;services&gt; &amp; supplies."


def test_empty_answer_is_refused_inside_the_modal(web, slack_api, channel_helpdesk):
    add_expert(channel_helpdesk)
    escalation_id = escalate_by_button(web, slack_api, channel_helpdesk)
    view = {"callback_id": "helpdesk_expert_answer", "private_metadata": json.dumps({"e": escalation_id})}

    response = submit(web, view, "   ")

    assert response.json() == {"response_action": "errors", "errors": {"answer": "Write an answer before sending."}}
    with channel_helpdesk.db.session() as session:
        assert session.get(Escalation, escalation_id).status == "open"


def submit(web, view: dict, text: str, user: str = "UEXPERT"):  # type: ignore[no-untyped-def]
    state = {"values": {"answer": {"text": {"type": "plain_text_input", "value": text}},
                        "publish": {"publish": {"type": "checkboxes", "selected_options": []}}}}
    return post_interaction(web, {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": user},
                                  "api_app_id": "A1", "token": "x", "trigger_id": "t",
                                  "view": {**view, "id": "V1", "type": "modal", "state": state}})
