"""Step 3's first half: a token's trades → the wallets worth profiling (pure, no I/O).

Candidates are the token's early buyers (a buy of at least `min_buy_sol` within
`early_window_minutes` of the launch, the first `early_buyers` distinct wallets) and its top
traders (best realised FIFO PnL on the token, `top_traders` of them, profitable only). Snipers
are early buyers too: they are kept here and flagged by the profiler, so the Wallets list can
show them below the wallets worth copying instead of silently hiding them.

Infrastructure never becomes a candidate: the settings' denylist (programs, routers, exchange
hot wallets), the token's own mint and pool, and any address in more than `max_swap_share` of
the token's swaps once it has `infra_min_swaps` (a pool or router shows up on every trade;
a person does not).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, localcontext

from walltrack.core.discovery.fifo import PRECISION, ZERO, SolTrade, match_fifo, sol_trades
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet_discovery import CandidateReason, WalletCandidate
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings

AGGREGATOR_SOURCES = frozenset({"JUPITER", "UNKNOWN", "OKX", "PHOTON", "BONKBOT"})
"""Sources that route through other venues: their first appearance is not a new pool."""


@dataclass(frozen=True)
class MarketEvents:
    """Public facts about a token's market read from its trades: the launch slot (known only
    when we hold its whole history) and the slots where a new venue started trading it
    (graduation, a new pool) — the moments snipers race for."""

    launch_slot: int | None
    launch_at: datetime | None
    pool_event_slots: tuple[int, ...]


def market_events(swaps: Iterable[Swap], *, complete: bool) -> MarketEvents:
    ordered = sorted(swaps, key=lambda s: (s.slot, s.timestamp))
    if not ordered:
        return MarketEvents(None, None, ())
    seen: set[str] = set()
    events: list[int] = []
    for swap in ordered:
        if swap.source in AGGREGATOR_SOURCES or swap.source in seen:
            continue
        if seen:
            events.append(swap.slot)
        seen.add(swap.source)
    first = ordered[0]
    return MarketEvents(
        launch_slot=first.slot if complete else None,
        launch_at=first.timestamp if complete else None,
        pool_event_slots=tuple(events),
    )


@dataclass
class CandidateSelection:
    candidates: list[WalletCandidate] = field(default_factory=list)
    traders: int = 0
    excluded: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def counts(self) -> dict[str, int]:
        return {"traders": self.traders, "candidates": len(self.candidates)} | {
            f"excluded_{k}": v for k, v in sorted(self.excluded.items())
        }


@dataclass
class _Trader:
    swaps: list[Swap] = field(default_factory=list)
    trades: list[SolTrade] = field(default_factory=list)
    first_buy_at: datetime | None = None
    bought_sol: Decimal = ZERO
    sold_sol: Decimal = ZERO
    realised_pnl_sol: Decimal = ZERO


def _infrastructure(
    by_wallet: dict[str, list[Swap]], total: int, settings: WalletDiscoverySettings
) -> set[str]:
    if total < settings.infra_min_swaps:
        return set()
    limit = settings.max_swap_share * total
    return {wallet for wallet, own in by_wallet.items() if len(own) > limit}


def select_candidates(
    swaps: Sequence[Swap],
    *,
    mint: str,
    settings: WalletDiscoverySettings,
    launch_at: datetime | None,
    exclude: Collection[str] = (),
    sol_per_usdc: Decimal | None = None,
) -> CandidateSelection:
    """The token's early buyers and top traders, infrastructure dropped (module doc)."""
    selection = CandidateSelection()
    own_swaps = [s for s in swaps if s.token_mint == mint]
    by_wallet: dict[str, list[Swap]] = defaultdict(list)
    for swap in own_swaps:
        by_wallet[swap.wallet].append(swap)
    selection.traders = len(by_wallet)
    denied = set(settings.denylist) | set(exclude) | {mint}
    infra = _infrastructure(by_wallet, len(own_swaps), settings)
    traders: dict[str, _Trader] = {}
    for wallet, own in by_wallet.items():
        if wallet in denied:
            selection.excluded["denylist"] += 1
            continue
        if wallet in infra:
            selection.excluded["infrastructure"] += 1
            continue
        traders[wallet] = _trader(own, sol_per_usdc)

    start = launch_at or (min(s.timestamp for s in own_swaps) if own_swaps else None)
    early = _early_buyers(traders, start, settings)
    top = _top_traders(traders, settings)
    reasons: dict[str, list[CandidateReason]] = defaultdict(list)
    for wallet in early:
        reasons[wallet].append("early_buyer")
    for wallet in top:
        reasons[wallet].append("top_trader")
    for wallet, why in reasons.items():
        trader = traders[wallet]
        if trader.bought_sol + trader.sold_sol < settings.min_wallet_volume_sol:
            selection.excluded["low_volume"] += 1
            continue
        selection.candidates.append(
            WalletCandidate(
                wallet=wallet,
                mint=mint,
                reasons=tuple(why),
                first_buy_at=trader.first_buy_at,
                bought_sol=trader.bought_sol,
                realised_pnl_sol=trader.realised_pnl_sol,
                trades=len(trader.swaps),
            )
        )
    return selection


def _trader(own: list[Swap], sol_per_usdc: Decimal | None) -> _Trader:
    trades, _ = sol_trades(own, sol_per_usdc=sol_per_usdc)
    trader = _Trader(swaps=own, trades=trades)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        ledger = match_fifo(trades)
        trader.bought_sol = ledger.bought_sol
        trader.sold_sol = ledger.sold_sol
        trader.realised_pnl_sol = ledger.realised_pnl_sol
    buys = [t.timestamp for t in trades if t.side == "buy"]
    trader.first_buy_at = min(buys) if buys else None
    return trader


def _early_buyers(
    traders: dict[str, _Trader], start: datetime | None, settings: WalletDiscoverySettings
) -> list[str]:
    if start is None or settings.early_buyers == 0:
        return []
    end = start + timedelta(minutes=settings.early_window_minutes)
    firsts: list[tuple[datetime, int, str]] = []
    for wallet, trader in traders.items():
        qualifying = [
            (t.timestamp, t.slot)
            for t in trader.trades
            if t.side == "buy" and start <= t.timestamp <= end and t.sol >= settings.min_buy_sol
        ]
        if qualifying:
            at, slot = min(qualifying)
            firsts.append((at, slot, wallet))
    firsts.sort()
    return [wallet for _, _, wallet in firsts[: settings.early_buyers]]


def _top_traders(traders: dict[str, _Trader], settings: WalletDiscoverySettings) -> list[str]:
    if settings.top_traders == 0:
        return []
    ranked = sorted(
        (t.realised_pnl_sol, wallet) for wallet, t in traders.items() if t.realised_pnl_sol > 0
    )
    return [wallet for _, wallet in reversed(ranked[-settings.top_traders :])]
