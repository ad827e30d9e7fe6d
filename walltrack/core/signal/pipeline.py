"""Step 6's recipe, its pure part: one stored swap of a watched wallet → one signal.

A buy is an entry signal, scored and filtered; a sell is an exit signal carrying the share of
the holding it sold (for step 8's mirror-sell); a token-for-token swap is recorded and rejected
(nothing in SOL or USDC to copy). What each kind reads is asked for lazily, so an exit never
reads the wallet's profile and an entry never reads its history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from walltrack.core.signal.filter import decide
from walltrack.core.signal.scorer import EntryFacts, score_entry
from walltrack.data.models.signals import Signal, SignalSettings
from walltrack.data.models.swap import Swap

TOKEN_FOR_TOKEN = "token-for-token swap: no SOL or USDC leg to copy"  # noqa: S105 - a reason
NO_HOLDING = "no holding of the token known before this sell (no stored buy)"


@dataclass(frozen=True)
class Delivery:
    """How the swap reached us: when our ingest received it, how, and when it is scored."""

    received_at: datetime
    scored_at: datetime
    via: Literal["webhook", "reconcile"]


def held_before(sell: Swap, history: Sequence[Swap]) -> Decimal:
    """Tokens the wallet held before `sell`: its stored buys minus its sells of that token
    strictly before it (by time, then slot; the sell itself and other tokens left out)."""
    held = Decimal(0)
    for swap in history:
        if swap.token_mint != sell.token_mint or swap.signature == sell.signature:
            continue
        if (swap.timestamp, swap.slot) > (sell.timestamp, sell.slot):
            continue
        if swap.side == "buy":
            held += swap.token_amount
        elif swap.side == "sell":
            held -= swap.token_amount
    return max(held, Decimal(0))


def fraction_sold(sell: Swap, history: Sequence[Swap]) -> Decimal | None:
    """The share of the holding `sell` sold (capped at 1), None when no holding is known."""
    held = held_before(sell, history)
    if held <= 0:
        return None
    return min(Decimal(1), sell.token_amount / held)


def signal_for(
    swap: Swap,
    *,
    owner_id: str,
    delivery: Delivery,
    settings: SignalSettings,
    entry_facts: Callable[[], EntryFacts],
    history: Callable[[], Sequence[Swap]],
) -> Signal:
    """The signal `swap` makes (see the module docstring)."""
    common = {
        "signature": swap.signature,
        "wallet": swap.wallet,
        "owner_id": owner_id,
        "token_mint": swap.token_mint,
        "side": swap.side,
        "token_amount": swap.token_amount,
        "quote_mint": swap.quote_mint,
        "quote_amount": swap.quote_amount,
        "onchain_at": swap.timestamp,
        "received_at": delivery.received_at,
        "scored_at": delivery.scored_at,
        "via": delivery.via,
    }
    if swap.side == "sell":
        fraction = fraction_sold(swap, history())
        if fraction is None:
            return Signal(kind="exit", accepted=False, reason=NO_HOLDING, **common)
        return Signal(
            kind="exit",
            fraction_sold=fraction,
            accepted=True,
            reason=f"sold {fraction:.1%} of its holding",
            **common,
        )
    if swap.side == "swap":
        return Signal(kind="entry", accepted=False, reason=TOKEN_FOR_TOKEN, **common)
    scored = score_entry(swap, entry_facts(), settings)
    delay = (delivery.scored_at - swap.timestamp).total_seconds()
    decision = decide(scored, settings, delay_seconds=delay)
    return Signal(
        kind="entry",
        score=scored.score,
        components=scored.components,
        consensus_owners=scored.consensus_owners,
        accepted=decision.accepted,
        reason=decision.reason,
        **common,
    )
