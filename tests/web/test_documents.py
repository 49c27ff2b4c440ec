"""Documents API, file serving, template downloads and the source viewer, over a small index of our own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.wiring import Helpdesk, build_helpdesk
from ingest.pipeline import run_ingest
from tests.conftest import make_settings

TEMPLATE = """---
id: T-TST-01
title: "Test sensor network"
doc_type: template
category: infrastructure
template_id: T-TST-01
language: en
last_reviewed: 2026-11-23
summary: "A small template used by the tests."
---
# Test sensor network

Intro paragraph with <script>alert("x")</script> raw HTML and a [bad link](javascript:alert(1)).

## 1 Object and scope

### 1.1 Purpose

Buy sensors for air quality measurement in the city districts.

## 2 Recommended procedure and lots

### 2.2 Thresholds

| Contract | Threshold |
|---|---|
| Supplies | EUR 216,000 |

## Annex: glossary

Terms used by the template.
"""
HTML_PAGE = """<html><head><title>Notes page</title></head><body><h1>Notes page</h1>
<h2>Scope of the notes</h2><p>Procurement notes about sensors and platforms for municipalities.</p>
<script>alert('served as a page?')</script></body></html>"""


def _write_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(1, 4):
        pdf.add_page()
        pdf.multi_cell(0, 8, f"Manual page {number}. Procurement of sensors: requirement number {number} "
                             "for the contracting authority.")
    pdf.output(str(path))


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:
    root = tmp_path_factory.mktemp("documents")
    knowledge = root / "knowledge"
    (knowledge / "templates").mkdir(parents=True)
    (knowledge / "templates" / "t-tst-01.md").write_text(TEMPLATE, encoding="utf-8")
    (knowledge / "notes.html").write_text(HTML_PAGE, encoding="utf-8")
    _write_pdf(knowledge / "manual.pdf")
    (knowledge / "downloads").mkdir()
    (knowledge / "downloads" / "t-tst-01.docx").write_bytes(b"PK\x03\x04 fake docx")
    settings = make_settings(root / "data", knowledge_dir=knowledge,
                             embedding={"backend": "sentence-transformers"})
    built = build_helpdesk(settings)
    report = run_ingest([knowledge], built.index, built.embedder, settings.ingest)
    assert not report.failed, report.failed
    yield built
    built.db.dispose()


@pytest.fixture(scope="module")
def app(helpdesk: Helpdesk) -> FastAPI:
    return create_app(helpdesk.settings, helpdesk)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def test_the_list_has_every_document_with_its_urls_but_no_server_paths(client: TestClient) -> None:
    documents = client.get("/api/documents").json()
    by_id = {d["document_id"]: d for d in documents}
    assert documents[0]["document_id"] == "T-TST-01"  # templates first
    assert set(by_id) == {"T-TST-01", "manual", "notes"}
    template = by_id["T-TST-01"]
    assert template["urls"] == {"viewer": "/documents/T-TST-01", "file": "/api/documents/T-TST-01/file",
                                "downloads": {"docx": "/api/documents/T-TST-01/download/docx"}}
    assert "source_path" not in template and template["summary"] == "A small template used by the tests."
    assert [d["document_id"] for d in client.get("/api/documents?doc_type=template").json()] == ["T-TST-01"]
    assert client.get("/api/documents?category=platforms").json() == []
    assert client.get("/api/documents?doc_type=spreadsheet").status_code == 422


def test_one_document_with_sections_and_pages(client: TestClient) -> None:
    template = client.get("/api/documents/T-TST-01").json()
    assert "1 Object and scope > 1.1 Purpose" in template["sections"]
    assert client.get("/api/documents/manual").json()["pages"] == 3
    missing = client.get("/api/documents/G-99")
    assert missing.status_code == 404 and missing.json()["detail"] == "no document with id 'G-99'"


def test_source_files_are_served_inline_and_html_never_as_a_page(client: TestClient) -> None:
    pdf = client.get("/api/documents/manual/file")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"].startswith("inline")
    markdown = client.get("/api/documents/T-TST-01/file")
    assert markdown.headers["content-type"].startswith("text/markdown") and "id: T-TST-01" in markdown.text
    html = client.get("/api/documents/notes/file")
    assert html.headers["content-type"].startswith("text/plain")
    assert html.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/api/documents/..%2F..%2Fetc%2Fpasswd/file",
    "/api/documents/%2Fetc%2Fpasswd/file",
    "/api/documents/../../pyproject.toml/file",
    "/api/documents/T-TST-01/download/..%2F..%2Fdata",
    "/documents/..%2Fpyproject.toml",
])
def test_nothing_but_indexed_sources_can_be_fetched(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert "[project]" not in response.text and "root:" not in response.text


def test_template_downloads_are_served_when_generated_and_404_clearly_otherwise(client: TestClient) -> None:
    docx = client.get("/api/documents/T-TST-01/download/docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert docx.headers["content-disposition"].startswith("attachment") and "t-tst-01.docx" in docx.headers[
        "content-disposition"]
    pdf = client.get("/api/documents/T-TST-01/download/pdf")
    assert pdf.status_code == 404
    assert pdf.json()["detail"] == "the PDF edition of T-TST-01 has not been generated yet (run `make knowledge`)"
    not_template = client.get("/api/documents/manual/download/pdf")
    assert not_template.status_code == 404 and "is not a template" in not_template.json()["detail"]
    assert client.get("/api/documents/T-TST-01/download/exe").status_code == 422


def test_a_moved_source_file_is_a_clear_404(client: TestClient, helpdesk: Helpdesk) -> None:
    source = helpdesk.settings.knowledge_dir / "notes.html"
    kept = source.read_bytes()
    source.unlink()
    try:
        response = client.get("/api/documents/notes/file")
        assert response.status_code == 404
        assert response.json()["detail"] == "the source file of document 'notes' is no longer available"
        assert client.get("/documents/notes").status_code == 200  # the viewer still shows the indexed text
    finally:
        source.write_bytes(kept)


def test_the_viewer_renders_markdown_with_the_anchors_citations_use(client: TestClient) -> None:
    page = client.get("/documents/T-TST-01")
    assert page.status_code == 200
    html = page.text
    for anchor in ("sec-1", "sec-1.1", "sec-2.2", "sec-annex-glossary"):
        assert f'id="{anchor}"' in html
    assert '<a href="#sec-1">1 Object and scope</a>' in html  # table of contents
    assert "<table>" in html and "EUR 216,000" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "id: T-TST-01" not in html  # front matter is not shown
    assert html.count("<h1") == 1 and '<article class="source" lang="en">' in html
    assert 'href="/api/documents/T-TST-01/download/docx"' in html and 'href="/?about=T-TST-01"' in html


def test_the_viewer_opens_a_pdf_at_the_cited_page(client: TestClient) -> None:
    html = client.get("/documents/manual?page=2").text
    assert 'src="/api/documents/manual/file#page=2"' in html
    assert 'id="page=2"' in html and "Manual page 2." in html
    assert client.get("/documents/manual?page=0").status_code == 422


def test_the_viewer_shows_indexed_text_of_other_formats_escaped(client: TestClient) -> None:
    html = client.get("/documents/notes").text
    assert 'id="sec-scope-of-the-notes"' in html and "Procurement notes about sensors" in html
    assert "served as a page" not in html


def test_an_unknown_document_page_is_a_404(client: TestClient) -> None:
    response = client.get("/documents/T-NOPE-99")
    assert response.status_code == 404 and "T-NOPE-99" in response.json()["detail"]
