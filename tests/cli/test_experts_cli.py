"""`helpdesk experts`, `helpdesk worker --once`, `helpdesk eval export-escalations` and `serve --with-worker`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings
from assistant.services.escalations import EscalationRequest
from assistant.services.expert_queue import AnswerForm
from assistant.services.replies import ChannelAddress


def _run(args: list[str], data: Path, monkeypatch) -> object:  # type: ignore[no-untyped-def]
    from assistant.cli import eval_export, evals, experts, server, worker  # noqa: F401

    monkeypatch.setenv("HELPDESK_DATA_DIR", str(data))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()


def test_experts_add_list_token(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    added = _run(["experts", "add", "Anna@Example.eu", "--name", "Anna", "--password", "correct horse battery",
                  "--role", "admin", "--topics", "cloud, data protection", "--countries", "de,at"], data, monkeypatch)
    assert added.exit_code == 0, added.output
    assert "added admin anna@example.eu" in added.output
    listed = _run(["experts", "list"], data, monkeypatch)
    assert "anna@example.eu" in listed.output and "AT, DE" in listed.output
    token = _run(["experts", "token", "anna@example.eu"], data, monkeypatch)
    assert token.exit_code == 0 and token.output.strip().startswith("hdx_")
    assert _run(["experts", "add", "anna@example.eu", "--name", "A", "--password", "correct horse battery"], data,
                monkeypatch).exit_code == 2
    short = _run(["experts", "add", "b@example.eu", "--name", "B", "--password", "short"], data, monkeypatch)
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    assert _run(["experts", "token", "nobody@example.eu"], data, monkeypatch).exit_code == 2
    changed = _run(["experts", "password", "anna@example.eu", "--password", "another long one"], data, monkeypatch)
    assert changed.exit_code == 0
    assert _run(["experts", "disable", "anna@example.eu"], data, monkeypatch).exit_code == 0
    assert "anna@example.eu" not in _run(["experts", "list"], data, monkeypatch).output


@pytest.fixture
def answered(tmp_path):  # type: ignore[no-untyped-def]
    """A helpdesk (in tmp_path/data) with one published and one unpublished expert answer."""
    from assistant.wiring import build_helpdesk
    from tests.conftest import make_settings

    helpdesk = build_helpdesk(make_settings(tmp_path / "data", knowledge_dir=tmp_path))
    expert = helpdesk.experts.add("anna@example.eu", "Anna", "correct horse battery")
    ids = []
    for question, publish in (("Can we reserve lots for SMEs?", True), ("Quelle est la durée du délai ?", False)):
        conversation = helpdesk.conversations.open(ChannelAddress(owner_key="o"))
        ticket = helpdesk.escalations.escalate(EscalationRequest(question, "low_confidence",
                                                                 conversation_id=conversation, language="en"))
        helpdesk.queue.answer(ticket.id, expert, AnswerForm(f"Answer to {question}", publish=publish))
        ids.append((ticket.id, conversation))
    review = helpdesk.escalations.escalate(EscalationRequest("Held", "review", kind="review"))
    helpdesk.queue.answer(review.id, expert, AnswerForm("Approved"))
    yield helpdesk, ids
    helpdesk.db.dispose()


def test_worker_once_delivers_the_outbox(answered, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    helpdesk, ids = answered
    result = _run(["worker", "--once"], tmp_path / "data", monkeypatch)
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output  # two answers into conversations, one index sync (the published one)
    for escalation_id, conversation in ids:
        messages = helpdesk.conversations.read(conversation, "o")["messages"]
        assert messages[-1]["role"] == "expert" and messages[-1]["escalation_id"] == escalation_id


def test_eval_export_appends_each_escalation_once(answered, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, ids = answered
    output = tmp_path / "from-escalations.jsonl"
    first = _run(["eval", "export-escalations", "--output", str(output)], tmp_path / "data", monkeypatch)
    assert first.exit_code == 0 and "2 new regression cases" in first.output, first.output
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    published, unpublished = lines
    assert published["escalation_id"] == ids[0][0] and published["expected_outcome"] == "answered"
    assert published["expected_sources"] == [f"EXPERT-{ids[0][0]}"] and published["kind"] == "from-escalation"
    assert set(published) >= {"id", "question", "language", "expected_outcome", "expected_sources", "expected_facts"}
    assert unpublished["expected_outcome"] == "escalated" and unpublished["question"].startswith("Quelle")
    again = _run(["eval", "export-escalations", "--output", str(output)], tmp_path / "data", monkeypatch)
    assert "0 new regression cases" in again.output and len(output.read_text().splitlines()) == 2


def test_serve_with_worker_turns_the_worker_on(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.delenv("HELPDESK_ESCALATION__WORKER_IN_SERVER", raising=False)
    from assistant.cli import server  # noqa: F401

    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--with-worker"])
    try:
        assert result.exit_code == 0, result.output
        assert calls[0][1]["port"] == 8123
        assert os.environ["HELPDESK_ESCALATION__WORKER_IN_SERVER"] == "true"
        from assistant.config import Settings

        assert Settings(_env_file=None).escalation.worker_in_server is True  # type: ignore[call-arg]
    finally:
        os.environ.pop("HELPDESK_ESCALATION__WORKER_IN_SERVER", None)
