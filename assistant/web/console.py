"""The expert console: login, queue with filters and counts, the escalation page and its actions.

Server-rendered pages (Jinja2 autoescapes everything the officials and experts wrote); every form carries a CSRF
token; answers are previewed as Markdown rendered without raw HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from assistant.errors import ConflictError, InvalidInputError, NotAuthenticatedError, PermissionDeniedError
from assistant.services.expert_queue import AnswerForm, ExpertQueue, QueueFilters
from assistant.services.experts import ExpertIdentity
from assistant.web import auth
from assistant.web.deps import CurrentExpert, ExpertsDep, OutboxDep, QueueDep
from assistant.web.templating import templates

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(auth.verify_csrf)])
EscalationId = Annotated[str, Path(min_length=1, max_length=32)]
NOTICES = {"claimed": "You claimed this escalation.", "answered": "Answer saved; it is on its way to the official.",
           "closed": "Escalation closed.", "reopened": "Escalation reopened.", "published": "Published to the "
           "knowledge base.", "unpublished": "Removed from the knowledge base.", "unlinked": "Link removed.",
           "retried": "Delivery scheduled again.", "expert_added": "Expert account created."}
_USER_ERRORS = (ConflictError, InvalidInputError, PermissionDeniedError)
_STATUS = {ConflictError: 409, InvalidInputError: 422, PermissionDeniedError: 403}


def render_markdown(text: str) -> Markup:
    """Markdown to HTML with raw HTML disabled (so officials' and experts' text cannot inject markup)."""
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return Markup(renderer.render(text or ""))  # noqa: S704 - html is off: markdown-it escapes every input


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a console template with the CSRF token and the logged-in expert."""
    context = {"csrf_token": auth.csrf_token(request), "markdown": render_markdown, **context}
    response = templates.TemplateResponse(request, f"console/{name}", context, status_code=status_code)
    auth.set_csrf_cookie(request, response)
    return response


