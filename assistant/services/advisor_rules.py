"""The advisor's rule book: thresholds by period, procedures and time limits, read from procurement_rules.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigurationError
from assistant.services.advisor_phrases import Phrase, phrase, procedure_name, refusal

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "procurement_rules.yaml"


@dataclass(frozen=True)
class Source:
    """The knowledge section a rule comes from, e.g. G-01 section 1.2."""

    document: str
    section: str

    def __str__(self) -> str:
        return f"{self.document} §{self.section}"


@dataclass(frozen=True)
class Threshold:
    """One EU threshold of one period."""

    key: str
    amount: int
    label: str
    reference: str
    authorities: tuple[str, ...]
    contract_types: tuple[str, ...]
    title: Phrase  # the label in the interface texts, to say it in the official's language


@dataclass(frozen=True)
class Period:
    """A two-year threshold period."""

    id: str
    valid_from: dt.date
    valid_until: dt.date
    source: Source
    thresholds: tuple[Threshold, ...]


@dataclass(frozen=True)
class Rule:
    """A number of days (or an amount) with its legal reference."""

    days: int
    reference: str


@dataclass(frozen=True)
class TimeLimitRule:
    """A minimum time limit of a procedure step with the reductions that may apply."""

    step: str
    counted_from: str  # notice | invitation
    source: Source
    standard: Rule
    electronic: Rule | None
    pin: Rule | None
    urgency: Rule | None


@dataclass(frozen=True)
class ProcedureRule:
    """A procedure of Directive 2014/24/EU with when it may be used and its time limits."""

    key: str
    name: str
    condition: str
    reference: str
    source: Source
    time_limits: tuple[TimeLimitRule, ...]

    @property
    def title(self) -> Phrase:
        """The procedure's name in the interface texts."""
        return procedure_name(self.key)

    @property
    def terms(self) -> Phrase:
        """When the procedure may be used, in the interface texts."""
        return phrase(f"procedure_{self.key}_condition")


@dataclass(frozen=True)
class RuleBook:
    """Everything the advisor needs, loaded once and passed around."""

    periods: tuple[Period, ...]
    procedures: tuple[ProcedureRule, ...]
    valuation: dict[str, Any]
    pin_window: dict[str, Any]
    standstill: dict[str, Any]
    documents: dict[str, str]

    def period_on(self, day: dt.date) -> Period:
        """The threshold period that covers `day`."""
        for period in self.periods:
            if period.valid_from <= day <= period.valid_until:
                return period
        known = ", ".join(p.id for p in self.periods)
        raise refusal("advisor_error_no_period", date=day.isoformat(), periods=known)

    def procedure(self, key: str) -> ProcedureRule:
        """A procedure by key."""
        for procedure in self.procedures:
            if procedure.key == key:
                return procedure
        raise refusal("advisor_error_procedure", procedure=key, choices=", ".join(self.procedure_keys()))

    def procedure_keys(self) -> list[str]:
        """Keys of every known procedure."""
        return [p.key for p in self.procedures]


def source(raw: dict[str, Any]) -> Source:
    """A Source from its YAML mapping."""
    return Source(str(raw["document"]), str(raw["section"]))


def _rule(raw: dict[str, Any] | None) -> Rule | None:
    return Rule(int(raw["days"]), str(raw["reference"])) if raw else None


def _period(raw: dict[str, Any]) -> Period:
    key = "threshold_" + str(raw["id"]).replace("-", "_") + "_"
    thresholds = tuple(Threshold(key=t["key"], amount=int(t["amount"]), label=t["label"], reference=t["reference"],
                                 authorities=tuple(t["authorities"]), contract_types=tuple(t["contract_types"]),
                                 title=phrase(key + t["key"])) for t in raw["thresholds"])
    return Period(str(raw["id"]), raw["valid_from"], raw["valid_until"], source(raw["source"]), thresholds)


def _procedure(raw: dict[str, Any]) -> ProcedureRule:
    limits = tuple(TimeLimitRule(step=t["step"], counted_from=t["counted_from"], source=source(t["source"]),
                                 standard=_rule(t["standard"]), electronic=_rule(t.get("electronic")),  # type: ignore[arg-type]
                                 pin=_rule(t.get("pin")), urgency=_rule(t.get("urgency")))
                   for t in raw["time_limits"])
    return ProcedureRule(raw["key"], raw["name"], " ".join(raw["condition"].split()), raw["reference"],
                         source(raw["source"]), limits)


def load_rules(path: Path = RULES_FILE) -> RuleBook:
    """Read and check the rule book."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RuleBook(periods=tuple(_period(p) for p in raw["periods"]),
                        procedures=tuple(_procedure(p) for p in raw["procedures"]),
                        valuation=raw["valuation"], pin_window=raw["pin_window_days"], standstill=raw["standstill"],
                        documents={str(k): str(v) for k, v in raw["documents"].items()})
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"the procurement rules file {path} is unreadable: {exc}") from exc


@lru_cache(maxsize=1)
def cached_rules() -> RuleBook:
    """The rule book of the packaged data file, read on first use."""
    return load_rules()
