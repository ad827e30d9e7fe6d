"""What the paper ledger reads: positions, filled orders, the followed wallets' swaps on the
tokens we copied, the tokens' last prices, and entry signals with the swaps after them (the
shadow replay). Read-only; the only place the ledger's SQL lives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from psycopg.rows import DictRow

from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.trading import Order, Position
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.wallets import swap_from_row


def _signal(row: DictRow) -> Signal:
    return Signal.model_validate(dict(row) | {"consensus_owners": tuple(row["consensus_owners"])})


@dataclass(frozen=True)
class CopiedBuy:
    """A (followed wallet, token) we copied, from the on-chain time of the first buy copied."""

    wallet: str
    token_mint: str
    since: datetime


class LedgerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def positions(self) -> list[Position]:
        with self._db.connection() as conn:
            rows = conn.execute("select * from public.positions order by opened_at").fetchall()
        return [Position.model_validate(dict(r)) for r in rows]

    def filled_orders(self) -> list[Order]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.orders where status = 'filled' order by executed_at, order_id"
            ).fetchall()
        return [Order.model_validate(dict(r)) for r in rows]

    def copied_buys(self) -> list[CopiedBuy]:
        """Per (wallet, token) of a position that bought something (not failed), the on-chain
        time of the earliest buy copied."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select p.wallet, p.token_mint, min(s.onchain_at) as since"
                " from public.positions p join public.signals s on s.id = p.signal_id"
                " where p.status <> 'failed' group by p.wallet, p.token_mint"
            ).fetchall()
        return [CopiedBuy(r["wallet"], r["token_mint"], r["since"]) for r in rows]

    def swaps_since(self, copied: Sequence[CopiedBuy]) -> dict[str, list[Swap]]:
        """Each copied wallet's stored swaps on each copied token from `since` on, by wallet."""
        if not copied:
            return {}
        with self._db.connection() as conn:
            rows = conn.execute(
                "select sw.* from public.swaps sw"
                " join unnest(%s::text[], %s::text[], %s::timestamptz[]) as c(wallet, mint, since)"
                " on sw.wallet = c.wallet and sw.token_mint = c.mint and sw.ts >= c.since"
                " order by sw.ts, sw.slot",
                (
                    [c.wallet for c in copied],
                    [c.token_mint for c in copied],
                    [c.since for c in copied],
                ),
            ).fetchall()
        out: dict[str, list[Swap]] = {}
        for row in rows:
            out.setdefault(row["wallet"], []).append(swap_from_row(row))
        return out

    def last_prices_sol(self, mints: Sequence[str], *, until: datetime) -> dict[str, Decimal]:
        """Each token's last stored SOL-quoted trade price (SOL per token, UI units) at `until`."""
        if not mints:
            return {}
        with self._db.connection() as conn:
            rows = conn.execute(
                "select distinct on (token_mint) token_mint, quote_amount / token_amount as price"
                " from public.swaps where token_mint = any(%s) and quote_mint = %s"
                " and side in ('buy', 'sell') and ts <= %s"
                " order by token_mint, ts desc, slot desc",
                (list(mints), SOL_MINT, until),
            ).fetchall()
        return {r["token_mint"]: r["price"] for r in rows}

    def entry_signals(self, *, since: datetime | None, limit: int) -> list[Signal]:
        """Entry signals (accepted and rejected), newest first, at most `limit`."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.signals where kind = 'entry'"
                " and (%(since)s::timestamptz is null or onchain_at >= %(since)s)"
                " order by onchain_at desc, id desc limit %(limit)s",
                {"since": since, "limit": limit},
            ).fetchall()
        return [_signal(r) for r in rows]

    def token_swaps_after(
        self, mints: Sequence[str], *, since: datetime, until: datetime
    ) -> dict[str, list[Swap]]:
        """Every stored swap of the tokens in [since, until], oldest first, by token (the
        shadow replay's price tape and the followed wallets' sells)."""
        if not mints:
            return {}
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.swaps where token_mint = any(%s) and ts between %s and %s"
                " order by ts, slot",
                (list(set(mints)), since, until),
            ).fetchall()
        out: dict[str, list[Swap]] = {}
        for row in rows:
            out.setdefault(row["token_mint"], []).append(swap_from_row(row))
        return out
