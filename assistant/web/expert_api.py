"""The experts' JSON API for integrations (Bearer API token, or the console session with an X-CSRF-Token header)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from assistant.services.expert_queue import AnswerForm, QueueFilters
from assistant.web import auth
from assistant.web.deps import CurrentExpert, OutboxDep, QueueDep

router = APIRouter(prefix="/api/expert", tags=["experts"], dependencies=[Depends(auth.verify_csrf)])
EscalationId = Annotated[str, Path(min_length=1, max_length=32)]


class AnswerIn(BaseModel):
    """An expert's answer (Markdown) and whether it becomes knowledge."""

    text: str = Field(min_length=1, max_length=20000)
    publish: bool = False
    legal_basis: str | None = Field(None, max_length=4000)
    linked_sources: list[str] = Field(default_factory=list, max_length=20)
    review_by: dt.date | None = Field(None, description="Default: publish_review_months from today.")


class PublishIn(BaseModel):
    """Publish (true) or unpublish (false)."""

    publish: bool


@router.get("/escalations")
def list_escalations(queue: QueueDep, expert: CurrentExpert,
                     status: Annotated[str, Query(max_length=16)] = "active",
                     language: Annotated[str | None, Query(max_length=8)] = None,
                     country: Annotated[str | None, Query(max_length=8)] = None,
                     channel: Annotated[str | None, Query(max_length=16)] = None,
                     overdue: bool = False, mine: bool = False, review_due: bool = False,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """The queue with the same filters as the console, and counts per status."""
    result = queue.find(QueueFilters(status, language, country, channel, overdue, review_due, mine, limit), expert)
    return {"items": result["items"], "counts": result["counts"]}


@router.get("/escalations/{escalation_id}")
def get_escalation(escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> dict[str, Any]:
    """Everything about one escalation: transcript, passages, draft, links, deliveries, history."""
    return queue.get(escalation_id, expert)


@router.post("/escalations/{escalation_id}/claim")
def claim(escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> dict[str, str]:
    """Take the escalation."""
    queue.claim(escalation_id, expert)
    return {"id": escalation_id, "status": "claimed"}


@router.post("/escalations/{escalation_id}/answer")
def answer(escalation_id: EscalationId, body: AnswerIn, queue: QueueDep, expert: CurrentExpert) -> dict[str, Any]:
    """Answer; the official (and every linked escalation) receives it through the outbox."""
    answered = queue.answer(escalation_id, expert, AnswerForm(body.text, body.publish, body.legal_basis,
                                                              body.linked_sources, body.review_by))
    return {"id": escalation_id, "status": "answered", "answered": answered}


@router.post("/escalations/{escalation_id}/close")
def close(escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> dict[str, str]:
    """Close the escalation."""
    queue.close(escalation_id, expert)
    return {"id": escalation_id, "status": "closed"}


@router.post("/escalations/{escalation_id}/reopen")
def reopen(escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> dict[str, str]:
    """Reopen the escalation."""
    queue.reopen(escalation_id, expert)
    return {"id": escalation_id, "status": "reopened"}


@router.post("/escalations/{escalation_id}/publish")
def publish(escalation_id: EscalationId, body: PublishIn, queue: QueueDep, expert: CurrentExpert) -> dict[str, Any]:
    """Publish the answer to the knowledge base, or take it out."""
    queue.set_published(escalation_id, expert, body.publish)
    return {"id": escalation_id, "publish": body.publish}


@router.get("/outbox")
def outbox_items(outbox: OutboxDep, expert: CurrentExpert,
                 status: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None) -> dict[str, Any]:
    """Deliveries and their state."""
    return {"items": outbox.items(status=status), "counts": outbox.counts()}


@router.post("/outbox/{item_id}/retry")
def retry(item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], outbox: OutboxDep,
          expert: CurrentExpert) -> dict[str, Any]:
    """Deliver a failed message again now."""
    outbox.retry(item_id)
    return {"id": item_id, "status": "pending"}
