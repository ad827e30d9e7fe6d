"""Shadow PnL: each entry signal — rejected ones above all — replayed as if it had been taken,
with the same sizing (`core.position.sizing`), the same exit rules (`core.order.exit`) and the
same fill arithmetic (`core.order.fills`) as a real position, so a threshold can be judged by
what the signals it rejects would have earned beside the ones it accepts.

Prices are the token's stored swaps after the signal (SOL-quoted buys and sells, SOL per token
in UI units). The replay works in a synthetic base unit of 1e-9 token, so that a price in SOL
per token IS lamports per unit and the exit rules run unchanged; the token's real decimals only
move rounding by a unit. The entry fills at the first stored trade after the signal; each later
trade is a mark the exit rules are checked at (and a fill price when one fires); a sell by the
followed wallet itself is a mirror-sell of the same share of its holding; what is still held at
the end is valued at the last mark. `BLIND_SPOTS` says what this cannot see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from walltrack.core.order.exit import check, mirror_sell
from walltrack.core.order.fills import apply_entry_fill, apply_exit_fill
from walltrack.core.position.sizing import size_entry
from walltrack.data.models.ledger import ShadowSide, ShadowTrade
from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.trading import Position
from walltrack.data.models.trading_settings import (
    ExitSettings,
    OrderSettings,
    SizingSettings,
    lamports,
)

BLIND_SPOTS = (
    "prices are only the swaps we store (the followed wallets' and discovery's), not every"
    " trade of the token: a stop or a peak between two stored trades is missed",
    "fills are at the stored trade's price: no Jupiter quote, so no price impact, slippage or"
    " route fees (the real entry shrinks for impact; the replay does not)",
    "the entry fills at the first stored trade after the signal, whatever our real latency",
    "risk rules (kill switch, exposure caps, breakers, cooldown) are not applied: every signal"
    " is replayed alone, sized against the starting equity",
    "exits use today's exit settings, not the ones a position would have copied when opened",
)
NS = uuid.UUID("8d1f7c4e-6a0b-4b8e-9a51-2c1f0b7f3e11")
"""Namespace of the replay's synthetic position ids (never stored)."""


@dataclass(frozen=True)
class ShadowRules:
    sizing: SizingSettings
    exits: ExitSettings
    orders: OrderSettings
    equity_lamports: int

    @property
    def fees_lamports(self) -> int:
        o = self.orders
        return o.network_fee_lamports + o.priority_fee_lamports + o.tip_lamports


def _priced(swap: Swap) -> Decimal | None:
    if swap.side in ("buy", "sell") and swap.quote_mint == SOL_MINT:
        return swap.quote_amount / swap.token_amount
    return None


def _worth(units: int, price: Decimal) -> int:
    return int((Decimal(units) * price).to_integral_value(rounding=ROUND_FLOOR))


def _trade(signal: Signal, size: int, **fields: object) -> ShadowTrade:
    assert signal.id is not None
    defaults: dict[str, object] = {
        "signal_id": signal.id,
        "accepted": signal.accepted,
        "reason": signal.reason,
        "wallet": signal.wallet,
        "token_mint": signal.token_mint,
        "score": signal.score,
        "onchain_at": signal.onchain_at,
        "size_lamports": size,
        "entry_price": None,
        "exits": [],
        "pnl_lamports": None,
        "return_pct": None,
        "open_at_end": False,
    }
    return ShadowTrade.model_validate(defaults | fields)


