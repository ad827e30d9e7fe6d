"""The composition root: the one place that builds adapters.

`build_container(env)` turns the environment settings into everything the steps need, once per
process: the Postgres pool and the transaction every repository shares, the repositories, the
step settings, the outbox and its relay, the queue ports, one rate limiter per upstream account
(shared by every client of that account, across processes), the market clients (per thread:
see `walltrack.app.markets`), the graph driver, the clock, and the jobs wired to them. Jobs,
handlers and API routes receive what they need from here; nothing else constructs an adapter.
Tests build their own container (keyword arguments replace a part) and pass it on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import httpx

from walltrack.app.clustering import ClusteringJobs
from walltrack.app.ingest import IngestJobs, IngestPorts, ReconcileJobs
from walltrack.app.ledger import LedgerReads
from walltrack.app.markets import Close, MarketPorts, Markets
from walltrack.app.orders import ExitJobs, OrderJobs
from walltrack.app.outbox import OutboxRelay, PipelineOutbox, QueuePorts
from walltrack.app.ports import StepPorts
from walltrack.app.positions import PositionJobs
from walltrack.app.rate_limits import SharedRateLimiter, upstream_accounts
from walltrack.app.signals import SignalJobs
from walltrack.app.token_discovery import TokenDiscoveryJobs
from walltrack.app.wallet_discovery import WalletJobs
from walltrack.app.watchlist import WatchlistJobs, WebhookTarget
from walltrack.clock import Clock, clock_from_text
from walltrack.config.settings import EnvSettings
from walltrack.core.discovery.wallets import PriceTapeCache
from walltrack.core.pipeline import PipelineMonitor, QueueDepthsPort
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.messages import QueueName
from walltrack.data.postgres.cluster_evidence import ClusterEvidenceRepository
from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.ingest import IngestRepository
from walltrack.data.postgres.ledger import LedgerRepository
from walltrack.data.postgres.local_queues import PostgresQueueStore
from walltrack.data.postgres.messages import ConsumedMessages, OutboxRepository
from walltrack.data.postgres.orders import OrderRepository
from walltrack.data.postgres.owners import OwnersRepository
from walltrack.data.postgres.pipeline_state import LocalQueueDepths, PipelineReads
from walltrack.data.postgres.positions import PositionRepository
from walltrack.data.postgres.rate_limits import RateLimitSlots
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.signals import SignalRepository
from walltrack.data.postgres.step_settings import StepSettingsRepository
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.data.postgres.wallets import WalletRepository
from walltrack.data.postgres.watchlist import WatchlistRepository
from walltrack.log import register_secrets
from walltrack.runtime.queue_depths import SqsQueueDepths
from walltrack.runtime.queues import (
    LOCAL_QUEUE_PREFIX,
    LocalQueueNotRegisteredError,
    QueuePort,
    queue_port_for,
    registered_local_queue,
)
from walltrack.services.base import USER_AGENT, Transport
from walltrack.services.dexscreener import DexScreenerClient
from walltrack.services.helius import DAS_RATE_BY_PLAN, RPC_RATE_BY_PLAN, HeliusDasClient
from walltrack.services.helius.transactions import HeliusTransactionsClient
from walltrack.services.helius.webhooks import HeliusWebhooksClient
from walltrack.services.jupiter import JupiterClient
from walltrack.services.rugcheck import RugCheckClient
from walltrack.services.token_market import DexScreenerCandidates, MarketSafetyFacts
from walltrack.services.wallet_market import HeliusTransactionSource, JupiterSolPrices

if TYPE_CHECKING:
    from walltrack.data.graph.repository import GraphRepository


def resolve_database_url(env: EnvSettings) -> str:
    """The configured URL, or the embedded server's (started on demand) when none is set."""
    if env.database_url is not None:
        return env.database_url.get_secret_value()
    # local-only engine (pgserver is not installed in Lambda)
    from walltrack.data.postgres.embedded import ensure_embedded_postgres  # noqa: PLC0415

    return ensure_embedded_postgres(env.data_dir)


SETTINGS_CACHE_S = 2.0
"""How old the step settings a function reads may be (`StepSettingsService` module doc): a
change made in another process (the API's Lambda) reaches the steps within 2 s, the kill switch
included; the API's own reads and a change made in this process are never stale."""

LOCAL_QUEUE_POOL_MAX = 4
"""Connections of the local queue store: the runner's receives, each busy function's deletes
and the sends of whatever thread hands work on, each held for one short statement."""


