"""What step 4 keeps of a wallet's first history page: the facts the owner analyzer reads.

A Helius page of 100 enhanced transactions is tens of kilobytes; the analyzer needs, per
transaction, who paid the fee, whether it failed, the SOL and token transfers that touch the
wallet, and whether the wallet swapped in it. `TxFacts` is that, so a page is cached in
Postgres as a few kilobytes (`walltrack.data.postgres.cluster_evidence`) and re-read from
Helius only when stale. Plain slotted dataclasses, as `EnhancedTx`: the analyzer's hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from walltrack.data.models.enhanced_tx import NativeTransfer, TokenTransfer


@dataclass(frozen=True, slots=True)
class TxFacts:
    """One transaction of a wallet's history, as far as ownership evidence goes.

    `native_transfers` / `token_transfers` are those the wallet sends or receives; `traded`
    says the wallet swapped in it (read only where another account paid the fee: a payer that
    pays for someone's trades is evidence, one that sent it SOL is already a transfer)."""

    signature: str
    slot: int
    timestamp: datetime
    fee_payer: str
    failed: bool
    native_transfers: tuple[NativeTransfer, ...]
    token_transfers: tuple[TokenTransfer, ...]
    traded: bool = False


@dataclass(frozen=True, slots=True)
class WalletPage:
    """A wallet's first history page (oldest first) as facts, when it was read, and the
    sender of its earliest inbound SOL (`funder`, None when the page holds no funding).
    `fetched` counts the transactions Helius returned, `malformed` the unreadable ones."""

    address: str
    fetched_at: datetime
    funder: str | None
    transactions: tuple[TxFacts, ...]
    fetched: int
    malformed: int = 0
