"""`make knowledge`: the DOCX and PDF editions are complete, faithful to the Markdown and reproducible byte for byte."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from pypdf import PdfReader

from assistant.errors import DocumentLoadError
from knowledge.build import build_editions, main, template_paths
from knowledge.docx_edition import normalise_zip
from knowledge.pdf_edition import pick_font
from knowledge.template_source import (
    Block,
    Heading,
    ListItem,
    Paragraph,
    Span,
    Table,
    TemplateSource,
    parse_blocks,
    plain_text,
    read_template,
)

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
DOWNLOADS = KNOWLEDGE / "downloads"
TEMPLATE_IDS = [f"T-{kind}-{n:02d}" for kind in ("INF", "PLA", "APP") for n in range(1, 6)]
PLACEHOLDER = re.compile(r"\{\{[a-z0-9_]+\}\}")

SAMPLE = """---
id: T-TST-01
title: "Sample template ≥ one"
doc_type: template
last_reviewed: 2026-11-23
review_by: 2027-11-23
placeholders:
  - {name: authority_name, label: "Contracting authority"}
---

# Sample template

*Guidance, not legal advice. Last reviewed: 2026-11-23.*

## 1 Object and scope

### 1.1 Purpose
{{authority_name}} buys **sensors** and *gateways*; see [the guide](https://example.org) and `code`.

- first item with {{authority_name}}
  - nested item
- second item ≥ 2

| KPI | Target |
|---|---|
| Availability | {{availability_target}} % |
| **Total** | |
"""


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The editions built now from the Markdown, with the same font choice as `make knowledge`."""
    out = tmp_path_factory.mktemp("downloads")
    build_editions(KNOWLEDGE, out, pick_font())
    return out


@pytest.fixture
def sample_knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge" / "templates" / "testing"
    folder.mkdir(parents=True)
    (folder / "t-tst-01-sample.md").write_text(SAMPLE, encoding="utf-8")
    return tmp_path / "knowledge"


def _stem(template_id: str) -> str:
    return template_id.lower()


def _source(template_id: str) -> TemplateSource:
    for path in template_paths(KNOWLEDGE):
        template = read_template(path)
        if template.template_id == template_id:
            return template
    pytest.fail(f"template {template_id} is missing from knowledge/templates")


def test_downloads_hold_exactly_the_editions_of_the_templates(fresh_build: Path) -> None:
    expected = {f"{_stem(t)}{suffix}" for t in TEMPLATE_IDS for suffix in (".docx", ".pdf")}
    assert {p.name for p in fresh_build.iterdir()} == expected
    assert {p.name for p in DOWNLOADS.iterdir()} == expected, "run `make knowledge` and commit knowledge/downloads"


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_make_knowledge_reproduces_the_committed_docx(fresh_build: Path, template_id: str) -> None:
    name = f"{_stem(template_id)}.docx"
    assert (DOWNLOADS / name).is_file(), f"{name} is not committed; run `make knowledge`"
    assert (fresh_build / name).read_bytes() == (DOWNLOADS / name).read_bytes(), f"{name} is stale; run make knowledge"


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_make_knowledge_reproduces_the_committed_pdf(fresh_build: Path, template_id: str) -> None:
    if not pick_font().unicode:
        pytest.skip("fonts-dejavu-core is not installed; the committed PDFs embed DejaVu Sans")
    name = f"{_stem(template_id)}.pdf"
    assert (DOWNLOADS / name).is_file(), f"{name} is not committed; run `make knowledge`"
    assert (fresh_build / name).read_bytes() == (DOWNLOADS / name).read_bytes(), f"{name} is stale; run make knowledge"


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_docx_has_every_heading_as_a_word_heading_and_highlights_placeholders(fresh_build: Path,
                                                                             template_id: str) -> None:
    template = _source(template_id)
    document = Document(str(fresh_build / f"{_stem(template_id)}.docx"))
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    headings = [(style, text) for style, text in styled if style.startswith("Heading")]
    expected = [(f"Heading {b.level - 1}", plain_text(b.spans)) for b in template.blocks if isinstance(b, Heading)]
    assert headings == expected
    assert styled[0] == ("Title", template.title)
    runs = [run for p in document.paragraphs for run in p.runs]
    runs += [run for table in document.tables for cell in table._cells for p in cell.paragraphs for run in p.runs]
    placeholder_runs = [run for run in runs if PLACEHOLDER.search(run.text)]
    assert all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW for run in placeholder_runs)
    in_docx = {run.text for run in placeholder_runs}
    in_markdown = {s.text for b in template.blocks for s in _spans_of(b) if s.placeholder}
    assert in_markdown and in_markdown <= in_docx
    assert len(document.tables) == 1 + sum(isinstance(b, Table) for b in template.blocks)
    assert document.core_properties.identifier == template_id


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_pdf_has_the_title_and_several_pages(fresh_build: Path, template_id: str) -> None:
    template = _source(template_id)
    reader = PdfReader(str(fresh_build / f"{_stem(template_id)}.pdf"))
    assert len(reader.pages) >= 2
    first_page = " ".join(reader.pages[0].extract_text().split())
    assert pick_font().clean(template.title) in first_page
    assert "Guidance, not legal advice." in first_page
    assert reader.metadata is not None and reader.metadata.title == pick_font().clean(template.title)
    created = reader.metadata.creation_date
    assert created is not None and created.date() == template.reviewed_on
    body = " ".join(" ".join(page.extract_text().split()) for page in reader.pages[1:])
    assert "10 Checklist before publication" in body and f"page 2 of {len(reader.pages)}" in body


