"""Officials asking in Slack: mentions, direct messages, thread follow-ups, /procurement, and the answer buttons.

Each Slack thread is one helpdesk conversation, keyed by team, channel and thread timestamp. Every message is
handled at most once (a receipt per channel and timestamp), so Slack's retries and the twin `message` +
`app_mention` events of one message never produce a second answer or escalation. Escalations reach the experts
channel through the outbox (the notifications module), not from here.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.channels import slack_blocks as blocks
from assistant.channels.records import ChannelRecords, receipt_key
from assistant.errors import HelpdeskError, InvalidQuestionError, NotFoundError
from assistant.services.assistant import HelpdeskAssistant
from assistant.services.feedback import FeedbackService
from assistant.services.language import message
from assistant.services.replies import ChannelAddress

log = logging.getLogger(__name__)

CHANNEL = "slack"
ANSWERED_SUBTYPES = (None, "thread_broadcast", "file_share")
_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_CHANNEL_LINK = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_SLACK_ID = re.compile(r"^[A-Z0-9]{2,32}$")
UNAVAILABLE = "The helpdesk cannot answer right now. Please try again in a few minutes."
USAGE = "Ask a procurement question, e.g. `/procurement What is the EU threshold for services?`"


@dataclass(frozen=True)
class SlackThread:
    """Where a conversation lives in Slack: team, channel and the timestamp of the thread's first message."""

    team: str
    channel: str
    thread_ts: str

    @property
    def key(self) -> str:
        """The conversation's owner key: everyone in the thread continues the same conversation."""
        return f"slack:{self.team}:{self.channel}:{self.thread_ts}"

    def address(self) -> ChannelAddress:
        """Where answers (also an expert's, days later) are posted."""
        return ChannelAddress(channel=CHANNEL, owner_key=self.key,
                              reply={"team": self.team, "channel": self.channel, "thread_ts": self.thread_ts})


