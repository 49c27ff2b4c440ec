"""Loaders read every supported format with structure, and refuse bad files with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import DocumentLoadError
from ingest.loaders import load_document
from tests.conftest import EXTERNAL_DOCS, KNOWLEDGE
from tests.ingest.conftest import write_blank_pdf, write_docx

MB = 10**7


def load(path: Path, max_bytes: int = MB):  # type: ignore[no-untyped-def]
    return load_document(path, path.name, max_bytes)


def test_markdown_front_matter_and_section_paths() -> None:
    doc = load(next((KNOWLEDGE / "guidance").glob("g-01-*.md")))
    assert doc.document_id == "G-01"
    assert doc.metadata["valid_from"] == "2026-01-01"
    assert doc.metadata["doc_type"] == "guidance"
    paths = [s.section_path for s in doc.sections]
    assert any(" > " in p for p in paths), paths
    assert all(not s.text.startswith("#") for s in doc.sections)


@pytest.mark.skipif(not EXTERNAL_DOCS.exists(), reason="shared external-docs folder not present")
def test_real_eu_form_pdf_has_pages_and_sections() -> None:
    doc = load(EXTERNAL_DOCS / "EN_F02.pdf")
    assert doc.pages == 5
    pages = {s.page for s in doc.sections}
    assert pages == {1, 2, 3, 4, 5}
    assert any(s.section_path.startswith("Section I: Contracting authority") for s in doc.sections)
    page3 = " ".join(s.text for s in doc.sections if s.page == 3)
    assert "Conditions for participation" in page3
    assert any("III.1.2) Economic and financial standing" in s.section_path for s in doc.sections)


def test_docx_headings_and_table_rows(tmp_path: Path) -> None:
    doc = load(write_docx(tmp_path / "lighting.docx"))
    assert doc.title == "Smart lighting tender"
    section = next(s for s in doc.sections if s.section_path.endswith("4.2 Interoperability"))
    assert section.section_path == "4 Technical specifications > 4.2 Interoperability"
    assert "Availability | 99.5%" in section.text
    assert "open API" in section.text


def test_html_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    page = tmp_path / "guide.html"
    page.write_text("<html><head><title>Lots guide</title><script>var x=1</script></head><body>"
                    "<h1>Lots</h1><h2>2 Dividing</h2><p>Divide or explain why not.</p>"
                    "<table><tr><th>Lot</th><th>Object</th></tr><tr><td>1</td><td>Sensors</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    doc = load(page)
    assert doc.title == "Lots guide"
    section = doc.sections[-1]
    assert section.section_path == "Lots > 2 Dividing"
    assert "1 | Sensors" in section.text and "var x" not in section.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrupt.pdf", b"%PDF-1.4 this is not really a pdf", "corrupt"),
        ("empty.pdf", b"", "empty"),
        ("broken.docx", b"PK\x03\x04 not a zip really", "broken DOCX"),
        ("latin1.txt", "Auftragswert über Schwellenwert".encode("latin-1"), "not UTF-8"),
        ("notes.xyz", b"hello", "unsupported file type"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentLoadError, match=reason):
        load(path)


def test_image_only_and_encrypted_pdfs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="no extractable text"):
        load(write_blank_pdf(tmp_path / "scan.pdf"))
    with pytest.raises(DocumentLoadError, match="encrypted"):
        load(write_blank_pdf(tmp_path / "locked.pdf", encrypt=True))


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="too large"):
        load(path, max_bytes=1000)


def test_invalid_front_matter_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\n# T\ntext\n", encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="front matter"):
        load(path)
