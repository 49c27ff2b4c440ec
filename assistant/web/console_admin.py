"""Console pages beside the queue: deliveries (with retry) for experts, expert accounts for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.errors import ConflictError, InvalidInputError
from assistant.web import auth
from assistant.web.console import NOTICES, page
from assistant.web.deps import CurrentAdmin, CurrentExpert, ExpertsDep, OutboxDep

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(auth.verify_csrf)])
DELIVERY_STATUSES = ("pending", "sent", "failed")


@router.get("/deliveries", response_class=HTMLResponse)
def deliveries(request: Request, outbox: OutboxDep, expert: CurrentExpert,
               status: Annotated[str | None, Query(max_length=16)] = None,
               notice: Annotated[str | None, Query(max_length=32)] = None) -> HTMLResponse:
    """Messages to officials and notifications: what was sent, what is retrying and what failed."""
    if status and status not in DELIVERY_STATUSES:
        return page(request, "deliveries.html", {"expert": expert, "items": [], "counts": outbox.counts(),
                                                 "status": None, "error": "unknown delivery status"}, 422)
    return page(request, "deliveries.html", {"expert": expert, "items": outbox.items(status=status),
                                             "counts": outbox.counts(), "status": status,
                                             "notice": NOTICES.get(notice or "")})


@router.post("/deliveries/{item_id}/retry")
def retry(item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], outbox: OutboxDep, expert: CurrentExpert) -> Response:
    """Schedule a delivery again now."""
    outbox.retry(item_id)
    return RedirectResponse("/console/deliveries?notice=retried", status_code=303)


@router.get("/experts", response_class=HTMLResponse)
def experts_page(request: Request, experts: ExpertsDep, admin: CurrentAdmin,
                 notice: Annotated[str | None, Query(max_length=32)] = None) -> HTMLResponse:
    """Expert accounts (admins only)."""
    return page(request, "experts.html", {"expert": admin, "experts": experts.list(),
                                          "notice": NOTICES.get(notice or ""), "form": {}})


@router.post("/experts")
async def add_expert(request: Request, experts: ExpertsDep, admin: CurrentAdmin,
                     email: Annotated[str, Form(max_length=255)] = "", name: Annotated[str, Form(max_length=255)] = "",
                     password: Annotated[str, Form(max_length=1024)] = "",
                     role: Annotated[str, Form(max_length=16)] = "expert",
                     topics: Annotated[str, Form(max_length=2000)] = "",
                     countries: Annotated[str, Form(max_length=500)] = "",
                     languages: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Create an expert account (admins only)."""
    try:
        await run_in_threadpool(experts.add, email, name, password, role, _split(topics), _split(countries),
                                _split(languages), admin.email)
    except (InvalidInputError, ConflictError) as exc:
        form = {"email": email, "name": name, "role": role, "topics": topics, "countries": countries,
                "languages": languages}
        return page(request, "experts.html", {"expert": admin, "experts": experts.list(), "error": str(exc),
                                              "form": form}, 409 if isinstance(exc, ConflictError) else 422)
    return RedirectResponse("/console/experts?notice=expert_added", status_code=303)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
