"""A real, local OpenID Connect provider for the sign-in tests: discovery, /authorize, /token, /jwks over HTTP.

It signs RS256 ID tokens with a generated key, checks the client's secret and the PKCE verifier, and can be told
to misbehave (other claims, another signing key) to show that the helpdesk refuses what it must refuse.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "helpdesk-test"
CLIENT_SECRET = "stand-in-client-secret"  # noqa: S105 - a test value
TEST_USER = {"sub": "official-4711", "name": "Olga Official", "email": "olga.official@city.example.eu"}


@dataclass
class StandInProvider:
    """The provider's state: its key, the test user, what it was asked, and how it should misbehave next."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "stand-in-1"}))
    user: dict[str, Any] = field(default_factory=lambda: dict(TEST_USER))
    claims_override: dict[str, Any] = field(default_factory=dict)
    rogue_key: RSAKey | None = None  # signs the next ID tokens with a key that is not in the JWKS
    authorizations: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def reset(self) -> None:
        """Behave again: the usual user, valid tokens."""
        self.user = dict(TEST_USER)
        self.claims_override, self.rogue_key = {}, None

    def app(self) -> Starlette:
        """The provider as an ASGI app."""
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery), Route("/authorize", self._authorize),
            Route("/token", self._token, methods=["POST"]), Route("/jwks", self._jwks),
        ])

    async def _discovery(self, _: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        })

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorizations.append(params)
        if params.get("client_id") != CLIENT_ID or params.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, 400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = params  # the test user is already "signed in" at the provider
        query = urlencode({"code": code, "state": params.get("state", "")})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", 302)

    async def _token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, 401)
        asked = self._codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"] or not _pkce_ok(form, asked):
            return JSONResponse({"error": "invalid_grant"}, 400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": asked.get("nonce"),
                  **self.user, **self.claims_override}
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.rogue_key or self.key)
        return JSONResponse({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                             "id_token": id_token})

    async def _jwks(self, _: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))


def _pkce_ok(form: dict[str, str], asked: dict[str, str]) -> bool:
    digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return asked.get("code_challenge_method") == "S256" and secrets.compare_digest(challenge,
                                                                                   asked.get("code_challenge", ""))


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the stand-in provider did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def stand_in_provider() -> Iterator[StandInProvider]:
    """A running stand-in provider whose issuer is its own URL."""
    provider = StandInProvider()
    with serve(provider.app()) as url:
        provider.issuer = url
        yield provider


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (an unreachable provider)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
