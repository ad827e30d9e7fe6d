"""Step 8 as use cases: fill paper orders from Jupiter quotes (`OrderJobs`), and decide exits
(`ExitJobs`: the monitor's tick, an exit signal's mirror-sell, a manual close).

An order is filled from a quote taken when it is processed (`core.order.entry`); the fill and
its position's figures commit in one transaction (`OrderRepository.fill`). When Jupiter is
down (5xx, timeout, connection refused, any answer that is not a quote nor "no route") an ENTRY
is rejected with the reason — a late entry is not the trade the signal was — while an EXIT
raises, so SQS retries it; after `exit_retry_limit` attempts it is rejected with the reason and
its position stays open for the monitor's next decision.

Exits run whatever the kill switch says (risk rules only block entries) and need no UI: the
monitor ticks on the schedule, mirror-sells come from the exit_check queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from walltrack.app.ports import StepPorts
from walltrack.core.order.entry import NoRoute, paper_fill
from walltrack.core.order.exit import ExitDecision, check, mirror_sell, share_of_holding
from walltrack.core.order.fills import apply_entry_fill, apply_exit_fill
from walltrack.data.models.jupiter import Quote
from walltrack.data.models.messages import ExitCheckRequested, OrderExecuteRequested
from walltrack.data.models.orders import Fill
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading import ExitReason, Order, Position
from walltrack.data.models.trading_settings import ExitSettings, OrderSettings
from walltrack.data.postgres.orders import OrderRepository
from walltrack.data.postgres.signals import SignalRepository
from walltrack.errors import ConflictError, NotFoundError
from walltrack.log import get_logger
from walltrack.services.errors import ServiceError
from walltrack.services.jupiter.client import NoRouteError

log = get_logger(component="orders")


class OrderNotFoundError(NotFoundError):
    """An order_execute message names an order that is not stored."""


class PositionNotFoundError(NotFoundError):
    """No position has this id."""


class PositionNotOpenError(ConflictError):
    """The position holds nothing to sell now (not open, or an exit of it is pending)."""


class SignalNotFoundError(NotFoundError):
    """An exit_check message names a signal that is not stored."""


class ExitPendingError(ConflictError):
    """A mirror-sell found another exit of the position pending: retried once that one is
    done (SQS), so the followed wallet's sell is not dropped."""


class ExitQuoteUnavailableError(ServiceError):
    """An exit's quote failed; raised so SQS retries the order (attempts counted)."""


@dataclass
class ExitTickReport:
    marked: int = 0
    exits: list[UUID] = field(default_factory=list)
    unpriced: int = 0


def settle(order: Order, position: Position, fill: Fill, at: datetime) -> Position:
    """The position after `order`'s fill: the contract's arithmetic (core.order.fills)."""
    if order.side == "entry":
        return apply_entry_fill(
            position,
            filled_in=fill.filled_in,
            filled_out=fill.filled_out,
            fees_lamports=fill.fees_lamports,
            at=at,
        )
    return apply_exit_fill(
        position,
        sold_units=fill.filled_in,
        filled_out=fill.filled_out,
        fees_lamports=fill.fees_lamports,
        reason=order.reason,
        at=at,
    )


