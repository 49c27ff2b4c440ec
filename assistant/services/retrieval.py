"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused, de-duplicated, filtered, aware of validity dates."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from assistant.config import RetrievalSettings
from assistant.embeddings import Embedder
from assistant.services.lexical import LexicalIndex, tokenize
from assistant.vectorstore import StoredChunk, VectorIndex

Mode = Literal["hybrid", "dense", "lexical"]
_RRF_K = 60
_OTHER_PERIOD_PENALTY = 0.6
_RELOAD_CHECK_S = 5.0


@dataclass(frozen=True)
class RetrievalFilters:
    """Optional restrictions on what may be retrieved."""

    category: str | None = None
    template_id: str | None = None
    source_type: str | None = None
    document_id: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The filters that are set, as metadata equalities."""
        return {k: v for k, v in self.__dict__.items() if v}

    def accepts(self, metadata: dict[str, Any]) -> bool:
        """Whether a chunk's metadata passes every filter."""
        return all(str(metadata.get(k, "")) == v for k, v in self.as_dict().items())


@dataclass
class Passage:
    """A retrieved chunk with its scores."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float
    dense: float
    lexical: float
    in_period: bool = True

    @property
    def document_id(self) -> str:
        """Id of the source document."""
        return str(self.metadata.get("document_id", ""))

    @property
    def section(self) -> str:
        """Section path of the passage."""
        return str(self.metadata.get("section", ""))


@dataclass
class RetrievalResult:
    """Passages, best first, and the evidence the router needs."""

    passages: list[Passage]
    on_date: dt.date
    best_dense: float = 0.0
    lexical_terms: list[str] = field(default_factory=list)
    expanded_query: str = ""


@dataclass
class _Snapshot:
    version: str
    chunks: list[StoredChunk]
    lexical: LexicalIndex
    position: dict[str, int]


def valid_on(metadata: dict[str, Any], day: dt.date) -> bool:
    """Whether a chunk's valid_from/valid_until period contains the day (undated chunks always do)."""
    start, end = metadata.get("valid_from"), metadata.get("valid_until")
    if start and day < dt.date.fromisoformat(str(start)):
        return False
    return not (end and day > dt.date.fromisoformat(str(end)))


def _expired(metadata: dict[str, Any], today: dt.date) -> bool:
    """Published expert answers past their review-by date are not used."""
    review_by = metadata.get("review_by")
    return metadata.get("source_type") == "expert_answer" and bool(review_by) and (
        dt.date.fromisoformat(str(review_by)) < today
    )


