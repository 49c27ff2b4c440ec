"""The Microsoft Teams bot (Bot Framework SDK): answers as Adaptive Cards, feedback and "Ask an expert".

Incoming activities are authenticated by the SDK (the Bot Framework's signed JWT) unless authentication is
switched off, which only the test settings do. The conversation reference of every conversation is stored with
it, so an expert's answer days later is delivered proactively to the same chat or channel thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botbuilder.core import ActivityHandler, CloudAdapterBase, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConfiguration,
    BotFrameworkAuthenticationFactory,
    PasswordServiceClientCredentialFactory,
)
from msrest.exceptions import DeserializationError
from requests import RequestException

from assistant.channels import teams_cards as cards
from assistant.channels.records import ChannelRecords, receipt_key
from assistant.config import Settings
from assistant.errors import ConfigurationError, HelpdeskError, InvalidQuestionError, NotFoundError
from assistant.services.assistant import HelpdeskAssistant
from assistant.services.feedback import FeedbackService
from assistant.services.language import message
from assistant.services.replies import ChannelAddress

if TYPE_CHECKING:
    from assistant.wiring import Helpdesk

log = logging.getLogger(__name__)

CHANNEL = "teams"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
WELCOME = ("Hello! Ask me about public procurement of digital solutions: EU thresholds and procedures, the "
           "procurement templates, tender documents, contracts. I answer with sources, and pass what I cannot "
           "answer to a human expert.")
UNAVAILABLE = "The helpdesk cannot answer right now. Please try again in a few minutes."


def create_teams_adapter(settings: Settings) -> CloudAdapterBase:
    """The Bot Framework adapter: validates incoming tokens, signs outgoing calls with the bot's credentials."""
    teams = settings.teams
    if not teams.auth_enabled and settings.environment == "production":
        raise ConfigurationError("HELPDESK_TEAMS__AUTH_ENABLED=false is refused in production")
    if teams.auth_enabled and not (teams.app_id and teams.app_password):
        raise ConfigurationError("Teams needs HELPDESK_TEAMS__APP_ID and HELPDESK_TEAMS__APP_PASSWORD")
    password = teams.app_password.get_secret_value() if teams.app_password else None
    credentials = PasswordServiceClientCredentialFactory(
        teams.app_id if teams.auth_enabled else None, password, teams.tenant_id)
    authentication = BotFrameworkAuthenticationFactory.create(
        credential_factory=credentials, auth_configuration=AuthenticationConfiguration())
    adapter = CloudAdapterBase(authentication)
    adapter.on_turn_error = _on_turn_error
    return adapter


def conversation_key(activity: Activity) -> str:
    """Owner key of the helpdesk conversation for a Teams conversation (chat, or channel thread)."""
    digest = hashlib.sha256(f"{activity.channel_id}|{activity.conversation.id}".encode()).hexdigest()[:48]
    return f"teams:{digest}"


