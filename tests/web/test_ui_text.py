"""Interface texts: eight complete catalogues with the same placeholders, and the language a browser gets."""

from __future__ import annotations

import json
import string

import pytest

from assistant.web.ui_text import UI_DIR, UI_LANGUAGES, choose_language, ui_text


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", sorted(UI_LANGUAGES))
def test_every_language_has_every_text_with_the_same_placeholders(language: str) -> None:
    english = json.loads((UI_DIR / "en.json").read_text(encoding="utf-8"))
    translated = json.loads((UI_DIR / f"{language}.json").read_text(encoding="utf-8"))
    assert set(translated) == set(english)
    for key, text in translated.items():
        assert text.strip(), key
        assert _placeholders(text) == _placeholders(english[key]), key
    if language != "en":
        same = [k for k in english if translated[k] == english[k] and len(english[k]) > 12]
        assert not same, f"untranslated in {language}: {same}"


@pytest.mark.parametrize(("requested", "cookie", "header", "expected"), [
    ("de", "fr", "es", "de"),
    ("DE", None, None, "de"),
    ("xx", "fr", "es", "fr"),
    (None, None, "pt-BR,pt;q=0.9,en;q=0.8", "pt"),
    (None, None, "sv-SE,sv;q=0.9,nl;q=0.8,en;q=0.7", "nl"),
    (None, None, "en;q=0.3, it;q=0.9", "it"),
    (None, None, "pl;q=0, fr;q=0.5", "fr"),
    (None, None, "*", "en"),
    (None, None, "fr;q=abc, de", "de"),
    (None, None, "", "en"),
])
def test_the_language_is_the_choice_then_the_cookie_then_the_browser(requested: str | None, cookie: str | None,
                                                                    header: str, expected: str) -> None:
    assert choose_language(requested, cookie, header) == expected


def test_an_unknown_language_falls_back_to_english() -> None:
    assert ui_text("sv") == ui_text("en")
    assert ui_text("de")["send"] == "Fragen"
