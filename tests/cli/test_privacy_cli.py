"""`helpdesk retention run` and `helpdesk privacy export/erase` over the configured database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import EscalationSettings, get_settings
from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationRequest, EscalationService
from assistant.services.replies import ChannelAddress
from assistant.store.db import Database
from assistant.store.models import Conversation


def _run(args: list[str], data: Path, monkeypatch, **env: str) -> object:  # type: ignore[no-untyped-def]
    from assistant.cli import privacy  # noqa: F401

    monkeypatch.setenv("HELPDESK_DATA_DIR", str(data))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()


def _seed(data: Path) -> tuple[str, str]:
    db = Database(f"sqlite:///{(data / 'helpdesk.db').resolve()}")
    db.upgrade()
    conversations = ConversationService(db)
    old = conversations.open(ChannelAddress(owner_key="browser-1"))
    kept = conversations.open(ChannelAddress(owner_key="browser-2"))
    EscalationService(db, EscalationSettings(), conversations=conversations).escalate(
        EscalationRequest("Split lots?", "low_confidence", conversation_id=kept, contact="eva@gemeinde.at"))
    with db.session() as session:
        session.execute(update(Conversation).where(Conversation.id == old)
                        .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=100)))
    db.dispose()
    return old, kept


def test_retention_and_privacy_commands(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    old, kept = _seed(data)
    unset = _run(["retention", "run"], data, monkeypatch)
    assert unset.exit_code == 2 and "HELPDESK_RETENTION_DAYS" in unset.output
    ran = _run(["retention", "run"], data, monkeypatch, HELPDESK_RETENTION_DAYS="90")
    assert ran.exit_code == 0 and "deleted 1 conversation(s) older than 90 day(s)" in ran.output
    exported = _run(["privacy", "export", "eva@gemeinde.at"], data, monkeypatch)
    assert exported.exit_code == 0
    assert json.loads(exported.output)["conversations"][0]["id"] == kept
    refused = _run(["privacy", "erase", "eva@gemeinde.at"], data, monkeypatch)
    assert refused.exit_code == 1  # confirmation declined (no input)
    erased = _run(["privacy", "erase", "eva@gemeinde.at", "--yes"], data, monkeypatch)
    assert erased.exit_code == 0 and "erased 1 escalation(s), 1 conversation(s)" in erased.output
    assert json.loads(_run(["privacy", "export", "eva@gemeinde.at"], data, monkeypatch).output)["escalations"] == []
