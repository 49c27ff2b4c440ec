"""Builds the long-lived parts (embedder, index, retriever, database, services) once, from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.channels.registry import register_channels
from assistant.config import Settings
from assistant.embeddings import Embedder, create_embedder
from assistant.llm import create_chat_model
from assistant.services.assistant import HelpdeskAssistant
from assistant.services.conversations import ConversationService
from assistant.services.delivery import OutboxWorker
from assistant.services.delivery_channels import builtin_channels
from assistant.services.escalations import EscalationService
from assistant.services.expert_queue import ExpertQueue
from assistant.services.experts import ExpertService
from assistant.services.generation import AnswerGenerator
from assistant.services.notifications import Notifier
from assistant.services.publishing import PublishingService
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
    experts: ExpertService | None = None  # the expert side, set by attach_expert_services
    queue: ExpertQueue | None = None
    publishing: PublishingService | None = None
    outbox: OutboxWorker | None = None


def build_helpdesk(settings: Settings, migrate: bool = True, chat_model: Any | None = None) -> Helpdesk:
    """Wire stores, embedder, chat model and services from settings; apply migrations when asked."""
    embedder, index, retriever = build_knowledge(settings)
    db = Database(settings.sqlalchemy_url)
    if migrate:
        db.upgrade()
    conversations = ConversationService(db)
    notifier = Notifier(settings)
    escalations = EscalationService(db, settings.escalation, embedder=embedder, notifier=notifier,
                                    conversations=conversations)
    model = chat_model if chat_model is not None else create_chat_model(settings.llm)
    generator = AnswerGenerator(model, embedder, settings.llm.timeout_s) if model is not None else None
    assistant = HelpdeskAssistant(settings, retriever, conversations, escalations, generator)
    helpdesk = Helpdesk(settings=settings, embedder=embedder, index=index, retriever=retriever, db=db,
                        conversations=conversations, escalations=escalations, assistant=assistant)
    attach_expert_services(helpdesk, notifier)
    register_channels(helpdesk)
    return helpdesk


def attach_expert_services(helpdesk: Helpdesk, notifier: Notifier) -> None:
    """Expert accounts, the queue, publishing of expert answers, and the outbox worker with every channel."""
    settings, db = helpdesk.settings, helpdesk.db
    helpdesk.experts = ExpertService(db)
    helpdesk.publishing = PublishingService(db, helpdesk.index, helpdesk.embedder, notifier, helpdesk.retriever)
    channels = builtin_channels(db, helpdesk.conversations, settings.notify, helpdesk.publishing)
    helpdesk.outbox = OutboxWorker(db, channels, settings.escalation,
                                   extra_channels=helpdesk.extras.setdefault("delivery_channels", {}))
    helpdesk.queue = ExpertQueue(db, settings.escalation, on_outbox=helpdesk.outbox.wake, notifier=notifier)
    helpdesk.extras["expert_queue"] = helpdesk.queue  # the Slack expert buttons look for it here


def retrieval_variants(helpdesk: Helpdesk) -> tuple[dict[str, HelpdeskAssistant], dict[str, str]]:
    """Assistants over dense-only, BM25-only, weighted-hybrid and RRF-hybrid retrieval, for evaluation."""
    settings = helpdesk.settings
    variants: dict[str, HelpdeskAssistant] = {}
    modes = {"dense": "dense", "bm25": "lexical", "hybrid-weighted": "hybrid", "hybrid-rrf": "hybrid"}
    for name in modes:
        fusion = "rrf" if name == "hybrid-rrf" else "weighted"
        retrieval = settings.retrieval.model_copy(update={"fusion": fusion})
        retriever = Retriever(helpdesk.index, helpdesk.embedder, retrieval)
        variants[name] = HelpdeskAssistant(settings, retriever, helpdesk.conversations, helpdesk.escalations)
    return variants, modes
