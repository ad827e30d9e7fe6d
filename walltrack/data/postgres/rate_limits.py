"""rate_limit_slots: one upstream account's request slots, shared by every process.

Each request reserves the account's next free slot in one atomic statement: the slot is
`max(next_at, now)`, and `next_at` moves one interval past it. The database's own clock
(`clock_timestamp()`, not the transaction's `now()`) times every reservation, so processes on
different machines agree without synchronised clocks. It always runs on a connection of its own
and commits at once: a slot must never wait for the caller's transaction.
"""

from __future__ import annotations

from datetime import timedelta

from walltrack.data.postgres.database import Database


class RateLimitSlots:
    def __init__(self, db: Database) -> None:
        self._db = db

    def reserve(self, account: str, *, interval: timedelta) -> float:
        """Reserve the next slot of `account`; the seconds to wait until it comes (≥ 0)."""
        with self._db.own_connection() as conn:
            row = conn.execute(
                "insert into public.rate_limit_slots as s (account, next_at)"
                " values (%(account)s, clock_timestamp() + %(interval)s)"
                " on conflict (account) do update"
                " set next_at = greatest(s.next_at, clock_timestamp()) + %(interval)s"
                " returning extract(epoch from"
                " (s.next_at - %(interval)s - clock_timestamp()))::float8 as wait_s",
                {"account": account, "interval": interval},
            ).fetchone()
        return max(0.0, float(row["wait_s"])) if row else 0.0
