"""The chat API over the real knowledge index: answers, streaming, ownership, feedback, expert requests, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.app import create_app
from assistant.store.models import Feedback
from assistant.web.session import COOKIE
from assistant.wiring import Helpdesk, build_helpdesk
from tests.conftest import make_settings

THRESHOLD_QUESTION = "What is the EU threshold for supplies and services contracts of sub-central authorities?"


@pytest.fixture(scope="module")
def helpdesk(knowledge_dir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:  # type: ignore[no-untyped-def]
    """One helpdesk for the module (building one per test costs seconds); tests use their own conversations."""
    folder = tmp_path_factory.mktemp("chat-api")
    settings = make_settings(folder / "data", chroma_path=knowledge_dir / "chroma",
                             database_url=f"sqlite:///{folder / 'helpdesk.db'}")
    built = build_helpdesk(settings)
    yield built
    built.db.dispose()


@pytest.fixture(scope="module")
def app(helpdesk: Helpdesk) -> FastAPI:
    return create_app(helpdesk.settings, helpdesk)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """A fresh browser (empty cookie jar) for each test."""
    return TestClient(app)


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse a text/event-stream body into (event, data) pairs."""
    events = []
    for block in body.strip().split("\n\n"):
        kind = next(line[6:].strip() for line in block.splitlines() if line.startswith("event:"))
        data = "".join(line[5:].strip() for line in block.splitlines() if line.startswith("data:"))
        events.append((kind, json.loads(data)))
    return events


