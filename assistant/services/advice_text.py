"""The advisor's working as text (chat, CLI), as JSON (API) and as citations of the knowledge behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from assistant.services.advisor import Advice
from assistant.services.advisor_rules import RuleBook, Source
from assistant.services.replies import Citation
from assistant.services.valuation import eur


def advice_lines(advice: Advice) -> list[str]:
    """The working, line by line: value, threshold, conclusion, procedures, time limits, dates."""
    lines: list[str] = []
    if advice.value is not None and advice.threshold is not None:
        lines.append("**Estimated value (net of VAT)**")
        lines += [f"- {s.text}: {eur(s.amount)} ({s.reference}; {s.source})" for s in advice.value.steps]
        lines.append(f"- Total: **{eur(advice.value.total)}**")
        t = advice.threshold
        lines.append(f"**Threshold {advice.period.id}**: {t.label}: {eur(t.amount)} ({t.reference}; "
                     f"{advice.period.source}).")
        verdict = "reaches" if advice.covered else "is below"
        outcome = ("the EU procurement directive applies: use an EU procedure and publish on TED" if advice.covered
                   else "the EU directive does not apply")
        lines.append(f"**Conclusion**: {eur(advice.value.total)} {verdict} the threshold of {eur(t.amount)}, "
                     f"so {outcome}.")
        if advice.value.small_lots_exempt:
            lines.append(f"- Small lots worth {eur(advice.value.small_lots_exempt)} in total may be awarded without "
                         "the directive (each under EUR 80,000, together at most 20% of all lots; Art 5(10)).")
    if advice.procedures and advice.value is not None:
        lines.append("**Procedures available**")
        lines += [f"- {p.name}: {p.condition} ({p.reference}; {p.source})" for p in advice.procedures]
    if advice.time_limits:
        lines.append("**Minimum time limits**")
        names = {p.key: p.name for p in advice.procedures}
        for limit in advice.time_limits:
            start = "the contract notice is sent" if limit.counted_from == "notice" else "the invitation is sent"
            lines.append(f"- {names[limit.procedure]}, {limit.step.lower()}: {limit.days} days from the day "
                         f"{start} ({limit.reference}; {limit.source})")
            lines += [f"  - {note}" for note in limit.notes]
    if advice.key_dates:
        lines.append("**Key dates**")
        lines += [f"- {d.label}: **{d.date:%A} {d.date.day} {d.date:%B %Y}** ({d.days} days; {d.reference}; {d.source})"
                  for d in advice.key_dates]
    lines += advice.notes
    lines.append("National law may set longer time limits or lower thresholds; check it too.")
    return lines


def advice_text(advice: Advice) -> str:
    """The working as Markdown: paragraphs and headings set apart from the lists."""
    return "\n".join(line if line.lstrip().startswith("- ") else f"\n{line}" for line in advice_lines(advice)).strip()


def advice_citations(advice: Advice, rules: RuleBook, base_url: str) -> list[Citation]:
    """One citation per knowledge section the advice rests on."""
    return [_citation(n, src, rules, base_url) for n, src in enumerate(advice.sources, 1)]


def _citation(n: int, src: Source, rules: RuleBook, base_url: str) -> Citation:
    url = f"{base_url.rstrip('/')}/documents/{quote(src.document)}#sec-{src.section}"
    title = rules.documents.get(src.document, src.document)
    return Citation(n=n, document_id=src.document, title=title, section=src.section, page=None,
                    snippet=f"{title}, section {src.section}", score=1.0, url=url)


def advice_dict(advice: Advice) -> dict[str, Any]:
    """The advice as JSON-ready data."""
    value = advice.value
    return {
        "period": advice.period.id,
        "value": None if value is None else {
            "total_eur": float(value.total), "small_lots_exempt_eur": float(value.small_lots_exempt),
            "steps": [{"text": s.text, "amount_eur": float(s.amount), "reference": s.reference,
                       "source": _src(s.source)} for s in value.steps]},
        "threshold": None if advice.threshold is None else {
            "label": advice.threshold.label, "amount_eur": advice.threshold.amount,
            "reference": advice.threshold.reference, "source": _src(advice.period.source)},
        "above_threshold": advice.covered,
        "procedures": [{"key": p.key, "name": p.name, "condition": p.condition, "reference": p.reference,
                        "source": _src(p.source)} for p in advice.procedures],
        "time_limits": [{"procedure": t.procedure, "step": t.step, "counted_from": t.counted_from, "days": t.days,
                         "reference": t.reference, "source": _src(t.source), "notes": list(t.notes)}
                        for t in advice.time_limits],
        "key_dates": [{"label": d.label, "date": d.date.isoformat(), "days": d.days, "reference": d.reference,
                       "source": _src(d.source)} for d in advice.key_dates],
        "notes": list(advice.notes),
        "sources": [_src(s) for s in advice.sources],
        "working": advice_lines(advice),
    }


def _src(src: Source) -> dict[str, str]:
    return {"document": src.document, "section": src.section}
