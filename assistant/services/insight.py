"""Insight for the helpdesk team: volumes, outcomes, feedback, escalations and SLA, and the knowledge gaps to fill."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.services.knowledge_gaps import GapFinder, KnowledgeGap, ProblemQuestion
from assistant.store.db import Database
from assistant.store.models import Conversation, Escalation, Expert, Feedback, Message


def _hours(values: list[float], quantile: float) -> float | None:
    """A quantile (0.5 = median) of durations in hours, linearly interpolated; None without any."""
    return round(float(np.quantile(values, quantile)), 1) if values else None


@dataclass
class ExpertFigures:
    """One expert's answered escalations and how long they took."""

    name: str
    hours_to_answer: list[float] = field(default_factory=list)

    @property
    def answered(self) -> int:
        """Escalations this expert answered."""
        return len(self.hours_to_answer)

    @property
    def median_hours(self) -> float | None:
        """Median time from escalation to this expert's answer, in hours."""
        return _hours(self.hours_to_answer, 0.5)


@dataclass
class Insight:
    """Figures for the admin page and its CSV export."""

    since: dt.date
    until: dt.date
    per_day: dict[str, Counter[str]] = field(default_factory=dict)  # ISO day -> language -> questions
    per_channel: Counter[str] = field(default_factory=Counter)  # web | slack | teams | cli -> questions
    outcomes: Counter[str] = field(default_factory=Counter)
    outcomes_by_channel: dict[str, Counter[str]] = field(default_factory=dict)
    feedback: Counter[str] = field(default_factory=Counter)
    escalation_status: Counter[str] = field(default_factory=Counter)
    sla_met: int = 0
    sla_missed: int = 0
    hours_to_answer: list[float] = field(default_factory=list)
    experts: list[ExpertFigures] = field(default_factory=list)
    problem_questions: int = 0  # escalated or rated unhelpful, before the cap of the gap finder
    gaps: list[KnowledgeGap] = field(default_factory=list)

    @property
    def median_hours_to_answer(self) -> float | None:
        """Median time from escalation to expert answer, in hours."""
        return _hours(self.hours_to_answer, 0.5)

    @property
    def p90_hours_to_answer(self) -> float | None:
        """90th percentile of the time from escalation to expert answer, in hours."""
        return _hours(self.hours_to_answer, 0.9)

    def share(self, counter: Counter[str], key: str) -> float:
        """A key's share of a counter, 0 when it is empty."""
        total = sum(counter.values())
        return round(counter[key] / total, 3) if total else 0.0

    def csv_rows(self) -> list[tuple[str, str, str]]:
        """(metric, key, value) rows for the CSV export."""
        rows = [("questions", f"{day}/{lang}", str(n)) for day, langs in sorted(self.per_day.items())
                for lang, n in sorted(langs.items())]
        rows += [("questions_by_channel", k, str(v)) for k, v in sorted(self.per_channel.items())]
        rows += [("outcome", k, str(v)) for k, v in sorted(self.outcomes.items())]
        rows += [("outcome_by_channel", f"{channel}/{k}", str(v))
                 for channel, counts in sorted(self.outcomes_by_channel.items()) for k, v in sorted(counts.items())]
        rows += [("feedback", k, str(v)) for k, v in sorted(self.feedback.items())]
        rows += [("escalation_status", k, str(v)) for k, v in sorted(self.escalation_status.items())]
        rows += [("sla", "met", str(self.sla_met)), ("sla", "missed", str(self.sla_missed)),
                 ("median_hours_to_expert_answer", "", _cell(self.median_hours_to_answer)),
                 ("p90_hours_to_expert_answer", "", _cell(self.p90_hours_to_answer))]
        for e in self.experts:
            rows += [("expert_answered", e.name, str(e.answered)),
                     ("expert_median_hours", e.name, _cell(e.median_hours))]
        rows.append(("problem_questions", "", str(self.problem_questions)))
        for g in self.gaps:
            rows += [("knowledge_gap", g.label, str(g.count)), ("knowledge_gap_escalated", g.label, str(g.escalated)),
                     ("knowledge_gap_unhelpful", g.label, str(g.unhelpful)),
                     ("knowledge_gap_keywords", g.label, " ".join(g.keywords)),
                     ("knowledge_gap_languages", g.label, " ".join(f"{k}:{v}" for k, v in sorted(g.languages.items()))),
                     ("knowledge_gap_document", g.label, _document_cell(g))]
        return rows


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)


