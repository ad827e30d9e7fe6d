"""orders after their creation (step 8), and the position figures a fill or a mark changes:
the only place that SQL lives. A fill updates the order and its position in ONE transaction,
with the position as the application computes it from `walltrack.core.order.fills` (the
ledger identity): the data layer never imports core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from walltrack.data.models.orders import Fill, OrderQuery
from walltrack.data.models.trading import Order, Position
from walltrack.data.postgres.database import Database

_ORDER_COLUMNS = (
    "order_id", "position_id", "side", "reason", "status", "requested_at", "input_mint",
    "output_mint", "amount_in", "fraction",
)  # fmt: skip
_POSITION_FILL_COLUMNS = (
    "status", "held_units", "cost_lamports", "realised_lamports", "fees_lamports",
    "entry_price", "peak_price", "last_price", "last_priced_at", "take_profits_done",
    "closed_at", "close_reason",
)  # fmt: skip


_UPDATE_FILLED_POSITION = (
    sql.SQL("update public.positions set {} where position_id = {} returning *")
    .format(
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
            for c in _POSITION_FILL_COLUMNS
        ),
        sql.Placeholder("position_id"),
    )
    .as_bytes()
)
"""A fill's position update, composed once at import, not on every fill."""


def _order(row: DictRow) -> Order:
    return Order.model_validate(dict(row))


def _position(row: DictRow) -> Position:
    return Position.model_validate(dict(row))


Settle = Callable[[Order, Position, Fill, datetime], Position]
"""The position after the order's fill (the application layer's, from core's arithmetic)."""


@dataclass(frozen=True)
class Filled:
    order: Order
    position: Position


@dataclass(frozen=True)
class SwapPrice:
    """The latest ingested swap on a token, as lamports per token base unit."""

    price: Decimal
    at: datetime


class OrderRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- reading -----------------------------------------------------------------------------
    def get(self, order_id: UUID) -> Order | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.orders where order_id = %s", (order_id,)
            ).fetchone()
        return _order(row) if row else None

    def position(self, position_id: UUID) -> Position | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.positions where position_id = %s", (position_id,)
            ).fetchone()
        return _position(row) if row else None

    def entry_units(self, position_id: UUID) -> int | None:
        """The units the position's entry fill bought (the take-profit ladder's base)."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select filled_out from public.orders where position_id = %s"
                " and side = 'entry' and status = 'filled'",
                (position_id,),
            ).fetchone()
        return int(row["filled_out"]) if row and row["filled_out"] is not None else None

    def open_positions(self) -> list[Position]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.positions where status = 'open'"
                " order by opened_at, position_id"
            ).fetchall()
        return [_position(r) for r in rows]

    def open_positions_of(self, wallet: str, token_mint: str) -> list[Position]:
        """The open positions a wallet's buys opened in one token (what its sell mirrors)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.positions where status = 'open'"
                " and wallet = %s and token_mint = %s order by opened_at, position_id",
                (wallet, token_mint),
            ).fetchall()
        return [_position(r) for r in rows]

    def latest_swap_price(
        self, token_mint: str, *, decimals: int, sol_mint: str
    ) -> SwapPrice | None:
        """The token's latest ingested SOL-quoted swap, in lamports per base unit."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select token_amount, quote_amount, ts from public.swaps"
                " where token_mint = %s and quote_mint = %s order by ts desc limit 1",
                (token_mint, sol_mint),
            ).fetchone()
        if row is None:
            return None
        lamports = Decimal(row["quote_amount"]).scaleb(9)
        units = Decimal(row["token_amount"]).scaleb(decimals)
        return SwapPrice(lamports / units, row["ts"])

    def page(self, query: OrderQuery) -> tuple[list[Order], int]:
        """A page of orders, newest requested first, and how many match."""
        where: list[sql.Composable] = [sql.SQL("true")]
        params: dict[str, Any] = query.model_dump()
        for field in ("side", "status", "position_id"):
            if params[field] is not None:
                where.append(
                    sql.SQL("{} = {}").format(sql.Identifier(field), sql.Placeholder(field))
                )
        condition = sql.SQL(" and ").join(where)
        with self._db.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "select * from public.orders where {} order by requested_at desc,"
                    " order_id desc limit %(limit)s offset %(offset)s"
                ).format(condition),
                params,
            ).fetchall()
            total = conn.execute(
                sql.SQL("select count(*) as n from public.orders where {}").format(condition),
                params,
            ).fetchone()
        return [_order(r) for r in rows], int(total["n"]) if total else 0

    # -- writing -----------------------------------------------------------------------------
    def insert_exit(self, order: Order) -> bool:
        """Store a pending exit order; False (nothing written) when the position already has
        one pending (`orders_one_pending_exit_per_position`): a racing second exit is a no-op."""
        values: dict[str, Any] = order.model_dump(include=set(_ORDER_COLUMNS))
        statement = sql.SQL(
            "insert into public.orders ({}) values ({})"
            " on conflict (position_id) where side = 'exit' and status = 'pending' do nothing"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, _ORDER_COLUMNS)),
            sql.SQL(", ").join(map(sql.Placeholder, _ORDER_COLUMNS)),
        )
        with self._db.connection() as conn, conn.cursor() as cur:
            cur.execute(statement, values)
            return cur.rowcount == 1

    def mark(self, position_id: UUID, *, last: Decimal, peak: Decimal, at: datetime) -> None:
        """The position's latest mark; its peak only ever rises (greatest, in SQL too)."""
        with self._db.connection() as conn:
            conn.execute(
                "update public.positions set last_price = %(last)s, last_priced_at = %(at)s,"
                " peak_price = greatest(coalesce(peak_price, %(peak)s), %(peak)s)"
                " where position_id = %(id)s and status = 'open'",
                {"last": last, "peak": peak, "at": at, "id": position_id},
            )

    def begin_attempt(self, order_id: UUID) -> Order | None:
        """Count one more attempt at the order if it is still pending; the order with its count
        (None: not pending, or not stored). One statement, where reading the order and then
        counting took two on order_execute's path. Not waited for on disk: a count lost in a
        crash of the machine only allows one more attempt."""
        done = self._db.relaxed(
            "update public.orders set attempts = attempts + 1"
            " where order_id = %(id)s and status = 'pending' returning *",
            {"id": order_id},
        )
        return _order(done.rows[0]) if done.rows else None

    def fill(self, order_id: UUID, fill: Fill, *, at: datetime, settle: Settle) -> Filled | None:
        """Fill the pending order and write its position as `settle(order, position, fill, at)`
        computes it (the fill arithmetic, `walltrack.core.order.fills`), in one transaction
        with both rows locked; None when the order is no longer pending."""
        with self._db.transaction(), self._db.connection() as conn:
            # the order's update is its lock and its "still pending" check in one statement;
            # settle reads only what a fill does not change (side, reason)
            filled = conn.execute(
                "update public.orders set status = 'filled', executed_at = %(at)s,"
                " filled_in = %(filled_in)s, filled_out = %(filled_out)s,"
                " price_impact_pct = %(price_impact_pct)s, slippage_bps = %(slippage_bps)s,"
                " route = %(route)s, network_fee_lamports = %(network_fee_lamports)s,"
                " priority_fee_lamports = %(priority_fee_lamports)s,"
                " tip_lamports = %(tip_lamports)s, venue_fees = %(venue_fees)s,"
                " quote = %(quote)s where order_id = %(order_id)s and status = 'pending'"
                " returning *",
                {
                    "at": at,
                    "order_id": order_id,
                    "filled_in": fill.filled_in,
                    "filled_out": fill.filled_out,
                    "price_impact_pct": fill.price_impact_pct,
                    "slippage_bps": fill.slippage_bps,
                    "route": fill.route,
                    "network_fee_lamports": fill.network_fee_lamports,
                    "priority_fee_lamports": fill.priority_fee_lamports,
                    "tip_lamports": fill.tip_lamports,
                    "venue_fees": Jsonb(fill.venue_fees),
                    "quote": Jsonb(fill.quote) if fill.quote is not None else None,
                },
            ).fetchone()
            if filled is None:
                return None
            order = _order(filled)
            held = conn.execute(
                "select * from public.positions where position_id = %s for update",
                (order.position_id,),
            ).fetchone()
            assert held is not None  # orders.position_id references positions
            after = settle(order, _position(held), fill, at)
            values: dict[str, Any] = after.model_dump(include=set(_POSITION_FILL_COLUMNS))
            values["position_id"] = after.position_id
            updated = conn.execute(_UPDATE_FILLED_POSITION, values).fetchone()
            assert updated is not None
        return Filled(order, _position(updated))

    def reject(
        self, order_id: UUID, reason: str, *, at: datetime, quote: dict[str, Any] | None = None
    ) -> Order | None:
        """Reject the pending order with the reason (and the quote it was judged on). A rejected
        entry fails its (opening) position with the same reason, in the same transaction; a
        rejected exit leaves its position open for the monitor's next decision."""
        with self._db.transaction(), self._db.connection() as conn:
            row = conn.execute(
                "update public.orders set status = 'rejected', executed_at = %(at)s,"
                " reject_reason = %(reason)s, quote = coalesce(%(quote)s, quote)"
                " where order_id = %(id)s and status = 'pending' returning *",
                {
                    "at": at,
                    "reason": reason,
                    "id": order_id,
                    "quote": Jsonb(quote) if quote is not None else None,
                },
            ).fetchone()
            if row is None:
                return None
            order = _order(row)
            if order.side == "entry":
                conn.execute(
                    "update public.positions set status = 'failed', closed_at = %(at)s,"
                    " close_reason = %(reason)s"
                    " where position_id = %(id)s and status = 'opening'",
                    {"at": at, "reason": f"entry rejected: {reason}", "id": order.position_id},
                )
        return order


__all__ = ["Filled", "OrderRepository", "Settle", "SwapPrice"]
