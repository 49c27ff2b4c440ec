"""The Slack manifest matches the app, the Teams package is complete, and the channel commands work."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from typer.testing import CliRunner

from assistant.channels.slack import COMMAND
from assistant.errors import ConfigurationError
from assistant.web.channels import SLACK_PATHS
from tests.conftest import make_settings

MANIFEST = Path(__file__).resolve().parents[2] / "assistant" / "channels" / "slack_manifest.yaml"


def test_slack_manifest_matches_routes_command_and_listeners():
    manifest = yaml.safe_load(MANIFEST.read_text())

    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    urls = {command["url"], manifest["settings"]["event_subscriptions"]["request_url"],
            manifest["settings"]["interactivity"]["request_url"]}
    assert {urlparse(u).path for u in urls} == set(SLACK_PATHS)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.channels", "message.groups", "message.im"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "app_mentions:read", "im:history"} <= scopes


def test_teams_package_holds_a_filled_manifest_and_both_icons(tmp_path):
    from PIL import Image

    from assistant.channels.teams_package import build_package

    settings = make_settings(tmp_path, public_base_url="https://helpdesk.example.eu",
                             teams={"app_id": "11111111-2222-3333-4444-555555555555", "app_password": "x"})
    path = build_package(settings, tmp_path / "teams.zip", 'City "Network"')

    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        sizes = {name: Image.open(io.BytesIO(package.read(name))).size for name in ("color.png", "outline.png")}
    assert manifest["bots"][0]["botId"] == "11111111-2222-3333-4444-555555555555"
    assert manifest["validDomains"] == ["helpdesk.example.eu"]
    assert manifest["developer"]["name"] == 'City "Network"'
    assert "${" not in json.dumps(manifest)
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}


def test_teams_package_needs_a_bot_id_and_https(tmp_path):
    from assistant.channels.teams_package import render_manifest

    with pytest.raises(ConfigurationError, match="APP_ID"):
        render_manifest(make_settings(tmp_path, public_base_url="https://h.example.eu"), "Org")
    with pytest.raises(ConfigurationError, match="https"):
        render_manifest(make_settings(tmp_path, teams={"app_id": "a"}), "Org")


def cli(monkeypatch, settings, *args: str):  # type: ignore[no-untyped-def]
    from assistant.cli import app
    from assistant.cli import channels as commands

    monkeypatch.setattr(commands, "get_settings", lambda: settings)
    return CliRunner().invoke(app, list(args))


def test_slack_command_without_socket_points_to_serve(monkeypatch, tmp_path):
    result = cli(monkeypatch, make_settings(tmp_path), "slack")

    assert result.exit_code == 2 and "helpdesk serve" in result.output


def test_slack_socket_mode_needs_both_tokens(monkeypatch, tmp_path):
    result = cli(monkeypatch, make_settings(tmp_path, slack={"bot_token": "xoxb-1"}), "slack", "--socket")

    assert result.exit_code == 2 and "APP_TOKEN" in result.output


def test_slack_socket_mode_starts_the_bolt_app(monkeypatch, channel_settings, channel_helpdesk):
    import slack_bolt.adapter.socket_mode as socket_mode

    import assistant.wiring

    started: list[tuple[object, str]] = []

    class FakeHandler:
        def __init__(self, app: object, app_token: str) -> None:
            self.args = (app, app_token)

        def start(self) -> None:
            started.append(self.args)

    monkeypatch.setattr(socket_mode, "SocketModeHandler", FakeHandler)
    monkeypatch.setattr(assistant.wiring, "build_helpdesk", lambda settings: channel_helpdesk)
    result = cli(monkeypatch, channel_settings, "slack", "--socket")

    assert result.exit_code == 0, result.output
    assert started == [(channel_helpdesk.extras["slack_app"], "xapp-test")]


def test_teams_package_command_reports_configuration_errors(monkeypatch, tmp_path):
    result = cli(monkeypatch, make_settings(tmp_path), "teams-package", "--out", str(tmp_path / "t.zip"))

    assert result.exit_code == 2 and "APP_ID" in result.output


def test_slack_link_connects_an_expert_account_to_a_slack_user(monkeypatch, tmp_path):
    from assistant.store.db import Database
    from assistant.store.models import Expert

    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'link.db'}")
    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    with db.session() as session:
        session.add(Expert(email="eva@example.eu", name="Eva", password_hash="x"))

    linked = cli(monkeypatch, settings, "slack-link", "Eva@Example.eu", "U012AB3CD")
    bad_id = cli(monkeypatch, settings, "slack-link", "eva@example.eu", "<@U012AB3CD>")
    unknown = cli(monkeypatch, settings, "slack-link", "nobody@example.eu", "U012AB3CD")

    assert linked.exit_code == 0, linked.output
    assert bad_id.exit_code == 2 and "not a Slack user id" in bad_id.output
    assert unknown.exit_code == 2 and "no expert" in unknown.output
    with db.session() as session:
        assert session.query(Expert).one().slack_user_id == "U012AB3CD"
    db.dispose()
