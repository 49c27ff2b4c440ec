"""`helpdesk advise`: the threshold and procedure advisor on the command line, from options or a question."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from assistant.cli import app
from assistant.errors import InvalidInputError
from assistant.services.advice_text import advice_dict, advice_text
from assistant.services.advisor import AdviceRequest, advise
from assistant.services.advisor_rules import load_rules
from assistant.services.calculation import parse_calculation
from assistant.services.valuation import ValueInput

console = Console()
Money = Annotated[float | None, typer.Option(min=0, max=1e12)]


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{name} must be a date like 2026-03-02") from exc


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@app.command("advise")
def advise_command(
    question: Annotated[str | None, typer.Argument(help="A calculation question instead of the options.")] = None,
    launch_date: Annotated[str | None, typer.Option("--date", help="Launch date (YYYY-MM-DD); default today.")] = None,
    authority: Annotated[str, typer.Option(help="central | sub_central | utility")] = "sub_central",
    contract_type: Annotated[str, typer.Option(help="supplies | services | works | social | concession")] = "services",
    total: Money = None, annual: Money = None,
    years: Annotated[float | None, typer.Option(min=0, max=100)] = None,
    monthly: Money = None,
    months: Annotated[int | None, typer.Option(min=1, max=1200, help="Omit for no fixed term (× 48).")] = None,
    renewal_years: Annotated[float, typer.Option(min=0, max=100)] = 0,
    option: Annotated[list[float] | None, typer.Option(help="An option's amount (repeatable).")] = None,
    lot: Annotated[list[float] | None, typer.Option(help="A lot's amount (repeatable).")] = None,
    vat_rate: Annotated[float | None, typer.Option(help="The amounts include VAT at this rate (%).")] = None,
    framework: bool = False,
    procedure: Annotated[str | None, typer.Option(help="open, restricted, competitive_negotiation, ...")] = None,
    publication_date: Annotated[str | None, typer.Option(help="Contract notice sent on (YYYY-MM-DD).")] = None,
    pin_date: Annotated[str | None, typer.Option(help="Prior information notice sent on.")] = None,
    electronic: Annotated[bool, typer.Option(help="Tenders submitted electronically.")] = True,
    urgency: bool = False,
    award_date: Annotated[str | None, typer.Option(help="Award decision sent on (standstill).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Do the EU directives apply, which procedures, which minimum time limits and key dates."""
    today = dt.date.today()
    if question:
        calculation = parse_calculation(question, today)
        if calculation is None:
            console.print("[red]Not a calculation the advisor recognises; use the options instead.[/red]")
            raise typer.Exit(2)
        request = calculation.request
    else:
        has_value = any(v is not None for v in (total, annual, monthly)) or bool(lot)
        value = ValueInput(total=_dec(total), annual=_dec(annual), years=_dec(years), monthly=_dec(monthly),
                           months=months, options=tuple(Decimal(str(o)) for o in option or ()),
                           renewal_years=Decimal(str(renewal_years)), lots=tuple(Decimal(str(v)) for v in lot or ()),
                           vat_rate=_dec(vat_rate), framework=framework) if has_value else None
        request = AdviceRequest(launch_date=_day(launch_date, "--date") or today, value=value, authority=authority,
                                contract_type=contract_type, procedure=procedure,
                                publication_date=_day(publication_date, "--publication-date"),
                                pin_date=_day(pin_date, "--pin-date"), electronic=electronic, urgency=urgency,
                                award_decision_date=_day(award_date, "--award-date"))
    try:
        advice = advise(request, load_rules())
    except InvalidInputError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(advice_dict(advice), ensure_ascii=False, indent=2))
    else:
        console.print(Markdown(advice_text(advice)))
