"""The template finder questionnaire and the DOCX draft download, opened with python-docx."""

from __future__ import annotations

import io

import pytest
from docx import Document
from fastapi.testclient import TestClient

from assistant.web import finder
from tests.web.tool_pages import tool_pages_client


@pytest.fixture
def finder_client() -> TestClient:
    return tool_pages_client(finder.router)


def test_questionnaire_recommends_with_reasons_and_budget_advice(finder_client: TestClient) -> None:
    empty = finder_client.get("/finder")
    assert empty.status_code == 200 and 'name="need"' in empty.text and "Recommended templates" not in empty.text
    page = finder_client.get("/finder", params={"need": "air quality and noise sensors", "phase": "Foundation",
                                                "budget": "250000", "publish": "2026-03-02"})
    assert page.status_code == 200
    assert 'id="rec-T-INF-01"' in page.text and "G-19 §3" in page.text
    assert "reaches the EU threshold" in page.text and "EUR 216,000" in page.text
    assert "2026-04-01" in page.text  # earliest open-procedure deadline from the advisor
    assert "/finder/draft?template=T-INF-01" in page.text


def test_questionnaire_bad_input_is_422_and_escaped(finder_client: TestClient) -> None:
    page = finder_client.get("/finder", params={"need": "<b>sensors</b>", "budget": "lots"})
    assert page.status_code == 422 and "<b>sensors</b>" not in page.text and "&lt;b&gt;" in page.text
    for budget in ("NaN", "-Infinity", "1e400"):
        assert finder_client.get("/finder", params={"need": "sensors", "budget": budget}).status_code == 422
    assert finder_client.get("/finder", params={"need": "sensors", "publish": "9999-12-31"}).status_code == 422
    assert finder_client.get("/finder/draft", params={"template": "../etc"}).status_code == 422
    assert finder_client.get("/finder/draft", params={"template": "T-XXX-99"}).status_code == 404


def test_draft_download_opens_with_the_filled_values(finder_client: TestClient) -> None:
    form = finder_client.get("/finder/draft", params={"template": "T-INF-01"})
    assert form.status_code == 200 and 'name="f_authority_name"' in form.text and 'name="w_price"' in form.text
    response = finder_client.post("/finder/draft", params={"template": "T-INF-01"}, data={
        "procedure": "open", "electronic": "on", "f_authority_name": "City of Tartu", "f_contract_object": "sensors",
        "f_publication_date": "2026-03-02", "f_tender_deadline": "2026-04-02", "w_price": "40", "w_data_quality": "20"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="t-inf-01-draft.docx"'
    document = Document(io.BytesIO(response.content))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for table in document.tables for row in table.rows for c in row.cells])
    assert "City of Tartu" in text and "40%" in text and "20%" in text and "2026-04-02" in text


def test_draft_with_bad_weightings_or_deadline_is_refused(finder_client: TestClient) -> None:
    response = finder_client.post("/finder/draft", params={"template": "T-INF-01"}, data={
        "f_authority_name": "<i>X</i>", "f_contract_object": "sensors", "f_publication_date": "2026-03-02",
        "f_tender_deadline": "2026-03-10", "w_price": "90"})
    assert response.status_code == 422
    assert "not 100" in response.text and "not before 2026-04-06" in response.text  # no electronic box: 35 days
    assert "<i>X</i>" not in response.text and "&lt;i&gt;X&lt;/i&gt;" in response.text
