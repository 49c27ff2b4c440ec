"""Faults during a request: the database or the Chroma server down gives a clear 503 and never a half-written
escalation; escalation keeps working while only the index is down."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from assistant.app import create_app
from assistant.store.db import Database
from assistant.store.models import AuditEntry, Conversation, Escalation, OutboxMessage
from tests.experts_support import build_console


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    yield built
    built.db.dispose()


@pytest.fixture
def client(helpdesk: Any):  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as test_client:
        yield test_client


def _count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def _swap_engine(db: Database, other: Database) -> tuple[Any, Any]:
    saved = (db.engine, db._sessions)  # noqa: SLF001 - the fault is injected below the public interface
    db.engine, db._sessions = other.engine, other._sessions  # noqa: SLF001
    return saved


def test_database_down_gives_503_and_writes_nothing(client: TestClient, helpdesk: Any, tmp_path: Any) -> None:
    conversation = client.post("/api/chat", json={"message": "How long may a framework agreement last?"}).json()
    before = {model: _count(helpdesk.db, model) for model in (Conversation, Escalation, OutboxMessage)}
    dead = Database(f"sqlite:///{tmp_path / 'missing-folder' / 'gone' / 'x.db'}")
    (tmp_path / "missing-folder").rename(tmp_path / "moved")  # the file's folder disappears: cannot open
    saved = _swap_engine(helpdesk.db, dead)
    try:
        responses = [client.post("/api/chat", json={"message": "What is a framework agreement?"}),
                     client.post("/api/escalations", json={"conversation_id": conversation["conversation_id"]}),
                     client.get(f"/api/conversations/{conversation['conversation_id']}")]
    finally:
        helpdesk.db.engine, helpdesk.db._sessions = saved  # noqa: SLF001
        dead.dispose()
    for response in responses:
        assert response.status_code == 503
        assert response.json()["error"] == "DatabaseUnavailableError"
        assert "database unavailable" in response.json()["detail"]
        assert response.headers["Retry-After"]
    assert {model: _count(helpdesk.db, model) for model in before} == before
    assert client.get("/readyz").status_code == 200


def test_database_failing_mid_escalation_leaves_no_half_written_escalation(client: TestClient,
                                                                           helpdesk: Any) -> None:
    conversation = client.post("/api/chat", json={"message": "What is the capital of France?"}).json()
    assert conversation["outcome"] == "declined"  # no escalation yet for this conversation
    escalations, audits = _count(helpdesk.db, Escalation), _count(helpdesk.db, AuditEntry)

    def connection_lost(session: Any, _context: Any, _instances: Any) -> None:
        if any(isinstance(item, Escalation) for item in session.new):  # the escalation is already added
            raise OperationalError("INSERT INTO escalations", {}, Exception("server closed the connection"))

    event.listen(helpdesk.db._sessions, "before_flush", connection_lost)  # noqa: SLF001
    try:
        failed = client.post("/api/escalations", json={"conversation_id": conversation["conversation_id"],
                                                       "note": "please check"})
    finally:
        event.remove(helpdesk.db._sessions, "before_flush", connection_lost)  # noqa: SLF001
    assert failed.status_code == 503
    assert (_count(helpdesk.db, Escalation), _count(helpdesk.db, AuditEntry)) == (escalations, audits)
    retried = client.post("/api/escalations", json={"conversation_id": conversation["conversation_id"],
                                                    "note": "please check"})
    assert retried.status_code == 201
    assert _count(helpdesk.db, Escalation) == escalations + 1


class DeadChromaCollection:
    """A Chroma collection whose server stopped answering."""

    def __getattr__(self, name: str) -> Any:
        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            raise httpx.ConnectError("[Errno 111] Connection refused")

        return refuse


def test_chroma_down_gives_503_for_chat_and_escalation_still_works(client: TestClient, helpdesk: Any) -> None:
    conversation = client.post("/api/chat", json={"message": "How long may a framework agreement last?"}).json()
    saved = helpdesk.index._collection, helpdesk.index._client  # noqa: SLF001
    helpdesk.index._collection = helpdesk.index._client = DeadChromaCollection()  # noqa: SLF001
    try:
        chat = client.post("/api/chat", json={"message": "What is a framework agreement?"})
        stream = client.post("/api/chat/stream", json={"message": "What is a framework agreement?"})
        escalation = client.post("/api/escalations", json={"conversation_id": conversation["conversation_id"],
                                                           "note": "the index is down"})
        ready = client.get("/readyz")
    finally:
        helpdesk.index._collection, helpdesk.index._client = saved  # noqa: SLF001
    for response in (chat, stream):
        assert response.status_code == 503
        assert response.json()["error"] == "IndexUnavailableError"
    assert escalation.status_code in (200, 201) and escalation.json()["id"]
    assert ready.status_code == 503
    assert _count(helpdesk.db, Escalation) >= 1
