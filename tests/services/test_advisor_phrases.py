"""The tools' texts: every key the advisor, finder and draft builder can produce exists in all eight interface
languages, the English texts match the rule book and the templates they translate, and dates read naturally."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest

from assistant.errors import ExplainedInputError
from assistant.services.advisor_phrases import Phrase, long_date, phrase, procedure_name, refusal, step_name, tool_texts
from assistant.services.advisor_rules import load_rules
from assistant.services.draft_builder import criterion_label, field_label
from assistant.services.template_finder import PHASE_KEYS, load_catalogue
from assistant.web.ui_text import UI_LANGUAGES, ui_text

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
RULES = load_rules()
CATALOGUE = load_catalogue(KNOWLEDGE)
ENGLISH = tool_texts("en")
TOOL_KEY_PREFIXES = ("advice_", "advisor_error_", "advisor_problem_", "value_step_", "value_error_", "procedure_",
                     "step_", "threshold_", "finder_reason_", "finder_error_", "draft_error_", "draft_field_",
                     "draft_criterion_", "draft_docx_language", "weekday_", "date_month_")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _rule_book_texts() -> dict[str, str]:
    """Every text the rule book contributes, by key, with its English wording there."""
    texts = {p.title.key: p.name for p in RULES.procedures} | {p.terms.key: p.condition for p in RULES.procedures}
    texts |= {t.title.key: t.label for period in RULES.periods for t in period.thresholds}
    for procedure in RULES.procedures:
        for rule in procedure.time_limits:
            texts[step_name(rule.step).key] = rule.step.lower()
    return texts


def _template_texts() -> dict[str, str]:
    """Every field and award-criterion label of every template, by key, with its English wording."""
    texts = {}
    for template in CATALOGUE.templates.values():
        texts |= {field_label(str(p["label"])).key: str(p["label"]) for p in template.placeholders}
        texts |= {criterion_label(str(c["label"])).key: str(c["label"]) for c in template.award_criteria}
    return texts


@pytest.mark.parametrize("source", [_rule_book_texts, _template_texts])
def test_english_texts_are_the_rule_book_and_template_wording(source) -> None:  # type: ignore[no-untyped-def]
    for key, english in source().items():
        assert ENGLISH.get(key) == english, key


@pytest.mark.parametrize("language", sorted(set(UI_LANGUAGES) - {"en"}))
def test_every_tool_text_is_translated_with_the_same_placeholders(language: str) -> None:
    translated = tool_texts(language)
    keys = [k for k in ENGLISH if k.startswith(TOOL_KEY_PREFIXES)]
    assert len(keys) > 350
    for key in keys:
        assert key in translated and translated[key].strip(), key
        assert _placeholders(translated[key]) == _placeholders(ENGLISH[key]), key
    assert set(_rule_book_texts()) | set(_template_texts()) | set(PHASE_KEYS.values()) <= set(translated)
    untranslated = [k for k in keys if translated[k] == ENGLISH[k] and len(ENGLISH[k]) > 12]
    assert untranslated == []


@pytest.mark.parametrize("language", sorted(UI_LANGUAGES) + ["sv", "../en", "EN"])
def test_the_service_reads_the_same_catalogue_as_the_pages(language: str) -> None:
    assert dict(tool_texts(language)) == ui_text(language if language in UI_LANGUAGES else "en")


def test_procedure_names_use_the_directive_terms() -> None:
    names = {lang: tool_texts(lang)["procedure_open"] for lang in ("de", "fr", "es", "it", "pl", "nl", "pt")}
    assert names == {"de": "Offenes Verfahren", "fr": "Procédure ouverte", "es": "Procedimiento abierto",
                     "it": "Procedura aperta", "pl": "Przetarg nieograniczony", "nl": "Openbare procedure",
                     "pt": "Concurso público"}
    assert tool_texts("de")["procedure_restricted"] == "Nichtoffenes Verfahren"
    assert tool_texts("fr")["procedure_competitive_dialogue"] == "Dialogue compétitif"


def test_phrases_nest_fall_back_and_read_english_as_text() -> None:
    title = phrase("advice_deadline_date", procedure=procedure_name("open"), step=step_name("Receipt of tenders"))
    assert str(title) == "Open procedure: earliest deadline for receipt of tenders"
    assert title.say(tool_texts("de")) == "Offenes Verfahren, Eingang der Angebote – frühestmögliches Fristende"
    unknown = Phrase("draft_field_not_in_the_catalogue", default="A brand-new field")
    assert unknown.say(tool_texts("fr")) == "A brand-new field"
    with pytest.raises(KeyError):
        phrase("no_such_key").say(ENGLISH)


def test_refusals_keep_an_english_message_and_the_phrase() -> None:
    error = refusal("advisor_error_year_range", date="9999-12-31")
    assert isinstance(error, ExplainedInputError)
    assert str(error) == "9999-12-31 is outside the years the advisor can plan for"
    assert error.explanation.say(tool_texts("pl")) == "9999-12-31 wykracza poza lata, dla których doradca może planować"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Wednesday 1 April 2026"), ("de", "Mittwoch, 1. April 2026"), ("fr", "mercredi 1 avril 2026"),
    ("es", "miércoles, 1 de abril de 2026"), ("it", "mercoledì 1 aprile 2026"), ("pl", "środa, 1 kwietnia 2026"),
    ("nl", "woensdag 1 april 2026"), ("pt", "quarta-feira, 1 de abril de 2026"), ("sv", "Wednesday 1 April 2026"),
])
def test_long_dates_in_each_language(language: str, expected: str) -> None:
    assert long_date(dt.date(2026, 4, 1), tool_texts(language)) == expected
    assert long_date(dt.date(2026, 12, 13), tool_texts(language)).endswith("2026")