def build_local_queue_store(env: EnvSettings) -> PostgresQueueStore:
    """The local runtime's queue store (`walltrack run`): template.yaml's queues in the
    database `env` names, on a small pool of their own that the runtime closes with it."""
    return PostgresQueueStore(
        Database(
            create_pool(
                resolve_database_url(env),
                min_size=1,
                max_size=LOCAL_QUEUE_POOL_MAX,
                connect_timeout_s=env.db_connect_timeout_s,
            )
        )
    )


def _local_dlq_id(queue_id: str) -> str | None:
    """The DLQ of a local queue, from the runtime that registered it (`walltrack run`'s)."""
    try:
        queue = registered_local_queue(queue_id)
    except LocalQueueNotRegisteredError:
        return None
    dead_letter = getattr(queue, "dead_letter", None)
    dlq_id = getattr(dead_letter, "queue_id", None)
    return dlq_id if isinstance(dlq_id, str) else None


def build_queue_depths(env: EnvSettings, db: Database) -> dict[QueueName, QueueDepthsPort]:
    """Each configured queue's depth reader: the local store's for `local://queue/<Id>`, SQS's
    (the queue and the DLQ its RedrivePolicy names) for an SQS URL."""
    urls: dict[QueueName, str | None] = {
        "token_scan": env.token_scan_queue_url,
        "wallet_discovery": env.wallet_discovery_queue_url,
        "wallet_profile": env.wallet_profile_queue_url,
        "cluster_evidence": env.cluster_evidence_queue_url,
        "signal_score": env.signal_score_queue_url,
        "position_open": env.position_open_queue_url,
        "order_execute": env.order_execute_queue_url,
        "exit_check": env.exit_check_queue_url,
    }
    local: dict[QueueName, tuple[str, str | None]] = {}
    remote: dict[QueueName, str] = {}
    for queue, url in urls.items():
        if url and url.startswith(LOCAL_QUEUE_PREFIX):
            queue_id = url.removeprefix(LOCAL_QUEUE_PREFIX)
            local[queue] = (queue_id, _local_dlq_id(queue_id))
        elif url:
            remote[queue] = url
    depths: dict[QueueName, QueueDepthsPort] = {}
    if local:
        reader = LocalQueueDepths(PostgresQueueStore(db), local)
        depths.update(dict.fromkeys(local, reader))
    if remote:
        sqs = SqsQueueDepths(remote)
        depths.update(dict.fromkeys(remote, sqs))
    return depths


