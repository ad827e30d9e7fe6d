"""Step 3 wired to the real world: Helius histories, Jupiter prices, Postgres.

wallet_discovery: a token (from token_scan, or a manual run over one token or all active ones)
→ candidate wallets, one profile request each. wallet_profile: one wallet → its profile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from walltrack.config.clock import Clock
from walltrack.config.clock import now as product_now
from walltrack.config.settings import EnvSettings, get_settings
from walltrack.core.discovery.wallets import (
    DiscoveryReport,
    ProfileOutbox,
    ProfileReport,
    discover_wallets,
    profile_address,
)
from walltrack.core.errors import InvalidInputError, NotFoundError
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.postgres.pool import get_pool
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.step_settings import StepSettingsRepository
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.data.postgres.wallets import WalletRepository
from walltrack.jobs.token_discovery import validate_mint
from walltrack.log import get_logger
from walltrack.services.errors import ServiceError
from walltrack.services.helius.transactions import HeliusTransactionsClient
from walltrack.services.jupiter import JupiterClient
from walltrack.services.wallet_market import HeliusHistory, JupiterSolPrices

log = get_logger(component="wallet_discovery")

JOB = "wallet_discovery"


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


def validate_address(address: str) -> str:
    """A wallet address has the same shape as a mint (base58 of 32 bytes)."""
    try:
        return validate_mint(address)
    except InvalidInputError:
        raise InvalidInputError(
            f"{address!r} is not a Solana address (base58 of 32 bytes)",
            [{"loc": ["address"], "msg": "not a base58 32-byte address", "type": "value_error"}],
        ) from None


class WalletJobs:
    def __init__(
        self,
        *,
        outbox: ProfileOutbox,
        settings: EnvSettings | None = None,
        clock: Clock = product_now,
    ) -> None:
        self._env = settings or get_settings()
        pool = get_pool(self._env)
        self._wallets = WalletRepository(pool)
        self._tokens = TokenRepository(pool)
        self._runs = ScheduleRunRepository(pool)
        self._steps = StepSettingsService(StepSettingsRepository(pool))
        self._outbox = outbox
        self._clock = clock

    @property
    def wallets(self) -> WalletRepository:
        return self._wallets

    @property
    def runs(self) -> ScheduleRunRepository:
        return self._runs

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

    def discover(self, mints: Sequence[str], *, run_id: UUID | None = None) -> dict[str, Any]:
        """Each token's candidates, recorded as one `wallet_discovery` run with progress.
        A token whose history cannot be read is counted and named; the run fails only when
        every token failed (then there is nothing to show but the error)."""
        settings = self._steps.typed(WalletDiscoverySettings)
        totals: dict[str, Any] = {"tokens": len(mints), "tokens_done": 0, "token_errors": 0}
        with self._runs.track(JOB, run_id=run_id, clock=self._clock) as run:

            async def go() -> None:
                async with open_wallet_market(self._env) as market:
                    last_error: ServiceError | None = None
                    for mint in mints:
                        try:
                            report = await self._discover_one(mint, settings, market)
                        except ServiceError as exc:
                            last_error = exc
                            totals["token_errors"] += 1
                            log.warning("token history unavailable", mint=mint, error=str(exc))
                        else:
                            _add(totals, report)
                        totals["tokens_done"] += 1
                        run.progress(totals)
                    if last_error is not None and totals["token_errors"] == len(mints):
                        raise last_error

            asyncio.run(go())
            run.counts.update(totals)
        return totals

    async def _discover_one(
        self, mint: str, settings: WalletDiscoverySettings, market: WalletMarket
    ) -> DiscoveryReport:
        token = self._tokens.get(mint)
        pool = [token.pair_address] if token and token.pair_address else []
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


def _add(totals: dict[str, Any], report: DiscoveryReport) -> None:
    for key, value in report.counts().items():
        totals[key] = totals.get(key, 0) + value
    totals["partial_tokens"] = totals.get("partial_tokens", 0) + int(report.partial)


def wallet_jobs() -> WalletJobs:
    """The jobs wired to the process settings (the functions' and the API's one factory)."""
    from walltrack.jobs.outbox import WalletProfileOutbox

    settings = get_settings()
    return WalletJobs(outbox=WalletProfileOutbox(settings), settings=settings)


def discovery_job_for_message(body: dict[str, Any]) -> None:
    """A wallet_discovery message: `{"mint"}` from token_scan (a run of its own), or
    `{"run_id", "mints"}` from the API. A manual run whose record already ended is a
    redelivery and does nothing; a run that fails is recorded and not retried."""
    jobs = wallet_jobs()
    if "run_id" not in body:
        jobs.discover([validate_mint(str(body["mint"]))])
        return
    run_id = UUID(str(body["run_id"]))
    run = jobs.runs.get(run_id)
    if run is None or run.status != "running":
        log.info("discovery request skipped", run_id=str(run_id), status=run and run.status)
        return
    try:
        jobs.discover([str(m) for m in body["mints"]], run_id=run_id)
    except Exception:
        recorded = jobs.runs.get(run_id)
        if recorded is None or recorded.status != "failed":
            raise
        log.warning("wallet discovery failed (recorded in its run)", run_id=str(run_id))


def profile_job_for_message(body: dict[str, Any]) -> None:
    """A wallet_profile message `{"address"}`; raising fails only this record."""
    wallet_jobs().profile(str(body["address"]))