class OrderJobs:
    def __init__(self, ports: StepPorts, *, orders: OrderRepository) -> None:
        self._ports = ports
        self._orders = orders

    def execute(self, message: OrderExecuteRequested) -> None:
        """The order_execute consumer's job."""
        self.process(message)

    def process(self, message: OrderExecuteRequested) -> Order | None:
        """Fill the pending order or reject it; the order as it ends."""
        order = self._orders.begin_attempt(message.order_id)
        if order is None:
            settled = self._orders.get(message.order_id)
            if settled is None:
                raise OrderNotFoundError(f"order {message.order_id} is not stored")
            log.info(
                "order no longer pending; skipped",
                order_id=str(settled.order_id),
                status=settled.status,
            )
            return settled
        bound = log.bind(order_id=str(order.order_id), side=order.side, reason=order.reason)
        settings = self._ports.steps.typed(OrderSettings)
        attempts = order.attempts
        now = self._ports.clock.now()
        amount = order.amount_in
        if order.side == "exit":
            position = self._orders.position(order.position_id)  # an entry's needs no read
            if position is None or position.status != "open" or position.held_units == 0:
                return self._orders.reject(order.order_id, "nothing held to sell", at=now)
            amount = min(amount, position.held_units)
        try:
            quote: Quote | NoRoute = self._ports.markets.run(
                lambda market: market.quotes.quote(
                    order.input_mint, order.output_mint, amount, settings.slippage_bps
                )
            )
        except NoRouteError as exc:
            quote = NoRoute(str(exc))
        except ServiceError as exc:
            return self._unavailable(order, exc, attempts=attempts, settings=settings)
        quoted_at = self._ports.clock.now()
        result = paper_fill(
            order.model_copy(update={"amount_in": amount}),
            quote,
            quoted_at=quoted_at,
            now=self._ports.clock.now(),
            settings=settings,
        )
        if isinstance(result, Fill):
            filled = self._orders.fill(order.order_id, result, at=quoted_at, settle=settle)
            if filled is None:
                bound.info("order settled meanwhile; nothing filled")
                return self._orders.get(order.order_id)
            bound.info(
                "order filled",
                filled_in=result.filled_in,
                filled_out=result.filled_out,
                impact=str(result.price_impact_pct),
                position_status=filled.position.status,
            )
            return filled.order
        bound.info("order rejected", reject_reason=result.reason)
        return self._orders.reject(order.order_id, result.reason, at=quoted_at, quote=result.quote)

    def _unavailable(
        self, order: Order, exc: ServiceError, *, attempts: int, settings: OrderSettings
    ) -> Order | None:
        reason = f"jupiter unavailable: {exc}"
        now = self._ports.clock.now()
        if order.side == "entry":
            log.warning("entry rejected: jupiter unavailable", order_id=str(order.order_id))
            return self._orders.reject(order.order_id, reason, at=now)
        if attempts >= settings.exit_retry_limit:
            log.error("exit rejected after its retries", order_id=str(order.order_id))
            return self._orders.reject(
                order.order_id, f"{reason} (after {attempts} attempts)", at=now
            )
        log.warning("exit quote failed; retried", order_id=str(order.order_id), attempts=attempts)
        raise ExitQuoteUnavailableError(reason, service="jupiter") from exc


