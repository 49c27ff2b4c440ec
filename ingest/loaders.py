"""Readers for PDF, DOCX, Markdown, HTML and plain text: each returns a LoadedDocument or raises DocumentLoadError."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import DocumentLoadError
from ingest.documents import LoadedDocument, Section, sha256_hex, slugify
from ingest.structure import HeadingTracker, numbered_heading_level

SUPPORTED = {".pdf": "pdf", ".docx": "docx", ".md": "markdown", ".markdown": "markdown",
             ".html": "html", ".htm": "html", ".txt": "text"}
LOADER_VERSION = "1"  # bump to force re-embedding when loaders change what they extract
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def load_document(path: Path, source_path: str, max_bytes: int) -> LoadedDocument:
    """Read one file into a document; every failure becomes a DocumentLoadError with a clear reason."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise DocumentLoadError(f"unsupported file type '{path.suffix or path.name}'")
    size = path.stat().st_size
    if size == 0:
        raise DocumentLoadError("empty file")
    if size > max_bytes:
        raise DocumentLoadError(f"file too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)")
    raw = path.read_bytes()
    loader: Callable[[Path, bytes], tuple[str, list[Section], dict[str, Any], int | None]] = _LOADERS[kind]
    title, sections, metadata, pages = loader(path, raw)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise DocumentLoadError("no extractable text (empty, or scanned images without a text layer)")
    document_id = str(metadata.pop("id", "") or slugify(path.stem))
    return LoadedDocument(
        document_id=document_id,
        title=str(metadata.pop("title", "") or title or path.stem),
        source_path=source_path,
        file_format=kind,
        content_hash=sha256_hex(raw + LOADER_VERSION.encode()),
        sections=sections,
        metadata=metadata,
        pages=pages,
    )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentLoadError(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc


def _load_text(path: Path, raw: bytes) -> tuple[str, list[Section], dict[str, Any], int | None]:
    text = _decode(raw)
    return path.stem, [Section(text=text.strip())], {}, None


def parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from a Markdown body; dates become ISO strings."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid YAML front matter: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentLoadError("front matter must be a mapping")
    clean = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
    return clean, text[match.end():]


def _load_markdown(path: Path, raw: bytes) -> tuple[str, list[Section], dict[str, Any], int | None]:
    meta, body = parse_front_matter(_decode(raw))
    tracker = HeadingTracker()
    sections: list[Section] = []
    lines: list[str] = []
    title = ""
    in_fence = False

    def flush() -> None:
        if "\n".join(lines).strip():
            sections.append(Section(text="\n".join(lines).strip(), section_path=tracker.path))
        lines.clear()

    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        heading = None if in_fence else _MD_HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title:
            flush()
            title = heading.group(2).strip()
            continue
        if heading:
            flush()
            tracker.enter(len(heading.group(1)), heading.group(2).strip())
            continue
        lines.append(line)
    flush()
    return title, sections, meta, None


def _load_pdf(path: Path, raw: bytes) -> tuple[str, list[Section], dict[str, Any], int | None]:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentLoadError("encrypted PDF (password protected)")
        page_texts = [page.extract_text() or "" for page in reader.pages]
    except DocumentLoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentLoadError(f"corrupt or unreadable PDF: {exc}") from exc
    if not page_texts:
        raise DocumentLoadError("PDF has no pages")
    tracker = HeadingTracker()
    sections: list[Section] = []
    for number, text in enumerate(page_texts, start=1):
        lines: list[str] = []
        for line in _clean_pdf_text(text).splitlines():
            level = numbered_heading_level(line)
            if level:
                if lines:
                    sections.append(Section("\n".join(lines), tracker.path, number))
                    lines = []
                tracker.enter(level, line.strip())
            lines.append(line)
        if lines:
            sections.append(Section("\n".join(lines), tracker.path, number))
    title = ""
    info = reader.metadata
    if info and info.title:
        title = str(info.title)
    if not title:
        title = next((ln.strip() for ln in _clean_pdf_text(page_texts[0]).splitlines() if ln.strip()), path.stem)
    return title[:200], sections, {}, len(page_texts)


def _clean_pdf_text(text: str) -> str:
    """Replace form-field glyphs and join the checkbox lines PDF extraction splits."""
    text = text.replace("\u20de", "\u2610").replace("\u25ef", "\u25cb")
    text = re.sub(r"([\u2610\u25cb])\s*\n\s*", r"\1 ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _load_docx(path: Path, raw: bytes) -> tuple[str, list[Section], dict[str, Any], int | None]:
    from io import BytesIO
    from zipfile import BadZipFile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(BytesIO(raw))
    except (BadZipFile, KeyError, ValueError) as exc:
        raise DocumentLoadError(f"broken DOCX: {exc}") from exc
    tracker = HeadingTracker()
    sections: list[Section] = []
    lines: list[str] = []
    title = (document.core_properties.title or "").strip()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(" | ".join(cell.text.strip() for cell in row.cells) for row in block.rows)
            lines.append("")
            continue
        assert isinstance(block, Paragraph)
        style = (block.style.name if block.style is not None else "") or ""
        text = block.text.strip()
        level = _docx_heading_level(style)
        if level and text:
            if style == "Title" and not title:
                title = text
                continue
            if lines:
                sections.append(Section("\n".join(lines).strip(), tracker.path))
                lines = []
            tracker.enter(level, text)
        elif text:
            lines.append(text)
    if lines:
        sections.append(Section("\n".join(lines).strip(), tracker.path))
    return title, sections, {}, None


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) if match else 0


def _load_html(path: Path, raw: bytes) -> tuple[str, list[Section], dict[str, Any], int | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(raw), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    tracker = HeadingTracker()
    sections: list[Section] = []
    lines: list[str] = []
    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "blockquote", "dd", "dt"]
    for element in soup.find_all(blocks):
        if element.name not in ("tr",) and element.find(blocks):
            continue  # a container: its children are visited on their own
        if element.name[0] == "h" and element.name[1:].isdigit():
            if lines:
                sections.append(Section("\n".join(lines), tracker.path))
                lines = []
            tracker.enter(int(element.name[1]), element.get_text(" ", strip=True))
        elif element.name == "tr":
            lines.append(" | ".join(c.get_text(" ", strip=True) for c in element.find_all(["td", "th"])))
        else:
            lines.append(element.get_text(" ", strip=True))
    if lines:
        sections.append(Section("\n".join(lines), tracker.path))
    return title, sections, {}, None


_LOADERS = {"pdf": _load_pdf, "docx": _load_docx, "markdown": _load_markdown, "html": _load_html, "text": _load_text}
