"""Teams activities posted to /api/teams/messages; replies captured by a local connector stand-in."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.app import create_app
from assistant.services.delivery import OutboxItem, OutboxWorker
from assistant.services.expert_queue import AnswerForm, ExpertQueue
from assistant.services.experts import ExpertService
from assistant.store.models import Escalation, Expert, Feedback
from tests.channels.conftest import build_channel_helpdesk
from tests.channels.standins import OpenIdStandIn
from tests.conftest import make_settings

PATH = "/api/teams/messages"
CONVERSATION = "19:abc@thread.tacv2;messageid=1700000000001"


def activity(connector: Any, text: str = "What is the EU threshold for services?", activity_id: str = "act-1",
             **extra: Any) -> dict[str, Any]:
    return {"type": "message", "id": activity_id, "timestamp": "2026-11-23T10:00:00Z", "channelId": "msteams",
            "serviceUrl": connector.service_url, "from": {"id": "29:official", "name": "Official"},
            "recipient": {"id": "28:helpdesk", "name": "Helpdesk"},
            "conversation": {"id": CONVERSATION, "conversationType": "channel", "tenantId": "tenant-1"},
            "text": f"<at>Helpdesk</at> {text}",
            "entities": [{"type": "mention", "mentioned": {"id": "28:helpdesk", "name": "Helpdesk"},
                          "text": "<at>Helpdesk</at>"}], **extra}


def card_of(sent: dict[str, Any]) -> dict[str, Any]:
    attachment = sent["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def test_message_is_answered_with_an_adaptive_card(web, connector, channel_helpdesk):
    response = web.post(PATH, json=activity(connector))

    assert response.status_code == 200
    calls = connector.wait_for(1)
    assert calls[0]["path"] == f"/v3/conversations/{CONVERSATION}/activities/act-1"
    card = card_of(calls[0]["body"])
    answer_run = card["body"][0]["inlines"][0]
    assert answer_run["type"] == "TextRun" and "EUR 221 000" in answer_run["text"] and "**" not in answer_run["text"]
    assert "<b>offers</b> & document" in answer_run["text"]  # plain text run: shown as typed, never rendered
    source = card["body"][2]["inlines"][0]
    assert source["text"] == "[1] Procurement of <cloud> services — 4 Award > 4.2 Criteria"
    assert source["selectAction"] == {"type": "Action.OpenUrl", "url": "http://testserver/documents/t-app-01#sec-4.2"}
    assert [a["title"] for a in card["actions"]] == ["Helpful", "Not helpful", "Ask an expert"]
    assert channel_helpdesk.assistant.asked[0][0] == "What is the EU threshold for services?"


def test_follow_up_continues_the_conversation_and_redelivery_is_answered_once(web, connector, channel_helpdesk):
    web.post(PATH, json=activity(connector))
    web.post(PATH, json=activity(connector))  # the channel retried
    web.post(PATH, json=activity(connector, "And for works?", activity_id="act-2"))

    asked = channel_helpdesk.assistant.asked
    assert [q for q, _, _ in asked] == ["What is the EU threshold for services?", "And for works?"]
    assert asked[0][1] == asked[1][1]
    assert len(connector.wait_for(2)) == 2


def test_bot_messages_and_edits_are_ignored(web, connector, channel_helpdesk):
    own = activity(connector, activity_id="act-3")
    own["from"] = {"id": "28:helpdesk", "name": "Helpdesk"}
    other_bot = activity(connector, activity_id="act-4")
    other_bot["from"] = {"id": "28:other", "name": "Other", "role": "bot"}
    edit = {**activity(connector, activity_id="act-5"), "type": "messageUpdate"}
    deletion = {**activity(connector, activity_id="act-6"), "type": "messageDelete"}

    for item in (own, other_bot, edit, deletion):
        assert web.post(PATH, json=item).status_code == 200
    assert channel_helpdesk.assistant.asked == [] and connector.activities() == []


def test_bad_bodies_get_clear_client_errors(web, connector):
    assert web.post(PATH, content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
    assert web.post(PATH, json=["a", "list"]).status_code == 400
    assert web.post(PATH, json={"type": "message", "text": "no service url"}).status_code == 400
    assert web.post(PATH, content=b"text=hi", headers={"content-type": "text/plain"}).status_code == 415


def test_huge_message_gets_a_short_plain_refusal(web, connector, channel_helpdesk):
    web.post(PATH, json=activity(connector, "Is this allowed? " + "x" * 20_000))

    sent = connector.wait_for(1)[0]["body"]
    assert sent["textFormat"] == "plain" and "longer than 4000 characters" in sent["text"] and len(sent["text"]) < 300
    assert channel_helpdesk.assistant.asked == []


def test_feedback_action_is_recorded(web, connector, channel_helpdesk):
    web.post(PATH, json=activity(connector))
    data = card_of(connector.wait_for(1)[0]["body"])["actions"][1]["data"]

    web.post(PATH, json=activity(connector, "", activity_id="act-fb", value=data))

    with channel_helpdesk.db.session() as session:
        assert session.scalars(select(Feedback.rating)).all() == [-1]
    assert "feedback was recorded" in connector.wait_for(2)[1]["body"]["text"]


def test_ask_an_expert_and_the_answer_arrives_proactively(web, connector, channel_helpdesk):
    web.post(PATH, json=activity(connector))
    data = card_of(connector.wait_for(1)[0]["body"])["actions"][2]["data"]
    web.post(PATH, json=activity(connector, "", activity_id="act-ask", value=data))
    web.post(PATH, json=activity(connector, "", activity_id="act-ask-2", value=data))  # clicked twice

    with channel_helpdesk.db.session() as session:
        record = session.scalars(select(Escalation)).one()
        escalation_id, reference = record.id, record.reply_address["conversation_reference"]
    assert record.channel == "teams" and reference["conversation"]["id"] == CONVERSATION
    texts = [c["body"].get("text", "") for c in connector.wait_for(3)]
    assert escalation_id in texts[1] and "already with an expert" in texts[2]

    with channel_helpdesk.db.session() as session:
        session.add(Expert(email="eva@example.eu", name="Eva", password_hash="x"))
    expert = ExpertService(channel_helpdesk.db).list()[0]
    ExpertQueue(channel_helpdesk.db, channel_helpdesk.settings.escalation).answer(
        escalation_id, expert, AnswerForm(text="Yes, **EUR 221 000** applies <always>."))
    OutboxWorker(channel_helpdesk.db, channel_helpdesk.extras["delivery_channels"],
                 channel_helpdesk.settings.escalation).deliver_due()

    proactive = connector.wait_for(4)[3]
    assert proactive["path"].startswith(f"/v3/conversations/{CONVERSATION}/activities")
    card = card_of(proactive["body"])
    assert escalation_id in card["body"][0]["text"]
    assert card["body"][1]["inlines"][0]["text"] == "Yes, EUR 221 000 applies <always>."


def test_proactive_delivery_failure_raises_delivery_error(connector, channel_helpdesk):
    from assistant.errors import DeliveryError

    connector.fail = True
    reference = {"conversation": {"id": CONVERSATION}, "serviceUrl": connector.service_url, "channelId": "msteams",
                 "bot": {"id": "28:helpdesk"}}
    item = OutboxItem(id=1, kind="expert_answer", channel="teams", address={"conversation_reference": reference},
                      payload={"text": "An answer."}, escalation_id="ESC-AAAAAA")
    with pytest.raises(DeliveryError, match="teams"):
        channel_helpdesk.extras["delivery_channels"]["teams"].deliver(item)
    with pytest.raises(DeliveryError, match="no Teams conversation reference"):
        channel_helpdesk.extras["delivery_channels"]["teams"].deliver(OutboxItem(id=2, kind="expert_answer",
                                                                                 channel="teams",
                                                                                 payload={"text": "x"}))


APP_ID = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def openid(monkeypatch):  # type: ignore[no-untyped-def]
    """The Bot Framework's signing keys served locally; the SDK's channel validation is pointed at them."""
    from botframework.connector.auth import ChannelValidation, JwtTokenExtractor

    server = OpenIdStandIn()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", server.metadata_url)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    yield server
    server.stop()


@pytest.fixture
def authenticated_web(tmp_path):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'auth.db'}",
                             teams={"app_id": APP_ID, "app_password": "secret", "auth_enabled": True})
    helpdesk = build_channel_helpdesk(settings)
    with TestClient(create_app(settings, helpdesk)) as client:
        yield client, helpdesk
    helpdesk.db.dispose()


def token(openid: OpenIdStandIn, service_url: str, key: Any = None, **claims: Any) -> str:
    """A channel token as the Bot Framework issues it, signed with the stand-in's key (or `key`)."""
    import jwt

    now = int(time.time())
    payload = {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": service_url,
               "nbf": now - 10, "exp": now + 600, **claims}
    signed = jwt.encode(payload, key or openid.private_key, algorithm="RS256", headers={"kid": "test-key"})
    return f"Bearer {signed}"


