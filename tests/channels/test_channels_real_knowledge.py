"""End to end over the real knowledge base: the helpdesk built by build_helpdesk answers in Slack and Teams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.channels.conftest import SIGNING_SECRET, post_event
from tests.channels.fakes import InlineExecutor
from tests.channels.standins import BOT_USER, ConnectorStandIn, SlackStandIn
from tests.conftest import make_settings

QUESTION = "What is the EU threshold for public service contracts of municipalities?"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[SlackStandIn, ConnectorStandIn]]:
    slack, connector = SlackStandIn(), ConnectorStandIn()
    yield slack, connector
    slack.stop()
    connector.stop()


@pytest.fixture(scope="module")
def real_web(knowledge_dir, servers, tmp_path_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from assistant.app import create_app
    from assistant.channels.slack import create_slack_app
    from assistant.wiring import build_helpdesk

    data = tmp_path_factory.mktemp("channels-real")
    settings = make_settings(data / "data", chroma_path=knowledge_dir / "chroma",
                             database_url=f"sqlite:///{data / 'helpdesk.db'}",
                             slack={"bot_token": "xoxb-real", "signing_secret": SIGNING_SECRET,
                                    "experts_channel": "CEXPERTS", "api_base_url": servers[0].base_url},
                             teams={"auth_enabled": False})
    helpdesk = build_helpdesk(settings)
    helpdesk.extras["slack_app"] = create_slack_app(settings, helpdesk, listener_executor=InlineExecutor())
    with TestClient(create_app(settings, helpdesk)) as client:
        yield client
    helpdesk.db.dispose()


def test_slack_mention_gets_a_cited_answer_from_the_knowledge_base(real_web, servers):
    slack, _ = servers
    post_event(real_web, {"type": "app_mention", "user": "UOFFICIAL", "ts": "1700000000.000900",
                          "channel": "CGENERAL", "text": f"<@{BOT_USER}> {QUESTION}"})

    (post,) = [p for p in slack.posts() if p.get("thread_ts") == "1700000000.000900"]
    text = "\n".join(b["text"]["text"] for b in post["blocks"] if b["type"] == "section")
    assert "*Sources*" in text and "<http://testserver/documents/" in text
    assert post["blocks"][-1]["type"] == "actions"


def test_teams_message_gets_a_cited_adaptive_card(real_web, servers):
    _, connector = servers
    activity: dict[str, Any] = {
        "type": "message", "id": "real-1", "channelId": "msteams", "serviceUrl": connector.service_url,
        "from": {"id": "29:official"}, "recipient": {"id": "28:helpdesk"},
        "conversation": {"id": "a:personal-chat", "conversationType": "personal"}, "text": QUESTION}

    assert real_web.post("/api/teams/messages", json=activity).status_code == 200

    card = connector.wait_for(1)[0]["body"]["attachments"][0]["content"]
    links = [i["inlines"][0].get("selectAction", {}).get("url", "") for i in card["body"]
             if i["type"] == "RichTextBlock"]
    assert any(url.startswith("http://testserver/documents/") for url in links)
