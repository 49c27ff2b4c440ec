"""The chat and library pages over the real knowledge: languages, escaping, templates, citations that land."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.web.ui_text import LANGUAGE_COOKIE, UI_LANGUAGES, ui_text
from assistant.wiring import Helpdesk, build_helpdesk
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def helpdesk(knowledge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:
    """The real index; a knowledge folder of our own where only T-INF-01's DOCX has been generated."""
    folder = tmp_path_factory.mktemp("pages")
    (folder / "knowledge" / "downloads").mkdir(parents=True)
    (folder / "knowledge" / "downloads" / "t-inf-01.docx").write_bytes(b"PK\x03\x04")
    settings = make_settings(folder / "data", chroma_path=knowledge_dir / "chroma", knowledge_dir=folder / "knowledge",
                             database_url=f"sqlite:///{folder / 'helpdesk.db'}")
    built = build_helpdesk(settings)
    yield built
    built.db.dispose()


@pytest.fixture(scope="module")
def app(helpdesk: Helpdesk) -> FastAPI:
    return create_app(helpdesk.settings, helpdesk)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def test_the_chat_page_has_a_labelled_question_box_and_its_texts(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.headers["content-language"] == "en"
    html = response.text
    assert '<html lang="en">' in html and '<label for="question">Your question</label>' in html
    assert 'maxlength="4000"' in html and 'role="log"' in html and 'role="status"' in html
    assert '<script src="/static/chat.js" defer></script>' in html
    embedded = re.search(r'<script type="application/json" id="ui-text">(.*?)</script>', html, re.S)
    assert embedded and json.loads(embedded.group(1)) == ui_text("en")
    assert client.get("/static/chat.js").status_code == 200


@pytest.mark.parametrize("language", sorted(UI_LANGUAGES))
def test_the_browser_language_picks_the_interface_language(client: TestClient, language: str) -> None:
    html = client.get("/", headers={"Accept-Language": f"{language}-XX,{language};q=0.9,en;q=0.5"}).text
    assert f'<html lang="{language}">' in html
    assert f'<label for="question">{ui_text(language)["question_label"]}</label>' in html
    assert f'<option value="{language}" lang="{language}" selected>' in html


def test_the_switcher_choice_is_remembered_over_the_browser_language(client: TestClient) -> None:
    switched = client.get("/library?lang=pl", headers={"Accept-Language": "de"})
    assert '<html lang="pl">' in switched.text and f"{LANGUAGE_COOKIE}=pl" in switched.headers["set-cookie"]
    assert '<html lang="pl">' in client.get("/", headers={"Accept-Language": "de"}).text
    unknown = client.get("/?lang=xx", headers={"Accept-Language": "de"})
    assert '<html lang="pl">' in unknown.text and "set-cookie" not in unknown.headers


def test_ask_about_a_template_prefills_the_question(client: TestClient) -> None:
    html = client.get("/?about=T-INF-01&lang=en").text
    assert re.search(r'<textarea id="question"[^>]*>What does the template T-INF-01 “[^”]+” cover', html)
    assert '<input type="hidden" name="about" value="T-INF-01">' in html  # kept when switching language
    unknown = client.get("/?about=T-NOPE")
    assert unknown.status_code == 200 and re.search(r'aria-describedby="question-hint"></textarea>', unknown.text)


def test_query_text_is_escaped_everywhere(client: TestClient) -> None:
    attack = '"><script>alert(1)</script>'
    html = client.get("/", params={"about": attack[:60], "lang": "en"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert client.get("/", params={"about": "x" * 65}).status_code == 422


def test_the_library_lists_every_template_by_category_with_downloads_and_ask(client: TestClient) -> None:
    templates = client.get("/api/documents?doc_type=template").json()
    html = client.get("/library?lang=en").text
    assert len(templates) >= 11
    for category in ("Infrastructure (hardware)", "Platforms (front-end software)",
                     "Application services (back-end software)"):
        assert f">{category} <span" in html
    for template in templates:
        assert f'id="doc-{template["document_id"]}"' in html
        assert f'href="/?about={template["document_id"]}"' in html
        assert f'href="/documents/{template["document_id"]}"' in html
    assert 'href="/api/documents/T-INF-01/download/docx" download' in html
    assert html.count("PDF not generated yet") == len(templates)
    assert html.count("DOCX not generated yet") == len(templates) - 1
    assert 'href="/documents/G-01"' in html and ">Guidance <span" in html


def test_every_citation_of_an_answer_lands_on_an_anchor_of_the_source_viewer(client: TestClient) -> None:
    reply = client.post("/api/chat", json={"message": "Which award criteria and weights does the urban data platform "
                                                      "template recommend?"}).json()
    anchored = [c for c in reply["citations"] if "#" in c["url"]]
    assert anchored
    for citation in reply["citations"]:
        url = urlsplit(citation["url"])
        page = client.get(url.path + (f"?{url.query}" if url.query else ""))
        assert page.status_code == 200
        assert not url.fragment or f'id="{url.fragment}"' in page.text, citation  # no fragment: the document's start


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "vector_store": "ok"}
