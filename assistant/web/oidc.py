"""The officials' identity provider through Authlib: discovery, redirect with PKCE, code exchange, ID-token checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError

from assistant.config import OIDCSettings
from assistant.errors import IdentityProviderUnavailableError, SignInError

try:  # Authlib talks HTTP through httpx2 when it is installed, else through httpx
    from httpx2 import HTTPError as ProviderHTTPError
except ImportError:  # pragma: no cover - depends on the installed packages
    from httpx import HTTPError as ProviderHTTPError  # type: ignore[assignment]

LEEWAY_S = 60  # clock skew tolerated on exp, iat and nbf
_UNUSABLE = (ProviderHTTPError, ValueError, KeyError, RuntimeError)


@dataclass(frozen=True)
class SignInRequest:
    """An authorization request on its way: the redirect, and what to remember until the browser comes back."""

    url: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str


class OpenIDProvider:
    """The configured OpenID Connect provider; metadata and keys are fetched once and refreshed on key rotation."""

    def __init__(self, settings: OIDCSettings, timeout_s: float = 10.0) -> None:
        secret = settings.client_secret.get_secret_value() if settings.client_secret else None
        self._issuer = settings.issuer
        self._client_id = str(settings.client_id)
        self._client: Any = OAuth().register(
            "official", server_metadata_url=settings.metadata_url, client_id=self._client_id, client_secret=secret,
            client_kwargs={"scope": settings.scopes, "code_challenge_method": "S256", "timeout": timeout_s,
                           "token_endpoint_auth_method": "client_secret_basic" if secret else "none"},
        )

    async def start(self, redirect_uri: str) -> SignInRequest:
        """A fresh authorization request: random state and nonce, PKCE S256 challenge."""
        try:
            request = await self._client.create_authorization_url(redirect_uri)
        except _UNUSABLE as exc:
            raise IdentityProviderUnavailableError(f"the sign-in service cannot be reached: {_reason(exc)}") from exc
        return SignInRequest(url=request["url"], state=request["state"], nonce=request["nonce"],
                             code_verifier=request["code_verifier"], redirect_uri=redirect_uri)

    async def finish(self, pending: SignInRequest, code: str) -> dict[str, Any]:
        """Exchange the code; the ID token's claims once signature, issuer, audience, nonce and expiry are checked."""
        try:
            token = await self._client.fetch_access_token(redirect_uri=pending.redirect_uri, code=code,
                                                          code_verifier=pending.code_verifier)
        except OAuthError as exc:
            raise SignInError(f"the identity provider refused the sign-in ({exc.error})") from exc
        except _UNUSABLE as exc:
            raise IdentityProviderUnavailableError(f"the sign-in service failed: {_reason(exc)}") from exc
        if not isinstance(token.get("id_token"), str):
            raise SignInError("the identity provider sent no ID token (is the openid scope allowed?)")
        return await self._claims(token, pending.nonce)

    async def _claims(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        try:
            metadata = await self._client.load_server_metadata()
            issuer = self._issuer or metadata["issuer"]
            options = {"iss": {"essential": True, "value": issuer},
                       "aud": {"essential": True, "value": self._client_id}}
            claims = await self._client.parse_id_token(token, nonce=nonce, claims_options=options, leeway=LEEWAY_S)
        except JoseError as exc:
            raise SignInError(f"the ID token is not valid ({exc})") from exc
        except _UNUSABLE as exc:
            raise IdentityProviderUnavailableError(f"the sign-in service failed: {_reason(exc)}") from exc
        return dict(claims)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
