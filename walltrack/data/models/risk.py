"""What step 7's risk rules read (`walltrack.core.risk.manager`), as the positions repository
gives it: integer lamports, the time of the last loss."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OpenExposure:
    """One live (opening or open) position: its token, followed owner and lamports at risk
    (the cost basis once filled, the size while its entry is pending)."""

    token_mint: str
    owner_id: str
    cost_lamports: int


@dataclass(frozen=True)
class RiskState:
    """What the rules read, as of `now`. `recent_losses` are the latest closed positions'
    outcomes, newest first (True = a net loss); `last_loss_closed_at` when the newest one
    that lost was closed."""

    open_positions: Sequence[OpenExposure]
    equity_lamports: int
    peak_equity_lamports: int
    realised_today_lamports: int
    recent_losses: Sequence[bool]
    last_loss_closed_at: datetime | None


__all__ = ["OpenExposure", "RiskState"]
