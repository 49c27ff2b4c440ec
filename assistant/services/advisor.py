"""Threshold and procedure advisor: do the EU directives apply, which procedures, which time limits, which dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from assistant.services.advisor_phrases import Phrase, phrase, procedure_name, refusal, step_name
from assistant.services.advisor_rules import Period, ProcedureRule, RuleBook, Source, Threshold, TimeLimitRule, source
from assistant.services.valuation import ValueCalculation, ValueInput, estimate_value

Authority = Literal["central", "sub_central", "utility"]
ContractType = Literal["supplies", "services", "works", "social", "concession"]
AUTHORITIES: tuple[str, ...] = ("central", "sub_central", "utility")
CONTRACT_TYPES: tuple[str, ...] = ("supplies", "services", "works", "social", "concession")
_EARLIEST, _LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class AdviceRequest:
    """The facts of a planned purchase; only `launch_date` is always needed."""

    launch_date: dt.date
    value: ValueInput | None = None
    authority: str = "sub_central"
    contract_type: str = "services"
    procedure: str | None = None  # for key dates; None = every procedure
    publication_date: dt.date | None = None  # the day the contract notice is sent
    invitation_date: dt.date | None = None
    electronic: bool = True
    pin_date: dt.date | None = None
    urgency: bool = False
    award_decision_date: dt.date | None = None
    award_decision_electronic: bool = True
    include_procedures: bool = True


@dataclass(frozen=True)
class TimeLimit:
    """A minimum time limit after the reductions that apply."""

    procedure: str
    step: str
    counted_from: str
    days: int
    reference: str
    source: Source
    cautions: tuple[Phrase, ...] = ()

    @property
    def procedure_title(self) -> Phrase:
        """The procedure's name in the interface texts."""
        return procedure_name(self.procedure)

    @property
    def step_title(self) -> Phrase:
        """The step as it reads inside a sentence, in the interface texts."""
        return step_name(self.step)

    @property
    def notes(self) -> tuple[str, ...]:
        """The cautions in English."""
        return tuple(str(caution) for caution in self.cautions)


@dataclass(frozen=True)
class KeyDate:
    """A date the official can put in the plan."""

    title: Phrase
    date: dt.date
    days: int
    reference: str
    source: Source

    @property
    def label(self) -> str:
        """The title in English."""
        return str(self.title)


@dataclass
class Advice:
    """The advisor's answer with the working and the sources behind each figure."""

    period: Period
    threshold: Threshold | None
    value: ValueCalculation | None
    covered: bool | None
    procedures: list[ProcedureRule] = field(default_factory=list)
    time_limits: list[TimeLimit] = field(default_factory=list)
    key_dates: list[KeyDate] = field(default_factory=list)
    notes: list[Phrase] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def cite(self, src: Source) -> None:
        """Remember a knowledge section behind the advice (once)."""
        if src not in self.sources:
            self.sources.append(src)


def advise(request: AdviceRequest, rules: RuleBook) -> Advice:
    """The full advice for one planned purchase."""
    _check(request, rules)
    period = rules.period_on(request.launch_date)
    advice = Advice(period=period, threshold=None, value=None, covered=None)
    if request.value is not None:
        _compare(advice, request, rules)
    if advice.covered is not False and request.include_procedures:
        procedures = [rules.procedure(request.procedure)] if request.procedure else list(rules.procedures)
        advice.procedures = procedures
        for procedure in procedures:
            advice.cite(procedure.source)
            for rule in procedure.time_limits:
                advice.cite(rule.source)
                advice.time_limits.append(minimum_time_limit(procedure, rule, request, rules))
        _key_dates(advice, request)
    if request.award_decision_date is not None and advice.covered is not False:
        advice.key_dates.append(standstill_end(request.award_decision_date, request.award_decision_electronic, rules))
        advice.cite(source(rules.standstill["source"]))
    return advice


def find_threshold(period: Period, authority: str, contract_type: str) -> Threshold:
    """The threshold of this period for this kind of authority and contract."""
    for threshold in period.thresholds:
        if authority in threshold.authorities and contract_type in threshold.contract_types:
            return threshold
    raise refusal("advisor_error_no_threshold", authority=authority, contract_type=contract_type)


