"""Block Kit rendering: escaping of user and document text, and Slack's block and size limits."""

from __future__ import annotations

import json

from assistant.channels import slack_blocks as blocks
from assistant.channels.slack_answers import plain_question
from assistant.services.replies import AssistantReply, Citation


def reply(answer: str, outcome: str = "answered", citations: int = 2) -> AssistantReply:
    cited = [Citation(n=i, document_id=f"d{i}", title=f"Doc {i}", section="1 Scope", page=None, snippet="",
                      score=0.5, url=f"http://testserver/documents/d{i}#sec-1") for i in range(1, citations + 1)]
    return AssistantReply(answer=answer, outcome=outcome, confidence=0.61, language="en", citations=cited,
                          conversation_id="c_1", message_id=7, escalation_id="ESC-ABC234" if outcome != "answered"
                          else None)


def test_mrkdwn_escapes_control_characters_and_keeps_bold_and_bullets():
    text = blocks.to_mrkdwn("**Note** <@U123> & <!channel> <https://evil.example|click>\n- item")

    assert text == "*Note* &lt;@U123&gt; &amp; &lt;!channel&gt; &lt;https://evil.example|click&gt;\n• item"


def test_split_text_respects_the_limit_and_never_cuts_an_entity():
    text = blocks.escape("word & " * 2000)
    pieces = blocks.split_text(text, 3000)

    assert all(len(p) <= 3000 for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(not p.rstrip().endswith(("&", "&a", "&am", "&amp")) for p in pieces)
    assert blocks.split_text("x" * 7000, 3000) == ["x" * 3000, "x" * 3000, "x" * 1000]


def test_huge_answer_is_split_into_messages_within_slack_limits():
    messages = blocks.answer_messages(reply("A long line of guidance text. " * 8000))  # ~240,000 characters

    assert len(messages) >= 7
    for message in messages:
        assert len(message.blocks) <= 50
        assert len(json.dumps(message.blocks)) <= 40_000
        assert len(message.text) <= 3000
        assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")
    assert all(b["type"] == "section" for m in messages[:-1] for b in m.blocks)
    assert [b["type"] for b in messages[-1].blocks][-3:] == ["section", "context", "actions"]


def test_short_answer_is_one_message_with_sources_outcome_and_three_buttons():
    (message,) = blocks.answer_messages(reply("Short answer [1]."))

    assert [b["type"] for b in message.blocks] == ["section", "section", "context", "actions"]
    assert "confidence 61%" in message.blocks[2]["elements"][0]["text"]
    assert json.loads(message.blocks[3]["elements"][2]["value"]) == {"c": "c_1", "m": 7}


def test_escalated_reply_has_no_ask_an_expert_button_and_shows_the_reference():
    (message,) = blocks.answer_messages(reply("Passed on.", outcome="escalated", citations=0))

    assert [b["type"] for b in message.blocks] == ["section", "context", "actions"]
    assert "reference ESC-ABC234" in message.blocks[1]["elements"][0]["text"]
    assert [e["action_id"] for e in message.blocks[2]["elements"]] == [blocks.FEEDBACK_UP, blocks.FEEDBACK_DOWN]


def test_escalation_card_escapes_the_question_and_follows_the_status():
    escalation = {"id": "ESC-ABC234", "question": "<script> & <@U1>", "reason": "own_case", "due_at": "2026-11-25"}

    open_card = blocks.escalation_blocks(escalation, "open")
    answered = blocks.escalation_blocks(escalation, "answered", by="Eva <admin>")

    assert open_card[1]["text"]["text"] == "&lt;script&gt; &amp; &lt;@U1&gt;"
    assert [e["action_id"] for e in open_card[-1]["elements"]] == [blocks.CLAIM, blocks.ANSWER]
    assert answered[-1]["type"] == "context" and "by Eva &lt;admin&gt;" in answered[-1]["elements"][0]["text"]


def test_answer_modal_limits_input_and_carries_the_escalation():
    view = blocks.answer_modal("ESC-ABC234", "q" * 5000, {"e": "ESC-ABC234", "ts": "1.2"})

    assert view["callback_id"] == blocks.ANSWER_MODAL and json.loads(view["private_metadata"])["e"] == "ESC-ABC234"
    assert len(view["blocks"][0]["text"]["text"]) < 3000
    assert view["blocks"][1]["element"]["max_length"] == 3000


def test_plain_question_turns_slack_markup_back_into_text():
    text = "<@UHELPDESK> Is <https://ted.europa.eu|TED> needed for &lt;50k&gt; &amp; <#C1|tenders>?"

    assert plain_question(text) == "Is TED needed for <50k> & #tenders?"
