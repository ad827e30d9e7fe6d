"""Step 3 wired to the real world: Helius histories, Jupiter prices, Postgres.

wallet_discovery: a token (from token_scan, or a manual run over one token or all active ones)
→ candidate wallets, one profile request each. wallet_profile: one wallet → its profile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from walltrack.config.clock import Clock
from walltrack.config.clock import now as product_now
from walltrack.config.settings import EnvSettings, get_settings
from walltrack.core.addresses import validate_address, validate_mint
from walltrack.core.discovery.wallets import (
    DiscoveryReport,
    ProfileOutbox,
    ProfileReport,
    TapeCache,
    discover_wallets,
    profile_address,
)
from walltrack.core.errors import NotFoundError
from walltrack.data.models.runs import ScheduleRun
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.data.postgres.wallets import WalletRepository
from walltrack.jobs.base import StepJobs
from walltrack.log import get_logger
from walltrack.services.errors import ServiceError
from walltrack.services.helius.transactions import HeliusTransactionsClient
from walltrack.services.jupiter import JupiterClient
from walltrack.services.wallet_market import HeliusHistory, JupiterSolPrices

log = get_logger(component="wallet_discovery")

JOB = "wallet_discovery"
TAPES = TapeCache()
"""One per process: a warm Lambda container (or the local runtime) profiles many wallets that
trade the same tokens, so their price tapes are built once."""


@dataclass(frozen=True)
class WalletMarket:
    history: HeliusHistory
    prices: JupiterSolPrices


@asynccontextmanager
async def open_wallet_market(settings: EnvSettings) -> AsyncIterator[WalletMarket]:
    """Clients for one invocation (httpx and aiolimiter belong to one event loop)."""
    async with (
        HeliusTransactionsClient.from_settings(settings) as helius,
        JupiterClient.from_settings(settings) as jupiter,
    ):
        yield WalletMarket(HeliusHistory(helius), JupiterSolPrices(jupiter))


class WalletJobs(StepJobs):
    def __init__(
        self,
        *,
        outbox: ProfileOutbox,
        settings: EnvSettings | None = None,
        clock: Clock = product_now,
    ) -> None:
        super().__init__(settings=settings, clock=clock)
        self._wallets = WalletRepository(self._pool)
        self._tokens = TokenRepository(self._pool)
        self._outbox = outbox

    @property
    def wallets(self) -> WalletRepository:
        return self._wallets

    def start_manual(self, mint: str | None) -> tuple[UUID, list[str]]:
        """The run record a manual discovery reports into, and the tokens it covers: one
        known token, or every active one (422 malformed mint, 404 unknown / none active)."""
        if mint is not None:
            mint = validate_mint(mint)
            if self._tokens.get(mint) is None:
                raise NotFoundError(f"unknown token {mint}: add it on the Discovery tab first")
            mints = [mint]
        else:
            mints = self._tokens.active_mints()
            if not mints:
                raise NotFoundError("no active tokens: run a token scan first")
        counts = {"trigger": "manual", "tokens": len(mints), "tokens_done": 0}
        run_id = self._runs.start(JOB, at=self._clock(), counts=counts)
        return run_id, mints

    def discover(self, mint: str) -> DiscoveryReport:
        """One token's candidates as a `wallet_discovery` run of its own (a token announced
        by token_scan)."""
        with self._runs.track(JOB, clock=self._clock) as run:
            report = self._discover_one(mint)
            run.counts.update({"tokens": 1, "tokens_done": 1} | _counts(report))
        return report

    def discover_item(self, run_id: UUID, mint: str) -> ScheduleRun | None:
        """One token of a manual run (one message per token, so no single invocation has to
        fit every token in its timeout). Counted once per token even when redelivered; the
        token that completes the count closes the run, failed only if every token failed.
        A token whose history cannot be read is counted with its error, not retried."""
        run = self._runs.get(run_id)
        if run is None or run.status != "running":
            log.info("discovery item skipped", run_id=str(run_id), status=run and run.status)
            return None
        error: str | None = None
        try:
            increments = _counts(self._discover_one(mint))
        except ServiceError as exc:
            error = f"{mint}: {exc}"
            log.warning("token history unavailable", mint=mint, error=str(exc))
            self._runs.progress(run_id, {"last_error": error})
            increments = {"token_errors": 1}
        after = self._runs.item_done(run_id, mint, increments | {"tokens_done": 1})
        if after is not None and after.counts.get("tokens_done") == after.counts.get("tokens"):
            every_token_failed = after.counts.get("token_errors", 0) == after.counts["tokens"]
            self._runs.finish(
                run_id,
                status="failed" if every_token_failed else "succeeded",
                counts={},
                error=(error or after.counts.get("last_error")) if every_token_failed else None,
                at=self._clock(),
            )
        return after

    def _discover_one(self, mint: str) -> DiscoveryReport:
        settings = self._steps.typed(WalletDiscoverySettings)
        token = self._tokens.get(mint)
        pool = [token.pair_address] if token and token.pair_address else []

        async def go() -> DiscoveryReport:
            async with open_wallet_market(self._env) as market:
                return await discover_wallets(
                    mint,
                    settings=settings,
                    history=market.history,
                    prices=market.prices,
                    store=self._wallets,
                    outbox=self._outbox,
                    now=self._clock(),
                    exclude=pool,
                )

        return asyncio.run(go())

    def profile(self, address: str) -> ProfileReport:
        """One wallet's profile; a failure is shown on its row and re-raised (SQS retries)."""
        address = validate_address(address)
        settings = self._steps.typed(WalletProfileSettings)
        discovery = self._steps.typed(WalletDiscoverySettings)

        async def go() -> ProfileReport:
            async with open_wallet_market(self._env) as market:
                return await profile_address(
                    address,
                    settings=settings,
                    discovery=discovery,
                    history=market.history,
                    prices=market.prices,
                    store=self._wallets,
                    now=self._clock(),
                    cache=TAPES,
                )

        try:
            report = asyncio.run(go())
        except Exception as exc:
            self._wallets.mark_failed(address, f"{type(exc).__name__}: {exc}")
            raise
        log.info(
            "wallet profiled",
            wallet=address,
            score=round(report.profile.score, 4),
            partial=report.profile.partial,
            malformed=report.malformed,
        )
        return report


def _counts(report: DiscoveryReport) -> dict[str, int]:
    return report.counts() | {"partial_tokens": int(report.partial)}


def wallet_jobs() -> WalletJobs:
    """The jobs wired to the process settings (the functions' and the API's one factory)."""
    from walltrack.jobs.outbox import WalletProfileOutbox

    settings = get_settings()
    return WalletJobs(outbox=WalletProfileOutbox(settings), settings=settings)


def discovery_job_for_message(body: dict[str, Any]) -> None:
    """A wallet_discovery message: `{"mint"}` from token_scan (a run of its own) or
    `{"run_id", "mint"}`, one token of a manual run from the API."""
    jobs = wallet_jobs()
    mint = validate_mint(str(body["mint"]))
    if "run_id" in body:
        jobs.discover_item(UUID(str(body["run_id"])), mint)
    else:
        jobs.discover(mint)


def profile_job_for_message(body: dict[str, Any]) -> None:
    """A wallet_profile message `{"address"}`; raising fails only this record."""
    wallet_jobs().profile(str(body["address"]))
