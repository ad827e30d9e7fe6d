"""Helius clients: DAS now; enhanced transactions and webhooks join this package later."""

from walltrack.services.helius.das import HeliusDasClient
from walltrack.services.helius.limits import (
    DAS_RATE_BY_PLAN,
    DEFAULT_PLAN,
    RPC_RATE_BY_PLAN,
    HeliusPlan,
)

__all__ = ["DAS_RATE_BY_PLAN", "DEFAULT_PLAN", "RPC_RATE_BY_PLAN", "HeliusDasClient", "HeliusPlan"]
