"""BM25 over the indexed chunks (bm25s), with a tokenizer that keeps figures such as 216,000 whole."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_THOUSANDS = re.compile(r"(?<=\d)[,.\u202f\u00a0 ](?=\d{3}\b)")
_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"eu", "article", "art"}


def tokenize(text: str) -> list[str]:
    """Lowercased, stemmed word tokens without stopwords; '216,000' becomes '216000'."""
    text = _THOUSANDS.sub("", text.lower())
    words = [w for w in _TOKEN.findall(text) if w not in _stopwords() and (len(w) > 1 or w.isdigit())]
    return list(_stemmer().stemWords(words))


class LexicalIndex:
    """BM25 scores of a query against every chunk."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        self._vocabulary: set[str] = set()
        if texts:
            tokens = [tokenize(t) or ["_empty_"] for t in texts]
            for doc in tokens:
                self._vocabulary.update(doc)
            self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of the query for every chunk (zeros when no query term is known)."""
        terms = [t for t in tokenize(query) if t in self._vocabulary]
        if not self._size or not terms:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def known_terms(self, text: str) -> list[str]:
        """Query tokens that occur somewhere in the knowledge."""
        return [t for t in tokenize(text) if t in self._vocabulary]
