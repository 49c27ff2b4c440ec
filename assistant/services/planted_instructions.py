"""Passages that address the chat model (planted instructions) are set aside: documents are data, not commands.

A retrieved chunk that tells the model to ignore its rules, reveal its prompt or disclose other officials' data
is hostile as a whole, so the whole passage is dropped (and logged with its source), not just the sentence: the
false claim it wants repeated may sit in the next sentence.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from assistant.services.retrieval import Passage, RetrievalResult

logger = logging.getLogger(__name__)

_YOUR = r"(your|all|any|the|previous|prior|above|earlier|system)"
PLANTED_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b(ignore|disregard|forget|override|bypass)\b.{{0,30}}\b{_YOUR}\b.{{0,30}}\b(instructions?|rules|prompt|guidelines)\b",
    r"\b(ignoriere|vergiss|missachte)\b.{0,40}\b(anweisungen|regeln|vorgaben|anweisung)",
    r"\b(ignore[zr]?|oublie[zr]?)\b.{0,40}\b(instructions|consignes|règles)",
    r"\b(ignora|olvida|dimentica)\b.{0,40}\b(instrucciones|reglas|normas|istruzioni|regole)",
    r"\b(zignoruj|ignoruj|zapomnij|negeer|vergeet|esquece|esqueça)\b.{0,40}\b(instrukcj|polece|zasad|instructies|regels|instruções|regras)",
    r"\b(reveal|print|show|repeat|disclose|output|leak)\b.{0,40}"
    r"\b(system prompt|hidden (rules|instructions)|your (prompt|instructions|rules))",
    r"\b(note|message|instructions?)\s+(to|for)\s+(the\s+)?(ai|assistant|model|llm|chatbot|language model)\b",
    r"\b(disclose|reveal|show|print|affichez|zeige)\b.{0,40}\b(previous|other|another|autres|anderen)\s+"
    r"(users?|officials?|utilisateurs|nutzer|benutzer)",
    r"\b(from now on|henceforth)\b.{0,30}\b(answer|respond|reply|say)\b",
    r"\byou\s+are\s+(now|no longer)\b|\b(jailbreak|developer mode|do anything now)\b",
)] + [re.compile(r"(^|[\s\[<(])(SYSTEM|ASSISTANT)\s*:")]  # a role tag in upper case, as in a chat transcript


def is_planted_instruction(text: str) -> bool:
    """Whether a passage speaks to the chat model instead of to officials."""
    return any(pattern.search(text) for pattern in PLANTED_PATTERNS)


def without_planted_instructions(result: RetrievalResult) -> RetrievalResult:
    """The retrieval result without passages that carry instructions to the model."""
    kept: list[Passage] = []
    for passage in result.passages:
        if is_planted_instruction(passage.text):
            logger.warning("passage %s of %s addresses the model; left out of the answer",
                           passage.chunk_id, passage.metadata.get("source_path", passage.document_id))
        else:
            kept.append(passage)
    if len(kept) == len(result.passages):
        return result
    best_dense = max((p.dense for p in kept), default=0.0)
    return dataclasses.replace(result, passages=kept, best_dense=best_dense)
