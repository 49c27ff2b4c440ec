"""The Word edition of a template: real heading styles, lists and tables, `{{fields}}` highlighted in yellow."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import _Row
from docx.text.paragraph import Paragraph as WordParagraph
from docx.text.run import Run

from knowledge.template_source import Block, Heading, ListItem, Paragraph, Spans, Table, TemplateSource

AUTHOR = "Procurement helpdesk for smart communities"
GENERATOR = "knowledge.build"
NOTICE = "Guidance, not legal advice."
_BULLET_STYLES = ("List Bullet", "List Bullet 2", "List Bullet 3")
_NUMBER_STYLES = ("List Number", "List Number 2", "List Number 3")


def write_docx(template: TemplateSource, path: Path) -> None:
    """Write the DOCX edition; the bytes depend only on the template (no clock, no random ids)."""
    document = Document()
    _set_properties(document, template)
    _add_title_page(document, template)
    for block in template.blocks:
        _add_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(normalise_zip(buffer.getvalue(), template.reviewed_on))


def normalise_zip(data: bytes, day: dt.date) -> bytes:
    """Rewrite a zip with sorted entries, one fixed date and fixed attributes, so equal content gives equal bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = sorted((info.filename, source.read(info)) for info in source.infolist())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _set_properties(document: WordDocument, template: TemplateSource) -> None:
    meta = template.meta
    stamp = dt.datetime.combine(template.reviewed_on, dt.time(0, 0))
    props = document.core_properties
    props.title = _core_text(template.title)
    props.subject = f"Tender documentation template {template.template_id}"
    props.comments = _core_text(str(meta.get("summary", "")))
    props.keywords = _core_text(", ".join(str(topic) for topic in meta.get("topics", [])))
    props.category = str(meta.get("category", ""))
    props.identifier = template.template_id
    props.version = str(meta.get("version", ""))
    props.language = str(meta.get("language", "en"))
    props.content_status = NOTICE
    props.author = AUTHOR
    props.last_modified_by = GENERATOR
    props.revision = 1
    props.created = props.modified = props.last_printed = stamp


def _core_text(text: str, limit: int = 255) -> str:
    """Document properties hold at most 255 characters: cut at a word boundary and mark the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0] + "..."


def _add_title_page(document: WordDocument, template: TemplateSource) -> None:
    meta = template.meta
    document.add_paragraph(template.title, style="Title")
    document.add_paragraph(f"Tender documentation template {template.template_id}", style="Subtitle")
    for label, value in (("Template", template.template_id), ("Category", meta.get("category")),
                         ("Version", meta.get("version")), ("Last reviewed", meta.get("last_reviewed")),
                         ("Review by", meta.get("review_by"))):
        line = document.add_paragraph()
        line.add_run(f"{label}: ").bold = True
        line.add_run(str(value or ""))
    document.add_paragraph(str(meta.get("summary", "")))
    notice = document.add_paragraph()
    notice.add_run(f"{NOTICE} ").bold = True
    notice.add_run(f"Last reviewed: {meta['last_reviewed']}. Check every figure against the cited acts and your "
                   "national law, and have your legal service review the final documents before publication.")
    _add_fields_table(document, template)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _add_fields_table(document: WordDocument, template: TemplateSource) -> None:
    fields = [f for f in template.meta.get("placeholders", []) if isinstance(f, dict) and f.get("name")]
    intro = document.add_paragraph("Fields to complete are written ")
    _highlight(intro.add_run("{{like_this}}"))
    intro.add_run(" and highlighted in yellow throughout the document." + (" They are:" if fields else ""))
    if not fields:
        return
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Field", "What to fill in"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    _repeat_header(table.rows[0])
    for field in fields:
        name_cell, label_cell = table.add_row().cells
        _highlight(name_cell.paragraphs[0].add_run(f"{{{{{field['name']}}}}}"))
        label_cell.paragraphs[0].add_run(str(field.get("label", "")))


def _add_block(document: WordDocument, block: Block) -> None:
    if isinstance(block, Heading):
        _add_spans(document.add_paragraph(style=f"Heading {min(block.level - 1, 9)}"), block.spans)
    elif isinstance(block, Paragraph):
        _add_spans(document.add_paragraph(), block.spans)
    elif isinstance(block, ListItem):
        styles = _NUMBER_STYLES if block.ordered else _BULLET_STYLES
        _add_spans(document.add_paragraph(style=styles[min(block.depth, len(styles) - 1)]), block.spans)
    elif isinstance(block, Table):
        _add_table(document, block)


def _add_table(document: WordDocument, block: Table) -> None:
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    for row_index, cells in enumerate((block.header, *block.rows)):
        row = table.rows[row_index]
        for cell, spans in zip(row.cells, cells, strict=False):
            _add_spans(cell.paragraphs[0], spans, bold=row_index == 0)
    _repeat_header(table.rows[0])
    document.add_paragraph()


def _add_spans(paragraph: WordParagraph, spans: Spans, bold: bool = False) -> None:
    for span in spans:
        run = paragraph.add_run(span.text)
        run.bold = span.bold or bold or None
        run.italic = span.italic or None
        if span.code:
            run.font.name = "Courier New"
        if span.placeholder:
            _highlight(run)


def _highlight(run: Run) -> None:
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _repeat_header(row: _Row) -> None:
    """Mark a table's first row as a header row that Word repeats on every page."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)
