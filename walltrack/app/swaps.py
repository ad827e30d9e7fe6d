"""The swap parser as its users call it: raw Helius enhanced transactions → `Swap`s.

Reading (the wire format, `walltrack.services.helius.enhanced`) and normalising (the trading
rules, `walltrack.core.swaps`) live in their own layers; `walltrack parse-helius`, wallet
histories and webhook ingest all go through these two functions, so they agree on every swap.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from walltrack.core.swaps import normalize_many, normalize_transaction
from walltrack.data.models.swap import Swap
from walltrack.services.helius.enhanced import read_transaction, read_transactions


def parse_transaction(tx: Any, *, wallets: Collection[str] | None = None) -> list[Swap]:
    """The swaps of one enhanced transaction (zero or more), or `MalformedTransaction`."""
    return normalize_transaction(read_transaction(tx), wallets=wallets)


def parse_transactions(
    txs: Iterable[Any], *, wallets: Collection[str] | None = None
) -> tuple[list[Swap], list[tuple[int, str]]]:
    """Swaps of every transaction in input order, plus (index, reason) of each malformed one.

    One bad item never hides its neighbours' swaps (a webhook body is a batch).
    """
    views, errors = read_transactions(txs)
    return normalize_many(views, wallets=wallets), errors
