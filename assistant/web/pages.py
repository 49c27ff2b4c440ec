"""Server-rendered pages: the document list with a search box."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from assistant.services.catalogue import build_catalogue
from assistant.web.deps import RetrieverDep
from assistant.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, retriever: RetrieverDep,
         q: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    """Indexed documents and, when `q` is given, the passages that match it."""
    results = retriever.search(q, k=8).passages if q.strip() else []
    return templates.TemplateResponse(
        request, "index.html",
        {"documents": build_catalogue(retriever.chunks()), "query": q, "results": results},
    )
