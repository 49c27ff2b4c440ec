"""Expert authentication: every expert endpoint refuses anonymous and official users; cookies, CSRF, API tokens."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.web.auth import CSRF_COOKIE, SESSION_COOKIE
from tests.experts_support import build_console, csrf_from, login

PASSWORD = "correct horse battery"


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    built.experts.add("anna@example.eu", "Anna", PASSWORD)
    built.experts.add("root@example.eu", "Root", PASSWORD, role="admin")
    yield built
    built.db.dispose()


@pytest.fixture
def client(helpdesk):  # type: ignore[no-untyped-def]
    with TestClient(create_app(helpdesk.settings, helpdesk)) as test_client:
        yield test_client


def _expert_routes() -> list[tuple[str, str]]:
    """Every route of the console, the console admin pages and the experts' JSON API."""
    from assistant.web import console, console_admin, expert_api

    routes = []
    for router in (console.router, console_admin.router, expert_api.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if route.path in ("/console/login", "/console/logout"):
                continue
            path = re.sub(r"\{[a-z_]+\}", "1", route.path)
            routes.extend((method, path) for method in sorted(route.methods))
    return routes


def test_every_expert_endpoint_refuses_anonymous_and_official_users(client) -> None:  # type: ignore[no-untyped-def]
    routes = _expert_routes()
    assert len(routes) >= 20
    token = csrf_from(client.get("/console/login").text)  # even with a valid CSRF token
    client.post("/api/escalations/ESC-NONE00/details", json={"text": "x"})  # now an official with a browser cookie
    assert "helpdesk_browser" in client.cookies
    for method, path in routes:
        response = client.request(method, path, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.status_code)
    page = client.get("/console")
    assert page.status_code == 401 and 'action="/console/login"' in page.text
    api = client.get("/api/expert/escalations")
    assert api.json()["error"] == "NotAuthenticatedError" and api.headers["www-authenticate"].startswith("Bearer")


def test_admin_pages_refuse_experts(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "anna@example.eu")
    assert client.get("/console/experts").status_code == 403
    token = csrf_from(client.get("/console").text)
    response = client.post("/console/experts", data={"csrf_token": token, "email": "x@example.eu", "name": "X",
                                                     "password": "0123456789"})
    assert response.status_code == 403
    client.cookies.clear()
    login(client, "root@example.eu")
    assert client.get("/console/experts").status_code == 200


def test_login_sets_a_secure_session_cookie(helpdesk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    helpdesk.settings.public_base_url = "https://helpdesk.example.eu"
    with TestClient(create_app(helpdesk.settings, helpdesk), base_url="https://testserver") as client:
        response = login(client, "anna@example.eu")
        assert response.status_code == 303 and response.headers["location"] == "/console"
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" in session and "Path=/" in session
        csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
        assert "HttpOnly" in csrf and "SameSite=strict" in csrf
        assert client.get("/console").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client) -> None:  # type: ignore[no-untyped-def]
    wrong = login(client, "anna@example.eu", "not the password")
    unknown = login(client, "nobody@example.eu")
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong e-mail or password" in wrong.text and "wrong e-mail or password" in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_forms_without_a_valid_csrf_token_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "anna@example.eu")
    assert client.post("/console/logout").status_code == 403
    assert client.post("/console/logout", data={"csrf_token": "forged"}).status_code == 403
    response = client.post("/console/login", data={"email": "anna@example.eu", "password": PASSWORD})
    assert response.status_code == 403
    token = csrf_from(client.get("/console").text)
    assert client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/console").status_code == 401


def test_tampered_session_and_changed_password_end_the_session(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    login(client, "anna@example.eu")
    good = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert client.get("/console").status_code == 401
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, good)
    assert client.get("/console").status_code == 200
    helpdesk.experts.set_password("anna@example.eu", "a brand new password")
    assert client.get("/console").status_code == 401


def test_login_never_redirects_off_site(client) -> None:  # type: ignore[no-untyped-def]
    for target in ("https://evil.example", "//evil.example", "/console\\@evil"):
        client.cookies.clear()
        token = csrf_from(client.get("/console/login").text)
        response = client.post("/console/login", data={"email": "anna@example.eu", "password": PASSWORD,
                                                       "csrf_token": token, "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/console"


def test_api_tokens_for_integrations(client, helpdesk) -> None:  # type: ignore[no-untyped-def]
    token = helpdesk.experts.issue_token("anna@example.eu")
    with helpdesk.db.session() as session:
        from assistant.store.models import Expert

        stored = session.query(Expert).filter_by(email="anna@example.eu").one().api_token_hash
    assert token not in stored and len(stored) == 64  # only the hash is stored
    ok = client.get("/api/expert/escalations", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["counts"]["open"] == 0
    assert client.get("/api/expert/escalations", headers={"Authorization": "Bearer hdx_wrong"}).status_code == 401
    new = helpdesk.experts.issue_token("anna@example.eu")  # replaces the old one
    assert client.get("/api/expert/escalations", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    helpdesk.experts.deactivate("anna@example.eu")
    assert client.get("/api/expert/escalations", headers={"Authorization": f"Bearer {new}"}).status_code == 401


def test_session_cookie_on_the_json_api_needs_the_csrf_header(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "anna@example.eu")
    assert client.get("/api/expert/outbox").status_code == 200
    assert client.post("/api/expert/outbox/1/retry").status_code == 403
    token = csrf_from(client.get("/console").text)
    assert client.post("/api/expert/outbox/1/retry", headers={"X-CSRF-Token": token}).status_code == 404
