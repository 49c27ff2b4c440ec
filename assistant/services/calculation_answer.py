"""The assistant's calculation route: a recognised calculation question answered by the advisor, with its working."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from assistant.errors import InvalidInputError
from assistant.services.advice_text import advice_citations, advice_text
from assistant.services.advisor import Advice, advise
from assistant.services.advisor_phrases import long_date, phrase, step_name, tool_texts
from assistant.services.advisor_rules import RuleBook, cached_rules
from assistant.services.answering import ComposedAnswer
from assistant.services.calculation import CalculationQuestion, parse_calculation
from assistant.services.valuation import eur


def calculation_reply(question: str, today: dt.date, base_url: str, rules: RuleBook | None = None,
                      language: str = "en") -> ComposedAnswer | None:
    """The advisor's answer, in the question's language, to a calculation it can do; None sends it the usual way."""
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
    texts = tool_texts(language)
    text = "\n\n".join([headline(calculation, advice, texts), advice_text(advice, texts),
                        f"{texts['sources']}: {refs}"])
    return ComposedAnswer(text, citations)


def headline(calculation: CalculationQuestion, advice: Advice, texts: Mapping[str, str] | None = None) -> str:
    """The one-sentence answer before the working, English unless `texts` say otherwise."""
    t = texts or tool_texts("en")
    figures = checkable_figures(calculation, advice)
    if calculation.kind == "threshold":
        key = "advice_headline_covered" if advice.covered else "advice_headline_below"
        return phrase(key, value=eur(figures["value_eur"]), threshold=eur(figures["threshold_eur"]),
                      period=advice.period.id).say(t)
    if calculation.kind == "deadline":
        if not figures:
            return t["advice_headline_time_limits"]
        day = dt.date.fromisoformat(figures["earliest_deadline"])
        return phrase("advice_headline_deadline", step=step_name(str(calculation.step)), date=long_date(day, t),
                      days=figures["days"]).say(t)
    day = dt.date.fromisoformat(figures["earliest_signature"])
    return phrase("advice_headline_standstill", days=figures["days"], date=long_date(day, t)).say(t)


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
