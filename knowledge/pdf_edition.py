"""The PDF edition of a template: same structure as the DOCX, page numbers, `{{fields}}` on a yellow ground."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF, FontFace

from knowledge.template_source import (
    Block,
    Heading,
    ListItem,
    Paragraph,
    Span,
    Spans,
    Table,
    TemplateSource,
    plain_text,
)

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian package fonts-dejavu-core
_DEJAVU_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf",
                 "BI": "DejaVuSans-BoldOblique.ttf"}
_LATIN1_SUBSTITUTES = str.maketrans({"\u2264": "<=", "\u2265": ">=", "\u2013": "-", "\u2014": "-", "\u2018": "'",
                                     "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2022": "-", "\u20ac": "EUR",
                                     "\u2026": "...", "\u00a0": " ", "\u2192": "->"})
YELLOW = (255, 240, 0)
GREY = (235, 235, 235)
PAGES_ALIAS = "{total-pages}"
_HEADING_SIZES = {2: 14.0, 3: 11.5}
_BODY_SIZE = 10.0
_LINE = 5.0


@dataclass(frozen=True)
class PdfFont:
    """The font the PDF edition embeds: DejaVu Sans (any script) or the core Helvetica (latin-1 only)."""

    family: str
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def unicode(self) -> bool:
        return bool(self.files)

    def clean(self, text: str) -> str:
        """Text the font can show: unchanged for DejaVu, latin-1 with look-alike substitutes for Helvetica."""
        if self.unicode:
            return text
        return text.translate(_LATIN1_SUBSTITUTES).encode("latin-1", "replace").decode("latin-1")

    @property
    def bullet(self) -> str:
        return "\u2022" if self.unicode else "-"


def pick_font(font_dir: Path | None = DEJAVU_DIR) -> PdfFont:
    """DejaVu Sans when all four faces are installed, else the core Helvetica; both give reproducible output."""
    if font_dir is not None:
        files = {style: font_dir / name for style, name in _DEJAVU_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return PdfFont("DejaVuSans", files)
    return PdfFont("helvetica")


class _TemplatePdf(FPDF):
    def __init__(self, template: TemplateSource, font: PdfFont) -> None:
        super().__init__(format="A4")
        self.template = template
        self.edition_font = font
        for style, path in font.files.items():
            self.add_font(font.family, style, str(path))
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(20, 18, 20)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.edition_font.family, "", 8)
        self.set_text_color(90)
        label = f"{self.template.template_id} - Guidance, not legal advice - page {self.page_no()} of {PAGES_ALIAS}"
        self.cell(0, 6, label, align="C")
        self.set_text_color(0)


def write_pdf(template: TemplateSource, path: Path, font: PdfFont) -> None:
    """Write the PDF edition; creation date is the last-reviewed date and the file id a hash of the content."""
    pdf = _TemplatePdf(template, font)
    _set_properties(pdf, template)
    _add_title_page(pdf, template)
    pdf.add_page()
    for block in template.blocks:
        _add_block(pdf, block)
    pdf.output(str(path))


def _set_properties(pdf: _TemplatePdf, template: TemplateSource) -> None:
    meta, clean = template.meta, pdf.edition_font.clean
    pdf.set_title(clean(template.title))
    pdf.set_subject(clean(f"Tender documentation template {template.template_id}"))
    pdf.set_author("Procurement helpdesk for smart communities")
    pdf.set_keywords(clean(", ".join(str(topic) for topic in meta.get("topics", []))))
    pdf.set_creator("knowledge.build")
    pdf.set_producer("knowledge.build (fpdf2)")
    pdf.set_lang(str(meta.get("language", "en")))
    pdf.set_creation_date(dt.datetime.combine(template.reviewed_on, dt.time(0, 0), tzinfo=dt.UTC))


def _add_title_page(pdf: _TemplatePdf, template: TemplateSource) -> None:
    meta, clean, family = template.meta, pdf.edition_font.clean, pdf.edition_font.family
    pdf.add_page()
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(0, 9, clean(template.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 13)
    pdf.multi_cell(0, 8, f"Tender documentation template {template.template_id}", align="L", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(4)
    for label, value in (("Template", template.template_id), ("Category", meta.get("category")),
                         ("Version", meta.get("version")), ("Last reviewed", meta.get("last_reviewed")),
                         ("Review by", meta.get("review_by"))):
        _write_spans(pdf, (Span(f"{label}: ", bold=True), Span(str(value or ""))))
    _write_spans(pdf, (Span(str(meta.get("summary", ""))),))
    _write_spans(pdf, (Span("Guidance, not legal advice. ", bold=True),
                       Span(f"Last reviewed: {meta['last_reviewed']}. Check every figure against the cited acts and "
                            "your national law, and have your legal service review the final documents before "
                            "publication.")))
    fields = [f for f in meta.get("placeholders", []) if isinstance(f, dict) and f.get("name")]
    ending = " and shown on a yellow ground throughout the document." + (" They are:" if fields else "")
    _write_spans(pdf, (Span("Fields to complete are written "), Span("{{like_this}}", placeholder=True), Span(ending)))
    if fields:
        rows = tuple(((Span(f"{{{{{f['name']}}}}}", placeholder=True),), (Span(str(f.get("label", ""))),))
                     for f in fields)
        _add_table(pdf, Table(header=((Span("Field"),), (Span("What to fill in"),)), rows=rows))


def _add_block(pdf: _TemplatePdf, block: Block) -> None:
    if isinstance(block, Heading):
        size = _HEADING_SIZES.get(block.level, _BODY_SIZE + 0.5)
        if pdf.will_page_break(size + 4 * _LINE):  # keep a heading with the first lines of its text
            pdf.add_page()
        pdf.ln(3 if block.level <= 2 else 1.5)
        _write_spans(pdf, tuple(Span(s.text, True, s.italic, s.code, s.placeholder) for s in block.spans), size)
    elif isinstance(block, Paragraph):
        _write_spans(pdf, block.spans)
    elif isinstance(block, ListItem):
        _write_list_item(pdf, block)
    elif isinstance(block, Table):
        _add_table(pdf, block)


def _write_list_item(pdf: _TemplatePdf, item: ListItem) -> None:
    indent = 5.0 * (item.depth + 1)
    left = pdf.l_margin
    pdf.set_x(left + indent - 4)
    pdf.set_font(pdf.edition_font.family, "", _BODY_SIZE)
    pdf.cell(4, _LINE, pdf.edition_font.bullet)
    pdf.set_left_margin(left + indent)
    _write_spans(pdf, item.spans, gap=1.0)
    pdf.set_left_margin(left)
    pdf.set_x(left)


def _write_spans(pdf: _TemplatePdf, spans: Spans, size: float = _BODY_SIZE, gap: float = 2.5) -> None:
    """Flow styled text; a placeholder is a filled cell, moved to the next line when it does not fit."""
    line = _LINE * size / _BODY_SIZE
    margin, pdf.c_margin = pdf.c_margin, 0  # write() pads each fragment with c_margin; text flows without it
    for span in spans:
        style = ("B" if span.bold else "") + ("I" if span.italic else "")
        pdf.set_font(pdf.edition_font.family, style, size)
        text = pdf.edition_font.clean(span.text)
        if span.placeholder:
            _write_placeholder(pdf, text, line)
        else:
            pdf.write(line, text)
    pdf.c_margin = margin
    pdf.ln(line + gap)


def _write_placeholder(pdf: _TemplatePdf, text: str, line: float) -> None:
    width = pdf.get_string_width(text)
    if pdf.get_x() + width > pdf.w - pdf.r_margin:
        pdf.ln(line)
    pdf.set_fill_color(*YELLOW)
    pdf.cell(width, line, text, fill=True)
    pdf.set_fill_color(255)


def _add_table(pdf: _TemplatePdf, block: Table) -> None:
    pdf.set_font(pdf.edition_font.family, "", 9)
    widths = _column_widths(block)
    heading = FontFace(emphasis="BOLD", fill_color=GREY)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5, headings_style=heading,
                   first_row_as_headings=True) as table:
        for cells in (block.header, *block.rows):
            row = table.row()
            for spans in cells:
                row.cell(pdf.edition_font.clean(plain_text(spans)), style=_cell_style(spans))
    pdf.ln(3)


def _cell_style(spans: Spans) -> FontFace | None:
    if any(span.placeholder for span in spans):
        return FontFace(fill_color=YELLOW)
    if spans and all(span.bold for span in spans):
        return FontFace(emphasis="BOLD")
    return None


def _column_widths(block: Table) -> tuple[int, ...]:
    """Relative widths from each column's longest text and longest word, so neither is squeezed."""
    widths = []
    for column in range(len(block.header)):
        texts = [plain_text(row[column]) for row in (block.header, *block.rows) if column < len(row)]
        longest_text = max((len(text) for text in texts), default=0)
        longest_word = max((len(word) for text in texts for word in text.split()), default=0)
        widths.append(max(12, min(60, longest_text), round(longest_word * 1.45)))
    return tuple(widths)
