"""A deterministic assistant for channel tests: real conversations and escalations, canned answers."""

from __future__ import annotations

import time
from concurrent.futures import Executor, Future
from typing import Any

from assistant.errors import InvalidQuestionError
from assistant.services.assistant import HelpdeskAssistant
from assistant.services.escalations import EscalationRequest
from assistant.services.replies import AssistantReply, ChannelAddress, Citation

CANNED_ANSWER = "Here is what the guidance says:\n- Services above **EUR 221 000** need an EU tender [1]\n" \
                "- Compare <b>offers</b> & document it [2]"


class CannedAssistant(HelpdeskAssistant):
    """Answers every question the same way; questions mentioning 'my own case' are escalated."""

    answer_text = CANNED_ANSWER
    delay_s = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[str, str, ChannelAddress]] = []

    def ask(self, question: str, address: ChannelAddress | None = None, conversation_id: str | None = None,
            language: str | None = None, filters: Any = None) -> AssistantReply:
        address = address or ChannelAddress()
        question = (question or "").strip()
        if not question:
            raise InvalidQuestionError("the question is empty")
        if len(question) > self._settings.max_question_chars:
            raise InvalidQuestionError(f"the question is longer than {self._settings.max_question_chars} characters")
        conversation_id = self._conversations.open(address, conversation_id)
        self._conversations.record_question(conversation_id, question, "en")
        self.asked.append((question, conversation_id, address))
        time.sleep(self.delay_s)
        reply = AssistantReply(answer=self.answer_text, outcome="answered", confidence=0.8, language="en",
                               citations=_citations(), conversation_id=conversation_id)
        if "my own case" in question.lower():
            ticket = self._escalations.escalate(EscalationRequest(
                question=question, reason="own_case", channel=address.channel, reply_address=address.reply,
                conversation_id=conversation_id))
            reply.answer, reply.outcome, reply.escalation_id = f"Passed to an expert ({ticket.id}).", "escalated", \
                ticket.id
            reply.citations = []
        reply.message_id = self._conversations.record_answer(conversation_id, reply)
        return reply


def _citations() -> list[Citation]:
    return [
        Citation(n=1, document_id="t-app-01", title="Procurement of <cloud> services", section="4 Award > 4.2 Criteria",
                 page=None, snippet="...", score=0.9, url="http://testserver/documents/t-app-01#sec-4.2"),
        Citation(n=2, document_id="guide.pdf", title="EU guide & notes", section="", page=12, snippet="...",
                 score=0.7, url="http://testserver/documents/guide.pdf?page=12#page=12"),
    ]


class InlineExecutor(Executor):
    """Runs submitted work at once, in the caller's thread: Bolt's lazy listeners become synchronous."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed back through the future, as a real executor does
            future.set_exception(exc)
        return future
