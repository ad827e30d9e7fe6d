"""Jupiter client: Swap v1 quotes (paper fills) and Price v3 (marks)."""

from walltrack.services.jupiter.client import (
    JUPITER_RATE_BY_PLAN,
    MAX_PRICE_IDS,
    NO_ROUTE_CODES,
    JupiterClient,
    JupiterPlan,
    NoRouteError,
    QuoteRejectedError,
)

__all__ = [
    "JUPITER_RATE_BY_PLAN",
    "MAX_PRICE_IDS",
    "NO_ROUTE_CODES",
    "JupiterClient",
    "JupiterPlan",
    "NoRouteError",
    "QuoteRejectedError",
]
