"""Server-rendered pages: the chat and the template library, in the official's language."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from assistant.errors import NotFoundError
from assistant.services.catalogue import DocumentEntry, build_catalogue, find_document
from assistant.services.sources import available_downloads, document_languages
from assistant.web.auth import set_csrf_cookie
from assistant.web.deps import HelpdeskDep
from assistant.web.official_session import official_view
from assistant.web.templating import templates
from assistant.web.ui_text import LANGUAGE_COOKIE, UI_LANGUAGES, choose_language, ui_text

router = APIRouter(include_in_schema=False)
TEMPLATE_CATEGORIES = ("infrastructure", "platforms", "application-services")
LangQuery = Annotated[str | None, Query(max_length=16, description="Interface language (en, de, fr, ...).")]


def render_page(request: Request, template: str, context: dict[str, Any], lang: str | None) -> HTMLResponse:
    """A page in the chosen interface language; an explicit choice is remembered in a cookie."""
    language = choose_language(lang, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    response = templates.TemplateResponse(request, template, {
        **context, "lang": language, "t": ui_text(language), "languages": UI_LANGUAGES, "kept_params": kept,
    })
    if lang and lang.lower() in UI_LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
    response.headers["Content-Language"] = language
    return response


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, helpdesk: HelpdeskDep, lang: LangQuery = None,
              about: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    """The chat; `about=<document id>` starts a question about that template."""
    prefill_document = None
    if about:
        try:
            prefill_document = find_document(helpdesk.retriever.chunks(), about)
        except NotFoundError:
            prefill_document = None  # an unknown id only means no prefilled question
    response = render_page(request, "chat.html", {
        "max_chars": helpdesk.settings.max_question_chars, "about": prefill_document, "nav": "chat",
        "official": official_view(request),
    }, lang)
    set_csrf_cookie(request, response)  # the sign-out form's token, when an official is signed in
    return response


@router.get("/library", response_class=HTMLResponse)
def library_page(request: Request, helpdesk: HelpdeskDep, lang: LangQuery = None) -> HTMLResponse:
    """The templates by category with their downloads, then the guidance and any other indexed document."""
    chunks = helpdesk.retriever.chunks()
    catalogue = build_catalogue(chunks)
    knowledge_dir = helpdesk.settings.knowledge_dir
    downloads = {e.document_id: available_downloads(e, knowledge_dir) for e in catalogue if e.doc_type == "template"}
    templates_by_category = [(c, [e for e in catalogue if e.doc_type == "template" and e.category == c])
                             for c in TEMPLATE_CATEGORIES]
    return render_page(request, "library.html", {
        "categories": [(c, entries) for c, entries in templates_by_category if entries],
        "template_count": sum(len(entries) for _, entries in templates_by_category),
        "guidance": [e for e in catalogue if e.doc_type == "guidance"],
        "others": [e for e in catalogue if _uncategorised(e)],
        "downloads": downloads, "doc_langs": document_languages(chunks), "nav": "library",
    }, lang)


def _uncategorised(entry: DocumentEntry) -> bool:
    if entry.doc_type == "template":
        return entry.category not in TEMPLATE_CATEGORIES
    return entry.doc_type != "guidance"
