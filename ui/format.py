"""Text the dashboard's tables share: short addresses, UTC times and exact SOL amounts (one
definition, so every tab writes an address, a time and an amount the same way)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

LAMPORTS_PER_SOL = Decimal(1_000_000_000)


def short(address: str | None, *, keep: int = 4) -> str:
    if not address:
        return ""
    return address if len(address) <= 2 * keep + 1 else f"{address[:keep]}…{address[-keep:]}"


def utc_time(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def sol(lamports: Any, *, signed: bool = False) -> str:
    """Lamports as SOL, exactly (no float); "—" when unknown."""
    if lamports is None:
        return "—"
    value = (Decimal(int(lamports)) / LAMPORTS_PER_SOL).normalize()
    return f"{'+' if signed and value > 0 else ''}{value:f} SOL"
