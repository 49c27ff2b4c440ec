"""Draft builder: a template's {{placeholders}} filled from a form, checked, and rendered as an editable DOCX."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from assistant.errors import ConfigurationError, ExplainedInputError
from assistant.services.advisor import AdviceRequest, advise
from assistant.services.advisor_phrases import Phrase, keyed, phrase
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
    problems: list[Phrase] = field(default_factory=list)


def field_label(label: str) -> Phrase:
    """A template field's label (its front matter, in English) in the interface texts."""
    return keyed("draft_field_", label)


def criterion_label(label: str) -> Phrase:
    """An award criterion's label (its front matter, in English) in the interface texts."""
    return keyed("draft_criterion_", label)


def check_draft(template: TemplateInfo, draft: DraftRequest, rules: RuleBook) -> CheckedDraft:
    """Known fields only, required ones filled, weightings summing to 100, dates within the legal time limits."""
    checked = CheckedDraft()
    labels = {str(p["name"]): field_label(str(p["label"])) for p in template.placeholders}
    for name, raw in draft.values.items():
        value = raw.strip()
        if name not in labels or not value:
            continue
        if len(value) > MAX_FIELD_CHARS:
            checked.problems.append(phrase("draft_error_too_long", field=labels[name], limit=MAX_FIELD_CHARS))
        checked.values[name] = value
    checked.problems += [phrase("draft_error_required", field=labels[name])
                         for name in REQUIRED if name in labels and name not in checked.values]
    _check_weights(template, draft, checked)
    _check_number(checked, labels, "estimated_value_eur")
    _check_dates(draft, checked, labels, rules)
    return checked


def _check_weights(template: TemplateInfo, draft: DraftRequest, checked: CheckedDraft) -> None:
    total = 0
    for criterion in template.award_criteria:
        name = str(criterion["name"])
        raw = (draft.weights.get(name) or str(criterion.get("weight", ""))).strip()
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            checked.problems.append(phrase("draft_error_weight", criterion=criterion_label(str(criterion["label"]))))
            continue
        total += int(raw)
        checked.values[f"weight_{name}"] = f"{int(raw)}%"
    if template.award_criteria and total != 100:
        checked.problems.append(phrase("draft_error_weights_total", total=total))


def _check_number(checked: CheckedDraft, labels: dict[str, Phrase], name: str) -> None:
    if name not in checked.values:
        return
    try:
        amount = Decimal(checked.values[name].replace(",", "").replace(" ", ""))
    except InvalidOperation:
        checked.problems.append(phrase("draft_error_number", field=labels[name]))
        return
    if not amount.is_finite() or amount < 0:
        checked.problems.append(phrase("draft_error_positive", field=labels[name]))
    else:
        checked.values[name] = f"{amount:,.0f}"


def _check_dates(draft: DraftRequest, checked: CheckedDraft, labels: dict[str, Phrase], rules: RuleBook) -> None:
    dates = {}
    for name in _DATE_FIELDS:
        if name in checked.values:
            try:
                dates[name] = dt.date.fromisoformat(checked.values[name])
            except ValueError:
                checked.problems.append(phrase("draft_error_date", field=labels[name]))
    if len(dates) < 2:
        return
    published, deadline = dates["publication_date"], dates["tender_deadline"]
    try:
        advice = advise(AdviceRequest(launch_date=published, procedure=draft.procedure, publication_date=published,
                                      electronic=draft.electronic), rules)
    except ExplainedInputError as exc:
        checked.problems.append(exc.explanation)
        return
    first = next((t for t in advice.time_limits if t.counted_from == "notice"), None)
    if first is not None and deadline < published + dt.timedelta(days=first.days):
        earliest = published + dt.timedelta(days=first.days)
        checked.problems.append(phrase("draft_error_deadline", field=labels["tender_deadline"], days=first.days,
                                       reference=first.reference, date=earliest.isoformat()))


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
