"""Outbox delivery to Teams: an expert's answer sent proactively through the stored conversation reference."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botbuilder.core import CloudAdapterBase, TurnContext
from botbuilder.schema import ConversationReference

from assistant.channels import teams_cards as cards
from assistant.channels.teams import card_activity
from assistant.errors import DeliveryError
from assistant.services.delivery import OutboxItem
from assistant.services.language import message


class TeamsDelivery:
    """The `teams` delivery channel of the outbox worker."""

    name = "teams"

    def __init__(self, adapter: CloudAdapterBase, app_id: str | None) -> None:
        self._adapter = adapter
        self._app_id = app_id or ""

    def deliver(self, item: OutboxItem) -> None:
        """Send the item's text to its conversation, or raise DeliveryError (retried later)."""
        stored = item.address.get("conversation_reference")
        text = str(item.payload.get("text") or "").strip()
        if not isinstance(stored, dict) or not text:
            raise DeliveryError(f"outbox item {item.id}: no Teams conversation reference or no text")
        reference = ConversationReference().deserialize(stored)
        if not reference.service_url or not reference.conversation:
            raise DeliveryError(f"outbox item {item.id}: the Teams conversation reference is incomplete")
        heading = str(item.payload.get("heading") or message("expert_answer", str(item.payload.get("language", "en"))))
        card = cards.expert_answer_card(text, heading, item.escalation_id)

        failures: list[Exception] = []

        async def send(turn_context: TurnContext) -> None:
            try:
                await turn_context.send_activity(card_activity(card))
            except Exception as exc:  # noqa: BLE001 - the adapter's error handler would swallow it otherwise
                failures.append(exc)

        try:
            _run(self._adapter.continue_conversation(reference, send, bot_app_id=self._app_id))
        except Exception as exc:  # the SDK raises aiohttp, msrest and plain errors alike: all mean "retry later"
            failures.append(exc)
        if failures:
            error = failures[0]
            raise DeliveryError(f"teams: proactive message failed: {type(error).__name__}: {error}") from error


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine from synchronous code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
