"""The official's escalation endpoints and the expert answer arriving in GET /api/conversations/{id}."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.services.escalations import EscalationRequest
from assistant.services.expert_queue import AnswerForm
from assistant.services.replies import ChannelAddress
from assistant.web.session import COOKIE, read_browser_id
from tests.experts_support import build_console


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    yield built
    built.db.dispose()


def _browser(client: TestClient, helpdesk) -> str:  # type: ignore[no-untyped-def]
    """Make the test client a browser with an identity, and return that identity."""
    client.get("/api/escalations/ESC-NONE00")
    browser_id = read_browser_id(client.cookies[COOKIE], helpdesk.settings.secret_key.get_secret_value())
    assert browser_id
    return browser_id


def _escalation_for(helpdesk, owner: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    conversation = helpdesk.conversations.open(ChannelAddress(owner_key=owner))
    helpdesk.conversations.record_question(conversation, "May we split the contract into lots?", "en")
    ticket = helpdesk.escalations.escalate(EscalationRequest("May we split the contract into lots?",
                                                             "user_requested", conversation_id=conversation))
    return ticket.id, conversation


def test_official_sees_status_adds_details_and_gets_the_answer_live(helpdesk) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        owner = _browser(client, helpdesk)
        escalation_id, conversation = _escalation_for(helpdesk, owner)
        status = client.get(f"/api/escalations/{escalation_id}")
        assert status.status_code == 200 and status.json()["status"] == "open" and status.json()["answer"] is None
        added = client.post(f"/api/escalations/{escalation_id}/details", json={"text": "We are 12,000 people."})
        assert added.status_code == 200 and added.json()["details"][0]["text"] == "We are 12,000 people."
        assert client.post(f"/api/escalations/{escalation_id}/details", json={"text": ""}).status_code == 422
        expert = helpdesk.experts.add("anna@example.eu", "Anna", "correct horse battery")
        helpdesk.queue.answer(escalation_id, expert, AnswerForm("Yes, lots are encouraged (Art 46)."))
        helpdesk.outbox.deliver_due()
        answered = client.get(f"/api/escalations/{escalation_id}").json()
        assert answered["status"] == "answered" and answered["answer"] == "Yes, lots are encouraged (Art 46)."
        late = client.post(f"/api/escalations/{escalation_id}/details", json={"text": "more"})
        assert late.status_code == 409
        thread = client.get(f"/api/conversations/{conversation}")
        assert thread.status_code == 200
        expert_messages = [m for m in thread.json()["messages"] if m["role"] == "expert"]
        assert [(m["content"], m["escalation_id"]) for m in expert_messages] == [
            ("Yes, lots are encouraged (Art 46).", escalation_id)]


def test_someone_elses_escalation_is_not_found(helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _escalation_for(helpdesk, "another-browser-id-123456")
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        assert client.get(f"/api/escalations/{escalation_id}").status_code == 404
        assert client.post(f"/api/escalations/{escalation_id}/details", json={"text": "x"}).status_code == 404
        assert client.get("/api/escalations/" + "X" * 40).status_code == 422
