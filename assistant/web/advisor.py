"""The threshold and procedure advisor on the web: `POST /api/advise` and the /advisor page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from assistant.errors import ExplainedInputError
from assistant.services.advice_text import advice_dict
from assistant.services.advisor import AUTHORITIES, CONTRACT_TYPES, Advice, AdviceRequest, advise
from assistant.services.advisor_phrases import Phrase, phrase
from assistant.services.advisor_rules import cached_rules
from assistant.services.valuation import ValueInput
from assistant.web.pages import LangQuery, render_page

router = APIRouter(tags=["advisor"])
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)]
_FIELD_TEXTS = {"procedure": "procedure", "electronic": "electronic_tenders"}  # the others: advisor_<field>
_PROBLEMS = {"missing": "advisor_problem_required", "literal_error": "advisor_problem_choice",
             "string_too_long": "advisor_problem_too_long", "greater_than_equal": "advisor_problem_at_least",
             "greater_than": "advisor_problem_more_than", "less_than_equal": "advisor_problem_at_most"}
_NUMBER_ERRORS = ("decimal", "int", "float", "finite")


class ValueIn(BaseModel):
    """The money of the purchase (euro); amounts net of VAT unless `vat_rate` says they include it."""

    total: Amount | None = Field(None, description="A value for the whole duration.")
    annual: Amount | None = Field(None, description="A value per year (needs `years`).")
    years: Annotated[Decimal, Field(gt=0, le=100)] | None = None
    monthly: Amount | None = Field(None, description="A value per month; without `months`: no fixed term (× 48).")
    months: Annotated[int, Field(gt=0, le=1200)] | None = None
    options: list[Amount] = Field(default_factory=list, max_length=50)
    renewal_years: Annotated[Decimal, Field(ge=0, le=100)] = Decimal(0)
    lots: list[Amount] = Field(default_factory=list, max_length=200)
    vat_rate: Annotated[Decimal, Field(ge=0, le=100)] | None = Field(None, description="Set when amounts include VAT.")
    framework: bool = False


class AdviseIn(BaseModel):
    """A planned purchase to advise on."""

    launch_date: dt.date = Field(description="When the call for competition is sent (decides the threshold period).")
    value: ValueIn | None = None
    authority: Literal["central", "sub_central", "utility"] = "sub_central"
    contract_type: Literal["supplies", "services", "works", "social", "concession"] = "services"
    procedure: str | None = Field(None, max_length=64)
    publication_date: dt.date | None = None
    invitation_date: dt.date | None = None
    electronic: bool = True
    pin_date: dt.date | None = None
    urgency: bool = False
    award_decision_date: dt.date | None = None
    award_decision_electronic: bool = True

    def to_request(self) -> AdviceRequest:
        """The service's request."""
        fields = self.model_dump(exclude={"value"})
        value = ValueInput(**{**self.value.model_dump(), "options": tuple(self.value.options),
                              "lots": tuple(self.value.lots)}) if self.value else None
        return AdviceRequest(value=value, **fields)


@router.post("/api/advise")
def advise_api(body: AdviseIn) -> dict[str, Any]:
    """Whether the EU directives apply, the procedures, minimum time limits and key dates, with the working."""
    return advice_dict(advise(body.to_request(), cached_rules()))


@router.get("/advisor", response_class=HTMLResponse, include_in_schema=False)
def advisor_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
    """The advisor form."""
    return _page(request, lang, {"launch_date": dt.date.today().isoformat(), "electronic": "on"}, None, [])


@router.post("/advisor", response_class=HTMLResponse, include_in_schema=False)
async def advisor_submit(request: Request, lang: LangQuery = None) -> HTMLResponse:
    """The advisor form, submitted: the advice, or the form again with what to correct."""
    form = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        body = AdviseIn.model_validate(form_to_body(form))
        advice = advise(body.to_request(), cached_rules())
    except ValidationError as exc:
        return _page(request, lang, form, None, [form_problem(e) for e in exc.errors()], status=422)
    except ExplainedInputError as exc:
        return _page(request, lang, form, None, [exc.explanation], status=422)
    return _page(request, lang, form, advice, [])


def form_to_body(form: dict[str, str]) -> dict[str, Any]:
    """Flat form fields into the API body: blank fields left out, lists split on ';' or whitespace."""
    filled = {k: v.strip() for k, v in form.items() if v and v.strip()}
    value_keys = ("total", "annual", "years", "monthly", "months", "renewal_years", "vat_rate")
    value: dict[str, Any] = {k: filled[k].replace(",", "") for k in value_keys if k in filled}
    for key in ("options", "lots"):
        if key in filled:
            value[key] = [part.replace(",", "") for part in filled[key].replace(";", " ").split()]
    if "framework" in filled:
        value["framework"] = True
    body: dict[str, Any] = {k: filled[k] for k in ("launch_date", "authority", "contract_type", "procedure",
                                                   "publication_date", "invitation_date", "pin_date",
                                                   "award_decision_date") if k in filled}
    for flag in ("electronic", "urgency", "award_decision_electronic"):
        body[flag] = flag in filled
    if value:
        body["value"] = value
    return body


def form_problem(error: Any) -> Phrase:
    """A form field the validation refused, named by its label, and what is wrong with it."""
    names = [part for part in error.get("loc", ()) if isinstance(part, str) and part != "value"]
    name = names[-1] if names else "form"
    field = Phrase(_FIELD_TEXTS.get(name, f"advisor_{name}"), default=name)
    kind, limits = str(error.get("type", "")), error.get("ctx") or {}
    if kind in _PROBLEMS:
        limit = next((limits[k] for k in ("ge", "gt", "le", "max_length") if k in limits), 0)
        return phrase(_PROBLEMS[kind], field=field, limit=f"{Decimal(str(limit)).normalize():f}")
    if kind.startswith(_NUMBER_ERRORS):
        return phrase("advisor_problem_number", field=field)
    return phrase("advisor_problem_date" if kind.startswith("date") else "advisor_problem_invalid", field=field)


def _page(request: Request, lang: str | None, form: dict[str, str], advice: Advice | None,
          problems: list[Phrase], status: int = 200) -> HTMLResponse:
    rules = cached_rules()
    response = render_page(request, "advisor.html", {
        "form": form, "advice": advice, "problems": problems, "nav": "advisor", "authorities": AUTHORITIES,
        "contract_types": CONTRACT_TYPES, "procedures": [(p.key, p.title) for p in rules.procedures],
    }, lang)
    response.status_code = status
    return response
