"""create_app(settings): the one place that builds the FastAPI app and hands services to routers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant import __version__
from assistant.config import Settings, get_settings
from assistant.web import errors, health, pages
from assistant.web.templating import STATIC_DIR
from assistant.wiring import Helpdesk, build_helpdesk


def create_app(settings: Settings | None = None, helpdesk: Helpdesk | None = None) -> FastAPI:
    """Build the web app with every service created once, at start-up."""
    settings = settings or get_settings()
    helpdesk = helpdesk or build_helpdesk(settings)
    app = FastAPI(title="Procurement helpdesk", version=__version__,
                  description="Cited answers on digital public procurement, with escalation to human experts.")
    app.state.helpdesk = helpdesk
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (health.router, pages.router):
        app.include_router(router)
    return app