def minimum_time_limit(procedure: ProcedureRule, rule: TimeLimitRule, request: AdviceRequest,
                       rules: RuleBook) -> TimeLimit:
    """The shortest lawful time limit: the standard one, reduced for e-submission, a qualifying PIN or urgency."""
    best = rule.standard
    notes: list[Phrase] = []
    if request.electronic and rule.electronic and rule.electronic.days < best.days:
        best = rule.electronic
    if rule.pin and request.pin_date is not None:
        if _pin_qualifies(request, rules):
            best = rule.pin if rule.pin.days < best.days else best
        else:
            window = rules.pin_window
            notes.append(phrase("advice_pin_not_qualifying", days=int(window["min"]),
                                reference=str(window["reference"])))
    if request.urgency and rule.urgency and rule.urgency.days < best.days:
        best = rule.urgency
        notes.append(phrase("advice_urgency_note"))
    return TimeLimit(procedure.key, rule.step, rule.counted_from, best.days, best.reference, rule.source, tuple(notes))


def standstill_end(decision: dt.date, electronic: bool, rules: RuleBook) -> KeyDate:
    """The last day of the standstill, counted from the day after the award decision is sent."""
    rule = rules.standstill["electronic" if electronic else "other"]
    days = int(rule["days"])
    return KeyDate(phrase("advice_standstill_end", days=days), decision + dt.timedelta(days=days), days,
                   rule["reference"], source(rules.standstill["source"]))


def _check(request: AdviceRequest, rules: RuleBook) -> None:
    if request.authority not in AUTHORITIES:
        raise refusal("advisor_error_authority", choices=", ".join(AUTHORITIES))
    if request.contract_type not in CONTRACT_TYPES:
        raise refusal("advisor_error_contract_type", choices=", ".join(CONTRACT_TYPES))
    if request.procedure is not None:
        rules.procedure(request.procedure)
    for day in (request.launch_date, request.publication_date, request.invitation_date, request.pin_date,
                request.award_decision_date):
        if day is not None and not _EARLIEST <= day <= _LATEST:
            raise refusal("advisor_error_year_range", date=day.isoformat())
    if request.pin_date and request.publication_date and request.pin_date > request.publication_date:
        raise refusal("advisor_error_pin_order")
    if request.invitation_date and request.publication_date and request.invitation_date < request.publication_date:
        raise refusal("advisor_error_invitation_order")


def _compare(advice: Advice, request: AdviceRequest, rules: RuleBook) -> None:
    assert request.value is not None
    advice.value = estimate_value(request.value, rules, request.contract_type)
    advice.cite(source(rules.valuation["moment"]["source"]))
    for step in advice.value.steps:
        advice.cite(step.source)
    advice.threshold = find_threshold(advice.period, request.authority, request.contract_type)
    advice.cite(advice.period.source)
    # a value equal to the threshold is covered (Art 4: "equal to or greater than")
    advice.covered = advice.value.total >= Decimal(advice.threshold.amount)
    if not advice.covered:
        below = rules.valuation["below_threshold"]
        advice.notes.append(phrase("advice_below_note", reference=str(below["reference"])))
        advice.cite(source(below["source"]))


def _pin_qualifies(request: AdviceRequest, rules: RuleBook) -> bool:
    if request.publication_date is None or request.pin_date is None:
        return request.pin_date is not None
    gap = (request.publication_date - request.pin_date).days
    return int(rules.pin_window["min"]) <= gap <= int(rules.pin_window["max"])


def _key_dates(advice: Advice, request: AdviceRequest) -> None:
    for limit in advice.time_limits:
        start = request.publication_date if limit.counted_from == "notice" else request.invitation_date
        if start is None:
            continue
        title = phrase("advice_deadline_date", procedure=limit.procedure_title, step=limit.step_title)
        advice.key_dates.append(KeyDate(title, start + dt.timedelta(days=limit.days), limit.days, limit.reference,
                                        limit.source))
