"""What a loader produces and what the index stores: documents, sections and knowledge chunks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    """A run of text under one heading (and, for PDFs, on one page)."""

    text: str
    section_path: str = ""
    page: int | None = None


@dataclass
class LoadedDocument:
    """A file read into sections, with its metadata (front matter, title, format)."""

    document_id: str
    title: str
    source_path: str
    file_format: str
    content_hash: str
    sections: list[Section]
    metadata: dict[str, Any] = field(default_factory=dict)
    pages: int | None = None

    @property
    def word_count(self) -> int:
        """Words in the document's text."""
        return sum(len(section.text.split()) for section in self.sections)


@dataclass
class KnowledgeChunk:
    """One citable passage: its text, where it comes from and how to find it again."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]

    @property
    def embedding_text(self) -> str:
        """Text given to the embedder: title and section path give the passage its context."""
        meta = self.metadata
        return "\n".join(part for part in (meta.get("title", ""), meta.get("section", ""), self.text) if part)


def sha256_hex(data: bytes | str) -> str:
    """Content hash used to detect changes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def slugify(value: str) -> str:
    """Lowercase id made of letters, digits and dashes."""
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", value).strip("-").lower()
    return slug or "document"
