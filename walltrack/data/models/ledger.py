"""The paper ledger's figures (issue 18 item 5): what the paper account holds and earned, per
position and in total, its equity over time, our copies' PnL beside each followed wallet's own,
and what rejected signals would have earned.

Money is integer lamports (SOL) as the positions and orders store it; a followed wallet's own
PnL is in exact SOL decimals (its swaps are stored in UI units). Returns and shares are
statistics (floats, in %). Nothing here is stored: each figure is computed on read from
positions, orders and swaps, so it can never drift from them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.trading import PositionStatus


class PositionPnl(BaseModel):
    """One position's figures. `unrealised_lamports` is None when it holds tokens without a
    mark (no price seen since its entry): it is then valued at cost and counted as unpriced."""

    model_config = ConfigDict(frozen=True)

    position_id: UUID
    signal_id: int
    token_mint: str
    wallet: str
    owner_id: str
    status: PositionStatus
    opened_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    invested_lamports: int = Field(description="SOL its entry fill spent (fees excluded)")
    held_units: int
    cost_lamports: int
    realised_lamports: int
    fees_lamports: int
    mark_price: Decimal | None = Field(description="lamports per base unit, the last mark")
    marked_at: datetime | None
    value_lamports: int = Field(description="held units at the mark (at cost when unpriced)")
    unrealised_lamports: int | None
    net_pnl_lamports: int = Field(description="realised − fees + unrealised (0 if unpriced)")


class LedgerTotals(BaseModel):
    """The account: cash from the fills, holdings at cost and at their marks, and the check
    that both books agree (`imbalance_lamports` = cash − (start + realised − fees − cost))."""

    model_config = ConfigDict(frozen=True)

    starting_lamports: int
    cash_lamports: int
    holdings_cost_lamports: int
    holdings_value_lamports: int
    realised_lamports: int
    fees_lamports: int
    unrealised_lamports: int
    equity_lamports: int = Field(description="cash + holdings at their marks")
    net_pnl_lamports: int = Field(description="equity − starting equity")
    return_pct: float
    open_positions: int
    closed_positions: int
    failed_positions: int
    unpriced_positions: int
    fills: int
    imbalance_lamports: int
    balanced: bool


class Ledger(BaseModel):
    model_config = ConfigDict(frozen=True)

    totals: LedgerTotals
    positions: list[PositionPnl]
    as_of: datetime


class EquityPoint(BaseModel):
    """The account just after one fill (or at the start / now)."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    cash_lamports: int
    holdings_cost_lamports: int
    holdings_value_lamports: int
    equity_lamports: int
    drawdown_pct: float = Field(description="how far equity is under its running peak (%)")
    event: str = Field(description="start | entry | exit | now")


class EquityCurve(BaseModel):
    model_config = ConfigDict(frozen=True)

    points: list[EquityPoint]
    starting_lamports: int
    peak_lamports: int
    max_drawdown_lamports: int
    max_drawdown_pct: float
    as_of: datetime


class WalletVersus(BaseModel):
    """Our copies of one followed wallet beside that wallet's own trades on the same tokens
    over the same period (each token from the buy we copied on), both as a return on what was
    put in, so sizes do not matter; `edge_kept_pct` = our return / theirs (when theirs > 0)."""

    model_config = ConfigDict(frozen=True)

    wallet: str
    owner_id: str
    positions: int
    tokens: int
    our_invested_lamports: int
    our_net_pnl_lamports: int
    our_return_pct: float | None
    their_bought_sol: Decimal
    their_realised_sol: Decimal
    their_unrealised_sol: Decimal
    their_pnl_sol: Decimal
    their_return_pct: float | None
    their_unpriced_lots: int
    their_unmatched_sells: int = Field(description="sells of tokens bought before the period")
    edge_kept_pct: float | None


class WalletsVersus(BaseModel):
    model_config = ConfigDict(frozen=True)

    wallets: list[WalletVersus]
    our_return_pct: float | None
    their_return_pct: float | None
    edge_kept_pct: float | None = Field(description="over every followed wallet together")
    as_of: datetime


class ShadowTrade(BaseModel):
    """One entry signal replayed as if taken: sized like a real entry, filled at the first
    stored swap's price after the signal, exited by the exit rules on the token's later stored
    swaps (and the wallet's own sells, for mirror-sell); what is still held is marked at the
    token's last stored price."""

    model_config = ConfigDict(frozen=True)

    signal_id: int
    accepted: bool
    reason: str
    wallet: str
    token_mint: str
    score: float | None
    onchain_at: datetime
    size_lamports: int
    entry_price: Decimal | None = Field(description="SOL per token (UI units); None: no price")
    exits: list[str] = Field(description="the rules that fired, in order")
    pnl_lamports: int | None
    return_pct: float | None
    open_at_end: bool
    note: str = ""


class ShadowSide(BaseModel):
    model_config = ConfigDict(frozen=True)

    signals: int
    replayed: int
    unpriced: int
    invested_lamports: int
    pnl_lamports: int
    return_pct: float | None
    win_rate_pct: float | None


class ShadowReport(BaseModel):
    """Accepted and rejected entry signals replayed the same way, side by side; plus what our
    real positions earned (the accepted side as it really went)."""

    model_config = ConfigDict(frozen=True)

    accepted: ShadowSide
    rejected: ShadowSide
    actual_net_pnl_lamports: int
    trades: list[ShadowTrade]
    blind_spots: list[str] = Field(description="what the replay cannot see")
    as_of: datetime


__all__ = [
    "EquityCurve",
    "EquityPoint",
    "Ledger",
    "LedgerTotals",
    "PositionPnl",
    "ShadowReport",
    "ShadowSide",
    "ShadowTrade",
    "WalletVersus",
    "WalletsVersus",
]
