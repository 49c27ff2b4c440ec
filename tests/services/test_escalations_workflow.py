"""Linking similar questions, reminders and overdue flags, notifications in the outbox, review-before-send."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationRequest, EscalationService
from assistant.services.expert_queue import AnswerForm, ExpertQueue
from assistant.services.experts import ExpertService
from assistant.services.notifications import Notifier
from assistant.services.replies import ChannelAddress
from assistant.store.models import Escalation, OutboxMessage
from tests.conftest import make_settings
from tests.experts_support import BACKENDS, FAST_HASHER, WordEmbedder, database_for


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    yield from database_for(request.param, tmp_path, request)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(db, tmp_path, clock):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, notify={"smtp_host": "127.0.0.1", "smtp_to": ["desk@example.eu"],
                                               "webhook_url": "http://127.0.0.1:9/hook"},
                             slack={"bot_token": "xoxb-test", "experts_channel": "C-EXPERTS"})
    notifier = Notifier(settings)
    conversations = ConversationService(db)
    return {"db": db, "conversations": conversations, "experts": ExpertService(db, FAST_HASHER),
            "escalations": EscalationService(db, settings.escalation, embedder=WordEmbedder(), notifier=notifier,
                                             conversations=conversations, clock=clock),
            "queue": ExpertQueue(db, settings.escalation, notifier=notifier, clock=clock)}


def _outbox(db, **where):  # type: ignore[no-untyped-def]
    with db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for key, value in where.items():
            query = query.where(getattr(OutboxMessage, key) == value)
        return [(o.kind, o.channel, o.address, o.payload) for o in session.scalars(query)]


def test_creation_announces_to_every_configured_channel(desk) -> None:  # type: ignore[no-untyped-def]
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery", topics=["cloud"])
    ticket = desk["escalations"].escalate(EscalationRequest("Which cloud exit clauses do we need?", "low_confidence",
                                                            topics=["cloud"]))
    sent = _outbox(desk["db"], escalation_id=ticket.id)
    assert sorted(channel for _, channel, _, _ in sent) == ["email", "slack", "webhook"]
    email = next(s for s in sent if s[1] == "email")
    assert email[2] == {"to": sorted(["anna@example.eu", "desk@example.eu"])}
    assert email[3]["event"] == "escalation.created" and "Anna" in email[3]["text"]
    assert email[3]["url"].endswith(f"/console/escalations/{ticket.id}")
    assert next(s for s in sent if s[1] == "slack")[2] == {"channel": "C-EXPERTS"}
    assert anna.id > 0


def test_similar_open_questions_are_linked_and_one_answer_serves_all(desk) -> None:  # type: ignore[no-untyped-def]
    service, conversations = desk["escalations"], desk["conversations"]
    first_conv = conversations.open(ChannelAddress(owner_key="a"))
    second_conv = conversations.open(ChannelAddress(owner_key="b"))
    first = service.escalate(EscalationRequest("May we extend a framework agreement beyond four years?",
                                               "low_confidence", conversation_id=first_conv))
    second = service.escalate(EscalationRequest("May we extend the framework agreement beyond four years",
                                                "user_requested", conversation_id=second_conv))
    other = service.escalate(EscalationRequest("Which accessibility standard applies to our website?",
                                               "low_confidence"))
    german = service.escalate(EscalationRequest("May we extend a framework agreement beyond four years?",
                                                "low_confidence", language="de", idempotency_key="de"))
    assert service.link_new() == 1
    assert service.link_new() == 0  # each escalation is embedded once
    with desk["db"].session() as session:
        links = {e.id: e.linked_to for e in session.scalars(select(Escalation))}
        assert all(len(session.get(Escalation, i).embedding) == 256 for i in links)
    assert links == {first.id: None, second.id: first.id, other.id: None, german.id: None}
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    answered = desk["queue"].answer(first.id, anna, AnswerForm("No, four years at most (Art 33(1))."))
    assert answered == [first.id, second.id]
    assert service.official_view(second.id, "b")["answer"] == "No, four years at most (Art 33(1))."
    web = _outbox(desk["db"], channel="web")
    assert [address["conversation_id"] for _, _, address, _ in web] == [first_conv, second_conv]


def test_unlink(desk) -> None:  # type: ignore[no-untyped-def]
    service = desk["escalations"]
    first = service.escalate(EscalationRequest("Is a dynamic purchasing system allowed for laptops?", "x"))
    second = service.escalate(EscalationRequest("Is a dynamic purchasing system allowed for laptops", "y"))
    service.link_new()
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    desk["queue"].unlink(second.id, anna)
    assert desk["queue"].answer(first.id, anna, AnswerForm("Yes.")) == [first.id]


def test_reminder_before_sla_and_overdue_flag_once(desk, clock) -> None:  # type: ignore[no-untyped-def]
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    service = desk["escalations"]
    ticket = service.escalate(EscalationRequest("A hard question on remedies", "own_case"))
    desk["queue"].claim(ticket.id, anna)
    assert service.check_deadlines() == {"reminded": 0, "overdue": 0}
    clock.now = clock.now + dt.timedelta(days=2) - dt.timedelta(hours=3)  # due Wednesday 09:00; now 06:00
    assert service.check_deadlines() == {"reminded": 1, "overdue": 0}
    assert service.check_deadlines() == {"reminded": 0, "overdue": 0}
    clock.now += dt.timedelta(hours=4)
    assert service.check_deadlines() == {"reminded": 0, "overdue": 1}
    assert service.check_deadlines() == {"reminded": 0, "overdue": 0}
    events = [(channel, payload["event"], address) for _, channel, address, payload in
              _outbox(desk["db"], kind="notification") if channel == "email"]
    assert events[-2:] == [("email", "escalation.reminder", {"to": ["anna@example.eu", "desk@example.eu"]}),
                           ("email", "escalation.overdue", {"to": ["anna@example.eu", "desk@example.eu"]})]
    desk["queue"].answer(ticket.id, anna, AnswerForm("Answer"))
    desk["queue"].reopen(ticket.id, anna)  # a reopened escalation gets a new answer time and new reminders
    with desk["db"].session() as session:
        record = session.get(Escalation, ticket.id)
        assert record.reminder_sent_at is None and record.overdue_flagged_at is None


def test_status_changes_update_slack_and_webhook_but_send_no_email(desk) -> None:  # type: ignore[no-untyped-def]
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    ticket = desk["escalations"].escalate(EscalationRequest("Question", "low_confidence"))
    desk["queue"].claim(ticket.id, anna)
    claimed = [(channel, payload.get("expert")) for _, channel, _, payload in _outbox(desk["db"], kind="notification")
               if payload["event"] == "escalation.claimed"]
    assert sorted(claimed) == [("slack", "Anna"), ("webhook", "Anna")]


def test_review_escalation_answer_goes_to_the_official(desk) -> None:  # type: ignore[no-untyped-def]
    conversation = desk["conversations"].open(ChannelAddress(owner_key="o"))
    ticket = desk["escalations"].escalate(EscalationRequest(
        "What is the threshold?", "review", kind="review", conversation_id=conversation,
        draft_answer="The threshold is EUR 216,000 [1]."))
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    page = desk["queue"].get(ticket.id, anna)
    assert page["kind"] == "review" and page["draft_answer"] == "The threshold is EUR 216,000 [1]."
    desk["queue"].answer(ticket.id, anna, AnswerForm(page["draft_answer"]))  # approved unchanged
    web = _outbox(desk["db"], channel="web")
    assert web[0][3]["text"] == "The threshold is EUR 216,000 [1]."


def test_slack_escalation_answer_goes_back_to_the_thread(desk) -> None:  # type: ignore[no-untyped-def]
    conversation = desk["conversations"].open(ChannelAddress(channel="slack", owner_key="U1"))
    ticket = desk["escalations"].escalate(EscalationRequest(
        "Question from Slack", "low_confidence", channel="slack", conversation_id=conversation,
        reply_address={"channel": "C1", "thread_ts": "123.456"}, language="de"))
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    desk["queue"].answer(ticket.id, anna, AnswerForm("Antwort"))
    answers = _outbox(desk["db"], kind="expert_answer")
    assert [(channel, address) for _, channel, address, _ in answers] == [
        ("web", {"conversation_id": conversation}), ("slack", {"channel": "C1", "thread_ts": "123.456"})]
    assert answers[1][3]["expert"] == "Anna" and answers[1][3]["heading"]
