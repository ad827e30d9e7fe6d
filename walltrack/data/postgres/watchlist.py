"""watchlist, watchlist_overrides, watchlist_versions, watchlist_changes, watchlist_webhooks,
watchlist_sync: the only place their SQL lives (step 5). The candidates are read from the
wallets' rows (their latest profile's headline figures and their owner, step 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.rows import DictRow

from walltrack.data.models.watchlist import (
    OverrideKind,
    WatchlistCandidate,
    WatchlistChange,
    WatchlistDecision,
    WatchlistEntry,
    WatchlistOverride,
    WatchlistSyncResult,
    WebhookShard,
)
from walltrack.data.postgres.database import Database


class WatchlistRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- what the selection reads -------------------------------------------------------------

    def candidates(self) -> list[WatchlistCandidate]:
        """Every profiled wallet, and every wallet with an active pin or ban."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, owner_id, score, confidence, qualified, qualification,"
                " bot_flags from public.wallets w where status = 'profiled' or exists ("
                " select 1 from public.watchlist_overrides o"
                " where o.address = w.address and o.removed_at is null)"
            ).fetchall()
        return [
            WatchlistCandidate(
                address=r["address"],
                owner_id=r["owner_id"],
                score=r["score"],
                confidence=r["confidence"],
                qualified=r["qualified"],
                qualification=tuple(r["qualification"] or ()),
                bot_flags=tuple(r["bot_flags"] or ()),
            )
            for r in rows
        ]

    def wallet_known(self, address: str) -> bool:
        with self._db.connection() as conn:
            row = conn.execute(
                "select 1 from public.wallets where address = %s", (address,)
            ).fetchone()
        return row is not None

    # --- pins and bans ---------------------------------------------------------------------------

    def overrides(self) -> dict[str, list[WatchlistOverride]]:
        """The active pins and bans, by address."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.watchlist_overrides where removed_at is null order by id"
            ).fetchall()
        out: dict[str, list[WatchlistOverride]] = defaultdict(list)
        for row in rows:
            out[row["address"]].append(_override(row))
        return dict(out)

    def add_override(
        self, address: str, kind: OverrideKind, *, by: str, reason: str, at: datetime
    ) -> WatchlistOverride:
        """Pin or ban `address`; an active one of the same kind is closed first (kept as
        history), so the latest who/when/why is the one in force."""
        with self._db.connection() as conn, conn.transaction():
            conn.execute(
                "update public.watchlist_overrides set removed_at = %s, removed_by = %s"
                " where address = %s and kind = %s and removed_at is null",
                (at, by, address, kind),
            )
            conn.execute(
                "insert into public.watchlist_overrides (address, kind, created_by, reason,"
                " created_at) values (%s, %s, %s, %s, %s)",
                (address, kind, by, reason, at),
            )
        return WatchlistOverride(address=address, kind=kind, by=by, at=at, reason=reason)

    def remove_override(self, address: str, kind: OverrideKind, *, by: str, at: datetime) -> bool:
        """Lift an active pin or ban (kept as history); False when there was none."""
        with self._db.connection() as conn:
            cur = conn.execute(
                "update public.watchlist_overrides set removed_at = %s, removed_by = %s"
                " where address = %s and kind = %s and removed_at is null",
                (at, by, address, kind),
            )
            return cur.rowcount > 0

    def override_history(self, address: str) -> list[dict[str, Any]]:
        """Every pin and ban of `address`, newest first (who/when/why, and who lifted it)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select kind, created_by, reason, created_at, removed_by, removed_at"
                " from public.watchlist_overrides where address = %s order by id desc",
                (address,),
            ).fetchall()
        return [dict(r) for r in rows]

    # --- entries and versions -----------------------------------------------------------------

    def judged(self) -> dict[str, WatchlistDecision]:
        """Each judged address's decision as stored (what a rebuild compares against)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address, owner_id, score, confidence, listed, reason, rank, pinned,"
                " banned from public.watchlist"
            ).fetchall()
        return {r["address"]: WatchlistDecision.model_validate(dict(r)) for r in rows}

    def current_version(self) -> int:
        with self._db.connection() as conn:
            row = conn.execute(
                "select coalesce(max(version), 0) as v from public.watchlist_versions"
            ).fetchone()
        return int(row["v"]) if row else 0

    def save_rebuild(
        self,
        decisions: Sequence[WatchlistDecision],
        changes: Sequence[WatchlistChange],
        *,
        version: int,
        listed: int,
        at: datetime,
    ) -> None:
        """Write the decisions that differ from the stored ones and, when any wallet went on or
        off the list, the new version (`listed` wallets followed) with its changes; in the
        caller's transaction (the job opens one). An entry's `version`/`changed_at` move only
        when it goes on or off the list; its reason and figures are always the latest."""
        flipped = {c.address for c in changes}
        with self._db.transaction(), self._db.connection() as conn, conn.cursor() as cur:
            if changes:
                cur.execute(
                    "insert into public.watchlist_versions (version, at, changes, listed)"
                    " values (%s, %s, %s, %s)",
                    (version, at, len(changes), listed),
                )
                cur.executemany(
                    "insert into public.watchlist_changes (version, address, listed_before,"
                    " listed_after, reason, at) values (%s, %s, %s, %s, %s, %s)",
                    [
                        (c.version, c.address, c.listed_before, c.listed_after, c.reason, c.at)
                        for c in changes
                    ],
                )
            cur.executemany(
                "insert into public.watchlist (address, listed, owner_id, reason, changed_at,"
                " score, confidence, rank, pinned, banned, version)"
                " values (%(address)s, %(listed)s, %(owner_id)s, %(reason)s, %(at)s, %(score)s,"
                " %(confidence)s, %(rank)s, %(pinned)s, %(banned)s, %(version)s)"
                " on conflict (address) do update set listed = excluded.listed,"
                " owner_id = excluded.owner_id, reason = excluded.reason,"
                " score = excluded.score, confidence = excluded.confidence,"
                " rank = excluded.rank, pinned = excluded.pinned, banned = excluded.banned,"
                " changed_at = case when %(flipped)s then excluded.changed_at"
                "   else public.watchlist.changed_at end,"
                " version = case when %(flipped)s then excluded.version"
                "   else public.watchlist.version end",
                [
                    d.model_dump(include={"address", "listed", "owner_id", "reason", "score"})
                    | {
                        "confidence": d.confidence,
                        "rank": d.rank,
                        "pinned": d.pinned,
                        "banned": d.banned,
                        "at": at,
                        "version": version,
                        "flipped": d.address in flipped,
                    }
                    for d in decisions
                ],
            )

    def listed_addresses(self) -> list[str]:
        """The addresses step 6 follows, best ranked first (pins after the ranked)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select address from public.watchlist where listed"
                " order by rank nulls last, address"
            ).fetchall()
        return [r["address"] for r in rows]

    def entries(
        self, *, listed: bool | None, limit: int, offset: int
    ) -> tuple[list[WatchlistEntry], int]:
        """A page of entries (listed first by rank, then the rest by score) and the total."""
        where = sql.SQL("true") if listed is None else sql.SQL("listed = %(listed)s")
        params: dict[str, Any] = {"limit": limit, "offset": offset, "listed": listed}
        with self._db.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "select * from public.watchlist where {} order by listed desc,"
                    " rank nulls last, score desc nulls last, address"
                    " limit %(limit)s offset %(offset)s"
                ).format(where),
                params,
            ).fetchall()
            count = conn.execute(
                sql.SQL("select count(*) as n from public.watchlist where {}").format(where),
                params,
            ).fetchone()
            total = int(count["n"]) if count else 0
            overrides = _active_overrides(conn, [r["address"] for r in rows])
        return [_entry(r, overrides.get(r["address"])) for r in rows], total

    def entry(self, address: str) -> WatchlistEntry | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.watchlist where address = %s", (address,)
            ).fetchone()
            if row is None:
                return None
            overrides = _active_overrides(conn, [address])
        return _entry(row, overrides.get(address))

    def changes(self, *, address: str | None = None, limit: int = 100) -> list[WatchlistChange]:
        """The latest changes, newest first (of one address when given)."""
        where = "where address = %(address)s" if address else ""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"select * from public.watchlist_changes {where}"  # noqa: S608 - fixed text
                " order by version desc, address limit %(limit)s",
                {"address": address, "limit": limit},
            ).fetchall()
        return [WatchlistChange.model_validate(dict(r)) for r in rows]

    # --- webhooks and the last sync ------------------------------------------------------------

    def save_sync(self, shards: Sequence[WebhookShard], result: WatchlistSyncResult) -> None:
        """The webhooks as this sync left them (replacing the last sync's) and its outcome."""
        with self._db.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute("delete from public.watchlist_webhooks")
            cur.executemany(
                "insert into public.watchlist_webhooks (webhook_id, addresses, synced_at,"
                " state, error) values (%s, %s, %s, %s, %s)",
                [(s.webhook_id, s.addresses, s.synced_at, s.state, s.error) for s in shards],
            )
            cur.execute(
                "insert into public.watchlist_sync (id, at, version, state, listed, created,"
                " replaced, deleted, kept, error) values (true, %(at)s, %(version)s,"
                " %(state)s, %(listed)s, %(created)s, %(replaced)s, %(deleted)s, %(kept)s,"
                " %(error)s) on conflict (id) do update set at = excluded.at,"
                " version = excluded.version, state = excluded.state,"
                " listed = excluded.listed, created = excluded.created,"
                " replaced = excluded.replaced, deleted = excluded.deleted,"
                " kept = excluded.kept, error = excluded.error",
                result.model_dump(),
            )

    def save_sync_failure(self, result: WatchlistSyncResult) -> None:
        """A sync that failed before it knew the webhooks: its outcome only."""
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.watchlist_sync (id, at, version, state, listed, error)"
                " values (true, %(at)s, %(version)s, %(state)s, %(listed)s, %(error)s)"
                " on conflict (id) do update set at = excluded.at, version = excluded.version,"
                " state = excluded.state, listed = excluded.listed, created = 0, replaced = 0,"
                " deleted = 0, kept = 0, error = excluded.error",
                result.model_dump(),
            )

    def shards(self) -> list[WebhookShard]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.watchlist_webhooks order by webhook_id"
            ).fetchall()
        return [WebhookShard.model_validate(dict(r)) for r in rows]

    def last_sync(self) -> WatchlistSyncResult | None:
        with self._db.connection() as conn:
            row = conn.execute("select * from public.watchlist_sync").fetchone()
        if row is None:
            return None
        return WatchlistSyncResult.model_validate({k: v for k, v in row.items() if k != "id"})


def _override(row: DictRow) -> WatchlistOverride:
    return WatchlistOverride(
        address=row["address"],
        kind=row["kind"],
        by=row["created_by"],
        at=row["created_at"],
        reason=row["reason"],
    )


def _active_overrides(conn: Any, addresses: list[str]) -> dict[str, WatchlistOverride]:
    """Each address's active ban, else its active pin (the one that decides)."""
    if not addresses:
        return {}
    rows = conn.execute(
        "select * from public.watchlist_overrides where address = any(%s)"
        " and removed_at is null order by (kind = 'ban'), id",
        (addresses,),
    ).fetchall()
    return {row["address"]: _override(row) for row in rows}  # a ban, last, wins


def _entry(row: DictRow, override: WatchlistOverride | None) -> WatchlistEntry:
    return WatchlistEntry(
        address=row["address"],
        owner_id=row["owner_id"],
        score=row["score"],
        confidence=row["confidence"],
        listed=row["listed"],
        reason=row["reason"],
        rank=row["rank"],
        pinned=row["pinned"],
        banned=row["banned"],
        version=row["version"],
        changed_at=row["changed_at"],
        override=override,
    )
