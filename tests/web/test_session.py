"""The browser identity cookie: signed, HttpOnly, SameSite=Lax, sent only when a route relied on it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.web.deps import BrowserIdDep
from assistant.web.session import COOKIE, BrowserSessionMiddleware, read_browser_id, sign_browser_id

SECRET = "test-secret"


def _app(secure: bool = False) -> FastAPI:
    app = FastAPI()
    app.add_middleware(BrowserSessionMiddleware, secret_key=SECRET, secure=secure)

    @app.get("/who")
    def who(browser_id: BrowserIdDep) -> dict[str, str]:
        return {"id": browser_id}

    @app.get("/anonymous")
    def anonymous() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def test_a_new_browser_gets_a_random_signed_id_that_it_keeps() -> None:
    client = TestClient(_app())
    first = client.get("/who")
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    browser_id = first.json()["id"]
    assert len(browser_id) >= 32 and read_browser_id(client.cookies[COOKIE], SECRET) == browser_id
    second = client.get("/who")
    assert second.json()["id"] == browser_id and "set-cookie" not in second.headers
    assert TestClient(_app()).get("/who").json()["id"] != browser_id


def test_routes_that_do_not_need_an_identity_set_no_cookie() -> None:
    assert "set-cookie" not in TestClient(_app()).get("/anonymous").headers


def test_a_forged_or_foreign_cookie_is_replaced() -> None:
    client = TestClient(_app())
    client.cookies.set(COOKIE, sign_browser_id("attacker-chosen-id-123", "another-secret"))
    response = client.get("/who")
    assert response.json()["id"] != "attacker-chosen-id-123" and COOKIE in response.headers["set-cookie"]
    assert read_browser_id("garbage", SECRET) is None and read_browser_id(None, SECRET) is None
    assert read_browser_id(sign_browser_id("short", SECRET), SECRET) is None


def test_https_deployments_mark_the_cookie_secure() -> None:
    assert "; Secure" in TestClient(_app(secure=True)).get("/who").headers["set-cookie"]
