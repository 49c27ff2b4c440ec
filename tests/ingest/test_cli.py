"""`helpdesk ingest` and `helpdesk search` from the command line: summary, exit codes, scores and sources."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings


def _run(args: list[str], data: Path, monkeypatch) -> object:  # type: ignore[no-untyped-def]
    from assistant.cli import asking, database, knowledge, server  # noqa: F401

    monkeypatch.setenv("HELPDESK_DATA_DIR", str(data))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()


def test_ingest_reports_failures_with_nonzero_exit_and_search_prints_sources(tmp_path, monkeypatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "espd.md").write_text("# ESPD\n\n## 1 What it is\n\nThe European Single Procurement Document "
                                  "is a self-declaration (Art 59).\n", encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    result = _run(["ingest", str(docs)], tmp_path / "data", monkeypatch)
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output and "broken.pdf" in result.output
    assert "Ingestion summary" in result.output

    search = _run(["search", "self-declaration document", "-k", "1"], tmp_path / "data", monkeypatch)
    assert search.exit_code == 0, search.output
    assert "score" in search.output and "espd.md" in search.output and "1 What it is" in search.output
