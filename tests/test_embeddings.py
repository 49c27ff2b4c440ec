"""The embedding cache: same vectors as the model, each text embedded once, oldest forgotten first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.embeddings import CachedEmbedder, Embedder


class CountingEmbedder(Embedder):
    """A deterministic stand-in that records which texts it was asked to embed."""

    id, dimension = "counting", 4

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = [[len(t), t.count("a"), t.count("e"), 1.0] for t in texts]
        vectors = np.asarray(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_cached_vectors_equal_the_model_and_each_text_is_embedded_once() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, capacity=10)
    first = cached.embed_batch(["alpha", "beta", "alpha"])
    again = cached.embed_batch(["beta", "gamma"])
    assert np.allclose(first, inner.embed_batch(["alpha", "beta", "alpha"]))
    assert np.allclose(again, inner.embed_batch(["beta", "gamma"]))
    assert inner.seen[:3] == ["alpha", "beta", "gamma"]  # before the two checks above re-embedded on purpose


def test_least_recently_used_texts_are_forgotten_first() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, capacity=2)
    cached.embed_batch(["one", "two"])
    cached.embed_batch(["one"])  # "two" is now the oldest
    cached.embed_batch(["three"])
    inner.seen.clear()
    cached.embed_batch(["one", "two"])
    assert inner.seen == ["two"]


def test_empty_batch_has_the_right_shape() -> None:
    assert CachedEmbedder(CountingEmbedder()).embed_batch([]).shape == (0, 4)
