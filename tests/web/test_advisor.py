"""The advisor's API and page, on an app holding only the advisor router (no knowledge index needed)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.web import advisor, errors


@pytest.fixture
def advisor_client() -> TestClient:
    app = FastAPI()
    errors.install(app)
    app.include_router(advisor.router)
    return TestClient(app)


def test_api_advises_with_the_working(advisor_client: TestClient) -> None:
    response = advisor_client.post("/api/advise", json={
        "launch_date": "2026-03-02", "value": {"annual": 180000, "years": 3, "renewal_years": 1},
        "procedure": "open", "publication_date": "2026-03-02", "award_decision_date": "2026-05-04"})
    assert response.status_code == 200
    data = response.json()
    assert data["value"]["total_eur"] == 720000 and data["above_threshold"] is True
    assert data["threshold"]["amount_eur"] == 216000 and data["period"] == "2026-2027"
    dates = {d["label"]: d["date"] for d in data["key_dates"]}
    assert dates["Open procedure: earliest deadline for receipt of tenders"] == "2026-04-01"
    assert any(label.startswith("End of standstill") and day == "2026-05-14" for label, day in dates.items())
    assert any("Art 5(1)" in line for line in data["working"])


@pytest.mark.parametrize("body", [
    {"launch_date": "2026-13-01"},
    {"launch_date": "2026-03-02", "authority": "king"},
    {"launch_date": "2026-03-02", "value": {"total": -5}},
    {"launch_date": "2019-03-02", "value": {"total": 5}},
    {"launch_date": "2026-03-02", "value": {"annual": 5}},
    {"launch_date": "2026-03-02", "procedure": "auction"},
    {"launch_date": "2026-03-02", "publication_date": "9999-12-31"},
    {"launch_date": "2026-03-02", "award_decision_date": "9999-12-31"},
])
def test_api_refuses_bad_input_with_422(advisor_client: TestClient, body: dict) -> None:
    response = advisor_client.post("/api/advise", json=body)
    assert response.status_code == 422


def test_page_form_and_result(advisor_client: TestClient) -> None:
    page = advisor_client.get("/advisor")
    assert page.status_code == 200 and 'name="annual"' in page.text
    result = advisor_client.post("/advisor", data={
        "launch_date": "2025-11-10", "authority": "sub_central", "contract_type": "services", "total": "218,000",
        "electronic": "on"})
    assert result.status_code == 200
    assert "EUR 218,000.00" in result.text and "EUR 221,000" in result.text
    assert "Below the EU threshold" in result.text and 'href="/documents/G-02#sec-1.1"' in result.text


def test_page_shows_problems_and_escapes_input(advisor_client: TestClient) -> None:
    result = advisor_client.post("/advisor", data={"launch_date": "2026-03-02", "total": "<script>x</script>"})
    assert result.status_code == 422
    assert "<script>x</script>" not in result.text and "&lt;script&gt;" in result.text
    assert "Please correct" in result.text
    late = advisor_client.post("/advisor", data={"launch_date": "2031-01-01", "total": "5"})
    assert late.status_code == 422 and "no EU thresholds are known" in late.text
