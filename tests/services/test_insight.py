"""Insight figures from a seeded SQLite database: channels, outcomes, experts, percentiles, gaps, CSV rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from assistant.embeddings import MultilingualUSEEmbedder
from assistant.services.escalations import EscalationRequest
from assistant.services.feedback import FeedbackService
from assistant.services.insight import helpdesk_insight
from assistant.services.knowledge_gaps import GapFinder
from assistant.services.replies import AssistantReply, ChannelAddress
from assistant.store.models import Escalation
from tests.experts_support import build_console

TODAY = dt.datetime.now(dt.UTC).date()
QUESTIONS = [  # channel, language, outcome, rating, question
    ("web", "en", "answered", 1, "What is the EU threshold for supplies?"),
    ("web", "de", "answered", -1, "Wie hoch ist der Schwellenwert für Lieferungen?"),
    ("slack", "en", "escalated", None, "Can our mayor's cousin win the contract?"),
    ("slack", "en", "declined", None, "What is the weather tomorrow?"),
    ("teams", "fr", "answered", 1, "Quel est le seuil pour les fournitures ?"),
    ("cli", "en", "answered", None, "Which template covers sensors?"),
]
ESCALATIONS = [  # question, language, channel, expert, hours to answer (None: still open and overdue)
    ("How long is the standstill period before we can sign the contract?", "en", "slack", "Anna", 1),
    ("Wie lange dauert die Stillhaltefrist vor der Unterzeichnung des Vertrags?", "de", "web", "Anna", 2),
    ("Can we require that the sensor data is hosted inside the EU?", "en", "teams", "Anna", 10),
    ("How should price and quality be weighted in the award criteria?", "en", "web", "Ben", 3),
    ("Do we need a data protection impact assessment for parking cameras?", "en", "cli", "Ben", 4),
    ("Can we pay the supplier in bitcoin?", "en", "slack", None, None),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    helpdesk = build_console(tmp_path_factory.mktemp("insight"))
    _questions(helpdesk)
    _escalations(helpdesk)
    yield helpdesk
    helpdesk.db.dispose()


def _questions(helpdesk: Any) -> None:
    feedback = FeedbackService(helpdesk.db)
    for n, (channel, language, outcome, rating, question) in enumerate(QUESTIONS):
        cid = helpdesk.conversations.open(ChannelAddress(channel=channel, owner_key=f"o{n}"))
        helpdesk.conversations.record_question(cid, question, language)
        mid = helpdesk.conversations.record_answer(cid, AssistantReply(
            answer="...", outcome=outcome, confidence=0.7, citations=[], language=language, conversation_id=cid))
        if rating:
            feedback.record(cid, mid, rating, None, f"o{n}")


def _escalations(helpdesk: Any) -> None:
    experts = {name: helpdesk.experts.add(f"{name.lower()}@example.eu", name, "correct horse battery").id
               for name in ("Anna", "Ben")}
    for question, language, channel, expert, hours in ESCALATIONS:
        ref = helpdesk.escalations.escalate(EscalationRequest(question, "low_confidence", language, channel))
        with helpdesk.db.session() as session:
            record = session.get(Escalation, ref.id)
            values: dict[str, Any] = {"due_at": record.created_at - dt.timedelta(hours=1)}  # overdue when open
            if expert:
                answered = record.created_at + dt.timedelta(hours=hours)
                values = {"status": "answered", "assignee_id": experts[expert], "answered_at": answered,
                          "due_at": answered + dt.timedelta(hours=1)}
            session.execute(update(Escalation).where(Escalation.id == ref.id).values(**values))


@pytest.fixture(scope="module")
def insight(seeded: Any) -> Any:
    return helpdesk_insight(seeded.db, TODAY - dt.timedelta(days=1), TODAY, gap_finder=GapFinder(
        MultilingualUSEEmbedder()))


def test_questions_and_outcomes_per_channel(insight: Any) -> None:
    assert insight.per_channel == {"web": 2, "slack": 2, "teams": 1, "cli": 1}
    assert insight.outcomes_by_channel == {"web": {"answered": 2}, "slack": {"escalated": 1, "declined": 1},
                                           "teams": {"answered": 1}, "cli": {"answered": 1}}
    assert insight.outcomes == {"answered": 4, "escalated": 1, "declined": 1}
    assert insight.per_day[TODAY.isoformat()] == {"en": 4, "de": 1, "fr": 1}
    assert insight.feedback == {"helpful": 2, "unhelpful": 1}


def test_expert_answers_with_median_and_p90(insight: Any) -> None:
    assert sorted(insight.hours_to_answer) == pytest.approx([1, 2, 3, 4, 10])
    assert insight.median_hours_to_answer == 3.0 and insight.p90_hours_to_answer == 7.6  # 4 + 0.6 * (10 - 4)
    assert [(e.name, e.answered, e.median_hours) for e in insight.experts] == [("Anna", 3, 2.0), ("Ben", 2, 3.5)]
    assert insight.escalation_status == {"answered": 5, "open": 1}
    assert (insight.sla_met, insight.sla_missed) == (5, 1)


def test_gaps_group_languages_and_keep_topics_apart(insight: Any) -> None:
    assert insight.problem_questions == 7  # six escalations and one answer rated unhelpful
    standstill = next(g for g in insight.gaps if ESCALATIONS[0][0] in g.questions)
    assert set(standstill.questions) == {ESCALATIONS[0][0], ESCALATIONS[1][0]}
    assert standstill.languages == {"en": 1, "de": 1} and standstill.escalated == 2
    assert insight.gaps[0] is standstill and all(g.count == 1 for g in insight.gaps[1:])
    unhelpful = next(g for g in insight.gaps if g.unhelpful)
    assert unhelpful.questions == [QUESTIONS[1][4]] and unhelpful.languages == {"de": 1}


def test_csv_rows_carry_the_new_figures(insight: Any) -> None:
    rows = insight.csv_rows()
    for row in [("questions_by_channel", "slack", "2"), ("outcome_by_channel", "slack/declined", "1"),
                ("median_hours_to_expert_answer", "", "3.0"), ("p90_hours_to_expert_answer", "", "7.6"),
                ("expert_answered", "Anna", "3"), ("expert_median_hours", "Ben", "3.5"),
                ("problem_questions", "", "7")]:
        assert row in rows
    label = insight.gaps[0].label
    assert ("knowledge_gap", label, "2") in rows and ("knowledge_gap_languages", label, "de:1 en:1") in rows
    assert ("knowledge_gap_document", label, "") in rows  # no retrieval asked: neither a document nor "none"


def test_an_empty_period_has_no_figures(seeded: Any) -> None:
    empty = helpdesk_insight(seeded.db, TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=5))
    assert not empty.per_channel and not empty.experts and not empty.gaps
    assert empty.median_hours_to_answer is None and empty.p90_hours_to_answer is None
    with pytest.raises(ValueError, match="until"):
        helpdesk_insight(seeded.db, TODAY, TODAY - dt.timedelta(days=1))