def _spans_of(block: Block) -> list[Span]:
    if isinstance(block, Table):
        return [span for row in (block.header, *block.rows) for cell in row for span in cell]
    return list(block.spans)


def test_markdown_becomes_styled_blocks() -> None:
    blocks = parse_blocks(SAMPLE.split("---\n", 2)[2])
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Heading", "Heading", "Paragraph", "ListItem",
                                                  "ListItem", "ListItem", "Table"]
    purpose = blocks[3]
    assert isinstance(purpose, Paragraph)
    assert plain_text(purpose.spans) == ("{{authority_name}} buys sensors and gateways; see the guide "
                                         "(https://example.org) and code.")
    styled = {(s.text, s.bold, s.italic, s.code, s.placeholder) for s in purpose.spans}
    assert {("{{authority_name}}", False, False, False, True), ("sensors", True, False, False, False),
            ("gateways", False, True, False, False), ("code", False, False, True, False)} <= styled
    assert [(b.depth, plain_text(b.spans)) for b in blocks if isinstance(b, ListItem)] == [
        (0, "first item with {{authority_name}}"), (1, "nested item"), (0, "second item ≥ 2")]
    table = blocks[-1]
    assert isinstance(table, Table) and [plain_text(c) for c in table.header] == ["KPI", "Target"]
    assert table.rows[1][0][0].bold and table.rows[0][1][0].placeholder


@pytest.mark.parametrize("font_dir", [None, "dejavu"], ids=["helvetica", "dejavu"])
def test_build_is_byte_identical_on_every_run(sample_knowledge: Path, tmp_path: Path, font_dir: str | None) -> None:
    font = pick_font(None) if font_dir is None else pick_font()
    first = build_editions(sample_knowledge, tmp_path / "first", font)
    second = build_editions(sample_knowledge, tmp_path / "second", font)
    assert [p.name for p in first] == ["t-tst-01.docx", "t-tst-01.pdf"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    text = " ".join(page.extract_text() for page in PdfReader(str(first[1])).pages)
    assert ("Sample template ≥ one" if font.unicode else "Sample template >= one") in " ".join(text.split())


def test_docx_timestamps_are_the_review_date(sample_knowledge: Path, tmp_path: Path) -> None:
    docx_path = build_editions(sample_knowledge, tmp_path, pick_font(None))[0]
    with zipfile.ZipFile(docx_path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(2026, 11, 23, 0, 0, 0)}
    props = Document(str(docx_path)).core_properties
    stamp = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    assert props.created == props.modified == props.last_printed == stamp


def test_normalise_zip_ignores_entry_order_and_dates() -> None:
    def archive(order: list[str], when: tuple[int, int, int, int, int, int]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for name in order:
                zf.writestr(zipfile.ZipInfo(name, date_time=when), f"content of {name}")
        return buffer.getvalue()

    day = dt.date(2026, 11, 23)
    assert (normalise_zip(archive(["b.xml", "a.xml"], (2020, 1, 1, 1, 2, 4)), day)
            == normalise_zip(archive(["a.xml", "b.xml"], (2024, 5, 6, 7, 8, 10)), day))


def test_build_removes_editions_of_deleted_templates(sample_knowledge: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "t-old-01.pdf").write_bytes(b"stale")
    (out / "notes.txt").write_text("kept")
    build_editions(sample_knowledge, out, pick_font(None))
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "t-tst-01.docx", "t-tst-01.pdf"]


def test_duplicate_template_ids_are_refused(sample_knowledge: Path, tmp_path: Path) -> None:
    (sample_knowledge / "templates" / "testing" / "t-tst-01-copy.md").write_text(SAMPLE, encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="T-TST-01"):
        build_editions(sample_knowledge, tmp_path / "out", pick_font(None))


def test_cli_reports_files_and_fails_clearly_on_a_bad_template(sample_knowledge: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--knowledge-dir", str(sample_knowledge), "--out", str(tmp_path / "ok")]) == 0
    assert "2 files" in capsys.readouterr().out
    (sample_knowledge / "templates" / "testing" / "t-tst-02-bad.md").write_text(
        SAMPLE.replace("T-TST-01", "T-TST-02").replace("last_reviewed: 2026-11-23", "last_reviewed: soon"))
    assert main(["--knowledge-dir", str(sample_knowledge), "--out", str(tmp_path / "bad")]) == 1
    assert "last_reviewed is not a date" in capsys.readouterr().err
