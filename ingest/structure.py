"""Heading structure: numbered-heading detection and the "4 Technical > 4.2 Interoperability" path."""

from __future__ import annotations

import re

_ROMAN_CLAUSE = re.compile(r"^([IVXLC]+(?:\.\d+)+)\)\s+\S")
_NAMED_PART = re.compile(r"^(Section|Part|Chapter|Annex|Title)\s+[IVXLC\d]+[:.]?\s+\S", re.IGNORECASE)
_DECIMAL_CLAUSE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-Z][^\n]{2,100}$")


def numbered_heading_level(line: str) -> int:
    """Heading level of a numbered line in extracted PDF text, or 0 when it is body text."""
    line = line.strip()
    if not line or len(line) > 140:
        return 0
    if _NAMED_PART.match(line):
        return 1
    match = _ROMAN_CLAUSE.match(line)
    if match:
        return match.group(1).count(".") + 1
    match = _DECIMAL_CLAUSE.match(line)
    if match and not line.endswith((".", ",", ";")):
        return match.group(1).count(".") + 1
    return 0


class HeadingTracker:
    """Keeps the stack of open headings and renders it as a section path."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        """Open a heading at `level`, closing deeper or equal ones."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, re.sub(r"\s+", " ", title).strip()[:120]))

    @property
    def path(self) -> str:
        """Headings from the outermost to the current one, joined with ' > '."""
        return " > ".join(title for _, title in self._stack)
