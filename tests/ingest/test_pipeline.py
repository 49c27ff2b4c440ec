"""Incremental, idempotent ingestion that never stops at a bad file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.pipeline import run_ingest
from tests.conftest import EXTERNAL_DOCS
from tests.ingest.conftest import write_blank_pdf, write_docx


def _corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "lots.md").write_text(
        "---\nid: G-LOTS\ntitle: Lots\ndoc_type: guidance\ncategory: guidance\n---\n# Lots\n\n"
        "## 1 Dividing\n\nDivide contracts into lots or explain why not (Art 46).\n", encoding="utf-8")
    (root / "note.txt").write_text("Standstill lasts ten calendar days when notified electronically.",
                                   encoding="utf-8")
    write_docx(root / "lighting.docx")
    return root


def _ingest(paths, index_and_embedder, settings, **kw):  # type: ignore[no-untyped-def]
    embedder, index = index_and_embedder
    return run_ingest(paths, index, embedder, settings.ingest, 16, **kw)


def test_second_run_embeds_nothing_and_changes_replace_old_chunks(tmp_path, ingest_settings,
                                                                  index_and_embedder) -> None:
    root = _corpus(tmp_path / "kb")
    first = _ingest([root], index_and_embedder, ingest_settings)
    assert first.counts["added"] == 3 and first.chunks_embedded > 0 and not first.failed
    second = _ingest([root], index_and_embedder, ingest_settings)
    assert second.chunks_embedded == 0 and second.counts["unchanged"] == 3

    (root / "note.txt").write_text("Standstill is fifteen days when sent by post.", encoding="utf-8")
    third = _ingest([root], index_and_embedder, ingest_settings)
    assert third.counts["updated"] == 1 and third.counts["unchanged"] == 2
    _, index = index_and_embedder
    texts = " ".join(c.text for c in index.all_chunks())
    assert "fifteen days" in texts and "ten calendar days" not in texts

    (root / "lots.md").unlink()
    fourth = _ingest([root], index_and_embedder, ingest_settings)
    assert fourth.counts["removed"] == 1
    assert not index.ids_where({"document_id": "G-LOTS"})


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path, ingest_settings, index_and_embedder) -> None:
    root = _corpus(tmp_path / "kb")
    (root / "corrupt.pdf").write_bytes(b"%PDF-1.7 garbage")
    write_blank_pdf(root / "scan.pdf")
    write_blank_pdf(root / "locked.pdf", encrypt=True)
    (root / "broken.docx").write_bytes(b"not a zip")
    (root / "bad.txt").write_bytes("caf\xe9".encode("latin-1"))
    (root / "empty.md").write_bytes(b"")
    report = _ingest([root], index_and_embedder, ingest_settings)
    failed = {Path(o.source_path).name: o.error for o in report.failed}
    assert set(failed) == {"corrupt.pdf", "scan.pdf", "locked.pdf", "broken.docx", "bad.txt", "empty.md"}
    assert "encrypted" in failed["locked.pdf"] and "no extractable text" in failed["scan.pdf"]
    assert report.counts["added"] == 3
    _, index = index_and_embedder
    assert {c.metadata["document_id"] for c in index.all_chunks()} == {"G-LOTS", "note", "lighting"}


def test_failed_update_keeps_previous_version(tmp_path, ingest_settings, index_and_embedder) -> None:
    root = _corpus(tmp_path / "kb")
    _ingest([root], index_and_embedder, ingest_settings)
    (root / "lighting.docx").write_bytes(b"truncated")
    report = _ingest([root], index_and_embedder, ingest_settings)
    assert "previous version kept" in report.failed[0].error
    _, index = index_and_embedder
    assert index.ids_where({"document_id": "lighting"})


def test_rebuild_starts_clean(tmp_path, ingest_settings, index_and_embedder) -> None:
    root = _corpus(tmp_path / "kb")
    _ingest([root], index_and_embedder, ingest_settings)
    report = _ingest([root], index_and_embedder, ingest_settings, rebuild=True)
    assert report.counts["added"] == 3 and report.chunks_embedded > 0


def test_interrupted_document_is_repaired_on_next_run(tmp_path, ingest_settings, index_and_embedder) -> None:
    root = _corpus(tmp_path / "kb")
    _ingest([root], index_and_embedder, ingest_settings)
    _, index = index_and_embedder
    ids = index.ids_where({"document_id": "lighting"})
    index.delete_ids(ids[:1])  # as if the process died halfway through writing this document
    report = _ingest([root], index_and_embedder, ingest_settings)
    assert report.counts["updated"] + report.counts["added"] == 1 and report.chunks_embedded == len(ids)
    assert sorted(index.ids_where({"document_id": "lighting"})) == sorted(ids)


@pytest.mark.skipif(not EXTERNAL_DOCS.exists(), reason="shared external-docs folder not present")
def test_real_eu_forms_ingest_with_page_numbers(tmp_path, ingest_settings, index_and_embedder) -> None:
    docs = tmp_path / "forms"
    shutil.copytree(EXTERNAL_DOCS, docs, ignore=shutil.ignore_patterns("*.md"))
    report = _ingest([docs], index_and_embedder, ingest_settings)
    assert not report.failed
    assert sum(o.pages for o in report.outcomes) == 5 + 5 + 6 + 2 + 2 + 11
    _, index = index_and_embedder
    from assistant.services.retrieval import Retriever

    embedder, _ = index_and_embedder
    result = Retriever(index, embedder, ingest_settings.retrieval).search("corrigendum information to be corrected")
    assert result.passages[0].metadata["document_id"] in {"en-f14", "ted-template-r2-0-8-f02"}
    assert all(isinstance(p.metadata.get("page"), int) for p in result.passages)
