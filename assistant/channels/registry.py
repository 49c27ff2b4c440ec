"""Builds the configured chat channels once, at start-up, and hands their deliveries to the outbox worker.

After `register_channels(helpdesk)`, `helpdesk.extras` holds (when configured): `slack_app` (the Bolt app),
`slack_notifier` (experts channel), `teams` (the Teams endpoint), and `delivery_channels` with `slack` / `teams`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.wiring import Helpdesk


def slack_configured(helpdesk: Helpdesk) -> bool:
    """A bot token is set (HTTP mode also needs the signing secret, Socket Mode the app token)."""
    return helpdesk.settings.slack.bot_token is not None


def teams_configured(helpdesk: Helpdesk) -> bool:
    """The bot has an app id, or authentication is off (test settings only)."""
    teams = helpdesk.settings.teams
    return bool(teams.app_id) or not teams.auth_enabled


def register_channels(helpdesk: Helpdesk) -> None:
    """Create the Slack app and the Teams bot that the settings ask for; Slack and Teams are imported lazily."""
    deliveries: dict[str, Any] = helpdesk.extras.setdefault("delivery_channels", {})
    if slack_configured(helpdesk):
        from assistant.channels.records import ChannelRecords
        from assistant.channels.slack import create_slack_app, slack_client, slack_notifier
        from assistant.channels.slack_delivery import SlackDelivery

        client = slack_client(helpdesk.settings.slack)
        notifier = slack_notifier(helpdesk, client)
        helpdesk.extras["slack_notifier"] = notifier
        helpdesk.extras["slack_app"] = create_slack_app(helpdesk.settings, helpdesk, client)
        deliveries["slack"] = SlackDelivery(client, notifier, ChannelRecords(helpdesk.db))
    if teams_configured(helpdesk):
        from assistant.channels.teams import TeamsEndpoint
        from assistant.channels.teams_delivery import TeamsDelivery

        endpoint = TeamsEndpoint.from_settings(helpdesk.settings, helpdesk)
        helpdesk.extras["teams"] = endpoint
        deliveries["teams"] = TeamsDelivery(endpoint.adapter, endpoint.app_id)
