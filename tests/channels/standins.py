"""Local HTTP servers standing in for the Slack Web API and the Bot Framework connector; they record every call."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

BOT_USER = "UHELPDESK"
TEAM = "T0001"


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def wait_for(self, count: int, predicate: Any = None, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Calls matching `predicate`, once there are at least `count` of them (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [c for c in self.calls if predicate is None or predicate(c)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)


class SlackStandIn(_Recorder):
    """Answers Slack Web API methods like Slack does, and records (method, token, arguments)."""

    def __init__(self) -> None:
        super().__init__(_SlackHandler)
        self.failures: dict[str, str] = {}
        self._next_ts = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def next_ts(self) -> str:
        with self.lock:
            self._next_ts += 1
            return f"1700000100.{self._next_ts:06d}"

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c["args"] for c in self.calls if c["method"] == method]

    def posts(self) -> list[dict[str, Any]]:
        return self.calls_to("chat.postMessage")


class _SlackHandler(BaseHTTPRequestHandler):
    server: SlackStandIn

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        method = self.path.split("/api/", 1)[-1].split("?", 1)[0]
        raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        if "json" in (self.headers.get("content-type") or ""):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        with self.server.lock:
            self.server.calls.append({"method": method, "token": self.headers.get("authorization"), "args": args})
        self._reply(method, args)

    def _reply(self, method: str, args: dict[str, Any]) -> None:
        error = self.server.failures.get(method)
        if error:
            body: dict[str, Any] = {"ok": False, "error": error}
        elif method == "auth.test":
            body = {"ok": True, "user_id": BOT_USER, "bot_id": "BHELPDESK", "team_id": TEAM, "user": "helpdesk"}
        elif method in ("chat.postMessage", "chat.update"):
            body = {"ok": True, "channel": args.get("channel"), "ts": args.get("ts") or self.server.next_ts()}
        else:
            body = {"ok": True}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ConnectorStandIn(_Recorder):
    """The Bot Framework connector service: records activities the bot sends to conversations."""

    def __init__(self) -> None:
        super().__init__(_ConnectorHandler)
        self.fail = False

    @property
    def service_url(self) -> str:
        return f"{self.url}/"

    def activities(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c["body"] for c in self.calls]


class _ConnectorHandler(BaseHTTPRequestHandler):
    server: ConnectorStandIn

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        with self.server.lock:
            self.server.calls.append({"path": unquote(self.path), "auth": self.headers.get("authorization"),
                                      "body": json.loads(raw or b"{}")})
            number = len(self.server.calls)
        status, body = (503, {"error": {"code": "ServiceUnavailable"}}) if self.server.fail else (
            200, {"id": f"reply-{number}"})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class OpenIdStandIn(_Recorder):
    """The Bot Framework's OpenID metadata and signing keys, with a key pair the tests sign tokens with."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        self.keys = {"keys": [{**jwk, "kid": "test-key", "use": "sig", "endorsements": ["msteams"]}]}
        super().__init__(_OpenIdHandler)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"


class _OpenIdHandler(BaseHTTPRequestHandler):
    server: OpenIdStandIn

    def log_message(self, *args: Any) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802
        body = self.server.keys if self.path.endswith("/keys") else {
            "issuer": "https://api.botframework.com", "jwks_uri": f"{self.server.url}/v1/keys"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
