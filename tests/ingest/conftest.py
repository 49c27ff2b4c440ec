"""Fixtures for ingestion tests: a private index per test and files of every kind, good and bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_settings


@pytest.fixture
def ingest_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings with a fresh embedded index under tmp_path."""
    return make_settings(tmp_path / "data")


@pytest.fixture
def index_and_embedder(ingest_settings):  # type: ignore[no-untyped-def]
    """(embedder, index) over a fresh embedded Chroma."""
    from assistant.wiring import build_knowledge

    embedder, index, _ = build_knowledge(ingest_settings)
    return embedder, index


def write_docx(path: Path) -> Path:
    """A DOCX with a title, numbered headings, a paragraph and a table."""
    import docx

    document = docx.Document()
    document.add_heading("Smart lighting tender", level=0)
    document.add_heading("4 Technical specifications", level=1)
    document.add_heading("4.2 Interoperability", level=2)
    document.add_paragraph("Controllers must expose an open API documented in OpenAPI 3.")
    table = document.add_table(rows=3, cols=2)
    for row, (a, b) in zip(table.rows, [("KPI", "Target"), ("Availability", "99.5%"), ("Repair time", "48 h")],
                           strict=True):
        row.cells[0].text, row.cells[1].text = a, b
    document.save(str(path))
    return path


def write_blank_pdf(path: Path, encrypt: bool = False) -> Path:
    """A PDF with one page and no text layer (like a scan), optionally password protected."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if encrypt:
        writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as handle:
        writer.write(handle)
    return path
