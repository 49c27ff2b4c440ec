"""Source files of indexed documents: which file may be served, and the Markdown rendered for the source viewer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.errors import NotFoundError
from assistant.services.catalogue import DocumentEntry
from assistant.services.citations import section_anchor
from assistant.vectorstore import StoredChunk
from ingest.loaders import parse_front_matter

DOWNLOAD_FORMATS = ("docx", "pdf")
MEDIA_TYPES = {
    ".md": "text/markdown; charset=utf-8",
    ".markdown": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/plain; charset=utf-8",  # never rendered as a page of this site
    ".htm": "text/plain; charset=utf-8",
}
_SAFE_TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass
class Heading:
    """A heading of a rendered source, with the anchor that citations point to."""

    level: int
    text: str
    anchor: str


@dataclass
class RenderedSource:
    """A Markdown source as HTML (raw HTML in the source disabled) and its table of contents."""

    html: str
    headings: list[Heading] = field(default_factory=list)


@dataclass
class IndexedSection:
    """The indexed text of one section or PDF page, for documents the viewer cannot render from source."""

    key: str
    heading: str
    anchor: str
    page: int | None
    texts: list[str]


def source_file(entry: DocumentEntry) -> Path:
    """The file a document was indexed from: only ever a path recorded in the index, never one from a request."""
    if not entry.source_path:
        raise NotFoundError(f"document '{entry.document_id}' has no source file")
    path = Path(entry.source_path)
    path = path if path.is_absolute() else Path.cwd() / path
    if not path.is_file():
        raise NotFoundError(f"the source file of document '{entry.document_id}' is no longer available")
    return path


def media_type(path: Path) -> str:
    """Content type a source file is served with (HTML only ever as plain text)."""
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def template_download(entry: DocumentEntry, knowledge_dir: Path, file_format: str) -> Path:
    """The generated DOCX or PDF edition of a template, when it has been built."""
    if file_format not in DOWNLOAD_FORMATS:
        raise NotFoundError(f"no '{file_format}' edition: choose one of {', '.join(DOWNLOAD_FORMATS)}")
    template_id = (entry.template_id or "").lower()
    if entry.doc_type != "template" or not _SAFE_TEMPLATE_ID.match(template_id):
        raise NotFoundError(f"document '{entry.document_id}' is not a template and has no downloads")
    path = knowledge_dir / "downloads" / f"{template_id}.{file_format}"
    if not path.is_file():
        raise NotFoundError(
            f"the {file_format.upper()} edition of {entry.template_id} has not been generated yet "
            "(run `make knowledge`)"
        )
    return path


def available_downloads(entry: DocumentEntry, knowledge_dir: Path) -> list[str]:
    """The download formats present for a template (empty for other documents)."""
    found = []
    for file_format in DOWNLOAD_FORMATS:
        try:
            template_download(entry, knowledge_dir, file_format)
        except NotFoundError:
            continue
        found.append(file_format)
    return found


def render_markdown(text: str) -> RenderedSource:
    """HTML of a Markdown source without its front matter and title; headings carry the ids citations link to."""
    _, body = parse_front_matter(text)
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    tokens = _without_title(parser.parse(body))
    headings: list[Heading] = []
    used: set[str] = set()
    for position, token in enumerate(tokens):
        if token.type != "heading_open" or position + 1 >= len(tokens):
            continue
        title = tokens[position + 1].content.strip()
        anchor = _unique(section_anchor(title) or "sec", used)
        token.attrSet("id", anchor)
        headings.append(Heading(level=int(token.tag[1]), text=title, anchor=anchor))
    return RenderedSource(html=parser.renderer.render(tokens, parser.options, {}), headings=headings)


def indexed_sections(chunks: list[StoredChunk], document_id: str) -> list[IndexedSection]:
    """The indexed text of a document grouped by section (or PDF page), in reading order."""
    own = sorted((c for c in chunks if c.metadata.get("document_id") == document_id),
                 key=lambda c: int(c.metadata.get("chunk_index", 0)))
    sections: list[IndexedSection] = []
    used: set[str] = set()
    for chunk in own:
        section = str(chunk.metadata.get("section", ""))
        page = chunk.metadata.get("page")
        key = f"page={int(page)}" if page else section
        if sections and sections[-1].key == key:
            sections[-1].texts.append(chunk.text)
            continue
        anchor = f"page={int(page)}" if page else (section_anchor(section) or "sec")
        heading = section.split(" > ")[-1] if section else ""
        sections.append(IndexedSection(key, heading, _unique(anchor, used), int(page) if page else None,
                                       [chunk.text]))
    return sections


def document_languages(chunks: list[StoredChunk]) -> dict[str, str]:
    """The language each document is written in, where its metadata says (for lang attributes)."""
    return {str(c.metadata["document_id"]): str(c.metadata["language"]) for c in chunks
            if c.metadata.get("document_id") and c.metadata.get("language")}


def _without_title(tokens: list[Token]) -> list[Token]:
    """Drop the first level-1 heading: the page shows the document title itself."""
    for position, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[:position] + tokens[position + 3:]
    return tokens


def _unique(anchor: str, used: set[str]) -> str:
    candidate, number = anchor, 2
    while candidate in used:
        candidate, number = f"{anchor}-{number}", number + 1
    used.add(candidate)
    return candidate
