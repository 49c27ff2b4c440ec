"""An official deletes their conversation; an admin exports and erases a person's data; others are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.app import create_app
from assistant.services.escalations import EscalationRequest
from assistant.services.replies import ChannelAddress
from assistant.store.models import AuditEntry
from assistant.web.session import COOKIE, read_browser_id
from tests.experts_support import build_console


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    built.experts.add("anna@example.eu", "Anna", "correct horse battery")
    built.experts.add("root@example.eu", "Root", "correct horse battery", role="admin")
    yield built
    built.db.dispose()


@pytest.fixture
def app(helpdesk):  # type: ignore[no-untyped-def]
    return create_app(helpdesk.settings, helpdesk)


def _browser_id(client: TestClient, helpdesk) -> str:  # type: ignore[no-untyped-def]
    client.get("/api/conversations/none")
    browser = read_browser_id(client.cookies.get(COOKIE), helpdesk.settings.secret_key.get_secret_value())
    assert browser
    return browser


def test_an_official_deletes_only_their_own_conversation(app, helpdesk) -> None:  # type: ignore[no-untyped-def]
    owner, stranger = TestClient(app), TestClient(app)
    conversation = helpdesk.conversations.open(ChannelAddress(owner_key=_browser_id(owner, helpdesk)))
    helpdesk.conversations.record_question(conversation, "Can we split the lot?", "en")
    _browser_id(stranger, helpdesk)
    assert stranger.delete(f"/api/conversations/{conversation}").status_code == 404
    assert owner.get(f"/api/conversations/{conversation}").status_code == 200
    assert owner.delete(f"/api/conversations/{conversation}").status_code == 204
    assert owner.get(f"/api/conversations/{conversation}").status_code == 404
    assert owner.delete(f"/api/conversations/{conversation}").status_code == 404


def test_admin_exports_and_erases_a_person(app, helpdesk) -> None:  # type: ignore[no-untyped-def]
    conversation = helpdesk.conversations.open(ChannelAddress(owner_key="browser-of-eva"))
    escalation = helpdesk.escalations.escalate(EscalationRequest(
        "Is <b>direct award</b> allowed?", "low_confidence", conversation_id=conversation,
        contact="eva@gemeinde.at")).id
    admin = {"Authorization": f"Bearer {helpdesk.experts.issue_token('root@example.eu')}"}
    expert = {"Authorization": f"Bearer {helpdesk.experts.issue_token('anna@example.eu')}"}
    client = TestClient(app)
    body = {"contact": "eva@gemeinde.at"}
    assert client.post("/api/admin/privacy/export", json=body).status_code == 403  # no token: CSRF refuses
    assert client.post("/api/admin/privacy/export", json=body, headers=expert).status_code == 403
    assert client.post("/api/admin/privacy/erase", json=body, headers=expert).status_code == 403
    exported = client.post("/api/admin/privacy/export", json=body, headers=admin)
    assert exported.status_code == 200
    assert [e["id"] for e in exported.json()["escalations"]] == [escalation]
    assert client.post("/api/admin/privacy/erase", json={"contact": ""}, headers=admin).status_code == 422
    erased = client.post("/api/admin/privacy/erase", json=body, headers=admin)
    assert erased.json() == {"escalations": 1, "conversations": 1, "deliveries": erased.json()["deliveries"]}
    assert client.post("/api/admin/privacy/export", json=body, headers=admin).json()["escalations"] == []
    with helpdesk.db.session() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).where(AuditEntry.actor == "root@example.eu"))]
    assert actions.count("privacy.export") == 2 and actions.count("privacy.erase") == 1
