"""Insight for the helpdesk team: figures from real SQLite data, the admin page, the CSV export, access control."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from assistant.app import create_app
from assistant.services.escalations import EscalationRequest
from assistant.services.feedback import FeedbackService
from assistant.services.insight import helpdesk_insight
from assistant.services.replies import AssistantReply, ChannelAddress
from assistant.store.models import Escalation
from tests.experts_support import build_console, login

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    built.experts.add("anna@example.eu", "Anna", "correct horse battery")
    built.experts.add("root@example.eu", "Root", "correct horse battery", role="admin")
    _activity(built)
    yield built
    built.db.dispose()


def _activity(helpdesk) -> None:  # type: ignore[no-untyped-def]
    conversations, feedback = helpdesk.conversations, FeedbackService(helpdesk.db)
    for n, (question, language, outcome, rating, channel) in enumerate([
        ("What is the EU threshold for supplies?", "en", "answered", 1, "web"),
        ("Wie hoch ist der Schwellenwert?", "de", "answered", -1, "teams"),
        ("How long is the standstill period for framework call-offs?", "en", "escalated", None, "slack"),
    ]):
        cid = conversations.open(ChannelAddress(channel=channel, owner_key=f"o{n}"))
        conversations.record_question(cid, question, language)
        reply = AssistantReply(answer="...", outcome=outcome, confidence=0.7, citations=[], language=language,
                               conversation_id=cid)
        mid = conversations.record_answer(cid, reply)
        if rating:
            feedback.record(cid, mid, rating, None, f"o{n}")
    for question in ("Standstill period for framework call-offs in Austria?",
                     "Is there a standstill period for call-offs under a framework?", "=HYPERLINK(\"x\") lots"):
        cid = conversations.open(ChannelAddress(owner_key="esc"))
        helpdesk.escalations.escalate(EscalationRequest(question, "low_confidence", conversation_id=cid))
    anna = next(e for e in helpdesk.experts.list() if e.email == "anna@example.eu")
    with helpdesk.db.session() as session:  # one answered by Anna within its SLA, after 2 hours
        first = session.query(Escalation).order_by(Escalation.created_at).first()
        session.execute(update(Escalation).where(Escalation.id == first.id).values(
            status="answered", answered_at=first.created_at + dt.timedelta(hours=2), assignee_id=anna.id))


def test_figures_from_the_database(helpdesk) -> None:  # type: ignore[no-untyped-def]
    insight = helpdesk_insight(helpdesk.db, TODAY - dt.timedelta(days=1), TODAY)
    assert sum(sum(c.values()) for c in insight.per_day.values()) == 3
    assert insight.per_day[TODAY.isoformat()]["de"] == 1
    assert insight.outcomes == {"answered": 2, "escalated": 1} and insight.share(insight.outcomes, "answered") == 0.667
    assert insight.feedback == {"helpful": 1, "unhelpful": 1}
    assert insight.escalation_status["answered"] == 1 and insight.sla_met == 1 and insight.sla_missed == 0
    assert insight.median_hours_to_answer == 2.0 and insight.p90_hours_to_answer == 2.0
    assert insight.per_channel == {"web": 1, "teams": 1, "slack": 1}
    assert insight.outcomes_by_channel["slack"] == {"escalated": 1}
    assert [(e.name, e.answered) for e in insight.experts] == [("Anna", 1)]
    top = insight.gaps[0]  # without a gap finder's embedder: grouped by shared words
    assert len(top.questions) == 2 and top.escalated == 2 and "framework" in top.label
    assert any(g.unhelpful == 1 for g in insight.gaps)
    empty = helpdesk_insight(helpdesk.db, TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=5))
    assert not empty.per_day and empty.median_hours_to_answer is None


def test_admin_page_and_csv(helpdesk) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        login(client, "root@example.eu")
        page = client.get("/console/insight")
        assert page.status_code == 200 and "Knowledge gaps to write next" in page.text and "<svg" in page.text
        assert 'id="median-hours">2.0<' in page.text and 'id="p90-hours">2.0<' in page.text
        assert 'data-channel="teams"' in page.text and "Outcomes per channel" in page.text
        assert '<th scope="row">Anna</th>' in page.text
        assert page.text.count('class="gap"') == 3 and "<strong>none</strong>" in page.text  # the index is empty
        assert '=HYPERLINK("x")' not in page.text and "=HYPERLINK(&#34;x&#34;)" in page.text  # escaped
        exported = client.get("/console/insight.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0] == ["metric", "key", "value"] and ["outcome", "answered", "2"] in rows
        assert ["questions_by_channel", "teams", "1"] in rows and ["expert_answered", "Anna", "1"] in rows
        assert ["p90_hours_to_expert_answer", "", "2.0"] in rows
        assert ["knowledge_gap_document", "'=HYPERLINK(\"x\") lots", "none"] in rows
        assert all(not cell.startswith("=") for row in rows for cell in row)
        assert client.get("/console/insight", params={"since": "2026-02-01", "until": "2026-01-01"}).status_code \
            == 422
        assert client.get("/console/insight", params={"since": "not-a-date"}).status_code == 422


def test_experts_who_are_not_admins_are_refused(helpdesk) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        assert client.get("/console/insight.csv", follow_redirects=False).status_code in (303, 401)
        login(client, "anna@example.eu")
        assert client.get("/console/insight").status_code == 403
