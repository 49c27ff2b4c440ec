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
    reason: str  # injection | out_of_scope | human_requested | own_case | national_law | low_confidence | covered
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


def retrieval_confidence(result: RetrievalResult, query_terms: int, language: str,
                         settings: RetrievalSettings) -> float:
    """Confidence in [0, 1]; 0.5 sits at the calibrated similarity a passage needs to answer (see evals/).

    Cross-lingual similarities run lower than English ones, so each has its own calibration point. Lexical
    evidence only nudges the score, and only for passages the dense retriever also supports.
    """
    if not result.passages:
        return 0.0
    point = settings.answer_similarity_en if language == "en" else settings.answer_similarity_other
    best = max(p.dense for p in result.passages[:3])
    supported = [p for p in result.passages[:3] if p.dense >= point - 0.1]
    coverage = min(len(result.lexical_terms) / max(query_terms, 1), 1.0) if language == "en" else 0.5
    lexical = max((p.lexical for p in supported), default=0.0) * coverage
    score = 0.5 + (best - point) * 2.5 + 0.1 * (lexical - 0.5)
    return round(min(max(score, 0.0), 1.0), 3)


def route(confidence: float, in_domain: bool, national: bool, settings: RetrievalSettings) -> RoutingDecision:
    """Answer when confident; escalate in-domain questions the knowledge cannot support; decline the rest."""
    if in_domain and national:
        return RoutingDecision("escalate", "national_law", confidence)
    if confidence >= settings.answer_threshold:
        return RoutingDecision("answer", "covered", confidence)
    if in_domain or confidence >= settings.answer_threshold - 0.1:
        return RoutingDecision("escalate", "low_confidence", confidence)
    return RoutingDecision("decline", "out_of_scope", confidence)
