"""Helius request-per-second limits by plan (apis.md §2.6, billing/rate-limits.mdx, Jan 2026).

DAS and Enhanced Transactions share the lower limit; plain JSON-RPC has its own. Shared by every
Helius client (DAS now; enhanced transactions and webhooks later).
"""

from __future__ import annotations

from walltrack.config.settings import HeliusPlan
from walltrack.services.base import RateLimit

DAS_RATE_BY_PLAN: dict[HeliusPlan, RateLimit] = {
    "free": RateLimit(2, 1.0),
    "developer": RateLimit(10, 1.0),
    "business": RateLimit(50, 1.0),
    "professional": RateLimit(100, 1.0),
}
"""getAsset and other DAS calls, and Enhanced Transactions (parse/history)."""

RPC_RATE_BY_PLAN: dict[HeliusPlan, RateLimit] = {
    "free": RateLimit(10, 1.0),
    "developer": RateLimit(50, 1.0),
    "business": RateLimit(200, 1.0),
    "professional": RateLimit(500, 1.0),
}
"""Standard JSON-RPC (getSignaturesForAddress, getTransaction, ...)."""

DEFAULT_PLAN: HeliusPlan = "free"

__all__ = ["DAS_RATE_BY_PLAN", "DEFAULT_PLAN", "RPC_RATE_BY_PLAN", "HeliusPlan"]
