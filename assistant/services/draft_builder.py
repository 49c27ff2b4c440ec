"""Draft builder: a template's {{placeholders}} filled from a form, checked, and rendered as an editable DOCX."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from assistant.errors import ConfigurationError, InvalidInputError
from assistant.services.advisor import AdviceRequest, advise
from assistant.services.advisor_rules import RuleBook
from assistant.services.template_finder import TemplateInfo
from ingest.loaders import parse_front_matter

MAX_FIELD_CHARS = 500
REQUIRED = ("authority_name", "contract_object")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_DATE_FIELDS = ("publication_date", "tender_deadline")


@dataclass
class DraftRequest:
    """What the official typed: placeholder values and award-criteria weights (percent)."""

    values: dict[str, str]
    weights: dict[str, str]
    procedure: str = "open"
    electronic: bool = True


@dataclass
class CheckedDraft:
    """Values ready to fill, or the problems to show next to the form."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check_draft(template: TemplateInfo, draft: DraftRequest, rules: RuleBook) -> CheckedDraft:
    """Known fields only, required ones filled, weightings summing to 100, dates within the legal time limits."""
    checked = CheckedDraft()
    names = {str(p["name"]) for p in template.placeholders}
    for name, raw in draft.values.items():
        value = raw.strip()
        if name not in names or not value:
            continue
        if len(value) > MAX_FIELD_CHARS:
            checked.problems.append(f"{name}: at most {MAX_FIELD_CHARS} characters")
        checked.values[name] = value
    checked.problems += [f"{name}: required" for name in REQUIRED if name in names and name not in checked.values]
    _check_weights(template, draft, checked)
    _check_number(checked, "estimated_value_eur")
    _check_dates(draft, checked, rules)
    return checked


def _check_weights(template: TemplateInfo, draft: DraftRequest, checked: CheckedDraft) -> None:
    total = 0
    for criterion in template.award_criteria:
        name = str(criterion["name"])
        raw = (draft.weights.get(name) or str(criterion.get("weight", ""))).strip()
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            checked.problems.append(f"weight of {criterion['label']}: a whole number from 0 to 100")
            continue
        total += int(raw)
        checked.values[f"weight_{name}"] = f"{int(raw)}%"
    if template.award_criteria and total != 100:
        checked.problems.append(f"the award criteria weightings add up to {total}, not 100")


def _check_number(checked: CheckedDraft, name: str) -> None:
    if name not in checked.values:
        return
    try:
        amount = Decimal(checked.values[name].replace(",", "").replace(" ", ""))
    except InvalidOperation:
        checked.problems.append(f"{name}: a number in euro, e.g. 250000")
        return
    if not amount.is_finite() or amount < 0:
        checked.problems.append(f"{name}: a positive number in euro")
    else:
        checked.values[name] = f"{amount:,.0f}"


def _check_dates(draft: DraftRequest, checked: CheckedDraft, rules: RuleBook) -> None:
    dates = {}
    for name in _DATE_FIELDS:
        if name in checked.values:
            try:
                dates[name] = dt.date.fromisoformat(checked.values[name])
            except ValueError:
                checked.problems.append(f"{name}: a date like 2026-03-02")
    if len(dates) < 2:
        return
    published, deadline = dates["publication_date"], dates["tender_deadline"]
    try:
        advice = advise(AdviceRequest(launch_date=published, procedure=draft.procedure, publication_date=published,
                                      electronic=draft.electronic), rules)
    except InvalidInputError as exc:
        checked.problems.append(str(exc))
        return
    first = next((t for t in advice.time_limits if t.counted_from == "notice"), None)
    if first is not None and deadline < published + dt.timedelta(days=first.days):
        earliest = published + dt.timedelta(days=first.days)
        checked.problems.append(f"tender_deadline: at least {first.days} days after the contract notice is sent "
                                f"({first.reference}), so not before {earliest.isoformat()}")


def build_docx(template: TemplateInfo, values: dict[str, str]) -> bytes:
    """The template with the given {{placeholders}} filled; the others stay highlighted for later."""
    try:  # the Word renderer of `make knowledge`, from the repository's knowledge package
        from knowledge.docx_edition import write_docx
        from knowledge.template_source import TemplateSource, parse_blocks
    except ImportError as exc:
        raise ConfigurationError(f"the DOCX renderer is not available ({exc}); run from the repository") from exc
    meta, body = parse_front_matter(template.path.read_text(encoding="utf-8"))

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value) if value is not None else match.group(0)

    filled = re.sub(r"\{\{([a-z0-9_]+)\}\}", fill, body)
    if values.get("authority_name"):
        meta = {**meta, "title": f"{meta['title']} – draft for {values['authority_name']}"}
    source = TemplateSource(meta=meta, blocks=tuple(parse_blocks(filled)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{template.template_id.lower()}-draft.docx"
        write_docx(source, path)
        return path.read_bytes()
