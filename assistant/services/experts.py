"""Expert accounts: argon2-hashed passwords, roles, API tokens stored only as hashes, matching to escalations."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.errors import ConflictError, InvalidInputError, NotAuthenticatedError, NotFoundError
from assistant.store.db import Database
from assistant.store.models import AuditEntry, Expert

ROLES = ("expert", "admin")
TOKEN_PREFIX = "hdx_"
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ExpertIdentity:
    """Who is working the queue, as routes and services see them (never the password hash)."""

    id: int
    email: str
    name: str
    role: str
    topics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    fingerprint: str = field(default="", compare=False, repr=False)

    @property
    def is_admin(self) -> bool:
        """Admins may manage experts and act on any escalation."""
        return self.role == "admin"


def token_hash(token: str) -> str:
    """API tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def password_fingerprint(password_hash: str) -> str:
    """Short value that changes with the password, so a new password ends old console sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _identity(expert: Expert) -> ExpertIdentity:
    return ExpertIdentity(expert.id, expert.email, expert.name, expert.role, tuple(expert.topics or ()),
                          tuple(expert.countries or ()), tuple(expert.languages or ()),
                          password_fingerprint(expert.password_hash))


def _clean_list(values: Sequence[str], upper: bool = False) -> list[str]:
    cleaned = [v.strip() for v in values if v and v.strip()]
    return sorted({v.upper() if upper else v.lower() for v in cleaned})


class ExpertService:
    """Creates expert accounts and checks their passwords and tokens."""

    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self._db = db
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None  # made on first login: unknown e-mails cost as much as wrong passwords

    def add(self, email: str, name: str, password: str, role: str = "expert", topics: Sequence[str] = (),
            countries: Sequence[str] = (), languages: Sequence[str] = (), actor: str = "cli") -> ExpertIdentity:
        """Create an account; the e-mail must be new and the password at least MIN_PASSWORD characters."""
        email = email.strip().lower()
        if not _EMAIL.match(email) or len(email) > 255:
            raise InvalidInputError(f"'{email}' is not an e-mail address")
        if not name.strip() or len(name) > 255:
            raise InvalidInputError("the name must be 1 to 255 characters")
        if role not in ROLES:
            raise InvalidInputError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
        expert = Expert(email=email, name=name.strip(), password_hash=self._hasher.hash(password), role=role,
                        topics=_clean_list(topics), countries=_clean_list(countries, upper=True),
                        languages=_clean_list(languages))
        try:
            with self._db.session() as session:
                session.add(expert)
                session.flush()
                session.add(AuditEntry(actor=actor, action="expert.add", target=email, details={"role": role}))
        except IntegrityError as exc:
            raise ConflictError(f"an expert with e-mail '{email}' already exists") from exc
        return _identity(expert)

    def authenticate(self, email: str, password: str) -> ExpertIdentity:
        """The active expert with this e-mail and password, or NotAuthenticatedError (same message either way)."""
        with self._db.session() as session:
            expert = session.scalars(select(Expert).where(Expert.email == email.strip().lower())).first()
            if expert is not None and expert.active:
                stored = expert.password_hash
            else:
                self._dummy_hash = self._dummy_hash or self._hasher.hash(secrets.token_urlsafe(16))
                stored = self._dummy_hash
            try:
                self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError) as exc:
                raise NotAuthenticatedError("wrong e-mail or password") from exc
            if expert is None or not expert.active:
                raise NotAuthenticatedError("wrong e-mail or password")
            if self._hasher.check_needs_rehash(expert.password_hash):
                expert.password_hash = self._hasher.hash(password)
            return _identity(expert)

    def set_password(self, email: str, password: str) -> None:
        """Replace a password (ends the expert's console sessions)."""
        if len(password) < MIN_PASSWORD:
            raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
        with self._db.session() as session:
            expert = self._by_email(session, email)
            expert.password_hash = self._hasher.hash(password)

    def issue_token(self, email: str) -> str:
        """A new API token for integrations; only its hash is stored, and it replaces the previous one."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._db.session() as session:
            expert = self._by_email(session, email)
            expert.api_token_hash = token_hash(token)
            session.add(AuditEntry(actor=expert.email, action="expert.token", target=expert.email))
        return token

    def by_token(self, token: str) -> ExpertIdentity | None:
        """The active expert holding this API token."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._db.session() as session:
            expert = session.scalars(select(Expert).where(Expert.api_token_hash == token_hash(token))).first()
            return _identity(expert) if expert is not None and expert.active else None

    def get(self, expert_id: int) -> ExpertIdentity | None:
        """The active expert with this id."""
        with self._db.session() as session:
            expert = session.get(Expert, expert_id)
            return _identity(expert) if expert is not None and expert.active else None

    def list(self) -> list[ExpertIdentity]:
        """Every active expert, by name."""
        with self._db.session() as session:
            rows = session.scalars(select(Expert).where(Expert.active.is_(True)).order_by(Expert.name)).all()
            return [_identity(e) for e in rows]

    def deactivate(self, email: str) -> None:
        """Disable an account: its sessions and token stop working."""
        with self._db.session() as session:
            expert = self._by_email(session, email)
            expert.active = False
            expert.api_token_hash = None

    @staticmethod
    def _by_email(session: Session, email: str) -> Expert:
        expert = session.scalars(select(Expert).where(Expert.email == email.strip().lower())).first()
        if expert is None:
            raise NotFoundError(f"no expert '{email}'")
        return expert


def match_score(expert: Expert, topics: Sequence[str], country: str | None, language: str) -> float:
    """How well an expert fits an escalation: shared topics first, then country and language; -1 = cannot."""
    languages = {lang.lower() for lang in expert.languages or ()}
    if languages and language.lower() not in languages:
        return -1.0
    wanted = {t.lower() for t in topics}
    shared = len(wanted & {t.lower() for t in expert.topics or ()})
    countries = {c.upper() for c in expert.countries or ()}
    score = 2.0 * shared + (1.0 if country and country.upper() in countries else 0.0)
    return score + (0.5 if languages else 0.0)


def matching_experts(experts: Sequence[Expert], topics: Sequence[str], country: str | None, language: str,
                     limit: int) -> list[Expert]:
    """The best-matching active experts (those who cannot read the language are left out)."""
    scored = [(match_score(e, topics, country, language), e.id, e) for e in experts if e.active]
    ranked = sorted((s for s in scored if s[0] >= 0), key=lambda s: (-s[0], s[1]))
    return [e for _, _, e in ranked[:limit]]
