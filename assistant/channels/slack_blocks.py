"""Block Kit for the helpdesk: answers with numbered sources and buttons, escalation cards, the answer modal.

All user and document text is escaped for Slack mrkdwn (&, <, >), and long texts are split to respect Slack's
limits: 3,000 characters per section, 50 blocks per message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.services.replies import AssistantReply, Citation

SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
MESSAGE_CHAR_BUDGET = 36000  # below Slack's 40,000-character message limit
FALLBACK_LIMIT = 2900
SOURCE_LABEL_LIMIT = 280
QUESTION_PREVIEW = 2800

FEEDBACK_UP = "helpdesk_feedback_up"
FEEDBACK_DOWN = "helpdesk_feedback_down"
ASK_EXPERT = "helpdesk_ask_expert"
CLAIM = "helpdesk_claim"
ANSWER = "helpdesk_answer"
ANSWER_MODAL = "helpdesk_expert_answer"
ANSWER_BLOCK, ANSWER_INPUT = "answer", "text"
PUBLISH_BLOCK, PUBLISH_INPUT = "publish", "publish"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^([-*+])\s+", re.MULTILINE)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")
_OUTCOME = {"answered": ":white_check_mark: Answered from the helpdesk's templates and guidance",
            "escalated": ":bust_in_silhouette: Passed to a human procurement expert",
            "declined": ":no_entry_sign: Outside the helpdesk's scope"}
_STATUS = {"open": "Open", "reopened": "Reopened", "claimed": "Claimed", "answered": "Answered", "closed": "Closed"}
CLAIMABLE = ("open", "reopened")
ANSWERABLE = ("open", "reopened", "claimed")


@dataclass
class SlackMessage:
    """One chat.postMessage payload: notification text and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str) -> str:
    """The assistant's Markdown-ish answer as escaped Slack mrkdwn (bold and bullets kept)."""
    return _BULLET.sub("• ", _BOLD.sub(r"*\1*", escape(text)))


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or a space, never inside an &entity;."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        tail = _ENTITY_TAIL.search(rest[:cut])
        if tail:
            cut = tail.start()
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block (text must already be escaped and within the limit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text or " "}}


def context(text: str) -> dict[str, Any]:
    """A small grey line under a message."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button element."""
    element: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": label[:75]},
                               "action_id": action_id, "value": value[:2000]}
    if style:
        element["style"] = style
    return element


def source_line(citation: Citation) -> str:
    """`[n] Title — Section, p. 3` linked to the web source viewer."""
    label = f"[{citation.n}] {citation.title}"
    if citation.section:
        label += f" — {citation.section}"
    if citation.page:
        label += f", p. {citation.page}"
    label = escape(label[:SOURCE_LABEL_LIMIT])
    return f"<{escape(citation.url)}|{label}>" if citation.url else label


def reply_value(reply: AssistantReply) -> str:
    """Button value naming the answer: its conversation and message."""
    return json.dumps({"c": reply.conversation_id, "m": reply.message_id}, separators=(",", ":"))


def answer_messages(reply: AssistantReply) -> list[SlackMessage]:
    """The reply as one or more thread messages; sources, outcome and buttons close the last one."""
    body = [section(piece) for piece in split_text(to_mrkdwn(reply.answer))]
    closing: list[dict[str, Any]] = []
    if reply.citations:
        lines = "\n".join(source_line(c) for c in reply.citations)
        closing += [section(piece) for piece in split_text(f"*Sources*\n{lines}")]
    closing.append(context(_outcome_line(reply)))
    closing.append(_answer_actions(reply))
    return [SlackMessage(_fallback(reply.answer), blocks) for blocks in _pack(body, closing)]


def notice(text: str) -> SlackMessage:
    """A short plain message (errors, confirmations), escaped."""
    return SlackMessage(_fallback(text), [section(piece) for piece in split_text(escape(text))][:MESSAGE_BLOCK_LIMIT])


def expert_answer_messages(text: str, heading: str, escalation_id: str | None) -> list[SlackMessage]:
    """An expert's answer, delivered to the official's thread."""
    title = f"*{escape(heading)}*" + (f" ({escape(escalation_id)})" if escalation_id else "")
    body = [section(piece) for piece in split_text(to_mrkdwn(text))]
    return [SlackMessage(_fallback(f"{heading}: {text}"), blocks) for blocks in _pack([section(title), *body], [])]


