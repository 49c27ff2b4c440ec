"""Evaluation over evals/questions: retrieval hit@3 and MRR, fact accuracy, and the routing confusion matrix."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.services.assistant import HelpdeskAssistant
from assistant.services.language import detect_language
from assistant.services.replies import ChannelAddress

OUTCOMES = ("answered", "escalated", "declined")
QUESTIONS_DIR = Path("evals") / "questions"


def load_questions(directory: Path = QUESTIONS_DIR, files: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every question object of the eval set (optionally only some files)."""
    wanted = set(files or [])
    questions: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.jsonl")):
        if wanted and path.stem not in wanted:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                item = json.loads(line)
                item.setdefault("file", path.stem)
                item.setdefault("line", number)
                questions.append(item)
    return questions


def _question_text(item: dict[str, Any]) -> str:
    return str(item.get("question") or item["turns"][-1])


@dataclass
class RetrievalScores:
    """Retrieval quality of one configuration."""

    name: str
    hits: list[float] = field(default_factory=list)
    reciprocal_ranks: list[float] = field(default_factory=list)
    facts: list[float] = field(default_factory=list)
    by_language: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, item: dict[str, Any], document_ids: list[str], texts: list[str]) -> None:
        """Score one question's ranked documents and passages."""
        expected = set(item.get("expected_sources") or [])
        if not expected:
            return
        rank = next((i for i, doc in enumerate(document_ids, start=1) if doc in expected), None)
        hit = 1.0 if rank is not None and rank <= 3 else 0.0
        self.hits.append(hit)
        self.reciprocal_ranks.append(1.0 / rank if rank else 0.0)
        facts = item.get("expected_facts") or []
        if facts:
            top = " ".join(texts[:3]).lower()
            self.facts.append(sum(f.lower() in top for f in facts) / len(facts))
        self.by_language[item.get("language", "en")].append(hit)

    def summary(self) -> dict[str, Any]:
        """hit@3, MRR and fact accuracy, overall and per language."""
        return {
            "config": self.name, "questions": len(self.hits), "hit@3": _mean(self.hits),
            "mrr": _mean(self.reciprocal_ranks), "facts@3": _mean(self.facts),
            "hit@3_by_language": {lang: _mean(v) for lang, v in sorted(self.by_language.items())},
        }


@dataclass
class RoutingScores:
    """Confusion matrix of expected vs actual outcome."""

    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)
    fact_in_answer: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: dict[str, Any], reply: Any, latency_ms: float) -> None:
        """Record one routed question."""
        expected = item.get("expected_outcome", "answered")
        self.matrix[(expected, reply.outcome)] += 1
        self.latencies_ms.append(latency_ms)
        if expected != reply.outcome:
            self.misses.append({"id": item.get("id"), "expected": expected, "actual": reply.outcome,
                                "confidence": reply.confidence, "reason": reply.reason})
        facts = item.get("expected_facts") or []
        if expected == "answered" and reply.outcome == "answered" and facts:
            answer = reply.answer.lower()
            self.fact_in_answer.append(sum(f.lower() in answer for f in facts) / len(facts))

    def summary(self) -> dict[str, Any]:
        """Matrix, per-class precision and recall, accuracy."""
        per_class = {}
        for outcome in OUTCOMES:
            tp = self.matrix[(outcome, outcome)]
            predicted = sum(self.matrix[(e, outcome)] for e in OUTCOMES)
            actual = sum(self.matrix[(outcome, a)] for a in OUTCOMES)
            per_class[outcome] = {"precision": tp / predicted if predicted else 0.0,
                                  "recall": tp / actual if actual else 0.0, "support": actual}
        total = sum(self.matrix.values())
        ordered = sorted(self.latencies_ms)
        return {
            "matrix": {e: {a: self.matrix[(e, a)] for a in OUTCOMES} for e in OUTCOMES},
            "per_class": per_class,
            "accuracy": sum(self.matrix[(o, o)] for o in OUTCOMES) / total if total else 0.0,
            "fact_accuracy_in_answers": _mean(self.fact_in_answer),
            "latency_ms": {"p50": _percentile(ordered, 50), "p95": _percentile(ordered, 95)},
            "misses": self.misses,
        }


def evaluate_retrieval(assistants: dict[str, HelpdeskAssistant], questions: list[dict[str, Any]],
                       modes: dict[str, str]) -> list[dict[str, Any]]:
    """hit@3 / MRR / facts@3 for each named configuration (assistant + retrieval mode)."""
    out = []
    for name, assistant in assistants.items():
        scores = RetrievalScores(name)
        for item in questions:
            if not item.get("expected_sources"):
                continue
            text = " ".join(item["turns"]) if "turns" in item else _question_text(item)
            language = item.get("language") or detect_language(text)
            result, _ = assistant.retrieve(text, language, mode=modes.get(name, "hybrid"))  # type: ignore[arg-type]
            scores.add(item, [p.document_id for p in result.passages], [p.text for p in result.passages])
        out.append(scores.summary())
    return out


def evaluate_routing(assistant: HelpdeskAssistant, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Ask every question through the whole assistant and score outcomes and answers."""
    scores = RoutingScores()
    for item in questions:
        turns = item.get("turns") or [item["question"]]
        conversation_id = None
        address = ChannelAddress(channel="cli", owner_key=f"eval:{item.get('id')}")
        for turn in turns[:-1]:
            conversation_id = assistant.ask(turn, address, conversation_id).conversation_id
        started = time.perf_counter()
        reply = assistant.ask(turns[-1], address, conversation_id)
        scores.add(item, reply, (time.perf_counter() - started) * 1000)
    return scores.summary()


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 4) if values else 0.0


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)
