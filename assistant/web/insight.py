"""Insight for the helpdesk team (admins): the page with charts, and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from assistant.errors import InvalidInputError
from assistant.services.insight import Insight, helpdesk_insight
from assistant.services.knowledge_gaps import GapFinder, index_lookup
from assistant.web.console import page
from assistant.web.deps import CurrentAdmin, HelpdeskDep
from assistant.wiring import Helpdesk

router = APIRouter(prefix="/console", include_in_schema=False)
Day = Annotated[dt.date | None, Query(description="First or last day (YYYY-MM-DD).")]
MAX_DAYS = 366


def _window(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    until = until or dt.datetime.now(dt.UTC).date()
    since = since or until - dt.timedelta(days=29)
    if since > until:
        raise InvalidInputError("'since' must not be after 'until'")
    if (until - since).days >= MAX_DAYS:
        raise InvalidInputError(f"choose at most {MAX_DAYS} days")
    return since, until


@router.get("/insight", response_class=HTMLResponse)
def insight_page(request: Request, helpdesk: HelpdeskDep, admin: CurrentAdmin, since: Day = None,
                 until: Day = None) -> HTMLResponse:
    """Questions per day and language, outcomes, feedback, escalations and SLA, knowledge gaps."""
    first, last = _window(since, until)
    finder = gap_finder(helpdesk)
    insight = helpdesk_insight(helpdesk.db, first, last, gap_finder=finder)
    return page(request, "insight.html", {"expert": admin, "insight": insight, "days": _days(insight),
                                          "gap_cap": finder.max_questions, "nav": "insight"})


@router.get("/insight.csv")
def insight_csv(helpdesk: HelpdeskDep, admin: CurrentAdmin, since: Day = None, until: Day = None) -> Response:
    """The same figures as CSV (metric, key, value)."""
    first, last = _window(since, until)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("metric", "key", "value"))
    for row in helpdesk_insight(helpdesk.db, first, last, gap_finder=gap_finder(helpdesk)).csv_rows():
        writer.writerow(tuple(_safe_cell(cell) for cell in row))
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="insight-{first}-{last}.csv"'})


def gap_finder(helpdesk: Helpdesk) -> GapFinder:
    """The process's gap finder (created on first use): the multilingual embedder and the nearest indexed chunk."""
    found = helpdesk.extras.get("gap_finder")
    if not isinstance(found, GapFinder):
        embedder = helpdesk.embedder.multilingual() or helpdesk.embedder
        found = GapFinder(embedder, index_lookup(helpdesk.index, helpdesk.embedder, helpdesk.settings.retrieval))
        helpdesk.extras["gap_finder"] = found
    return found


def _safe_cell(value: str) -> str:
    """No spreadsheet formulas from user text (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") and not value.lstrip("-").isdigit() else value


def _days(insight: Insight) -> list[tuple[str, int, dict[str, int]]]:
    rows = [(day, sum(langs.values()), dict(langs)) for day, langs in sorted(insight.per_day.items())]
    return rows
