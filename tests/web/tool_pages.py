"""A small app with only the tool pages' routers, over the real knowledge folder (no index or database needed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.web import errors

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def tool_pages_client(*routers: Any) -> TestClient:
    """A TestClient for the given routers, with the app's error handlers."""
    app = FastAPI()
    app.state.helpdesk = SimpleNamespace(settings=SimpleNamespace(knowledge_dir=KNOWLEDGE))
    errors.install(app)
    for router in routers:
        app.include_router(router)
    return TestClient(app)
