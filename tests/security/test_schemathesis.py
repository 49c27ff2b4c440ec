"""Property-based API tests from the OpenAPI schema: no 5xx, and every response matches the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from assistant.app import create_app
from assistant.config import RateLimitSettings
from assistant.services.escalations import EscalationRequest
from assistant.services.replies import ChannelAddress
from tests.experts_support import build_console

MAX_EXAMPLES = 12


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


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case: Any, admin_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"})
