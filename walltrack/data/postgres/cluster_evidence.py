"""Step 4's reads and writes in Postgres: the cached first pages (`cluster_evidence`), the
wallets a clustering run covers, and the stored buys its co-entries come from.

A page is stored as its `TxFacts` in JSONB (short keys: a page is read back whole for every
run, and a few kilobytes per wallet keeps hundreds of wallets one quick query).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from walltrack.data.models.cluster_evidence import TxFacts, WalletPage
from walltrack.data.models.enhanced_tx import NativeTransfer, TokenTransfer
from walltrack.data.models.swap import Swap
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.wallets import swap_from_row


def _facts_json(tx: TxFacts) -> dict[str, Any]:
    return {
        "sig": tx.signature,
        "slot": tx.slot,
        "at": tx.timestamp.isoformat(),
        "payer": tx.fee_payer,
        "failed": tx.failed,
        "traded": tx.traded,
        "sol": [[t.sender, t.receiver, t.lamports] for t in tx.native_transfers],
        "tok": [
            [t.sender, t.receiver, t.sender_account, t.receiver_account, t.mint, str(t.amount)]
            + ([t.standard] if t.standard is not None else [])
            for t in tx.token_transfers
        ],
    }


def _facts(raw: dict[str, Any]) -> TxFacts:
    return TxFacts(
        signature=raw["sig"],
        slot=int(raw["slot"]),
        timestamp=datetime.fromisoformat(raw["at"]),
        fee_payer=raw["payer"],
        failed=bool(raw["failed"]),
        native_transfers=tuple(
            NativeTransfer(s, r, int(lamports)) for s, r, lamports in raw["sol"]
        ),
        token_transfers=tuple(
            TokenTransfer(t[0], t[1], t[2], t[3], t[4], Decimal(t[5]), t[6] if len(t) > 6 else None)
            for t in raw["tok"]
        ),
        traded=bool(raw["traded"]),
    )


def _page(row: DictRow) -> WalletPage:
    return WalletPage(
        address=row["address"],
        fetched_at=row["fetched_at"],
        funder=row["funder"],
        transactions=tuple(_facts(raw) for raw in row["transactions"]),
        fetched=row["fetched"],
        malformed=row["malformed"],
    )


class ClusterEvidenceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- pages ------------------------------------------------------------------------------
    def pages(self, addresses: Collection[str]) -> dict[str, WalletPage]:
        """The cached pages of those `addresses` that have one."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, fetched_at, funder, fetched, malformed, transactions"
                " from public.cluster_evidence where address = any(%s)",
                (list(addresses),),
            ).fetchall()
        return {row["address"]: _page(row) for row in rows}

    def save_page(self, page: WalletPage) -> None:
        """Store (or replace) a wallet's page; a page read earlier never replaces a newer one
        (two runs' consumers may read the same funder at once)."""
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.cluster_evidence"
                " (address, fetched_at, funder, fetched, malformed, transactions)"
                " values (%(address)s, %(at)s, %(funder)s, %(fetched)s, %(malformed)s, %(txs)s)"
                " on conflict (address) do update set fetched_at = excluded.fetched_at,"
                " funder = excluded.funder, fetched = excluded.fetched,"
                " malformed = excluded.malformed, transactions = excluded.transactions"
                " where public.cluster_evidence.fetched_at <= excluded.fetched_at",
                {
                    "address": page.address,
                    "at": page.fetched_at,
                    "funder": page.funder,
                    "fetched": page.fetched,
                    "malformed": page.malformed,
                    "txs": Jsonb([_facts_json(tx) for tx in page.transactions]),
                },
            )

    def funded_count(self, funder: str) -> int:
        """How many cached wallets name `funder` as the sender of their earliest SOL."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select count(*) as n from public.cluster_evidence where funder = %s", (funder,)
            ).fetchone()
        return int(row["n"]) if row else 0

    # -- the wallets of a run ---------------------------------------------------------------
    def profiled_wallets(self) -> list[str]:
        """Every wallet step 3 has profiled at least once: the wallets a clustering run covers."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address from public.wallets where profiled_at is not null order by address"
            ).fetchall()
        return [row["address"] for row in rows]

    def run_wallets(self, run_id: UUID) -> list[str]:
        """The wallets of a fanned-out run whose evidence is in (its `schedule_run_items`)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select item from public.schedule_run_items where run_id = %s order by item",
                (run_id,),
            ).fetchall()
        return [row["item"] for row in rows]

    def buys(self, wallets: Iterable[str]) -> list[Swap]:
        """The stored buys of `wallets` (step 3's swaps), oldest first: co-entry evidence."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.swaps where wallet = any(%s) and side = 'buy'"
                " order by slot, wallet, signature",
                (list(wallets),),
            ).fetchall()
        return [swap_from_row(row) for row in rows]
