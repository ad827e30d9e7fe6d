"""Adapters from the market APIs to step 3's ports (`walltrack.core.discovery.wallets`).

`HeliusTransactionSource` is the TransactionSource: an address's enhanced transactions newest
first through Helius (all of them, or one block-time window, or one venue's), stopping at a
cap, a time, or a signature we already hold, each read into
the checked view the normaliser takes (an unreadable one is counted, not guessed at).
`JupiterSolPrices` is the PriceSource: Jupiter Price v3 in USD turned into SOL (and SOL per
USDC). A price is a nicety for the profile (unrealised PnL, marks), not a reason to fail it:
an unavailable price API gives "unknown" prices, logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.solana import SOL_MINT, USDC_MINT
from walltrack.data.models.wallet_discovery import AddressTransactions, SolPrices
from walltrack.errors import MalformedTransaction
from walltrack.log import get_logger
from walltrack.services.errors import ServiceError
from walltrack.services.helius.enhanced import read_transaction
from walltrack.services.helius.transactions import MAX_PAGE_SIZE, HeliusTransactionsClient
from walltrack.services.jupiter import JupiterClient

log = get_logger(component="wallet_market")


class HeliusTransactionSource:
    def __init__(self, client: HeliusTransactionsClient) -> None:
        self._client = client

    async def transactions(
        self,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None = None,
        stop_at_signature: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        source: str | None = None,
        before_signature: str | None = None,
        ascending: bool = False,
    ) -> AddressTransactions:
        walk = self._client.iter_history(
            address,
            max_transactions=max_transactions,
            until_time=until_time,
            source=source,
            gte_time=_seconds(start),
            lt_time=_seconds(end),
            before_signature=before_signature,
            ascending=ascending,
        )
        views: list[EnhancedTx] = []
        malformed: list[str] = []
        fetched = 0
        newest: str | None = None
        last_read: dict[str, Any] | None = None
        reached_known = False
        async for tx in walk:  # each a dict with a signature (the client checks it)
            if stop_at_signature is not None and tx["signature"] == stop_at_signature:
                reached_known = True
                break
            newest = newest or tx["signature"]
            last_read = tx
            fetched += 1
            try:
                views.append(read_transaction(tx))
            except MalformedTransaction as exc:
                malformed.append(str(exc))
        return AddressTransactions(
            transactions=views,
            malformed=malformed,
            fetched=fetched,
            newest_signature=newest,
            partial=walk.partial and not reached_known,
            last_signature=last_read["signature"] if last_read else None,
            last_time=_block_time(last_read),
        )

    async def first_page(self, address: str, *, limit: int = MAX_PAGE_SIZE) -> AddressTransactions:
        """Step 4's read: the address's first page oldest first (`sort-order=asc`, one call),
        where its funding, early fee payers and first transfers are; Helius lists newest first
        by default, and walking a whole history back to its start would cost many calls."""
        page = await self._client.transactions_for_address(address, sort_order="asc", limit=limit)
        views: list[EnhancedTx] = []
        malformed: list[str] = []
        for tx in page:
            try:
                views.append(read_transaction(tx))
            except MalformedTransaction as exc:
                malformed.append(str(exc))
        return AddressTransactions(
            transactions=views,
            malformed=malformed,
            fetched=len(page),
            newest_signature=page[-1]["signature"] if page else None,
            partial=len(page) >= limit,
        )


def _seconds(at: datetime | None) -> int | None:
    """A window bound as Helius takes it: block time in whole seconds (bounds are whole)."""
    return None if at is None else int(at.timestamp())


def _block_time(tx: dict[str, Any] | None) -> datetime | None:
    timestamp = tx.get("timestamp") if tx else None
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return None
    return datetime.fromtimestamp(timestamp, tz=UTC)


class JupiterSolPrices:
    def __init__(self, client: JupiterClient) -> None:
        self._client = client

    async def sol_prices(self, mints: Sequence[str]) -> SolPrices:
        wanted = [SOL_MINT, USDC_MINT, *(m for m in mints if m not in (SOL_MINT, USDC_MINT))]
        try:
            usd = await self._client.price(wanted)
        except ServiceError as exc:
            log.warning("prices unavailable; profiling without them", error=str(exc))
            return SolPrices(sol_per_usdc=None)
        sol_usd = usd.get(SOL_MINT)
        if not sol_usd:
            log.warning("no SOL price; profiling without prices")
            return SolPrices(sol_per_usdc=None)
        usdc_usd = usd.get(USDC_MINT, Decimal(1))
        return SolPrices(
            sol_per_usdc=usdc_usd / sol_usd,
            tokens_sol={m: usd[m] / sol_usd for m in mints if m in usd},
        )
