"""Step 2's rules: from a token's snapshot history, is it still alive, dead, or rugged?

Rugged: liquidity fell by at least `rug_liquidity_drop_pct` from its peak within the last
`rug_window_minutes` (liquidity pulled). Dead: for at least `dead_after_minutes`, every snapshot
showed liquidity under `dead_min_liquidity_usd` or no trade in the last hour. A token still on
its launchpad's bonding curve has no pool (DexScreener shows its liquidity as 0 or absent), so
it is judged dead on idleness alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from walltrack.data.models.step_settings import TokenRefreshSettings
from walltrack.data.models.token import TokenSnapshot, TokenStatus


@dataclass(frozen=True)
class HealthChange:
    status: TokenStatus
    reason: str


def _rug(
    history: Sequence[TokenSnapshot], settings: TokenRefreshSettings, now: datetime
) -> str | None:
    window_start = now - timedelta(minutes=settings.rug_window_minutes)
    recent = [
        s for s in history if s.taken_at >= window_start and s.market.liquidity_usd is not None
    ]
    if len(recent) < 2:
        return None
    latest = recent[-1].market.liquidity_usd
    peak = max(s.market.liquidity_usd for s in recent if s.market.liquidity_usd is not None)
    if latest is None or peak <= 0:
        return None
    drop_pct = (peak - latest) / peak * Decimal(100)
    if drop_pct >= settings.rug_liquidity_drop_pct:
        return (
            f"liquidity fell {drop_pct:.1f}% (from {peak:.2f} to {latest:.2f} USD) within "
            f"{settings.rug_window_minutes} min (threshold {settings.rug_liquidity_drop_pct}%)"
        )
    return None


def _lifeless(
    snapshot: TokenSnapshot, settings: TokenRefreshSettings, *, bonding_curve: bool
) -> bool:
    m = snapshot.market
    thin = not bonding_curve and (
        m.liquidity_usd is None or m.liquidity_usd < settings.dead_min_liquidity_usd
    )
    idle = m.txns_h1 == 0
    return thin or idle


def _dead(
    history: Sequence[TokenSnapshot],
    settings: TokenRefreshSettings,
    now: datetime,
    *,
    bonding_curve: bool,
) -> str | None:
    if not history or not _lifeless(history[-1], settings, bonding_curve=bonding_curve):
        return None
    since = history[-1].taken_at
    for snap in reversed(history):
        if not _lifeless(snap, settings, bonding_curve=bonding_curve):
            break
        since = snap.taken_at
    if now - since >= timedelta(minutes=settings.dead_after_minutes):
        if bonding_curve:
            return (
                f"no trades on its bonding curve since {since.isoformat()} "
                f"(≥ {settings.dead_after_minutes} min)"
            )
        return (
            f"no trades or liquidity under {settings.dead_min_liquidity_usd} USD since "
            f"{since.isoformat()} (≥ {settings.dead_after_minutes} min)"
        )
    return None


def classify_health(
    history: Sequence[TokenSnapshot],
    settings: TokenRefreshSettings,
    *,
    now: datetime,
    bonding_curve: bool = False,
) -> HealthChange | None:
    """A status change for an active token, or None while it still lives. Rug wins over dead:
    a pulled pool is the stronger, more urgent fact. `bonding_curve`: the token's current pair
    is a launchpad curve, whose missing liquidity says nothing about its life."""
    ordered = sorted(history, key=lambda s: s.taken_at)
    if reason := _rug(ordered, settings, now):
        return HealthChange("rugged", reason)
    if reason := _dead(ordered, settings, now, bonding_curve=bonding_curve):
        return HealthChange("dead", reason)
    return None
