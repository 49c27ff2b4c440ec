"""Domain errors become HTTP responses with a clear message here, and nowhere else."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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



class ErrorOut(BaseModel):
    """The body of every error response."""

    detail: str = Field(description="What went wrong, in words.")
    error: str | None = Field(None, description="The error's class, e.g. NotFoundError.")
    errors: list[dict[str, str]] | None = Field(None, description="Invalid fields, for 422 responses.")


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut, "description": description} for status, description in {
        400: "Malformed request body.", 401: "No valid expert session or API token.",
        403: "Not allowed (role, or a missing CSRF token).",
        404: "Not found, or not yours.", 409: "Does not fit the current state.",
        413: "Request body too large.", 422: "Invalid input.", 429: "Rate limit exceeded (see Retry-After).",
        503: "The database, the index or the chat model is unavailable (see Retry-After).",
    }.items()
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
