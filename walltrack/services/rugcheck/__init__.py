"""RugCheck client (token risk summary)."""

from walltrack.services.rugcheck.client import REPORTS_RATE, RugCheckClient

__all__ = ["REPORTS_RATE", "RugCheckClient"]
