"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.errors import HelpdeskError
from assistant.web.deps import HelpdeskDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(helpdesk: HelpdeskDep) -> JSONResponse:
    """The database and the vector store answer."""
    checks: dict[str, str] = {}
    for name, ping in (("database", helpdesk.db.ping), ("vector_store", helpdesk.index.ping)):
        try:
            ping()
            checks[name] = "ok"
        except HelpdeskError as exc:
            checks[name] = str(exc)
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503)
