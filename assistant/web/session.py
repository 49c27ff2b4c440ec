"""Browser identity: a random id in a signed, HttpOnly cookie; it owns the web conversations started in it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.errors import ConfigurationError

COOKIE = "helpdesk_browser"
MAX_AGE_S = 400 * 24 * 3600  # the longest lifetime browsers accept
_SALT = "helpdesk.browser-id"


@dataclass
class BrowserSession:
    """The browser making this request; `claimed` once a route relied on it (then a new id is sent back)."""

    id: str
    new: bool
    claimed: bool = False


def sign_browser_id(browser_id: str, secret_key: str) -> str:
    """The cookie value for a browser id."""
    return str(URLSafeSerializer(secret_key, salt=_SALT).dumps(browser_id))


def read_browser_id(cookie: str | None, secret_key: str) -> str | None:
    """The browser id in a cookie value, or None when it is missing or its signature is wrong."""
    if not cookie:
        return None
    try:
        value = URLSafeSerializer(secret_key, salt=_SALT).loads(cookie)
    except BadSignature:
        return None
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else None


class BrowserSessionMiddleware:
    """Reads the signed browser cookie and sets a fresh one when a route claimed a new identity."""

    def __init__(self, app: ASGIApp, secret_key: str, secure: bool = False) -> None:
        self.app = app
        self._secret = secret_key
        self._secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = cookie_parser(_header(scope, b"cookie"))
        known = read_browser_id(cookies.get(COOKIE), self._secret)
        session = BrowserSession(id=known or secrets.token_urlsafe(24), new=known is None)
        scope.setdefault("state", {})["browser"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.new and session.claimed:
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", self._cookie(session.id).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, browser_id: str) -> str:
        value = sign_browser_id(browser_id, self._secret)
        secure = "; Secure" if self._secure else ""
        return f"{COOKIE}={value}; Path=/; Max-Age={MAX_AGE_S}; HttpOnly; SameSite=Lax{secure}"


def current_browser_id(request: Request) -> str:
    """The id of the browser making the request (a new one is remembered in its cookie)."""
    session = request.scope.get("state", {}).get("browser")
    if not isinstance(session, BrowserSession):
        raise ConfigurationError("BrowserSessionMiddleware is not installed on this app")
    session.claimed = True
    return session.id


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""