def ask(client: TestClient, message: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/chat", json={"message": message, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def other_browser(client: TestClient) -> TestClient:
    return TestClient(client.app)


def test_chat_answers_with_numbered_citations_and_binds_a_signed_cookie(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": THRESHOLD_QUESTION})
    assert response.status_code == 200
    reply = response.json()
    assert reply["outcome"] == "answered"
    assert "216,000" in reply["answer"]
    assert [c["n"] for c in reply["citations"]] == list(range(1, len(reply["citations"]) + 1))
    assert reply["citations"][0]["url"].startswith("http://testserver/documents/")
    assert reply["conversation_id"].startswith("c_") and len(reply["conversation_id"]) > 20
    assert isinstance(reply["message_id"], int) and reply["escalation"] is None
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_follow_up_keeps_the_conversation_and_the_cookie_is_sent_once(client: TestClient) -> None:
    first = ask(client, THRESHOLD_QUESTION)
    response = client.post("/api/chat", json={"message": "And for works?", "conversation_id": first["conversation_id"]})
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert response.json()["conversation_id"] == first["conversation_id"]
    conversation = client.get(f"/api/conversations/{first['conversation_id']}").json()
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant", "user", "assistant"]
    assert conversation["messages"][2]["content"] == "And for works?"
    assert conversation["awaiting_expert"] is False


def test_stream_sends_tokens_then_the_reply_with_citations(client: TestClient) -> None:
    response = client.post("/api/chat/stream", json={"message": THRESHOLD_QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "reply" and kinds.count("token") >= 2 and set(kinds) <= {"token", "reset", "reply"}
    reply = events[-1][1]
    assert "".join(data["text"] for kind, data in events if kind == "token") == reply["answer"]
    assert reply["outcome"] == "answered" and reply["citations"]
    stored = client.get(f"/api/conversations/{reply['conversation_id']}").json()
    assert stored["messages"][-1]["id"] == reply["message_id"]


def test_stream_reports_bad_input_as_a_plain_error_before_streaming(client: TestClient) -> None:
    response = client.post("/api/chat/stream", json={"message": "Hello?", "conversation_id": "c_doesnotexist"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "no conversation" in response.json()["detail"]


def test_an_escalated_answer_carries_the_reference_and_due_time(client: TestClient) -> None:
    reply = ask(client, "Our mayor wants to award the contract to her cousin's firm in our town, can we do that?")
    assert reply["outcome"] == "escalated"
    assert reply["escalation"]["id"] == reply["escalation_id"] and reply["escalation"]["id"].startswith("ESC-")
    assert reply["escalation"]["due_at"] > "2000"
    conversation = client.get(f"/api/conversations/{reply['conversation_id']}").json()
    assert conversation["awaiting_expert"] is True
    assert conversation["messages"][-1]["escalation"]["id"] == reply["escalation_id"]


def test_an_expert_answer_that_arrives_later_is_in_the_conversation(client: TestClient, helpdesk: Helpdesk) -> None:
    from assistant.services.expert_queue import AnswerForm

    reply = ask(client, THRESHOLD_QUESTION)
    ticket = client.post("/api/escalations", json={"conversation_id": reply["conversation_id"],
                                                   "message_id": reply["message_id"]}).json()
    assert client.get(f"/api/conversations/{reply['conversation_id']}").json()["awaiting_expert"] is True
    expert = helpdesk.experts.add("api.expert@example.eu", "Api Expert", "correct horse battery 9")
    helpdesk.queue.answer(ticket["id"], expert, AnswerForm(text="Yes: EUR 216,000 since 2026."))
    waiting = client.get(f"/api/conversations/{reply['conversation_id']}").json()
    assert waiting["awaiting_expert"] is True and waiting["escalations"][0]["status"] == "answered"
    helpdesk.outbox.deliver_due()  # the web channel writes the answer into the conversation
    conversation = client.get(f"/api/conversations/{reply['conversation_id']}").json()
    expert = conversation["messages"][-1]
    assert (expert["role"], expert["content"], expert["escalation_id"]) == (
        "expert", "Yes: EUR 216,000 since 2026.", ticket["id"])
    assert conversation["awaiting_expert"] is False
    assert conversation["escalations"][0]["answered"] is True


def test_another_browser_can_neither_read_nor_continue_nor_rate_a_conversation(client: TestClient) -> None:
    reply = ask(client, THRESHOLD_QUESTION)
    stranger = other_browser(client)
    conversation_id = reply["conversation_id"]
    assert stranger.get(f"/api/conversations/{conversation_id}").status_code == 404
    assert stranger.post("/api/chat", json={"message": "more?", "conversation_id": conversation_id}).status_code == 404
    assert stranger.post("/api/chat/stream", json={"message": "more?",
                                                   "conversation_id": conversation_id}).status_code == 404
    rating = {"conversation_id": conversation_id, "message_id": reply["message_id"], "rating": "down"}
    assert stranger.post("/api/feedback", json=rating).status_code == 404
    assert stranger.post("/api/escalations", json={"conversation_id": conversation_id}).status_code == 404
    assert client.get(f"/api/conversations/{conversation_id}").status_code == 200


def test_a_forged_cookie_is_a_stranger(client: TestClient) -> None:
    reply = ask(client, THRESHOLD_QUESTION)
    genuine = client.cookies.get(COOKIE)
    forger = other_browser(client)
    forger.cookies.set(COOKIE, genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"))
    response = forger.get(f"/api/conversations/{reply['conversation_id']}")
    assert response.status_code == 404 and COOKIE in response.headers.get("set-cookie", "")
    copied = other_browser(client)
    copied.cookies.set(COOKIE, genuine)
    assert copied.get(f"/api/conversations/{reply['conversation_id']}").status_code == 200


def test_feedback_is_stored_and_a_second_vote_replaces_the_first(client: TestClient, helpdesk: Helpdesk) -> None:
    reply = ask(client, THRESHOLD_QUESTION)
    body = {"conversation_id": reply["conversation_id"], "message_id": reply["message_id"]}
    first = client.post("/api/feedback", json={**body, "rating": "up"})
    assert first.status_code == 200 and first.json()["rating"] == "up" and first.json()["updated"] is False
    second = client.post("/api/feedback", json={**body, "rating": "down", "comment": "  Missing the works value. "})
    assert second.json() == {**body, "id": first.json()["id"], "rating": "down",
                             "comment": "Missing the works value.", "updated": True}
    with helpdesk.db.session() as session:
        rows = session.scalars(select(Feedback).where(Feedback.conversation_id == reply["conversation_id"])).all()
        assert [(r.message_id, r.rating, r.comment) for r in rows] == [
            (reply["message_id"], -1, "Missing the works value.")]


def test_the_official_asks_an_expert_and_gets_a_reference_once(client: TestClient, helpdesk: Helpdesk) -> None:
    reply = ask(client, THRESHOLD_QUESTION)
    body = {"conversation_id": reply["conversation_id"], "message_id": reply["message_id"],
            "note": "We are a small municipality.", "contact": "buyer@example.eu", "municipality": "Gent",
            "country": "be"}
    created = client.post("/api/escalations", json=body)
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["id"].startswith("ESC-") and ticket["status"] == "open" and ticket["created"] is True
    again = client.post("/api/escalations", json=body)
    assert again.status_code == 200 and again.json()["id"] == ticket["id"] and again.json()["created"] is False
    record = helpdesk.escalations.status(ticket["id"])
    assert record["status"] == "open"
    conversation = client.get(f"/api/conversations/{reply['conversation_id']}").json()
    assert conversation["awaiting_expert"] is True
    assert conversation["escalations"] == [{"id": ticket["id"], "status": "open", "due_at": ticket["due_at"],
                                            "kind": "question", "answered": False}]


def test_every_route_is_described_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/chat", "/api/chat/stream", "/api/conversations/{conversation_id}", "/api/feedback",
                 "/api/escalations", "/api/documents", "/api/documents/{document_id}",
                 "/api/documents/{document_id}/file"):
        assert path in paths


@pytest.mark.parametrize(("path", "body", "fragment"), [
    ("/api/chat", {"message": ""}, "message"),
    ("/api/chat", {"message": "   \n "}, "empty"),
    ("/api/chat", {"message": "x" * 4001}, "longer than 4000"),
    ("/api/chat", {"message": "x" * 30_000}, "message"),
    ("/api/chat", {}, "message: Field required"),
    ("/api/chat", {"message": 42}, "message"),
    ("/api/chat", {"message": "Thresholds?", "language": "german"}, "language"),
    ("/api/chat", {"message": "Thresholds?", "conversation_id": "../../etc"}, "conversation_id"),
    ("/api/chat", {"message": "Thresholds?", "surprise": 1}, "surprise"),
    ("/api/chat/stream", {"message": ""}, "message"),
    ("/api/chat/stream", {"message": "x" * 4001}, "longer than 4000"),
    ("/api/feedback", {"conversation_id": "c_x", "message_id": 1, "rating": "meh"}, "rating"),
    ("/api/feedback", {"conversation_id": "c_x", "message_id": 0, "rating": "up"}, "message_id"),
    ("/api/feedback", {"conversation_id": "c_x", "message_id": 1, "rating": "up", "comment": "x" * 2001}, "comment"),
    ("/api/escalations", {"conversation_id": "c_x", "country": "Belgium"}, "country"),
    ("/api/escalations", {"note": "help"}, "conversation_id"),
])
def test_invalid_bodies_get_a_422_with_a_clear_message(client: TestClient, path: str, body: dict[str, Any],
                                                      fragment: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream", "/api/feedback", "/api/escalations"])
def test_malformed_json_is_a_422_not_a_500(client: TestClient, path: str) -> None:
    response = client.post(path, content=b'{"message": "unterminated', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_unknown_ids_are_404s_with_a_message(client: TestClient) -> None:
    reply = ask(client, THRESHOLD_QUESTION)
    conversation_id = reply["conversation_id"]
    assert client.get("/api/conversations/c_nope").json()["detail"] == "no conversation 'c_nope'"
    user_message = reply["message_id"] - 1
    for message_id in (user_message, 999_999):
        response = client.post("/api/feedback", json={"conversation_id": conversation_id, "message_id": message_id,
                                                      "rating": "up"})
        assert response.status_code == 404 and f"no answer {message_id}" in response.json()["detail"]
    response = client.post("/api/escalations", json={"conversation_id": conversation_id, "message_id": 999_999})
    assert response.status_code == 404 and "no answer 999999" in response.json()["detail"]
    assert client.post("/api/escalations", json={"conversation_id": "c_nope"}).status_code == 404


def test_each_browser_lists_only_its_own_conversations_newest_first(client: TestClient) -> None:
    stranger = other_browser(client)
    first = ask(client, THRESHOLD_QUESTION)
    second = ask(client, "How long is the standstill period after an award decision sent electronically?")
    ask(client, "And for works contracts?", conversation_id=first["conversation_id"])  # now the most recent
    mine = client.get("/api/conversations")
    assert mine.status_code == 200
    listed = mine.json()
    assert [c["conversation_id"] for c in listed[:2]] == [first["conversation_id"], second["conversation_id"]]
    assert listed[0]["title"] == THRESHOLD_QUESTION and listed[0]["messages"] == 4
    theirs = stranger.get("/api/conversations").json()
    assert not {c["conversation_id"] for c in theirs} & {first["conversation_id"], second["conversation_id"]}
