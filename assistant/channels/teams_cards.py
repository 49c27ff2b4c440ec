"""Adaptive Cards for Teams: the answer with numbered sources, its outcome and actions; an expert's answer.

User and document text goes into RichTextBlock text runs, which Teams shows as plain text (no Markdown, no
links), so nothing an official or a document writes can turn into formatting or a disguised link. Only the
source links the helpdesk builds itself are clickable.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.services.replies import AssistantReply, Citation

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ACTION_FEEDBACK = "helpdesk.feedback"
ACTION_ASK_EXPERT = "helpdesk.ask_expert"
MAX_TEXT = 20000  # Teams rejects messages above ~28 KB
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_OUTCOME = {"answered": "Answered from the helpdesk's templates and guidance",
            "escalated": "Passed to a human procurement expert",
            "declined": "Outside the helpdesk's scope"}


def plain(text: str, limit: int = MAX_TEXT) -> str:
    """Text for a text run: Markdown bold markers dropped, control characters removed, length capped."""
    text = _BOLD.sub(r"\1", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)
    return text if len(text) <= limit else text[:limit] + "…"


def text_runs(text: str, **style: Any) -> dict[str, Any]:
    """A RichTextBlock with one plain text run (never interpreted as Markdown)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": plain(text), **style}]}


def source_run(citation: Citation) -> dict[str, Any]:
    """`[n] Title — Section, p. 3`, opening the web source viewer."""
    label = f"[{citation.n}] {citation.title}"
    if citation.section:
        label += f" — {citation.section}"
    if citation.page:
        label += f", p. {citation.page}"
    run: dict[str, Any] = {"type": "TextRun", "text": plain(label, 300)}
    if citation.url.startswith(("http://", "https://")):
        run.update(color="accent", selectAction={"type": "Action.OpenUrl", "url": citation.url})
    return {"type": "RichTextBlock", "inlines": [run]}


def answer_card(reply: AssistantReply) -> dict[str, Any]:
    """The assistant's reply as an Adaptive Card."""
    body: list[dict[str, Any]] = [text_runs(reply.answer)]
    if reply.citations:
        body.append({"type": "TextBlock", "text": "Sources", "weight": "Bolder", "spacing": "Medium"})
        body.extend(source_run(c) for c in reply.citations)
    outcome = _OUTCOME.get(reply.outcome, reply.outcome)
    if reply.outcome == "answered":
        outcome += f" · confidence {round(reply.confidence * 100)}%"
    if reply.escalation_id:
        outcome += f" · reference {reply.escalation_id}"
    body.append(text_runs(outcome, isSubtle=True, size="Small"))
    data = {"c": reply.conversation_id, "m": reply.message_id}
    actions = [_submit("Helpful", {"action": ACTION_FEEDBACK, "rating": 1, **data}),
               _submit("Not helpful", {"action": ACTION_FEEDBACK, "rating": -1, **data})]
    if reply.outcome == "answered":
        actions.append(_submit("Ask an expert", {"action": ACTION_ASK_EXPERT, **data}))
    return _card(body, actions)


def expert_answer_card(text: str, heading: str, escalation_id: str | None) -> dict[str, Any]:
    """An expert's answer, delivered proactively to the conversation the question came from."""
    title = heading + (f" ({escalation_id})" if escalation_id else "")
    return _card([{"type": "TextBlock", "text": plain(title, 200), "weight": "Bolder", "wrap": True},
                  text_runs(text)], [])


def _submit(title: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": data}


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card
