"""rate_limit_slots: one upstream account's request slots, shared by every process.

Each request reserves the account's next free slot in one atomic statement: the slot is
`max(next_at, now)`, and `next_at` moves one interval past it. The database's own clock
(`clock_timestamp()`, not the transaction's `now()`) times every reservation, so processes on
different machines agree without synchronised clocks. It always runs on a connection of its own
and commits at once: a slot must never wait for the caller's transaction.

The same statement counts the request in `rate_limit_requests` (per account and minute of the
database's clock) and drops that account's counts older than `KEEP_REQUEST_COUNTS`: the
pipeline panel reads them (Helius calls per wallet profile) at no extra round trip.
"""

from __future__ import annotations

from datetime import timedelta

from walltrack.data.postgres.database import Database

KEEP_REQUEST_COUNTS = timedelta(days=1)


class RateLimitSlots:
    def __init__(self, db: Database) -> None:
        self._db = db

    def reserve(self, account: str, *, interval: timedelta) -> float:
        """Reserve the next slot of `account`; the seconds to wait until it comes (≥ 0)."""
        # own: never waits for the caller's commit; a slot lost in a crash is harmless
        done = self._db.relaxed(
            "with counted as ("
            " insert into public.rate_limit_requests as r (account, minute, requests)"
            " values (%(account)s, date_trunc('minute', clock_timestamp()), 1)"
            " on conflict (account, minute) do update set requests = r.requests + 1),"
            " pruned as ("
            " delete from public.rate_limit_requests where account = %(account)s"
            " and minute < clock_timestamp() - %(keep)s)"
            " insert into public.rate_limit_slots as s (account, next_at)"
            " values (%(account)s, clock_timestamp() + %(interval)s)"
            " on conflict (account) do update"
            " set next_at = greatest(s.next_at, clock_timestamp()) + %(interval)s"
            " returning extract(epoch from"
            " (s.next_at - %(interval)s - clock_timestamp()))::float8 as wait_s",
            {"account": account, "interval": interval, "keep": KEEP_REQUEST_COUNTS},
            own=True,
        )
        return max(0.0, float(done.rows[0]["wait_s"])) if done.rows else 0.0
