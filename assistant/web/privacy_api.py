"""Admins export or erase one person's data (Bearer API token, or the console session with an X-CSRF-Token header)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from assistant.services.privacy import PrivacyService
from assistant.web import auth
from assistant.web.deps import CurrentAdmin, HelpdeskDep

router = APIRouter(prefix="/api/admin/privacy", tags=["privacy"], dependencies=[Depends(auth.verify_csrf)])


class PersonIn(BaseModel):
    """Whose data: the contact (e-mail address) left on escalations, or a signed-in official's account id (oidc:...)."""

    contact: str = Field(min_length=3, max_length=255)


class ErasureOut(BaseModel):
    """How much was erased."""

    escalations: int
    conversations: int
    deliveries: int


@router.post("/export")
def export_person(body: PersonIn, helpdesk: HelpdeskDep, admin: CurrentAdmin) -> dict[str, Any]:
    """Everything stored about a person: their escalations and the conversations behind them (audited)."""
    return PrivacyService(helpdesk.db).export_person(body.contact, actor=admin.email)


@router.post("/erase", response_model=ErasureOut)
def erase_person(body: PersonIn, helpdesk: HelpdeskDep, admin: CurrentAdmin) -> dict[str, int]:
    """Delete a person's escalations, conversations and pending deliveries (audited, without the contact)."""
    report = PrivacyService(helpdesk.db).erase_person(body.contact, actor=admin.email)
    return report.__dict__
