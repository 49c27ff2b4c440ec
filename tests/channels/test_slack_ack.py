"""Slack's three seconds: the request is acknowledged first, the answer follows from a lazy listener."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from assistant.app import create_app
from tests.channels.conftest import build_channel_helpdesk, post_event
from tests.channels.fakes import InlineExecutor
from tests.channels.standins import BOT_USER

EVENT = {"type": "app_mention", "user": "UOFFICIAL", "ts": "1700000000.000100", "channel": "CGENERAL",
         "text": f"<@{BOT_USER}> What is the EU threshold for services?"}


def test_event_is_acknowledged_before_a_slow_answer_is_ready(channel_settings, slack_api):
    helpdesk = build_channel_helpdesk(channel_settings)  # the production app: thread pool, ack first
    helpdesk.assistant.delay_s = 2.0
    with TestClient(create_app(channel_settings, helpdesk)) as web:
        started = time.monotonic()
        response = post_event(web, EVENT)
        elapsed = time.monotonic() - started

        assert response.status_code == 200
        assert elapsed < 1.5, f"acknowledged after {elapsed:.2f}s"
        assert slack_api.posts() == []
        posts = slack_api.wait_for(1, lambda c: c["method"] == "chat.postMessage", timeout=15)
    assert len(posts) == 1 and posts[0]["args"]["thread_ts"] == "1700000000.000100"
    helpdesk.db.dispose()


def test_process_before_response_answers_before_acknowledging(channel_settings, slack_api):
    from assistant.channels.slack import create_slack_app

    helpdesk = build_channel_helpdesk(channel_settings)
    helpdesk.extras["slack_app"] = create_slack_app(channel_settings, helpdesk, process_before_response=True,
                                                    listener_executor=InlineExecutor())
    with TestClient(create_app(channel_settings, helpdesk)) as web:
        response = post_event(web, EVENT)

        assert response.status_code == 200
        assert len(slack_api.posts()) == 1
    helpdesk.db.dispose()
