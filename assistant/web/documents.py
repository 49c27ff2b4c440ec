"""The knowledge as the official sees it: the documents API, the source files, downloads and the source viewer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from markupsafe import Markup

from assistant.errors import NotFoundError
from assistant.services.catalogue import DocumentEntry, build_catalogue, find_document
from assistant.services.sources import (
    available_downloads,
    document_languages,
    indexed_sections,
    media_type,
    render_markdown,
    source_file,
    template_download,
)
from assistant.web.deps import HelpdeskDep
from assistant.web.pages import LangQuery, render_page

router = APIRouter(tags=["documents"])
DocumentId = Annotated[str, Path(min_length=1, max_length=128, description="Document id, e.g. T-INF-01 or G-03.")]
_NOSNIFF = {"X-Content-Type-Options": "nosniff"}


@router.get("/api/documents")
def list_documents(
    helpdesk: HelpdeskDep,
    doc_type: Annotated[Literal["template", "guidance", "document"] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Every indexed document (templates first), optionally only one type or category."""
    entries = build_catalogue(helpdesk.retriever.chunks())
    return [_public(e, helpdesk.settings.knowledge_dir) for e in entries
            if (doc_type is None or e.doc_type == doc_type) and (category is None or e.category == category)]


@router.get("/api/documents/{document_id}")
def get_document(document_id: DocumentId, helpdesk: HelpdeskDep) -> dict[str, Any]:
    """One document: metadata, sections, and where to read or download it."""
    entry = find_document(helpdesk.retriever.chunks(), document_id)
    return _public(entry, helpdesk.settings.knowledge_dir)


@router.get("/api/documents/{document_id}/file", response_class=FileResponse,
            responses={200: {"description": "The source file (PDF, Markdown, ...)."}, 404: {}})
def document_file(document_id: DocumentId, helpdesk: HelpdeskDep) -> FileResponse:
    """The file the document was indexed from; a PDF opens at `#page=N`."""
    path = source_file(find_document(helpdesk.retriever.chunks(), document_id))
    return FileResponse(path, media_type=media_type(path), filename=path.name, content_disposition_type="inline",
                        headers=_NOSNIFF)


@router.get("/api/documents/{document_id}/download/{file_format}", response_class=FileResponse,
            responses={200: {"description": "The DOCX or PDF edition of a template."}, 404: {}})
def download(document_id: DocumentId, file_format: Literal["docx", "pdf"], helpdesk: HelpdeskDep) -> FileResponse:
    """The editable DOCX or the PDF edition of a template, once `make knowledge` has generated it."""
    entry = find_document(helpdesk.retriever.chunks(), document_id)
    path = template_download(entry, helpdesk.settings.knowledge_dir, file_format)
    return FileResponse(path, media_type=media_type(path), filename=path.name, headers=_NOSNIFF)


@router.get("/documents/{document_id}", response_class=HTMLResponse, include_in_schema=False)
def viewer(request: Request, document_id: DocumentId, helpdesk: HelpdeskDep, lang: LangQuery = None,
           page: Annotated[int | None, Query(ge=1, le=100_000)] = None) -> HTMLResponse:
    """The source viewer: Markdown rendered with section anchors, a PDF at the cited page, else the indexed text."""
    chunks = helpdesk.retriever.chunks()
    entry = find_document(chunks, document_id)
    rendered = None
    if entry.file_format == "markdown":
        try:
            rendered = render_markdown(source_file(entry).read_text(encoding="utf-8", errors="replace"))
        except NotFoundError:
            rendered = None  # the file moved since indexing: the indexed text below is still shown
    return render_page(request, "document.html", {
        "doc": entry, "page": page, "nav": "library",
        "doc_lang": document_languages(chunks).get(entry.document_id),
        "body": Markup(rendered.html) if rendered else None,  # noqa: S704 - markdown-it output, raw HTML disabled
        "headings": [h for h in rendered.headings if h.level <= 3] if rendered else [],
        "sections": [] if rendered else indexed_sections(chunks, entry.document_id),
        "downloads": available_downloads(entry, helpdesk.settings.knowledge_dir),
    }, lang)


def _public(entry: DocumentEntry, knowledge_dir: Any) -> dict[str, Any]:
    data = entry.as_dict()
    data.pop("source_path", None)  # server paths are nobody's business
    base = f"/api/documents/{entry.document_id}"
    data["urls"] = {
        "viewer": f"/documents/{entry.document_id}",
        "file": f"{base}/file",
        "downloads": {fmt: f"{base}/download/{fmt}" for fmt in available_downloads(entry, knowledge_dir)},
    }
    return data
