"""`helpdesk ask`: a readable answer with sources, or JSON / JSON Lines for scripts."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from assistant.cli import app
from assistant.config import get_settings
from assistant.errors import HelpdeskError, InvalidQuestionError
from assistant.services.replies import AssistantReply, ChannelAddress
from assistant.wiring import build_helpdesk

console = Console()


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question (omit with --jsonl).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Read questions line by line from stdin.")] = False,
    language: Annotated[str | None, typer.Option(help="Answer language (default: detected).")] = None,
    conversation: Annotated[str | None, typer.Option(help="Continue this conversation id.")] = None,
) -> None:
    """Ask the assistant a question."""
    helpdesk = build_helpdesk(get_settings())
    address = ChannelAddress(channel="cli")
    if jsonl:
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            if text.startswith("{"):
                text = str(json.loads(text).get("question", ""))
            try:
                reply = helpdesk.assistant.ask(text, address, language=language)
                print(json.dumps(reply.public(), ensure_ascii=False), flush=True)
            except InvalidQuestionError as exc:
                print(json.dumps({"error": str(exc), "question": text}, ensure_ascii=False), flush=True)
        return
    if not question:
        raise typer.BadParameter("give a question, or use --jsonl")
    try:
        reply = helpdesk.assistant.ask(question, address, conversation_id=conversation, language=language)
    except HelpdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(reply.public(), ensure_ascii=False))
        return
    _print(reply)


def _print(reply: AssistantReply) -> None:
    colour = {"answered": "green", "escalated": "yellow", "declined": "red"}[reply.outcome]
    console.print(f"[{colour}]{reply.outcome}[/{colour}] · confidence {reply.confidence:.2f} · {reply.language}"
                  + (f" · escalation {reply.escalation_id}" if reply.escalation_id else ""))
    console.print(Markdown(reply.answer))
    for c in reply.citations:
        page = f", p. {c.page}" if c.page else ""
        console.print(f"[dim][{c.n}] {c.title} — {c.section}{page}  {c.url}[/dim]")
    console.print(f"[dim]conversation {reply.conversation_id}[/dim]")