class ExitJobs:
    def __init__(
        self, ports: StepPorts, *, orders: OrderRepository, signals: SignalRepository
    ) -> None:
        self._ports = ports
        self._orders = orders
        self._signals = signals

    # -- the monitor -------------------------------------------------------------------------
    def tick(self) -> ExitTickReport:
        """The schedule's tick (every minute): mark and check each open position whose last
        mark is `monitor_interval_seconds` old (or that was never marked)."""
        interval = timedelta(seconds=self._ports.steps.typed(ExitSettings).monitor_interval_seconds)
        now = self._ports.clock.now()
        due = [
            p
            for p in self._orders.open_positions()
            if p.last_priced_at is None or now - p.last_priced_at >= interval
        ]
        return self.monitor(due)

    def monitor(self, positions: list[Position] | None = None) -> ExitTickReport:
        """Mark and check `positions` (default: every open one) now."""
        report = ExitTickReport()
        for position in self._orders.open_positions() if positions is None else positions:
            mark = self._mark(position)
            if mark is None:
                report.unpriced += 1
                continue
            report.marked += 1
            now = self._ports.clock.now()
            original = self._orders.entry_units(position.position_id) or position.held_units
            result = check(position, mark, now=now, original_units=original)
            with self._ports.atomic():
                self._orders.mark(position.position_id, last=mark, peak=result.peak_price, at=now)
                order = self._exit(position, result.decision, now=now) if result.decision else None
            if order is not None:
                report.exits.append(order.order_id)
        if report.marked or report.unpriced:
            log.info(
                "exit monitor ran",
                marked=report.marked,
                exits=len(report.exits),
                unpriced=report.unpriced,
            )
        return report

    def _mark(self, position: Position) -> Decimal | None:
        """The position's mark, lamports per base unit: a Jupiter sell quote of what it holds
        (what an exit would get, impact included). When Jupiter gives none, the latest ingested
        swap on the token if it is newer than the last mark; failing that, after Jupiter's
        permanent "no route / not tradable" (a pulled pool) 0 — nothing can be sold — and after
        an outage no mark at all (the next tick tries again)."""
        held = position.held_units
        settings = self._ports.steps.typed(OrderSettings)
        try:
            quote = self._ports.markets.run(
                lambda market: market.quotes.quote(
                    position.token_mint, SOL_MINT, held, settings.slippage_bps
                )
            )
            return Decimal(int(quote.out_amount)) / Decimal(held)
        except ServiceError as exc:
            unsellable, error = isinstance(exc, NoRouteError), exc
        log.warning(
            "no sell quote for a mark",
            position_id=str(position.position_id),
            no_route=unsellable,
            error=str(error),
        )
        swap = (
            self._orders.latest_swap_price(
                position.token_mint, decimals=position.token_decimals, sol_mint=SOL_MINT
            )
            if position.token_decimals is not None
            else None
        )
        if swap is not None and (
            position.last_priced_at is None or swap.at > position.last_priced_at
        ):
            return swap.price
        return Decimal(0) if unsellable else None

    def _exit(self, position: Position, decision: ExitDecision, *, now: datetime) -> Order | None:
        """The exit order and its message, in the caller's transaction; None when an exit of
        the position is pending already (the pending-exit index: a racing one is a no-op)."""
        order = Order(
            order_id=uuid4(),
            position_id=position.position_id,
            side="exit",
            reason=decision.reason,
            status="pending",
            requested_at=now,
            input_mint=position.token_mint,
            output_mint=SOL_MINT,
            amount_in=decision.units,
            fraction=decision.fraction_of(position.held_units),
        )
        with self._ports.atomic():
            if not self._orders.insert_exit(order):
                return None
            self._ports.outbox.put([OrderExecuteRequested.for_order(order.order_id)])
        log.info(
            "exit ordered",
            position_id=str(position.position_id),
            reason=decision.reason,
            units=decision.units,
        )
        return order

    # -- exit signals and manual closes ----------------------------------------------------
    def check(self, message: ExitCheckRequested) -> None:
        """The exit_check consumer's job."""
        self.mirror(message)

    def mirror(self, message: ExitCheckRequested) -> list[Order]:
        """An exit signal: the followed wallet sold a fraction of its holding; sell the same
        fraction of the open positions its buys opened in that token, now."""
        signal = self._signals.get(message.signal_id)
        if signal is None:
            raise SignalNotFoundError(f"signal {message.signal_id} is not stored")
        bound = log.bind(signal_id=message.signal_id, wallet=signal.wallet)
        if signal.kind != "exit" or not signal.accepted or not signal.fraction_sold:
            bound.info("not a sell to mirror; nothing to do", kind=signal.kind)
            return []
        orders: list[Order] = []
        now = self._ports.clock.now()
        for position in self._orders.open_positions_of(signal.wallet, signal.token_mint):
            decision = mirror_sell(position, signal.fraction_sold)
            if decision is None:
                continue
            order = self._exit(position, decision, now=now)
            if order is None:
                raise ExitPendingError(
                    f"position {position.position_id} has an exit pending; mirror-sell retried"
                )
            orders.append(order)
        return orders

    def request_exit(
        self, position_id: UUID, *, reason: ExitReason = "manual", fraction: Decimal = Decimal(1)
    ) -> Order:
        """Sell `fraction` of what the position holds now (the API's manual close)."""
        position = self._orders.position(position_id)
        if position is None:
            raise PositionNotFoundError(f"position {position_id} does not exist")
        decision = share_of_holding(position, fraction, reason)
        if decision is None:
            raise PositionNotOpenError(f"position {position_id} is {position.status}: nothing held")
        order = self._exit(position, decision, now=self._ports.clock.now())
        if order is None:
            raise PositionNotOpenError(f"position {position_id} has an exit pending already")
        return order


__all__ = [
    "ExitJobs",
    "ExitPendingError",
    "ExitQuoteUnavailableError",
    "ExitTickReport",
    "OrderJobs",
    "OrderNotFoundError",
    "PositionNotFoundError",
    "PositionNotOpenError",
    "SignalNotFoundError",
]
