"""Chunks stay inside a section, keep tables whole or split them between rows, and carry full metadata."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_document
from ingest.documents import LoadedDocument, Section
from ingest.loaders import load_document
from tests.conftest import KNOWLEDGE


def _doc(sections: list[Section], **meta: object) -> LoadedDocument:
    return LoadedDocument("T-TEST", "Test", "x.md", "markdown", "abc", sections, dict(meta))


def test_template_chunks_carry_citation_metadata() -> None:
    path = next((KNOWLEDGE / "templates").rglob("t-pla-01-*.md"))
    doc = load_document(path, "knowledge/x.md", 10**7)
    chunks = chunk_document(doc, 1200, 150)
    meta = chunks[0].metadata
    for key in ("document_id", "title", "category", "template_id", "section", "language", "source_path",
                "content_hash", "last_reviewed", "doc_hash", "chunk_index"):
        assert key in meta, key
    assert meta["template_id"] == "T-PLA-01"
    sections = {c.metadata["section"] for c in chunks}
    assert any(s.startswith("4 Technical specifications > 4.") for s in sections)
    assert all(len(c.text) <= 1200 for c in chunks)


def test_table_stays_with_its_intro_when_it_fits() -> None:
    table = "| Contract | Threshold |\n|---|---|\n| Works | 5,404,000 |\n| Supplies | 216,000 |"
    doc = _doc([Section(f"The values are:\n\n{table}", "1 Thresholds")])
    chunks = chunk_document(doc, 500, 50)
    assert len(chunks) == 1
    assert "The values are" in chunks[0].text and "| Works | 5,404,000 |" in chunks[0].text


def test_large_table_is_split_between_rows_with_header_repeated() -> None:
    rows = "\n".join(f"| Item {i} | {i * 1000} EUR |" for i in range(60))
    doc = _doc([Section(f"| Item | Price |\n|---|---|\n{rows}", "9 Pricing schedule")])
    chunks = chunk_document(doc, 400, 50)
    assert len(chunks) > 2
    for chunk in chunks:
        lines = chunk.text.splitlines()
        assert lines[0] == "| Item | Price |"
        assert all(line.startswith("|") and line.endswith("|") for line in lines)
    all_rows = [line for c in chunks for line in c.text.splitlines()[2:]]
    assert len(all_rows) == 60


def test_chunks_never_cross_sections(tmp_path: Path) -> None:
    doc = _doc([Section("alpha " * 50, "1 A"), Section("beta " * 50, "2 B")])
    chunks = chunk_document(doc, 1200, 100)
    assert [c.metadata["section"] for c in chunks] == ["1 A", "2 B"]
    assert len({c.chunk_id for c in chunks}) == 2