@dataclass
class Container:
    """Everything one process runs with (see the module docstring)."""

    env: EnvSettings
    clock: Clock
    db: Database
    queues: QueuePorts
    limiters: Mapping[str, SharedRateLimiter]
    transport: Transport = field(default_factory=Transport)
    price_tapes: PriceTapeCache = field(default_factory=PriceTapeCache)
    markets: Markets = field(init=False)
    """Built with the container, not on first use: it holds each thread's clients and loop,
    and two threads' first calls must not make two."""

    def __post_init__(self) -> None:
        self.markets = Markets(self.open_market_ports)

    # -- repositories and services ---------------------------------------------------------
    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self.db)

    @cached_property
    def wallets(self) -> WalletRepository:
        return WalletRepository(self.db)

    @cached_property
    def runs(self) -> ScheduleRunRepository:
        return ScheduleRunRepository(self.db, deadline=self.env.run_deadline)

    @cached_property
    def cluster_evidence(self) -> ClusterEvidenceRepository:
        return ClusterEvidenceRepository(self.db)

    @cached_property
    def owners(self) -> OwnersRepository:
        """Step 4's owners as the API reads them (the clustering run writes them)."""
        return OwnersRepository(self.db)

    @cached_property
    def step_settings(self) -> StepSettingsService:
        return StepSettingsService(StepSettingsRepository(self.db), cache_s=SETTINGS_CACHE_S)

    @cached_property
    def consumed(self) -> ConsumedMessages:
        return ConsumedMessages(self.db)

    @cached_property
    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.db, OutboxRepository(self.db), self.consumed, self.queues)

    @cached_property
    def outbox(self) -> PipelineOutbox:
        return PipelineOutbox(self.db, OutboxRepository(self.db), self.relay, queues=self.queues)

    @cached_property
    def graph(self) -> GraphRepository:
        """Built on first use: importing the driver costs ~0.3 s of a Lambda cold start."""
        from walltrack.data.graph.driver import driver_for  # noqa: PLC0415 - see docstring
        from walltrack.data.graph.repository import GraphRepository  # noqa: PLC0415

        return GraphRepository(driver_for(self.env))

    @cached_property
    def queue_depths(self) -> Mapping[QueueName, QueueDepthsPort]:
        """Built on first use: a local queue's DLQ is read from the runtime that registered it."""
        return build_queue_depths(self.env, self.db)

    @cached_property
    def pipeline(self) -> PipelineMonitor:
        """The pipeline's live state (GET /status/pipeline)."""
        helius = {
            account: 1.0 / limiter.limit.interval_s
            for account, limiter in self.limiters.items()
            if account.startswith("helius:")
        }
        return PipelineMonitor(
            PipelineReads(self.db),
            self.queue_depths,
            self.clock,
            helius_plan=self.env.helius_plan,
            helius_rates=helius,
            ingest=self.reconcile.status,
        )

    # -- jobs -------------------------------------------------------------------------------
    @cached_property
    def step_ports(self) -> StepPorts:
        return StepPorts(
            runs=self.runs,
            steps=self.step_settings,
            tokens=self.tokens,
            outbox=self.outbox,
            markets=self.markets,
            atomic=self.db.transaction,
            clock=self.clock,
        )

    @cached_property
    def token_jobs(self) -> TokenDiscoveryJobs:
        return TokenDiscoveryJobs(self.step_ports)

    @cached_property
    def wallet_jobs(self) -> WalletJobs:
        return WalletJobs(self.step_ports, wallets=self.wallets, price_tapes=self.price_tapes)

    @cached_property
    def clustering(self) -> ClusteringJobs:
        return ClusteringJobs(
            self.step_ports,
            evidence=self.cluster_evidence,
            owners=self.owners,
            graph=lambda: self.graph,
        )

    # -- step 5: watchlist (WatchlistJobs, repositories, the Helius webhooks client) ---------
    @cached_property
    def watchlist(self) -> WatchlistRepository:
        return WatchlistRepository(self.db)

    @cached_property
    def watchlist_jobs(self) -> WatchlistJobs:
        return WatchlistJobs(
            self.step_ports,
            watchlist=self.watchlist,
            target=WebhookTarget(self.env.webhook_ingest_url, self.env.webhook_auth_secret),
        )

    # -- step 6: webhook ingest and reconcile ----------------------------------------------
    @cached_property
    def ingest_repo(self) -> IngestRepository:
        return IngestRepository(self.db)

    @cached_property
    def ingest(self) -> IngestJobs:
        """webhook_ingest's use case; the Helius secret from the env (None refuses all)."""
        secret = self.env.webhook_auth_secret
        ports = IngestPorts(
            db_atomic=self.db.transaction,
            repo=self.ingest_repo,
            outbox=self.outbox,
            steps=self.step_settings,
            clock=self.clock,
        )
        return IngestJobs(ports, secret=secret.get_secret_value() if secret else None)

    @cached_property
    def reconcile(self) -> ReconcileJobs:
        return ReconcileJobs(self.step_ports, ingest=self.ingest, repo=self.ingest_repo)

    # -- step 6: signals ------------------------------------------------------------------
    @cached_property
    def signals(self) -> SignalRepository:
        return SignalRepository(self.db)

    @cached_property
    def signal_jobs(self) -> SignalJobs:
        return SignalJobs(
            signals=self.signals,
            wallets=self.wallets,
            steps=self.step_settings,
            clock=self.clock,
            outbox=self.outbox,
            atomic=self.db.transaction,
            discover_token=partial(self.token_jobs.add, added_by="signal"),
        )

    # -- step 7: positions (risk, sizing, position_open) ------------------------------------
    @cached_property
    def positions(self) -> PositionRepository:
        return PositionRepository(self.db)

    @cached_property
    def position_jobs(self) -> PositionJobs:
        return PositionJobs(
            positions=self.positions,
            steps=self.step_settings,
            markets=self.markets,
            outbox=self.outbox,
            atomic=self.db.transaction,
            clock=self.clock,
        )

    # -- ledger: the paper ledger's reads (issue 18 item 5) ---------------------------------
    @cached_property
    def ledger(self) -> LedgerReads:
        return LedgerReads(
            repo=LedgerRepository(self.db), steps=self.step_settings, clock=self.clock
        )

    # -- step 8: orders (order_execute, exit_monitor) -------------------------------------
    @cached_property
    def orders(self) -> OrderRepository:
        return OrderRepository(self.db)

    @cached_property
    def order_jobs(self) -> OrderJobs:
        return OrderJobs(self.step_ports, orders=self.orders)

    @cached_property
    def exit_jobs(self) -> ExitJobs:
        return ExitJobs(self.step_ports, orders=self.orders, signals=self.signals)

    # -- market clients (one set per thread) ------------------------------------------------
    def open_market_ports(self) -> tuple[MarketPorts, Close]:
        env = self.env
        http = httpx.AsyncClient(headers={"User-Agent": USER_AGENT})
        shared = self.limiters

        def transport(**groups: str) -> Transport:
            own: Transport = {**self.transport, "http": http}
            own["limiters"] = {group: shared[account] for group, account in groups.items()}
            return own

        dex = DexScreenerClient(
            env.dexscreener_base_url,
            **transport(profiles="dexscreener:profiles", pairs="dexscreener:pairs"),
        )
        das = HeliusDasClient(
            env.helius_rpc_url,
            api_key=env.helius_api_key,
            das_rate=DAS_RATE_BY_PLAN[env.helius_plan],
            rpc_rate=RPC_RATE_BY_PLAN[env.helius_plan],
            **transport(das="helius:das", rpc="helius:rpc"),
        )
        rugcheck = RugCheckClient(env.rugcheck_base_url, **transport(reports="rugcheck"))
        helius = HeliusTransactionsClient(
            env.helius_api_base_url,
            api_key=env.helius_api_key,
            enhanced_rate=DAS_RATE_BY_PLAN[env.helius_plan],
            **transport(enhanced="helius:das"),
        )
        jupiter = JupiterClient(
            env.jupiter_base_url, api_key=env.jupiter_api_key, **transport(jupiter="jupiter")
        )
        webhooks = HeliusWebhooksClient(
            env.helius_api_base_url,
            api_key=env.helius_api_key,
            webhooks_rate=DAS_RATE_BY_PLAN[env.helius_plan],
            **transport(webhooks="helius-webhooks"),
        )
        ports = MarketPorts(
            candidates=DexScreenerCandidates(dex),
            safety=MarketSafetyFacts(das, rugcheck),
            transactions=HeliusTransactionSource(helius),
            prices=JupiterSolPrices(jupiter),
            webhooks=webhooks,
            quotes=jupiter,
        )
        return ports, http.aclose

    def close(self) -> None:
        """Close the market clients and the pool (the graph driver is never closed: see
        `walltrack.data.graph.driver`)."""
        self.markets.close()
        self.db.close()


