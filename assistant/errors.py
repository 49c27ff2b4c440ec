"""Domain exceptions of the helpdesk; translated to HTTP, Slack or exit codes only at the edges."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.services.advisor_phrases import Phrase


class HelpdeskError(Exception):
    """Base class of every error the helpdesk raises on purpose."""


class ConfigurationError(HelpdeskError):
    """A setting is missing or inconsistent, or an optional package is not installed."""


class DocumentLoadError(HelpdeskError):
    """A file could not be read into text (corrupt, encrypted, empty, unsupported, too large)."""


class IndexUnavailableError(HelpdeskError):
    """The vector store cannot be reached."""


class DatabaseUnavailableError(HelpdeskError):
    """The database cannot be reached."""


class InvalidQuestionError(HelpdeskError):
    """A question is empty, too long or otherwise unusable."""


class NotFoundError(HelpdeskError):
    """The requested conversation, document or escalation does not exist (or is not yours)."""


class PermissionDeniedError(HelpdeskError):
    """The caller is not allowed to do this."""


class ConflictError(HelpdeskError):
    """The action does not fit the current state (e.g. answering a closed escalation)."""


class LLMUnavailableError(HelpdeskError):
    """The chat model timed out or failed; the extractive answer is used instead."""


class RateLimitedError(HelpdeskError):
    """Too many requests from one client."""

    def __init__(self, message: str = "too many requests", retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class DeliveryError(HelpdeskError):
    """A message could not be delivered to its channel; it will be retried."""


class InvalidInputError(HelpdeskError):
    """A submitted field (answer, details, e-mail, password, filter) is empty, too long or malformed."""


class ExplainedInputError(InvalidInputError):
    """Invalid input explained by an interface text, so each page can give the explanation in its own language."""

    def __init__(self, explanation: Phrase) -> None:
        super().__init__(str(explanation))
        self.explanation = explanation


class NotAuthenticatedError(HelpdeskError):
    """No valid expert session or API token came with the request."""


class SignInError(HelpdeskError):
    """An official's sign-in failed: refused by the identity provider, expired, forged or with an invalid ID token."""


class SignInRequiredError(NotAuthenticatedError):
    """The chat needs a signed-in official (HELPDESK_OIDC__REQUIRED) and the request came without one."""


class IdentityProviderUnavailableError(HelpdeskError):
    """The OpenID Connect identity provider cannot be reached or answered with something unusable."""