def escalation_blocks(escalation: dict[str, Any], status: str, by: str | None = None) -> list[dict[str, Any]]:
    """The experts-channel card of an escalation, with Claim and Answer while it is open."""
    ref = str(escalation.get("id", ""))
    question = str(escalation.get("question", ""))
    if len(question) > QUESTION_PREVIEW:
        question = question[:QUESTION_PREVIEW] + "…"
    facts = [("Reason", escalation.get("reason")), ("Language", escalation.get("language")),
             ("From", escalation.get("channel")), ("Due", escalation.get("due_at")),
             ("Municipality", escalation.get("municipality")), ("Country", escalation.get("country"))]
    fields = [{"type": "mrkdwn", "text": f"*{name}*\n{escape(str(value))[:500]}"} for name, value in facts if value]
    label = _STATUS.get(status, status.capitalize())
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Escalation {ref}"[:150]}},
        section(escape(question)),
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})
    blocks.append(context(f"Status: *{escape(label)}*" + (f" by {escape(by)}" if by else "")))
    buttons = []
    if status in CLAIMABLE:
        buttons.append(button("Claim", CLAIM, ref, "primary"))
    if status in ANSWERABLE:
        buttons.append(button("Answer", ANSWER, ref))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"escalation:{ref}"[:255], "elements": buttons})
    return blocks


def answer_modal(escalation_id: str, question: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The modal an expert writes the answer in."""
    preview = question if len(question) <= QUESTION_PREVIEW else question[:QUESTION_PREVIEW] + "…"
    return {
        "type": "modal", "callback_id": ANSWER_MODAL, "private_metadata": json.dumps(metadata)[:3000],
        "title": {"type": "plain_text", "text": "Answer escalation"},
        "submit": {"type": "plain_text", "text": "Send answer"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{escape(escalation_id)}*\n{escape(preview)}"),
            {"type": "input", "block_id": ANSWER_BLOCK, "label": {"type": "plain_text", "text": "Your answer"},
             "element": {"type": "plain_text_input", "action_id": ANSWER_INPUT, "multiline": True,
                         "max_length": SECTION_LIMIT}},
            {"type": "input", "block_id": PUBLISH_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "Knowledge base"},
             "element": {"type": "checkboxes", "action_id": PUBLISH_INPUT, "options": [
                 {"text": {"type": "plain_text", "text": "Publish this answer to the knowledge base"},
                  "value": "publish"}]}},
        ],
    }


def _outcome_line(reply: AssistantReply) -> str:
    line = _OUTCOME.get(reply.outcome, escape(reply.outcome))
    if reply.outcome == "answered":
        line += f" · confidence {round(reply.confidence * 100)}%"
    if reply.escalation_id:
        line += f" · reference {escape(reply.escalation_id)}"
    return line


def _answer_actions(reply: AssistantReply) -> dict[str, Any]:
    value = reply_value(reply)
    elements = [button("Helpful", FEEDBACK_UP, value), button("Not helpful", FEEDBACK_DOWN, value)]
    if reply.outcome == "answered":
        elements.append(button("Ask an expert", ASK_EXPERT, value, "primary"))
    return {"type": "actions", "block_id": "answer_actions", "elements": elements}


def _pack(body: list[dict[str, Any]], closing: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Blocks grouped into messages within Slack's block and size limits; `closing` stays together, last."""
    messages: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for block in body:
        if current and not _fits(current, [block]):
            messages.append(current)
            current = []
        current.append(block)
    if closing and current and not _fits(current, closing):
        messages.append(current)
        current = []
    current.extend(closing)
    if current:
        messages.append(current)
    return messages


def _fits(blocks: list[dict[str, Any]], more: list[dict[str, Any]]) -> bool:
    return (len(blocks) + len(more) <= MESSAGE_BLOCK_LIMIT
            and _size(blocks) + _size(more) <= MESSAGE_CHAR_BUDGET)


def _size(blocks: list[dict[str, Any]]) -> int:
    return sum(len(json.dumps(b)) for b in blocks)


def _fallback(text: str) -> str:
    text = escape(text.strip())
    return text if len(text) <= FALLBACK_LIMIT else text[:FALLBACK_LIMIT] + "…"
