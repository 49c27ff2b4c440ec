"""The helpdesk assistant: one preparation step shared by the plain and the streaming answer."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.config import Settings
from assistant.embeddings import CachedEmbedder
from assistant.errors import InvalidQuestionError, LLMUnavailableError
from assistant.services.answering import ComposedAnswer, Similarity, compose_extractive
from assistant.services.calculation_answer import calculation_reply
from assistant.services.citations import make_citation
from assistant.services.conversations import ConversationService, Turn
from assistant.services.domain import DomainVocabulary
from assistant.services.escalations import EscalationRequest, EscalationService, EscalationTicket
from assistant.services.followups import standalone_query
from assistant.services.generation import AnswerGenerator
from assistant.services.glossary import Glossary, neutral_terms
from assistant.services.language import detect_language, message
from assistant.services.lexical import tokenize
from assistant.services.periods import period_date, period_label
from assistant.services.planted_instructions import without_planted_instructions
from assistant.services.replies import AssistantReply, ChannelAddress
from assistant.services.retrieval import Mode, Passage, RetrievalFilters, RetrievalResult, Retriever
from assistant.services.routing import RoutingDecision, matches, pre_route, retrieval_confidence, route

_QUESTION_PARTS = re.compile(r"[^?\n]+\?")


@dataclass
class Prepared:
    """Everything decided before the answer text is written."""

    question: str
    language: str
    conversation_id: str
    address: ChannelAddress
    history: list[Turn]
    query: str
    decision: RoutingDecision
    retrieval: RetrievalResult | None
    uncovered_parts: list[str] = field(default_factory=list)
    period_note: str | None = None
    period: str | None = None
    calculation: ComposedAnswer | None = None  # the advisor's worked answer to a calculation question

    @property
    def scoring_query(self) -> str:
        """The question with its English expansion, for choosing which sentences to quote."""
        return self.retrieval.expanded_query if self.retrieval and self.retrieval.expanded_query else self.query

    @property
    def passages(self) -> list[Passage]:
        """Passages to answer from (empty when no retrieval ran)."""
        return self.retrieval.passages if self.retrieval else []


@dataclass
class StreamEvent:
    """A piece of a streamed answer: text tokens, then the final reply."""

    kind: str  # token | reply
    text: str = ""
    reply: AssistantReply | None = None


class HelpdeskAssistant:
    """Answers, escalates or declines a question, on any channel."""

    def __init__(self, settings: Settings, retriever: Retriever, conversations: ConversationService,
                 escalations: EscalationService, generator: AnswerGenerator | None = None,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self._settings = settings
        self._retriever = retriever
        self._conversations = conversations
        self._escalations = escalations
        self._generator = generator
        self._today = today
        self._vocabulary: tuple[str, DomainVocabulary, Glossary] | None = None
        self._sentence_vectors: CachedEmbedder | None = None  # knowledge sentences, embedded once (on first use)

    # -- public interface -------------------------------------------------
    def ask(self, question: str, address: ChannelAddress | None = None, conversation_id: str | None = None,
            language: str | None = None, filters: RetrievalFilters | None = None) -> AssistantReply:
        """Answer (or escalate, or decline) one question and record it in its conversation."""
        prepared = self.prepare(question, address or ChannelAddress(), conversation_id, language, filters)
        composed, fallback = self._compose(prepared)
        return self._finish(prepared, composed, fallback)

    def stream(self, question: str, address: ChannelAddress | None = None, conversation_id: str | None = None,
               language: str | None = None, filters: RetrievalFilters | None = None) -> Iterator[StreamEvent]:
        """The same answer as `ask`, delivered as tokens first and the full reply last."""
        prepared = self.prepare(question, address or ChannelAddress(), conversation_id, language, filters)
        if prepared.decision.decision == "answer" and self._generator is not None and prepared.calculation is None:
            tokens: list[str] = []
            try:
                for token in self._generator.stream(prepared.question, prepared.passages, prepared.language,
                                                    prepared.history):
                    tokens.append(token)
                    yield StreamEvent("token", token)
                composed = self._generator.finalise("".join(tokens), prepared.passages, prepared.question,
                                                    prepared.language, self._settings.public_base_url)
                reply = self._finish(prepared, composed, fallback=False)
            except LLMUnavailableError:
                reply = self._finish(prepared, *self._extractive(prepared, fallback=True))
                yield StreamEvent("reset")
                yield StreamEvent("token", reply.answer)
            yield StreamEvent("reply", reply=reply)
            return
        composed, fallback = self._compose(prepared)
        reply = self._finish(prepared, composed, fallback)
        for line in reply.answer.splitlines(keepends=True):
            yield StreamEvent("token", line)
        yield StreamEvent("reply", reply=reply)

    def request_expert(self, conversation_id: str, address: ChannelAddress, note: str | None = None,
                       contact: str | None = None, municipality: str | None = None, country: str | None = None,
                       idempotency_key: str | None = None) -> EscalationTicket:
        """The official asks for a human on any answer of their conversation."""
        self._conversations.open(address, conversation_id)
        history = self._conversations.history(conversation_id, limit=20)
        question = next((t.content for t in reversed(history) if t.role == "user"), note or "")
        if not question:
            raise InvalidQuestionError("there is no question in this conversation to send to an expert")
        language = detect_language(question)
        return self._escalations.escalate(EscalationRequest(
            question=question, reason="user_requested", language=language, channel=address.channel,
            reply_address=address.reply, conversation_id=conversation_id,
            transcript=[{"role": t.role, "content": t.content} for t in history]
            + ([{"role": "user", "content": f"Note for the expert: {note}"}] if note else []),
            draft_answer=next((t.content for t in reversed(history) if t.role == "assistant"), ""),
            contact=contact, municipality=municipality, country=country,
            idempotency_key=idempotency_key,
        ))

    # -- preparation ---------------------------------------------------------
    def prepare(self, question: str, address: ChannelAddress, conversation_id: str | None,
                language: str | None, filters: RetrievalFilters | None = None) -> Prepared:
        """Validate, detect the language, resolve follow-ups, retrieve and decide."""
        question = (question or "").strip()
        if not question:
            raise InvalidQuestionError("the question is empty")
        if len(question) > self._settings.max_question_chars:
            raise InvalidQuestionError(f"the question is longer than {self._settings.max_question_chars} characters")
        conversation_id = self._conversations.open(address, conversation_id)
        history = self._conversations.history(conversation_id)
        language = language or detect_language(question, fallback=_last_language(history))
        self._conversations.record_question(conversation_id, question, language)
        query, _topic = standalone_query(question, history)
        if self._generator is not None and _topic:
            query = self._generator.condense(question, history) or query
        early = pre_route(question)
        if early is not None and early.reason == "injection":
            return Prepared(question, language, conversation_id, address, history, query, early, None)
        calculation = None if early else calculation_reply(question, self._today(), self._settings.public_base_url,
                                                           language=language)
        if calculation is not None:  # the threshold and procedure advisor answers; no retrieval needed
            return Prepared(question, language, conversation_id, address, history, query,
                            RoutingDecision("answer", "calculation", 1.0), None, calculation=calculation)
        retrieval, prepared_period = self.retrieve(query, language, filters)
        retrieval = without_planted_instructions(retrieval)  # documents are data, not commands
        decision = early or self._decide(query, retrieval, language)
        uncovered = self._uncovered_parts(question, language, filters) if early is None else []
        if uncovered and decision.decision != "decline":
            decision = RoutingDecision("answer", "partially_covered", max(decision.confidence, 0.5))
        return Prepared(question, language, conversation_id, address, history, query, decision, retrieval,
                        uncovered_parts=uncovered, period_note=prepared_period[0], period=prepared_period[1])

    def retrieve(self, query: str, language: str, filters: RetrievalFilters | None = None, mode: Mode = "hybrid"
                 ) -> tuple[RetrievalResult, tuple[str | None, str | None]]:
        """Retrieve as the assistant does (glossary expansion, translation, period), with the period note."""
        today = self._today()
        day, named = period_date(query, today)
        _, _, glossary = self._domain()
        dense_query, lexical_query = query, query
        if language != "en":
            english = " ".join(glossary.expand(query))
            translated = None
            if self._generator is not None and self._settings.llm.translate_queries:
                translated = self._generator.translate(query)
            lexical_query = " ".join(filter(None, [translated or neutral_terms(query), english]))
            dense_query = " ".join(filter(None, [query, translated, english]))
        result = self._retriever.search(dense_query, lexical_query=lexical_query, filters=filters, on_date=day,
                                        mode=mode)
        return result, self._period_note(result, day, named, today, language)

    def _period_note(self, result: RetrievalResult, day: dt.date, named: bool, today: dt.date,
                     language: str) -> tuple[str | None, str | None]:
        dated = [p for p in result.passages[:3] if p.metadata.get("valid_from") and p.in_period]
        if not dated:
            return None, None
        label = period_label(dated[0].metadata.get("valid_from"), dated[0].metadata.get("valid_until"))
        if named and not (dt.date.fromisoformat(str(dated[0].metadata["valid_from"])) <= today):
            return message("period_current", language, period=label), label
        if named and day.year != today.year and not _covers(dated[0], today):
            return message("period_other", language, period_asked=label), label
        return message("period_current", language, period=label), label

    def _decide(self, query: str, retrieval: RetrievalResult, language: str) -> RoutingDecision:
        _, vocabulary, _ = self._domain()
        confidence = retrieval_confidence(retrieval, len(set(tokenize(query))), language, self._settings.retrieval)
        return route(confidence, vocabulary.in_domain(query), matches("national_law", query), self._settings.retrieval)

    def _uncovered_parts(self, question: str, language: str, filters: RetrievalFilters | None) -> list[str]:
        """Sub-questions (two or more question marks) that the knowledge does not cover."""
        parts = [p.strip() for p in _QUESTION_PARTS.findall(question) if len(p.strip().split()) >= 4]
        if len(parts) < 2:
            return []
        uncovered = []
        for part in parts:
            result, _ = self.retrieve(part, language, filters)
            if self._decide(part, result, language).decision != "answer":
                uncovered.append(part)
        return uncovered if len(uncovered) < len(parts) else []

    def _domain(self) -> tuple[str, DomainVocabulary, Glossary]:
        """Glossary and vocabulary, rebuilt when the index changes."""
        snapshot = self._retriever.snapshot()
        if self._vocabulary is None or self._vocabulary[0] != snapshot.version:
            glossary = Glossary.from_chunks(snapshot.chunks)
            self._vocabulary = (snapshot.version, DomainVocabulary(glossary.terms()), glossary)
        return self._vocabulary

    # -- composing -------------------------------------------------------------
    def _compose(self, prepared: Prepared) -> tuple[ComposedAnswer, bool]:
        if prepared.decision.decision != "answer":
            return ComposedAnswer("", []), False
        if prepared.calculation is not None:
            return prepared.calculation, False
        if self._generator is None:
            return self._extractive(prepared, fallback=False)
        try:
            return self._generator.answer(prepared.question, prepared.passages, prepared.language, prepared.history,
                                          self._settings.public_base_url), False
        except LLMUnavailableError:
            return self._extractive(prepared, fallback=True)

    def _extractive(self, prepared: Prepared, fallback: bool) -> tuple[ComposedAnswer, bool]:
        composed = compose_extractive(prepared.scoring_query, prepared.passages, prepared.language,
                                      self._settings.public_base_url, prepared.period_note,
                                      self._cross_lingual(prepared.language))
        if fallback:
            composed.text = f"{message('llm_fallback', prepared.language)}\n{composed.text}"
        return composed, fallback

    def _cross_lingual(self, language: str) -> Similarity | None:
        """Meaning-based sentence scoring for questions not in English (the knowledge is mostly English)."""
        model = self._retriever.embedder.multilingual()
        if language == "en" or model is None:
            return None
        if self._sentence_vectors is None:
            self._sentence_vectors = CachedEmbedder(model)
        sentences = self._sentence_vectors

        def similarity(question: str, texts: list[str]) -> list[float]:
            vectors = sentences.embed_batch(texts)
            return [float(v) for v in vectors @ sentences.embed(question)]

        return similarity

    def _finish(self, prepared: Prepared, composed: ComposedAnswer, fallback: bool) -> AssistantReply:
        decision = prepared.decision
        language = prepared.language
        reply = AssistantReply(answer=composed.text, outcome="answered", confidence=decision.confidence,
                               language=language, citations=composed.citations,
                               conversation_id=prepared.conversation_id, reason=decision.reason,
                               period=prepared.period)
        if decision.decision == "decline":
            key = "declined_injection" if decision.reason == "injection" else "declined_out_of_scope"
            reply.answer, reply.outcome, reply.citations = message(key, language), "declined", []
        elif decision.decision == "escalate":
            self._escalate(prepared, reply, decision.reason, prepared.question)
        elif prepared.uncovered_parts:
            part = " ".join(prepared.uncovered_parts)
            ticket = self._escalate_ticket(prepared, "partially_covered", part, reply.answer)
            reply.answer += "\n\n" + message("partial_escalated", language, part=part) + "\n" + message(
                "escalated", language, ref=ticket.id, due=_due(ticket))
            reply.outcome, reply.escalation_id = "escalated", ticket.id
        elif self._needs_review(reply):
            ticket = self._escalate_ticket(prepared, "review", prepared.question, reply.answer, kind="review")
            reply.answer = message("review_hold", language, ref=ticket.id, due=_due(ticket))
            reply.outcome, reply.escalation_id, reply.held_for_review = "escalated", ticket.id, True
        reply.message_id = self._conversations.record_answer(prepared.conversation_id, reply)
        return reply

    def _needs_review(self, reply: AssistantReply) -> bool:
        threshold = self._settings.escalation.review_below_confidence
        return threshold is not None and reply.confidence < threshold

    def _escalate(self, prepared: Prepared, reply: AssistantReply, reason: str, question: str) -> None:
        draft = compose_extractive(prepared.scoring_query, prepared.passages, prepared.language,
                                   self._settings.public_base_url).text if prepared.passages else ""
        ticket = self._escalate_ticket(prepared, reason, question, draft)
        lead = {"own_case": "escalated_judgement", "human_requested": "escalated_human"}.get(
            reason, "escalated_low_confidence")
        reply.answer = message(lead, prepared.language) + " " + message(
            "escalated", prepared.language, ref=ticket.id, due=_due(ticket))
        reply.outcome, reply.escalation_id = "escalated", ticket.id
        reply.citations = [make_citation(i + 1, p, self._settings.public_base_url)
                           for i, p in enumerate(prepared.passages[:3])]

    def _escalate_ticket(self, prepared: Prepared, reason: str, question: str, draft: str,
                         kind: str = "question") -> EscalationTicket:
        return self._escalations.escalate(EscalationRequest(
            question=question, reason=reason, language=prepared.language, channel=prepared.address.channel,
            reply_address=prepared.address.reply, conversation_id=prepared.conversation_id,
            transcript=[{"role": t.role, "content": t.content} for t in prepared.history]
            + [{"role": "user", "content": prepared.question}],
            passages=[_passage_record(p) for p in prepared.passages], draft_answer=draft, kind=kind,
            topics=sorted({t for p in prepared.passages[:3] for t in str(p.metadata.get("topics", "")).split("; ")
                           if t}),
        ))


def _passage_record(passage: Passage) -> dict[str, Any]:
    return {"chunk_id": passage.chunk_id, "document_id": passage.document_id,
            "title": passage.metadata.get("title"), "section": passage.section,
            "page": passage.metadata.get("page"), "text": passage.text, "score": round(passage.score, 4)}


def _last_language(history: list[Turn]) -> str:
    return "en"


def _covers(passage: Passage, day: dt.date) -> bool:
    start, end = passage.metadata.get("valid_from"), passage.metadata.get("valid_until")
    return bool(start) and dt.date.fromisoformat(str(start)) <= day and (
        not end or day <= dt.date.fromisoformat(str(end)))


def _due(ticket: EscalationTicket) -> str:
    return ticket.due_at.strftime("%Y-%m-%d %H:%M UTC")
