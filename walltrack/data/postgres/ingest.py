"""webhook_deliveries, webhook_refusals, ingested_swaps, reconcile_cursors (step 6's ingest)
and the listed wallets of `public.watchlist` as ingest reads them: the only place their SQL
lives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from walltrack.data.models.ingest import (
    DeliveryCounts,
    DeliveryStatus,
    IngestVia,
    ReconcileCursor,
)
from walltrack.data.models.swap import Swap
from walltrack.data.postgres.database import Database, Statement
from walltrack.data.postgres.wallets import swaps_insert

SwapKey = tuple[str, str, str]
"""(signature, wallet, token_mint): the key a swap is ingested once by."""


_CLAIM = (
    "insert into public.ingested_swaps"
    " (signature, wallet, token_mint, received_at, via, delivery_id)"
    " select s, w, m, %(at)s, %(via)s, %(delivery)s"
    " from unnest(%(signatures)s::text[], %(wallets)s::text[], %(mints)s::text[]) as k(s, w, m)"
    " on conflict do nothing returning signature, wallet, token_mint"
)
_CLAIM_COUNTING = (
    "with won as (" + _CLAIM + "), counted as ("  # noqa: S608 - constants only
    "update public.webhook_deliveries set items = %(items)s, swaps_found = %(found)s,"
    " swaps_new = (select count(*) from won), error = %(error)s where id = %(delivery)s"
    ") select * from won"
)
"""A delivery's claim, its audit row's counts set by the same statement."""


def _won(rows: list[DictRow]) -> list[SwapKey]:
    return [(r["signature"], r["wallet"], r["token_mint"]) for r in rows]


class IngestRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the watchlist as ingest sees it ----------------------------------------------------
    def listed_wallets(self) -> dict[str, datetime]:
        """Each wallet followed now, with when its watchlist row last changed (listed since)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, changed_at from public.watchlist where listed order by address"
            ).fetchall()
        return {row["address"]: row["changed_at"] for row in rows}

    # -- deliveries -------------------------------------------------------------------------
    def count_refusal(self, at: datetime) -> None:
        """One refused attempt (wrong or missing Authorization), counted in its minute."""
        minute = at.replace(second=0, microsecond=0)
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.webhook_refusals (minute, attempts) values (%s, 1)"
                " on conflict (minute) do update"
                " set attempts = public.webhook_refusals.attempts + 1",
                (minute,),
            )

    def add_delivery(
        self,
        *,
        received_at: datetime,
        status: DeliveryStatus,
        size: int,
        body: bytes | None,
        error: str | None = None,
    ) -> int:
        """The delivery's audit row (its counts are set by `claim`); its id."""
        with self._db.connection() as conn:
            row = conn.execute(
                "insert into public.webhook_deliveries (received_at, status, bytes, body, error)"
                " values (%s, %s, %s, %s, %s) returning id",
                (received_at, status, size, body, error),
            ).fetchone()
        assert row is not None  # insert ... returning always returns a row
        return int(row["id"])

    def delivery_body(self, delivery_id: int) -> bytes | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select body from public.webhook_deliveries where id = %s", (delivery_id,)
            ).fetchone()
        return None if row is None or row["body"] is None else bytes(row["body"])

    # -- ingested swaps ---------------------------------------------------------------------
    def claim(
        self,
        swaps: Sequence[Swap],
        *,
        via: IngestVia,
        received_at: datetime,
        delivery: DeliveryCounts | None = None,
    ) -> list[SwapKey]:
        """Record `swaps` as ingested and store them (`public.swaps`, once each); the keys this
        call was first to record (a concurrent claim of the same key waits for the other
        transaction, then gets nothing). For a
        webhook `delivery`, its audit row's counts are set by the same statement (the swaps
        found, the new ones, the items and their errors): one round trip fewer before the
        delivery's answer."""
        if not swaps and delivery is None:
            return []
        keys = [(s.signature, s.wallet, s.token_mint) for s in swaps]
        signatures = [k[0] for k in keys]
        wallets = [k[1] for k in keys]
        mints = [k[2] for k in keys]
        params: dict[str, Any] = {
            "at": received_at,
            "via": via,
            "delivery": delivery.delivery_id if delivery else None,
            "signatures": signatures,
            "wallets": wallets,
            "mints": mints,
        }
        query = _CLAIM
        if delivery is not None:
            query = _CLAIM_COUNTING
            params |= {"items": delivery.items, "found": len(swaps), "error": delivery.error}
        claim = Statement(query, params, _won)
        if not swaps:
            with self._db.connection() as conn:
                return claim.parse(conn.execute(claim.query, claim.params).fetchall())
        # the swaps themselves are stored by the same message (one round trip, not two)
        won, _stored = self._db.run_all(claim, swaps_insert(swaps))
        return won

    def ingested_count(self, *, via: IngestVia | None = None) -> int:
        with self._db.connection() as conn:
            row = conn.execute(
                "select count(*) as n from public.ingested_swaps"
                " where %s::text is null or via = %s",
                (via, via),
            ).fetchone()
        return int(row["n"]) if row else 0

    # -- reconcile cursors ------------------------------------------------------------------
    def cursors(self, addresses: Sequence[str]) -> dict[str, ReconcileCursor]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, last_signature, last_time from public.reconcile_cursors"
                " where address = any(%s)",
                (list(addresses),),
            ).fetchall()
        return {r["address"]: ReconcileCursor(r["last_signature"], r["last_time"]) for r in rows}

    def save_cursor(self, address: str, cursor: ReconcileCursor, *, at: datetime) -> None:
        """Move a wallet's cursor forward (never back, whatever runs concurrently)."""
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.reconcile_cursors"
                " (address, last_signature, last_time, updated_at) values (%s, %s, %s, %s)"
                " on conflict (address) do update set last_signature = excluded.last_signature,"
                " last_time = excluded.last_time, updated_at = excluded.updated_at"
                " where public.reconcile_cursors.last_time <= excluded.last_time",
                (address, cursor.last_signature, cursor.last_time, at),
            )

    # -- housekeeping and the Status tab ----------------------------------------------------
    def purge(self, *, before: datetime) -> int:
        """Delete audit rows and refusal counts older than `before`; how many rows went."""
        with self._db.transaction(), self._db.connection() as conn:
            gone = conn.execute(
                "delete from public.webhook_deliveries where received_at < %s", (before,)
            ).rowcount
            gone += conn.execute(
                "delete from public.webhook_refusals where minute < %s", (before,)
            ).rowcount
        return max(gone, 0)

    def window_counts(self, *, since: datetime) -> dict[str, int]:
        """Deliveries by status, refused attempts and new webhook swaps since `since`."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select"
                " (select count(*) from public.webhook_deliveries where received_at >= %(s)s)"
                "   as deliveries,"
                " (select count(*) from public.webhook_deliveries"
                "   where received_at >= %(s)s and status = 'malformed') as malformed,"
                " (select count(*) from public.webhook_deliveries"
                "   where received_at >= %(s)s and status = 'too_large') as too_large,"
                " (select coalesce(sum(swaps_new), 0) from public.webhook_deliveries"
                "   where received_at >= %(s)s) as swaps_new,"
                " (select coalesce(sum(attempts), 0) from public.webhook_refusals"
                "   where minute >= date_trunc('minute', %(s)s::timestamptz)) as refused",
                {"s": since},
            ).fetchone()
        assert row is not None  # a select of scalars always returns a row
        return {key: int(value) for key, value in row.items()}
