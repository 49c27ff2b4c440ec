"""Property-based API tests from the OpenAPI schema: no 5xx, and every response matches the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation import GenerationMode

from assistant.app import create_app
from assistant.config import RateLimitSettings
from assistant.services.escalations import EscalationRequest
from assistant.services.replies import ChannelAddress
from tests.experts_support import build_console

MAX_EXAMPLES = 12
# positive_data_acceptance is left out: a schema cannot say "not only whitespace", which the helpdesk refuses (422).
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance, checks.negative_data_rejection]


@pytest.fixture
def helpdesk(tmp_path):  # type: ignore[no-untyped-def]
    built = build_console(tmp_path, rate_limit=RateLimitSettings(enabled=False))
    built.experts.add("root@example.eu", "Root", "correct horse battery", role="admin")
    conversation = built.conversations.open(ChannelAddress(owner_key="someone"))
    built.escalations.escalate(EscalationRequest("May we extend the framework?", "low_confidence",
                                                 conversation_id=conversation, contact="eva@gemeinde.at"))
    yield built
    built.db.dispose()


@pytest.fixture
def admin_token(helpdesk: Any) -> str:
    return str(helpdesk.experts.issue_token("root@example.eu"))


@pytest.fixture
def api_schema(helpdesk: Any) -> Any:
    app = create_app(helpdesk.settings, helpdesk)
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=r"^/(api/|healthz)")


def test_api_conforms_to_its_schema(api_schema: Any, admin_token: str) -> None:
    """Every operation under /api and /healthz, positive and negative data, as an admin and anonymously."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    calls: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case: Any) -> None:
                calls.append(case.operation.label)
                case.call_and_validate(headers=headers if len(calls) % 4 else None, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in this operation can be made invalid
    print(f"schemathesis: {len(calls)} cases over {len(operations)} operations")
    assert len(calls) >= len(operations) * 2


def test_ids_beyond_the_database_integer_range_are_refused(helpdesk: Any, admin_token: str) -> None:
    """Found by schemathesis: a 20-digit id overflowed the database driver (500); now a 422."""
    from fastapi.testclient import TestClient

    huge = 17742959841582776310
    with TestClient(create_app(helpdesk.settings, helpdesk)) as client:
        client.get("/api/conversations/none")
        conversation = client.post("/api/chat", json={"message": "What is a framework agreement?"}).json()
        bodies = {"/api/feedback": {"conversation_id": conversation["conversation_id"], "message_id": huge,
                                    "rating": "up"},
                  "/api/escalations": {"conversation_id": conversation["conversation_id"], "message_id": huge}}
        for path, body in bodies.items():
            assert client.post(path, json=body).status_code == 422, path
        retry = client.post(f"/api/expert/outbox/{huge}/retry", headers={"Authorization": f"Bearer {admin_token}"})
        assert retry.status_code == 422