def replay(
    signal: Signal, tape: Iterable[Swap], rules: ShadowRules, *, as_of: datetime
) -> ShadowTrade:
    """One entry signal as if taken. `tape`: the token's stored swaps, oldest first (those at
    or before the signal's own swap are skipped)."""
    decision = size_entry(
        rules.sizing,
        equity_lamports=rules.equity_lamports,
        score=signal.score,
        room=lamports(rules.sizing.max_size_sol),
        impact_of=lambda _size: Decimal(0),
    )
    if decision.size_lamports is None:
        return _trade(signal, 0, note=f"sizing refuses it: {decision.detail}")
    size = decision.size_lamports
    after = [
        s
        for s in tape
        if s.timestamp > signal.onchain_at
        or (s.timestamp == signal.onchain_at and s.signature != signal.signature)
    ]
    first = next(((i, p) for i, s in enumerate(after) if (p := _priced(s)) is not None), None)
    if first is None:
        return _trade(signal, size, note="no stored trade of the token after the signal")
    start, entry_price = first
    units = int((Decimal(size) / entry_price).to_integral_value(rounding=ROUND_FLOOR))
    if units <= 0:
        return _trade(signal, size, note="the size buys less than one unit")
    opened_at = after[start].timestamp
    position = apply_entry_fill(
        Position(
            position_id=uuid.uuid5(NS, str(signal.id)),
            signal_id=signal.id or 0,
            token_mint=signal.token_mint,
            wallet=signal.wallet,
            owner_id=signal.owner_id,
            status="opening",
            opened_at=opened_at,
            size_lamports=size,
            exit_plan=rules.exits.model_dump(mode="json"),
        ),
        filled_in=size,
        filled_out=units,
        fees_lamports=rules.fees_lamports,
        at=opened_at,
    )
    exits: list[str] = []
    wallet_held = signal.token_amount if signal.side == "buy" else Decimal(0)
    mark = entry_price
    for swap in after[start + 1 :]:
        if position.status != "open":
            break
        price = _priced(swap)
        if price is not None:
            mark = price
        sale = None
        if swap.wallet == signal.wallet and swap.side == "buy":
            wallet_held += swap.token_amount
        elif swap.wallet == signal.wallet and swap.side == "sell":
            share = (
                min(Decimal(1), swap.token_amount / wallet_held) if wallet_held > 0 else Decimal(1)
            )
            wallet_held = max(Decimal(0), wallet_held - swap.token_amount)
            sale = mirror_sell(position, share)
        if sale is None and price is not None:
            checked = check(
                position, mark, now=swap.timestamp, original_units=units, plan=rules.exits
            )
            position = position.model_copy(
                update={"peak_price": checked.peak_price, "last_price": mark}
            )
            sale = checked.decision
        if sale is not None:
            position = apply_exit_fill(
                position,
                sold_units=sale.units,
                filled_out=_worth(sale.units, mark),
                fees_lamports=rules.fees_lamports,
                reason=sale.reason,
                at=swap.timestamp,
            )
            exits.append(sale.reason)
    if position.status == "open":  # the time stop may have passed since the last trade
        late = check(position, mark, now=as_of, original_units=units, plan=rules.exits).decision
        if late is not None and late.reason == "time_stop":
            position = apply_exit_fill(
                position,
                sold_units=late.units,
                filled_out=_worth(late.units, mark),
                fees_lamports=rules.fees_lamports,
                reason=late.reason,
                at=as_of,
            )
            exits.append(late.reason)
    unrealised = _worth(position.held_units, mark) - position.cost_lamports
    pnl = position.realised_lamports - position.fees_lamports + unrealised
    return _trade(
        signal,
        size,
        entry_price=entry_price,
        exits=exits,
        pnl_lamports=pnl,
        return_pct=pnl / size * 100,
        open_at_end=position.status == "open",
    )


def side_of(trades: Sequence[ShadowTrade]) -> ShadowSide:
    """Totals of one side (accepted or rejected): returns on what the replayed trades put in."""
    done = [t for t in trades if t.pnl_lamports is not None]
    invested = sum(t.size_lamports for t in done)
    pnl = sum(t.pnl_lamports or 0 for t in done)
    return ShadowSide(
        signals=len(trades),
        replayed=len(done),
        unpriced=len(trades) - len(done),
        invested_lamports=invested,
        pnl_lamports=pnl,
        return_pct=pnl / invested * 100 if invested else None,
        win_rate_pct=sum(1 for t in done if (t.pnl_lamports or 0) > 0) / len(done) * 100
        if done
        else None,
    )
