"""Step 7's opening recipe, its pure part: the position and the entry order to write.

Ids derive from the signal (uuid5), so a retried message rebuilds the same rows and the unique
constraints (one position per signal, one entry per position) turn the retry into nothing.
The exit plan is the exit settings as they are now, copied onto the position: a later change of
the settings applies to new positions only.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading import Order, Position
from walltrack.data.models.trading_settings import ExitSettings

POSITION_NAMESPACE = UUID("6b1f3c52-7d0e-4f4e-9a51-2f6f0c1a7e31")


class NotAnAcceptedEntryError(ValueError):
    """Only an accepted entry signal opens a position."""


def position_id_for(signal_id: int) -> UUID:
    return uuid5(POSITION_NAMESPACE, f"position:{signal_id}")


def entry_order_id_for(signal_id: int) -> UUID:
    return uuid5(POSITION_NAMESPACE, f"entry:{signal_id}")


def plan_open(
    signal: Signal, *, size_lamports: int, exits: ExitSettings, now: datetime
) -> tuple[Position, Order]:
    """The position (opening, its exit plan snapshot) and its pending SOL → token entry."""
    if signal.id is None or signal.kind != "entry" or not signal.accepted:
        raise NotAnAcceptedEntryError(f"signal {signal.id} is not a stored accepted entry")
    if size_lamports <= 0:
        raise ValueError("an entry spends a positive number of lamports")
    position = Position(
        position_id=position_id_for(signal.id),
        signal_id=signal.id,
        token_mint=signal.token_mint,
        wallet=signal.wallet,
        owner_id=signal.owner_id,
        status="opening",
        opened_at=now,
        size_lamports=size_lamports,
        exit_plan=exits.model_dump(mode="json"),
    )
    order = Order(
        order_id=entry_order_id_for(signal.id),
        position_id=position.position_id,
        side="entry",
        reason="signal",
        status="pending",
        requested_at=now,
        input_mint=SOL_MINT,
        output_mint=signal.token_mint,
        amount_in=size_lamports,
    )
    return position, order
