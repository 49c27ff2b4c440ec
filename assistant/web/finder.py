"""Template finder questionnaire (/finder) and the DOCX draft builder (/finder/draft)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from assistant.errors import ExplainedInputError
from assistant.services.advisor import AdviceRequest, advise
from assistant.services.advisor_phrases import Phrase, phrase
from assistant.services.advisor_rules import cached_rules
from assistant.services.draft_builder import DraftRequest, build_docx, check_draft, criterion_label, field_label
from assistant.services.template_finder import PHASES, Recommendation, TemplateInfo, load_catalogue, recommend
from assistant.services.valuation import ValueInput, eur
from assistant.web.deps import SettingsDep
from assistant.web.pages import LangQuery, render_page

router = APIRouter(tags=["finder"], include_in_schema=False)
Text = Annotated[str | None, Query(max_length=500)]
TemplateId = Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z]-?[A-Za-z]{3}-\d\d$")]


@router.get("/finder", response_class=HTMLResponse)
def finder_page(request: Request, settings: SettingsDep, lang: LangQuery = None, need: Text = None,
                phase: Text = None, budget: Text = None, publish: Text = None) -> HTMLResponse:
    """The questionnaire; once answered, the recommended templates with the reasons and what the budget means."""
    catalogue = load_catalogue(settings.knowledge_dir)
    form = {"need": need or "", "phase": phase or "", "budget": budget or "", "publish": publish or ""}
    results: list[Recommendation] = []
    notes: list[Phrase] = []
    problems: list[Phrase] = []
    if need is not None:
        amount, launch, plan_problems = _parse_plan(budget, publish)
        problems += plan_problems
        try:
            results = recommend(catalogue, need, phase or None)
            notes = [] if problems else _planning_notes(amount, launch)
        except ExplainedInputError as exc:
            problems.append(exc.explanation)
    response = render_page(request, "finder.html", {
        "form": form, "phases": PHASES, "needs": catalogue.needs, "results": results, "notes": notes,
        "problems": problems, "asked": need is not None, "nav": "finder"}, lang)
    response.status_code = 422 if problems else 200
    return response


def _parse_plan(budget: str | None, publish: str | None) -> tuple[Decimal | None, dt.date | None, list[Phrase]]:
    """The budget (euro, excluding VAT) and the planned publication date, or what is wrong with them."""
    amount, launch = None, None
    problems: list[Phrase] = []
    if budget:
        try:
            amount = Decimal(budget.replace(",", "").replace(" ", ""))
        except InvalidOperation:
            problems.append(phrase("finder_error_budget"))
    if publish:
        try:
            launch = dt.date.fromisoformat(publish)
        except ValueError:
            problems.append(phrase("finder_error_date"))
    return amount, launch, problems


def _planning_notes(amount: Decimal | None, launch: dt.date | None) -> list[Phrase]:
    """What the budget means for the EU threshold, and the earliest tender deadline of an open procedure."""
    notes: list[Phrase] = []
    if amount is not None:
        advice = advise(AdviceRequest(launch_date=launch or dt.date.today(), value=ValueInput(total=amount),
                                      include_procedures=False), cached_rules())
        assert advice.threshold is not None
        notes.append(phrase("finder_note_above" if advice.covered else "finder_note_below", budget=eur(amount),
                            threshold=eur(advice.threshold.amount), reference=advice.threshold.reference))
    if launch is not None:
        advice = advise(AdviceRequest(launch_date=launch, procedure="open", publication_date=launch), cached_rules())
        if advice.key_dates:
            first = advice.key_dates[0]
            notes.append(phrase("finder_note_deadline", published=launch.isoformat(), deadline=first.date.isoformat(),
                                days=first.days, reference=first.reference))
    return notes


@router.get("/finder/draft", response_class=HTMLResponse)
def draft_form(request: Request, settings: SettingsDep, template: TemplateId, lang: LangQuery = None) -> HTMLResponse:
    """The draft builder form for one template: its placeholders and award criteria."""
    info = load_catalogue(settings.knowledge_dir).template(template)
    return _draft_page(request, lang, info, {}, [], 200)


@router.post("/finder/draft", response_model=None)
async def draft_download(request: Request, settings: SettingsDep, template: TemplateId,
                         lang: LangQuery = None) -> Response:
    """The filled template as an editable DOCX, or the form again with what to correct."""
    info = load_catalogue(settings.knowledge_dir).template(template)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    draft = DraftRequest(values={k[2:]: v for k, v in form.items() if k.startswith("f_")},
                         weights={k[2:]: v for k, v in form.items() if k.startswith("w_")},
                         procedure=form.get("procedure") or "open", electronic="electronic" in form)
    checked = check_draft(info, draft, cached_rules())
    if checked.problems:
        return _draft_page(request, lang, info, form, checked.problems, 422)
    filename = f"{info.template_id.lower()}-draft.docx"
    return Response(build_docx(info, checked.values),
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-Type-Options": "nosniff"})


def _draft_page(request: Request, lang: str | None, info: TemplateInfo, form: dict[str, str], problems: list[Phrase],
                status: int) -> HTMLResponse:
    """The draft form: the template's fields and award criteria under labels in the official's language."""
    procedures = [(p.key, p.title) for p in cached_rules().procedures if p.time_limits]
    fields = [(str(p["name"]), field_label(str(p["label"]))) for p in info.placeholders]
    criteria = [(str(c["name"]), criterion_label(str(c["label"])), c.get("weight", "")) for c in info.award_criteria]
    response = render_page(request, "draft.html", {
        "template": info, "form": form, "problems": problems, "procedures": procedures, "fields": fields,
        "criteria": criteria, "nav": "finder"}, lang)
    response.status_code = status
    return response
