"""Art 5 Directive 2014/24/EU: the estimated value of a contract, with every step of the working shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from assistant.services.advisor_phrases import Phrase, phrase, refusal
from assistant.services.advisor_rules import RuleBook, Source, source

_MAX_EUR = Decimal("1e12")


@dataclass(frozen=True)
class ValueInput:
    """What the official knows about the money; every amount in euro."""

    total: Decimal | None = None  # a value for the whole duration
    annual: Decimal | None = None
    years: Decimal | None = None
    monthly: Decimal | None = None
    months: int | None = None  # None with `monthly` = no fixed term
    options: tuple[Decimal, ...] = ()  # amounts of options (extra modules, extensions)
    renewal_years: Decimal = Decimal(0)  # optional renewals, in years of the annual value
    lots: tuple[Decimal, ...] = ()
    vat_rate: Decimal | None = None  # set when the amounts include VAT at this rate (percent)
    framework: bool = False


@dataclass(frozen=True)
class Step:
    """One line of the working: what was added, how much, and why."""

    what: Phrase
    amount: Decimal
    reference: str
    source: Source

    @property
    def text(self) -> str:
        """What was added, in English."""
        return str(self.what)


@dataclass
class ValueCalculation:
    """The estimated value net of VAT and how it was reached."""

    total: Decimal
    steps: list[Step] = field(default_factory=list)
    small_lots_exempt: Decimal = Decimal(0)
    small_lot_limit: Decimal = Decimal(0)  # each exempt lot is below this (Art 5(10): supplies/services or works)


def eur(amount: Decimal | int | float) -> str:
    """EUR 1,234,567 (cents only when there are any)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if value < 0:
        return "−" + eur(-value)  # a step that takes something off, e.g. VAT: "−EUR 43,388.43"
    return f"EUR {value:,.0f}" if value == value.to_integral() else f"EUR {value:,.2f}"


def estimate_value(given: ValueInput, rules: RuleBook, contract_type: str = "services") -> ValueCalculation:
    """Add duration, options, renewals and lots, then take VAT out (Art 5(1), 5(8)-(10), 5(12), 5(14))."""
    val = rules.valuation
    total_rule = (val["total"]["reference"], source(val["total"]["source"]))
    calc = ValueCalculation(Decimal(0))
    if given.lots:
        _add_lots(calc, given, rules, contract_type == "works")
    if given.total is not None:
        _add(calc, phrase("value_step_total"), given.total, *total_rule)
    if given.annual is not None:
        if given.years is None or given.years <= 0:
            raise refusal("value_error_years")
        ref = val["framework"] if given.framework else val["total"]
        _add(calc, phrase("value_step_annual", annual=eur(given.annual), years=_num(given.years)),
             given.annual * given.years, ref["reference"], source(ref["source"]))
        if given.renewal_years:
            _add(calc, phrase("value_step_renewals", years=_num(given.renewal_years), annual=eur(given.annual)),
                 given.annual * given.renewal_years, *total_rule)
    if given.monthly is not None:
        _add_monthly(calc, given, rules, contract_type == "supplies")
    for n, option in enumerate(given.options, 1):
        _add(calc, phrase("value_step_option", n=n), option, *total_rule)
    if not calc.steps:
        raise refusal("value_error_missing")
    if given.vat_rate is not None:
        _remove_vat(calc, given.vat_rate, *total_rule)
    if calc.total > _MAX_EUR:
        raise refusal("value_error_too_large")
    return calc


def _add(calc: ValueCalculation, what: Phrase, amount: Decimal, reference: str, src: Source) -> None:
    if not amount.is_finite() or amount < 0:
        raise refusal("value_error_negative")
    calc.total += amount
    calc.steps.append(Step(what, amount, reference, src))


def _add_lots(calc: ValueCalculation, given: ValueInput, rules: RuleBook, works: bool) -> None:
    val = rules.valuation
    _add(calc, phrase("value_step_lots", lots=" + ".join(eur(lot) for lot in given.lots)), sum(given.lots, Decimal(0)),
         val["lots"]["reference"], source(val["lots"]["source"]))
    small = val["small_lots"]
    limit = Decimal(str(small["works_limit"] if works else small["supplies_services_limit"]))
    calc.small_lot_limit = limit
    room = sum(given.lots, Decimal(0)) * Decimal(str(small["share_of_total"]))
    for lot in sorted(lot for lot in given.lots if lot < limit):
        if calc.small_lots_exempt + lot > room:
            break
        calc.small_lots_exempt += lot


def _add_monthly(calc: ValueCalculation, given: ValueInput, rules: RuleBook, supplies: bool) -> None:
    assert given.monthly is not None
    val = rules.valuation
    if given.months is not None:
        _add(calc, phrase("value_step_monthly", monthly=eur(given.monthly), months=given.months),
             given.monthly * given.months, val["total"]["reference"], source(val["total"]["source"]))
        return
    months = int(val["no_fixed_term_months"])
    rule = val["no_fixed_term_supplies" if supplies else "no_fixed_term_services"]
    _add(calc, phrase("value_step_no_fixed_term", monthly=eur(given.monthly), months=months), given.monthly * months,
         rule["reference"], source(rule["source"]))


def _remove_vat(calc: ValueCalculation, rate: Decimal, reference: str, src: Source) -> None:
    if rate < 0 or rate > 100:
        raise refusal("value_error_vat")
    net = (calc.total * 100 / (100 + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    what = phrase("value_step_vat", rate=_num(rate), gross=eur(calc.total), divisor=str(1 + rate / 100))
    calc.steps.append(Step(what, net - calc.total, reference, src))
    calc.total = net


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"
