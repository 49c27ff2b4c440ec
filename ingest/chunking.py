"""Structure-aware chunking: sections first, then paragraphs and tables packed to size, tables split by rows."""

from __future__ import annotations

import re
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.documents import KnowledgeChunk, LoadedDocument, Section, sha256_hex

_METADATA_KEYS = ("category", "template_id", "doc_type", "language", "last_reviewed", "review_by",
                  "valid_from", "valid_until", "version", "summary", "source_type")


def chunk_document(doc: LoadedDocument, chunk_size: int, overlap: int) -> list[KnowledgeChunk]:
    """Cut a document into citable chunks that never cross a section and keep table rows whole."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=overlap, separators=["\n\n", "\n", ". ", " ", ""]
    )
    base = _base_metadata(doc)
    chunks: list[KnowledgeChunk] = []
    for section in doc.sections:
        for text in _pack_section(section, chunk_size, splitter):
            index = len(chunks)
            metadata = dict(base, section=section.section_path, chunk_index=index,
                            content_hash=sha256_hex(text))
            if section.page is not None:
                metadata["page"] = section.page
            chunk_id = f"{doc.document_id}:{index}:{metadata['content_hash'][:10]}"
            chunks.append(KnowledgeChunk(chunk_id=chunk_id, text=text, metadata=metadata))
    return chunks


def _base_metadata(doc: LoadedDocument) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "document_id": doc.document_id,
        "title": doc.title,
        "source_path": doc.source_path,
        "file_format": doc.file_format,
        "doc_hash": doc.content_hash,
        "source_type": "knowledge" if doc.metadata.get("doc_type") else "document",
    }
    for key in _METADATA_KEYS:
        value = doc.metadata.get(key)
        if value not in (None, "", []):
            meta[key] = str(value)
    for key in ("legal_references", "topics"):
        value = doc.metadata.get(key)
        if isinstance(value, list) and value:
            meta[key] = "; ".join(str(v) for v in value)
    boost = doc.metadata.get("retrieval_boost")
    if isinstance(boost, int | float):
        meta["retrieval_boost"] = float(boost)
    if doc.pages:
        meta["pages"] = doc.pages
    return meta


def _blocks(text: str) -> list[str]:
    """Paragraphs, lists and tables, separated by blank lines; a table is one block."""
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


def _is_table(block: str) -> bool:
    lines = block.splitlines()
    return len(lines) >= 2 and sum(line.count("|") >= 2 for line in lines) >= len(lines) - 1


def _split_table(block: str, chunk_size: int) -> list[str]:
    """Split a large table between rows, repeating its header rows in every piece."""
    lines = block.splitlines()
    header_len = 2 if len(lines) > 1 and re.fullmatch(r"[\s|:\-]+", lines[1]) else 1
    header, rows = lines[:header_len], lines[header_len:]
    pieces: list[str] = []
    current: list[str] = []
    for row in rows:
        if current and len("\n".join(header + current + [row])) > chunk_size:
            pieces.append("\n".join(header + current))
            current = []
        current.append(row)
    if current:
        pieces.append("\n".join(header + current))
    return pieces


def _pack_section(section: Section, chunk_size: int, splitter: RecursiveCharacterTextSplitter) -> list[str]:
    """Greedily pack a section's blocks into chunks of at most chunk_size characters."""
    pieces: list[str] = []
    for block in _blocks(section.text):
        if len(block) <= chunk_size:
            pieces.append(block)
        elif _is_table(block):
            pieces.extend(_split_table(block, chunk_size))
        else:
            pieces.extend(splitter.split_text(block))
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if current and len(candidate) > chunk_size:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
