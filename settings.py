"""Typed settings for every part of the support agent, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent
_EXAMPLE_SECRETS = frozenset({"change-me", "changeme"})


class Settings(BaseSettings):
    """All settings; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Database and server
    database_url: str | None = Field(default=None, description="Postgres URL; unset = embedded Postgres.")
    database_pgbouncer: bool = Field(
        default=False, description="DATABASE_URL goes through PgBouncer in transaction mode: no prepared statements."
    )
    data_dir: Path = Field(default=PROJECT_ROOT / ".data", description="Where the embedded Postgres lives.")
    host: str = "127.0.0.1"
    port: int = 8123
    workers: int = Field(default=1, ge=1, description="Server processes; runs stay ordered across them.")
    checkpoint_durability: Literal["sync", "async", "exit"] = Field(
        default="exit", description="When runs write checkpoints: every step (sync/async) or once per run (exit)."
    )
    max_message_chars: int = Field(default=8000, ge=1, description="Longest accepted customer message.")
    cors_origins: str = Field(
        default="", description="Comma-separated origins allowed to call the API from a browser; empty = none."
    )
    token_audience: str = Field(default="support-agent", description="The `aud` every customer token must carry.")

    # Input bounds (server/guards): larger or deeper input gets 413/422 before any route runs.
    max_body_bytes: int = Field(default=2_000_000, ge=1024, description="Largest JSON (non-upload) request body.")
    max_upload_body_bytes: int = Field(
        default=32_000_000, ge=1024, description="Largest multipart request (POST /kb/upload, all files together)."
    )
    max_json_depth: int = Field(default=32, ge=4, le=200, description="Deepest nesting of JSON objects and arrays.")
    max_metadata_bytes: int = Field(default=16_384, ge=256, description="Largest `metadata` (threads, runs, ...).")
    max_store_value_bytes: int = Field(default=65_536, ge=256, description="Largest store item value (PUT /store).")
    max_preferences_bytes: int = Field(default=8_192, ge=256, description="Largest customer `preferences` object.")

    # LLM
    llm_model: str = Field(default="offline", description='"offline" or "provider:model" for init_chat_model.')
    llm_fallback_model: str | None = Field(
        default=None, description='Tried when LLM_MODEL fails within the deadline ("provider:model"); unset = none.'
    )
    llm_timeout_s: float = Field(
        default=30.0, gt=0, description="Deadline for the answer's model calls in one turn, retries included."
    )
    llm_intent_timeout_s: float = Field(
        default=5.0, gt=0, description="Deadline for LLM intent routing; then the embedding classifier routes."
    )
    llm_max_retries: int = Field(default=2, ge=0, description="Client retries per model call, within the deadline.")
    llm_price_input_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per million input tokens; unset = the built-in price list."
    )
    llm_price_output_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per million output tokens; unset = the built-in price list."
    )
    llm_price_cached_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per million cached input tokens; unset = the built-in price list."
    )
    openai_base_url: str | None = None
    openai_api_key: str | None = None

    # Embeddings and knowledge base
    embeddings_model: str = Field(default="local:all-MiniLM-L6-v2", description='"local:NAME" or "openai:NAME".')
    kb_low_confidence: float = Field(default=0.35, description="Top KB score below this is low confidence.")
    kb_collection: str = "kb"
    kb_max_upload_bytes: int = Field(default=10_000_000, ge=1, description="Largest file accepted by POST /kb/upload.")
    kb_multilingual: bool = Field(
        default=True, description="Index chunks with multilingual-e5 too and search questions not in English with it."
    )
    kb_vector_cache_dir: Path = Field(
        default=PROJECT_ROOT / ".cache", description="Vectors of indexed texts kept across databases (per machine)."
    )

    # Conversation
    persona: str = "friendly"
    pii_mode: Literal["mask", "hash", "off"] = "mask"
    pii_hash_salt: str = Field(default="support-agent-pii", description="Salt for pii_mode=hash; set per deployment.")
    pii_pseudonyms: bool = Field(
        default=True, description="With PII_MODE=mask and a remote model: <PERSON_1>-style placeholders per thread."
    )
    pii_vault_key: str | None = Field(
        default=None, description="Secret that seals each thread's pseudonym map; unset = derived from the PII salt."
    )
    pii_vault_old_keys: str = Field(
        default="",
        description="Comma-separated secrets that sealed maps before PII_VAULT_KEY: they still open them, "
        "`support-agent vault rotate` re-seals under PII_VAULT_KEY.",
    )
    intents_path: Path | None = Field(default=None, description="Intent taxonomy YAML; unset = signals/intents.yaml.")
    intent_tuning_steps: int = Field(
        default=0, ge=0, description="Contrastive fine-tuning steps for the intent encoder (0 = frozen; 150 measured)."
    )
    summary_token_budget: int = Field(default=1200, ge=200)
    refund_escalation_threshold: float = 200.0
    resolution_assume_after_hours: float = 24.0
    max_tool_rounds: int = Field(default=3, ge=0, description="Tool-calling rounds the model may take per turn.")
    memory_max_facts: int = Field(default=40, ge=1, description="Long-term facts kept per customer.")
    support_clock_offset_s: float = Field(
        default=0.0, description="Seconds added to the system clock (tests that 'advance days'); 0 in production."
    )

    # Staff accounts, sessions and rate limits
    staff_lockout_attempts: int = Field(default=5, ge=1, description="Failed passwords in a row that lock an account.")
    staff_lockout_minutes: float = Field(default=15.0, gt=0, description="How long a locked account stays locked.")
    staff_session_idle_hours: float = Field(default=8.0, gt=0, description="A session unused this long expires.")
    staff_session_max_days: float = Field(default=7.0, gt=0, description="A session expires this long after sign-in.")
    rate_limit_messages_per_minute: int = Field(
        default=120, ge=1, description="Runs a customer may start per minute (customer tokens)."
    )
    rate_limit_messages_per_key_per_minute: int = Field(
        default=600, ge=1, description="Runs one service key or staff member may start per minute."
    )
    rate_limit_messages_per_ip_per_minute: int = Field(
        default=600, ge=1, description="Runs one client IP may start per minute."
    )
    rate_limit_logins_per_minute: int = Field(default=10, ge=1, description="Sign-in attempts per account per minute.")
    rate_limit_logins_per_ip_per_minute: int = Field(
        default=60, ge=1, description="Sign-in attempts per client IP per minute."
    )

    # LangSmith
    langsmith_api_key: str | None = None
    langsmith_project: str = "support-agent"

    @field_validator("database_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("pii_vault_key", "pii_vault_old_keys")
    @classmethod
    def _no_example_secret(cls, value: str | None) -> str | None:
        # .env.example's "change-me" would seal every map under a key printed in the repository.
        if value and any(part.strip().lower() in _EXAMPLE_SECRETS for part in value.split(",")):
            raise ValueError("is the example value from .env.example; set a secret of this deployment")
        return value

    def vault_secrets(self) -> list[str]:
        """The pseudonym vault's secrets, the sealing one first (PII_VAULT_KEY, else PII_HASH_SALT), then the old."""
        old = [part.strip() for part in self.pii_vault_old_keys.split(",") if part.strip()]
        return [self.pii_vault_key or self.pii_hash_salt, *old]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
