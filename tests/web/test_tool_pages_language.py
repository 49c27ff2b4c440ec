"""The advisor, template finder and draft form speak the browser's language, negotiated as on the chat page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.web import advisor, finder
from assistant.web.ui_text import UI_LANGUAGES, ui_text
from tests.web.tool_pages import tool_pages_client

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
PAGES = {("/advisor", ""): ("advisor_title", "advisor_launch_date", "advisor_submit"),
         ("/finder", ""): ("finder_title", "finder_need_label", "finder_submit"),
         ("/finder/draft", "T-INF-01"): ("draft_label", "draft_weights", "draft_submit")}


@pytest.fixture
def tools() -> TestClient:
    return tool_pages_client(advisor.router, finder.router)


def test_a_german_browser_gets_german_labels(tools: TestClient) -> None:
    finder_page = tools.get("/finder", headers=GERMAN)
    assert finder_page.headers["content-language"] == "de" and '<html lang="de">' in finder_page.text
    assert "1. Was möchten Sie beschaffen?" in finder_page.text and "Vorlagen finden" in finder_page.text
    assert "What do you want to buy" not in finder_page.text and "Find templates" not in finder_page.text
    draft = tools.get("/finder/draft", params={"template": "T-INF-01"}, headers=GERMAN)
    assert "Gewichtung der Zuschlagskriterien (%, zusammen 100)" in draft.text
    assert "DOCX-Entwurf herunterladen" in draft.text and "Download the DOCX draft" not in draft.text
    page = tools.get("/advisor", headers=GERMAN)
    assert "Schwellenwert- und Verfahrensberater" in page.text and "Subzentraler Auftraggeber" in page.text
    assert "Threshold and procedure advisor" not in page.text and "Launch date" not in page.text


def test_german_results_notes_and_problems(tools: TestClient) -> None:
    found = tools.get("/finder", headers=GERMAN, params={"need": "air quality sensors", "budget": "250000",
                                                         "publish": "2026-03-02"})
    assert "Empfohlene Vorlagen" in found.text and "Entwurf erstellen" in found.text
    assert "erreicht den EU-Schwellenwert" in found.text and "frühestens am 2026-04-01" in found.text
    wrong = tools.get("/finder", headers=GERMAN, params={"need": "sensors", "budget": "lots"})
    assert wrong.status_code == 422 and "Bitte korrigieren Sie:" in wrong.text
    assert "Das Budget muss ein Betrag in Euro ohne Mehrwertsteuer sein" in wrong.text
    advice = tools.post("/advisor", headers=GERMAN, data={"launch_date": "2026-03-02", "total": "300000",
                                                          "electronic": "on"})
    assert "Ergebnis (Schwellenwerte 2026-2027)" in advice.text and "Die EU-Richtlinie gilt" in advice.text


def test_the_choice_and_the_cookie_beat_the_browser(tools: TestClient) -> None:
    chosen = tools.get("/finder", params={"lang": "fr"}, headers=GERMAN)
    assert "Recherche de modèles" in chosen.text and chosen.cookies.get("helpdesk_lang") == "fr"
    assert "Recherche de modèles" in tools.get("/advisor", headers=GERMAN).text  # remembered


@pytest.mark.parametrize("language", sorted(UI_LANGUAGES))
@pytest.mark.parametrize(("path", "template"), sorted(PAGES))
def test_every_language_renders_every_tool_page(tools: TestClient, language: str, path: str, template: str) -> None:
    response = tools.get(path, params={"lang": language, **({"template": template} if template else {})})
    assert response.status_code == 200 and response.headers["content-language"] == language
    texts = ui_text(language)
    for key in PAGES[(path, template)]:
        assert texts[key].replace("&", "&amp;").replace("'", "&#39;") in response.text, key


def test_german_advice_above_the_threshold(tools: TestClient) -> None:
    advice = tools.post("/advisor", params={"lang": "de"}, data={
        "launch_date": "2026-03-02", "annual": "100000", "years": "3", "publication_date": "2026-03-02",
        "electronic": "on", "award_decision_date": "2026-05-04", "award_decision_electronic": "on"})
    assert advice.status_code == 200
    text = advice.text
    assert "EUR 100,000 pro Jahr × 3 Jahre" in text and "Die EU-Richtlinie gilt" in text
    assert "Liefer- und Dienstleistungsaufträge, subzentrale öffentliche Auftraggeber (Gemeinden, Regionen)" in text
    assert "<strong>Offenes Verfahren</strong>: Immer zulässig." in text
    assert "Nichtoffenes Verfahren" in text and "Wettbewerblicher Dialog" in text and "Innovationspartnerschaft" in text
    assert "Offenes Verfahren, Eingang der Angebote – frühestmögliches Fristende" in text and "2026-04-01" in text
    assert "Ende der Stillhaltefrist (10 Kalendertage)" in text
    assert "Art 27(4) Directive 2014/24/EU" in text  # legal references stay as they are
    for english in ("Open procedure", "Restricted procedure", "Always available", "Receipt of tenders",
                    "earliest deadline", "End of standstill", "a year ×", "Supplies and services"):
        assert english not in text, english


def test_advisor_problems_in_the_pages_language(tools: TestClient) -> None:
    form = tools.post("/advisor", params={"lang": "de"}, data={"launch_date": "2026-03-02", "total": "lots",
                                                                "years": "0", "authority": "king"})
    assert form.status_code == 422
    assert "<li>Gesamtwert für die gesamte Laufzeit: eine Zahl, zum Beispiel 216000</li>" in form.text
    assert "<li>Jahre: mehr als 0</li>" in form.text
    assert "<li>Öffentlicher Auftraggeber: Wählen Sie eine der angebotenen Möglichkeiten</li>" in form.text
    late = tools.post("/advisor", params={"lang": "fr"}, data={"launch_date": "2031-01-01", "total": "5"})
    assert late.status_code == 422 and "aucun seuil européen n&#39;est connu pour le 2031-01-01" in late.text
    years = tools.post("/advisor", params={"lang": "pl"}, data={"launch_date": "2026-03-02", "annual": "5"})
    assert "wartość roczna wymaga podania liczby lat obowiązywania umowy" in years.text


def test_french_recommendation_reasons(tools: TestClient) -> None:
    found = tools.get("/finder", params={"lang": "fr", "need": "air quality and noise sensors", "phase": "Foundation"})
    assert found.status_code == 200
    assert "G-19 §3 : pour « Measure air quality and noise in streets », partir de T-INF-01" in found.text
    assert "Correspond à la phase Fondation (Foundation) de la feuille de route de référence (G-19 §2)." in found.text
    assert "Ses thèmes et son titre correspondent : air, noise, quality, sensor." in found.text
    assert "start from" not in found.text and "Fits the" not in found.text and "topics and title" not in found.text
    empty = tools.get("/finder", params={"lang": "fr", "need": "the and of"})
    assert empty.status_code == 422 and "décrivez en quelques mots ce que vous souhaitez acheter" in empty.text


def test_polish_draft_form_and_validation(tools: TestClient) -> None:
    form = tools.get("/finder/draft", params={"template": "T-INF-01", "lang": "pl"})
    assert '<label for="f_authority_name">Zamawiający</label>' in form.text
    assert '<label for="w_price">Cena i koszt cyklu życia</label>' in form.text
    assert "Projekt jest w języku angielskim" in form.text and "Contracting authority" not in form.text
    refused = tools.post("/finder/draft", params={"template": "T-INF-01", "lang": "pl"}, data={
        "f_contract_object": "czujniki", "f_publication_date": "2026-03-02", "f_tender_deadline": "2026-03-10",
        "w_price": "90"})
    assert refused.status_code == 422
    assert "wagi kryteriów udzielenia zamówienia sumują się do 155, a nie do 100" in refused.text
    assert "Zamawiający: pole wymagane" in refused.text
    assert "Termin składania ofert: co najmniej 35 dni od wysłania ogłoszenia o zamówieniu" in refused.text
    assert "nie wcześniej niż 2026-04-06" in refused.text and "add up to" not in refused.text
    english = tools.get("/finder/draft", params={"template": "T-INF-01", "lang": "en"})
    assert "Contracting authority" in english.text and 'id="docx-language"' not in english.text
