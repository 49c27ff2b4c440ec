"""The chat API: ask, stream, read a conversation, rate an answer, ask for an expert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from assistant.errors import HelpdeskError, NotFoundError
from assistant.services.assistant import StreamEvent
from assistant.services.conversation_view import conversation_view, escalation_summary, iso_utc
from assistant.services.replies import AssistantReply, ChannelAddress
from assistant.store.db import Database
from assistant.web.chat_schemas import (
    ChatReply,
    ChatRequest,
    ConversationOut,
    ConversationSummary,
    EscalationOut,
    ExpertRequest,
    FeedbackOut,
    FeedbackRequest,
)
from assistant.web.deps import BrowserIdDep, FeedbackDep, HelpdeskDep

router = APIRouter(prefix="/api", tags=["chat"])
_SSE_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"text/event-stream": {}},
                  "description": "Events `token` ({text}), `reset` (discard the tokens so far), `reply` (the "
                                 "ChatReply with citations and outcome) and, if the answer fails mid-way, `error`."}}


def web_address(browser_id: str) -> ChannelAddress:
    """The web channel address of a browser: its id owns the conversations it starts."""
    return ChannelAddress(channel="web", owner_key=browser_id)


@router.post("/chat", response_model=ChatReply)
def chat(body: ChatRequest, helpdesk: HelpdeskDep, browser_id: BrowserIdDep) -> dict[str, Any]:
    """Answer, escalate or decline one question; follow-ups pass the conversation_id back."""
    reply = helpdesk.assistant.ask(body.message, web_address(browser_id), body.conversation_id, body.language)
    return reply_json(reply, helpdesk.db)


@router.post("/chat/stream", response_class=StreamingResponse, responses=_SSE_DOC)
async def chat_stream(body: ChatRequest, helpdesk: HelpdeskDep, browser_id: BrowserIdDep) -> StreamingResponse:
    """The same answer as POST /api/chat as server-sent events: tokens first, then the reply."""
    events = helpdesk.assistant.stream(body.message, web_address(browser_id), body.conversation_id, body.language)
    # Validation, retrieval and routing run before the first event: their errors are still a plain 4xx.
    first = await run_in_threadpool(next, events, None)
    return StreamingResponse(_server_sent(first, events, helpdesk.db), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/conversations", response_model=list[ConversationSummary])
def conversations(helpdesk: HelpdeskDep, browser_id: BrowserIdDep) -> list[dict[str, Any]]:
    """The caller's web conversations, most recent first (a signed-in official's from every browser)."""
    return helpdesk.conversations.list_for(browser_id)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
def conversation(conversation_id: Annotated[str, Path(min_length=1, max_length=64)], helpdesk: HelpdeskDep,
                 browser_id: BrowserIdDep) -> dict[str, Any]:
    """The caller's conversation with every answer, expert answers that arrived later included."""
    return conversation_view(helpdesk.conversations, helpdesk.db, conversation_id, browser_id)


@router.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: Annotated[str, Path(min_length=1, max_length=64)], helpdesk: HelpdeskDep,
                        browser_id: BrowserIdDep) -> Response:
    """Erase the caller's conversation with its messages and ratings (404 for anyone else's)."""
    helpdesk.conversations.delete(conversation_id, browser_id)
    return Response(status_code=204)


@router.post("/feedback", response_model=FeedbackOut)
def feedback(body: FeedbackRequest, feedback: FeedbackDep, browser_id: BrowserIdDep) -> dict[str, Any]:
    """Thumbs up or down (and an optional comment) on an answer; rating it again replaces the rating."""
    record = feedback.record(body.conversation_id, body.message_id, 1 if body.rating == "up" else -1,
                             body.comment, browser_id)
    return {**record.__dict__, "rating": "up" if record.rating > 0 else "down"}


@router.post("/escalations", response_model=EscalationOut, status_code=201,
             responses={200: {"model": EscalationOut, "description": "The same request had already been made."}})
def ask_expert(body: ExpertRequest, helpdesk: HelpdeskDep, browser_id: BrowserIdDep) -> JSONResponse:
    """The official asks a human expert about an answer; returns the reference and the expected answer time."""
    key = None
    if body.message_id is not None:
        messages = helpdesk.conversations.read(body.conversation_id, browser_id)["messages"]
        if not any(m["id"] == body.message_id and m["role"] != "user" for m in messages):
            raise NotFoundError(f"no answer {body.message_id} in conversation '{body.conversation_id}'")
        key = f"web:{body.conversation_id}:{body.message_id}"
    ticket = helpdesk.assistant.request_expert(
        body.conversation_id, web_address(browser_id), note=body.note, contact=body.contact,
        municipality=body.municipality, country=body.country.upper() if body.country else None,
        idempotency_key=key,
    )
    payload = {"id": ticket.id, "status": ticket.status, "due_at": iso_utc(ticket.due_at),
               "created": ticket.created}
    return JSONResponse(payload, status_code=201 if ticket.created else 200)


def reply_json(reply: AssistantReply, db: Database) -> dict[str, Any]:
    """The documented reply object, with the escalation's reference and due time when there is one."""
    data = reply.public()
    data["escalation"] = escalation_summary(db, reply.escalation_id) if reply.escalation_id else None
    return data


def _server_sent(first: StreamEvent | None, events: Iterator[StreamEvent],
                 db: Database) -> Iterator[str]:
    event = first
    try:
        while event is not None:
            if event.kind == "reply" and event.reply is not None:
                yield _sse("reply", reply_json(event.reply, db))
            else:
                yield _sse(event.kind, {"text": event.text})
            event = next(events, None)
    except HelpdeskError as exc:  # the response has started: the error travels as an event
        yield _sse("error", {"detail": str(exc), "error": type(exc).__name__})


def _sse(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
