"""Step 6's delivery rules (webhook_ingest, reconcile): who may deliver, how much, what is kept,
and where a wallet's gap recovery resumes. Pure: no HTTP, no SQL."""

from walltrack.core.ingest.rules import (
    MalformedDeliveryError,
    advance_cursor,
    authorized,
    decode_delivery,
    header_value,
    over_cap,
    reconcile_start,
    swaps_to_keep,
)

__all__ = [
    "MalformedDeliveryError",
    "advance_cursor",
    "authorized",
    "decode_delivery",
    "header_value",
    "over_cap",
    "reconcile_start",
    "swaps_to_keep",
]
