"""Interface texts of the web pages in eight languages, and which language a browser gets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.services.advisor_phrases import tool_texts

UI_DIR = Path(__file__).resolve().parent.parent / "data" / "ui"
UI_LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
                "pl": "Polski", "nl": "Nederlands", "pt": "Português"}
LANGUAGE_COOKIE = "helpdesk_lang"


@lru_cache(maxsize=len(UI_LANGUAGES))
def ui_text(language: str) -> dict[str, str]:
    """Every interface text in a language; a key missing there falls back to English."""
    return dict(tool_texts(language if language in UI_LANGUAGES else "en"))  # one catalogue for pages and tools


def choose_language(requested: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The explicit choice, else the remembered one, else the browser's preferred language, else English."""
    for candidate in (requested, cookie):
        if candidate and candidate.lower() in UI_LANGUAGES:
            return candidate.lower()
    for tag in _preferred(accept_language or ""):
        primary = tag.split("-")[0].lower()
        if primary in UI_LANGUAGES:
            return primary
    return "en"


def _preferred(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most preferred first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]

