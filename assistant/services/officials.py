"""Signed-in officials: a stable owner id per account, and the browser's conversations adopted at sign-in."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from assistant.store.db import Database
from assistant.store.models import Conversation

OWNER_PREFIX = "oidc:"
_MAX_FIELD = 255


@dataclass(frozen=True)
class OfficialIdentity:
    """Who signed in: the owner id of their conversations, and a name and e-mail to show (never stored in the DB)."""

    owner_id: str
    name: str | None = None
    email: str | None = None

    @property
    def display_name(self) -> str:
        """The name to greet them with: their name, else their e-mail, else a neutral word."""
        return self.name or self.email or "official"


def owner_id_for(issuer: str, subject: str) -> str:
    """A stable, opaque owner id for an account (issuer + subject): the same in every browser, no personal data."""
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:40]
    return OWNER_PREFIX + digest


def identity_from_claims(claims: Mapping[str, Any]) -> OfficialIdentity:
    """The identity in validated ID-token claims (iss and sub are required; name and e-mail when given)."""
    name = _text(claims.get("name")) or " ".join(
        part for part in (_text(claims.get("given_name")), _text(claims.get("family_name"))) if part
    ) or _text(claims.get("preferred_username"))
    return OfficialIdentity(owner_id=owner_id_for(str(claims["iss"]), str(claims["sub"])), name=name or None,
                            email=_text(claims.get("email")))


def adopt_browser_conversations(db: Database, browser_id: str, owner_id: str) -> int:
    """Hand the web conversations of an anonymous browser to the account that signed in there; returns how many."""
    if not browser_id or browser_id == owner_id:
        return 0
    with db.session() as session:
        result = session.execute(
            update(Conversation).where(Conversation.channel == "web", Conversation.owner_key == browser_id)
            .values(owner_key=owner_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:_MAX_FIELD]
