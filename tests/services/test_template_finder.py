"""Template finder over the real templates and G-19; draft builder checks and DOCX output."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from assistant.errors import InvalidInputError, NotFoundError
from assistant.services.advisor_rules import load_rules
from assistant.services.draft_builder import DraftRequest, build_docx, check_draft
from assistant.services.template_finder import load_catalogue, recommend

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
CATALOGUE = load_catalogue(KNOWLEDGE)
RULES = load_rules()


def test_catalogue_reads_every_template_and_the_roadmap_table() -> None:
    assert len(CATALOGUE.templates) == 15 and len(CATALOGUE.needs) == 15
    twin = next(n for n in CATALOGUE.needs if n.template_id == "T-PLA-02")
    assert twin.phases == ("Accelerate & Expand",)
    assert CATALOGUE.template("t-inf-01").placeholders[0]["name"] == "authority_name"
    with pytest.raises(NotFoundError):
        CATALOGUE.template("T-XXX-99")


@pytest.mark.parametrize(("need", "phase", "first"), [
    ("air quality and noise sensors in our streets", "Foundation", "T-INF-01"),
    ("a 3D city model to simulate scenarios", None, "T-PLA-02"),
    ("optimise waste collection routes", "Growth", "T-APP-03"),
    ("maps and dashboards", "Growth", "T-PLA-05"),
])
def test_recommendations_come_with_reasons(need: str, phase: str | None, first: str) -> None:
    results = recommend(CATALOGUE, need, phase)
    assert results[0].template.template_id == first
    assert any("G-19 §3" in str(reason) for reason in results[0].reasons)


def test_recommend_refuses_empty_need_and_unknown_phase() -> None:
    with pytest.raises(InvalidInputError):
        recommend(CATALOGUE, "the and of", None)
    with pytest.raises(InvalidInputError):
        recommend(CATALOGUE, "sensors", "Phase 9")


def _draft(**values: str) -> DraftRequest:
    return DraftRequest(values={"authority_name": "City of Ghent", "contract_object": "air sensors", **values},
                        weights={})


def test_weightings_must_sum_to_100_and_dates_respect_the_time_limit() -> None:
    template = CATALOGUE.template("T-INF-01")
    ok = check_draft(template, _draft(publication_date="2026-03-02", tender_deadline="2026-04-01"), RULES)
    assert ok.problems == [] and ok.values["weight_price"] == "35%"
    bad = check_draft(template, DraftRequest(values={"publication_date": "2026-03-02",
                                                     "tender_deadline": "2026-03-31", "estimated_value_eur": "lots"},
                                             weights={"price": "50"}), RULES)
    text = " ".join(str(problem) for problem in bad.problems)
    assert "Contracting authority: required" in text and "add up to 115, not 100" in text
    assert "not before 2026-04-01" in text and "Estimated total contract value in EUR, excluding VAT: a number" in text
    paper = check_draft(template, DraftRequest(values=_draft().values | {
        "publication_date": "2026-03-02", "tender_deadline": "2026-04-01"}, weights={}, electronic=False), RULES)
    assert any("not before 2026-04-06" in str(p) for p in paper.problems)  # 35 days without electronic submission


def test_docx_has_the_filled_values_and_keeps_the_rest_as_fields() -> None:
    template = CATALOGUE.template("T-INF-01")
    checked = check_draft(template, _draft(authority_name="Gemeente *Zwolle*", number_of_noise_sensors="12",
                                           estimated_value_eur="250000"), RULES)
    document = Document(io.BytesIO(build_docx(template, checked.values)))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for table in document.tables for row in table.rows for c in row.cells])
    assert "Gemeente *Zwolle*" in text and "12 noise sensor units" in text and "EUR 250,000" in text
    assert "35%" in text and "{{deployment_area}}" in text
    assert document.core_properties.title.endswith("draft for Gemeente *Zwolle*")