def test_activity_without_valid_authentication_is_refused(authenticated_web, connector, openid):
    from cryptography.hazmat.primitives.asymmetric import rsa

    web, helpdesk = authenticated_web
    url = connector.service_url
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "missing": {},
        "not a JWT": {"Authorization": "Bearer not-a-token"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "other key": {"Authorization": token(openid, url, key=other_key)},
        "other bot": {"Authorization": token(openid, url, aud="someone-else")},
        "expired": {"Authorization": token(openid, url, exp=int(time.time()) - 3600)},
        "other service url": {"Authorization": token(openid, "https://evil.example/")},
        "other issuer": {"Authorization": token(openid, url, iss="https://evil.example")},
    }
    for name, headers in refused.items():
        assert web.post(PATH, json=activity(connector), headers=headers).status_code == 401, name
    assert helpdesk.assistant.asked == [] and connector.activities() == []


def test_activity_with_a_valid_channel_token_is_accepted(authenticated_web, connector, openid):
    web, helpdesk = authenticated_web

    response = web.post(PATH, json=activity(connector), headers={"Authorization": token(openid, connector.service_url)})

    assert response.status_code == 200
    assert [q for q, _, _ in helpdesk.assistant.asked] == ["What is the EU threshold for services?"]


def test_authentication_cannot_be_switched_off_in_production(tmp_path):
    from assistant.channels.teams import create_teams_adapter
    from assistant.errors import ConfigurationError

    settings = make_settings(tmp_path, environment="production", secret_key="a-real-secret-for-this-test",
                             teams={"auth_enabled": False})
    with pytest.raises(ConfigurationError, match="refused in production"):
        create_teams_adapter(settings)
    with pytest.raises(ConfigurationError, match="APP_PASSWORD"):
        create_teams_adapter(make_settings(tmp_path, teams={"app_id": "x"}))


def test_welcome_only_in_personal_chats(web, connector):
    def joined(conversation_type: str) -> dict[str, Any]:
        return {"type": "conversationUpdate", "id": f"join-{conversation_type}", "channelId": "msteams",
                "serviceUrl": connector.service_url, "from": {"id": "29:official"},
                "recipient": {"id": "28:helpdesk"}, "membersAdded": [{"id": "29:official"}],
                "conversation": {"id": f"conv-{conversation_type}", "conversationType": conversation_type}}

    assert web.post(PATH, json=joined("channel")).status_code == 200
    assert web.post(PATH, json=joined("personal")).status_code == 200

    (greeting,) = connector.wait_for(1)
    assert greeting["path"].startswith("/v3/conversations/conv-personal/") and "Hello!" in greeting["body"]["text"]
