"""The multilingual glossary (G-23) as a term map: a Polish or Greek term points to its English term."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.vectorstore import StoredChunk

_COMPOUNDING = {"de", "nl", "sv", "da", "fi", "et", "hu"}
_LINE = re.compile(r"^\s*[-*]\s*([a-z]{2})\s*:\s*(.+?)\s*$", re.MULTILINE)
_HEADING_NUMBER = re.compile(r"^\d+(\.\d+)*\s+")


def fold(text: str) -> str:
    """Lowercase without accents, for matching terms however they are typed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class Glossary:
    """Foreign term (folded) -> English term, from the glossary document's chunks."""

    to_english: dict[str, str] = field(default_factory=dict)
    compounding: set[str] = field(default_factory=set)  # terms from languages that write compounds

    @classmethod
    def from_chunks(cls, chunks: Iterable[StoredChunk]) -> Glossary:
        """Read every '- xx: term' line under a term heading of the glossary document."""
        mapping: dict[str, str] = {}
        compounding: set[str] = set()
        for chunk in chunks:
            if "glossary" not in str(chunk.metadata.get("topics", "")):
                continue
            english = _HEADING_NUMBER.sub("", chunk.metadata.get("section", "").split(" > ")[-1]).strip()
            for language, terms in _LINE.findall(chunk.text):
                if language == "en":
                    english = terms.split(" / ")[0].strip() or english
            if not english:
                continue
            for language, terms in _LINE.findall(chunk.text):
                for term in terms.split(" / "):
                    if language != "en" and len(term.strip()) >= 4:
                        mapping[fold(term.strip())] = english
                        if language in _COMPOUNDING:
                            compounding.add(fold(term.strip()))
        return cls(mapping, compounding)

    def expand(self, question: str) -> list[str]:
        """English terms for the glossary terms found in the question, tolerant of inflected endings."""
        folded = fold(question)
        found: list[str] = []
        for pattern, english in self._patterns():
            if english.lower() not in (f.lower() for f in found) and pattern.search(folded):
                found.append(english)
        return found

    def _patterns(self) -> list[tuple[re.Pattern[str], str]]:
        if not hasattr(self, "_compiled"):
            compiled = []
            heads = self._compound_heads()
            for term, english in sorted(self.to_english.items(), key=lambda kv: -len(kv[0])):
                raw = re.findall(r"\w+", term)
                words = [re.escape(w[: max(5, len(w) - 2)]) + r"\w*" for w in raw]  # 5: "senz" would match "senza"
                if words:
                    compiled.append((re.compile(r"(?<!\w)" + r"\W+".join(words)), english))
                head = _head(term, raw, self.compounding)
                # compound head alone, e.g. "Lieferaufträge" for "öffentlicher Lieferauftrag", when it names one term
                if head and heads.get(head) == {english}:
                    compiled.append((re.compile(r"(?<!\w)" + re.escape(head)), english))
            self._compiled = compiled
        return self._compiled

    def _compound_heads(self) -> dict[str, set[str]]:
        """Each compound head and the English terms it appears in (a head shared by several is ambiguous)."""
        heads: dict[str, set[str]] = {}
        for term, english in self.to_english.items():
            head = _head(term, re.findall(r"\w+", term), self.compounding)
            if head:
                heads.setdefault(head, set()).add(english)
        return heads

    def terms(self) -> list[str]:
        """Every foreign term, for the domain vocabulary."""
        return list(self.to_english)


def _head(term: str, raw: list[str], compounding: set[str]) -> str | None:
    """The stem of the longest word of a multi-word term from a compounding language, if long enough."""
    head = max(raw, key=len, default="")
    return head[:-2] if term in compounding and len(raw) > 1 and len(head) >= 9 else None


_NEUTRAL = re.compile(r"\b(?:[A-Z][A-Z0-9-]{1,}[a-z]?|\d[\d.,/()a-z]*|Art\.?\s*\d+[\d()a-z]*)\b")


def neutral_terms(question: str) -> str:
    """Tokens that read the same in every language: acronyms (ESPD, NIS2), figures and article numbers."""
    return " ".join(_NEUTRAL.findall(question))