class Retriever:
    """Finds the passages that answer a query."""

    def __init__(self, index: VectorIndex, embedder: Embedder, settings: RetrievalSettings,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self._index, self._embedder, self._settings, self._today = index, embedder, settings, today
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def snapshot(self) -> _Snapshot:
        """All chunks and the BM25 index, reloaded when ingestion changed the index."""
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked_at < _RELOAD_CHECK_S:
            return self._snapshot
        with self._lock:
            version = self._index.version()
            self._checked_at = now
            if self._snapshot is None or self._snapshot.version != version:
                chunks = self._index.all_chunks()
                texts = [f"{c.metadata.get('title', '')} {c.metadata.get('section', '')} {c.text}" for c in chunks]
                self._snapshot = _Snapshot(version, chunks, LexicalIndex(texts),
                                           {c.chunk_id: i for i, c in enumerate(chunks)})
            return self._snapshot

    @property
    def embedder(self) -> Embedder:
        """The model that embeds queries."""
        return self._embedder

    def refresh(self) -> None:
        """Force a reload check on the next search."""
        self._checked_at = 0.0

    def chunks(self) -> list[StoredChunk]:
        """Every indexed chunk."""
        return self.snapshot().chunks

    def search(self, query: str, *, lexical_query: str | None = None, filters: RetrievalFilters | None = None,
               on_date: dt.date | None = None, k: int | None = None, mode: Mode = "hybrid") -> RetrievalResult:
        """Top passages for the query; `lexical_query` may add expansion terms for BM25."""
        k = k or self._settings.top_k
        filters = filters or RetrievalFilters()
        day = on_date or self._today()
        snap = self.snapshot()
        vector = self._embedder.embed(query)
        dense = self._dense(vector, filters) if mode != "lexical" else {}
        lexical = self._lexical(snap, lexical_query or query, filters) if mode != "dense" else {}
        candidates = self._candidates(snap, dense, lexical, vector, day)
        passages = _collapse_duplicates(sorted(candidates, key=lambda p: p.score, reverse=True))[:k]
        return RetrievalResult(
            passages=passages, on_date=day, best_dense=max((p.dense for p in passages), default=0.0),
            lexical_terms=snap.lexical.known_terms(lexical_query or query),
            expanded_query=" ".join(dict.fromkeys(filter(None, [query, lexical_query]))),
        )

    def _dense(self, vector: np.ndarray, filters: RetrievalFilters) -> dict[str, StoredChunk]:
        where: dict[str, Any] = dict(filters.as_dict())
        if len(where) > 1:
            where = {"$and": [{k: v} for k, v in where.items()]}
        found = self._index.query(vector, self._settings.candidates, where or None)
        return {c.chunk_id: c for c in found}

    def _lexical(self, snap: _Snapshot, query: str, filters: RetrievalFilters) -> dict[str, float]:
        scores = snap.lexical.scores(query)
        if not scores.size or scores.max() <= 0:
            return {}
        order = np.argsort(-scores)
        out: dict[str, float] = {}
        for i in order:
            if scores[i] <= 0 or len(out) >= self._settings.candidates:
                break
            chunk = snap.chunks[i]
            if filters.accepts(chunk.metadata):
                out[chunk.chunk_id] = float(scores[i])
        return out

    def _candidates(self, snap: _Snapshot, dense: dict[str, StoredChunk], lexical: dict[str, float],
                    vector: np.ndarray, day: dt.date) -> list[Passage]:
        missing = [cid for cid in lexical if cid not in dense]
        stored = self._index.embeddings(missing)
        top_lex = max(lexical.values(), default=0.0) or 1.0
        dense_rank = {cid: r for r, cid in enumerate(dense)}
        lex_rank = {cid: r for r, cid in enumerate(sorted(lexical, key=lexical.__getitem__, reverse=True))}
        today = self._today()
        out: list[Passage] = []
        for cid in dict.fromkeys([*dense, *lexical]):
            chunk = dense.get(cid)
            if chunk is None and cid in snap.position:
                chunk = snap.chunks[snap.position[cid]]
            if chunk is None or _expired(chunk.metadata, today):
                continue
            sim = dense[cid].similarity if cid in dense else (
                float(stored[cid] @ vector) if cid in stored else 0.0)
            lex = lexical.get(cid, 0.0) / top_lex
            score = self._fuse(sim, lex, dense_rank.get(cid), lex_rank.get(cid), bool(dense), bool(lexical))
            in_period = valid_on(chunk.metadata, day)
            score *= float(chunk.metadata.get("retrieval_boost", 1.0)) * (1 if in_period else _OTHER_PERIOD_PENALTY)
            out.append(Passage(cid, chunk.text, chunk.metadata, score, sim, lex, in_period))
        return out

    def _fuse(self, sim: float, lex: float, d_rank: int | None, l_rank: int | None,
              has_dense: bool, has_lexical: bool) -> float:
        if not has_lexical:
            return sim
        if not has_dense:
            return lex
        if self._settings.fusion == "rrf":
            return sum(1.0 / (_RRF_K + r + 1) for r in (d_rank, l_rank) if r is not None) * 30
        w = self._settings.dense_weight
        return w * sim + (1 - w) * lex


def _collapse_duplicates(passages: list[Passage], threshold: float = 0.8) -> list[Passage]:
    """Drop passages whose words mostly repeat a better-ranked passage."""
    kept: list[tuple[Passage, set[str]]] = []
    for passage in passages:
        words = set(tokenize(passage.text))
        if any(words and seen and len(words & seen) / len(words | seen) >= threshold for _, seen in kept):
            continue
        kept.append((passage, words))
    return [p for p, _ in kept]
