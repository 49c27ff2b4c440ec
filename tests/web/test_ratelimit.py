"""Per-client rate limits (in-process and Redis) and the request body size limit."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from assistant.config import RateLimitSettings
from assistant.errors import RateLimitedError
from assistant.web.ratelimit import (
    MemoryWindowCounter,
    RateLimiter,
    RedisWindowCounter,
    RequestLimitsMiddleware,
    build_rate_limiter,
)
from assistant.web.session import COOKIE, sign_browser_id
from tests.conftest import make_settings

SECRET = "test-secret"
REDIS_URL = "redis://127.0.0.1:6379/15"


def small_app(limiter: RateLimiter | None, max_body: int = 2048) -> FastAPI:
    """An app with the officials' endpoints echoing their body size, behind the limits middleware."""
    app = FastAPI()

    @app.post("/api/chat")
    @app.post("/api/chat/stream")
    @app.post("/api/feedback")
    @app.post("/api/escalations")
    @app.post("/api/escalations/{escalation_id}/details")
    @app.post("/api/other")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(RequestLimitsMiddleware, limiter=limiter, max_body_bytes=max_body, secret_key=SECRET)
    return app


def limits(**values: int) -> RateLimitSettings:
    return RateLimitSettings(chat_per_window=3, feedback_per_window=2, escalations_per_window=1, **values)


def browser_cookie(name: str) -> dict[str, str]:
    return {COOKIE: sign_browser_id(f"browser-{name}-0123456789", SECRET)}


def test_chat_is_limited_per_browser_with_retry_after() -> None:
    client = TestClient(small_app(RateLimiter(limits(), MemoryWindowCounter())))
    client.cookies.update(browser_cookie("a"))
    assert [client.post("/api/chat", json={}).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.post("/api/chat/stream", json={})  # the stream shares the chat bucket
    assert refused.status_code == 429
    assert refused.json()["error"] == "RateLimitedError"
    assert "at most 3" in refused.json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = TestClient(small_app(None))
    assert other.post("/api/chat", json={}).status_code == 200


def test_browsers_and_buckets_are_counted_separately() -> None:
    app = small_app(RateLimiter(limits(), MemoryWindowCounter()))
    first, second = TestClient(app), TestClient(app)
    first.cookies.update(browser_cookie("a"))
    second.cookies.update(browser_cookie("b"))
    assert [first.post("/api/feedback", json={}).status_code for _ in range(3)] == [200, 200, 429]
    assert second.post("/api/feedback", json={}).status_code == 200
    assert first.post("/api/escalations", json={}).status_code == 200
    assert first.post("/api/escalations/abc/details", json={}).status_code == 429
    assert all(first.post("/api/other", json={}).status_code == 200 for _ in range(5))


def test_a_forged_cookie_falls_back_to_the_ip_address() -> None:
    client = TestClient(small_app(RateLimiter(limits(), MemoryWindowCounter())))
    statuses = [client.post("/api/feedback", cookies={COOKIE: f"forged-{i}"}, json={}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]


def test_fresh_cookies_do_not_escape_the_address_limit() -> None:
    app = small_app(RateLimiter(limits(per_address_factor=2), MemoryWindowCounter()))
    statuses = [TestClient(app, cookies=browser_cookie(f"n{i}")).post("/api/feedback", json={}).status_code
                for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # each browser is new, but the address allows 2 x 2


def test_the_window_resets() -> None:
    now = [1000.0]
    limiter = RateLimiter(limits(window_seconds=10), MemoryWindowCounter(clock=lambda: now[0]))
    limiter.check("escalations", "x")
    with pytest.raises(RateLimitedError) as refused:
        limiter.check("escalations", "x")
    assert refused.value.retry_after_s == 10
    now[0] += 10
    limiter.check("escalations", "x")


def test_bodies_over_the_limit_get_413() -> None:
    client = TestClient(small_app(None, max_body=2048))
    assert client.post("/api/other", content=b"x" * 2048).json() == {"size": 2048}
    refused = client.post("/api/other", content=b"x" * 2049)
    assert refused.status_code == 413
    assert "at most 2048 bytes" in refused.json()["detail"]


def test_streamed_bodies_without_length_are_cut_off() -> None:
    client = TestClient(small_app(None, max_body=2048))
    chunks = (b"y" * 1024 for _ in range(4))
    refused = client.post("/api/other", content=chunks)
    assert refused.status_code == 413


def test_create_app_applies_the_limits(tmp_path: Path) -> None:
    from assistant.app import create_app
    from assistant.wiring import build_helpdesk

    settings = make_settings(tmp_path, rate_limit=RateLimitSettings(feedback_per_window=2, max_body_bytes=4096))
    helpdesk = build_helpdesk(settings)
    try:
        with TestClient(create_app(settings, helpdesk)) as client:
            client.get("/api/conversations/none")  # the app hands this browser its id cookie
            statuses = [client.post("/api/feedback", json={}).status_code for _ in range(3)]
            assert statuses == [422, 422, 429]
            assert client.post("/api/chat", content=b"{" + b" " * 5000 + b"}").status_code == 413
    finally:
        helpdesk.db.dispose()


def test_default_limits_come_from_settings() -> None:
    limiter = build_rate_limiter(RateLimitSettings(), None)
    assert limiter.limit_for("chat") == 30
    assert limiter.limit_for("feedback") == 60


@pytest.mark.integration
def test_redis_counters_are_shared_between_replicas() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    replica_a = RateLimiter(limits(), RedisWindowCounter(REDIS_URL))
    replica_b = build_rate_limiter(limits(), REDIS_URL)
    client = f"test-{uuid.uuid4().hex}"
    replica_a.check("feedback", client)
    replica_b.check("feedback", client)
    with pytest.raises(RateLimitedError):
        replica_a.check("feedback", client)
    app_a, app_b = small_app(replica_a), small_app(replica_b)
    cookie = browser_cookie(uuid.uuid4().hex[:8])
    assert TestClient(app_a, cookies=cookie).post("/api/escalations", json={}).status_code == 200
    assert TestClient(app_b, cookies=cookie).post("/api/escalations", json={}).status_code == 429
