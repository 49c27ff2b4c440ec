"""The signed-in official in a browser: signed HttpOnly cookies, and who owns the caller's web conversations.

Without OpenID Connect configured nothing here changes anything: the browser id owns the conversations. With it,
a signed-in official's account id (from issuer + subject) owns them, in whichever browser they sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from assistant.errors import SignInRequiredError
from assistant.services.officials import OWNER_PREFIX, OfficialIdentity
from assistant.web.auth import csrf_token
from assistant.web.oidc import OpenIDProvider, SignInRequest
from assistant.web.session import BrowserSession, current_browser_id

OFFICIAL_COOKIE = "helpdesk_official"
FLOW_COOKIE = "helpdesk_oidc_flow"
FLOW_MAX_AGE_S = 600  # the official has ten minutes to sign in at the provider
LOGIN_PATH = "/auth/login"
_OFFICIAL_SALT = "helpdesk.official"
_FLOW_SALT = "helpdesk.oidc-flow"


@dataclass(frozen=True)
class OfficialSignIn:
    """Sign-in as configured on one app: the provider, whether chat needs it, and how its cookies are made."""

    provider: OpenIDProvider
    callback_url: str
    required: bool
    secret_key: str
    secure: bool
    max_age_s: int

    def signer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=salt)

    def set_cookie(self, response: Response, name: str, value: str, max_age: int, path: str) -> None:
        response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="lax",
                            secure=self.secure)


def sign_in_of(request: Request) -> OfficialSignIn | None:
    """The app's sign-in, or None when OpenID Connect is not configured."""
    found = getattr(request.app.state, "official_sign_in", None)
    return found if isinstance(found, OfficialSignIn) else None


def current_official(request: Request) -> OfficialIdentity | None:
    """The official signed in on this browser, or None (always None when sign-in is not configured)."""
    sign_in = sign_in_of(request)
    cookie = request.cookies.get(OFFICIAL_COOKIE)
    if sign_in is None or not cookie:
        return None
    try:
        data = sign_in.signer(_OFFICIAL_SALT).loads(cookie, max_age=sign_in.max_age_s)
    except BadSignature:  # forged, from another secret key, or expired
        return None
    owner = data.get("o") if isinstance(data, dict) else None
    if not isinstance(owner, str) or not owner.startswith(OWNER_PREFIX):
        return None
    return OfficialIdentity(owner_id=owner, name=_text(data.get("n")), email=_text(data.get("e")))


def current_owner_id(request: Request) -> str:
    """Owner of the caller's web conversations: the signed-in official's account, else the browser's id."""
    sign_in = sign_in_of(request)
    if sign_in is not None:
        official = current_official(request)
        if official is not None:
            return official.owner_id
        if sign_in.required:
            raise SignInRequiredError(f"sign in first: the chat is for signed-in officials ({LOGIN_PATH})")
    return current_browser_id(request)


def known_browser_id(request: Request) -> str | None:
    """The id in the browser's cookie when it already had one (a fresh browser owns nothing yet)."""
    session = request.scope.get("state", {}).get("browser")
    return session.id if isinstance(session, BrowserSession) and not session.new else None


def remember_official(response: Response, sign_in: OfficialSignIn, official: OfficialIdentity) -> None:
    """Sign the official in on this browser (name and e-mail live only in this cookie)."""
    value = sign_in.signer(_OFFICIAL_SALT).dumps({"o": official.owner_id, "n": official.name, "e": official.email})
    sign_in.set_cookie(response, OFFICIAL_COOKIE, value, sign_in.max_age_s, "/")


def forget_official(response: Response, sign_in: OfficialSignIn) -> None:
    """Sign out: the browser is anonymous again."""
    response.delete_cookie(OFFICIAL_COOKIE, path="/", httponly=True, samesite="lax", secure=sign_in.secure)


def remember_flow(response: Response, sign_in: OfficialSignIn, pending: SignInRequest, next_path: str) -> None:
    """Keep state, nonce and PKCE verifier until the provider sends the browser back (only to /auth)."""
    value = sign_in.signer(_FLOW_SALT).dumps({"s": pending.state, "n": pending.nonce, "v": pending.code_verifier,
                                               "r": pending.redirect_uri, "x": next_path})
    sign_in.set_cookie(response, FLOW_COOKIE, value, FLOW_MAX_AGE_S, "/auth")


def read_flow(request: Request, sign_in: OfficialSignIn) -> tuple[SignInRequest, str] | None:
    """The sign-in this browser started (and where to go afterwards), or None when missing, forged or too old."""
    cookie = request.cookies.get(FLOW_COOKIE)
    if not cookie:
        return None
    try:
        data = sign_in.signer(_FLOW_SALT).loads(cookie, max_age=FLOW_MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "snvrx"):
        return None
    pending = SignInRequest(url="", state=data["s"], nonce=data["n"], code_verifier=data["v"], redirect_uri=data["r"])
    return pending, data["x"]


def forget_flow(response: Response, sign_in: OfficialSignIn) -> None:
    """The sign-in is over: its state can never be used again."""
    response.delete_cookie(FLOW_COOKIE, path="/auth", httponly=True, samesite="lax", secure=sign_in.secure)


def official_view(request: Request) -> dict[str, Any] | None:
    """What the chat page shows about sign-in (None when it is not configured); the caller sets the CSRF cookie."""
    sign_in = sign_in_of(request)
    if sign_in is None:
        return None
    official = current_official(request)
    return {"signed_in": official is not None, "name": official.display_name if official else None,
            "required": sign_in.required, "login_url": f"{LOGIN_PATH}?next=/",
            "csrf_token": csrf_token(request) if official else None}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
