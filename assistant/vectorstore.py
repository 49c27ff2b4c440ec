"""The knowledge index in Chroma (embedded or server), always fed our own vectors, telemetry off."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.config import Settings
from assistant.errors import IndexUnavailableError

_PAGE = 2000


@dataclass
class StoredChunk:
    """A chunk as read back from the index."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]
    similarity: float = 0.0


@contextmanager
def _translate_errors() -> Iterator[None]:
    try:
        yield
    except IndexUnavailableError:
        raise
    except Exception as exc:  # chromadb raises httpx, grpc and its own errors; all mean "index down"
        validation = type(exc).__name__ in {"InvalidArgumentError", "DuplicateIDError"} or isinstance(exc, ValueError)
        if validation and "connect" not in str(exc).lower():
            raise
        raise IndexUnavailableError(f"vector store unavailable: {exc}") from exc


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=settings.environment != "production")
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        with _translate_errors():
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https",
                settings=chroma_settings,
            )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def collection_name(base: str, embedder_id: str) -> str:
    """Collection name per embedder, so switching models never mixes vector spaces."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"{base}-{embedder_id}").strip("-._")
    return name[:500]


class VectorIndex:
    """Upsert, delete, query and enumerate knowledge chunks in one Chroma collection."""

    def __init__(self, settings: Settings, embedder_id: str, client: Any = None) -> None:
        self._client = client or _client(settings)
        self.name = collection_name(settings.collection, embedder_id)
        with _translate_errors():
            self._collection = self._client.get_or_create_collection(
                self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )

    def upsert(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> None:
        """Write chunks with their vectors (ids are content-derived, so this is idempotent)."""
        for start in range(0, len(chunks), _PAGE):
            part = chunks[start : start + _PAGE]
            with _translate_errors():
                self._collection.upsert(
                    ids=[c.chunk_id for c in part],
                    documents=[c.text for c in part],
                    metadatas=[{k: v for k, v in c.metadata.items() if v is not None} for c in part],
                    embeddings=vectors[start : start + _PAGE].tolist(),
                )

    def delete_where(self, where: dict[str, Any]) -> None:
        """Delete every chunk matching a metadata filter."""
        with _translate_errors():
            self._collection.delete(where=where)

    def ids_where(self, where: dict[str, Any]) -> list[str]:
        """Ids of the chunks matching a metadata filter."""
        with _translate_errors():
            return list(self._collection.get(where=where, include=[])["ids"])

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete chunks by id."""
        if ids:
            with _translate_errors():
                self._collection.delete(ids=list(ids))

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None) -> list[StoredChunk]:
        """Nearest chunks by cosine similarity, best first."""
        with _translate_errors():
            count = self._collection.count()
            if count == 0:
                return []
            result = self._collection.query(
                query_embeddings=[vector.tolist()], n_results=min(n, count), where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        return [
            StoredChunk(cid, text or "", dict(meta or {}), 1.0 - float(dist))
            for cid, text, meta, dist in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0],
                strict=True,
            )
        ]

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunks."""
        if not ids:
            return {}
        with _translate_errors():
            got = self._collection.get(ids=list(ids), include=["embeddings"])
        return {cid: np.asarray(vec, dtype=np.float32) for cid, vec in zip(got["ids"], got["embeddings"], strict=True)}

    def all_chunks(self, where: dict[str, Any] | None = None) -> list[StoredChunk]:
        """Every chunk (paged), for the lexical index and the document catalogue."""
        out: list[StoredChunk] = []
        offset = 0
        while True:
            with _translate_errors():
                page = self._collection.get(
                    where=where or None, limit=_PAGE, offset=offset, include=["documents", "metadatas"]
                )
            out.extend(
                StoredChunk(cid, text or "", dict(meta or {}))
                for cid, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            )
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def source_hashes(self) -> dict[str, dict[str, int]]:
        """source_path -> {doc_hash: chunk count}: what the index holds, for incremental ingestion."""
        hashes: dict[str, dict[str, int]] = {}
        offset = 0
        while True:
            with _translate_errors():
                page = self._collection.get(limit=_PAGE, offset=offset, include=["metadatas"])
            for meta in page["metadatas"]:
                meta = meta or {}
                per_source = hashes.setdefault(str(meta.get("source_path", "")), {})
                key = str(meta.get("doc_hash", ""))
                per_source[key] = per_source.get(key, 0) + 1
            if len(page["ids"]) < _PAGE:
                return hashes
            offset += _PAGE

    def count(self) -> int:
        """Number of chunks."""
        with _translate_errors():
            return int(self._collection.count())

    def version(self) -> str:
        """Changes whenever ingestion changed the index; replicas reload their lexical index on change."""
        with _translate_errors():
            collection = self._client.get_collection(self.name, embedding_function=None)
        return str((collection.metadata or {}).get("index_version", "0"))

    def bump_version(self) -> None:
        """Mark the index as changed."""
        with _translate_errors():
            self._collection.modify(metadata={"index_version": f"{time.time():.6f}"})

    def clear(self) -> None:
        """Delete every chunk (used by --rebuild)."""
        with _translate_errors():
            self._client.delete_collection(self.name)
            self._collection = self._client.get_or_create_collection(
                self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )

    def ping(self) -> None:
        """Raise IndexUnavailableError when the store cannot be reached."""
        with _translate_errors():
            self._client.heartbeat()
