"""The Slack app: a Bolt app built from settings and the same services the web uses.

Every listener acknowledges at once (Slack wants an answer within three seconds) and does retrieval, answering
and escalation in a lazy listener. Served over HTTP by assistant/web/channels.py or over Socket Mode by
`helpdesk slack --socket`.
"""

from __future__ import annotations

import re
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from assistant.channels import slack_blocks as blocks
from assistant.channels.records import ChannelRecords
from assistant.channels.slack_answers import USAGE, SlackAnswers
from assistant.channels.slack_experts import SlackExpertActions, SlackExpertNotifier
from assistant.config import Settings, SlackSettings
from assistant.errors import ConfigurationError
from assistant.services.expert_queue import ExpertQueue
from assistant.services.experts import ExpertService
from assistant.services.feedback import FeedbackService

if TYPE_CHECKING:
    from assistant.wiring import Helpdesk

COMMAND = "/procurement"
API_TIMEOUT_S = 10


def slack_client(settings: SlackSettings) -> WebClient:
    """Web API client with the bot token (and the test stand-in's base URL when one is set)."""
    if settings.bot_token is None:
        raise ConfigurationError("Slack needs HELPDESK_SLACK__BOT_TOKEN (the xoxb- bot token)")
    kwargs: dict[str, Any] = {"token": settings.bot_token.get_secret_value(), "timeout": API_TIMEOUT_S}
    if settings.api_base_url:
        kwargs["base_url"] = settings.api_base_url.rstrip("/") + "/"
    return WebClient(**kwargs)


def slack_notifier(helpdesk: Helpdesk, client: WebClient) -> SlackExpertNotifier:
    """The experts-channel notifier the delivery worker and the buttons share."""
    return SlackExpertNotifier(client, helpdesk.settings.slack.experts_channel, ChannelRecords(helpdesk.db))


def create_slack_app(settings: Settings, helpdesk: Helpdesk, client: WebClient | None = None, *,
                     process_before_response: bool = False, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered; `client` and `listener_executor` are for tests."""
    slack = settings.slack
    client = client or slack_client(slack)
    records = ChannelRecords(helpdesk.db)
    answers = SlackAnswers(helpdesk.assistant, records, FeedbackService(helpdesk.db))
    notifier = helpdesk.extras.get("slack_notifier") or slack_notifier(helpdesk, client)
    queue = helpdesk.extras.get("expert_queue") or ExpertQueue(helpdesk.db, settings.escalation)
    actions = SlackExpertActions(queue, ExpertService(helpdesk.db), notifier, records)
    app = App(name="procurement-helpdesk", client=client,
              signing_secret=slack.signing_secret.get_secret_value() if slack.signing_secret else "",
              token_verification_enabled=False, process_before_response=process_before_response,
              listener_executor=listener_executor)
    _register_questions(app, answers)
    _register_experts(app, actions)
    app.event(re.compile(".*"))(_acknowledge)  # other subscribed events: acknowledged, never retried by Slack
    return app


def _acknowledge(ack: Ack) -> None:
    ack()


def _register_questions(app: App, answers: SlackAnswers) -> None:
    def mention(body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        answers.on_mention(body, event, client, context.bot_user_id)

    def message(body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        answers.on_message(body, event, client, context.bot_user_id)

    def command_ack(ack: Ack, command: dict[str, Any]) -> None:
        if (command.get("text") or "").strip():
            ack()
        else:
            ack(text=USAGE)

    def command(command: dict[str, Any], client: WebClient, respond: Any) -> None:
        answers.on_command(command, client, respond)

    def helpful(body: dict[str, Any], client: WebClient) -> None:
        answers.on_feedback(body, client, 1)

    def not_helpful(body: dict[str, Any], client: WebClient) -> None:
        answers.on_feedback(body, client, -1)

    def ask_expert(body: dict[str, Any], client: WebClient) -> None:
        answers.on_ask_expert(body, client)

    app.event("app_mention")(ack=_acknowledge, lazy=[mention])
    app.event("message")(ack=_acknowledge, lazy=[message])
    app.command(COMMAND)(ack=command_ack, lazy=[command])
    app.action(blocks.FEEDBACK_UP)(ack=_acknowledge, lazy=[helpful])
    app.action(blocks.FEEDBACK_DOWN)(ack=_acknowledge, lazy=[not_helpful])
    app.action(blocks.ASK_EXPERT)(ack=_acknowledge, lazy=[ask_expert])


def _register_experts(app: App, actions: SlackExpertActions) -> None:
    def claim(body: dict[str, Any], client: WebClient) -> None:
        actions.on_claim(body, client)

    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        actions.open_answer_modal(body, client)  # the trigger id expires after three seconds: not lazy

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str(body.get("user", {}).get("id", ""))
        errors = actions.submit_answer(view, user)  # quick database work, so errors can show in the modal
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        actions.after_answer(view, user)

    app.action(blocks.CLAIM)(ack=_acknowledge, lazy=[claim])
    app.action(blocks.ANSWER)(open_modal)
    app.view(blocks.ANSWER_MODAL)(submit)
