"""The advisor's working as text (chat, CLI), as JSON (API) and as citations of the knowledge behind it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from assistant.services.advisor import Advice
from assistant.services.advisor_phrases import long_date, phrase, tool_texts
from assistant.services.advisor_rules import RuleBook, Source
from assistant.services.replies import Citation
from assistant.services.valuation import eur


def advice_lines(advice: Advice, texts: Mapping[str, str] | None = None) -> list[str]:
    """The working line by line (value, threshold, procedures, time limits, dates), English unless `texts` say."""
    t = texts or tool_texts("en")
    lines = _value_lines(advice, t)
    if advice.procedures and advice.value is not None:
        lines.append(f"**{t['advice_procedures_heading']}**")
        lines += [f"- {p.title.say(t)}: {p.terms.say(t)} ({p.reference}; {p.source})" for p in advice.procedures]
    if advice.time_limits:
        lines.append(f"**{t['advisor_time_limits']}**")
        for limit in advice.time_limits:
            line = phrase(f"advice_time_limit_{limit.counted_from}", procedure=limit.procedure_title,
                          step=limit.step_title, days=limit.days)
            lines.append(f"- {line.say(t)} ({limit.reference}; {limit.source})")
            lines += [f"  - {caution.say(t)}" for caution in limit.cautions]
    if advice.key_dates:
        lines.append(f"**{t['advisor_key_dates']}**")
        lines += [f"- {d.title.say(t)}: **{long_date(d.date, t)}** ({t['days_count'].format(days=d.days)}; "
                  f"{d.reference}; {d.source})" for d in advice.key_dates]
    lines += [note.say(t) for note in advice.notes]
    lines.append(t["advisor_national_law"])
    return lines


def _value_lines(advice: Advice, t: Mapping[str, str]) -> list[str]:
    """The estimated value, the threshold it is held against and the conclusion."""
    if advice.value is None or advice.threshold is None:
        return []
    value, threshold = advice.value, advice.threshold
    lines = [f"**{t['advice_value_heading']}**"]
    lines += [f"- {s.what.say(t)}: {eur(s.amount)} ({s.reference}; {s.source})" for s in value.steps]
    lines.append(f"- {t['col_total']}: **{eur(value.total)}**")
    lines.append(f"**{t['advisor_threshold']} {advice.period.id}**: {threshold.title.say(t)}: {eur(threshold.amount)} "
                 f"({threshold.reference}; {advice.period.source}).")
    conclusion = phrase("advice_conclusion_applies" if advice.covered else "advice_conclusion_below",
                        value=eur(value.total), threshold=eur(threshold.amount))
    lines.append(f"**{t['advice_conclusion']}**: {conclusion.say(t)}")
    lines.append("- " + phrase("advice_valuation_moment").say(t))
    if value.small_lots_exempt:
        lines.append("- " + phrase("advice_small_lots", amount=eur(value.small_lots_exempt),
                                            limit=eur(value.small_lot_limit)).say(t))
    return lines


def advice_text(advice: Advice, texts: Mapping[str, str] | None = None) -> str:
    """The working as Markdown: paragraphs and headings set apart from the lists."""
    return "\n".join(line if line.lstrip().startswith("- ") else f"\n{line}"
                     for line in advice_lines(advice, texts)).strip()


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
        "notes": [str(note) for note in advice.notes],
        "sources": [_src(s) for s in advice.sources],
        "working": advice_lines(advice),
    }


def _src(src: Source) -> dict[str, str]:
    return {"document": src.document, "section": src.section}
