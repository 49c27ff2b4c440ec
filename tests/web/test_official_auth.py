"""Sign-in for officials with OpenID Connect, against a real local provider: the whole flow and what it refuses."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from assistant.app import create_app
from assistant.config import OIDCSettings
from assistant.services.officials import OfficialIdentity, owner_id_for
from assistant.store.models import Conversation
from assistant.web.auth import safe_local_path
from assistant.web.official_session import FLOW_COOKIE, OFFICIAL_COOKIE, remember_official
from assistant.web.session import COOKIE as BROWSER_COOKIE
from tests.experts_support import build_console, csrf_from
from tests.web.oidc_stand_in import CLIENT_ID, CLIENT_SECRET, StandInProvider, closed_port_url, stand_in_provider

QUESTION = {"message": "What is the EU threshold for supply contracts of a municipality?"}


@pytest.fixture(scope="module")
def provider() -> Iterator[StandInProvider]:
    with stand_in_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def _behaving(provider: StandInProvider) -> None:
    provider.reset()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    helpdesk = build_console(tmp_path_factory.mktemp("oidc"))
    yield helpdesk
    helpdesk.db.dispose()


@pytest.fixture
def make_app(desk: Any, provider: StandInProvider) -> Callable[..., FastAPI]:
    """An app over the shared services, with sign-in configured as asked (None: not configured)."""

    def build(oidc: dict[str, Any] | None = None, required: bool = False) -> FastAPI:
        if oidc is None:
            oidc = {"issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": SecretStr(CLIENT_SECRET),
                    "required": required}
        settings = desk.settings.model_copy(update={"oidc": OIDCSettings(**oidc)})
        return create_app(settings, dataclasses.replace(desk, settings=settings))

    return build


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_app(), follow_redirects=False) as test_client:
        yield test_client


def at_provider(client: TestClient, next_path: str = "/") -> httpx.Response:
    """Start signing in and let the provider answer; returns its redirect back to the helpdesk."""
    start = client.get("/auth/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    answer = httpx.get(start.headers["location"], follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer


def back_at_helpdesk(client: TestClient, answer: httpx.Response, **headers: str) -> Any:
    """Follow the provider's redirect to /auth/callback in the helpdesk's browser."""
    back = urlsplit(answer.headers["location"])
    assert back.path == "/auth/callback"
    return client.get(f"{back.path}?{back.query}", headers=headers)


def sign_in(client: TestClient, next_path: str = "/") -> Any:
    """The whole sign-in, as a browser would do it."""
    return back_at_helpdesk(client, at_provider(client, next_path))


def me(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/me")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    return dict(response.json())


def owner_of(desk: Any, conversation_id: str) -> str | None:
    with desk.db.session() as session:
        return session.scalar(select(Conversation.owner_key).where(Conversation.id == conversation_id))


def test_login_redirects_to_the_provider_with_state_nonce_and_a_pkce_challenge(
        client: TestClient, provider: StandInProvider) -> None:
    start = client.get("/auth/login", params={"next": "/library"})
    assert start.status_code == 302 and start.headers["cache-control"] == "no-store"
    location = urlsplit(start.headers["location"])
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/authorize"
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://testserver/auth/callback"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    cookie = start.headers["set-cookie"]
    assert cookie.startswith(f"{FLOW_COOKIE}=") and "HttpOnly" in cookie and "Path=/auth" in cookie
    assert "samesite=lax" in cookie.lower()
    again = urlsplit(client.get("/auth/login").headers["location"])
    assert parse_qs(again.query)["state"][0] != params["state"]  # fresh per sign-in


def test_sign_in_sets_a_signed_cookie_and_me_shows_the_official(client: TestClient, provider: StandInProvider,
                                                                desk: Any) -> None:
    assert me(client) == {"signed_in": False, "name": None, "email": None, "owner": None, "sign_in": "optional",
                          "login_url": "/auth/login"}
    done = sign_in(client, "/library?lang=de")
    assert done.status_code == 303 and done.headers["location"] == "/library?lang=de"
    cookies = done.headers.get_list("set-cookie")
    official = next(c for c in cookies if c.startswith(f"{OFFICIAL_COOKIE}="))
    assert "HttpOnly" in official and "samesite=lax" in official.lower() and "Secure" not in official
    assert any(c.startswith(f"{FLOW_COOKIE}=") and "Max-Age=0" in c for c in cookies)  # the flow is over
    assert provider.token_requests[-1]["code_verifier"]  # PKCE: the provider checked it against the challenge
    assert me(client) == {"signed_in": True, "name": "Olga Official", "email": "olga.official@city.example.eu",
                          "owner": owner_id_for(provider.issuer, "official-4711"), "sign_in": "optional",
                          "login_url": "/auth/login"}
    good = client.cookies[OFFICIAL_COOKIE]
    client.cookies.delete(OFFICIAL_COOKIE)
    client.cookies.set(OFFICIAL_COOKIE, good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert me(client)["signed_in"] is False


def test_a_sign_in_ends_after_the_session_hours(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in = client.app.state.official_sign_in  # type: ignore[attr-defined]
    issued, now = Response(), time.time()
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: now - sign_in.max_age_s - 60)
        remember_official(issued, sign_in, OfficialIdentity(owner_id=owner_id_for("https://idp", "someone")))
    client.cookies.set(OFFICIAL_COOKIE, issued.headers["set-cookie"].split(";")[0].split("=", 1)[1])
    assert me(client)["signed_in"] is False


def test_the_anonymous_conversation_is_adopted_and_follows_the_account(
        make_app: Callable[..., FastAPI], provider: StandInProvider, desk: Any) -> None:
    app = make_app()
    with TestClient(app, follow_redirects=False) as first, TestClient(app, follow_redirects=False) as second, \
            TestClient(app, follow_redirects=False) as stranger:
        started = first.post("/api/chat", json=QUESTION)
        assert started.status_code == 200
        conversation = started.json()["conversation_id"]
        assert not str(owner_of(desk, conversation)).startswith("oidc:")
        assert sign_in(first).status_code == 303
        account = owner_id_for(provider.issuer, "official-4711")
        assert owner_of(desk, conversation) == account
        assert first.get(f"/api/conversations/{conversation}").status_code == 200
        follow_up = first.post("/api/chat", json={**QUESTION, "conversation_id": conversation})
        assert follow_up.status_code == 200 and follow_up.json()["conversation_id"] == conversation

        assert second.get(f"/api/conversations/{conversation}").status_code == 404  # not before signing in
        assert sign_in(second).status_code == 303
        assert len(second.get(f"/api/conversations/{conversation}").json()["messages"]) == 4
        assert [c["conversation_id"] for c in second.get("/api/conversations").json()] == [conversation]
        assert stranger.get("/api/conversations").json() == []
        assert stranger.get(f"/api/conversations/{conversation}").status_code == 404
    database = Path(desk.settings.sqlalchemy_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert b"olga.official" not in stored and b"Olga Official" not in stored  # name and e-mail: cookie only


def test_an_admin_exports_and_erases_a_signed_in_officials_data_by_account_id(
        client: TestClient, provider: StandInProvider, desk: Any) -> None:
    desk.experts.add("privacy.admin@example.eu", "Pia", "correct horse battery", role="admin")
    admin = {"Authorization": f"Bearer {desk.experts.issue_token('privacy.admin@example.eu')}"}
    sign_in(client)
    conversation = client.post("/api/chat", json=QUESTION).json()["conversation_id"]
    account = me(client)["owner"]
    exported = client.post("/api/admin/privacy/export", json={"contact": account}, headers=admin)
    assert exported.status_code == 200 and conversation in {c["id"] for c in exported.json()["conversations"]}
    erased = client.post("/api/admin/privacy/erase", json={"contact": account}, headers=admin)
    assert erased.status_code == 200 and erased.json()["conversations"] >= 1
    assert client.get(f"/api/conversations/{conversation}").status_code == 404
    assert owner_of(desk, conversation) is None


def test_sign_out_needs_the_csrf_token_and_returns_to_the_anonymous_browser(client: TestClient) -> None:
    conversation = client.post("/api/chat", json=QUESTION).json()["conversation_id"]
    sign_in(client)
    assert client.post("/auth/logout").status_code == 403
    assert me(client)["signed_in"] is True
    page = client.get("/")
    assert 'action="/auth/logout"' in page.text and "Signed in as Olga Official" in page.text
    done = client.post("/auth/logout", params={"next": "https://evil.example/"},
                       data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert me(client)["signed_in"] is False and OFFICIAL_COOKIE not in client.cookies
    assert BROWSER_COOKIE in client.cookies
    assert client.get(f"/api/conversations/{conversation}").status_code == 404  # it belongs to the account now
    assert 'href="/auth/login?next=/"' in client.get("/").text


def _tamper_state(client: TestClient, provider: StandInProvider) -> Any:
    answer = at_provider(client)
    back = urlsplit(answer.headers["location"])
    return client.get(f"{back.path}?{back.query.replace('state=', 'state=x')}")


def _replay(client: TestClient, provider: StandInProvider) -> Any:
    answer = at_provider(client)
    assert back_at_helpdesk(client, answer).status_code == 303
    client.cookies.delete(OFFICIAL_COOKIE)
    return back_at_helpdesk(client, answer)


def _claims(**override: Any) -> Callable[[TestClient, StandInProvider], Any]:
    def run(client: TestClient, provider: StandInProvider) -> Any:
        provider.claims_override = {k: v(provider) if callable(v) else v for k, v in override.items()}
        return sign_in(client)
    return run


def _other_key(client: TestClient, provider: StandInProvider) -> Any:
    provider.rogue_key = RSAKey.generate_key(2048, parameters={"kid": provider.key.kid})
    return sign_in(client)


def _refused(client: TestClient, provider: StandInProvider) -> Any:
    start = client.get("/auth/login")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    return client.get("/auth/callback", params={"error": "access_denied", "state": state})


def _other_browser(client: TestClient, provider: StandInProvider) -> Any:
    answer = at_provider(client)
    client.cookies.delete(FLOW_COOKIE, path="/auth")
    return back_at_helpdesk(client, answer)


FAILURES = {
    "tampered state": (_tamper_state, "not started in this browser"),
    "callback in another browser": (_other_browser, "not started in this browser"),
    "replayed callback": (_replay, "not started in this browser"),
    "wrong nonce": (_claims(nonce="another-nonce"), "nonce"),
    "wrong audience": (_claims(aud="another-client"), "aud"),
    "wrong audience, right azp": (_claims(aud="another-client", azp=CLIENT_ID), "aud"),
    "wrong issuer": (_claims(iss="https://idp.elsewhere.example"), "iss"),
    "expired token": (_claims(exp=lambda _: int(time.time()) - 600, iat=lambda _: int(time.time()) - 900),
                      "expired"),
    "bad signature": (_other_key, "signature"),
    "refused at the provider": (_refused, "access_denied"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failed_sign_in_is_a_4xx_and_signs_nobody_in(client: TestClient, provider: StandInProvider,
                                                       case: str) -> None:
    attempt, reason = FAILURES[case]
    response = attempt(client, provider)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "SignInError" and reason in response.json()["detail"]
    assert not any(c.startswith(f"{OFFICIAL_COOKIE}=") for c in response.headers.get_list("set-cookie"))
    assert me(client)["signed_in"] is False


def test_a_browser_sees_a_page_when_sign_in_fails(client: TestClient, provider: StandInProvider) -> None:
    provider.claims_override = {"aud": "another-client"}
    page = back_at_helpdesk(client, at_provider(client), accept="text/html")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "Sign-in failed" in page.text and 'href="/auth/login?next=/"' in page.text


def test_only_local_paths_are_followed_after_sign_in(client: TestClient) -> None:
    assert sign_in(client, "//evil.example/path").headers["location"] == "/"
    for target, expected in [("/library", "/library"), ("https://evil.example", "/"), ("/\\evil.example", "/"),
                             ("/ok\r\nSet-Cookie: x=1", "/"), (None, "/"), ("", "/"), ("library", "/")]:
        assert safe_local_path(target) == expected


def test_an_unreachable_provider_is_a_clear_503(make_app: Callable[..., FastAPI]) -> None:
    app = make_app({"issuer": closed_port_url(), "client_id": CLIENT_ID})
    with TestClient(app, follow_redirects=False) as client:
        response = client.get("/auth/login")
    assert response.status_code == 503 and "cannot be reached" in response.json()["detail"]
    assert response.headers["retry-after"]


def test_when_sign_in_is_required_anonymous_chat_gets_401_and_officials_chat(
        make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(required=True), follow_redirects=False) as client:
        refused = client.post("/api/chat", json=QUESTION)
        assert refused.status_code == 401 and refused.json()["login_url"] == "/auth/login"
        assert "/auth/login" in refused.json()["detail"]
        assert client.get("/api/conversations/c_whatever").status_code == 401
        page = client.get("/")
        assert page.status_code == 200 and 'href="/auth/login?next=/"' in page.text
        assert "Please sign in with your organisation" in page.text
        assert me(client)["sign_in"] == "required"
        sign_in(client)
        assert client.post("/api/chat", json=QUESTION).status_code == 200


def test_the_name_on_the_chat_page_is_escaped_and_translated(client: TestClient, provider: StandInProvider) -> None:
    provider.user = {"sub": "official-9", "name": "<script>alert(1)</script>", "email": "x@example.eu"}
    sign_in(client)
    page = client.get("/", params={"lang": "de"})
    assert "<script>alert(1)</script>" not in page.text
    assert "Angemeldet als &lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "Abmelden" in page.text


def test_without_oidc_there_are_no_sign_in_routes_and_chat_is_as_before(desk: Any) -> None:
    assert not desk.settings.oidc.enabled
    with TestClient(create_app(desk.settings, desk), follow_redirects=False) as client:
        for method, path in [("GET", "/auth/login"), ("GET", "/auth/callback"), ("POST", "/auth/logout")]:
            assert client.request(method, path).status_code == 404
        assert me(client) == {"signed_in": False, "name": None, "email": None, "owner": None, "sign_in": "off",
                              "login_url": None}
        page = client.get("/")
        assert "/auth/login" not in page.text and "/auth/logout" not in page.text
        chat = client.post("/api/chat", json=QUESTION)
        assert chat.status_code == 200 and BROWSER_COOKIE in client.cookies
        assert not str(owner_of(desk, chat.json()["conversation_id"])).startswith("oidc:")


def test_the_settings_say_when_sign_in_is_enabled() -> None:
    assert not OIDCSettings().enabled and OIDCSettings().metadata_url is None
    issuer = OIDCSettings(issuer="https://idp.example/realms/city/", client_id="helpdesk")
    assert issuer.enabled and issuer.metadata_url == "https://idp.example/realms/city/.well-known/openid-configuration"
    explicit = OIDCSettings(server_metadata_url="https://login.example/v2.0/.well-known/openid-configuration",
                            client_id="helpdesk")
    assert explicit.enabled and explicit.metadata_url.startswith("https://login.example/v2.0/")
    assert not OIDCSettings(issuer="https://idp.example").enabled  # no client id
    with pytest.raises(ValidationError, match="REQUIRED"):
        OIDCSettings(required=True)
    with pytest.raises(ValidationError, match="openid"):
        OIDCSettings(issuer="https://idp.example", client_id="helpdesk", scopes="email profile")
