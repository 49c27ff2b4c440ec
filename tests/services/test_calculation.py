"""Calculation questions recognised and answered by the advisor; the eval set's share answered correctly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.services.advisor_rules import load_rules
from assistant.services.calculation import parse_calculation
from assistant.services.calculation_answer import answered_correctly, calculation_reply

TODAY = dt.date(2026, 11, 23)
CASES = Path(__file__).resolve().parents[2] / "evals" / "questions" / "calculations.jsonl"


def test_annual_value_with_option_is_multiplied_out() -> None:
    parsed = parse_calculation("We have 180k a year for 3 years of SaaS with a one-year option: EU tender?", TODAY)
    assert parsed is not None and parsed.kind == "threshold"
    value = parsed.request.value
    assert value is not None and value.annual == 180_000 and value.years == 3 and value.renewal_years == 1
    assert parsed.request.launch_date == TODAY  # no date named: today decides the period


@pytest.mark.parametrize(("question", "field", "expected"), [
    ("EUR 250,000 for works in 2025: does the EU directive apply?", "total", Decimal(250_000)),
    ("Eine Gemeinde hat 5.450.000 EUR netto ausgeschrieben. Galt die EU-Richtlinie?", "total", Decimal(5_450_000)),
    ("Contrat de 50 000 € HT par an sur 4 ans : faut-il une procédure européenne ?", "annual", Decimal(50_000)),
    ("Budget EUR 1.5 million including 20% VAT: above the threshold?", "vat_rate", Decimal(20)),
])
def test_amounts_in_several_notations(question: str, field: str, expected: Decimal) -> None:
    parsed = parse_calculation(question, TODAY)
    assert parsed is not None and getattr(parsed.request.value, field) == expected


def test_authority_contract_type_and_dates() -> None:
    works = parse_calculation("EUR 250,000 for works in 2025: is it above the EU threshold?", TODAY)
    assert works is not None and works.request.contract_type == "works"
    assert works.request.launch_date == dt.date(2025, 1, 1)
    ministry = parse_calculation("A ministry buys a licence for EUR 150,000 on 3 February 2026. Threshold?", TODAY)
    assert ministry is not None and ministry.request.authority == "central"
    assert ministry.request.launch_date == dt.date(2026, 2, 3)


def test_deadline_and_standstill_questions() -> None:
    deadline = parse_calculation("We publish an open procedure on 2 March 2026 with electronic submission: "
                                 "earliest deadline?", TODAY)
    assert deadline is not None and deadline.kind == "deadline" and deadline.request.procedure == "open"
    assert deadline.request.electronic and deadline.request.publication_date == dt.date(2026, 3, 2)
    standstill = parse_calculation("We send the award decision by post on 2 March 2026: when can we sign?", TODAY)
    assert standstill is not None and standstill.kind == "standstill"
    assert standstill.request.award_decision_electronic is False


@pytest.mark.parametrize("question", [
    "What is the EU threshold for supply contracts of a municipality?",
    "Please review our award decision for the sensor tender: is it legal?",
    "How do I write award criteria for a data platform?",
    "We pay EUR 3,000 for coffee.",  # an amount, but no threshold question
])
def test_other_questions_are_not_calculations(question: str) -> None:
    assert parse_calculation(question, TODAY) is None


def test_reply_shows_the_working_and_cites_the_knowledge() -> None:
    reply = calculation_reply("We have 180k a year for 3 years of SaaS with a one-year option, in 2026: EU tender?",
                              TODAY, "http://testserver")
    assert reply is not None
    assert reply.text.startswith("Estimated value EUR 720,000 net of VAT against the threshold of EUR 216,000")
    assert "EUR 180,000 a year × 3 years: EUR 540,000" in reply.text and "Art 4(c)" in reply.text
    assert {c.document_id for c in reply.citations} >= {"G-01", "G-03"}
    assert "[1]" in reply.text


def test_out_of_period_calculation_falls_back_to_the_knowledge_search() -> None:
    assert calculation_reply("EUR 300,000 for a platform in 2019: above the EU threshold?", TODAY, "http://x") is None


def test_eval_calculation_questions_are_answered_correctly() -> None:
    rules = load_rules()
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    correct = [c["id"] for c in cases if answered_correctly(c["question"], c["expected_advice"], TODAY, rules)]
    share = len(correct) / len(cases)
    assert len(cases) >= 20 and share >= 0.8, sorted({c["id"] for c in cases} - set(correct))


def test_reply_is_in_the_questions_language() -> None:
    reply = calculation_reply("Eine Gemeinde kauft Software für 300.000 EUR netto im Jahr 2026. Gilt der "
                              "EU-Schwellenwert?", TODAY, "http://x", language="de")
    assert reply is not None
    assert reply.text.startswith("Geschätzter Wert EUR 300,000 ohne Mehrwertsteuer gegenüber dem Schwellenwert von "
                                 "EUR 216,000 (2026-2027): Der Auftrag fällt unter die EU-Richtlinie.")
    assert "**Verfügbare Verfahren**" in reply.text and "- Offenes Verfahren: Immer zulässig." in reply.text
    assert "Art 4(c) Directive 2014/24/EU" in reply.text and "Quellen: [1]" in reply.text
    assert "Open procedure" not in reply.text and "Sources:" not in reply.text
    deadline = calculation_reply("Nous publions une procédure ouverte le 2 mars 2026 avec remise électronique : "
                                 "quel est le délai le plus court ?", TODAY, "http://x", language="fr")
    assert deadline is not None
    assert deadline.text.startswith("Date limite au plus tôt pour la réception des offres : mercredi 1 avril 2026")


def test_a_language_without_interface_texts_gets_english() -> None:
    question = "We send the award decision by post on 2 March 2026: when can we sign?"
    assert calculation_reply(question, TODAY, "http://x", language="sv") == calculation_reply(question, TODAY, "http://x")
