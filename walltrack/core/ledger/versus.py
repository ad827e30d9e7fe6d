"""Our PnL vs theirs: per followed wallet, what our copies earned beside what the wallet itself
earned on the same tokens over the same period — how much of its edge we keep.

Theirs is its stored swaps on each token we copied, from the buy we copied on, through the
profiler's FIFO (`core.discovery.fifo`: one rule for round trips everywhere); tokens it still
holds are valued at the token's last stored price. Sizes differ (we spend a setting, it spends
what it likes), so the two are compared as returns on what each put in:
`edge kept = our return / its return` (only when its return is positive: there is no edge to
keep otherwise, and a ratio of two losses would read as a gain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from walltrack.core.discovery.fifo import build_ledger, unrealised_pnl
from walltrack.data.models.ledger import PositionPnl, WalletsVersus, WalletVersus
from walltrack.data.models.swap import Swap

ZERO = Decimal(0)


def _pct(gain: float | Decimal, base: float | Decimal) -> float | None:
    return float(gain) / float(base) * 100 if base > 0 else None


MIN_EDGE_PCT = 0.1
"""Under this return (%) a wallet has no edge to keep: a ratio to a near-zero return (a FIFO
rounding remainder of 1e-18 SOL read as +0.0000 %) would be a meaningless huge figure."""


def _kept(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs < MIN_EDGE_PCT:
        return None
    return ours / theirs * 100


def wallet_versus(
    wallet: str,
    positions: Sequence[PositionPnl],
    their_swaps: Iterable[Swap],
    *,
    marks_sol: Mapping[str, Decimal],
) -> WalletVersus:
    """One followed wallet: our positions copying it, and its own swaps over the same tokens
    and period (the caller reads them from the earliest copied buy of each token on)."""
    taken = [p for p in positions if p.invested_lamports > 0]
    invested = sum(p.invested_lamports for p in taken)
    net = sum(p.net_pnl_lamports for p in taken)
    fifo = build_ledger(their_swaps)
    open_value = unrealised_pnl(fifo.open_lots, marks_sol)
    realised = fifo.realised_pnl_sol
    pnl = realised + open_value.pnl_sol
    ours = _pct(net, invested)
    theirs = _pct(pnl, fifo.bought_sol)
    return WalletVersus(
        wallet=wallet,
        owner_id=positions[0].owner_id if positions else wallet,
        positions=len(taken),
        tokens=len({p.token_mint for p in taken}),
        our_invested_lamports=invested,
        our_net_pnl_lamports=net,
        our_return_pct=ours,
        their_bought_sol=fifo.bought_sol,
        their_realised_sol=realised,
        their_unrealised_sol=open_value.pnl_sol,
        their_pnl_sol=pnl,
        their_return_pct=theirs,
        their_unpriced_lots=open_value.unpriced_lots,
        their_unmatched_sells=fifo.unmatched_sells,
        edge_kept_pct=_kept(ours, theirs),
    )


def wallets_versus(
    positions: Sequence[PositionPnl],
    their_swaps: Mapping[str, Sequence[Swap]],
    *,
    marks_sol: Mapping[str, Decimal],
    as_of: datetime,
) -> WalletsVersus:
    """Every followed wallet we copied at least once, best kept edge first; and the same
    figures over all of them together (returns on the summed amounts, not an average)."""
    by_wallet: dict[str, list[PositionPnl]] = {}
    for p in positions:
        by_wallet.setdefault(p.wallet, []).append(p)
    rows = [
        wallet_versus(w, ps, their_swaps.get(w, ()), marks_sol=marks_sol)
        for w, ps in by_wallet.items()
    ]
    rows = [r for r in rows if r.positions]
    rows.sort(key=lambda r: (r.edge_kept_pct is None, -(r.edge_kept_pct or 0), r.wallet))
    invested = sum(r.our_invested_lamports for r in rows)
    ours = _pct(sum(r.our_net_pnl_lamports for r in rows), invested)
    theirs = _pct(
        sum((r.their_pnl_sol for r in rows), ZERO), sum((r.their_bought_sol for r in rows), ZERO)
    )
    return WalletsVersus(
        wallets=rows,
        our_return_pct=ours,
        their_return_pct=theirs,
        edge_kept_pct=_kept(ours, theirs),
        as_of=as_of,
    )
