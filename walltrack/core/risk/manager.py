"""Step 7's risk rules, pure: may a new entry open now? (Exits are never asked.)

`check_entry` returns None (allowed) or the first `Refusal`, naming the rule, in this order:
kill switch, max open positions, the exposure caps (token, owner, total; the new entry's size
included), daily loss, drawdown, loss-streak cooldown. Every amount is integer lamports; the
clock is the caller's `now`. Boundaries: a cap is a "most" (reaching it exactly passes); a
breaker trips when its limit is reached (a loss equal to the daily limit refuses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from walltrack.data.models.risk import RiskState
from walltrack.data.models.trading_settings import RiskSettings, lamports

RiskRule = str
"""kill_switch, max_open_positions, token_exposure, owner_exposure, total_exposure,
daily_loss, drawdown, loss_streak (and, from the position recipe, one_position_per_token,
size, price_impact, quote)."""


@dataclass(frozen=True)
class Refusal:
    rule: RiskRule
    detail: str


def _sol(value: int) -> str:
    return f"{Decimal(value) / 10**9:f} SOL"


@dataclass(frozen=True)
class Headroom:
    """Lamports each exposure cap still leaves for `token_mint` / `owner_id`."""

    token: int
    owner: int
    total: int

    @property
    def least(self) -> int:
        return max(0, min(self.token, self.owner, self.total))


def headroom(
    state: RiskState, settings: RiskSettings, *, token_mint: str, owner_id: str
) -> Headroom:
    """What the three exposure caps leave for one more entry (negative when already over)."""
    token = sum(p.cost_lamports for p in state.open_positions if p.token_mint == token_mint)
    owner = sum(p.cost_lamports for p in state.open_positions if p.owner_id == owner_id)
    total = sum(p.cost_lamports for p in state.open_positions)
    return Headroom(
        token=lamports(settings.max_exposure_per_token_sol) - token,
        owner=lamports(settings.max_exposure_per_owner_sol) - owner,
        total=lamports(settings.max_total_exposure_sol) - total,
    )


def check_entry(
    state: RiskState,
    settings: RiskSettings,
    *,
    token_mint: str,
    owner_id: str,
    size_lamports: int,
    now: datetime,
) -> Refusal | None:
    """None when an entry of `size_lamports` in `token_mint` following `owner_id` may open."""
    if settings.kill_switch:
        return Refusal("kill_switch", "the kill switch is on: no new entries")
    if len(state.open_positions) >= settings.max_open_positions:
        return Refusal(
            "max_open_positions",
            f"{len(state.open_positions)} positions open, at most {settings.max_open_positions}",
        )
    room = headroom(state, settings, token_mint=token_mint, owner_id=owner_id)
    for rule, left, cap in (
        ("token_exposure", room.token, settings.max_exposure_per_token_sol),
        ("owner_exposure", room.owner, settings.max_exposure_per_owner_sol),
        ("total_exposure", room.total, settings.max_total_exposure_sol),
    ):
        if size_lamports > left:
            return Refusal(
                rule,
                f"an entry of {_sol(size_lamports)} exceeds the {cap} SOL cap"
                f" ({_sol(max(left, 0))} left)",
            )
    return _breakers(state, settings, now)


def _breakers(state: RiskState, settings: RiskSettings, now: datetime) -> Refusal | None:
    """Daily loss, drawdown and the loss-streak cooldown: they trip on losses, not on size."""
    limit = lamports(settings.daily_loss_limit_sol)
    loss_today = -state.realised_today_lamports
    if limit > 0 and loss_today >= limit:
        return Refusal(
            "daily_loss",
            f"net realised loss today {_sol(loss_today)} reached the limit"
            f" {settings.daily_loss_limit_sol} SOL",
        )
    peak = state.peak_equity_lamports
    if peak > 0 and settings.max_drawdown_pct > 0:
        drawdown_pct = Decimal(peak - state.equity_lamports) * 100 / Decimal(peak)
        if drawdown_pct >= settings.max_drawdown_pct:
            return Refusal(
                "drawdown",
                f"equity {_sol(state.equity_lamports)} is {drawdown_pct:.2f} % under its peak"
                f" {_sol(peak)} (limit {settings.max_drawdown_pct} %)",
            )
    streak = list(state.recent_losses[: settings.loss_streak])
    if len(streak) == settings.loss_streak and all(streak) and state.last_loss_closed_at:
        until = state.last_loss_closed_at + timedelta(minutes=settings.cooldown_minutes)
        if now < until:
            return Refusal(
                "loss_streak",
                f"{settings.loss_streak} losing positions in a row: cooling down until"
                f" {until.isoformat()}",
            )
    return None
