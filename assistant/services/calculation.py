"""Recognise calculation questions ("180k a year for 3 years with a one-year option: EU tender?") as advisor inputs."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Literal

from assistant.services.advisor import AdviceRequest
from assistant.services.valuation import ValueInput

Kind = Literal["threshold", "deadline", "standstill"]

_MONTHS = {name: n for n, names in enumerate([
    "january janvier januar enero gennaio jan", "february février fevrier februar febrero febbraio feb",
    "march mars märz maerz marzo mar", "april avril abril aprile apr", "may mai mayo maggio",
    "june juin juni junio giugno jun", "july juillet juli julio luglio jul", "august août aout agosto aug",
    "september septembre settembre septiembre sep sept", "october octobre oktober octubre ottobre oct",
    "november novembre noviembre nov", "december décembre decembre dezember diciembre dicembre dec"], 1)
    for name in names.split()}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_FULL_DATE = re.compile(r"\b(\d{1,2})(?:er|st|nd|rd|th|\.)?\s+(?:de\s+)?" + _MONTH + r"\s+(?:de\s+)?(20\d\d)\b", re.I)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\s+(?:de\s+)?(20\d\d)\b", re.I)
_YEAR = re.compile(r"\b(20\d\d)\b")
_NUMBER = r"\d{1,3}(?:[.,\s\u00a0\u202f]\d{3})+(?![\d])|\d+(?:[.,]\d+)?"
_AMOUNT = re.compile(r"(?<![\d.,])(?:(eur|€)\s*)?(" + _NUMBER + r")\s*(k\b|m\b|million\b|mio\b)?\s*(eur\b|euros?\b|€)?",
                     re.I)
_WORDS = {"a": 1, "an": 1, "one": 1, "un": 1, "une": 1, "ein": 1, "eine": 1, "uno": 1, "two": 2, "deux": 2,
          "zwei": 2, "dos": 2, "due": 2, "three": 3, "trois": 3, "drei": 3, "tres": 3, "tre": 3, "four": 4,
          "quatre": 4, "vier": 4, "cuatro": 4, "quattro": 4, "five": 5, "cinq": 5, "fünf": 5, "cinco": 5}
_COUNT = r"(\d+|" + "|".join(_WORDS) + r")"
_RENEWAL = re.compile(r"(?:" + _COUNT + r"\s+)?(?:optional\s+)?" + _COUNT
                      + r"[\s-]*years?[\s-]+(?:options?|extensions?|renewals?)"
                      r"|" + _COUNT + r"\s+reconductions?\s+(?:possibles?\s+)?d'(un|une)\s+an", re.I)
_DURATION = re.compile(r"(?<![\w-])(\d+|" + "|".join(w for w, n in _WORDS.items() if n > 1)
                       + r")[\s-]*(?:years?|jahre?n?|ans|años|anni)\b", re.I)
_ANNUAL = re.compile(r"a year|per year|/ ?year|per annum|annual|yearly|each year|par an|pro jahr|jährlich|al año|"
                     r"all'anno|l'anno|annuo", re.I)
_MONTHLY = re.compile(r"a month|per month|/ ?month|monthly|par mois|mensuel|pro monat|monatlich|mensual|al mese|"
                      r"mensile", re.I)
_MONTHS_DURATION = re.compile(r"(\d+)\s*(?:months|monate|mois|meses|mesi)\b", re.I)
_NO_TERM = re.compile(r"without (?:a )?fixed term|no fixed term|indefinite|sans durée déterminée|ohne feste laufzeit|"
                      r"unbefristet|sin duración determinada|senza durata determinata", re.I)
_VAT_INCLUDED = re.compile(r"(?:includ\w*|incl\.?|inkl\.?|inklusive|toutes taxes|con|iva inclusa)\s*(\d+(?:[.,]\d+)?)"
                           r"\s*%\s*(?:vat|mwst|tva|iva)", re.I)
_THRESHOLD_WORDS = re.compile(r"threshold|eu tender|eu procedure|eu rules|directive|eu-?wide|ted\b|schwellenwert|"
                              r"richtlinie|eu-verfahren|seuil|procédure européenne|directive européenne|umbral|"
                              r"soglia|direttiva|avoid an eu", re.I)
_DEADLINE_WORDS = re.compile(r"deadline|closing date|time limit|earliest|frist|délai|plazo|termine", re.I)
_PROCEDURES = [("restricted", re.compile(r"restricted|nicht offen|restreinte|restringido|ristretta", re.I)),
               ("competitive_negotiation", re.compile(r"negotiation|verhandlungsverfahren|négociation", re.I)),
               ("competitive_dialogue", re.compile(r"competitive dialogue|wettbewerblicher dialog|dialogue", re.I)),
               ("open", re.compile(r"\bopen procedure|offene[sn]? verfahren|procédure ouverte|procedimiento abierto|"
                                   r"procedura aperta", re.I))]
_AWARD = re.compile(r"award decision|decision to award|zuschlag|décision d'attribution|adjudicación|aggiudicazione",
                    re.I)
_PIN = re.compile(r"prior information notice|\bPIN\b|vorinformation|préinformation", re.I)
_CENTRAL = re.compile(r"ministry|central government|national authority|federal|ministère|ministerium|ministerio|"
                      r"ministero", re.I)
_UTILITY = re.compile(r"utility|utilities|transport (?:company|operator|activity)|energy (?:network|company)|"
                      r"water (?:company|utility)|stadtwerke|verkehrsbetrieb", re.I)
_WORKS = re.compile(r"\bworks\b|building|construction|bauauftrag|bauleistung|travaux|obras|lavori", re.I)
_SUPPLIES = re.compile(r"sensor|hardware|equipment|stations|device|noleggi|leasing|hire", re.I)


@dataclass(frozen=True)
class CalculationQuestion:
    """A question the advisor can answer by calculation, with its inputs."""

    kind: Kind
    request: AdviceRequest
    step: str | None = None  # for deadlines: which time limit is asked for


def parse_calculation(question: str, today: dt.date) -> CalculationQuestion | None:
    """The advisor inputs a question asks for, or None when it is not a calculation."""
    dates = _full_dates(question)
    if _AWARD.search(question) and dates:
        electronic = not re.search(r"\bpost\b|letter|courrier|brief", question, re.I)
        return CalculationQuestion("standstill", AdviceRequest(launch_date=dates[0], award_decision_date=dates[0],
                                                               award_decision_electronic=electronic,
                                                               include_procedures=False))
    procedure = next((key for key, pattern in _PROCEDURES if pattern.search(question)), None)
    if procedure and dates and _DEADLINE_WORDS.search(question):
        return _deadline(question, procedure, dates)
    value = _value(question)
    if value is None or not _THRESHOLD_WORDS.search(question):
        return None
    request = AdviceRequest(launch_date=_launch_date(question, dates, today), value=value,
                            authority=_authority(question), contract_type=_contract_type(question))
    return CalculationQuestion("threshold", request)


def _deadline(question: str, procedure: str, dates: list[dt.date]) -> CalculationQuestion:
    pin_date = None
    publication = dates[-1]
    if _PIN.search(question) and len(dates) >= 2:
        pin_date, publication = min(dates), max(dates)
    electronic = bool(re.search(r"electronic|elektronisch|électronique|electrónic|elettronic", question, re.I))
    urgency = bool(re.search(r"urgen|dringlich", question, re.I))
    step = "Receipt of requests to participate" if re.search(r"request|participat|teilnahme", question, re.I) or \
        procedure in ("competitive_dialogue",) else "Receipt of tenders"
    if procedure == "competitive_negotiation" and step == "Receipt of tenders":
        step = "Receipt of initial tenders"
    request = AdviceRequest(launch_date=publication, procedure=procedure, publication_date=publication,
                            electronic=electronic, pin_date=pin_date, urgency=urgency)
    return CalculationQuestion("deadline", request, step)


def _full_dates(text: str) -> list[dt.date]:
    found = []
    for match in _FULL_DATE.finditer(text):
        try:
            found.append(dt.date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1))))
        except ValueError:
            continue
    return found


def _launch_date(text: str, dates: list[dt.date], today: dt.date) -> dt.date:
    if dates:
        return dates[0]
    match = _MONTH_YEAR.search(text)
    if match:
        return dt.date(int(match.group(2)), _MONTHS[match.group(1).lower()], 1)
    year = _YEAR.search(text)
    return dt.date(int(year.group(1)), 1, 1) if year else today


def _amounts(text: str) -> list[tuple[Decimal, int, int]]:
    found = []
    for match in _AMOUNT.finditer(text):
        currency, number, multiplier, after = match.group(1), match.group(2), match.group(3), match.group(4)
        if not (currency or after or multiplier):
            continue
        amount = _number(number)
        if amount is None:
            continue
        scale = {"k": 1_000, "m": 1_000_000, "million": 1_000_000, "mio": 1_000_000}.get((multiplier or "").lower(), 1)
        found.append((amount * scale, match.start(), match.end()))
    return found


def _number(raw: str) -> Decimal | None:
    text = re.sub(r"[\s\u00a0\u202f]", " ", raw)
    if re.fullmatch(r"\d{1,3}(?:[., ]\d{3})+", text):
        text = re.sub(r"[., ]", "", text)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _value(text: str) -> ValueInput | None:
    amounts = _amounts(text)
    if not amounts:
        return None
    vat = _VAT_INCLUDED.search(text)
    base = ValueInput(vat_rate=Decimal(vat.group(1).replace(",", ".")) if vat else None,
                      framework=bool(re.search(r"framework|rahmenvereinbarung|accord-cadre|acuerdo marco|"
                                               r"accordo quadro", text, re.I)))
    if re.search(r"\blots?\b|\blose?\b", text, re.I) and len(amounts) >= 2:
        return replace(base, lots=tuple(a for a, _, _ in amounts))
    amount, start, end = amounts[0]
    after, before = text[end:end + 30], text[max(0, start - 25):start]
    if _MONTHLY.search(after) or _MONTHLY.search(before):
        months = _MONTHS_DURATION.search(text)
        return replace(base, monthly=amount, months=int(months.group(1)) if months and not _NO_TERM.search(text)
                       else None)
    if _ANNUAL.search(after) or _ANNUAL.search(before):
        renewals = _renewal_years(text)
        years = _DURATION.search(_RENEWAL.sub(" ", text))
        if years is None:
            return None
        return replace(base, annual=amount, years=Decimal(_count(years.group(1))), renewal_years=renewals)
    return replace(base, total=amount)


def _renewal_years(text: str) -> Decimal:
    total = Decimal(0)
    for match in _RENEWAL.finditer(text):
        if match.group(2):
            total += _count(match.group(1) or "1") * _count(match.group(2))
        else:
            total += _count(match.group(3))
    return total


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _WORDS[word.lower()]


def _authority(text: str) -> str:
    if _UTILITY.search(text):
        return "utility"
    return "central" if _CENTRAL.search(text) else "sub_central"


def _contract_type(text: str) -> str:
    if re.search(r"social (?:and other specific )?services", text, re.I):
        return "social"
    if re.search(r"concession", text, re.I):
        return "concession"
    if _WORKS.search(text):
        return "works"
    return "supplies" if _SUPPLIES.search(text) else "services"
