"""The advisor, template finder and draft form speak the browser's language, negotiated as on the chat page."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.web import advisor, errors, finder
from assistant.web.ui_text import UI_LANGUAGES, ui_text

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
PAGES = {("/advisor", ""): ("advisor_title", "advisor_launch_date", "advisor_submit"),
         ("/finder", ""): ("finder_title", "finder_need_label", "finder_submit"),
         ("/finder/draft", "T-INF-01"): ("draft_label", "draft_weights", "draft_submit")}


@pytest.fixture
def tools() -> TestClient:
    app = FastAPI()
    app.state.helpdesk = SimpleNamespace(settings=SimpleNamespace(knowledge_dir=KNOWLEDGE))
    errors.install(app)
    app.include_router(advisor.router)
    app.include_router(finder.router)
    return TestClient(app)


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
