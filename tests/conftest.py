"""Shared fixtures: real embedded stores (Chroma, SQLite) over the real knowledge base, fakes only for the LLM."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
EXTERNAL_DOCS = REPO.parent / "shared" / "external-docs"
PG_ADMIN_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_settings(data_dir: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """Test settings: everything under data_dir, no LLM, no .env file."""
    from assistant.config import Settings

    values: dict[str, object] = {"environment": "test", "data_dir": data_dir, "knowledge_dir": KNOWLEDGE,
                                 "public_base_url": "http://testserver"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose embedded Chroma holds the whole knowledge base, ingested once per session."""
    from assistant.wiring import build_knowledge
    from ingest.pipeline import run_ingest

    data = tmp_path_factory.mktemp("knowledge-index")
    settings = make_settings(data)
    embedder, index, _ = build_knowledge(settings)
    report = run_ingest([KNOWLEDGE], index, embedder, settings.ingest, settings.embedding.batch_size)
    assert not report.failed, [f"{o.source_path}: {o.error}" for o in report.failed]
    return data


@pytest.fixture
def settings(knowledge_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings over the shared knowledge index with a fresh SQLite database for this test."""
    return make_settings(tmp_path / "data", chroma_path=knowledge_dir / "chroma",
                         database_url=f"sqlite:///{tmp_path / 'helpdesk.db'}")


@pytest.fixture
def helpdesk(settings):  # type: ignore[no-untyped-def]
    """All services wired over real embedded stores."""
    from assistant.wiring import build_helpdesk

    built = build_helpdesk(settings)
    yield built
    built.db.dispose()


@pytest.fixture
def client(settings, helpdesk):  # type: ignore[no-untyped-def]
    """A TestClient of the app built by create_app."""
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    with TestClient(create_app(settings, helpdesk)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"helpdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL service not reachable at {PG_ADMIN_URL}: {exc.orig}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()
