"""Offline language detection and the assistant's fixed texts in many languages."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

EU_LANGUAGES = ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv",
                "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv")
MESSAGES_DIR = Path(__file__).resolve().parent.parent / "data" / "messages"
_MIN_CONFIDENCE = 0.7


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(EU_LANGUAGES))
    return identifier


def detect_language(text: str, fallback: str = "en") -> str:
    """ISO 639-1 code of an EU language, or `fallback` when the text is too short to tell."""
    if len(text.strip()) < 3:
        return fallback
    code, probability = _identifier().classify(text)
    return str(code) if probability >= _MIN_CONFIDENCE else fallback


@lru_cache(maxsize=32)
def _catalogue(language: str) -> dict[str, str]:
    path = MESSAGES_DIR / f"{language}.json"
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def available_languages() -> list[str]:
    """Languages with a translated catalogue of fixed texts."""
    return sorted(p.stem for p in MESSAGES_DIR.glob("*.json"))


def message(key: str, language: str, **values: object) -> str:
    """A fixed text in the language, falling back to English; fails loudly on a missing value."""
    template = _catalogue(language).get(key) or _catalogue("en")[key]
    return template.format(**values)
