"""Expert answers become knowledge: published answers are cited and stop the escalation, unpublished and expired
ones are not used, and expired ones are flagged for re-review."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import select

from assistant.services.expert_queue import AnswerForm, QueueFilters
from assistant.services.publishing import ExpertAnswer, expert_document_id
from assistant.store.models import Escalation, OutboxMessage
from tests.conftest import make_settings

QUESTION = "What VAT rate applies to the procurement of snow ploughs in Finland?"
PARAPHRASES = ["Which VAT percentage do Finnish municipalities pay when buying snow ploughs?",
               "snow plough purchase in Finland: what is the VAT rate?"]
ANSWER = ("Snow ploughs bought by a Finnish municipality carry the standard Finnish VAT rate of 25.5 % (since "
          "1 September 2024). The estimated contract value is calculated without VAT.")


@pytest.fixture
def helpdesk(knowledge_dir, tmp_path):  # type: ignore[no-untyped-def]
    """A helpdesk over a private copy of the knowledge index (publishing writes to it)."""
    from assistant.wiring import build_helpdesk

    shutil.copytree(knowledge_dir / "chroma", tmp_path / "chroma")
    settings = make_settings(tmp_path / "data", chroma_path=tmp_path / "chroma",
                             database_url=f"sqlite:///{tmp_path / 'helpdesk.db'}")
    built = build_helpdesk(settings)
    yield built
    built.db.dispose()


def _publish(helpdesk, **form):  # type: ignore[no-untyped-def]
    reply = helpdesk.assistant.ask(QUESTION)
    assert reply.outcome == "escalated" and reply.reason == "low_confidence"
    expert = helpdesk.experts.add("anna@example.eu", "Anna Virtanen", "correct horse battery")
    helpdesk.queue.answer(reply.escalation_id, expert, AnswerForm(ANSWER, publish=True, **form))
    helpdesk.outbox.deliver_due()
    assert helpdesk.index.ids_where({"document_id": expert_document_id(reply.escalation_id)})
    return reply.escalation_id, expert


def test_published_answer_is_cited_and_answers_question_and_paraphrases(helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _publish(helpdesk, legal_basis="Finnish VAT Act 1501/1993, s. 84",
                                linked_sources=["https://vero.fi/en/businesses-and-corporations/taxes-and-charges/vat"])
    for question in [QUESTION, *PARAPHRASES]:
        reply = helpdesk.assistant.ask(question)
        assert reply.outcome == "answered", (question, reply.reason, reply.confidence)
        assert reply.escalation_id is None
        top = reply.citations[0]
        assert top.document_id == expert_document_id(escalation_id)
        assert top.title.startswith("Expert answer: What VAT rate")
        assert "25.5 %" in reply.answer
    chunk = helpdesk.index.all_chunks({"document_id": expert_document_id(escalation_id)})[0]
    meta = chunk.metadata
    assert meta["source_type"] == "expert_answer" and meta["expert"] == "Anna Virtanen"
    assert meta["legal_basis"] == "Finnish VAT Act 1501/1993, s. 84" and "vero.fi" in meta["linked_sources"]
    assert dt.date.fromisoformat(meta["review_by"]) > dt.date.today()
    assert meta["answered_on"] == dt.date.today().isoformat()
    with helpdesk.db.session() as session:
        record = session.get(Escalation, escalation_id)
        assert record.published_chunk_id == chunk.chunk_id and record.published_at is not None


def test_unpublishing_removes_the_answer_from_the_index(helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, expert = _publish(helpdesk)
    helpdesk.queue.set_published(escalation_id, expert, False)
    assert helpdesk.outbox.deliver_due().sent == 1
    assert helpdesk.index.ids_where({"document_id": expert_document_id(escalation_id)}) == []
    helpdesk.retriever.refresh()
    reply = helpdesk.assistant.ask(QUESTION)
    assert reply.outcome == "escalated"
    with helpdesk.db.session() as session:
        assert session.get(Escalation, escalation_id).published_chunk_id is None


def test_answer_past_review_by_is_not_used_and_is_flagged_once(helpdesk) -> None:  # type: ignore[no-untyped-def]
    escalation_id, _ = _publish(helpdesk)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with helpdesk.db.session() as session:
        session.get(Escalation, escalation_id).review_by = yesterday
    helpdesk.publishing.sync(escalation_id)  # the index carries the new review-by date
    assert helpdesk.assistant.ask(QUESTION).outcome == "escalated"
    assert helpdesk.publishing.flag_expired() == [escalation_id]
    assert helpdesk.publishing.flag_expired() == []
    with helpdesk.db.session() as session:
        assert session.get(Escalation, escalation_id).review_flagged_at is not None
    expert = helpdesk.experts.list()[0]
    queue = helpdesk.queue.find(QueueFilters(status="all", review_due=True), expert)
    assert [row["id"] for row in queue["items"]] == [escalation_id] and queue["counts"]["review_due"] == 1


def test_review_due_notifies_the_experts(knowledge_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.wiring import build_helpdesk

    shutil.copytree(knowledge_dir / "chroma", tmp_path / "chroma")
    settings = make_settings(tmp_path / "data", chroma_path=tmp_path / "chroma",
                             database_url=f"sqlite:///{tmp_path / 'h.db'}", notify={"webhook_url": "http://x/h"})
    helpdesk = build_helpdesk(settings)
    escalation_id, _ = _publish(helpdesk, review_by=dt.date.today() + dt.timedelta(days=1))
    assert helpdesk.publishing.flag_expired(dt.date.today() + dt.timedelta(days=2)) == [escalation_id]
    with helpdesk.db.session() as session:
        events = [o.payload["event"] for o in session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "webhook"))]
    assert events[-1] == "expert_answer.review_due"
    helpdesk.db.dispose()


def test_expert_answer_chunk_shape() -> None:
    answer = ExpertAnswer("ESC-ABC123", "Q " * 80, "A.", "Anna", dt.date(2026, 1, 2), dt.date(2027, 1, 2), "en",
                          "Art 5", ("https://example.eu",))
    chunk = answer.chunk()
    assert chunk.chunk_id.startswith("EXPERT-ESC-ABC123:0:")
    assert chunk.metadata["title"].endswith("…") and len(chunk.metadata["title"]) < 110
    assert "Legal basis: Art 5" in chunk.text and "Sources: https://example.eu" in chunk.text
    assert answer.chunk().chunk_id == chunk.chunk_id  # content-derived: re-publishing is idempotent
