"""Helpers for the escalation, expert and delivery tests: databases on SQLite and PostgreSQL, a fake embedder."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from assistant.embeddings import Embedder

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
TABLES = ("audit_log", "outbox", "feedback", "messages", "escalations", "conversations", "experts")
_upgraded: set[str] = set()
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # argon2id, cheap enough for tests


def database_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL database emptied."""
    from assistant.store.db import Database

    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'store.db'}")
        db.upgrade()
    else:
        url = request.getfixturevalue("pg_url")
        db = Database(url)
        if url not in _upgraded:
            db.upgrade()
            _upgraded.add(url)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    yield db
    db.dispose()


class WordEmbedder(Embedder):
    """Deterministic bag-of-words vectors: texts sharing most words are similar, others are not."""

    id = "test-words"
    dimension = 256

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, value in enumerate(texts):
            for word in re.findall(r"\w+", value.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


class RecordingChannel:
    """A delivery channel that records what it was given and can be told to fail."""

    def __init__(self, name: str, fail: int = 0, delay: float = 0.0) -> None:
        self.name = name
        self.fail = fail
        self.delay = delay
        self.items: list[Any] = []

    def deliver(self, item: Any) -> None:
        import time

        from assistant.errors import DeliveryError

        if self.delay:
            time.sleep(self.delay)
        if self.fail > 0:
            self.fail -= 1
            raise DeliveryError(f"{self.name} is down")
        self.items.append(item)


def build_console(tmp_path: Path, **overrides: Any) -> Any:
    """A helpdesk over an empty knowledge index, with a fast password hasher, for the console tests."""
    from assistant.services.experts import ExpertService
    from assistant.wiring import build_helpdesk
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'console.db'}", **overrides)
    helpdesk = build_helpdesk(settings)
    helpdesk.experts = ExpertService(helpdesk.db, FAST_HASHER)
    return helpdesk


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: Any, email: str, password: str = "correct horse battery") -> Any:
    """Log in through the form, as a browser would; returns the response of the POST."""
    token = csrf_from(client.get("/console/login").text)
    return client.post("/console/login", data={"email": email, "password": password, "csrf_token": token,
                                               "next": "/console"}, follow_redirects=False)
