"""Citations: numbered, pointing to the exact section or page, with a URL the web app can open."""

from __future__ import annotations

import re
from urllib.parse import quote

from assistant.services.replies import Citation
from assistant.services.retrieval import Passage

_NUMBER = re.compile(r"^\s*((?:\d+|[IVXLC]+)(?:\.\d+)*)[.)]?\s")


def section_anchor(section: str) -> str:
    """Anchor of the innermost numbered heading, e.g. '4 Technical > 4.2 Interoperability' -> 'sec-4.2'."""
    last = section.split(" > ")[-1] if section else ""
    match = _NUMBER.match(last)
    if match:
        return f"sec-{match.group(1)}"
    slug = re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-")
    return f"sec-{slug}" if slug else ""


def citation_url(base_url: str, passage: Passage) -> str:
    """Source-viewer URL: the document at the cited section, or the PDF at the cited page."""
    url = f"{base_url.rstrip('/')}/documents/{quote(passage.document_id)}"
    page = passage.metadata.get("page")
    if page:
        return f"{url}?page={int(page)}#page={int(page)}"
    anchor = section_anchor(passage.section)
    return f"{url}#{anchor}" if anchor else url


def make_citation(n: int, passage: Passage, base_url: str, snippet: str | None = None) -> Citation:
    """Citation number `n` for a passage."""
    page = passage.metadata.get("page")
    text = snippet or passage.text
    return Citation(
        n=n, document_id=passage.document_id, title=str(passage.metadata.get("title", passage.document_id)),
        section=passage.section, page=int(page) if page else None,
        snippet=(text[:280] + "…") if len(text) > 280 else text, score=round(float(passage.score), 4),
        url=citation_url(base_url, passage),
    )