class TeamsBot(ActivityHandler):
    """Answers messages, records feedback and hands conversations to experts."""

    def __init__(self, assistant: HelpdeskAssistant, records: ChannelRecords, feedback: FeedbackService) -> None:
        self._assistant = assistant
        self._records = records
        self._feedback = feedback

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A question, or a card action (which arrives as a message carrying `value`)."""
        activity = turn_context.activity
        if _from_bot(activity) or not activity.conversation or not activity.id:
            return
        key = receipt_key(CHANNEL, "activity", conversation_key(activity), activity.id)
        if not await asyncio.to_thread(self._records.first_time, key, CHANNEL):
            return  # redelivered by the channel
        if isinstance(activity.value, dict) and activity.value.get("action"):
            await self._on_card_action(turn_context, activity.value)
            return
        question = (TurnContext.remove_recipient_mention(activity) or activity.text or "").strip()
        if question:
            await self._answer(turn_context, question)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        """Greet whoever installs the bot in a personal chat (never a whole channel when someone joins a team)."""
        activity = turn_context.activity
        if activity.conversation is None or activity.conversation.conversation_type != "personal":
            return
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id != bot_id for member in members_added):
            await turn_context.send_activity(_plain(WELCOME))

    async def _answer(self, turn_context: TurnContext, question: str) -> None:
        address = _address(turn_context.activity)
        conversation_id = await asyncio.to_thread(self._records.conversation_for, CHANNEL, address.owner_key or "")
        try:
            reply = await asyncio.to_thread(self._assistant.ask, question, address, conversation_id)
        except InvalidQuestionError as exc:
            await turn_context.send_activity(_plain(f"Sorry, I cannot take this question: {exc}."))
            return
        except HelpdeskError:
            log.exception("teams: answering failed")
            await turn_context.send_activity(_plain(UNAVAILABLE))
            return
        await turn_context.send_activity(card_activity(cards.answer_card(reply)))

    async def _on_card_action(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        address = _address(turn_context.activity)
        try:
            conversation_id, message_id = str(value["c"]), int(value["m"])
        except (KeyError, TypeError, ValueError):
            return
        if value.get("action") == cards.ACTION_FEEDBACK:
            text = await self._record_feedback(conversation_id, message_id, value.get("rating"), address)
        elif value.get("action") == cards.ACTION_ASK_EXPERT:
            text = await self._ask_expert(conversation_id, message_id, address)
        else:
            return
        await turn_context.send_activity(_plain(text))

    async def _record_feedback(self, conversation_id: str, message_id: int, rating: Any,
                               address: ChannelAddress) -> str:
        if rating not in (1, -1):
            return "Unknown feedback."
        try:
            await asyncio.to_thread(self._feedback.record, conversation_id, message_id, rating, None,
                                    address.owner_key)
        except NotFoundError:
            return "This answer is no longer available."
        return "Thank you, your feedback was recorded."

    async def _ask_expert(self, conversation_id: str, message_id: int, address: ChannelAddress) -> str:
        try:
            ticket = await asyncio.to_thread(
                self._assistant.request_expert, conversation_id, address,
                idempotency_key=f"teams:{conversation_id}:{message_id}")
        except HelpdeskError as exc:
            return f"Sorry, I could not pass this to an expert: {exc}."
        if not ticket.created:
            return f"This question is already with an expert (reference {ticket.id})."
        due = ticket.due_at.strftime("%Y-%m-%d %H:%M UTC")
        return message("escalated_human", "en") + " " + message("escalated", "en", ref=ticket.id, due=due)


@dataclass
class TeamsEndpoint:
    """What the web route calls: the adapter and the bot."""

    adapter: CloudAdapterBase
    bot: TeamsBot
    app_id: str | None

    @classmethod
    def from_settings(cls, settings: Settings, helpdesk: Helpdesk) -> TeamsEndpoint:
        """Adapter and bot over the helpdesk's services."""
        bot = TeamsBot(helpdesk.assistant, ChannelRecords(helpdesk.db), FeedbackService(helpdesk.db))
        return cls(create_teams_adapter(settings), bot, settings.teams.app_id)

    async def process(self, payload: dict[str, Any], authorization: str) -> tuple[int, Any]:
        """Authenticate and run one activity; (HTTP status, body).

        Raises PermissionError when the token is missing or invalid, ConnectionError when the Bot Framework's
        signing keys cannot be fetched to check it.
        """
        try:
            activity = Activity().deserialize(payload)
        except DeserializationError:
            return 400, {"detail": "not a Bot Framework activity"}
        if not activity.type or not activity.service_url or not activity.conversation:
            return 400, {"detail": "not a Bot Framework activity"}
        authenticated = await self._authenticate(activity, authorization)
        response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if response is None:
            return 200, None
        return int(response.status), response.body

    async def _authenticate(self, activity: Activity, authorization: str) -> AuthenticateRequestResult:
        try:
            return await self.adapter.bot_framework_authentication.authenticate_request(activity, authorization)
        except PermissionError:
            raise
        except (OSError, RequestException) as exc:
            raise ConnectionError(f"cannot fetch the Bot Framework signing keys: {exc}") from exc
        except Exception as exc:  # the SDK reports malformed tokens and unknown keys with assorted errors
            raise PermissionError(f"invalid token ({type(exc).__name__})") from exc


def card_activity(card: dict[str, Any]) -> Activity:
    """A message carrying one Adaptive Card."""
    return MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=card))


def _plain(text: str) -> Activity:
    activity = MessageFactory.text(text)
    activity.text_format = "plain"
    return activity


def _from_bot(activity: Activity) -> bool:
    sender = activity.from_property
    recipient = activity.recipient
    return sender is None or sender.role == "bot" or (recipient is not None and sender.id == recipient.id)


def _address(activity: Activity) -> ChannelAddress:
    reference = TurnContext.get_conversation_reference(activity).serialize()
    return ChannelAddress(channel=CHANNEL, owner_key=conversation_key(activity),
                          reply={"conversation_reference": reference})


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    log.error("teams: turn failed: %s", error, exc_info=error)
    if turn_context.activity.type != ActivityTypes.message:
        return
    try:
        await turn_context.send_activity(_plain(UNAVAILABLE))
    except Exception as exc:  # noqa: BLE001 - the connector itself is failing; nothing more to tell the user
        log.error("teams: could not report the failure either: %s", exc)
