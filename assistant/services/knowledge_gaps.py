"""Knowledge gaps: escalated and unhelpful questions grouped by meaning across languages, with the nearest document."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from assistant.config import RetrievalSettings
from assistant.embeddings import CachedEmbedder, Embedder
from assistant.errors import IndexUnavailableError
from assistant.services.citations import citation_url
from assistant.services.lexical import tokenize
from assistant.services.retrieval import Passage
from assistant.vectorstore import VectorIndex

log = logging.getLogger(__name__)
MAX_QUESTIONS = 500  # the most recent problem questions clustered; keeps the page fast
SEMANTIC_THRESHOLD = 0.5  # average cosine (USE multilingual) at which two groups are one topic
LEXICAL_THRESHOLD = 0.3  # the same over stemmed word vectors, when no embedder is available
DOCUMENT_PROBES = 3  # a gap's most central questions looked up in the index; the best match counts
_WORD = re.compile(r"[^\W\d_][\w-]*[^\W_]", re.UNICODE)
ProblemKind = Literal["escalated", "unhelpful"]


@dataclass(frozen=True)
class ProblemQuestion:
    """A question that was escalated to an expert or whose answer was rated unhelpful."""

    text: str
    kind: ProblemKind
    language: str = "?"
    asked_at: dt.datetime | None = None  # naive UTC; orders the problems so that the cap keeps the latest


@dataclass(frozen=True)
class DocumentMatch:
    """The knowledge document retrieval finds closest to a gap, with its dense similarity."""

    document_id: str
    title: str
    url: str
    score: float


@dataclass
class KnowledgeGap:
    """Problem questions about one topic: labelled by the most central question and the commonest words."""

    label: str
    keywords: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    escalated: int = 0
    unhelpful: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    document: DocumentMatch | None = None
    searched: bool = False  # False when no retrieval was asked, or the index was unavailable
    central: list[tuple[str, str]] = field(default_factory=list)  # the most central (question, language)s

    @property
    def count(self) -> int:
        """How many problem questions the gap holds."""
        return len(self.questions)


DocumentLookup = Callable[[Sequence[tuple[str, str]]], list[DocumentMatch | None]]  # (question, language) each


def index_lookup(index: VectorIndex, embedder: Embedder, settings: RetrievalSettings,
                 today: Callable[[], dt.date] = dt.date.today) -> DocumentLookup:
    """Each question's nearest indexed chunk (one batch embedding); None below the assistant's answer similarity."""

    def lookup(questions: Sequence[tuple[str, str]]) -> list[DocumentMatch | None]:
        if not questions:
            return []
        vectors = embedder.embed_batch([q for q, _ in questions])
        found: list[DocumentMatch | None] = []
        for (_, language), vector in zip(questions, vectors, strict=True):
            floor = settings.answer_similarity_en if language == "en" else settings.answer_similarity_other
            best = next((c for c in index.query(vector, 5) if not _retired(c.metadata, today())), None)
            if best is None or best.similarity < floor:
                found.append(None)
                continue
            passage = Passage(best.chunk_id, best.text, best.metadata, best.similarity, best.similarity, 0.0)
            found.append(DocumentMatch(passage.document_id, str(best.metadata.get("title", "")),
                                       citation_url("", passage), round(best.similarity, 3)))
        return found

    return lookup


def _retired(metadata: dict[str, Any], today: dt.date) -> bool:
    """A published expert answer past its review-by date, which the assistant no longer uses."""
    review_by = metadata.get("review_by")
    return metadata.get("source_type") == "expert_answer" and bool(review_by) and (
        dt.date.fromisoformat(str(review_by)) < today)


class GapFinder:
    """Clusters problem questions by meaning (average linkage over cosine); remembers the vectors it computed."""

    def __init__(self, embedder: Embedder | None = None, lookup: DocumentLookup | None = None, *,
                 threshold: float | None = None, max_questions: int = MAX_QUESTIONS, cache_size: int = 5000) -> None:
        self._embedder = CachedEmbedder(embedder, cache_size) if embedder is not None else None
        self._lookup, self.max_questions = lookup, max_questions
        self.threshold = threshold if threshold is not None else (
            SEMANTIC_THRESHOLD if embedder is not None else LEXICAL_THRESHOLD)

    def find(self, problems: Sequence[ProblemQuestion], limit: int = 15) -> list[KnowledgeGap]:
        """The biggest topics first; only the latest `max_questions` problems are considered."""
        dated = sorted((p for p in problems if p.text.strip()), key=lambda p: p.asked_at or dt.datetime.min)
        kept = dated[-self.max_questions:]
        if not kept:
            return []
        vectors = self._vectors([p.text for p in kept])
        groups = average_linkage(vectors, self.threshold)
        gaps = [_gap([kept[i] for i in group], vectors[group]) for group in groups]
        gaps.sort(key=lambda g: (-g.count, g.label))
        self._match_documents(gaps[:limit])
        return gaps[:limit]

    def _vectors(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed_batch(texts) if self._embedder is not None else lexical_vectors(texts)

    def _match_documents(self, gaps: list[KnowledgeGap]) -> None:
        if self._lookup is None or not gaps:
            return
        asked = [(gap, question) for gap in gaps for question in gap.central]
        try:
            documents = self._lookup([question for _, question in asked])
        except IndexUnavailableError as exc:
            log.warning("knowledge gaps: no document lookup (%s)", exc)
            return
        for (gap, _), document in zip(asked, documents, strict=True):
            gap.searched = True
            if document is not None and (gap.document is None or document.score > gap.document.score):
                gap.document = document


def average_linkage(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Agglomerative clustering of unit vectors: merge the closest two groups while their mean cosine >= threshold."""
    n = len(vectors)
    sim = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    while len(members) > 1:
        flat = int(np.argmax(sim))
        a, b = divmod(flat, n)
        if sim[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        na, nb = len(members[a]), len(members[b])
        sim[a, :] = (na * sim[a, :] + nb * sim[b, :]) / (na + nb)  # Lance-Williams update for average linkage
        sim[:, a] = sim[a, :]
        sim[a, a] = -np.inf
        sim[b, :] = sim[:, b] = -np.inf
        members[a] += members.pop(b)
    return [sorted(group) for _, group in sorted(members.items())]


def lexical_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of stemmed content words: the fallback when no embedder is available."""
    tokens = [set(tokenize(t)) for t in texts]
    vocabulary = {w: i for i, w in enumerate(sorted(set().union(*tokens)))} if tokens else {}
    out = np.zeros((len(texts), max(len(vocabulary), 1)), dtype=np.float32)
    for row, words in enumerate(tokens):
        for word in words:
            out[row, vocabulary[word]] = 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _gap(problems: list[ProblemQuestion], vectors: np.ndarray) -> KnowledgeGap:
    centrality = (vectors @ vectors.T).sum(axis=1)
    order = np.argsort(-centrality, kind="stable")
    central = list(dict.fromkeys((problems[i].text, problems[i].language) for i in order))
    gap = KnowledgeGap(central[0][0], keywords([p.text for p in problems]), central=central[:DOCUMENT_PROBES])
    for problem in problems:
        gap.questions.append(problem.text)
        gap.languages[problem.language or "?"] += 1
        if problem.kind == "escalated":
            gap.escalated += 1
        else:
            gap.unhelpful += 1
    return gap


def keywords(questions: Sequence[str], n: int = 3) -> list[str]:
    """The content words most questions share (stems counted once per question, shown in their commonest form)."""
    per_stem: Counter[str] = Counter()
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for question in questions:
        stems = set()
        for word in _WORD.findall(question.lower()):
            if word in _stopwords() or len(word) < 3:
                continue
            stem = next(iter(tokenize(word)), word)
            forms[stem][word] += 1
            stems.add(stem)
        per_stem.update(stems)
    ranked = sorted(per_stem.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [forms[stem].most_common(1)[0][0] for stem, _ in ranked]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """Function words of the helpdesk's main languages, which make poor topic labels."""
    from bm25s import stopwords

    words: set[str] = set()
    for name in ("EN_PLUS", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "DUTCH", "PORTUGUESE", "DANISH", "SWEDISH"):
        words.update(getattr(stopwords, f"STOPWORDS_{name}", ()))
    return frozenset(words) | {"can", "could", "would", "should", "must", "may", "need", "does", "our", "unsere",
                               "wie", "how", "what", "which", "when", "where", "why", "gibt", "kann", "können"}
