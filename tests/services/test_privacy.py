"""Retention deletes old conversations; a person's data can be exported and erased, and both are audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from assistant.config import EscalationSettings
from assistant.errors import InvalidInputError
from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationRequest, EscalationService
from assistant.services.feedback import FeedbackService
from assistant.services.privacy import PrivacyService
from assistant.services.replies import ChannelAddress
from assistant.store.models import AuditEntry, Conversation, Escalation, Feedback, Message, OutboxMessage
from tests.experts_support import BACKENDS, database_for


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    yield from database_for(request.param, tmp_path, request)


def _conversation(db, owner: str, question: str) -> str:  # type: ignore[no-untyped-def]
    conversations = ConversationService(db)
    conversation_id = conversations.open(ChannelAddress(channel="web", owner_key=owner))
    conversations.record_question(conversation_id, question, "en")
    return conversation_id


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def _escalate(db, conversation_id: str, contact: str, question: str) -> str:  # type: ignore[no-untyped-def]
    service = EscalationService(db, EscalationSettings(), conversations=ConversationService(db))
    return service.escalate(EscalationRequest(question=question, reason="low_confidence",
                                              conversation_id=conversation_id, contact=contact)).id


def test_retention_deletes_only_old_conversations(db) -> None:  # type: ignore[no-untyped-def]
    old = _conversation(db, "browser-old", "an old question")
    recent = _conversation(db, "browser-new", "a recent question")
    escalation = _escalate(db, old, "old@example.eu", "an old question")
    with db.session() as session:
        answer = Message(conversation_id=old, role="assistant", content="The threshold is EUR 221 000.")
        session.add(answer)
        session.flush()
        answer_id = answer.id
    FeedbackService(db).record(old, answer_id, 1, "fine", "browser-old")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with db.session() as session:
        session.execute(update(Conversation).where(Conversation.id == old).values(updated_at=long_ago))
    assert _count(db, Feedback) == 1
    assert PrivacyService(db).delete_conversations_older_than(30) == 1
    with db.session() as session:
        assert session.get(Conversation, old) is None and session.get(Conversation, recent) is not None
        assert session.scalar(select(func.count()).select_from(Message).where(Message.conversation_id == old)) == 0
        assert session.get(Escalation, escalation).conversation_id is None  # the expert's work stays
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.run")).one()
        assert audit.details == {"days": 30, "conversations": 1}
    assert _count(db, Feedback) == 0
    with pytest.raises(InvalidInputError):
        PrivacyService(db).delete_conversations_older_than(0)


def test_export_and_erase_one_person(db) -> None:  # type: ignore[no-untyped-def]
    mine = _conversation(db, "browser-anna", "Can we split the cleaning lot?")
    theirs = _conversation(db, "browser-ben", "Is a framework of 5 years allowed?")
    first = _escalate(db, mine, "Anna@Stadt.de", "Can we split the cleaning lot?")
    _escalate(db, theirs, "ben@gemeinde.at", "Is a framework of 5 years allowed?")
    privacy = PrivacyService(db)
    data = privacy.export_person("anna@stadt.de", actor="admin@example.eu")
    assert [e["id"] for e in data["escalations"]] == [first]
    assert [c["id"] for c in data["conversations"]] == [mine]
    assert data["conversations"][0]["messages"][0]["content"] == "Can we split the cleaning lot?"
    assert "framework" not in str(data)
    with db.session() as session:
        session.add(OutboxMessage(kind="notification", channel="email", escalation_id=first))
    report = privacy.erase_person(" ANNA@stadt.de ", actor="admin@example.eu")
    assert (report.escalations, report.conversations, report.deliveries) == (1, 1, 1)
    with db.session() as session:
        assert session.get(Escalation, first) is None and session.get(Conversation, mine) is None
        assert session.get(Conversation, theirs) is not None
        actions = {a.action: a for a in session.scalars(select(AuditEntry))}
        assert actions["privacy.export"].actor == "admin@example.eu"
        assert "anna" not in str(actions["privacy.erase"].target) + str(actions["privacy.erase"].details)
    assert privacy.export_person("anna@stadt.de", actor="admin@example.eu")["escalations"] == []
    with pytest.raises(InvalidInputError):
        privacy.erase_person("  ", actor="admin@example.eu")
