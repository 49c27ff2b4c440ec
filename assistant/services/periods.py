"""Which period a question is about: rules such as thresholds change on 1 January of even years."""

from __future__ import annotations

import datetime as dt
import re

_YEAR = re.compile(r"\b(20[0-9]{2})\b")


def period_date(question: str, today: dt.date) -> tuple[dt.date, bool]:
    """The day the question is about, and whether the user named it (else today)."""
    years = [int(y) for y in _YEAR.findall(question) if 2000 <= int(y) <= 2099]
    if not years:
        return today, False
    year = min(years)
    if year == today.year:
        return today, True
    return dt.date(year, 7, 1), True


def period_label(valid_from: str | None, valid_until: str | None) -> str | None:
    """'2026-2027' from a validity period."""
    if not valid_from:
        return None
    start = valid_from[:4]
    end = (valid_until or "")[:4]
    return f"{start}-{end}" if end and end != start else start
