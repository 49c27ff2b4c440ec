"""Signed Slack requests posted to the FastAPI app; what the app calls on the Slack Web API stand-in."""

from __future__ import annotations

import json
import time

from tests.channels.conftest import event_body, post_command, post_event, signed_headers
from tests.channels.standins import BOT_USER

CHANNEL = "CGENERAL"


def mention(ts: str = "1700000000.000100", text: str = f"<@{BOT_USER}> What is the EU threshold for services?",
            **extra: object) -> dict[str, object]:
    return {"type": "app_mention", "user": "UOFFICIAL", "text": text, "ts": ts, "channel": CHANNEL,
            "event_ts": ts, **extra}


def message(ts: str, text: str, **extra: object) -> dict[str, object]:
    return {"type": "message", "user": "UOFFICIAL", "text": text, "ts": ts, "channel": CHANNEL,
            "channel_type": "channel", "event_ts": ts, **extra}


def test_mention_is_answered_in_its_thread_with_sources_outcome_and_buttons(web, slack_api, channel_helpdesk):
    response = post_event(web, mention())

    assert response.status_code == 200
    posts = slack_api.posts()
    assert len(posts) == 1
    post = posts[0]
    assert post["channel"] == CHANNEL and post["thread_ts"] == "1700000000.000100"
    blocks = post["blocks"]
    answer = blocks[0]["text"]["text"]
    assert "*EUR 221 000*" in answer and "• Services" in answer
    assert "&lt;b&gt;offers&lt;/b&gt; &amp; document" in answer and "<b>" not in answer
    sources = blocks[1]["text"]["text"]
    assert ("<http://testserver/documents/t-app-01#sec-4.2|[1] Procurement of &lt;cloud&gt; services — 4 Award"
            in sources)
    assert "[2] EU guide &amp; notes, p. 12>" in sources
    assert "Answered" in blocks[2]["elements"][0]["text"] and "80%" in blocks[2]["elements"][0]["text"]
    actions = blocks[3]["elements"]
    assert [a["action_id"] for a in actions] == ["helpdesk_feedback_up", "helpdesk_feedback_down",
                                                 "helpdesk_ask_expert"]
    value = json.loads(actions[0]["value"])
    assert value["c"].startswith("c_") and isinstance(value["m"], int)
    assert channel_helpdesk.assistant.asked[0][0] == "What is the EU threshold for services?"
    assert slack_api.calls[0]["token"] == "Bearer xoxb-test-token"


def test_bad_signature_and_old_timestamp_are_refused(web, slack_api, channel_helpdesk):
    body = event_body(mention())
    forged = {**signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64}
    stale = signed_headers(body, timestamp=int(time.time()) - 60 * 10)
    other_secret = signed_headers(body, secret="not-the-secret")

    for headers in (forged, stale, other_secret, {"Content-Type": "application/json"}):
        assert web.post("/slack/events", content=body, headers=headers).status_code == 401
    assert slack_api.posts() == []
    assert channel_helpdesk.assistant.asked == []


def test_retries_and_duplicate_deliveries_are_answered_once(web, slack_api, channel_helpdesk):
    first = post_event(web, mention(), event_id="Ev1")
    retry = post_event(web, mention(), event_id="Ev1", **{"X-Slack-Retry-Num": "1",
                                                          "X-Slack-Retry-Reason": "http_timeout"})
    twin = post_event(web, message("1700000000.000100", f"<@{BOT_USER}> What is the EU threshold?"),
                      event_id="Ev2")  # the `message` event of the same mention

    assert first.status_code == retry.status_code == twin.status_code == 200
    assert len(slack_api.posts()) == 1
    assert len(channel_helpdesk.assistant.asked) == 1


def test_escalating_question_is_not_escalated_twice_on_retry(web, slack_api, channel_helpdesk):
    from sqlalchemy import func, select

    from assistant.store.models import Escalation

    event = mention(text=f"<@{BOT_USER}> In my own case, may we extend the contract?")
    post_event(web, event, event_id="Ev1")
    post_event(web, event, event_id="Ev1", **{"X-Slack-Retry-Num": "2"})

    with channel_helpdesk.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 1
    posts = slack_api.posts()
    assert len(posts) == 1
    outcome = posts[0]["blocks"][1]["elements"][0]["text"]
    assert "expert" in outcome and "reference ESC-" in outcome
    assert [a["action_id"] for a in posts[0]["blocks"][2]["elements"]] == ["helpdesk_feedback_up",
                                                                            "helpdesk_feedback_down"]


