"""Follow-up questions ("and for works contracts?") rewritten into standalone queries from the conversation."""

from __future__ import annotations

import re

from assistant.services.conversations import Turn

_FOLLOW_UP = re.compile(
    r"^\s*(and|what about|how about|same for|also|or|but|then|und|was ist mit|et|qu'en est-il|y|e|i|en|ou|o|a|"
    r"oraz|albo|і|и|και|ale|mais|pero|ma|maar|mas)\b|^\s*(for|für|pour|para|per|dla|voor|за|για|pro)\b",
    re.IGNORECASE,
)
_PRONOUN_ONLY = re.compile(r"\b(it|that|this|those|these|they|them|es|das|cela|ça|esto|eso|questo|to|dat|isso)\b",
                           re.IGNORECASE)
SHORT = 7


def is_follow_up(question: str) -> bool:
    """Whether the question leans on the previous one to make sense."""
    words = question.split()
    return bool(_FOLLOW_UP.match(question)) or (len(words) <= SHORT and bool(_PRONOUN_ONLY.search(question)))


def previous_topic(history: list[Turn]) -> str | None:
    """The last question that stood on its own (follow-ups are chained back to it)."""
    chain: list[str] = []
    for turn in reversed(history):
        if turn.role != "user":
            continue
        chain.append(turn.content)
        if not is_follow_up(turn.content):
            break
    return " ".join(reversed(chain)) if chain else None


def standalone_query(question: str, history: list[Turn]) -> tuple[str, str | None]:
    """(query to retrieve with, the earlier question it continues or None)."""
    if not history or not is_follow_up(question):
        return question, None
    topic = previous_topic(history)
    if not topic:
        return question, None
    return f"{topic} {question}", topic
