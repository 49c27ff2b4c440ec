"""Fixtures for the Slack and Teams tests: stand-in servers, a helpdesk with a canned assistant, signed requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.channels.fakes import CannedAssistant, InlineExecutor
from tests.channels.standins import TEAM, ConnectorStandIn, SlackStandIn
from tests.conftest import make_settings

SIGNING_SECRET = "test-signing-secret"
EXPERTS_CHANNEL = "CEXPERTS"


@pytest.fixture
def slack_api() -> Iterator[SlackStandIn]:
    """The Slack Web API stand-in."""
    server = SlackStandIn()
    yield server
    server.stop()


@pytest.fixture
def connector() -> Iterator[ConnectorStandIn]:
    """The Bot Framework connector stand-in."""
    server = ConnectorStandIn()
    yield server
    server.stop()


@pytest.fixture
def channel_settings(tmp_path: Path, slack_api: SlackStandIn):  # type: ignore[no-untyped-def]
    """Slack pointed at the stand-in, Teams with authentication relaxed (test settings only)."""
    return make_settings(
        tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'helpdesk.db'}",
        slack={"bot_token": "xoxb-test-token", "signing_secret": SIGNING_SECRET, "app_token": "xapp-test",
               "experts_channel": EXPERTS_CHANNEL, "api_base_url": slack_api.base_url},
        teams={"auth_enabled": False},
    )


def build_channel_helpdesk(settings: Any) -> Any:
    """Real database, conversations, escalations and notifications; a canned assistant; channels registered."""
    from assistant.channels.registry import register_channels
    from assistant.services.conversations import ConversationService
    from assistant.services.escalations import EscalationService
    from assistant.services.notifications import Notifier
    from assistant.store.db import Database
    from assistant.wiring import Helpdesk, attach_expert_services

    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    conversations = ConversationService(db)
    notifier = Notifier(settings)
    escalations = EscalationService(db, settings.escalation, notifier=notifier, conversations=conversations)
    assistant = CannedAssistant(settings, None, conversations, escalations)
    helpdesk = Helpdesk(settings=settings, embedder=None, index=None, retriever=None, db=db,  # type: ignore[arg-type]
                        conversations=conversations, escalations=escalations, assistant=assistant)
    attach_expert_services(helpdesk, notifier)  # as build_helpdesk does: queue, outbox worker, publishing
    register_channels(helpdesk)
    return helpdesk


@pytest.fixture
def channel_helpdesk(channel_settings):  # type: ignore[no-untyped-def]
    """The helpdesk with Slack's lazy listeners made synchronous (an inline executor), so tests are deterministic."""
    from assistant.channels.slack import create_slack_app

    helpdesk = build_channel_helpdesk(channel_settings)
    helpdesk.extras["slack_app"] = create_slack_app(channel_settings, helpdesk, listener_executor=InlineExecutor())
    yield helpdesk
    helpdesk.db.dispose()


@pytest.fixture
def web(channel_settings, channel_helpdesk):  # type: ignore[no-untyped-def]
    """TestClient of the real app built by create_app."""
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    with TestClient(create_app(channel_settings, channel_helpdesk)) as client:
        yield client


def signed_headers(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET,
                   content_type: str = "application/json") -> dict[str, str]:
    """Headers Slack sends: the request timestamp and the v0 HMAC-SHA256 signature of the body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": content_type}


def event_body(event: dict[str, Any], event_id: str = "Ev0001") -> str:
    """An Events API envelope."""
    return json.dumps({"token": "x", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event})


def post_event(web: Any, event: dict[str, Any], event_id: str = "Ev0001", **headers: str) -> Any:
    """Post a signed event to /slack/events."""
    body = event_body(event, event_id)
    return web.post("/slack/events", content=body, headers={**signed_headers(body), **headers})


def post_interaction(web: Any, payload: dict[str, Any]) -> Any:
    """Post a signed interactivity payload (buttons, modals) to /slack/interactions."""
    body = urlencode({"payload": json.dumps(payload)})
    return web.post("/slack/interactions", content=body,
                    headers=signed_headers(body, content_type="application/x-www-form-urlencoded"))


def post_command(web: Any, text: str, trigger_id: str = "trig-1") -> Any:
    """Post a signed /procurement command to /slack/commands."""
    body = urlencode({"command": "/procurement", "text": text, "team_id": TEAM, "channel_id": "CGENERAL",
                      "user_id": "UOFFICIAL", "trigger_id": trigger_id, "response_url": "http://127.0.0.1:9/x"})
    return web.post("/slack/commands", content=body,
                    headers=signed_headers(body, content_type="application/x-www-form-urlencoded"))
