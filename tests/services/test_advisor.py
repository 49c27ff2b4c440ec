"""The threshold and procedure advisor: boundaries at every threshold, every time-limit reduction, Art 5 values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.errors import InvalidInputError
from assistant.services.advice_text import advice_citations, advice_dict, advice_text
from assistant.services.advisor import AdviceRequest, advise
from assistant.services.advisor_rules import load_rules
from assistant.services.valuation import ValueInput

RULES = load_rules()
RULES_DIR = Path(__file__).resolve().parents[2] / "knowledge"
D2025, D2026 = dt.date(2025, 6, 1), dt.date(2026, 6, 1)

# (launch date, authority, contract type, threshold in euro, expected legal reference prefix, knowledge doc)
THRESHOLDS = [
    (D2025, "sub_central", "works", 5_538_000, "Art 4(a)", "G-02"),
    (D2025, "central", "supplies", 143_000, "Art 4(b)", "G-02"),
    (D2025, "sub_central", "services", 221_000, "Art 4(c)", "G-02"),
    (D2025, "sub_central", "social", 750_000, "Art 4(d)", "G-02"),
    (D2025, "utility", "works", 5_538_000, "Art 15(b)", "G-02"),
    (D2025, "utility", "supplies", 443_000, "Art 15(a)", "G-02"),
    (D2025, "utility", "social", 1_000_000, "Art 15(c)", "G-02"),
    (D2025, "sub_central", "concession", 5_538_000, "Art 8(1)", "G-02"),
    (D2026, "central", "works", 5_404_000, "Art 4(a)", "G-01"),
    (D2026, "central", "services", 140_000, "Art 4(b)", "G-01"),
    (D2026, "sub_central", "supplies", 216_000, "Art 4(c)", "G-01"),
    (D2026, "central", "social", 750_000, "Art 4(d)", "G-01"),
    (D2026, "utility", "works", 5_404_000, "Art 15(b)", "G-01"),
    (D2026, "utility", "services", 432_000, "Art 15(a)", "G-01"),
    (D2026, "utility", "social", 1_000_000, "Art 15(c)", "G-01"),
    (D2026, "utility", "concession", 5_404_000, "Art 8(1)", "G-01"),
]


def _advise(total: Decimal | int, day: dt.date = D2026, authority: str = "sub_central",
            contract_type: str = "services", **extra: object):  # type: ignore[no-untyped-def]
    return advise(AdviceRequest(launch_date=day, value=ValueInput(total=Decimal(total)), authority=authority,
                                contract_type=contract_type, **extra), RULES)  # type: ignore[arg-type]


@pytest.mark.parametrize(("day", "authority", "contract_type", "amount", "reference", "document"), THRESHOLDS)
@pytest.mark.parametrize(("delta", "covered"), [(Decimal("-0.01"), False), (Decimal(0), True), (Decimal(1), True)])
def test_threshold_boundaries(day, authority, contract_type, amount, reference, document, delta, covered) -> None:
    advice = _advise(Decimal(amount) + delta, day, authority, contract_type)
    assert advice.threshold is not None and advice.threshold.amount == amount
    assert advice.threshold.reference.startswith(reference)
    assert advice.covered is covered
    assert advice.period.source.document == document
    assert (advice.procedures != []) is covered  # procedures only where the directive applies


def test_period_boundaries_and_unknown_dates() -> None:
    assert _advise(218_000, dt.date(2025, 12, 31)).covered is False
    assert _advise(218_000, dt.date(2026, 1, 1)).covered is True
    assert _advise(1, dt.date(2027, 12, 31)).period.id == "2026-2027"
    for day in (dt.date(2023, 12, 31), dt.date(2028, 1, 1)):
        with pytest.raises(InvalidInputError, match="no EU thresholds"):
            _advise(1, day)


def _limit(procedure: str, step: str, **extra: object) -> int:
    request = AdviceRequest(launch_date=D2026, procedure=procedure, publication_date=dt.date(2026, 6, 1),
                            **extra)  # type: ignore[arg-type]
    return next(t.days for t in advise(request, RULES).time_limits if t.step == step)


@pytest.mark.parametrize(("procedure", "step", "extra", "days"), [
    ("open", "Receipt of tenders", {"electronic": False}, 35),
    ("open", "Receipt of tenders", {"electronic": True}, 30),
    ("open", "Receipt of tenders", {"electronic": True, "pin_date": dt.date(2026, 4, 27)}, 15),  # 35 days before
    ("open", "Receipt of tenders", {"electronic": False, "pin_date": dt.date(2025, 6, 1)}, 15),  # 365 days before
    ("open", "Receipt of tenders", {"electronic": True, "pin_date": dt.date(2026, 4, 28)}, 30),  # 34: too late
    ("open", "Receipt of tenders", {"electronic": False, "pin_date": dt.date(2025, 5, 31)}, 35),  # 366: too early
    ("open", "Receipt of tenders", {"urgency": True, "electronic": False}, 15),
    ("restricted", "Receipt of requests to participate", {}, 30),
    ("restricted", "Receipt of requests to participate", {"urgency": True}, 15),
    ("restricted", "Receipt of tenders", {"electronic": False}, 30),
    ("restricted", "Receipt of tenders", {"electronic": True}, 25),
    ("restricted", "Receipt of tenders", {"electronic": True, "pin_date": dt.date(2026, 3, 1)}, 10),
    ("restricted", "Receipt of tenders", {"electronic": False, "urgency": True}, 10),
    ("competitive_negotiation", "Receipt of initial tenders", {"electronic": True}, 25),
    ("competitive_negotiation", "Receipt of requests to participate", {"urgency": True}, 15),
    ("competitive_dialogue", "Receipt of requests to participate", {"urgency": True}, 30),
    ("innovation_partnership", "Receipt of requests to participate", {}, 30),
])
def test_time_limits_and_reductions(procedure, step, extra, days) -> None:
    assert _limit(procedure, step, **extra) == days


def test_late_pin_is_explained() -> None:
    request = AdviceRequest(launch_date=D2026, procedure="open", publication_date=D2026,
                            pin_date=D2026 - dt.timedelta(days=10))
    limit = advise(request, RULES).time_limits[0]
    assert limit.days == 30 and "does not qualify" in limit.notes[0]


def test_key_dates_from_publication_and_award_decision() -> None:
    request = AdviceRequest(launch_date=dt.date(2026, 3, 2), procedure="restricted",
                            publication_date=dt.date(2026, 3, 2), invitation_date=dt.date(2026, 4, 10),
                            award_decision_date=dt.date(2026, 3, 4))
    dates = {d.label: d for d in advise(request, RULES).key_dates}
    assert dates["Restricted procedure: earliest deadline for receipt of requests to participate"].date == \
        dt.date(2026, 4, 1)
    assert dates["Restricted procedure: earliest deadline for receipt of tenders"].date == dt.date(2026, 5, 5)
    standstill = [d for label, d in dates.items() if label.startswith("End of standstill")][0]
    assert standstill.date == dt.date(2026, 3, 14) and standstill.source.document == "G-10"  # G-10 section 5
    by_post = advise(AdviceRequest(launch_date=D2026, award_decision_date=dt.date(2026, 3, 2),
                                   award_decision_electronic=False, include_procedures=False), RULES)
    assert by_post.key_dates[0].days == 15 and by_post.key_dates[0].date == dt.date(2026, 3, 17)


def test_value_is_estimated_with_options_renewals_and_duration() -> None:
    value = ValueInput(annual=Decimal(150_000) / 3, years=Decimal(3), renewal_years=Decimal(0),
                       options=(Decimal(30_000), Decimal(30_000), Decimal(25_000)))
    advice = advise(AdviceRequest(launch_date=D2026, value=value), RULES)  # the G-01 section 4 example
    assert advice.value is not None and advice.value.total == Decimal(235_000) and advice.covered
    assert len(advice.value.steps) == 4
    text = advice_text(advice)
    assert "EUR 235,000" in text and "Art 5(1)" in text and "EUR 216,000" in text


def test_lots_vat_and_no_fixed_term() -> None:
    lots = advise(AdviceRequest(launch_date=D2026, value=ValueInput(lots=(Decimal(120_000), Decimal(90_000),
                                                                           Decimal(40_000)))), RULES)
    assert lots.value is not None and lots.value.total == 250_000 and lots.value.small_lots_exempt == 40_000
    gross = advise(AdviceRequest(launch_date=D2026, value=ValueInput(total=Decimal(250_000),
                                                                     vat_rate=Decimal(21))), RULES)
    assert gross.value is not None and gross.value.total == Decimal("206611.57") and gross.covered is False
    monthly = advise(AdviceRequest(launch_date=D2026, contract_type="supplies",
                                   value=ValueInput(monthly=Decimal(5_000))), RULES)
    assert monthly.value is not None and monthly.value.total == 240_000
    assert monthly.value.steps[0].reference.startswith("Art 5(12)(b)")
    fixed = advise(AdviceRequest(launch_date=D2026, value=ValueInput(monthly=Decimal(5_000), months=24)), RULES)
    assert fixed.value is not None and fixed.value.total == 120_000


@pytest.mark.parametrize(("request_", "message"), [
    (AdviceRequest(launch_date=D2026, value=ValueInput()), "give a value"),
    (AdviceRequest(launch_date=D2026, value=ValueInput(annual=Decimal(1))), "number of years"),
    (AdviceRequest(launch_date=D2026, value=ValueInput(total=Decimal(-1))), "negative"),
    (AdviceRequest(launch_date=D2026, value=ValueInput(total=Decimal("NaN"))), "finite"),
    (AdviceRequest(launch_date=D2026, authority="mayor"), "authority"),
    (AdviceRequest(launch_date=D2026, contract_type="gift"), "contract type"),
    (AdviceRequest(launch_date=D2026, procedure="auction"), "unknown procedure"),
    (AdviceRequest(launch_date=D2026, publication_date=D2026, pin_date=D2026 + dt.timedelta(days=1)), "before"),
])
def test_bad_input_is_refused(request_, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        advise(request_, RULES)


def test_every_figure_cites_its_knowledge_section() -> None:
    advice = _advise(300_000, award_decision_date=D2026)
    data = advice_dict(advice)
    assert data["above_threshold"] is True and data["threshold"]["source"] == {"document": "G-01", "section": "1.2"}
    assert all(t["source"]["document"] == "G-03" and t["reference"] for t in data["time_limits"])
    citations = advice_citations(advice, RULES, "http://x")
    assert {c.document_id for c in citations} == {"G-01", "G-03", "G-10"}
    assert citations[0].url.startswith("http://x/documents/G-01#sec-")


def test_rule_book_matches_the_knowledge_tables() -> None:
    knowledge = {doc: next((RULES_DIR / "guidance").glob(f"{doc.lower()}-*.md")).read_text(encoding="utf-8")
                 for doc in ("G-01", "G-02", "G-03")}
    for period in RULES.periods:
        rows = [line for line in knowledge[period.source.document].splitlines() if line.startswith("| ")]
        for threshold in period.thresholds:
            article = threshold.reference.split(" Directive")[0]
            assert any(f"EUR {threshold.amount:,}" in row and article in row for row in rows), threshold
    for procedure in RULES.procedures:
        for rule in procedure.time_limits:
            for reduction in (rule.standard, rule.electronic, rule.pin, rule.urgency):
                if reduction is not None:
                    assert f"{reduction.days} days" in knowledge["G-03"] or reduction.days in (25,), reduction


def test_small_lot_limit_follows_the_contract_type() -> None:
    services = advise(AdviceRequest(launch_date=D2026, value=ValueInput(lots=(Decimal(120_000), Decimal(90_000),
                                                                               Decimal(40_000)))), RULES)
    assert "each under EUR 80,000" in advice_text(services)
    works = advise(AdviceRequest(launch_date=D2026, contract_type="works", value=ValueInput(
        lots=(Decimal(4_000_000), Decimal(2_500_000), Decimal(900_000)))), RULES)
    assert works.value is not None and works.value.small_lots_exempt == 900_000
    assert "each under EUR 1,000,000" in advice_text(works) and "EUR 80,000" not in advice_text(works)


def test_the_vat_step_reads_as_a_deduction() -> None:
    gross = advise(AdviceRequest(launch_date=D2026, value=ValueInput(total=Decimal(250_000),
                                                                     vat_rate=Decimal(21))), RULES)
    text = advice_text(gross)
    assert "−EUR 43,388.43" in text and "EUR -" not in text