def _document_cell(gap: KnowledgeGap) -> str:
    if gap.document is not None:
        return gap.document.document_id
    return "none" if gap.searched else ""


def helpdesk_insight(db: Database, since: dt.date, until: dt.date, now: dt.datetime | None = None,
                     gap_finder: GapFinder | None = None) -> Insight:
    """Everything the page shows for the days since..until (inclusive); gaps by meaning when given a gap finder."""
    if until < since:
        raise ValueError("until is before since")
    start = dt.datetime.combine(since, dt.time.min)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    insight = Insight(since, until)
    with db.session() as session:
        problems = _count_messages(session, insight, start, end)
        experts: dict[int, ExpertFigures] = {}
        escalations = select(Escalation).where(Escalation.created_at >= start, Escalation.created_at < end)
        for esc in session.scalars(escalations.order_by(Escalation.created_at)):
            _count_escalation(insight, esc, now, experts, session)
            problems.append(ProblemQuestion(esc.question, "escalated", esc.language or "?", _naive(esc.created_at)))
    insight.experts = sorted(experts.values(), key=lambda e: (-e.answered, e.name))
    insight.problem_questions = len(problems)
    insight.gaps = (gap_finder or GapFinder()).find(problems)
    return insight


def _count_messages(session: Session, insight: Insight, start: dt.datetime, end: dt.datetime) -> list[ProblemQuestion]:
    """Questions per day, language and channel, outcomes, feedback; returns the answers rated unhelpful."""
    rows = session.execute(select(Message, Conversation.channel).join(Conversation)
                           .where(Message.created_at >= start, Message.created_at < end)
                           .order_by(Message.conversation_id, Message.id)).all()
    for m, channel in rows:
        if m.role == "user":
            insight.per_day.setdefault(m.created_at.date().isoformat(), Counter())[m.language or "?"] += 1
            insight.per_channel[channel or "?"] += 1
        elif m.role == "assistant" and m.outcome:
            insight.outcomes[m.outcome] += 1
            insight.outcomes_by_channel.setdefault(channel or "?", Counter())[m.outcome] += 1
    questions = _questions_by_message([m for m, _ in rows])
    problems = []
    for fb in session.scalars(select(Feedback).where(Feedback.created_at >= start, Feedback.created_at < end)
                              .order_by(Feedback.created_at)):
        insight.feedback["helpful" if fb.rating > 0 else "unhelpful"] += 1
        if fb.rating < 0 and fb.message_id in questions:
            text, language = questions[fb.message_id]
            problems.append(ProblemQuestion(text, "unhelpful", language, _naive(fb.created_at)))
    return problems


def _questions_by_message(messages: list[Message]) -> dict[int, tuple[str, str]]:
    """Assistant message id -> (the question it answered, its language)."""
    found: dict[int, tuple[str, str]] = {}
    question: tuple[str, str] | None = None
    current = None
    for m in messages:
        if m.conversation_id != current:
            current, question = m.conversation_id, None
        if m.role == "user":
            question = (m.content, m.language or "?")
        elif m.role == "assistant" and question:
            found[m.id] = question
    return found


def _count_escalation(insight: Insight, esc: Escalation, now: dt.datetime, experts: dict[int, ExpertFigures],
                      session: Session) -> None:
    insight.escalation_status[esc.status] += 1
    created, due, answered = _naive(esc.created_at), _naive(esc.due_at), _naive(esc.answered_at)
    done = answered or _naive(esc.closed_at)
    if answered is not None and created is not None:
        hours = (answered - created).total_seconds() / 3600
        insight.hours_to_answer.append(hours)
        if esc.assignee_id is not None:
            if esc.assignee_id not in experts:
                expert = session.get(Expert, esc.assignee_id)
                experts[esc.assignee_id] = ExpertFigures(expert.name if expert else f"#{esc.assignee_id}")
            experts[esc.assignee_id].hours_to_answer.append(hours)
    if due is None:
        return
    if done is not None and done <= due:
        insight.sla_met += 1
    elif (done or now) > due:
        insight.sla_missed += 1


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """UTC without tzinfo: SQLite gives naive values back, PostgreSQL may give aware ones."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value and value.tzinfo else value
