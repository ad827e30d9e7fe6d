"""swaps, token_trade_syncs, wallets, wallet_discoveries, wallet_profiles: the only place their SQL
lives. Amounts go in and out as exact decimals (numeric without a scale limit)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import Connection, sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range
from pydantic import TypeAdapter

from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import BuySizes, WalletProfile
from walltrack.data.models.wallet_discovery import (
    TimeSpan,
    TokenTradeSync,
    WalletCandidate,
    WalletQuery,
    WalletSummary,
)
from walltrack.data.postgres.database import Database, Statement
from walltrack.data.postgres.paging import fetch_page

_SUMMARY_FIELDS = (
    "score",
    "confidence",
    "realised_pnl_sol",
    "unrealised_pnl_sol",
    "win_rate",
    "median_hold_seconds",
    "trades",
    "tokens",
    "copy_edge",
    "score_edge",
    "copy_win_rate",
    "is_bot",
    "bot_flags",
    "partial",
    "qualified",
    "qualification",
)
_FOLLOWABLE = "(coalesce(qualified, false) and is_bot is false)"
"""A wallet the product would follow: qualified (which excludes bots) and not flagged."""


def _buy_sizes(rows: list[DictRow]) -> BuySizes | None:
    if not rows:
        return None
    average = rows[0]["average"]
    return BuySizes(
        tuple(Decimal(v) for v in rows[0]["per_buy"]),
        Decimal(average) if average is not None else None,
    )


def buy_sizes_read(wallet: str) -> Statement[BuySizes | None]:
    """`buy_sizes` of the wallet's latest profile, summed in SQL: a buy signal needs these
    numbers only, and reading (and validating) the whole profile of an active wallet, every
    round trip of it, costs milliseconds on the copy loop's path (~1 ms per 500 trips to
    validate alone, ~270 kB to send)."""
    return Statement(
        "select array(select sum((t->>'cost_sol')::numeric)::text"
        " from jsonb_array_elements(p.profile->'round_trips') t"
        " group by t->>'buy_signature') as per_buy,"
        " p.profile->>'average_buy_sol' as average"
        " from public.wallet_profiles p where p.wallet = %s"
        " order by p.profiled_at desc limit 1",
        (wallet,),
        _buy_sizes,
    )


def swaps_insert(swaps: Sequence[Swap]) -> Statement[None]:
    """Store `swaps` once each (signature + wallet + mint), one statement over arrays (for
    `add_swaps`, and for ingest, which sends it with its claim: `Database.run_all`)."""
    rows = [
        (s.signature, s.wallet, s.token_mint, s.side, s.token_amount, s.quote_mint,
         s.quote_amount, s.source, s.timestamp, s.slot)
        for s in swaps
    ]  # fmt: skip
    columns: list[list[Any]] = [[row[i] for row in rows] for i in range(10)]
    return Statement(
        "insert into public.swaps (signature, wallet, token_mint, side, token_amount,"
        " quote_mint, quote_amount, source, ts, slot)"
        " select * from unnest(%s::text[], %s::text[], %s::text[], %s::text[],"
        " %s::numeric[], %s::text[], %s::numeric[], %s::text[], %s::timestamptz[],"
        " %s::bigint[])"
        " on conflict (signature, wallet, token_mint) do nothing",
        columns,
        lambda _rows: None,
    )


def swap_from_row(row: DictRow) -> Swap:
    """A `swaps` row as the model (every module reading that table maps it here)."""
    return Swap(
        signature=row["signature"],
        wallet=row["wallet"],
        side=row["side"],
        token_mint=row["token_mint"],
        token_amount=row["token_amount"],
        quote_mint=row["quote_mint"],
        quote_amount=row["quote_amount"],
        source=row["source"],
        timestamp=row["ts"],
        slot=row["slot"],
    )


def _summary_fields(row: DictRow, found: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A wallets row (and its discoveries) as `WalletSummary`'s fields, for one validation call
    per wallet or per page."""
    fields = {k: row[k] for k in _SUMMARY_FIELDS}
    fields.update(
        address=row["address"],
        status=row["status"],
        first_seen_at=row["first_seen_at"],
        profile_requested_at=row["profile_requested_at"],
        profiled_at=row["profiled_at"],
        error=row["error"],
        malformed_transactions=row["malformed_transactions"],
        discovered_from=found,
    )
    return fields


