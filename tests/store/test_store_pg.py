"""The store on PostgreSQL: migrations match the models, every table round-trips, row locks skip busy rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import create_engine, select, text

from assistant.config import EscalationSettings
from assistant.services.delivery import OutboxWorker, enqueue
from assistant.store.db import Database, alembic_config
from assistant.store.models import AuditEntry, Conversation, Escalation, Expert, Feedback, Message, OutboxMessage
from tests.experts_support import RecordingChannel

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_pg(pg_url):  # type: ignore[no-untyped-def]
    """An empty schema of its own inside the session's database, so this test's migrations start from zero."""
    schema = f"s_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_migrations_build_the_models_schema_and_go_back(fresh_pg) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.script import ScriptDirectory

    db = Database(fresh_pg)
    db.upgrade()
    command.check(alembic_config(fresh_pg))  # raises if the models and the migrations differ
    command.downgrade(alembic_config(fresh_pg), "0001")
    command.upgrade(alembic_config(fresh_pg), "head")
    with db.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == ScriptDirectory.from_config(alembic_config(fresh_pg)).get_current_head()
    db.dispose()


def test_every_table_round_trips(fresh_pg) -> None:  # type: ignore[no-untyped-def]
    db = Database(fresh_pg)
    db.upgrade()
    due = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with db.session() as session:
        expert = Expert(email="a@example.eu", name="Anna", password_hash="h", topics=["cloud"], languages=["de"])
        conversation = Conversation(channel="web", owner_key="o", reply_address={"k": "v"})
        session.add_all([expert, conversation])
        session.flush()
        message = Message(conversation_id=conversation.id, role="assistant", content="Ä answer",
                          citations=[{"n": 1, "document_id": "G-01"}], outcome="answered", confidence=0.7)
        session.add(message)
        session.flush()
        session.add_all([
            Feedback(conversation_id=conversation.id, message_id=message.id, rating=1, comment="gut"),
            Escalation(id="ESC-PGTEST", idempotency_key="k", conversation_id=conversation.id, question="Q?",
                       due_at=due, embedding=[0.1, 0.2], linked_sources=["https://a.eu"], assignee_id=expert.id,
                       review_by=dt.date(2027, 1, 1), details=[{"text": "more"}]),
            AuditEntry(actor="a@example.eu", action="x", details={"n": 1}),
        ])
        enqueue(session, kind="expert_answer", channel="web", payload={"text": "hi"}, escalation_id="ESC-PGTEST")
    with db.session() as session:
        record = session.get(Escalation, "ESC-PGTEST")
        assert record.due_at == due and record.due_at.tzinfo is not None
        assert record.embedding == [0.1, 0.2] and record.linked_sources == ["https://a.eu"]
        assert record.review_by == dt.date(2027, 1, 1) and record.assignee.name == "Anna"
        assert session.scalars(select(Message)).one().citations[0]["document_id"] == "G-01"
        assert session.scalars(select(Feedback)).one().comment == "gut"
        assert session.scalars(select(OutboxMessage)).one().payload == {"text": "hi"}
        assert session.scalars(select(AuditEntry)).one().details == {"n": 1}
    db.dispose()


def test_rows_locked_by_one_worker_are_skipped_by_another(fresh_pg) -> None:  # type: ignore[no-untyped-def]
    db = Database(fresh_pg)
    db.upgrade()
    with db.session() as session:
        for n in range(4):
            enqueue(session, kind="notification", channel="web", payload={"n": n})
    web = RecordingChannel("web")
    worker = OutboxWorker(db, {"web": web}, EscalationSettings())
    with db.engine.connect() as holder:  # another worker holds rows 1 and 2 in an open transaction
        holder.execute(text("SELECT id FROM outbox WHERE id IN (1, 2) FOR UPDATE"))
        report = worker.deliver_due()  # does not wait for the lock: takes the free rows
        assert report.sent == 2 and sorted(item.payload["n"] for item in web.items) == [2, 3]
        holder.rollback()
    assert worker.deliver_due().sent == 2
    db.dispose()
