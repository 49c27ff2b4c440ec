"""Expert-answered escalations as eval regression cases, so the eval set grows from what officials really ask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from assistant.services.publishing import expert_document_id
from assistant.store.db import Database
from assistant.store.models import Escalation


def regression_case(record: Escalation) -> dict[str, Any]:
    """One eval line: a published answer must now be answered from it; an unpublished one must still escalate."""
    published = bool(record.publish)
    return {
        "id": f"ESC-CASE-{record.id.removeprefix('ESC-')}", "question": record.question, "language": record.language,
        "expected_outcome": "answered" if published else "escalated",
        "expected_sources": [expert_document_id(record.id)] if published else [],
        "expected_facts": [], "kind": "from-escalation", "escalation_id": record.id,
        "expert_answer": record.answer, "legal_basis": record.legal_basis,
    }


def expert_answered_cases(db: Database, only_published: bool = False) -> list[dict[str, Any]]:
    """Regression cases of every escalation an expert answered (questions, not held-answer reviews), oldest first."""
    query = select(Escalation).where(Escalation.answer.is_not(None), Escalation.status.in_(("answered", "closed")),
                                     Escalation.kind == "question", Escalation.linked_to.is_(None))
    if only_published:
        query = query.where(Escalation.publish.is_(True))
    with db.session() as session:
        return [regression_case(r) for r in session.scalars(query.order_by(Escalation.answered_at)).all()]


def append_cases(path: Path, cases: list[dict[str, Any]]) -> int:
    """Append the cases not yet in the file (by escalation id); returns how many were added."""
    known: set[str] = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                known.add(str(json.loads(line).get("escalation_id", "")))
    new = [case for case in cases if case["escalation_id"] not in known]
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for case in new:
                handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    return len(new)