def test_bot_edited_deleted_and_system_messages_are_ignored(web, slack_api, channel_helpdesk):
    post_event(web, mention())  # starts a known thread
    root = "1700000000.000100"
    ignored = [
        message("1.1", "from a bot", thread_ts=root, bot_id="B999", subtype="bot_message"),
        message("1.2", "the helpdesk itself", thread_ts=root, user=BOT_USER),
        {"type": "message", "subtype": "message_changed", "channel": CHANNEL, "ts": "1.3", "hidden": True,
         "message": {"type": "message", "user": "UOFFICIAL", "text": "edited", "ts": root}},
        {"type": "message", "subtype": "message_deleted", "channel": CHANNEL, "ts": "1.4", "hidden": True,
         "deleted_ts": root},
        message("1.5", "joined", thread_ts=root, subtype="channel_join"),
        mention(ts="1.6", edited={"user": "UOFFICIAL", "ts": "1.7"}),
    ]
    for number, event in enumerate(ignored):
        assert post_event(web, event, event_id=f"EvI{number}").status_code == 200

    assert len(slack_api.posts()) == 1
    assert len(channel_helpdesk.assistant.asked) == 1


def test_chatter_in_unknown_channels_and_threads_is_ignored(web, slack_api, channel_helpdesk):
    post_event(web, message("2.1", "lunch anyone?"), event_id="Ev1")
    post_event(web, message("2.2", "in someone else's thread", thread_ts="2.0"), event_id="Ev2")
    post_event(web, {"type": "reaction_added", "user": "UOFFICIAL", "reaction": "tada",
                     "item": {"type": "message", "channel": "CUNKNOWN", "ts": "2.3"}, "event_ts": "2.4"},
               event_id="Ev3")

    assert slack_api.posts() == []
    assert channel_helpdesk.assistant.asked == []


def test_follow_up_in_the_thread_needs_no_mention_and_keeps_the_conversation(web, slack_api, channel_helpdesk):
    root = "1700000000.000100"
    post_event(web, mention(ts=root), event_id="Ev1")
    post_event(web, message("1700000000.000200", "And for works?", thread_ts=root), event_id="Ev2")

    asked = channel_helpdesk.assistant.asked
    assert [q for q, _, _ in asked] == ["What is the EU threshold for services?", "And for works?"]
    assert asked[0][1] == asked[1][1]  # one conversation
    assert asked[1][2].reply == {"team": "T0001", "channel": CHANNEL, "thread_ts": root}
    assert [p["thread_ts"] for p in slack_api.posts()] == [root, root]


def test_linked_expert_talking_in_the_thread_is_not_answered(web, slack_api, channel_helpdesk):
    from assistant.store.models import Expert

    with channel_helpdesk.db.session() as session:
        session.add(Expert(email="e@example.eu", name="Eva", password_hash="x", slack_user_id="UEXPERT"))
    root = "1700000000.000100"
    post_event(web, mention(ts=root), event_id="Ev1")
    post_event(web, message("1700000000.000300", "I will look into this.", thread_ts=root, user="UEXPERT"),
               event_id="Ev2")

    assert len(slack_api.posts()) == 1


def test_direct_message_is_answered_in_a_thread(web, slack_api, channel_helpdesk):
    event = {"type": "message", "user": "UOFFICIAL", "text": "Which procedure fits a data platform?",
             "ts": "3.1", "channel": "DPRIVATE", "channel_type": "im", "event_ts": "3.1"}
    post_event(web, event)

    posts = slack_api.posts()
    assert len(posts) == 1 and posts[0]["channel"] == "DPRIVATE" and posts[0]["thread_ts"] == "3.1"


def test_huge_message_gets_a_short_refusal_not_an_echo(web, slack_api, channel_helpdesk):
    huge = "Is this allowed? " + "x" * 39_000
    response = post_event(web, mention(text=f"<@{BOT_USER}> {huge}"))

    assert response.status_code == 200
    posts = slack_api.posts()
    assert len(posts) == 1
    text = posts[0]["blocks"][0]["text"]["text"]
    assert "longer than 4000 characters" in text and len(text) < 300
    assert channel_helpdesk.assistant.asked == []


def test_oversized_request_body_is_refused(web, slack_api):
    body = "x" * 1_100_000
    assert web.post("/slack/events", content=body, headers=signed_headers(body)).status_code == 413


def test_url_verification_challenge_is_answered(web):
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    response = web.post("/slack/events", content=body, headers=signed_headers(body))

    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}


def test_slash_command_posts_the_question_and_answers_in_its_thread(web, slack_api, channel_helpdesk):
    response = post_command(web, "What is the threshold for <supplies> & services?")

    assert response.status_code == 200
    root, answer = slack_api.posts()
    assert root["channel"] == CHANNEL and "thread_ts" not in root
    assert root["text"] == "<@UOFFICIAL> asked: What is the threshold for &lt;supplies&gt; &amp; services?"
    assert answer["channel"] == CHANNEL and answer["thread_ts"] == "1700000100.000001"
    assert channel_helpdesk.assistant.asked[0][0] == "What is the threshold for <supplies> & services?"


def test_empty_slash_command_gets_usage_and_no_answer(web, slack_api, channel_helpdesk):
    response = post_command(web, "   ")

    assert response.status_code == 200 and "/procurement What is" in response.text
    assert slack_api.posts() == [] and channel_helpdesk.assistant.asked == []
