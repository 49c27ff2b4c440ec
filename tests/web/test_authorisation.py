"""Every route of the app, with the roles allowed to use it: anonymous officials, experts and admins.

A new route fails this test until it is added to ROUTES, so nobody ships an endpoint without deciding who may
call it. Refused means 401 (no session or token) or 403 for the role; a CSRF refusal is not a role refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.web.auth import CSRF_HEADER
from tests.experts_support import build_console, csrf_from
from tests.web.oidc_stand_in import CLIENT_ID, stand_in_provider

ANYONE = frozenset({"anonymous", "expert", "admin"})
EXPERTS = frozenset({"expert", "admin"})
ADMINS = frozenset({"admin"})
ROUTES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/openapi.json"): ANYONE, ("GET", "/docs"): ANYONE, ("GET", "/docs/oauth2-redirect"): ANYONE,
    ("GET", "/redoc"): ANYONE, ("GET", "/healthz"): ANYONE, ("GET", "/readyz"): ANYONE,
    ("GET", "/"): ANYONE, ("GET", "/library"): ANYONE, ("GET", "/documents/{document_id}"): ANYONE,
    ("GET", "/advisor"): ANYONE, ("POST", "/advisor"): ANYONE, ("POST", "/api/advise"): ANYONE,
    ("GET", "/finder"): ANYONE, ("GET", "/finder/draft"): ANYONE, ("POST", "/finder/draft"): ANYONE,
    ("POST", "/api/chat"): ANYONE, ("POST", "/api/chat/stream"): ANYONE, ("POST", "/api/feedback"): ANYONE,
    ("GET", "/api/conversations"): ANYONE, ("GET", "/api/conversations/{conversation_id}"): ANYONE,
    ("DELETE", "/api/conversations/{conversation_id}"): ANYONE,
    ("POST", "/api/escalations"): ANYONE, ("GET", "/api/escalations/{escalation_id}"): ANYONE,
    ("POST", "/api/escalations/{escalation_id}/details"): ANYONE,
    ("GET", "/api/documents"): ANYONE, ("GET", "/api/documents/{document_id}"): ANYONE,
    ("GET", "/api/documents/{document_id}/file"): ANYONE,
    ("GET", "/api/documents/{document_id}/download/{file_format}"): ANYONE,
    ("GET", "/console/login"): ANYONE, ("POST", "/console/login"): ANYONE, ("POST", "/console/logout"): ANYONE,
    ("GET", "/console"): EXPERTS, ("GET", "/console/escalations/{escalation_id}"): EXPERTS,
    **{("POST", f"/console/escalations/{{escalation_id}}/{action}"): EXPERTS
       for action in ("claim", "answer", "close", "reopen", "publish", "unlink")},
    ("GET", "/console/deliveries"): EXPERTS, ("POST", "/console/deliveries/{item_id}/retry"): EXPERTS,
    ("GET", "/api/expert/escalations"): EXPERTS, ("GET", "/api/expert/escalations/{escalation_id}"): EXPERTS,
    **{("POST", f"/api/expert/escalations/{{escalation_id}}/{action}"): EXPERTS
       for action in ("claim", "answer", "close", "reopen", "publish")},
    ("GET", "/api/expert/outbox"): EXPERTS, ("POST", "/api/expert/outbox/{item_id}/retry"): EXPERTS,
    ("GET", "/console/experts"): ADMINS, ("POST", "/console/experts"): ADMINS,
    ("GET", "/console/insight"): ADMINS, ("GET", "/console/insight.csv"): ADMINS,
    ("POST", "/api/admin/privacy/export"): ADMINS, ("POST", "/api/admin/privacy/erase"): ADMINS,
    ("GET", "/api/me"): ANYONE, ("GET", "/auth/login"): ANYONE, ("GET", "/auth/callback"): ANYONE,
    ("POST", "/auth/logout"): ANYONE,
}
SAMPLE_VALUES = {"item_id": "1", "file_format": "pdf"}
FORMS = {("POST", "/console/login"): {"email": "anna@example.eu", "password": "correct horse battery"}}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every HTTP route, included routers unfolded; mounts (static files) left out."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI >= 0.16x keeps included routers as one entry
                yield from walk(route.original_router.routes, prefix + getattr(route.include_context, "prefix", ""))
            elif getattr(route, "methods", None):
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, prefix + route.path

    yield from walk(list(app.routes), "")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with stand_in_provider() as provider:  # officials' sign-in configured, so its routes exist
        yield from _desk(tmp_path_factory, {"issuer": provider.issuer, "client_id": CLIENT_ID})


def _desk(tmp_path_factory: pytest.TempPathFactory, oidc: dict[str, str]) -> Any:
    helpdesk = build_console(tmp_path_factory.mktemp("authz"), oidc=oidc)
    helpdesk.experts.add("anna@example.eu", "Anna", "correct horse battery")
    helpdesk.experts.add("root@example.eu", "Root", "correct horse battery", role="admin")
    tokens = {"anonymous": None, "expert": helpdesk.experts.issue_token("anna@example.eu"),
              "admin": helpdesk.experts.issue_token("root@example.eu")}
    yield create_app(helpdesk.settings, helpdesk), tokens
    helpdesk.db.dispose()


def test_every_route_is_in_the_table(desk: Any) -> None:
    app, _ = desk
    routes = set(app_routes(app))
    assert routes - set(ROUTES) == set(), "new routes: add them to ROUTES with the roles allowed"
    assert set(ROUTES) - routes == set(), "ROUTES lists routes the app no longer has"


def refused(response: Any) -> bool:
    """Refused for the caller's role (not for a missing CSRF token or bad input)."""
    if response.status_code == 401:
        return True
    return response.status_code == 403 and "csrf" not in response.text.lower()


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES), ids=[f"{m} {p}" for m, p in sorted(ROUTES)])
@pytest.mark.parametrize("role", ["anonymous", "expert", "admin"])
def test_each_route_admits_exactly_its_roles(desk: Any, method: str, path: str, role: str) -> None:
    app, tokens = desk
    url = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_VALUES.get(m.group(1), "E-0001"), path)
    with TestClient(app, follow_redirects=False) as client:
        headers = {CSRF_HEADER: csrf_from(client.get("/console/login").text)}  # a browser's valid CSRF pair
        if tokens[role]:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        if (method, path) in FORMS:
            response = client.request(method, url, headers=headers, data=FORMS[(method, path)])
        else:
            response = client.request(method, url, headers=headers, json={} if method == "POST" else None)
    assert response.status_code < 500, response.text
    allowed = role in ROUTES[(method, path)]
    assert refused(response) is not allowed, f"{role} {method} {url}: {response.status_code} {response.text[:200]}"
