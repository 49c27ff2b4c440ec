"""Sign-in for municipal officials with OpenID Connect: /auth/login, /auth/callback, /auth/logout, and /api/me.

The /auth routes exist only when HELPDESK_OIDC__* is configured; /api/me always answers (anonymous without it).
The provider's redirect URI to register is <public_base_url>/auth/callback.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.errors import IdentityProviderUnavailableError, SignInError, SignInRequiredError
from assistant.services.officials import adopt_browser_conversations, identity_from_claims
from assistant.web import auth
from assistant.web.deps import HelpdeskDep
from assistant.web.official_session import (
    LOGIN_PATH,
    OfficialSignIn,
    current_official,
    forget_flow,
    forget_official,
    known_browser_id,
    read_flow,
    remember_flow,
    remember_official,
    sign_in_of,
)
from assistant.web.oidc import OpenIDProvider
from assistant.web.pages import render_page

router = APIRouter(prefix="/auth", tags=["sign-in"])
me_router = APIRouter(prefix="/api", tags=["sign-in"])
NextQuery = Annotated[str | None, Query(max_length=2000, description="Local path to return to afterwards.")]
_PARAM = Query(max_length=2048)


class MeOut(BaseModel):
    """Who the caller is: an anonymous browser, or a signed-in official."""

    signed_in: bool
    name: str | None = Field(None, description="The official's name, from the identity provider.")
    email: str | None = Field(None, description="The official's e-mail address, from the identity provider.")
    owner: str | None = Field(None, description="The account's opaque owner id (quote it in a data request).")
    sign_in: Literal["off", "optional", "required"] = Field(description="Whether this helpdesk offers sign-in.")
    login_url: str | None = Field(None, description="Where to sign in, when sign-in is offered.")


@me_router.get("/me", response_model=MeOut)
def me(request: Request, response: Response) -> dict[str, Any]:
    """The signed-in official's name and e-mail, or that the caller is anonymous."""
    response.headers["Cache-Control"] = "no-store"
    sign_in, official = sign_in_of(request), current_official(request)
    mode = "off" if sign_in is None else ("required" if sign_in.required else "optional")
    return {"signed_in": official is not None, "name": official.name if official else None,
            "email": official.email if official else None, "owner": official.owner_id if official else None,
            "sign_in": mode, "login_url": LOGIN_PATH if sign_in else None}


@router.get("/login", response_class=RedirectResponse, status_code=302)
async def login(request: Request, next: NextQuery = None) -> RedirectResponse:  # noqa: A002 - the query name
    """Send the browser to the identity provider (state, nonce and a PKCE S256 challenge)."""
    sign_in = _configured(request)
    pending = await sign_in.provider.start(sign_in.callback_url)
    response = RedirectResponse(pending.url, status_code=302)
    response.headers["Cache-Control"] = "no-store"
    remember_flow(response, sign_in, pending, auth.safe_local_path(next))
    return response


@router.get("/callback", response_class=RedirectResponse, status_code=303)
async def callback(request: Request, helpdesk: HelpdeskDep, code: Annotated[str | None, _PARAM] = None,
                   state: Annotated[str | None, _PARAM] = None, error: Annotated[str | None, _PARAM] = None,
                   error_description: Annotated[str | None, _PARAM] = None) -> RedirectResponse:
    """Where the provider sends the browser back: check the state, exchange the code, validate the ID token."""
    sign_in = _configured(request)
    if error:
        raise SignInError(f"the identity provider did not sign you in ({error}: {error_description or 'no reason'})")
    flow = read_flow(request, sign_in)
    if flow is None or not state or not hmac.compare_digest(state, flow[0].state):
        raise SignInError("this sign-in expired or was not started in this browser; please sign in again")
    if not code:
        raise SignInError("the identity provider sent no authorization code")
    official = identity_from_claims(await sign_in.provider.finish(flow[0], code))
    browser_id = known_browser_id(request)
    if browser_id:  # what the official asked before signing in stays theirs
        await run_in_threadpool(adopt_browser_conversations, helpdesk.db, browser_id, official.owner_id)
    response = RedirectResponse(flow[1], status_code=303)
    remember_official(response, sign_in, official)
    forget_flow(response, sign_in)
    return response


@router.post("/logout", response_class=RedirectResponse, status_code=303,
             dependencies=[Depends(auth.verify_csrf)])
def logout(request: Request, next: NextQuery = None) -> RedirectResponse:  # noqa: A002 - the query name
    """Sign out on this browser (CSRF token required); the browser is anonymous again."""
    response = RedirectResponse(auth.safe_local_path(next), status_code=303)
    forget_official(response, _configured(request))
    return response


def install(app: FastAPI, settings: Settings) -> None:
    """Always /api/me; the /auth routes and their error responses only when OpenID Connect is configured."""
    app.include_router(me_router)
    if not settings.oidc.enabled:
        return
    base = settings.public_base_url.rstrip("/")
    app.state.official_sign_in = OfficialSignIn(
        provider=OpenIDProvider(settings.oidc), callback_url=f"{base}/auth/callback", required=settings.oidc.required,
        secret_key=settings.secret_key.get_secret_value(), secure=base.startswith("https://"),
        max_age_s=int(settings.oidc.session_hours * 3600),
    )
    app.include_router(router)
    app.add_exception_handler(SignInError, _sign_in_failed)
    app.add_exception_handler(IdentityProviderUnavailableError, _sign_in_failed)
    app.add_exception_handler(SignInRequiredError, _sign_in_required)


def _configured(request: Request) -> OfficialSignIn:
    sign_in = sign_in_of(request)
    if sign_in is None:  # the routes are only registered with it; a guard for apps built by hand
        raise SignInError("sign-in is not configured on this helpdesk")
    return sign_in


async def _sign_in_failed(request: Request, exc: Exception) -> Response:
    """A failed sign-in: a page for browsers, JSON otherwise; the half-done sign-in is forgotten."""
    status = 503 if isinstance(exc, IdentityProviderUnavailableError) else 400
    if "text/html" in request.headers.get("accept", ""):
        response: Response = render_page(request, "sign_in_error.html", {"message": str(exc)}, None)
        response.status_code = status
    else:
        response = JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status)
    if status == 503:
        response.headers["Retry-After"] = "30"
    sign_in = sign_in_of(request)
    if sign_in is not None:
        forget_flow(response, sign_in)
    return response


async def _sign_in_required(_: Request, exc: Exception) -> Response:
    """401 for an anonymous chat request when sign-in is required, with where to sign in."""
    return JSONResponse({"detail": str(exc), "error": type(exc).__name__, "login_url": LOGIN_PATH}, 401)
