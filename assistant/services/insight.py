"""Insight for the helpdesk team: volumes, outcomes, feedback, escalations and SLA, and the knowledge gaps to fill."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from assistant.services.lexical import tokenize
from assistant.store.db import Database
from assistant.store.models import Escalation, Feedback, Message

_SIMILAR = 0.3  # Jaccard overlap of content words for two questions to share a knowledge gap


@dataclass
class KnowledgeGap:
    """Questions the assistant could not answer well, grouped by shared words."""

    label: str
    questions: list[str] = field(default_factory=list)
    escalated: int = 0
    unhelpful: int = 0


@dataclass
class Insight:
    """Figures for the admin page and its CSV export."""

    since: dt.date
    until: dt.date
    per_day: dict[str, Counter[str]] = field(default_factory=dict)  # ISO day -> language -> questions
    outcomes: Counter[str] = field(default_factory=Counter)
    feedback: Counter[str] = field(default_factory=Counter)
    escalation_status: Counter[str] = field(default_factory=Counter)
    sla_met: int = 0
    sla_missed: int = 0
    hours_to_answer: list[float] = field(default_factory=list)
    gaps: list[KnowledgeGap] = field(default_factory=list)

    @property
    def median_hours_to_answer(self) -> float | None:
        """Median time from escalation to expert answer, in hours."""
        return round(statistics.median(self.hours_to_answer), 1) if self.hours_to_answer else None

    def share(self, counter: Counter[str], key: str) -> float:
        """A key's share of a counter, 0 when it is empty."""
        total = sum(counter.values())
        return round(counter[key] / total, 3) if total else 0.0

    def csv_rows(self) -> list[tuple[str, str, str]]:
        """(metric, key, value) rows for the CSV export."""
        rows = [("questions", f"{day}/{lang}", str(n)) for day, langs in sorted(self.per_day.items())
                for lang, n in sorted(langs.items())]
        rows += [("outcome", k, str(v)) for k, v in sorted(self.outcomes.items())]
        rows += [("feedback", k, str(v)) for k, v in sorted(self.feedback.items())]
        rows += [("escalation_status", k, str(v)) for k, v in sorted(self.escalation_status.items())]
        rows += [("sla", "met", str(self.sla_met)), ("sla", "missed", str(self.sla_missed)),
                 ("median_hours_to_expert_answer", "", str(self.median_hours_to_answer or ""))]
        rows += [("knowledge_gap", g.label, str(len(g.questions))) for g in self.gaps]
        return rows


def helpdesk_insight(db: Database, since: dt.date, until: dt.date, now: dt.datetime | None = None) -> Insight:
    """Everything the page shows for the days since..until (inclusive)."""
    if until < since:
        raise ValueError("until is before since")
    start = dt.datetime.combine(since, dt.time.min)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    insight = Insight(since, until)
    problems: list[tuple[str, str]] = []  # (question, escalated | unhelpful)
    with db.session() as session:
        messages = session.scalars(select(Message).where(Message.created_at >= start, Message.created_at < end)
                                   .order_by(Message.conversation_id, Message.id)).all()
        for m in messages:
            if m.role == "user":
                day = m.created_at.date().isoformat()
                insight.per_day.setdefault(day, Counter())[m.language or "?"] += 1
            elif m.role == "assistant" and m.outcome:
                insight.outcomes[m.outcome] += 1
        questions_by_message = _questions_by_message(list(messages))
        for fb in session.scalars(select(Feedback).where(Feedback.created_at >= start, Feedback.created_at < end)):
            insight.feedback["helpful" if fb.rating > 0 else "unhelpful"] += 1
            if fb.rating < 0 and fb.message_id in questions_by_message:
                problems.append((questions_by_message[fb.message_id], "unhelpful"))
        for esc in session.scalars(select(Escalation).where(Escalation.created_at >= start,
                                                            Escalation.created_at < end)):
            _count_escalation(insight, esc, now)
            problems.append((esc.question, "escalated"))
    insight.gaps = cluster_gaps(problems)
    return insight


def _questions_by_message(messages: list[Message]) -> dict[int, str]:
    found, question = {}, ""
    current = None
    for m in messages:
        if m.conversation_id != current:
            current, question = m.conversation_id, ""
        if m.role == "user":
            question = m.content
        elif m.role == "assistant" and question:
            found[m.id] = question
    return found


def _count_escalation(insight: Insight, esc: Escalation, now: dt.datetime) -> None:
    insight.escalation_status[esc.status] += 1
    created, due, answered = _naive(esc.created_at), _naive(esc.due_at), _naive(esc.answered_at)
    done = answered or _naive(esc.closed_at)
    if answered is not None and created is not None:
        insight.hours_to_answer.append((answered - created).total_seconds() / 3600)
    if due is None:
        return
    if done is not None and done <= due:
        insight.sla_met += 1
    elif (done or now) > due:
        insight.sla_missed += 1


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """UTC without tzinfo: SQLite gives naive values back, PostgreSQL may give aware ones."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value and value.tzinfo else value


def cluster_gaps(problems: list[tuple[str, str]], limit: int = 15) -> list[KnowledgeGap]:
    """Group problem questions whose content words overlap; the biggest groups are the gaps to write next."""
    clusters: list[tuple[set[str], KnowledgeGap]] = []
    for question, kind in problems:
        words = set(tokenize(question))
        if not words:
            continue
        best = max(clusters, key=lambda c: _jaccard(c[0], words), default=None)
        if best is None or _jaccard(best[0], words) < _SIMILAR:
            best = (set(words), KnowledgeGap(label=""))
            clusters.append(best)
        best[0].update(words)
        best[1].questions.append(question)
        setattr(best[1], kind, getattr(best[1], kind) + 1)
    for _, gap in clusters:
        counts: defaultdict[str, int] = defaultdict(int)
        for q in gap.questions:
            for w in set(tokenize(q)):
                counts[w] += 1
        gap.label = " ".join(w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    gaps = [gap for _, gap in clusters]
    return sorted(gaps, key=lambda g: (-len(g.questions), g.label))[:limit]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
