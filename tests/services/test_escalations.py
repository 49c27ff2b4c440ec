"""Escalation lifecycle on SQLite and PostgreSQL: idempotent creation, offers, claim/answer/close/reopen, details."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from assistant.config import EscalationSettings
from assistant.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationRequest, EscalationService, add_working_days
from assistant.services.expert_queue import AnswerForm, ExpertQueue, QueueFilters, months_later
from assistant.services.experts import ExpertService
from assistant.services.replies import ChannelAddress
from assistant.store.models import AuditEntry, Escalation, Message, OutboxMessage
from tests.experts_support import BACKENDS, FAST_HASHER, database_for


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    yield from database_for(request.param, tmp_path, request)


@pytest.fixture
def desk(db):  # type: ignore[no-untyped-def]
    settings = EscalationSettings()
    conversations = ConversationService(db)
    experts = ExpertService(db, FAST_HASHER)
    return {"db": db, "conversations": conversations, "experts": experts,
            "escalations": EscalationService(db, settings, conversations=conversations),
            "queue": ExpertQueue(db, settings)}


def _request(conversation_id: str | None = None, **overrides) -> EscalationRequest:  # type: ignore[no-untyped-def]
    values = {"question": "Can we extend our cloud framework agreement beyond four years?",
              "reason": "low_confidence", "conversation_id": conversation_id, "language": "en", "country": "DE",
              "topics": ["framework agreements"], "draft_answer": "Framework agreements last at most 4 years."}
    values.update(overrides)
    return EscalationRequest(**values)


def test_same_request_twice_creates_one_escalation(desk) -> None:  # type: ignore[no-untyped-def]
    first = desk["escalations"].escalate(_request(idempotency_key="retry-1"))
    again = desk["escalations"].escalate(_request(idempotency_key="retry-1"))
    assert first.created and not again.created and first.id == again.id
    with desk["db"].session() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 1
        stored = session.get(Escalation, first.id)
        assert stored.status == "open" and stored.draft_answer.startswith("Framework")


def test_concurrent_retries_create_exactly_one(desk) -> None:  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda _: desk["escalations"].escalate(_request(idempotency_key="race")), range(16)))
    assert len({t.id for t in tickets}) == 1
    assert sum(t.created for t in tickets) == 1
    with desk["db"].session() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 1


def test_due_time_counts_working_days() -> None:
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    assert add_working_days(friday, 2) == dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    assert months_later(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


def test_empty_question_is_refused(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError):
        desk["escalations"].escalate(_request(question="   "))


def test_new_escalation_is_offered_to_matching_experts_first(desk) -> None:  # type: ignore[no-untyped-def]
    experts = desk["experts"]
    match = experts.add("anna@example.eu", "Anna", "correct horse battery", topics=["framework agreements"],
                        countries=["DE"], languages=["de", "en"])
    experts.add("pierre@example.eu", "Pierre", "correct horse battery", languages=["fr"])
    generalist = experts.add("gina@example.eu", "Gina", "correct horse battery")
    ticket = desk["escalations"].escalate(_request())
    with desk["db"].session() as session:
        offered = session.get(Escalation, ticket.id).offered_to
    assert offered[0] == match.id and generalist.id in offered
    assert len(offered) == 2  # Pierre reads no English
    queue = desk["queue"].find(QueueFilters(), match)
    assert queue["items"][0]["offered_to_me"] is True


def test_lifecycle_claim_answer_close_reopen(desk) -> None:  # type: ignore[no-untyped-def]
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    ben = desk["experts"].add("ben@example.eu", "Ben", "correct horse battery")
    conversation = desk["conversations"].open(ChannelAddress(owner_key="browser-1"))
    ticket = desk["escalations"].escalate(_request(conversation))
    queue = desk["queue"]
    queue.claim(ticket.id, anna)
    with pytest.raises(PermissionDeniedError):
        queue.claim(ticket.id, ben)
    with pytest.raises(PermissionDeniedError):
        queue.answer(ticket.id, ben, AnswerForm("Mine"))
    answered = queue.answer(ticket.id, anna, AnswerForm("**Four years**, Art 33(1).", legal_basis="Art 33(1)"))
    assert answered == [ticket.id]
    with desk["db"].session() as session:
        record = session.get(Escalation, ticket.id)
        assert (record.status, record.assignee_id, record.legal_basis) == ("answered", anna.id, "Art 33(1)")
        outbox = session.scalars(select(OutboxMessage).where(OutboxMessage.escalation_id == ticket.id)).all()
        assert [(o.kind, o.channel, o.address) for o in outbox] == [
            ("expert_answer", "web", {"conversation_id": conversation})]
    with pytest.raises(ConflictError):
        queue.answer(ticket.id, anna, AnswerForm("again"))
    queue.close(ticket.id, anna)
    with pytest.raises(ConflictError):
        queue.close(ticket.id, anna)
    queue.reopen(ticket.id, ben)
    status = desk["escalations"].status(ticket.id)
    assert status["status"] == "reopened" and status["answer"] is None
    queue.answer(ticket.id, ben, AnswerForm("Updated answer"))
    assert desk["escalations"].status(ticket.id)["answer"] == "Updated answer"
    with desk["db"].session() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).where(AuditEntry.target == ticket.id)
                                                     .order_by(AuditEntry.id))]
    assert actions == ["escalation.create", "escalation.claim", "escalation.answer", "escalation.close",
                       "escalation.reopen", "escalation.answer"]


def test_answer_validation(desk) -> None:  # type: ignore[no-untyped-def]
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    ticket = desk["escalations"].escalate(_request())
    with pytest.raises(InvalidInputError):
        desk["queue"].answer(ticket.id, anna, AnswerForm("  "))
    with pytest.raises(InvalidInputError):
        desk["queue"].answer(ticket.id, anna, AnswerForm("ok", review_by=dt.date(2000, 1, 1)))
    with pytest.raises(NotFoundError):
        desk["queue"].answer("ESC-NOPE00", anna, AnswerForm("ok"))
    assert desk["escalations"].status(ticket.id)["status"] == "open"  # nothing half-stored


def test_answer_and_outbox_commit_together(desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """If the outbox write fails, the status change is rolled back too: no answered escalation without delivery."""
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    conversation = desk["conversations"].open(ChannelAddress(owner_key="b"))
    ticket = desk["escalations"].escalate(_request(conversation))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr("assistant.services.expert_queue.enqueue", broken)
    with pytest.raises(RuntimeError):
        desk["queue"].answer(ticket.id, anna, AnswerForm("An answer"))
    assert desk["escalations"].status(ticket.id)["status"] == "open"


def test_official_adds_details_and_sees_status_only_for_own(desk) -> None:  # type: ignore[no-untyped-def]
    conversation = desk["conversations"].open(ChannelAddress(owner_key="browser-1"))
    ticket = desk["escalations"].escalate(_request(conversation))
    service = desk["escalations"]
    view = service.add_details(ticket.id, "browser-1", "We are a municipality of 40,000 <b>inhabitants</b>.")
    assert view["details"][0]["text"].endswith("<b>inhabitants</b>.") and view["status"] == "open"
    with pytest.raises(NotFoundError):
        service.official_view(ticket.id, "someone-else")
    with pytest.raises(NotFoundError):
        service.add_details(ticket.id, "someone-else", "hello")
    with pytest.raises(InvalidInputError):
        service.add_details(ticket.id, "browser-1", "")
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    desk["queue"].answer(ticket.id, anna, AnswerForm("Yes."))
    assert service.official_view(ticket.id, "browser-1")["answer"] == "Yes."
    with pytest.raises(ConflictError):
        service.add_details(ticket.id, "browser-1", "too late")


def test_queue_filters_and_counts(desk) -> None:  # type: ignore[no-untyped-def]
    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    service = desk["escalations"]
    de = service.escalate(_request(question="Frage eins zur Vergabe", language="de", country="DE"))
    service.escalate(_request(question="Question deux", language="fr", country="FR", channel="slack"))
    late = service.escalate(_request(question="An overdue one", language="en", country="IE"))
    with desk["db"].session() as session:
        session.get(Escalation, late.id).due_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    desk["queue"].answer(de.id, anna, AnswerForm("Antwort"))
    queue = desk["queue"]
    result = queue.find(QueueFilters(), anna)
    assert result["counts"]["open"] == 2 and result["counts"]["answered"] == 1 and result["counts"]["overdue"] == 1
    assert [row["id"] for row in result["items"]][0] == late.id and len(result["items"]) == 2  # by due time
    assert [r["language"] for r in queue.find(QueueFilters(status="all", language="de"), anna)["items"]] == ["de"]
    assert [r["channel"] for r in queue.find(QueueFilters(channel="slack"), anna)["items"]] == ["slack"]
    assert [r["id"] for r in queue.find(QueueFilters(overdue=True), anna)["items"]] == [late.id]
    assert [r["id"] for r in queue.find(QueueFilters(status="answered", country="de"), anna)["items"]] == [de.id]
    assert queue.find(QueueFilters(status="all", mine=True), anna)["items"][0]["id"] == de.id
    for bad in (QueueFilters(status="lost"), QueueFilters(channel="fax"), QueueFilters(language="<script>")):
        with pytest.raises(InvalidInputError):
            queue.find(bad, anna)


def test_expert_answer_reaches_conversation_via_web_delivery(desk) -> None:  # type: ignore[no-untyped-def]
    from assistant.services.delivery import OutboxWorker
    from assistant.services.delivery_channels import WebDelivery

    anna = desk["experts"].add("anna@example.eu", "Anna", "correct horse battery")
    conversation = desk["conversations"].open(ChannelAddress(owner_key="b"))
    ticket = desk["escalations"].escalate(_request(conversation))
    desk["queue"].answer(ticket.id, anna, AnswerForm("The expert says yes."))
    worker = OutboxWorker(desk["db"], {"web": WebDelivery(desk["db"], desk["conversations"])}, EscalationSettings())
    assert worker.deliver_due().sent == 1
    messages = desk["conversations"].read(conversation, "b")["messages"]
    assert [(m["role"], m["content"], m["escalation_id"]) for m in messages] == [
        ("expert", "The expert says yes.", ticket.id)]
    with desk["db"].session() as session:  # delivering the same item again does not duplicate the message
        session.get(OutboxMessage, 1).status = "pending"
    worker.deliver_due()
    with desk["db"].session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1
