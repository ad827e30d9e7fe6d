"""The rules a webhook delivery and a reconcile read follow (ARCHITECTURE §3, apis.md §2.4).

- Helius echoes the webhook's `authHeader` verbatim in `Authorization`; that secret is the
  only authentication of the Function URL (AuthType NONE), so it is compared in constant time
  and a missing secret on our side refuses everything.
- The body cap is checked on the length before anything parses the body.
- A body is a JSON array of enhanced transactions; anything else is malformed (kept raw).
- Only swaps of listed wallets are kept, once per (signature, wallet, mint).
- Reconcile resumes each wallet from its cursor, re-reading a small overlap because Helius may
  publish a transaction some seconds after its block time (duplicates are harmless: dedupe).
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from walltrack.data.models.ingest import ReconcileCursor
from walltrack.data.models.swap import Swap

# msgspec, not json.loads(parse_float=Decimal): the same exact numbers at about twice the
# speed (walltrack/services/helius/transactions.py decodes history pages the same way).
_DECODE = msgspec.json.Decoder(float_hook=Decimal).decode


class MalformedDeliveryError(ValueError):
    """The body is not a JSON array (the delivery answers 400; its raw body is kept)."""


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name (payload 2.0 lower-cases them; tests may not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def authorized(presented: str | None, secret: str | None) -> bool:
    """True only when a secret is configured and `presented` equals it (constant time)."""
    if not secret or presented is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), secret.encode("utf-8"))


def over_cap(length: int, cap: int) -> bool:
    """The body cap, on the length alone (checked before any parsing)."""
    return length > cap


def decode_delivery(body: bytes) -> list[Any]:
    """The delivery's items (JSON numbers as exact Decimals), or `MalformedDeliveryError`."""
    try:
        items = _DECODE(body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise MalformedDeliveryError(f"not JSON: {exc}") from None
    if not isinstance(items, list):
        raise MalformedDeliveryError(f"expected a JSON array, got {type(items).__name__}")
    return items


def swaps_to_keep(swaps: Iterable[Swap], listed: Collection[str]) -> list[Swap]:
    """Swaps of listed wallets, once per (signature, wallet, mint), sorted by that key (every
    writer then locks the same rows in the same order: two deliveries never deadlock)."""
    kept: dict[tuple[str, str, str], Swap] = {}
    for swap in swaps:
        if swap.wallet in listed:
            kept.setdefault((swap.signature, swap.wallet, swap.token_mint), swap)
    return [kept[key] for key in sorted(kept)]


def reconcile_start(
    cursor: ReconcileCursor | None, *, listed_since: datetime, overlap: timedelta
) -> datetime:
    """Where a wallet's history read starts (oldest first): `overlap` before its cursor, or
    when it was listed if reconcile has not read it yet (before that no webhook watched it, so
    nothing was delivered, nor dropped)."""
    return listed_since if cursor is None else cursor.last_time - overlap


def advance_cursor(
    cursor: ReconcileCursor | None, *, last_signature: str | None, last_time: datetime | None
) -> ReconcileCursor | None:
    """The cursor after a read that ended at (`last_signature`, `last_time`); it never moves
    back (an overlap re-read ends where the last one did, or later)."""
    if last_signature is None or last_time is None:
        return cursor
    if cursor is not None and last_time < cursor.last_time:
        return cursor
    return ReconcileCursor(last_signature, last_time)