def build_container(
    env: EnvSettings,
    *,
    clock: Clock | None = None,
    queues: Mapping[QueueName, QueuePort] | None = None,
    open_queue: Callable[[str], QueuePort] = queue_port_for,
    transport: Transport | None = None,
    **overrides: Any,
) -> Container:
    """The process's container from `env`. `clock` replaces the one `env.clock` names;
    `queues` gives ports for some queues instead of opening their URLs; `transport` replaces
    the service clients' HTTP knobs (e.g. a virtual sleep); `overrides` set any other field."""
    register_secrets(env.secret_values())
    db = Database(
        create_pool(
            resolve_database_url(env),
            min_size=env.db_pool_min_size,
            max_size=env.db_pool_max_size,
            connect_timeout_s=env.db_connect_timeout_s,
        )
    )
    urls: dict[QueueName, str | None] = {
        "token_scan": env.token_scan_queue_url,
        "wallet_discovery": env.wallet_discovery_queue_url,
        "wallet_profile": env.wallet_profile_queue_url,
        "cluster_evidence": env.cluster_evidence_queue_url,
        "signal_score": env.signal_score_queue_url,
        "position_open": env.position_open_queue_url,
        "order_execute": env.order_execute_queue_url,
        "exit_check": env.exit_check_queue_url,
    }
    ports = QueuePorts(urls, open_queue, given=queues or {})
    slots = RateLimitSlots(db)
    limiters = {  # one per upstream account, shared by every client of it (and every process)
        account: SharedRateLimiter(slots, account, limit)
        for account, limit in upstream_accounts(env).items()
    }
    return Container(
        env=env,
        clock=clock or clock_from_text(env.clock),
        db=db,
        queues=ports,
        limiters=limiters,
        transport=transport or Transport(),
        **overrides,
    )
