"""The assistant's fixed texts: one catalogue per official EU language, each a faithful copy of the English keys."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from assistant.services.language import EU_LANGUAGES, MESSAGES_DIR, available_languages, message

ENGLISH = json.loads((MESSAGES_DIR / "en.json").read_text(encoding="utf-8"))
OTHER_LANGUAGES = [code for code in EU_LANGUAGES if code != "en"]
SCRIPTS = {"bg": ("\u0400", "\u04ff"), "el": ("\u0370", "\u03ff")}
SAMPLE_VALUES = {"title": "T", "section": "4.2", "n": 1, "period": "2026-2027", "period_asked": "2024-2025",
                 "ref": "ESC-1", "due": "2026-03-05 17:00 UTC", "part": "P"}


def _placeholders(template: str) -> list[str]:
    return sorted(field for _, field, _, _ in string.Formatter().parse(template) if field is not None)


def _catalogue(code: str) -> dict[str, str]:
    path: Path = MESSAGES_DIR / f"{code}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_official_eu_language_has_a_catalogue() -> None:
    assert sorted(available_languages()) == sorted(EU_LANGUAGES)


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_catalogue_has_exactly_the_english_keys(code: str) -> None:
    catalogue = _catalogue(code)
    assert set(catalogue) == set(ENGLISH)
    assert all(isinstance(value, str) and value.strip() for value in catalogue.values())


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_catalogue_keeps_the_placeholders_of_each_key(code: str) -> None:
    catalogue = _catalogue(code)
    for key, english in ENGLISH.items():
        assert _placeholders(catalogue[key]) == _placeholders(english), (code, key)


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_catalogue_is_translated(code: str) -> None:
    catalogue = _catalogue(code)
    identical = [key for key, english in ENGLISH.items() if catalogue[key] == english]
    assert identical == []


@pytest.mark.parametrize("code", sorted(SCRIPTS))
def test_native_script_is_used(code: str) -> None:
    low, high = SCRIPTS[code]
    for key, text in _catalogue(code).items():
        assert any(low <= char <= high for char in text), (code, key)


@pytest.mark.parametrize("code", list(EU_LANGUAGES))
def test_every_text_formats_in_every_language(code: str) -> None:
    for key, english in ENGLISH.items():
        values = {name: SAMPLE_VALUES[name] for name in _placeholders(english)}
        text = message(key, code, **values)
        assert "{" not in text and "}" not in text, (code, key)
        for value in values.values():
            assert str(value) in text, (code, key)


def test_missing_value_fails_loudly() -> None:
    with pytest.raises(KeyError):
        message("escalated", "de", ref="ESC-1")
