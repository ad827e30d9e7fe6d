"""positions and risk_refusals (step 7), and the reads the risk rules need: the only place
their SQL lives. The entry order row a new position owes is inserted here too (one statement);
every later write of orders and of a position's fill figures is the orders repository's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from psycopg import sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from walltrack.data.models.risk import OpenExposure, RiskState
from walltrack.data.models.signals import Signal
from walltrack.data.models.trading import Order, Position, RiskRefusal
from walltrack.data.postgres.database import Database, Statement
from walltrack.data.postgres.signals import signal_of

PositionFilter = Literal["open", "closed", "all"]
LIVE = ("opening", "open")

_POSITION_COLUMNS = (
    "position_id", "signal_id", "token_mint", "wallet", "owner_id", "status", "opened_at",
    "size_lamports", "exit_plan",
)  # fmt: skip
_ORDER_COLUMNS = (
    "order_id", "position_id", "side", "reason", "status", "requested_at", "input_mint",
    "output_mint", "amount_in",
)  # fmt: skip
_STATUS: dict[PositionFilter, tuple[str, ...]] = {
    "open": LIVE,
    "closed": ("closed", "failed"),
    "all": ("opening", "open", "closed", "failed"),
}


def _position(row: DictRow) -> Position:
    return Position.model_validate(dict(row))


@dataclass(frozen=True)
class EntryToOpen:
    """What position_open reads of a signal before deciding, in one statement: the signal,
    whether it opened a position or was refused before, and the position live on its token
    if any."""

    signal: Signal
    decided: bool
    live_position_id: UUID | None


_ENTRY_EXTRA = ("decided_before", "live_position_id")


def _order(row: DictRow) -> Order:
    return Order.model_validate(dict(row))


def _insert(table: str, columns: tuple[str, ...], *, skip_conflict: bool = False) -> bytes:
    """The insert statement, composed once at import: composing it (and turning it into
    bytes) on every execute was most of the client's work for the copy loop's inserts."""
    return (
        sql.SQL("insert into {} ({}) values ({}) {}")
        .format(
            sql.Identifier("public", table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(map(sql.Placeholder, columns)),
            sql.SQL("on conflict do nothing" if skip_conflict else ""),
        )
        .as_bytes()
    )


_INSERT_POSITION = _insert("positions", _POSITION_COLUMNS, skip_conflict=True)
_INSERT_ORDER = _insert("orders", _ORDER_COLUMNS)


def _entry(rows: list[DictRow]) -> EntryToOpen | None:
    if not rows:
        return None
    row = rows[0]
    signal = signal_of({k: v for k, v in row.items() if k not in _ENTRY_EXTRA})
    return EntryToOpen(
        signal=signal,
        decided=bool(row["decided_before"]),
        live_position_id=row["live_position_id"],
    )


def _entry_read(signal_id: int) -> Statement[EntryToOpen | None]:
    return Statement(
        "select s.*,"
        " exists (select 1 from public.positions where signal_id = s.id)"
        " or exists (select 1 from public.risk_refusals where signal_id = s.id)"
        " as decided_before,"
        " live.position_id as live_position_id"
        " from public.signals s left join lateral ("
        "select position_id from public.positions"
        " where token_mint = s.token_mint and status in ('opening', 'open') limit 1"
        ") live on true where s.id = %s",
        (signal_id,),
        _entry,
    )


def _risk(starting_lamports: int, rows: list[DictRow]) -> RiskState:
    row = rows[0]
    equity = starting_lamports + int(row["net"]) + int(row["unreal"])
    peak = max(starting_lamports + max(int(row["best"]), 0), equity)
    return RiskState(
        open_positions=[
            OpenExposure(r["token_mint"], r["owner_id"], int(r["c"])) for r in row["live"]
        ],
        equity_lamports=equity,
        peak_equity_lamports=peak,
        realised_today_lamports=int(row["today"]),
        recent_losses=[bool(lost) for lost in row["recent_lost"]],
        last_loss_closed_at=row["last_loss"],
    )


def _risk_read(*, starting_lamports: int, day_start: datetime, streak: int) -> Statement[RiskState]:
    return Statement(
        "select"
        " (select coalesce(json_agg(json_build_object('token_mint', token_mint,"
        "   'owner_id', owner_id, 'c', case when status = 'opening' then size_lamports"
        "   else cost_lamports end)), '[]'::json)"
        "  from public.positions where status in ('opening', 'open')) as live,"
        " t.net, t.unreal, t.today,"
        " (select coalesce(max(running), 0) from ("
        "   select sum(realised_lamports - fees_lamports)"
        "     over (order by closed_at, position_id) as running"
        "   from public.positions where status = 'closed') r) as best,"
        " (select coalesce(array_agg(lost order by closed_at desc, position_id desc),"
        "   '{}') from (select realised_lamports - fees_lamports < 0 as lost,"
        "   closed_at, position_id from public.positions where status = 'closed'"
        "   order by closed_at desc, position_id desc limit %(streak)s) x) as recent_lost,"
        " (select max(closed_at) from (select realised_lamports - fees_lamports < 0"
        "   as lost, closed_at, position_id from public.positions where status = 'closed'"
        "   order by closed_at desc, position_id desc limit %(streak)s) y where lost)"
        "   as last_loss"
        " from (select coalesce(sum(realised_lamports - fees_lamports), 0) as net,"
        "  coalesce(sum(case when status = 'open' and last_price is not null"
        "   then floor(held_units * last_price) - cost_lamports else 0 end), 0) as unreal,"
        "  coalesce(sum(case when status = 'closed' and closed_at >= %(day)s"
        "   then realised_lamports - fees_lamports else 0 end), 0) as today"
        "  from public.positions) t",
        {"day": day_start, "streak": streak},
        lambda rows: _risk(starting_lamports, rows),
    )


class PositionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writing -----------------------------------------------------------------------------
    def insert_position(self, position: Position) -> bool:
        """Store a new (opening) position; False when its signal already has one or its token
        already has a live one (the unique constraints; nothing written)."""
        values: dict[str, Any] = position.model_dump(include=set(_POSITION_COLUMNS))
        values["exit_plan"] = Jsonb(position.exit_plan)
        with self._db.connection() as conn, conn.cursor() as cur:
            cur.execute(_INSERT_POSITION, values)
            return cur.rowcount == 1

    def insert_entry_order(self, order: Order) -> None:
        """The position's pending entry order (raises if the position already has one)."""
        values: dict[str, Any] = order.model_dump(include=set(_ORDER_COLUMNS))
        with self._db.connection() as conn:
            conn.execute(_INSERT_ORDER, values)

    def add_refusal(self, refusal: RiskRefusal) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.risk_refusals (signal_id, token_mint, wallet, rule, detail, at)"
                " values (%(signal_id)s, %(token_mint)s, %(wallet)s, %(rule)s, %(detail)s, %(at)s)",
                refusal.model_dump(),
            )

    # -- reading -----------------------------------------------------------------------------
    def get(self, position_id: UUID) -> Position | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.positions where position_id = %s", (position_id,)
            ).fetchone()
        return _position(row) if row else None

    def entry_and_risk(
        self, signal_id: int, *, starting_lamports: int, day_start: datetime, streak: int
    ) -> tuple[EntryToOpen | None, RiskState]:
        """The signal, whether it was decided before and the live position on its token (None:
        no such signal), and `risk_state`, in one round trip (`Database.run_all`): what
        position_open decides on (the risk state is read for nothing only on a repeat)."""
        return self._db.run_all(
            _entry_read(signal_id),
            _risk_read(starting_lamports=starting_lamports, day_start=day_start, streak=streak),
        )

    def live_on_token(self, token_mint: str) -> Position | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select * from public.positions where token_mint = %s"
                " and status in ('opening', 'open')",
                (token_mint,),
            ).fetchone()
        return _position(row) if row else None

    def page(
        self, status: PositionFilter = "all", *, limit: int = 50, offset: int = 0
    ) -> tuple[list[Position], int]:
        """A page of positions, newest opened first, and how many match."""
        params = {"statuses": list(_STATUS[status]), "limit": limit, "offset": offset}
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.positions where status = any(%(statuses)s)"
                " order by opened_at desc, position_id limit %(limit)s offset %(offset)s",
                params,
            ).fetchall()
            total = conn.execute(
                "select count(*) as n from public.positions where status = any(%(statuses)s)",
                params,
            ).fetchone()
        return [_position(r) for r in rows], int(total["n"]) if total else 0

    def orders_of(self, position_id: UUID) -> list[Order]:
        """The position's orders, oldest requested first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select * from public.orders where position_id = %s"
                " order by requested_at, order_id",
                (position_id,),
            ).fetchall()
        return [_order(r) for r in rows]

    def refusals(self, *, limit: int = 50, offset: int = 0) -> tuple[list[RiskRefusal], int]:
        """Risk refusals, newest first, and how many there are."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select signal_id, token_mint, wallet, rule, detail, at from public.risk_refusals"
                " order by at desc, id desc limit %s offset %s",
                (limit, offset),
            ).fetchall()
            total = conn.execute("select count(*) as n from public.risk_refusals").fetchone()
        return [RiskRefusal.model_validate(dict(r)) for r in rows], int(total["n"]) if total else 0

    # -- the risk rules' reads ---------------------------------------------------------------
    def risk_state(self, *, starting_lamports: int, day_start: datetime, streak: int) -> RiskState:
        """Live exposure, paper equity and its peak, today's net realised PnL and the latest
        closed positions' outcomes.

        Equity = starting + Σ (realised − fees) of every position + the unrealised value of
        held units at their last mark (cost when unmarked). Its peak is the highest of the
        equity after each closed position (realised only) and the equity now. A live
        position's exposure is its cost once filled, its size while the entry is pending.
        """
        read = _risk_read(starting_lamports=starting_lamports, day_start=day_start, streak=streak)
        with self._db.connection() as conn:  # one statement: one round trip on the entry path
            return read.parse(conn.execute(read.query, read.params).fetchall())
