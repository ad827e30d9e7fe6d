"""Adapters from the market APIs to step 1/2's ports (`walltrack.core.discovery.scan`).

`DexScreenerCandidates` is the CandidateSource: profiles/boosts give mints, tokens/v1 gives
their pairs, search gives pairs directly. `MarketSafetyFacts` is the SafetyFactsSource: Helius
DAS (authorities, Token-2022 extensions, supply), the largest token accounts (holder
concentration, the pool's own vault left out) and RugCheck (score, LP locked, danger risks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from walltrack.data.models.market import Pair, Parsed, TokenAccountBalance
from walltrack.data.models.step_settings import TokenDiscoverySettings
from walltrack.data.models.token import (
    FactSource,
    PairCandidate,
    SafetyFacts,
    SourceBatch,
    SourceOutage,
    TokenMarket,
)
from walltrack.log import get_logger
from walltrack.services.dexscreener import DexScreenerClient
from walltrack.services.errors import ServiceError, ServiceNotFoundError
from walltrack.services.helius import HeliusDasClient
from walltrack.services.rugcheck import RugCheckClient

# A token account holding within this share of the pool's reported base reserve is taken to be
# the pool's vault, not a holder (getTokenLargestAccounts returns accounts, not owners).
_POOL_VAULT_TOLERANCE = Decimal("0.02")


def pair_to_candidate(pair: Pair, *, source: str) -> PairCandidate:
    txns = pair.txns.get("h1")
    created = (
        datetime.fromtimestamp(pair.pair_created_at / 1000, tz=UTC)
        if pair.pair_created_at is not None
        else None
    )
    return PairCandidate(
        mint=pair.base_token.address,
        chain=pair.chain_id,
        symbol=pair.base_token.symbol,
        name=pair.base_token.name,
        pair_address=pair.pair_address,
        dex_id=pair.dex_id,
        quote_mint=pair.quote_token.address,
        pair_created_at=created,
        market=TokenMarket(
            price_usd=pair.price_usd,
            price_native=pair.price_native,
            liquidity_usd=pair.liquidity.usd if pair.liquidity else None,
            volume_h24_usd=pair.volume.get("h24"),
            txns_h1_buys=txns.buys if txns else None,
            txns_h1_sells=txns.sells if txns else None,
            fdv_usd=pair.fdv,
            market_cap_usd=pair.market_cap,
        ),
        pool_base_reserve=pair.liquidity.base if pair.liquidity else None,
        sources=[source],
    )


def _candidates(parsed: Parsed[Pair], *, source: str, mints: set[str] | None) -> SourceBatch:
    """Pairs as candidates. With `mints`, only pairs whose *base* token is one of them: a mint
    seen on the quote side would carry the other token's price (apis.md §1.4)."""
    return SourceBatch(
        candidates=[
            pair_to_candidate(p, source=source)
            for p in parsed.items
            if mints is None or p.base_token.address in mints
        ],
        skipped=parsed.skipped,
        errors=list(parsed.errors),
    )


class DexScreenerCandidates:
    def __init__(self, dex: DexScreenerClient) -> None:
        self._dex = dex

    async def discover(self, settings: TokenDiscoverySettings) -> SourceBatch:
        result = SourceBatch()
        mint_sources: dict[str, str] = {}
        listings = (
            ("profiles", settings.source_latest_profiles, self._dex.latest_token_profiles),
            ("boosts_latest", settings.source_latest_boosts, self._dex.latest_boosts),
            ("boosts_top", settings.source_top_boosts, self._dex.top_boosts),
        )
        for name, enabled, fetch in listings:
            if not enabled:
                continue
            parsed = await fetch()
            result.skipped += parsed.skipped
            result.errors += parsed.errors
            for item in parsed.items:
                if item.is_solana:
                    mint_sources.setdefault(item.token_address, name)
        by_source: dict[str, list[str]] = {}
        for mint, name in mint_sources.items():
            by_source.setdefault(name, []).append(mint)
        for name, mints in by_source.items():
            batch = _candidates(await self._dex.tokens(mints), source=name, mints=set(mints))
            result.candidates += batch.candidates
            result.skipped += batch.skipped
            result.errors += batch.errors
        for term in settings.search_terms:
            batch = _candidates(await self._dex.search(term), source=f"search:{term}", mints=None)
            result.candidates += batch.candidates
            result.skipped += batch.skipped
            result.errors += batch.errors
        return result

    async def pairs_for(self, mints: Sequence[str]) -> SourceBatch:
        if not mints:
            return SourceBatch()
        return _candidates(await self._dex.tokens(list(mints)), source="refresh", mints=set(mints))