_SUMMARIES = TypeAdapter(list[WalletSummary])
"""A page validated in one pydantic-core call rather than model by model (as for tokens)."""


class WalletRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- swaps and trade syncs ------------------------------------------------------------

    def add_swaps(self, swaps: Sequence[Swap]) -> int:
        """Store swaps once each (signature + wallet + mint); returns how many were new."""
        if not swaps:
            return 0
        insert = swaps_insert(swaps)
        # One statement over arrays: fast, and rowcount says how many were new.
        with self._db.connection() as conn, conn.cursor() as cur:
            cur.execute(insert.query, insert.params)
            return max(cur.rowcount, 0)

    def token_swaps(self, mint: str, *, since: datetime | None, limit: int) -> list[Swap]:
        """The newest `limit` swaps on a token since `since`, oldest first. Swaps in one slot
        come in signature order: the order within a slot is not stored, and a price read at a
        time takes the first print there, so it must not depend on which read stored what
        first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from (select * from public.swaps"
                " where token_mint = %s and (%s::timestamptz is null or ts >= %s)"
                " order by ts desc, slot desc, signature desc, wallet desc limit %s) newest"
                " order by ts, slot, signature, wallet",
                (mint, since, since, limit),
            ).fetchall()
        return [swap_from_row(r) for r in rows]

    def token_swap_count(self, mint: str) -> int:
        """How many swaps are stored on a token (they are only ever added: a price tape built
        from them is current while this count is unchanged)."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select count(*) as n from public.swaps where token_mint = %s", (mint,)
            ).fetchone()
        return int(row["n"]) if row else 0

    def wallet_swaps(
        self, wallet: str, *, since: datetime | None, until: datetime | None = None
    ) -> list[Swap]:
        """The wallet's stored swaps in [since, until] (either end open when None), oldest
        first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.swaps where wallet = %(wallet)s"
                " and (%(since)s::timestamptz is null or ts >= %(since)s)"
                " and (%(until)s::timestamptz is null or ts <= %(until)s)"
                " order by ts, slot",
                {"wallet": wallet, "since": since, "until": until},
            ).fetchall()
        return [swap_from_row(r) for r in rows]

    def trade_sync(self, mint: str) -> TokenTradeSync | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select mint, fetched_at, newest_signature, transactions, swaps, partial,"
                " covered from public.token_trade_syncs where mint = %s",
                (mint,),
            ).fetchone()
        if row is None:
            return None
        spans = tuple(TimeSpan(r.lower, r.upper) for r in row["covered"] if r.upper is not None)
        return TokenTradeSync.model_validate(dict(row) | {"covered": spans})

    def save_trade_sync(self, sync: TokenTradeSync) -> None:
        """Add one read of a token's trades: counts summed, covered ranges united (in one
        statement, so concurrent reads of one token never drop each other's ranges)."""
        covered = Multirange(Range(s.start, s.end, "[)") for s in sync.covered)
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.token_trade_syncs"
                " (mint, fetched_at, newest_signature, transactions, swaps, partial, covered)"
                " values (%(mint)s, %(fetched_at)s, %(newest_signature)s, %(transactions)s,"
                " %(swaps)s, %(partial)s, %(covered)s::tstzmultirange)"
                " on conflict (mint) do update set"
                " fetched_at = greatest(token_trade_syncs.fetched_at, excluded.fetched_at),"
                " newest_signature = coalesce(excluded.newest_signature,"
                " token_trade_syncs.newest_signature),"
                " transactions = token_trade_syncs.transactions + excluded.transactions,"
                " swaps = token_trade_syncs.swaps + excluded.swaps,"
                " partial = excluded.partial,"
                " covered = token_trade_syncs.covered + excluded.covered",
                sync.model_dump(exclude={"covered"}) | {"covered": covered},
            )

    # --- candidates --------------------------------------------------------------------------

    def add_candidates(
        self, candidates: Sequence[WalletCandidate], *, at: datetime, profiled_before: datetime
    ) -> list[str]:
        """Store candidates with why they were found; the wallets to profile now: new ones and
        those whose profile (or last request) is older than `profiled_before`. Their request
        time is stamped here, so a token found twice does not queue its wallets twice."""
        if not candidates:
            return []
        wallets = list(dict.fromkeys(c.wallet for c in candidates))
        with self._db.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "insert into public.wallets (address, first_seen_at) values (%s, %s)"
                " on conflict (address) do nothing",
                [(w, at) for w in wallets],
            )
            cur.executemany(
                "insert into public.wallet_discoveries (wallet, mint, reasons, first_buy_at,"
                " bought_sol, realised_pnl_sol, trades, discovered_at)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s)"
                " on conflict (wallet, mint) do update set reasons = excluded.reasons,"
                " first_buy_at = excluded.first_buy_at, bought_sol = excluded.bought_sol,"
                " realised_pnl_sol = excluded.realised_pnl_sol, trades = excluded.trades",
                [
                    (c.wallet, c.mint, list(c.reasons), c.first_buy_at, c.bought_sol,
                     c.realised_pnl_sol, c.trades, at)
                    for c in candidates
                ],
            )  # fmt: skip
            rows = cur.execute(
                "update public.wallets set profile_requested_at = %s"
                " where address = any(%s)"
                " and coalesce(greatest(profiled_at, profile_requested_at), '-infinity')"
                " < %s"
                " returning address",
                (at, wallets, profiled_before),
            ).fetchall()
        due = {r["address"] for r in rows}
        return [w for w in wallets if w in due]

    # --- profiles ----------------------------------------------------------------------------

    def save_profile(self, profile: WalletProfile, *, malformed_transactions: int) -> None:
        """Keep the whole profile and put its headline figures on the wallet row."""
        copy = profile.copyability
        values: dict[str, Any] = {
            "address": profile.wallet,
            "at": profile.profiled_at,
            "profile": Jsonb(profile.model_dump(mode="json")),
            "score": profile.score,
            "confidence": profile.breakdown.confidence,
            "realised_pnl_sol": profile.realised_pnl_sol,
            "unrealised_pnl_sol": profile.unrealised_pnl_sol,
            "win_rate": profile.win_rate,
            "median_hold_seconds": profile.median_hold_seconds,
            "trades": profile.trades,
            "tokens": profile.tokens,
            "copy_edge": copy.edge,
            "score_edge": copy.capped_edge,
            "copy_win_rate": copy.win_rate,
            "is_bot": profile.is_bot,
            "bot_flags": [f.kind for f in profile.bot_flags],
            "partial": profile.partial,
            "qualified": profile.qualified,
            "qualification": list(profile.qualification),
            "malformed": malformed_transactions,
        }
        with self._db.connection() as conn, conn.transaction():
            conn.execute(
                "insert into public.wallets (address, first_seen_at) values (%(address)s, %(at)s)"
                " on conflict (address) do nothing",
                values,
            )
            conn.execute(
                "insert into public.wallet_profiles (wallet, profiled_at, profile)"
                " values (%(address)s, %(at)s, %(profile)s)"
                " on conflict (wallet, profiled_at) do update set profile = excluded.profile",
                values,
            )
            conn.execute(
                """
                update public.wallets set status = 'profiled', profiled_at = %(at)s,
                    error = null, score = %(score)s, confidence = %(confidence)s,
                    realised_pnl_sol = %(realised_pnl_sol)s,
                    unrealised_pnl_sol = %(unrealised_pnl_sol)s, win_rate = %(win_rate)s,
                    median_hold_seconds = %(median_hold_seconds)s, trades = %(trades)s,
                    tokens = %(tokens)s, copy_edge = %(copy_edge)s,
                    score_edge = %(score_edge)s, copy_win_rate = %(copy_win_rate)s,
                    is_bot = %(is_bot)s,
                    bot_flags = %(bot_flags)s, partial = %(partial)s,
                    qualified = %(qualified)s, qualification = %(qualification)s,
                    malformed_transactions = %(malformed)s
                where address = %(address)s
                """,
                values,
            )

    def mark_failed(self, wallet: str, error: str) -> None:
        """A profile attempt failed: shown on the row; an earlier profile's figures stay."""
        with self._db.connection() as conn:
            conn.execute(
                "update public.wallets set error = %s,"
                " status = case when profiled_at is null then 'failed' else status end"
                " where address = %s",
                (error[:500], wallet),
            )

    def latest_buy_sizes(self, wallet: str) -> BuySizes | None:
        """`buy_sizes` of the wallet's latest profile (`buy_sizes_read`)."""
        read = buy_sizes_read(wallet)
        with self._db.connection() as conn:
            return read.parse(conn.execute(read.query, read.params).fetchall())

    def latest_profile(self, wallet: str) -> WalletProfile | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select profile from public.wallet_profiles where wallet = %s"
                " order by profiled_at desc limit 1",
                (wallet,),
            ).fetchone()
        return WalletProfile.model_validate(row["profile"]) if row else None

    # --- reading -----------------------------------------------------------------------------

    def get(self, address: str) -> WalletSummary | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.wallets where address = %s", (address,)
            ).fetchone()
            if row is None:
                return None
            found = _found(conn, [address])
        return WalletSummary.model_validate(_summary_fields(row, found.get(address, [])))

    def page(self, query: WalletQuery) -> tuple[list[WalletSummary], int, int]:
        """A page of wallets, the total matching, and how many in the scope await a profile
        (the token's, or all: a candidate has no flags or qualification yet, so those filters
        would always count 0)."""
        where = [sql.SQL("true")]
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        if query.token:
            where.append(
                sql.SQL(
                    "address in (select wallet from public.wallet_discoveries"
                    " where mint = %(token)s)"
                )
            )
            params["token"] = query.token
        pending_scope = sql.SQL(" and ").join(where)
        if query.flags == "bot":
            where.append(sql.SQL("is_bot"))
        elif query.flags == "clean":
            where.append(sql.SQL("is_bot is false"))
        if query.qualified is not None:
            where.append(sql.SQL("qualified = %(qualified)s"))
            params["qualified"] = query.qualified
        scope = sql.SQL(" and ").join(where)
        condition = scope
        if query.status:
            condition = sql.SQL(" and ").join([scope, sql.SQL("status = %(status)s")])
            params["status"] = query.status
        with self._db.connection() as conn:
            if query.sort == "rank":
                rows, total = _ranked_page(conn, condition, params, descending=query.descending)
            else:
                rows, total = fetch_page(
                    conn,
                    table="wallets",
                    condition=condition,
                    sort=query.sort,
                    descending=query.descending,
                    tiebreak="address",
                    params=params,
                )
            pending = conn.execute(
                sql.SQL(
                    "select count(*) as n from public.wallets where {} and status = 'candidate'"
                ).format(pending_scope),
                params,
            ).fetchone()
            found = _found(conn, [r["address"] for r in rows])
        items = _SUMMARIES.validate_python(
            [_summary_fields(r, found.get(r["address"], [])) for r in rows]
        )
        return items, total, int(pending["n"]) if pending else 0


