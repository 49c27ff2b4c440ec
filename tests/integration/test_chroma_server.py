"""The same ingestion and retrieval code against a Chroma server (HELPDESK_CHROMA_URL)."""

from __future__ import annotations

import pytest

from assistant.errors import IndexUnavailableError
from assistant.wiring import build_knowledge
from ingest.pipeline import run_ingest
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


def test_ingest_and_search_through_chroma_server(tmp_path, chroma_server) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "standstill.md").write_text(
        "---\nid: G-SS\ntitle: Standstill\n---\n# Standstill\n\n## 2 Length\n\n"
        "The standstill period is 10 calendar days when the award decision is sent electronically.\n",
        encoding="utf-8")
    (docs / "lots.md").write_text("# Lots\n\n## 1 Rule\n\nDivide into lots or explain why not.\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data", chroma_url=chroma_server, collection="server-test")
    embedder, index, retriever = build_knowledge(settings)
    first = run_ingest([docs], index, embedder, settings.ingest)
    assert first.counts["added"] == 2 and not first.failed
    assert not (tmp_path / "data" / "chroma").exists()  # nothing written to the embedded store
    second = run_ingest([docs], index, embedder, settings.ingest)
    assert second.chunks_embedded == 0
    result = retriever.search("how many days is the standstill period?")
    assert result.passages[0].document_id == "G-SS"
    assert "10 calendar days" in result.passages[0].text


def test_unreachable_chroma_server_is_reported(tmp_path) -> None:
    from tests.integration.conftest import free_port

    settings = make_settings(tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexUnavailableError):
        build_knowledge(settings)
