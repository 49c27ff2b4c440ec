"""The document catalogue, derived from the index itself so it can never disagree with what is searchable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.errors import NotFoundError
from assistant.vectorstore import StoredChunk


@dataclass
class DocumentEntry:
    """One indexed document as the library and the source viewer show it."""

    document_id: str
    title: str
    category: str
    doc_type: str
    source_path: str
    file_format: str
    template_id: str | None = None
    summary: str = ""
    last_reviewed: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    pages: int | None = None
    chunks: int = 0
    sections: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def build_catalogue(chunks: list[StoredChunk]) -> list[DocumentEntry]:
    """Group chunks by document, in a stable order (templates first, then guidance, then others)."""
    entries: dict[str, DocumentEntry] = {}
    for chunk in sorted(chunks, key=lambda c: int(c.metadata.get("chunk_index", 0))):
        meta = chunk.metadata
        doc_id = str(meta.get("document_id", ""))
        entry = entries.get(doc_id)
        if entry is None:
            entry = entries[doc_id] = DocumentEntry(
                document_id=doc_id, title=str(meta.get("title", doc_id)),
                category=str(meta.get("category", "other")), doc_type=str(meta.get("doc_type", "document")),
                source_path=str(meta.get("source_path", "")), file_format=str(meta.get("file_format", "")),
                template_id=meta.get("template_id"), summary=str(meta.get("summary", "")),
                last_reviewed=meta.get("last_reviewed"), valid_from=meta.get("valid_from"),
                valid_until=meta.get("valid_until"), pages=meta.get("pages"),
            )
        entry.chunks += 1
        section = str(meta.get("section", ""))
        if section and section not in entry.sections:
            entry.sections.append(section)
    order = {"template": 0, "guidance": 1}
    return sorted(entries.values(), key=lambda e: (order.get(e.doc_type, 2), e.document_id))


def find_document(chunks: list[StoredChunk], document_id: str) -> DocumentEntry:
    """One document by id."""
    for entry in build_catalogue([c for c in chunks if c.metadata.get("document_id") == document_id]):
        return entry
    raise NotFoundError(f"no document with id '{document_id}'")
