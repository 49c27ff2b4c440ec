"""The assistant answers calculation questions through the advisor, in `ask` and in `stream`."""

from __future__ import annotations

from assistant.services.replies import ChannelAddress

WEB = ChannelAddress(channel="web", owner_key="browser-calc")


def test_calculation_question_is_answered_by_the_advisor(helpdesk) -> None:
    reply = helpdesk.assistant.ask("We have 180k a year for 3 years of SaaS with a one-year option, excluding VAT, "
                                   "for our municipality in 2026: EU tender?", WEB)
    assert reply.outcome == "answered" and reply.reason == "calculation" and reply.escalation_id is None
    assert "EUR 720,000" in reply.answer and "EUR 216,000" in reply.answer and "Art 5(1)" in reply.answer
    assert reply.citations and reply.citations[0].url.startswith("http://testserver/documents/G-01#sec-")
    history = helpdesk.conversations.history(reply.conversation_id)
    assert [t.role for t in history][-2:] == ["user", "assistant"]


def test_streamed_calculation_gives_the_same_answer(helpdesk) -> None:
    events = list(helpdesk.assistant.stream("We send the award decision electronically on Monday 2 March 2026. "
                                            "When can we sign the contract at the earliest?", WEB))
    reply = events[-1].reply
    assert reply is not None and reply.outcome == "answered"
    assert "Friday 13 March 2026" in reply.answer
    assert "".join(e.text for e in events if e.kind == "token") == reply.answer
    assert {c.document_id for c in reply.citations} == {"G-10"}


def test_a_german_calculation_question_is_answered_in_german(helpdesk) -> None:
    reply = helpdesk.assistant.ask("Wir versenden die Zuschlagsentscheidung elektronisch am Montag, 2. März 2026. "
                                   "Wann dürfen wir frühestens den Vertrag unterzeichnen?", WEB)
    assert reply.outcome == "answered" and reply.reason == "calculation" and reply.language == "de"
    assert "Der Vertrag darf frühestens am Freitag, 13. März 2026 geschlossen werden." in reply.answer
    assert "Ende der Stillhaltefrist (10 Kalendertage)" in reply.answer and "End of standstill" not in reply.answer