def plain_question(text: str) -> str:
    """The question as the official typed it: mentions removed, links and entities turned back into text."""
    text = _USER_MENTION.sub("", text or "")
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CHANNEL_LINK.sub(r"#\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def is_question_event(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A new human message (not an edit, deletion, bot or system message, nor the helpdesk's own)."""
    if event.get("subtype") not in ANSWERED_SUBTYPES or event.get("edited") or event.get("bot_id"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id and bool(event.get("channel")) and bool(event.get("ts"))


class SlackAnswers:
    """Turns Slack events into helpdesk questions and posts the replies in the thread."""

    def __init__(self, assistant: HelpdeskAssistant, records: ChannelRecords, feedback: FeedbackService) -> None:
        self._assistant = assistant
        self._records = records
        self._feedback = feedback

    # -- questions -------------------------------------------------------------
    def on_mention(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                   bot_user_id: str | None) -> None:
        """@helpdesk in a channel or thread: always answered."""
        if is_question_event(event, bot_user_id):
            self._answer_event(_team(body, event), event, client)

    def on_message(self, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                   bot_user_id: str | None) -> None:
        """Direct messages, and follow-ups in threads the helpdesk already answers; other chatter is ignored."""
        if not is_question_event(event, bot_user_id):
            return
        team = _team(body, event)
        if event.get("channel_type") != "im":
            thread_ts = event.get("thread_ts")
            if not thread_ts or self._records.conversation_for(CHANNEL, SlackThread(
                    team, event["channel"], thread_ts).key) is None:
                return
            if self._records.expert_for_slack_user(event["user"]) is not None:
                return  # experts talking to the official in the thread are not questions
        self._answer_event(team, event, client)

    def on_command(self, command: dict[str, Any], client: WebClient, respond: Any) -> None:
        """`/procurement <question>`: the question is posted in the channel and answered in its thread."""
        question = plain_question(command.get("text", ""))
        user, channel = command.get("user_id", ""), command.get("channel_id", "")
        if not question or not _SLACK_ID.match(user) or not channel:
            return
        trigger = str(command.get("trigger_id") or f"{channel}:{user}:{question[:100]}")
        if not self._records.first_time(receipt_key(CHANNEL, "command", trigger), CHANNEL):
            return
        root = blocks.escape(question if len(question) <= 2800 else question[:2800] + "…")
        try:
            posted = client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {root}")
        except SlackApiError as exc:
            log.info("slack command: cannot post in %s: %s", channel, exc.response.get("error"))
            respond(text="I cannot post in this channel. Invite me first (/invite) or send me a direct message.",
                    response_type="ephemeral")
            return
        thread = SlackThread(command.get("team_id", ""), channel, str(posted["ts"]))
        self._answer(thread, question, client)

    def _answer_event(self, team: str, event: dict[str, Any], client: WebClient) -> None:
        channel, ts = event["channel"], event["ts"]
        if not self._records.first_time(receipt_key(CHANNEL, "message", team, channel, ts), CHANNEL):
            return  # a retry, or the twin event of a message already answered
        thread = SlackThread(team, channel, event.get("thread_ts") or ts)
        self._answer(thread, plain_question(event.get("text", "")), client)

    def _answer(self, thread: SlackThread, question: str, client: WebClient) -> None:
        conversation_id = self._records.conversation_for(CHANNEL, thread.key)
        try:
            reply = self._assistant.ask(question, thread.address(), conversation_id)
        except InvalidQuestionError as exc:
            self._post(client, thread, [blocks.notice(f"Sorry, I cannot take this question: {exc}.")])
            return
        except HelpdeskError:
            log.exception("slack: answering failed in %s", thread.key)
            self._post(client, thread, [blocks.notice(UNAVAILABLE)])
            return
        self._post(client, thread, blocks.answer_messages(reply))

    # -- buttons -----------------------------------------------------------------
    def on_feedback(self, body: dict[str, Any], client: WebClient, rating: int) -> None:
        """Helpful / not helpful on an answer."""
        target = _button_target(body)
        if target is None:
            return
        thread, conversation_id, message_id, user = target
        try:
            self._feedback.record(conversation_id, message_id, rating, None, owner_key=thread.key)
            text = "Thank you, your feedback was recorded."
        except NotFoundError:
            text = "This answer is no longer available."
        _ephemeral(client, thread, user, text)

    def on_ask_expert(self, body: dict[str, Any], client: WebClient) -> None:
        """"Ask an expert" on an answer: the conversation goes to the expert queue once."""
        target = _button_target(body)
        if target is None:
            return
        thread, conversation_id, message_id, user = target
        try:
            ticket = self._assistant.request_expert(conversation_id, thread.address(), contact=f"slack:{user}",
                                                    idempotency_key=f"slack:{conversation_id}:{message_id}")
        except HelpdeskError as exc:
            _ephemeral(client, thread, user, f"Sorry, I could not pass this to an expert: {exc}.")
            return
        if not ticket.created:
            _ephemeral(client, thread, user, f"This question is already with an expert (reference {ticket.id}).")
            return
        due = ticket.due_at.strftime("%Y-%m-%d %H:%M UTC")
        text = message("escalated_human", "en") + " " + message("escalated", "en", ref=ticket.id, due=due)
        self._post(client, thread, [blocks.notice(text)])

    # -- posting -----------------------------------------------------------------
    def _post(self, client: WebClient, thread: SlackThread, messages: list[blocks.SlackMessage]) -> None:
        for item in messages:
            try:
                client.chat_postMessage(channel=thread.channel, thread_ts=thread.thread_ts, text=item.text,
                                        blocks=item.blocks, unfurl_links=False, unfurl_media=False)
            except SlackApiError as exc:
                log.warning("slack: posting in %s failed: %s", thread.key, exc.response.get("error"))
                return


def _team(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def _button_target(body: dict[str, Any]) -> tuple[SlackThread, str, int, str] | None:
    """The thread, conversation and answer a button under an answer refers to."""
    try:
        value = json.loads(body["actions"][0]["value"])
        conversation_id, message_id = str(value["c"]), int(value["m"])
        container = body["container"]
        posted = body.get("message") or {}
        thread_ts = posted.get("thread_ts") or container.get("thread_ts") or container["message_ts"]
        thread = SlackThread(str(body.get("team", {}).get("id", "")), container["channel_id"], thread_ts)
        return thread, conversation_id, message_id, str(body["user"]["id"])
    except (KeyError, IndexError, TypeError, ValueError):
        log.info("slack: ignoring a button with an unexpected payload")
        return None


def _ephemeral(client: WebClient, thread: SlackThread, user: str, text: str) -> None:
    try:
        client.chat_postEphemeral(channel=thread.channel, user=user, thread_ts=thread.thread_ts, text=text)
    except SlackApiError as exc:
        log.info("slack: ephemeral message failed: %s", exc.response.get("error"))
