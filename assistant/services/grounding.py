"""Checks on generated sentences beyond word support: invented figures, echoed prompts and headings, repeats."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import lru_cache

from assistant.services.lexical import tokenize
from assistant.services.retrieval import Passage

CITATION = re.compile(r"\[(\d{1,2})\]")  # a [n] marker in a generated answer
_LIST_ITEM = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_NUMBER = re.compile(r"^\d{1,2}[.)]$")
ECHO_SHARE = 0.8


def figures(text: str) -> set[str]:
    """The numbers in a text as the lexical tokenizer writes them ('EUR 216,000' -> '216000')."""
    return {token for token in tokenize(text) if any(c.isdigit() for c in token)}


@lru_cache(maxsize=4096)
def words_of(text: str) -> frozenset[str]:
    """The lexical tokens of a passage or prompt, kept: the same texts are checked sentence after sentence."""
    return frozenset(tokenize(text))


def invented_figures(sentence: str, sources: list[Passage]) -> set[str]:
    """Figures (amounts, days, years, article numbers) of the sentence that none of its sources contains."""
    known: set[str] = set()
    for passage in sources:
        known |= {w for w in words_of(f"{passage.metadata.get('title', '')} {passage.section} {passage.text}")
                  if any(c.isdigit() for c in w)}
    return figures(CITATION.sub("", sentence)) - known


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a generated answer; '1. Evaluate' stays one item."""
    out: list[str] = []
    for line in text.strip().splitlines():
        pieces = [p.strip() for p in _SENTENCE_END.split(line.strip()) if p.strip()]
        if len(pieces) > 1 and _LIST_NUMBER.match(pieces[0]):
            pieces[:2] = [f"{pieces[0]} {pieces[1]}"]
        out.extend(pieces)
    return out


def _share_within(words: set[str], other: AbstractSet[str]) -> float:
    return len(words & other) / len(words) if words else 0.0


class EchoFilter:
    """Recognises sentences that only repeat the instructions, the question or a passage's heading."""

    def __init__(self, instructions: str, question: str, passages: list[Passage]) -> None:
        self._instructions = words_of(instructions)  # the same prompt every time
        self._question = set(tokenize(question))
        self._headings = [words_of(f"{p.metadata.get('title', '')} {p.section}") for p in passages]
        self._passages = [words_of(p.text) for p in passages]
        self._seen: set[str] = set()

    def is_echo(self, sentence: str) -> bool:
        """True for a repeat of an earlier sentence, the prompt's own rules, the question, or a heading."""
        plain = CITATION.sub("", sentence).strip(" -*•")
        words = set(tokenize(plain))
        key = " ".join(sorted(words)) or plain.lower()
        if key in self._seen:
            return True
        self._seen.add(key)
        if not words:
            return False
        best_passage = max((_share_within(words, p) for p in self._passages), default=0.0)
        if _share_within(words, self._instructions) >= ECHO_SHARE and best_passage < ECHO_SHARE:
            return True
        if words <= self._question | self._instructions and not plain.endswith(":"):
            return True  # says nothing the question and the instructions did not (a list's lead-in may)
        return any(_share_within(words, h) >= ECHO_SHARE for h in self._headings) and (" > " in plain or any(
            words <= h for h in self._headings))


def join_sentences(sentences: list[str]) -> str:
    """Sentences as running text, list items each on their own line."""
    out = ""
    previous_item = False
    for sentence in sentences:
        item = bool(_LIST_ITEM.match(sentence))
        out += sentence if not out else ("\n" if item or previous_item else " ") + sentence
        previous_item = item
    return out