class MarketSafetyFacts:
    def __init__(self, das: HeliusDasClient, rugcheck: RugCheckClient) -> None:
        self._das = das
        self._rugcheck = rugcheck

    async def facts(self, candidate: PairCandidate) -> SafetyFacts:
        """Every fact that could be learned. A source that does not know the token (404) leaves
        its facts unknown; a source that could not be read (refused, down, slow, garbled) is
        recorded in `outages`, so its checks are pending rather than merely unknown. Helius
        (asset, then its holders) and RugCheck are asked at the same time: the copy loop
        checks a token it first sees at a followed wallet's buy, on the way to the fill."""
        log = get_logger(component="safety", token=candidate.mint)
        (helius_facts, helius_out), (rug_facts, rug_out) = await asyncio.gather(
            self._helius_facts(candidate, log), self._rugcheck_facts(candidate, log)
        )
        return SafetyFacts.model_validate(
            helius_facts | rug_facts | {"outages": [*helius_out, *rug_out]}
        )

    async def _helius_facts(
        self, candidate: PairCandidate, log: Any
    ) -> tuple[dict[str, object], list[SourceOutage]]:
        facts: dict[str, object] = {}
        outages: list[SourceOutage] = []
        supply: int | None = None
        try:
            asset = await self._das.get_asset(candidate.mint)
            info = asset.token_info
            facts.update(
                authorities_known=True,
                mint_authority=info.mint_authority if info else None,
                freeze_authority=info.freeze_authority if info else None,
                token_program=info.token_program if info else None,
                extensions=sorted(asset.mint_extensions),
            )
            supply = info.supply if info else None
        except ServiceNotFoundError as exc:
            log.info("asset unknown to DAS", error=str(exc))
        except ServiceError as exc:
            outages.append(_outage("asset", exc, log))
        if supply:
            try:
                accounts = await self._das.get_token_largest_accounts(candidate.mint)
                facts["top10_holder_pct"] = _top10_pct(accounts, supply, candidate)
            except ServiceNotFoundError as exc:
                log.info("holder accounts unknown", error=str(exc))
            except ServiceError as exc:
                outages.append(_outage("holders", exc, log))
        return facts, outages

    async def _rugcheck_facts(
        self, candidate: PairCandidate, log: Any
    ) -> tuple[dict[str, object], list[SourceOutage]]:
        try:
            summary = await self._rugcheck.report_summary(candidate.mint)
        except ServiceNotFoundError:
            return {}, []  # no report yet (young tokens): the check stays unknown
        except ServiceError as exc:
            return {}, [_outage("rugcheck", exc, log)]
        return {
            "rugcheck_score_normalised": summary.score_normalised,
            "lp_locked_pct": summary.lp_locked_pct,
            "rugcheck_danger_risks": [r.name for r in summary.danger_risks if r.name],
        }, []


def _outage(source: FactSource, exc: ServiceError, log: Any) -> SourceOutage:
    log.warning("safety source unavailable", source=source, error=str(exc))
    return SourceOutage(source=source, upstream=exc.service, reason=str(exc))


def _top10_pct(
    accounts: Sequence[TokenAccountBalance], supply: int, candidate: PairCandidate
) -> Decimal:
    """Top-10 holders' share of supply in percent, the pool's vault excluded."""
    amounts = sorted((a.amount for a in accounts), reverse=True)
    decimals = accounts[0].decimals if accounts else 0
    vault = _pool_vault_amount(amounts, candidate, decimals)
    if vault is not None:
        amounts.remove(vault)
    return (Decimal(sum(amounts[:10])) / Decimal(supply) * 100).quantize(Decimal("0.01"))


def _pool_vault_amount(amounts: list[int], candidate: PairCandidate, decimals: int) -> int | None:
    """The account holding (within 2 %) the pool's reported base reserve, if any."""
    base_reserve = candidate.pool_base_reserve
    if base_reserve is None or base_reserve <= 0:
        return None
    raw_reserve = base_reserve.scaleb(decimals)
    for amount in amounts[:3]:
        if abs(Decimal(amount) - raw_reserve) / raw_reserve <= _POOL_VAULT_TOLERANCE:
            return amount
    return None
