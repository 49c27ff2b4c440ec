"""The official's side of an escalation: its status (and the expert's answer), and adding details while it waits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from assistant.services.escalations import MAX_DETAILS_CHARS
from assistant.web.deps import BrowserIdDep, HelpdeskDep

router = APIRouter(prefix="/api/escalations", tags=["escalations"])
EscalationId = Annotated[str, Path(min_length=1, max_length=32)]


class DetailsIn(BaseModel):
    """More information for the expert."""

    text: str = Field(min_length=1, max_length=MAX_DETAILS_CHARS)


class EscalationStatusOut(BaseModel):
    """What the official may see of their escalation."""

    id: str
    status: str = Field(description="open, claimed, answered, closed or reopened.")
    kind: str = Field(description="question, or review (an answer held for an expert's check).")
    due_at: str
    created_at: str
    answered_at: str | None
    answer: str | None = Field(description="The expert's answer once given (Markdown).")
    question: str
    details: list[dict[str, Any]]


@router.get("/{escalation_id}", response_model=EscalationStatusOut)
def escalation_status(escalation_id: EscalationId, helpdesk: HelpdeskDep, browser_id: BrowserIdDep) -> dict[str, Any]:
    """Status of the caller's escalation (404 for anyone else's)."""
    return helpdesk.escalations.official_view(escalation_id, browser_id)


@router.post("/{escalation_id}/details", response_model=EscalationStatusOut)
def add_details(escalation_id: EscalationId, body: DetailsIn, helpdesk: HelpdeskDep,
                browser_id: BrowserIdDep) -> dict[str, Any]:
    """Add details to the caller's open escalation (409 once it is answered or closed)."""
    return helpdesk.escalations.add_details(escalation_id, browser_id, body.text)
