"""Per-client rate limits on the officials' write endpoints and a request body size limit, as one ASGI middleware."""

from __future__ import annotations

import math
import re
import threading
import time
from typing import Protocol

from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import RateLimitSettings
from assistant.errors import ConfigurationError, RateLimitedError
from assistant.web.session import COOKIE, read_browser_id

# (method, path pattern, bucket): the endpoints an anonymous official can hammer.
LIMITED_ROUTES = (
    ("POST", re.compile(r"^/api/chat(/stream)?/?$"), "chat"),
    ("POST", re.compile(r"^/api/feedback/?$"), "feedback"),
    ("POST", re.compile(r"^/api/escalations(/[^/]+/details)?/?$"), "escalations"),
)


class WindowCounter(Protocol):
    """Counts hits of a key in fixed windows."""

    def hit(self, key: str, window_s: int) -> tuple[int, float]:
        """Count one hit; return the hits so far in the current window and the seconds until it ends."""


class MemoryWindowCounter:
    """Counters in this process (one replica)."""

    def __init__(self, clock: object = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window_s: int) -> tuple[int, float]:
        """Count one hit in the current window (older windows are dropped)."""
        now = self._clock()  # type: ignore[operator]
        window = int(now // window_s)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        return count, (window + 1) * window_s - now


class RedisWindowCounter:
    """Counters in Redis, shared by every replica (INCR + EXPIRE on a key per window)."""

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - redis is a declared dependency
            raise ConfigurationError("Redis rate limits need redis-py: pip install redis") from exc
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str, window_s: int) -> tuple[int, float]:
        """Count one hit in Redis; the key expires with its window."""
        now = time.time()
        window = int(now // window_s)
        name = f"helpdesk:ratelimit:{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_s + 1)
        count, _ = pipe.execute()
        return int(count), (window + 1) * window_s - now


class RateLimiter:
    """Decides whether one more request of a bucket is allowed for a client."""

    def __init__(self, settings: RateLimitSettings, counter: WindowCounter) -> None:
        self._settings = settings
        self._counter = counter

    def limit_for(self, bucket: str) -> int:
        """Requests allowed per window in a bucket."""
        return int(getattr(self._settings, f"{bucket}_per_window"))

    def check(self, bucket: str, client: str, address: str | None = None) -> None:
        """Count the request for the client (and its IP address); raise RateLimitedError once either is over."""
        limits = [(client, self.limit_for(bucket))]
        if address and address != client:
            limits.append((address, self.limit_for(bucket) * self._settings.per_address_factor))
        window = self._settings.window_seconds
        for key, limit in limits:
            count, reset_in = self._counter.hit(f"{bucket}:{key}", window)
            if count > limit:
                raise RateLimitedError(
                    f"too many {bucket} requests: at most {limit} per {window} s, try again later",
                    retry_after_s=max(1, math.ceil(reset_in)),
                )


def build_rate_limiter(settings: RateLimitSettings, redis_url: str | None) -> RateLimiter:
    """The limiter: in-process counters by default, Redis when a URL is configured."""
    counter: WindowCounter = RedisWindowCounter(redis_url) if redis_url else MemoryWindowCounter()
    return RateLimiter(settings, counter)


class BodyTooLargeError(Exception):
    """Raised inside the middleware when a streamed body passes the size limit."""


class RequestLimitsMiddleware:
    """Refuses bodies over the size limit (413) and clients over their rate limit (429 with Retry-After)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None, max_body_bytes: int, secret_key: str) -> None:
        self.app = app
        self._limiter = limiter
        self._max_body = max_body_bytes
        self._secret = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self._max_body:
            await self._too_large(scope, receive, send)
            return
        bucket = _bucket(scope["method"], scope["path"])
        if bucket and self._limiter is not None:
            try:
                self._limiter.check(bucket, client_key(scope, self._secret), address_key(scope))
            except RateLimitedError as exc:
                response = JSONResponse({"detail": str(exc), "error": "RateLimitedError"}, 429,
                                        headers={"Retry-After": str(exc.retry_after_s)})
                await response(scope, receive, send)
                return
        await self._call_counting(scope, receive, send)

    async def _call_counting(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self._max_body:
                raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": f"request body too large: at most {self._max_body} bytes",
                                 "error": "RequestTooLarge"}, 413)
        await response(scope, receive, send)


def client_key(scope: Scope, secret_key: str) -> str:
    """Who is asking: the signed browser id when the cookie is valid, else the client's IP address."""
    browser = read_browser_id(cookie_parser(_header(scope, b"cookie")).get(COOKIE), secret_key)
    return f"browser:{browser}" if browser else address_key(scope)


def address_key(scope: Scope) -> str:
    """The client's IP address as uvicorn saw it (behind a proxy: run with its --proxy-headers)."""
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _bucket(method: str, path: str) -> str | None:
    for limited_method, pattern, bucket in LIMITED_ROUTES:
        if method == limited_method and pattern.match(path):
            return bucket
    return None


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""
