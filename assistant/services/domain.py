"""Is a question about public procurement of digital solutions? Stems in many languages plus the glossary."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from assistant.services.glossary import fold

TERMS_FILE = Path(__file__).resolve().parent.parent / "data" / "domain_terms.txt"


@lru_cache(maxsize=1)
def _builtin_stems() -> tuple[str, ...]:
    lines = TERMS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


class DomainVocabulary:
    """Recognises procurement vocabulary in a question."""

    def __init__(self, extra_terms: Iterable[str] = ()) -> None:
        stems = {fold(t) for t in _builtin_stems()} | {fold(t) for t in extra_terms if len(t) >= 4}
        alternatives = sorted((re.escape(s) for s in stems), key=len, reverse=True)
        self._pattern = re.compile(r"(?<!\w)(" + "|".join(alternatives) + ")", re.IGNORECASE)

    def in_domain(self, text: str) -> bool:
        """Whether the text uses at least one procurement term."""
        return bool(self._pattern.search(fold(text)))
