"""The template finder and the draft builder in a real Chromium: questionnaire, reasons, DOCX download, language."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from tests.browser.conftest import DESKTOP, LiveServer, axe_violations

pytestmark = pytest.mark.integration

FIELDS = {  # label on the draft form -> what the official types
    "Contracting authority": "Municipality of Lindenfeld",
    "Short description of the contract object": "forty air quality and noise sensors for the old town",
    "Number of lots": "2",
    "Estimated total contract value in EUR, excluding VAT": "480000",
    "Date the contract notice is sent for publication": "2026-03-02",
    "Deadline for receipt of tenders": "2026-04-06",
}
WEIGHTS = {"Price and life-cycle cost": "40", "Security and update policy": "0"}  # the others keep 25, 15, 10, 10


def docx_content(path: Path) -> tuple[str, list[list[str]]]:
    """The paragraphs and table cells of a Word file as one text, and the table rows as lists of cell texts."""
    document = Document(io.BytesIO(path.read_bytes()))
    rows = [[cell.text.strip() for cell in row.cells] for table in document.tables for row in table.rows]
    return "\n".join([p.text for p in document.paragraphs] + [c for row in rows for c in row]), rows


def answer_questionnaire(page: Any, live_server: LiveServer) -> Any:
    """Fill the four questions as an official would and return the recommendation card of T-INF-01."""
    page.goto(live_server.url + "/finder")
    page.get_by_label("1. What do you want to buy?").fill("air quality and noise sensors in our streets")
    page.get_by_label("2. Where are you on the reference roadmap?").select_option("Foundation")
    page.get_by_label("3. Budget for the whole duration").fill("480000")
    page.get_by_label("4. When do you plan to publish?").fill("2026-03-02")
    page.get_by_role("button", name="Find templates").click()
    page.wait_for_url(re.compile(r"/finder\?need="))
    return page.locator("#rec-T-INF-01")


def fill_draft(page: Any, weights: dict[str, str]) -> None:
    for label, value in FIELDS.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, value in weights.items():
        page.get_by_label(label, exact=True).fill(value)


def test_recommendation_to_filled_docx_download(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    card = answer_questionnaire(page, live_server)
    assert page.locator("#recommendations .card").first.get_attribute("id") == "rec-T-INF-01"
    reasons = card.locator(".reasons li").all_inner_texts()
    assert any("G-19 §3" in reason for reason in reasons) and any("Foundation phase" in r for r in reasons)
    notes = page.locator("#recommendations .notice").all_inner_texts()
    assert any("reaches the EU threshold" in n for n in notes) and any("2026-04-01" in n for n in notes)
    assert axe_violations(page) == []

    card.get_by_role("link", name=re.compile(r"^Build a draft")).click()
    page.wait_for_url(re.compile(r"/finder/draft\?template=T-INF-01$"))
    assert "IoT environmental sensor network" in page.get_by_role("heading", level=1).inner_text()
    fill_draft(page, WEIGHTS)
    assert axe_violations(page) == []
    with page.expect_download() as started:
        page.get_by_role("button", name="Download the DOCX draft").click()
    download = started.value
    assert download.suggested_filename == "t-inf-01-draft.docx" and download.failure() is None
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text, rows = docx_content(saved)
    for value in ("Municipality of Lindenfeld", "forty air quality and noise sensors for the old town",
                  "EUR 480,000", "2026-03-02", "2026-04-06", "(2 lots)"):
        assert value in text, value
    weights = {row[0]: row[1] for row in rows if len(row) > 1 and row[1].endswith("%")}
    assert weights["Price and life-cycle cost"] == "40%" and weights["Measurement and data quality"] == "25%"
    assert weights["Security and update policy"] == "0%"
    assert "documentation set for Municipality of Lindenfeld to buy" in text  # the placeholder in the body, filled


def test_weightings_not_adding_up_to_100_are_shown_and_nothing_downloads(page: Any,
                                                                        live_server: LiveServer) -> None:
    downloads: list[Any] = []
    page.on("download", lambda download: downloads.append(download))
    page.goto(live_server.url + "/finder/draft?template=T-INF-01")
    fill_draft(page, {"Price and life-cycle cost": "25"})  # 25 + 25 + 15 + 10 + 10 + 5 = 90
    page.get_by_role("button", name="Download the DOCX draft").click()
    problems = page.locator("#problems")
    problems.wait_for()
    assert "the award criteria weightings add up to 90, not 100" in problems.inner_text()
    assert page.get_by_role("alert").count() == 1
    assert page.get_by_label("Contracting authority", exact=True).input_value() == "Municipality of Lindenfeld"
    assert page.get_by_label("Price and life-cycle cost", exact=True).input_value() == "25"
    page.wait_for_timeout(500)  # a download, had one started, would have been reported by now
    assert downloads == []


def test_a_german_browser_gets_the_tools_in_german(browser: Any, live_server: LiveServer, tmp_path: Path) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    context.set_default_timeout(45_000)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/finder")
        assert page.locator("html").get_attribute("lang") == "de"
        page.get_by_label("1. Was möchten Sie beschaffen?").fill("Sensoren air quality")
        page.get_by_role("button", name="Vorlagen finden").click()
        page.get_by_role("heading", name="Empfohlene Vorlagen").wait_for()
        page.locator("#rec-T-INF-01").get_by_role("link", name=re.compile(r"^Entwurf erstellen")).click()
        page.get_by_role("group", name="Gewichtung der Zuschlagskriterien (%, zusammen 100)").wait_for()
        assert "Der Entwurf ist auf Englisch" in page.locator("#docx-language").inner_text()
        page.get_by_label("Öffentlicher Auftraggeber", exact=True).fill("Stadt Lindenfeld")
        page.get_by_label("Kurzbeschreibung des Auftragsgegenstands", exact=True).fill("Luftqualitätssensoren")
        with page.expect_download() as started:
            page.get_by_role("button", name="DOCX-Entwurf herunterladen").click()
        saved = tmp_path / "entwurf.docx"
        started.value.save_as(saved)
        assert "Stadt Lindenfeld" in docx_content(saved)[0]
        page.goto(live_server.url + "/advisor")
        assert page.get_by_role("heading", level=1).inner_text() == "Schwellenwert- und Verfahrensberater"
    finally:
        context.close()
