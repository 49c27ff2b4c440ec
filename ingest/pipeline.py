"""Incremental ingestion: discover files, skip unchanged ones, replace changed ones, remove vanished ones."""

from __future__ import annotations

import fnmatch
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.config import IngestSettings
from assistant.embeddings import Embedder
from assistant.errors import DocumentLoadError
from assistant.vectorstore import StoredChunk, VectorIndex
from ingest.chunking import chunk_document
from ingest.documents import KnowledgeChunk, LoadedDocument
from ingest.loaders import load_document


@dataclass
class FileOutcome:
    """What happened to one file."""

    source_path: str
    status: str  # added | updated | unchanged | removed | failed
    chunks: int = 0
    pages: int = 0
    words: int = 0
    error: str = ""


@dataclass
class IngestReport:
    """Summary of one ingestion run."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    chunks_embedded: int = 0

    @property
    def counts(self) -> Counter[str]:
        """Files per status."""
        return Counter(outcome.status for outcome in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        """Files that could not be ingested."""
        return [o for o in self.outcomes if o.status == "failed"]


class IngestProgress(Protocol):
    """Receives progress events (the CLI draws them with rich)."""

    def files_total(self, total: int) -> None: ...
    def file_done(self, source_path: str) -> None: ...
    def embed_total(self, total: int) -> None: ...
    def embedded(self, count: int) -> None: ...


class _Silent:
    def files_total(self, total: int) -> None: ...
    def file_done(self, source_path: str) -> None: ...
    def embed_total(self, total: int) -> None: ...
    def embedded(self, count: int) -> None: ...


def source_key(path: Path) -> str:
    """Stable key of a file in the index: relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def discover(paths: Sequence[Path], exclude: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Files to ingest under the given paths, and the key prefixes whose vanished files are removed."""
    files: list[Path] = []
    scopes: list[str] = []
    for root in paths:
        if root.is_file():
            files.append(root)
            scopes.append(source_key(root))
            continue
        if not root.is_dir():
            raise DocumentLoadError(f"{root}: no such file or folder")
        scopes.append(source_key(root).rstrip("/") + "/")
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not path.name.startswith(".") and not _excluded(relative, exclude):
                files.append(path)
    return files, scopes


def _excluded(relative: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(relative.split("/")[-1], p) for p in patterns)


def run_ingest(paths: Sequence[Path], index: VectorIndex, embedder: Embedder, settings: IngestSettings,
               batch_size: int = 32, rebuild: bool = False, progress: IngestProgress | None = None) -> IngestReport:
    """Bring the index in line with the files under `paths`; never stops at a bad file."""
    started = time.perf_counter()
    progress = progress or _Silent()
    report = IngestReport()
    if rebuild:
        index.clear()
    files, scopes = discover(paths, settings.exclude)
    progress.files_total(len(files))
    indexed = index.source_hashes()
    pending: list[tuple[LoadedDocument, list[KnowledgeChunk], str]] = []
    seen: set[str] = set()
    for path in files:
        key = source_key(path)
        seen.add(key)
        try:
            doc = load_document(path, key, int(settings.max_file_mb * 1e6))
        except DocumentLoadError as exc:
            kept = " (previous version kept in the index)" if key in indexed else ""
            report.outcomes.append(FileOutcome(key, "failed", error=f"{exc}{kept}"))
            progress.file_done(key)
            continue
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
        previous = indexed.get(key, {})
        if previous == {doc.content_hash: len(chunks)}:
            report.outcomes.append(FileOutcome(key, "unchanged", len(chunks), doc.pages or 0, doc.word_count))
            progress.file_done(key)
            continue
        pending.append((doc, chunks, "updated" if previous else "added"))
    _embed_and_store(pending, index, embedder, batch_size, progress, report)
    _remove_vanished(indexed, seen, scopes, index, report)
    if report.chunks_embedded or report.counts["removed"] or rebuild:
        index.bump_version()
    report.seconds = time.perf_counter() - started
    return report


def _embed_and_store(pending: list[tuple[LoadedDocument, list[KnowledgeChunk], str]], index: VectorIndex,
                     embedder: Embedder, batch_size: int, progress: IngestProgress, report: IngestReport) -> None:
    progress.embed_total(sum(len(chunks) for _, chunks, _ in pending))
    for doc, chunks, status in pending:
        vectors = embedder.embed_in_batches([c.embedding_text for c in chunks], batch_size, progress.embedded)
        old_ids = set(index.ids_where({"source_path": doc.source_path}))
        index.upsert([StoredChunk(c.chunk_id, c.text, c.metadata) for c in chunks], vectors)
        index.delete_ids(sorted(old_ids - {c.chunk_id for c in chunks}))
        report.chunks_embedded += len(chunks)
        report.outcomes.append(FileOutcome(doc.source_path, status, len(chunks), doc.pages or 0, doc.word_count))
        progress.file_done(doc.source_path)


def _remove_vanished(indexed: dict[str, dict[str, int]], seen: set[str], scopes: list[str], index: VectorIndex,
                     report: IngestReport) -> None:
    for key in sorted(indexed):
        in_scope = any(key == scope or (scope.endswith("/") and key.startswith(scope)) for scope in scopes)
        if in_scope and key not in seen:
            index.delete_where({"source_path": key})
            report.outcomes.append(FileOutcome(key, "removed"))
