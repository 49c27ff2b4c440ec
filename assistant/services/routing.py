"""Deciding: answer, escalate to an expert, or decline — with a confidence in [0, 1]."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from assistant.config import RetrievalSettings
from assistant.services.retrieval import RetrievalResult

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "data" / "routing_patterns.yaml"
Decision = Literal["answer", "escalate", "decline"]


@dataclass
class RoutingDecision:
    """What to do with a question, why, and how sure the assistant is."""

    decision: Decision
    reason: str  # injection | out_of_scope | human_requested | own_case | low_confidence | covered
    confidence: float


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    raw = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    return {name: [re.compile(p, re.IGNORECASE) for p in items] for name, items in raw.items()}


def matches(kind: str, text: str) -> bool:
    """Whether the text matches one of the routing phrases of this kind."""
    return any(p.search(text) for p in _patterns()[kind])


def pre_route(question: str) -> RoutingDecision | None:
    """Decisions that need no retrieval: manipulation attempts, requests for a human, own-case judgements."""
    if matches("injection", question):
        return RoutingDecision("decline", "injection", 1.0)
    if matches("human_request", question):
        return RoutingDecision("escalate", "human_requested", 1.0)
    if matches("own_case", question):
        return RoutingDecision("escalate", "own_case", 1.0)
    return None


def retrieval_confidence(result: RetrievalResult, query_terms: int) -> float:
    """Confidence from the best dense similarity, supported by lexical coverage of the question."""
    if not result.passages:
        return 0.0
    best = max(result.passages[:3], key=lambda p: p.dense)
    dense_part = min(max((best.dense - 0.2) / 0.4, 0.0), 1.0)
    coverage = min(len(result.lexical_terms) / max(query_terms, 1), 1.0)
    lexical_part = max(p.lexical for p in result.passages[:3]) * coverage
    return round(min(1.0, 0.75 * dense_part + 0.25 * lexical_part), 3)


def route(result: RetrievalResult, confidence: float, in_domain: bool, settings: RetrievalSettings) -> RoutingDecision:
    """Answer when confident; escalate in-domain questions that retrieval cannot support; decline the rest."""
    supported = result.best_dense >= settings.min_dense_similarity
    if supported and confidence >= settings.answer_threshold:
        return RoutingDecision("answer", "covered", confidence)
    if in_domain:
        return RoutingDecision("escalate", "low_confidence", confidence)
    return RoutingDecision("decline", "out_of_scope", confidence)