def _ranked_page(
    conn: Connection[DictRow],
    condition: sql.Composable,
    params: dict[str, Any],
    *,
    descending: bool,
) -> tuple[list[DictRow], int]:
    """`rank` order (fetch_page sorts by one column): the wallets the product would follow
    first, then the others, each group by score (nulls last), then address."""
    direction = sql.SQL("desc" if descending else "asc")
    order = sql.SQL("{} {}, score {} nulls last, address").format(
        sql.SQL(_FOLLOWABLE), direction, direction
    )
    rows = conn.execute(
        sql.SQL(
            "select * from public.wallets where {} order by {} limit %(limit)s offset %(offset)s"
        ).format(condition, order),
        params,
    ).fetchall()
    total = conn.execute(
        sql.SQL("select count(*) as n from public.wallets where {}").format(condition), params
    ).fetchone()
    return rows, int(total["n"]) if total else 0


def _found(conn: Connection[DictRow], wallets: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each wallet's discoveries (`DiscoveredFrom`'s fields), oldest first; read on the caller's
    connection (one pool checkout and commit per request, not two)."""
    if not wallets:
        return {}
    rows = conn.execute(
        "select wallet, mint, reasons, first_buy_at, realised_pnl_sol"
        " from public.wallet_discoveries where wallet = any(%s)"
        " order by discovered_at, mint",
        (list(wallets),),
    ).fetchall()
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        found[r["wallet"]].append(
            {
                "mint": r["mint"],
                "reasons": r["reasons"],
                "first_buy_at": r["first_buy_at"],
                "realised_pnl_sol": r["realised_pnl_sol"],
            }
        )
    return found
