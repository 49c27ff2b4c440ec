"""Dependencies as Annotated aliases; tests swap them with app.dependency_overrides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.config import Settings
from assistant.services.retrieval import Retriever
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


HelpdeskDep = Annotated[Helpdesk, Depends(get_helpdesk)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
