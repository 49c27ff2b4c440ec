"""create_app(settings): the one place that builds the FastAPI app and hands services to routers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant import __version__
from assistant.config import Settings, get_settings
from assistant.services.redaction import install_log_redaction
from assistant.web import (
    advisor,
    auth,
    channels,
    chat,
    console,
    console_admin,
    documents,
    errors,
    escalations_api,
    expert_api,
    finder,
    health,
    insight,
    official_auth,
    pages,
    privacy_api,
)
from assistant.web.ratelimit import RequestLimitsMiddleware, build_rate_limiter
from assistant.web.session import BrowserSessionMiddleware
from assistant.web.templating import STATIC_DIR
from assistant.wiring import Helpdesk, build_helpdesk
from assistant.worker import worker_lifespan


def create_app(settings: Settings | None = None, helpdesk: Helpdesk | None = None) -> FastAPI:
    """Build the web app with every service created once, at start-up."""
    settings = settings or get_settings()
    install_log_redaction()
    helpdesk = helpdesk or build_helpdesk(settings)
    app = FastAPI(title="Procurement helpdesk", version=__version__,
                  description="Cited answers on digital public procurement, with escalation to human experts.",
                  lifespan=worker_lifespan, responses=errors.ERROR_RESPONSES)
    app.state.helpdesk = helpdesk
    errors.install(app)
    auth.install(app)
    official_auth.install(app, settings)
    app.add_middleware(BrowserSessionMiddleware, secret_key=settings.secret_key.get_secret_value(),
                       secure=settings.public_base_url.startswith("https://"))
    limits = settings.rate_limit
    app.add_middleware(RequestLimitsMiddleware, max_body_bytes=limits.max_body_bytes,
                       limiter=build_rate_limiter(limits, settings.redis_url) if limits.enabled else None,
                       secret_key=settings.secret_key.get_secret_value())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (health.router, pages.router, chat.router, documents.router, console.router, console_admin.router,
                   expert_api.router, escalations_api.router, privacy_api.router, advisor.router,
                   finder.router, insight.router):
        app.include_router(router)
    channels.install(app, helpdesk)
    return app
