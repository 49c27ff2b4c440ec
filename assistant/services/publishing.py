"""Expert answers become knowledge: a published answer is indexed as an `expert_answer` chunk and cited as such.

The index follows the database: `sync` publishes the answer when the escalation is marked for publication and
removes it otherwise, so repeated or out-of-order syncs are harmless. Answers past their review-by date are no
longer retrieved (see retrieval) and `flag_expired` asks the experts to review them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from assistant.embeddings import Embedder
from assistant.services.escalations import as_utc, recipients
from assistant.services.notifications import Notifier
from assistant.services.retrieval import Retriever
from assistant.store.db import Database
from assistant.store.models import AuditEntry, Escalation, Expert, utcnow
from assistant.vectorstore import StoredChunk, VectorIndex

SOURCE_TYPE = "expert_answer"
_TITLE_CHARS = 90


def expert_document_id(escalation_id: str) -> str:
    """Document id of a published expert answer, e.g. EXPERT-ESC-7Q2K9D."""
    return f"EXPERT-{escalation_id}"


@dataclass
class ExpertAnswer:
    """What is published: the question, the answer and where it comes from."""

    escalation_id: str
    question: str
    answer: str
    expert: str
    answered_on: dt.date
    review_by: dt.date | None
    language: str
    legal_basis: str | None = None
    linked_sources: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Title under which the answer is cited."""
        question = " ".join(self.question.split())
        short = question if len(question) <= _TITLE_CHARS else question[: _TITLE_CHARS - 1].rstrip() + "…"
        return f"Expert answer: {short}"

    def text(self) -> str:
        """The passage: question, answer, legal basis and sources."""
        parts = [f"Question: {self.question.strip()}", f"Answer: {self.answer.strip()}"]
        if self.legal_basis:
            parts.append(f"Legal basis: {self.legal_basis.strip()}")
        if self.linked_sources:
            parts.append("Sources: " + "; ".join(self.linked_sources))
        return "\n\n".join(parts)

    def chunk(self) -> StoredChunk:
        """The chunk stored in the index (content-derived id, so re-publishing unchanged text is a no-op)."""
        text = self.text()
        digest = hashlib.sha256(text.encode()).hexdigest()
        metadata: dict[str, Any] = {
            "document_id": expert_document_id(self.escalation_id), "title": self.title,
            "section": f"Expert answer ({self.expert}, {self.answered_on.isoformat()})",
            "source_type": SOURCE_TYPE, "source_path": f"expert-answers/{self.escalation_id}",
            "file_format": "expert-answer", "doc_hash": digest, "content_hash": digest, "chunk_index": 0,
            "escalation_id": self.escalation_id, "expert": self.expert, "answered_on": self.answered_on.isoformat(),
            "review_by": self.review_by.isoformat() if self.review_by else None, "language": self.language,
            "legal_basis": self.legal_basis, "linked_sources": "; ".join(self.linked_sources) or None,
            "topics": "; ".join(self.topics) or None, "doc_type": "expert_answer",
        }
        return StoredChunk(f"{metadata['document_id']}:0:{digest[:10]}", text, metadata)

    def embedding_text(self) -> str:
        """The question twice (paraphrases of it must find the answer), then the answer."""
        return f"{self.question}\n{self.question}\n{self.answer}"


class PublishingService:
    """Keeps the knowledge index in line with the expert answers marked for publication."""

    def __init__(self, db: Database, index: VectorIndex, embedder: Embedder, notifier: Notifier | None = None,
                 retriever: Retriever | None = None, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._index = index
        self._embedder = embedder
        self._notifier = notifier
        self._retriever = retriever
        self._clock = clock

    def sync(self, escalation_id: str) -> bool:
        """Publish or unpublish one escalation's answer to match the database; True when it is now published."""
        answer = self._publishable(escalation_id)
        document_id = expert_document_id(escalation_id)
        old_ids = set(self._index.ids_where({"document_id": document_id}))
        chunk_id = None
        if answer is not None:
            chunk = answer.chunk()
            self._index.upsert([chunk], self._embedder.embed_batch([answer.embedding_text()]))
            chunk_id = chunk.chunk_id
        self._index.delete_ids(sorted(old_ids - {chunk_id}))
        if old_ids != {chunk_id}:
            self._index.bump_version()
            if self._retriever is not None:
                self._retriever.refresh()
        self._record(escalation_id, chunk_id)
        return chunk_id is not None

    def _publishable(self, escalation_id: str) -> ExpertAnswer | None:
        with self._db.session() as session:
            record = session.get(Escalation, escalation_id)
            if record is None or not record.publish or record.status not in ("answered", "closed"):
                return None
            if not record.answer:
                return None
            expert = session.get(Expert, record.assignee_id) if record.assignee_id else None
            answered = as_utc(record.answered_at or record.updated_at).date()
            return ExpertAnswer(record.id, record.question, record.answer, expert.name if expert else "expert",
                                answered, record.review_by, record.language, record.legal_basis,
                                tuple(record.linked_sources or ()), tuple(record.topics or ()))

    def _record(self, escalation_id: str, chunk_id: str | None) -> None:
        with self._db.session() as session:
            record = session.get(Escalation, escalation_id)
            if record is None or record.published_chunk_id == chunk_id:
                return
            record.published_chunk_id = chunk_id
            record.published_at = self._clock() if chunk_id else None
            session.add(AuditEntry(actor="assistant", action="knowledge.publish" if chunk_id else "knowledge.unpublish",
                                   target=record.id, details={"chunk_id": chunk_id}))

    def flag_expired(self, today: dt.date | None = None) -> list[str]:
        """Flag published answers past their review-by date (once each) and tell the experts; returns their ids."""
        today = today or self._clock().date()
        with self._db.session() as session:
            expired = session.scalars(select(Escalation).where(
                Escalation.publish.is_(True), Escalation.review_by < today,
                Escalation.review_flagged_at.is_(None))).all()
            for record in expired:
                record.review_flagged_at = self._clock()
                review_by = record.review_by.isoformat() if record.review_by else None
                session.add(AuditEntry(actor="assistant", action="knowledge.review_due", target=record.id,
                                       details={"review_by": review_by}))
                if self._notifier is not None:
                    self._notifier.review_due(session, record, recipients(session, record))
            return [record.id for record in expired]
