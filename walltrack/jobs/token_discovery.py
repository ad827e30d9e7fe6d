"""Steps 1 and 2 wired to the real world: DexScreener, Helius DAS, RugCheck, Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import base58

from walltrack.config.settings import EnvSettings, get_settings
from walltrack.core.discovery.scan import (
    DiscoveryOutbox,
    RefreshReport,
    ScanReport,
    add_token_manually,
    run_token_refresh,
    run_token_scan,
)
from walltrack.core.errors import InvalidInputError, NotFoundError
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.step_settings import TokenDiscoverySettings, TokenRefreshSettings
from walltrack.data.models.token import Token
from walltrack.data.postgres.pool import get_pool
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.step_settings import StepSettingsRepository
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.services.dexscreener import DexScreenerClient
from walltrack.services.helius import HeliusDasClient
from walltrack.services.rugcheck import RugCheckClient
from walltrack.services.token_market import DexScreenerCandidates, MarketSafetyFacts

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class Market:
    candidates: DexScreenerCandidates
    safety: MarketSafetyFacts


@asynccontextmanager
async def open_market(settings: EnvSettings) -> AsyncIterator[Market]:
    """Clients for one run: they belong to one event loop (httpx and aiolimiter are)."""
    async with (
        DexScreenerClient.from_settings(settings) as dex,
        HeliusDasClient.from_settings(settings) as das,
        RugCheckClient.from_settings(settings) as rug,
    ):
        yield Market(DexScreenerCandidates(dex), MarketSafetyFacts(das, rug))


def validate_mint(mint: str) -> str:
    """A Solana mint is 32 bytes, base58-encoded; anything else is a clear 422."""
    text = mint.strip()
    try:
        raw = base58.b58decode(text)
    except ValueError:
        raw = b""
    if not text or len(raw) != 32:
        raise InvalidInputError(
            f"{mint!r} is not a Solana mint address (base58 of 32 bytes)",
            [{"loc": ["mint"], "msg": "not a base58 32-byte address", "type": "value_error"}],
        )
    return text


class TokenDiscoveryJobs:
    def __init__(
        self,
        *,
        outbox: DiscoveryOutbox,
        settings: EnvSettings | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._env = settings or get_settings()
        pool = get_pool(self._env)
        self._tokens = TokenRepository(pool)
        self._runs = ScheduleRunRepository(pool)
        self._steps = StepSettingsService(StepSettingsRepository(pool))
        self._outbox = outbox
        self._clock = clock

    @property
    def tokens(self) -> TokenRepository:
        return self._tokens

    def scan(self, *, run_id: UUID | None = None) -> ScanReport:
        """Step 1, recorded as a `token_scan` run (progress readable while it runs)."""
        settings = self._steps.typed(TokenDiscoverySettings)
        with self._runs.track("token_scan", run_id=run_id) as run:

            async def go() -> ScanReport:
                async with open_market(self._env) as market:
                    return await run_token_scan(
                        settings=settings,
                        source=market.candidates,
                        safety=market.safety,
                        store=self._tokens,
                        outbox=self._outbox,
                        now=self._clock(),
                        progress=run.progress,
                    )

            report = asyncio.run(go())
            run.counts.update(report.counts())
        return report

    def refresh(self) -> RefreshReport:
        """Step 2, recorded as a `token_refresh` run."""
        settings = self._steps.typed(TokenRefreshSettings)
        discovery = self._steps.typed(TokenDiscoverySettings)
        with self._runs.track("token_refresh") as run:

            async def go() -> RefreshReport:
                async with open_market(self._env) as market:
                    return await run_token_refresh(
                        settings=settings,
                        discovery_settings=discovery,
                        source=market.candidates,
                        safety=market.safety,
                        store=self._tokens,
                        now=self._clock(),
                        progress=run.progress,
                    )

            report = asyncio.run(go())
            run.counts.update(report.counts())
        return report

    def add(self, mint: str) -> Token:
        """Manual add: 422 for a malformed mint, 404 when no market knows it."""
        mint = validate_mint(mint)
        settings = self._steps.typed(TokenDiscoverySettings)

        async def go() -> Token | None:
            async with open_market(self._env) as market:
                return await add_token_manually(
                    mint,
                    settings=settings,
                    source=market.candidates,
                    safety=market.safety,
                    store=self._tokens,
                    outbox=self._outbox,
                    now=self._clock(),
                )

        token = asyncio.run(go())
        if token is None:
            raise NotFoundError(f"no market knows the mint {mint}; nothing was stored")
        return token

    def block(self, mint: str) -> Token:
        """Block a token: discovery will not revive it and surveillance skips it."""
        self._tokens.set_status(mint, "blocked", reason="blocked by user", at=self._clock())
        token = self._tokens.get(mint)
        if token is None:
            raise NotFoundError(f"unknown token {mint}")
        return token
