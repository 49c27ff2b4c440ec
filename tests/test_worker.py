"""The worker inside the web server (escalation.worker_in_server): answers are delivered without a separate process."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.services.escalations import EscalationRequest
from assistant.services.expert_queue import AnswerForm
from assistant.services.replies import ChannelAddress
from assistant.worker import housekeeping
from tests.experts_support import WordEmbedder, build_console


def test_server_process_delivers_when_the_worker_is_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    helpdesk = build_console(tmp_path, escalation={"worker_in_server": True, "worker_poll_seconds": 30})
    expert = helpdesk.experts.add("anna@example.eu", "Anna", "correct horse battery")
    conversation = helpdesk.conversations.open(ChannelAddress(owner_key="o"))
    ticket = helpdesk.escalations.escalate(EscalationRequest("Q?", "low_confidence", conversation_id=conversation))
    with TestClient(create_app(helpdesk.settings, helpdesk)):
        time.sleep(0.3)
        helpdesk.queue.answer(ticket.id, expert, AnswerForm("Delivered by the server's worker"))  # wakes it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            messages = helpdesk.conversations.read(conversation, "o")["messages"]
            if messages:
                break
            time.sleep(0.05)
    assert [m["content"] for m in messages] == ["Delivered by the server's worker"]
    helpdesk.db.dispose()


def test_housekeeping_links_reminds_and_flags(tmp_path) -> None:  # type: ignore[no-untyped-def]
    helpdesk = build_console(tmp_path)
    helpdesk.escalations._embedder = WordEmbedder()
    for _ in range(2):
        helpdesk.escalations.escalate(EscalationRequest("Same question about lots", "low_confidence"))
    helpdesk.escalations.escalate(EscalationRequest("Same question about lots", "x", idempotency_key="other"))
    done = housekeeping(helpdesk)()
    assert done == {"linked": 1, "reminded": 0, "overdue": 0, "review_due": []}
    helpdesk.db.dispose()