def _back(path: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?notice={notice}", status_code=303)


# -- login ------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The login page."""
    return auth.login_page(request, next_path=next or "/console")


@router.post("/login")
async def login(request: Request, experts: ExpertsDep, email: Annotated[str, Form(max_length=255)] = "",
                password: Annotated[str, Form(max_length=1024)] = "",
                next: Annotated[str, Form(max_length=500)] = "/console") -> Response:
    """Check the password; on success set the session cookie and go on."""
    try:
        expert = await run_in_threadpool(experts.authenticate, email, password)
    except NotAuthenticatedError as exc:
        return auth.login_page(request, 401, error=str(exc), next_path=next)
    response = RedirectResponse(auth.safe_next(next), status_code=303)
    auth.start_session(request, response, expert)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session."""
    response = RedirectResponse("/console/login", status_code=303)
    auth.end_session(request, response)
    return response


# -- queue ------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, queue: QueueDep, outbox: OutboxDep, expert: CurrentExpert,
          status: Annotated[str, Query(max_length=16)] = "active",
          language: Annotated[str | None, Query(max_length=8)] = None,
          country: Annotated[str | None, Query(max_length=8)] = None,
          channel: Annotated[str | None, Query(max_length=16)] = None,
          overdue: bool = False, mine: bool = False, review_due: bool = False) -> HTMLResponse:
    """Escalations with filters (status, language, country, channel, overdue) and counts."""
    filters = QueueFilters(status=status, language=language or None, country=country or None,
                           channel=channel or None, overdue=overdue, mine=mine, review_due=review_due)
    try:
        result = queue.find(filters, expert)
    except InvalidInputError as exc:
        return page(request, "queue.html", {"expert": expert, "error": str(exc), "items": [], "counts": {},
                                            "filters": QueueFilters()}, status_code=422)
    deliveries = outbox.counts()
    return page(request, "queue.html", {"expert": expert, **result, "deliveries": deliveries})


# -- one escalation -----------------------------------------------------------------
@router.get("/escalations/{escalation_id}", response_class=HTMLResponse)
def escalation(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert,
               notice: Annotated[str | None, Query(max_length=32)] = None) -> HTMLResponse:
    """The question in context, the passages the assistant used, its draft, and the actions."""
    return _escalation_page(request, queue, expert, escalation_id, notice=NOTICES.get(notice or ""))


def _escalation_page(request: Request, queue: ExpertQueue, expert: ExpertIdentity, escalation_id: str,
                     status_code: int = 200, **extra: Any) -> HTMLResponse:
    data = queue.get(escalation_id, expert)
    form = extra.pop("form", None) or {
        "text": data["answer"] or data["draft_answer"], "publish": data["publish"],
        "legal_basis": data["legal_basis"] or "", "linked_sources": "\n".join(data["linked_sources"]),
        "review_by": data["review_by"].isoformat() if data["review_by"] else ""}
    return page(request, "escalation.html", {"expert": expert, "e": data, "form": form, **extra},
                status_code=status_code)


def _act(request: Request, queue: ExpertQueue, expert: ExpertIdentity, escalation_id: str, action: Callable[[], object],
         notice: str, form: dict[str, Any] | None = None) -> Response:
    try:
        action()
    except _USER_ERRORS as exc:
        return _escalation_page(request, queue, expert, escalation_id, _STATUS[type(exc)], error=str(exc),
                                form=form)
    return _back(f"/console/escalations/{escalation_id}", notice)


@router.post("/escalations/{escalation_id}/claim")
def claim(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> Response:
    """Take the escalation."""
    return _act(request, queue, expert, escalation_id, lambda: queue.claim(escalation_id, expert),
                "claimed")


@router.post("/escalations/{escalation_id}/answer")
def answer(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert,
           text: Annotated[str, Form(max_length=40000)] = "", action: Annotated[str, Form(max_length=16)] = "send",
           publish: Annotated[bool, Form()] = False, legal_basis: Annotated[str, Form(max_length=4000)] = "",
           linked_sources: Annotated[str, Form(max_length=10000)] = "",
           review_by: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Preview the answer (Markdown), or send it to the official (and publish it when marked)."""
    form = {"text": text, "publish": publish, "legal_basis": legal_basis, "linked_sources": linked_sources,
            "review_by": review_by}
    if action == "preview":
        return _escalation_page(request, queue, expert, escalation_id, form=form, preview=render_markdown(text))
    sources = [line for line in linked_sources.splitlines() if line.strip()]

    def send() -> None:
        queue.answer(escalation_id, expert, AnswerForm(text, publish, legal_basis, sources,
                                                                _parse_date(review_by)))
    return _act(request, queue, expert, escalation_id, send, "answered", form=form)


@router.post("/escalations/{escalation_id}/close")
def close(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> Response:
    """Close the escalation."""
    return _act(request, queue, expert, escalation_id, lambda: queue.close(escalation_id, expert),
                "closed")


@router.post("/escalations/{escalation_id}/reopen")
def reopen(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> Response:
    """Reopen the escalation with a fresh answer time."""
    return _act(request, queue, expert, escalation_id, lambda: queue.reopen(escalation_id, expert),
                "reopened")


@router.post("/escalations/{escalation_id}/publish")
def publish_answer(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert,
            publish: Annotated[bool, Form()] = False) -> Response:
    """Publish the answer to the knowledge base, or take it out."""
    return _act(request, queue, expert, escalation_id,
                lambda: queue.set_published(escalation_id, expert, publish),
                "published" if publish else "unpublished")


@router.post("/escalations/{escalation_id}/unlink")
def unlink(request: Request, escalation_id: EscalationId, queue: QueueDep, expert: CurrentExpert) -> Response:
    """Detach this escalation from the similar one it was linked to."""
    return _act(request, queue, expert, escalation_id, lambda: queue.unlink(escalation_id, expert),
                "unlinked")


def _parse_date(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInputError("the review-by date must look like 2027-01-31") from exc
