"""Hostile text from officials, experts and documents is escaped wherever it is shown: web pages, the console,
the chat API, Slack blocks and Teams cards."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.channels import slack_blocks, teams_cards
from assistant.services.escalations import EscalationRequest
from assistant.services.replies import AssistantReply, ChannelAddress, Citation
from tests.conftest import REPO
from tests.experts_support import build_console, login

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
    "'-alert(3)-'<iframe src=javascript:alert(4)>",
    "</textarea><script>alert(5)</script>",
    "<a href=\"javascript:alert(6)\">click</a>",
]
ALL = " ".join(PAYLOADS)
# What a payload may never appear as in HTML: an opening tag of its own.
RAW_TAGS = re.compile(r"<(script|img|svg|iframe|a href=\"javascript)[\s/>]", re.IGNORECASE)


def raw_tags(html: str, baseline: str) -> list[str]:
    """Tags in the page that a payload could have produced and that the page without payloads lacks."""
    allowed = set(RAW_TAGS.findall(baseline))
    return [tag for tag in RAW_TAGS.findall(html) if tag not in allowed] + [p for p in PAYLOADS if p in html]


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path)
    built.experts.add("anna@example.eu", "Anna", "correct horse battery")
    built.experts.add("root@example.eu", "Root", "correct horse battery", role="admin")
    yield built
    built.db.dispose()


def _hostile_escalation(helpdesk: Any) -> str:
    conversation = helpdesk.conversations.open(ChannelAddress(owner_key="official"))
    helpdesk.conversations.record_question(conversation, ALL, "en")
    escalation = helpdesk.escalations.escalate(EscalationRequest(
        f"Is {ALL} allowed?", "low_confidence", conversation_id=conversation, municipality=ALL, contact=ALL,
        country="DE", topics=[ALL], draft_answer=ALL, transcript=[{"role": "user", "content": ALL}],
        passages=[{"title": ALL, "section": ALL, "text": ALL, "score": 0.5}])).id
    helpdesk.escalations.add_details(escalation, "official", ALL)
    return escalation


def test_console_pages_escape_everything(helpdesk: Any) -> None:
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        login(client, "root@example.eu")
        baseline = {path: client.get(path).text for path in ("/console", "/console/deliveries", "/console/experts")}
        escalation = _hostile_escalation(helpdesk)
        pages = {path: client.get(path) for path in (*baseline, f"/console/escalations/{escalation}",
                                                     f"/console?q={ALL}", f"/console/login?next={ALL}")}
        for path, response in pages.items():
            assert response.status_code == 200, path
            assert raw_tags(response.text, baseline.get(path, baseline["/console"])) == [], path
        assert "&lt;script&gt;" in pages[f"/console/escalations/{escalation}"].text


def test_chat_pages_escape_query_parameters(helpdesk: Any) -> None:
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        baseline = client.get("/").text
        for path in (f"/?about={PAYLOADS[0][:60]}", f"/?lang={PAYLOADS[1][:16]}", f"/?x={ALL}",
                     f"/library?x={ALL}"):
            response = client.get(path)
            assert response.status_code in (200, 422), path
            assert raw_tags(response.text, baseline) == [], path


def test_chat_api_returns_json_never_html(helpdesk: Any) -> None:
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        reply = client.post("/api/chat", json={"message": f"What is {PAYLOADS[0]} in a tender?"})
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("application/json")
        conversation = client.get(f"/api/conversations/{reply.json()['conversation_id']}")
        assert conversation.headers["content-type"].startswith("application/json")
        assert conversation.json()["messages"][0]["content"] == f"What is {PAYLOADS[0]} in a tender?"


def test_the_chat_script_never_builds_html_from_text() -> None:
    script = (REPO / "assistant" / "web" / "static" / "chat.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.DOTALL)
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|eval\(", code)


def _reply(text: str) -> AssistantReply:
    citation = Citation(1, "doc", f"Title {ALL}", f"Section {ALL}", 2, ALL, 0.9, "http://testserver/documents/doc")
    return AssistantReply(text, "answered", 0.8, "en", [citation], "c_1", message_id=3)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


SLACK_CONTROL = ("<!channel>", "<!here>", "<@U12345>", "<https://evil.example|Click me>")


def test_slack_blocks_escape_officials_experts_and_documents() -> None:
    text = f"{ALL} {' '.join(SLACK_CONTROL)}"
    messages = [*slack_blocks.answer_messages(_reply(text)), slack_blocks.notice(text),
                *slack_blocks.expert_answer_messages(text, f"Expert {ALL}", "E-1")]
    blocks = [b for m in messages for b in m.blocks]
    blocks += slack_blocks.escalation_blocks({"id": "E-1", "question": text, "municipality": text,
                                              "reason": "low_confidence", "channel": "web"}, "open", by=text)
    for value in _strings(blocks):
        own_links = re.sub(r"<http://testserver/[^|>]*\|[^<>]*>", "", value)
        assert "<" not in own_links and ">" not in own_links, value
    assert any("&lt;!channel&gt;" in value for value in _strings(blocks))


def test_teams_cards_show_user_text_as_plain_runs() -> None:
    hostile = f"{ALL} [click](javascript:alert(1)) **bold**"
    cards = [teams_cards.answer_card(_reply(hostile)), teams_cards.expert_answer_card(hostile, "Expert answer", "E-1")]
    for card in cards:
        runs = [i for block in card["body"] if block["type"] == "RichTextBlock" for i in block["inlines"]]
        markdown_blocks = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
        assert all("javascript" not in text and "<" not in text for text in markdown_blocks)
        assert any(PAYLOADS[0] in run["text"] for run in runs)  # shown literally, as plain text
        links = [run["selectAction"]["url"] for run in runs if "selectAction" in run]
        assert all(link.startswith(("http://", "https://")) for link in links)
    bad_link = Citation(1, "d", "T", "S", None, "", 0.5, "javascript:alert(1)")
    assert "selectAction" not in teams_cards.source_run(bad_link)["inlines"][0]
