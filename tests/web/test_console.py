"""The expert console pages: queue with filters and counts, escalation page, claim/answer/close/reopen, escaping."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.services.escalations import EscalationRequest
from assistant.services.replies import ChannelAddress
from assistant.web.console import render_markdown
from tests.experts_support import build_console, csrf_from, login

XSS = '<script>alert("x")</script>'


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    built.experts.add("anna@example.eu", "Anna", "correct horse battery", languages=["en", "de"])
    built.experts.add("root@example.eu", "Root", "correct horse battery", role="admin")
    yield built
    built.db.dispose()


@pytest.fixture
def client(helpdesk):  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as test_client:
        login(test_client, "anna@example.eu")
        yield test_client


def _escalate(helpdesk, question: str = "May we extend the framework beyond 4 years?", owner: str = "official",
              **extra):  # type: ignore[no-untyped-def]
    conversation = helpdesk.conversations.open(ChannelAddress(owner_key=owner))
    request = EscalationRequest(question, "low_confidence", conversation_id=conversation, **extra)
    return helpdesk.escalations.escalate(request).id, conversation


def test_queue_lists_counts_and_filters(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    first, _ = _escalate(helpdesk, language="de", country="DE")
    _escalate(helpdesk, "Question from Teams", language="en", country="FR", channel="teams")
    page = client.get("/console")
    assert page.status_code == 200 and first in page.text and "Question from Teams" in page.text
    assert 'data-count="open">Open <b>2</b>' in page.text
    only_de = client.get("/console", params={"language": "de"})
    assert first in only_de.text and "Question from Teams" not in only_de.text
    only_teams = client.get("/console", params={"channel": "teams", "country": "fr"})
    assert first not in only_teams.text and "Question from Teams" in only_teams.text
    assert first not in client.get("/console", params={"overdue": "true"}).text
    bad = client.get("/console", params={"status": "nonsense"})
    assert bad.status_code == 422 and "status must be one of" in bad.text


def test_user_text_is_escaped_everywhere(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _escalate(helpdesk, f"Is {XSS} allowed?", municipality=XSS, contact=XSS,
                                 transcript=[{"role": "user", "content": XSS}], draft_answer=XSS,
                                 passages=[{"title": XSS, "section": XSS, "text": XSS, "score": 0.5}])
    helpdesk.escalations.add_details(escalation_id, "official", XSS)
    for html in (client.get("/console").text, client.get(f"/console/escalations/{escalation_id}").text):
        assert XSS not in html
        assert "&lt;script&gt;" in html


def test_markdown_preview_is_safe() -> None:
    html = str(render_markdown(f"**bold** [x](javascript:alert(1)) {XSS}\n\n<img src=x onerror=alert(1)>"))
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "<img" not in html and 'href="javascript:' not in html


def test_claim_preview_answer_close_reopen(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, conversation = _escalate(helpdesk, draft_answer="Draft from the assistant")
    url = f"/console/escalations/{escalation_id}"
    page = client.get(url)
    assert "Draft from the assistant" in page.text and "Claim" in page.text
    token = csrf_from(page.text)
    claimed = client.post(f"{url}/claim", data={"csrf_token": token})
    assert claimed.status_code == 200 and "You claimed this escalation." in claimed.text
    preview = client.post(f"{url}/answer", data={"csrf_token": token, "action": "preview",
                                                  "text": f"**Four years** {XSS}"})
    assert "<strong>Four years</strong>" in preview.text and XSS not in preview.text
    assert helpdesk.escalations.status(escalation_id)["status"] == "claimed"  # a preview sends nothing
    sent = client.post(f"{url}/answer", data={"csrf_token": token, "action": "send", "text": "**Four years**",
                                              "legal_basis": "Art 33(1)", "linked_sources": "https://a.eu\n\n"})
    assert sent.status_code == 200 and "on its way to the official" in sent.text
    assert helpdesk.outbox.deliver_due().sent >= 1
    messages = helpdesk.conversations.read(conversation, "official")["messages"]
    assert messages[-1]["role"] == "expert" and messages[-1]["content"] == "**Four years**"
    assert 'data-delivery="' in client.get(url).text
    assert "Escalation closed." in client.post(f"{url}/close", data={"csrf_token": token}).text
    conflict = client.post(f"{url}/close", data={"csrf_token": token})
    assert conflict.status_code == 409 and "already closed" in conflict.text
    assert "Escalation reopened." in client.post(f"{url}/reopen", data={"csrf_token": token}).text
    assert helpdesk.escalations.status(escalation_id)["status"] == "reopened"


def test_invalid_answers_are_refused_with_the_form_kept(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _escalate(helpdesk)
    url = f"/console/escalations/{escalation_id}"
    token = csrf_from(client.get(url).text)
    empty = client.post(f"{url}/answer", data={"csrf_token": token, "action": "send", "text": "  "})
    assert empty.status_code == 422 and "the answer is empty" in empty.text
    bad_date = client.post(f"{url}/answer", data={"csrf_token": token, "text": "Kept text", "review_by": "soon"})
    assert bad_date.status_code == 422 and "Kept text" in bad_date.text
    assert client.get("/console/escalations/ESC-NOPE00").status_code == 404
    published = client.post(f"{url}/publish", data={"csrf_token": token, "publish": "true"})
    assert published.status_code == 409 and "no answer to publish" in published.text


def test_publish_toggle_queues_an_index_sync(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _escalate(helpdesk)
    url = f"/console/escalations/{escalation_id}"
    token = csrf_from(client.get(url).text)
    client.post(f"{url}/answer", data={"csrf_token": token, "text": "An answer", "publish": "true"})
    page = client.get(url).text
    assert "Unpublish from knowledge base" in page and "indexing pending" in page
    helpdesk.outbox.deliver_due()
    assert "Published to the knowledge base since" in client.get(url).text
    assert "Removed from the knowledge base." in client.post(f"{url}/publish", data={"csrf_token": token}).text
    helpdesk.outbox.deliver_due()
    assert helpdesk.index.ids_where({"document_id": f"EXPERT-{escalation_id}"}) == []


def test_deliveries_page_shows_failures_and_retries(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _escalate(helpdesk, channel="teams")  # Teams is not configured: delivery keeps failing
    token = csrf_from(client.get(f"/console/escalations/{escalation_id}").text)
    client.post(f"/console/escalations/{escalation_id}/answer", data={"csrf_token": token, "text": "Answer"})
    helpdesk.outbox.deliver_due()
    page = client.get("/console/deliveries", params={"status": "pending"})
    assert "no delivery channel &#39;teams&#39; is configured" in page.text and "Retry now" in page.text
    item_id = next(i["id"] for i in helpdesk.outbox.items() if i["channel"] == "teams")
    retried = client.post(f"/console/deliveries/{item_id}/retry", data={"csrf_token": token})
    assert "Delivery scheduled again." in retried.text
    assert client.get("/console/deliveries", params={"status": "lost"}).status_code == 422


def test_admin_adds_an_expert(helpdesk) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        login(client, "root@example.eu")
        token = csrf_from(client.get("/console/experts").text)
        form = {"csrf_token": token, "email": "new@example.eu", "name": "New <Expert>", "password": "long enough pw",
                "topics": "cloud, data protection", "countries": "de;at", "languages": "de"}
        added = client.post("/console/experts", data=form)
        assert "Expert account created." in added.text and "New &lt;Expert&gt;" in added.text
        again = client.post("/console/experts", data=form)
        assert again.status_code == 409
        short = client.post("/console/experts", data={**form, "email": "b@example.eu", "password": "short"})
        assert short.status_code == 422
    expert = next(x for x in helpdesk.experts.list() if x.email == "new@example.eu")
    assert expert.countries == ("AT", "DE") and expert.topics == ("cloud", "data protection")
