"""Extractive answers: the sentences that carry the figure, the deadline or the rule, each with its citation."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.services.citations import make_citation
from assistant.services.language import message
from assistant.services.lexical import tokenize
from assistant.services.replies import Citation
from assistant.services.retrieval import Passage

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(A-ZÀ-Ý0-9*])")
_HAS_FIGURE = re.compile(r"\d")
_QUANTITATIVE = re.compile(
    r"\b(how\s+(much|many|long)|when|deadline|threshold|value|days?|date|limit|minimum|maximum|amount|percent"
    r"|wie\s+(hoch|viel|lange)|wann|frist|schwellenwert|combien|quand|délai|seuil|cuánto|cuándo|plazo|umbral"
    r"|quanto|quando|termine|soglia|ile|kiedy|termin|próg|hoeveel|wanneer|termijn|drempel|quanto|prazo|limiar"
    r"|колко|кога|праг|πόσ|πότε|προθεσμ|kolik|kdy|lhůt)\b", re.IGNORECASE)
MAX_UNITS = 5
MAX_CHARS = 900


@dataclass
class Unit:
    """A sentence, list item or table row that can be quoted on its own."""

    text: str
    passage_rank: int
    position: int
    score: float = 0.0


@dataclass
class ComposedAnswer:
    """Answer text and the citations its [n] markers refer to."""

    text: str
    citations: list[Citation]


def split_units(text: str) -> list[str]:
    """Sentences, list items and table rows (rows rendered with their column headers)."""
    units: list[str] = []
    header: list[str] | None = None
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if lines and all(ln.startswith("|") for ln in lines):
            header = _cells(lines[0])
            for row in lines[1:]:
                if re.fullmatch(r"[|:\-\s]+", row):
                    continue
                cells = _cells(row)
                pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False) if c]
                units.append("; ".join(pairs))
            continue
        for line in lines:
            if "not legal advice" in line or line.lstrip("*_ ").startswith("Last reviewed"):
                continue
            line = re.sub(r"^([-*+]|\d+[.)])\s+", "", line)
            units.extend(s.strip() for s in _SENTENCE_END.split(line) if len(s.strip()) > 2)
    return units


def _cells(row: str) -> list[str]:
    return [c.strip().strip("*") for c in row.strip().strip("|").split("|")]


Similarity = Callable[[str, list[str]], Sequence[float]]
MAX_EMBEDDED_UNITS = 30


def select_units(question: str, passages: list[Passage], similarity: Similarity | None = None) -> list[Unit]:
    """Score every unit of the passages against the question and keep the best few, in reading order.

    Word overlap decides for same-language questions; a cross-lingual `similarity` adds meaning when the
    question and the passages are in different languages.
    """
    scored = _score_units(question, passages)
    if similarity is not None and scored:
        head = sorted(scored, key=lambda u: u.score, reverse=True)[:MAX_EMBEDDED_UNITS]
        for unit, sim in zip(head, similarity(question, [u.text for u in head]), strict=True):
            unit.score += 0.8 * float(sim)
        scored = head
    best = sorted(scored, key=lambda u: u.score, reverse=True)
    chosen: list[Unit] = []
    total = 0
    for unit in best:
        if len(chosen) >= MAX_UNITS or (chosen and unit.score < 0.5 * chosen[0].score):
            break
        if total + len(unit.text) > MAX_CHARS and chosen:
            continue
        chosen.append(unit)
        total += len(unit.text)
    return sorted(chosen, key=lambda u: (u.passage_rank, u.position))


def _score_units(question: str, passages: list[Passage]) -> list[Unit]:
    query = set(tokenize(question))
    wants_figure = bool(_QUANTITATIVE.search(question))
    scored: list[Unit] = []
    for rank, passage in enumerate(passages):
        for position, text in enumerate(split_units(passage.text)):
            words = set(tokenize(text))
            if not words:
                continue
            overlap = len(query & words) / max(len(query), 1)
            figure = 0.25 if wants_figure and _HAS_FIGURE.search(text) else 0.0
            prior = passage.score * (0.85 ** rank)
            length_penalty = 0.15 if len(text) > 400 else 0.0
            scored.append(Unit(text, rank, position, overlap + figure + 0.6 * prior - length_penalty))
    return scored


def compose_extractive(question: str, passages: list[Passage], language: str, base_url: str,
                       period_note: str | None = None, similarity: Similarity | None = None) -> ComposedAnswer:
    """A short cited answer quoting the key sentences verbatim, and where to read on."""
    if not passages:
        return ComposedAnswer(message("no_passages", language), [])
    units = select_units(question, passages, similarity)
    numbers: dict[int, int] = {}
    lines = [message("intro", language)]
    for unit in units:
        n = numbers.setdefault(unit.passage_rank, len(numbers) + 1)
        lines.append(f"- {unit.text} [{n}]")
    citations = [make_citation(n, passages[rank], base_url) for rank, n in numbers.items()]
    best = passages[0]
    first_n = numbers.get(0) or _add_citation(citations, best, base_url)
    lines.append("")
    lines.append(message("open_best", language, title=best.metadata.get("title", best.document_id),
                         section=best.section or best.document_id, n=first_n))
    if period_note:
        lines.append(period_note)
    if language != "en" and any(p.metadata.get("language", "en") != language for p in passages):
        lines.append(message("quotes_language_note", language))
    lines.append(message("disclaimer", language))
    return ComposedAnswer("\n".join(lines), citations)


def _add_citation(citations: list[Citation], passage: Passage, base_url: str) -> int:
    n = len(citations) + 1
    citations.append(make_citation(n, passage, base_url))
    return n
