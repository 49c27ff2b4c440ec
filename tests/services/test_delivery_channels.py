"""E-mail over a real local SMTP server (aiosmtpd), the webhook over a real local HTTP server, the web channel."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.config import NotifySettings
from assistant.errors import DeliveryError
from assistant.services.conversations import ConversationService
from assistant.services.delivery import OutboxItem
from assistant.services.delivery_channels import EmailDelivery, WebDelivery, WebhookDelivery
from assistant.services.replies import ChannelAddress


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list = []

    class Collect(Message):
        def handle_message(self, message):  # type: ignore[no-untyped-def]
            received.append(message)

    controller = Controller(Collect(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, received
    controller.stop()


@pytest.fixture
def webhook_server():  # type: ignore[no-untyped-def]
    received: list[tuple[dict, bytes]] = []
    status = {"code": 204}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, status
    server.shutdown()


def _notification(**address) -> OutboxItem:  # type: ignore[no-untyped-def]
    return OutboxItem(7, "notification", "email", address, {"subject": "[ESC-1] New question", "event":
                      "escalation.created", "text": "Übersetzung <b>needed</b>\nhttp://x/console/escalations/ESC-1"},
                      "ESC-1")


def test_email_reaches_a_real_smtp_server(smtp_server) -> None:  # type: ignore[no-untyped-def]
    port, received = smtp_server
    channel = EmailDelivery(NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="helpdesk@example.eu"))
    channel.deliver(_notification(to=["anna@example.eu", "desk@example.eu"]))
    assert len(received) == 1
    message = received[0]
    assert message["Subject"] == "[ESC-1] New question" and message["From"] == "helpdesk@example.eu"
    assert message["To"] == "anna@example.eu, desk@example.eu"
    assert "Übersetzung <b>needed</b>" in message.get_payload(decode=True).decode("utf-8")


def test_email_to_a_server_that_is_down_raises_delivery_error() -> None:
    channel = EmailDelivery(NotifySettings(smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_timeout_s=2))
    with pytest.raises(DeliveryError, match="SMTP"):
        channel.deliver(_notification(to=["anna@example.eu"]))
    with pytest.raises(DeliveryError, match="recipient"):
        channel.deliver(_notification(to=[]))


def test_webhook_posts_signed_json(webhook_server) -> None:  # type: ignore[no-untyped-def]
    url, received, _ = webhook_server
    channel = WebhookDelivery(NotifySettings(webhook_url=url, webhook_secret="s3cret"))
    channel.deliver(_notification(url=url))
    headers, body = received[0]
    assert json.loads(body)["event"] == "escalation.created" and json.loads(body)["id"] == 7
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-helpdesk-signature"] == expected


def test_webhook_error_status_and_unreachable_url_raise(webhook_server) -> None:  # type: ignore[no-untyped-def]
    url, _, status = webhook_server
    status["code"] = 500
    channel = WebhookDelivery(NotifySettings(webhook_url=url))
    with pytest.raises(DeliveryError, match="500"):
        channel.deliver(_notification(url=url))
    down = f"http://127.0.0.1:{_free_port()}/hook"
    with pytest.raises(DeliveryError):
        WebhookDelivery(NotifySettings(webhook_url=down)).deliver(_notification(url=down))


def test_web_delivery_skips_a_deleted_conversation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    db.upgrade()
    conversations = ConversationService(db)
    conversation = conversations.open(ChannelAddress(owner_key="o"))
    conversations.delete(conversation, "o")
    item = OutboxItem(1, "expert_answer", "web", {"conversation_id": conversation}, {"text": "hi"}, "ESC-1")
    WebDelivery(db, conversations).deliver(item)  # nothing to deliver to, and no error
    with pytest.raises(DeliveryError):
        WebDelivery(db, conversations).deliver(OutboxItem(2, "expert_answer", "web", {}, {"text": "x"}, "ESC-1"))
