"""HTTP endpoints of the chat channels: Slack's events, interactions and commands; Teams' messages.

Routes only translate HTTP: Bolt verifies Slack's signature and timestamp, the Bot Framework SDK validates the
Teams token. Slack's dispatch runs in a worker thread, so the event loop never waits on Slack or the database.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from slack_bolt import App

    from assistant.channels.teams import TeamsEndpoint
    from assistant.wiring import Helpdesk

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack and Teams payloads are far smaller
SLACK_PATHS = ("/slack/events", "/slack/interactions", "/slack/commands")
TEAMS_PATH = "/api/teams/messages"


def install(app: FastAPI, helpdesk: Helpdesk) -> None:
    """Mount the Slack and Teams routes that the settings configure (and nothing otherwise)."""
    slack_app = helpdesk.extras.get("slack_app")
    if slack_app is not None and helpdesk.settings.slack.signing_secret is not None:
        app.include_router(slack_router(slack_app))
    teams = helpdesk.extras.get("teams")
    if teams is not None:
        app.include_router(teams_router(teams))


async def _body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than any channel sends."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = await request.body()
    return body if len(body) <= MAX_BODY_BYTES else None


def slack_router(slack_app: App) -> APIRouter:
    """Slack's three request URLs, handled by the Bolt app through its FastAPI adapter's request conversion.

    `slack_bolt.adapter.fastapi.SlackRequestHandler` is the Starlette handler, whose `handle` would run the
    synchronous dispatch on the event loop; its two conversion functions are used with a worker thread instead.
    """
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response

    router = APIRouter(tags=["slack"], include_in_schema=False)

    async def slack_request(request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return PlainTextResponse("request too large", status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except UnicodeDecodeError:
            return PlainTextResponse("the body is not UTF-8", status_code=400)
        bolt_response = await run_in_threadpool(slack_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    for path in SLACK_PATHS:
        router.add_api_route(path, slack_request, methods=["POST"], name=f"slack{path.replace('/', '_')}")
    return router


def teams_router(teams: TeamsEndpoint) -> APIRouter:
    """The bot's messaging endpoint."""
    router = APIRouter(tags=["teams"], include_in_schema=False)

    @router.post(TEAMS_PATH)
    async def teams_messages(request: Request) -> Response:
        if "application/json" not in request.headers.get("content-type", ""):
            return JSONResponse({"detail": "expected application/json"}, status_code=415)
        body = await _body(request)
        if body is None:
            return JSONResponse({"detail": "request too large"}, status_code=413)
        payload = _json_object(body)
        if payload is None:
            return JSONResponse({"detail": "the body is not a JSON activity"}, status_code=400)
        try:
            status, content = await teams.process(payload, request.headers.get("authorization", ""))
        except PermissionError as exc:
            log.info("teams: refused an activity: %s", exc)
            return JSONResponse({"detail": "unauthorized"}, status_code=401)
        except ConnectionError as exc:
            log.warning("teams: %s", exc)
            return JSONResponse({"detail": "cannot verify the token now"}, status_code=503,
                                headers={"Retry-After": "5"})
        if content is None:
            return Response(status_code=status)
        return JSONResponse(content, status_code=status)

    return router


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
