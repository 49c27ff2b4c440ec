"""Dependencies as Annotated aliases; tests swap them with app.dependency_overrides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.services.delivery import OutboxWorker
from assistant.services.expert_queue import ExpertQueue
from assistant.services.experts import ExpertIdentity, ExpertService
from assistant.services.feedback import FeedbackService
from assistant.services.retrieval import Retriever
from assistant.web.auth import current_admin, current_expert
from assistant.web.official_session import current_owner_id
from assistant.wiring import Helpdesk


def get_helpdesk(request: Request) -> Helpdesk:
    """The services built at start-up."""
    return request.app.state.helpdesk  # type: ignore[no-any-return]


def get_app_settings(helpdesk: Annotated[Helpdesk, Depends(get_helpdesk)]) -> Settings:
    """Settings of this app instance."""
    return helpdesk.settings


def get_retriever(helpdesk: Annotated[Helpdesk, Depends(get_helpdesk)]) -> Retriever:
    """The hybrid retriever."""
    return helpdesk.retriever


def get_feedback(helpdesk: Annotated[Helpdesk, Depends(get_helpdesk)]) -> FeedbackService:
    """Feedback on answers, over the app's database."""
    return FeedbackService(helpdesk.db)


def get_queue(helpdesk: Annotated[Helpdesk, Depends(get_helpdesk)]) -> ExpertQueue:
    """The experts' escalation queue."""
    if helpdesk.queue is None:
        raise ConfigurationError("the expert services are not wired (attach_expert_services)")
    return helpdesk.queue


def get_outbox(helpdesk: Annotated[Helpdesk, Depends(get_helpdesk)]) -> OutboxWorker:
    """The delivery outbox."""
    if helpdesk.outbox is None:
        raise ConfigurationError("the expert services are not wired (attach_expert_services)")
    return helpdesk.outbox


def get_experts(helpdesk: Annotated[Helpdesk, Depends(get_helpdesk)]) -> ExpertService:
    """Expert accounts."""
    if helpdesk.experts is None:
        raise ConfigurationError("the expert services are not wired (attach_expert_services)")
    return helpdesk.experts


HelpdeskDep = Annotated[Helpdesk, Depends(get_helpdesk)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
# Owner of web conversations: the signed-in official's account (OpenID Connect), else the signed-cookie browser id
BrowserIdDep = Annotated[str, Depends(current_owner_id)]
FeedbackDep = Annotated[FeedbackService, Depends(get_feedback)]
CurrentExpert = Annotated[ExpertIdentity, Depends(current_expert)]  # 401 without an expert session or API token
CurrentAdmin = Annotated[ExpertIdentity, Depends(current_admin)]  # 403 for experts without the admin role
QueueDep = Annotated[ExpertQueue, Depends(get_queue)]
OutboxDep = Annotated[OutboxWorker, Depends(get_outbox)]
ExpertsDep = Annotated[ExpertService, Depends(get_experts)]
