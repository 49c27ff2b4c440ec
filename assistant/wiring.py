"""Builds the long-lived parts (embedder, index, retriever, database, services) once, from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.config import Settings
from assistant.embeddings import Embedder, create_embedder
from assistant.llm import create_chat_model
from assistant.services.assistant import HelpdeskAssistant
from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationService
from assistant.services.generation import AnswerGenerator
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
    conversations: ConversationService
    escalations: EscalationService
    assistant: HelpdeskAssistant
    extras: dict[str, Any] = field(default_factory=dict)


def build_helpdesk(settings: Settings, migrate: bool = True, chat_model: Any | None = None) -> Helpdesk:
    """Wire stores, embedder, chat model and services from settings; apply migrations when asked."""
    embedder, index, retriever = build_knowledge(settings)
    db = Database(settings.sqlalchemy_url)
    if migrate:
        db.upgrade()
    conversations = ConversationService(db)
    escalations = EscalationService(db, settings.escalation)
    model = chat_model if chat_model is not None else create_chat_model(settings.llm)
    generator = AnswerGenerator(model, embedder, settings.llm.timeout_s) if model is not None else None
    assistant = HelpdeskAssistant(settings, retriever, conversations, escalations, generator)
    return Helpdesk(settings=settings, embedder=embedder, index=index, retriever=retriever, db=db,
                    conversations=conversations, escalations=escalations, assistant=assistant)
