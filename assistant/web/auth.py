"""Expert authentication: a signed session cookie for the console, Bearer API tokens for integrations, CSRF tokens.

The session cookie is HttpOnly, SameSite=Lax (and Secure behind https), signed with settings.secret_key and tied
to the password: changing the password ends every session. Forms carry a CSRF token derived from a per-browser
nonce cookie; requests authenticated by a Bearer token need none (no cookie is involved).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from assistant.errors import NotAuthenticatedError, PermissionDeniedError
from assistant.services.experts import ExpertIdentity
from assistant.web.templating import templates

SESSION_COOKIE = "helpdesk_expert"
CSRF_COOKIE = "helpdesk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SESSION_SALT = "helpdesk.expert-session"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _helpdesk(request: Request) -> Any:
    return request.app.state.helpdesk


def _secret(request: Request) -> str:
    return str(_helpdesk(request).settings.secret_key.get_secret_value())


def _secure(request: Request) -> bool:
    return str(_helpdesk(request).settings.public_base_url).startswith("https://")


def _max_age(request: Request) -> int:
    return int(_helpdesk(request).settings.escalation.session_hours * 3600)


# -- sessions ---------------------------------------------------------------------
def start_session(request: Request, response: Response, expert: ExpertIdentity) -> None:
    """Log the expert in: set the signed session cookie and a fresh CSRF nonce."""
    value = URLSafeTimedSerializer(_secret(request), salt=_SESSION_SALT).dumps({"e": expert.id,
                                                                                  "f": expert.fingerprint})
    response.set_cookie(SESSION_COOKIE, value, max_age=_max_age(request), path="/", httponly=True, samesite="lax",
                        secure=_secure(request))
    set_csrf_cookie(request, response, secrets.token_urlsafe(24))


def end_session(request: Request, response: Response) -> None:
    """Log out: remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))


def _from_session(request: Request) -> ExpertIdentity | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data = URLSafeTimedSerializer(_secret(request), salt=_SESSION_SALT).loads(cookie, max_age=_max_age(request))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        return None
    expert = _helpdesk(request).experts.get(data["e"])
    if expert is None or not hmac.compare_digest(str(data.get("f", "")), expert.fingerprint):
        return None
    return expert  # type: ignore[no-any-return]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_expert(request: Request) -> ExpertIdentity:
    """The expert making the request (Bearer token or console session), else 401."""
    token = _bearer(request)
    if token is not None:
        expert = _helpdesk(request).experts.by_token(token)
        if expert is None:
            raise NotAuthenticatedError("invalid or revoked API token")
        request.state.auth_via = "token"
        return expert  # type: ignore[no-any-return]
    expert = _from_session(request)
    if expert is None:
        raise NotAuthenticatedError("log in as an expert (console) or send an expert API token")
    request.state.auth_via = "session"
    return expert


def current_admin(expert: Annotated[ExpertIdentity, Depends(current_expert)]) -> ExpertIdentity:
    """An expert with the admin role, else 403."""
    if not expert.is_admin:
        raise PermissionDeniedError("this needs the admin role")
    return expert


# -- CSRF -------------------------------------------------------------------------
def _nonce(request: Request) -> str:
    nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(CSRF_COOKIE)
    if not nonce or len(nonce) > 64:
        nonce = secrets.token_urlsafe(24)
        request.state.csrf_new = True
    request.state.csrf_nonce = nonce
    return str(nonce)


def _token_for(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token every console form carries (the page's response must then go through `set_csrf_cookie`)."""
    return _token_for(_secret(request), _nonce(request))


def set_csrf_cookie(request: Request, response: Response, nonce: str | None = None) -> None:
    """Send the CSRF nonce cookie when it is new (or replaced)."""
    if nonce is not None:
        request.state.csrf_nonce, request.state.csrf_new = nonce, True
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(CSRF_COOKIE, request.state.csrf_nonce, path="/", httponly=True, samesite="strict",
                            secure=_secure(request))


async def verify_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request made with the session cookie but without a valid CSRF token."""
    if request.method in _SAFE_METHODS or _bearer(request) is not None:
        return
    nonce = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not nonce or not sent or not hmac.compare_digest(sent, _token_for(_secret(request), nonce)):
        raise PermissionDeniedError("missing or invalid CSRF token; reload the page and try again")


# -- pages and errors -------------------------------------------------------------
def safe_local_path(target: str | None, under: str = "/") -> str:
    """A path on this site below `under`, else `under` itself: redirects after sign-in never leave the site."""
    if target and target.startswith(under) and not target.startswith("//") and "\\" not in target \
            and not any(ord(c) < 32 for c in target):
        return target
    return under


def safe_next(target: str | None) -> str:
    """Only local console paths are followed after login (no open redirects)."""
    return safe_local_path(target, "/console")


def login_page(request: Request, status_code: int = 200, error: str | None = None,
               next_path: str | None = None) -> HTMLResponse:
    """The login form (also the body of every 401 in the console)."""
    target = safe_next(next_path or (request.url.path + (f"?{request.url.query}" if request.url.query else "")))
    response = templates.TemplateResponse(request, "console/login.html", {
        "csrf_token": csrf_token(request), "error": error, "next": target}, status_code=status_code)
    set_csrf_cookie(request, response)
    return response


def install(app: FastAPI) -> None:
    """401 on a console page shows the login form; elsewhere it is JSON with WWW-Authenticate."""

    @app.exception_handler(NotAuthenticatedError)
    async def _not_authenticated(request: Request, exc: NotAuthenticatedError) -> Response:
        if request.url.path.startswith("/console") and request.method in _SAFE_METHODS:
            return login_page(request, 401, error=None)
        return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, 401,
                            headers={"WWW-Authenticate": 'Bearer realm="helpdesk-experts"'})
