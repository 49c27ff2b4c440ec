"""Domain errors become HTTP responses with a clear message here, and nowhere else."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant import errors

STATUS = {
    errors.InvalidQuestionError: 422,
    errors.NotFoundError: 404,
    errors.PermissionDeniedError: 403,
    errors.ConflictError: 409,
    errors.RateLimitedError: 429,
    errors.IndexUnavailableError: 503,
    errors.DatabaseUnavailableError: 503,
    errors.LLMUnavailableError: 503,
    errors.ConfigurationError: 500,
    errors.InvalidInputError: 422,
    errors.NotAuthenticatedError: 401,
}


def status_for(exc: errors.HelpdeskError) -> int:
    """HTTP status for a domain error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(errors.HelpdeskError)
    async def _domain(_: Request, exc: errors.HelpdeskError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after_s", 5)
        headers = {"Retry-After": str(retry_after)} if status_for(exc) in (429, 503) else None
        return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
        return JSONResponse({"detail": message, "errors": problems}, 422)
