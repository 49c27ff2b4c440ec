"""Builds the long-lived parts (embedder, index, retriever, database, services) once, from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.config import Settings
from assistant.embeddings import Embedder, create_embedder
from assistant.services.retrieval import Retriever
from assistant.store.db import Database
from assistant.vectorstore import VectorIndex


def build_knowledge(settings: Settings) -> tuple[Embedder, VectorIndex, Retriever]:
    """The embedder, the vector index for it and a retriever over both."""
    embedder = create_embedder(settings.embedding)
    index = VectorIndex(settings, embedder.id)
    return embedder, index, Retriever(index, embedder, settings.retrieval)


@dataclass
class Helpdesk:
    """Everything a channel needs, created once per process and handed down."""

    settings: Settings
    embedder: Embedder
    index: VectorIndex
    retriever: Retriever
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)


def build_helpdesk(settings: Settings, migrate: bool = True) -> Helpdesk:
    """Wire stores, embedder and services from settings; apply migrations when asked."""
    embedder, index, retriever = build_knowledge(settings)
    db = Database(settings.sqlalchemy_url)
    if migrate:
        db.upgrade()
    return Helpdesk(settings=settings, embedder=embedder, index=index, retriever=retriever, db=db)
