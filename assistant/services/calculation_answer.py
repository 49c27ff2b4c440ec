"""The assistant's calculation route: a recognised calculation question answered by the advisor, with its working."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.errors import InvalidInputError
from assistant.services.advice_text import advice_citations, advice_text
from assistant.services.advisor import Advice, advise
from assistant.services.advisor_rules import RuleBook, cached_rules
from assistant.services.answering import ComposedAnswer
from assistant.services.calculation import CalculationQuestion, parse_calculation


def calculation_reply(question: str, today: dt.date, base_url: str,
                      rules: RuleBook | None = None) -> ComposedAnswer | None:
    """The advisor's answer when the question is a calculation it can do; None sends it to the usual route."""
    calculation = parse_calculation(question, today)
    if calculation is None:
        return None
    rules = rules or cached_rules()
    try:
        advice = advise(calculation.request, rules)
    except InvalidInputError:
        return None  # e.g. a date outside the known threshold periods: the knowledge search answers instead
    citations = advice_citations(advice, rules, base_url)
    refs = " ".join(f"[{c.n}]" for c in citations)
    text = "\n\n".join([headline(calculation, advice), advice_text(advice), f"Sources: {refs}"])
    return ComposedAnswer(text, citations)


def headline(calculation: CalculationQuestion, advice: Advice) -> str:
    """The one-sentence answer before the working."""
    figures = checkable_figures(calculation, advice)
    if calculation.kind == "threshold":
        verdict = "is covered by the EU directive" if advice.covered else "is below the EU threshold"
        return (f"Estimated value EUR {figures['value_eur']:,} net of VAT against the threshold of "
                f"EUR {figures['threshold_eur']:,} ({advice.period.id}): the contract {verdict}.")
    if calculation.kind == "deadline":
        if not figures:
            return "The advisor's time limits for this procedure:"
        day = dt.date.fromisoformat(figures["earliest_deadline"])
        return (f"Earliest deadline for {str(calculation.step).lower()}: {day:%A} {day.day} {day:%B %Y} "
                f"({figures['days']} days).")
    day = dt.date.fromisoformat(figures["earliest_signature"])
    return (f"The standstill is {figures['days']} calendar days: the contract may be signed at the earliest on "
            f"{day:%A} {day.day} {day:%B %Y}.")


def checkable_figures(calculation: CalculationQuestion, advice: Advice) -> dict[str, Any]:
    """The figures of the answer in the form the evaluation set states them."""
    if calculation.kind == "threshold":
        assert advice.value is not None and advice.threshold is not None
        return {"value_eur": int(advice.value.total.to_integral_value()), "above_threshold": advice.covered,
                "threshold_eur": advice.threshold.amount,
                "small_lot_exemption_possible_eur": int(advice.value.small_lots_exempt)}
    if calculation.kind == "deadline":
        step = str(calculation.step).lower()
        found = [d for d in advice.key_dates if d.label.endswith(step)]
        return {"days": found[0].days, "earliest_deadline": found[0].date.isoformat()} if found else {}
    end = advice.key_dates[-1]
    return {"days": end.days, "earliest_signature": (end.date + dt.timedelta(days=1)).isoformat()}


def answered_correctly(question: str, expected: dict[str, Any], today: dt.date, rules: RuleBook) -> bool:
    """Whether the calculation route gives every figure an evaluation case expects."""
    calculation = parse_calculation(question, today)
    if calculation is None:
        return False
    try:
        figures = checkable_figures(calculation, advise(calculation.request, rules))
    except InvalidInputError:
        return False
    return all(figures.get(key) == value for key, value in expected.items())
