"""Channel routes exist only when their channel is configured."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.app import create_app
from tests.channels.conftest import build_channel_helpdesk
from tests.conftest import make_settings


def test_unconfigured_channels_have_no_routes(tmp_path):
    settings = make_settings(tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'plain.db'}")
    helpdesk = build_channel_helpdesk(settings)

    with TestClient(create_app(settings, helpdesk)) as web:
        for path in ("/slack/events", "/slack/interactions", "/slack/commands", "/api/teams/messages"):
            assert web.post(path, json={}).status_code in (404, 405), path
    assert "slack_app" not in helpdesk.extras and "teams" not in helpdesk.extras
    assert set(helpdesk.extras["delivery_channels"]) == set()
    helpdesk.db.dispose()


def test_slack_without_signing_secret_serves_socket_mode_only(tmp_path):
    settings = make_settings(tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'socket.db'}",
                             slack={"bot_token": "xoxb-1", "app_token": "xapp-1"})
    helpdesk = build_channel_helpdesk(settings)

    with TestClient(create_app(settings, helpdesk)) as web:
        assert web.post("/slack/events", json={}).status_code in (404, 405)
    assert "slack_app" in helpdesk.extras and "slack" in helpdesk.extras["delivery_channels"]
    helpdesk.db.dispose()
