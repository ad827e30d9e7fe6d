"""Environment settings, parsed once per process (pydantic-settings).

Everything here comes from the environment (or `.env` locally, AWS parameters in Lambda).
Secrets are `SecretStr`: they never print, never log and are never returned by the API.
Per-step business settings live in Postgres instead (see `walltrack.data.models.step_settings`).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

HeliusPlan = Literal["free", "developer", "business", "professional"]
API_TOKEN_MIN_LENGTH = 32
"""A bearer token shorter than this is refused: 32 random URL-safe characters carry ~190 bits."""
JupiterPlan = Literal["keyless", "free", "developer", "launch", "pro"]


class EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WALLTRACK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # A refused value is never quoted in the error: it may be a secret (a short token).
        hide_input_in_errors=True,
    )

    # Local state (embedded Postgres data, graph dump, logs) lives under this folder.
    data_dir: Path = Path(".walltrack")

    # Postgres: unset → the embedded server under data_dir. Supabase: the transaction pooler URL
    # (port 6543); prepared statements are always off so either works.
    database_url: SecretStr | None = None
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=5, ge=1)
    db_connect_timeout_s: float = Field(default=5.0, gt=0)

    # Graph: unset → the embedded FalkorDB-with-Bolt server on 127.0.0.1.
    neo4j_uri: str | None = None
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None
    # FalkorDB's BOLT_PORT must be below 32768 (a larger value silently opens no listener).
    graph_bolt_port: int = Field(default=17687, ge=1024, le=32767)
    graph_redis_port: int = Field(default=16379, ge=1024, le=65535)
    graph_connect_timeout_s: float = Field(default=3.0, gt=0)

    # API and UI.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_base_url: str = "http://127.0.0.1:8000"
    # The API's bearer token (every route but GET /health asks for it): here, or in AWS the
    # name of an SSM SecureString holding it (read once per cold start). Neither: the API
    # refuses to start. The dashboard sends the same token.
    api_token: SecretStr | None = Field(default=None, min_length=API_TOKEN_MIN_LENGTH)
    api_token_parameter: str | None = None
    # Browser origins allowed to call the API (CORS), comma-separated; empty: none. The
    # dashboard calls the API from its server, so it needs none.
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The dashboard's login (Gradio `auth`): asked when a password is set; required to serve
    # the dashboard beyond loopback.
    dashboard_user: str = "walltrack"
    dashboard_password: SecretStr | None = None

    # External services (the simulated market overrides the base URLs locally).
    dexscreener_base_url: str = "https://api.dexscreener.com"
    helius_api_base_url: str = "https://api-mainnet.helius-rpc.com"
    helius_rpc_url: str = "https://mainnet.helius-rpc.com"
    jupiter_base_url: str = "https://api.jup.ag"
    rugcheck_base_url: str = "https://api.rugcheck.xyz"
    # The Helius plan sets the request rates our limiters keep to (DAS + enhanced per second).
    helius_plan: HeliusPlan = "free"
    # The Jupiter plan sets the rate our Jupiter limiter keeps to; unset: free with a key,
    # keyless without one.
    jupiter_plan: JupiterPlan | None = None

    # Queues between steps: SQS URLs in AWS (template.yaml `!Ref`), `local://queue/<Id>` locally
    # (set by the local runtime from the same template entries).
    token_scan_queue_url: str | None = None
    wallet_discovery_queue_url: str | None = None
    wallet_profile_queue_url: str | None = None
    cluster_evidence_queue_url: str | None = None
    signal_score_queue_url: str | None = None
    position_open_queue_url: str | None = None
    order_execute_queue_url: str | None = None
    exit_check_queue_url: str | None = None
    # The public URL Helius POSTs swaps to (webhook_ingest's Function URL: template.yaml
    # `!GetAtt WebhookIngestFunctionUrl.FunctionUrl`; set by the local runtime locally).
    webhook_ingest_url: str | None = None
    # A run with no sign of life for this long is closed as failed (it timed out or crashed).
    # Keep it above queue visibility (30 min) x QueueMaxReceiveCount (template, default 5).
    run_deadline_minutes: int = Field(default=180, ge=10, le=7 * 24 * 60)

    # Secrets: environment / AWS parameters only.
    helius_api_key: SecretStr | None = None
    jupiter_api_key: SecretStr | None = None
    webhook_auth_secret: SecretStr | None = None

    # Logging.
    log_level: str = "INFO"

    # Business time: unset = the wall clock; `walltrack run` sets it beside the simulated
    # market ("<market ISO time>@<unix seconds>x<speed>", see walltrack.clock).
    clock: str | None = None

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def uses_embedded_graph(self) -> bool:
        return self.neo4j_uri is None

    @property
    def run_deadline(self) -> timedelta:
        return timedelta(minutes=self.run_deadline_minutes)

    def secret_values(self) -> list[str]:
        secrets = [self.database_url, self.neo4j_password, self.helius_api_key]
        secrets += [self.jupiter_api_key, self.webhook_auth_secret, self.api_token]
        secrets += [self.dashboard_password]
        return [s.get_secret_value() for s in secrets if s is not None]
