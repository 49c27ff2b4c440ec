"""`helpdesk backup` and `helpdesk restore`: the database and the embedded index survive a round trip."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import EscalationSettings, get_settings
from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationRequest, EscalationService
from assistant.services.replies import ChannelAddress
from assistant.store.db import Database
from assistant.store.models import Escalation
from tests.conftest import make_settings


def _run(args: list[str], data: Path, monkeypatch, **env: str) -> object:  # type: ignore[no-untyped-def]
    from assistant.cli import backup  # noqa: F401

    monkeypatch.setenv("HELPDESK_DATA_DIR", str(data))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()


def _escalations(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Escalation)))


def _index(data: Path):  # type: ignore[no-untyped-def]
    from assistant.wiring import build_knowledge

    return build_knowledge(make_settings(data))


def test_backup_and_restore_round_trip(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ingest.pipeline import run_ingest

    data, docs = tmp_path / "data", tmp_path / "docs"
    docs.mkdir()
    (docs / "framework.md").write_text("# Framework agreements\n\nA framework agreement lasts at most four "
                                       "years under Article 33 of Directive 2014/24/EU.\n", encoding="utf-8")
    embedder, index, _ = _index(data)
    run_ingest([docs], index, embedder, make_settings(data).ingest, 8)
    chunks_before = sorted(c.chunk_id for c in index.all_chunks())
    db = Database(make_settings(data).sqlalchemy_url)
    db.upgrade()
    conversations = ConversationService(db)
    conversation = conversations.open(ChannelAddress(owner_key="browser"))
    EscalationService(db, EscalationSettings(), conversations=conversations).escalate(
        EscalationRequest("Split lots?", "low_confidence", conversation_id=conversation))
    archive = tmp_path / "backups" / "helpdesk.tar.gz"
    made = _run(["backup", str(archive)], data, monkeypatch)
    assert made.exit_code == 0, made.output
    assert "helpdesk.db" in made.output and "chroma" in made.output
    with db.session() as session:  # damage after the backup: a lost escalation and an emptied index
        session.query(Escalation).delete()
    db.dispose()
    index.clear()
    assert index.count() == 0
    declined = _run(["restore", str(archive)], data, monkeypatch)
    assert declined.exit_code == 1  # confirmation not given
    restored = _run(["restore", str(archive), "--yes"], data, monkeypatch)
    assert restored.exit_code == 0, restored.output
    db = Database(make_settings(data).sqlalchemy_url)
    assert _escalations(db) == 1
    db.dispose()
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # as a restarted server would, read the restored files afresh
    _, index_after, _ = _index(data)
    assert sorted(c.chunk_id for c in index_after.all_chunks()) == chunks_before


def test_backup_refuses_servers_and_restore_refuses_foreign_archives(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    postgres = _run(["backup", str(tmp_path / "b.tar.gz")], data, monkeypatch,
                    HELPDESK_DATABASE_URL="postgresql+psycopg://u@127.0.0.1/x")
    assert postgres.exit_code == 2 and "pg_dump" in postgres.output
    missing = _run(["backup", str(tmp_path / "b.tar.gz")], data, monkeypatch, HELPDESK_DATABASE_URL="")
    assert missing.exit_code == 2 and "no database" in missing.output
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as tar:
        payload = b"owned"
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    refused = _run(["restore", str(hostile), "--yes"], data, monkeypatch, HELPDESK_DATABASE_URL="")
    assert refused.exit_code == 2 and "not a helpdesk backup" in refused.output
    assert not (tmp_path / "escaped.txt").exists()
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    junk = _run(["restore", str(tmp_path / "junk.tar.gz"), "--yes"], data, monkeypatch, HELPDESK_DATABASE_URL="")
    assert junk.exit_code == 2
