"""Step 8 on the real embedded Postgres against the simulated market's Jupiter: a pending entry
fills from a fresh quote (kept on the order) and opens its position; no route rejects it with
the reason; a Jupiter outage rejects an entry and retries an exit (its SQS record fails,
attempts counted) until Jupiter is back; the monitor's stop loss closes a position; an exit
signal mirror-sells half; two monitors at once order one exit."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import base58
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from fastapi.testclient import TestClient

from functions.exit_monitor import handler as exit_monitor
from functions.order_execute import handler as order_execute
from sim.server import SimServer
from sim.world import World
from tests.conftest import free_port
from tests.support.stack import EPOCH, market_env
from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container
from walltrack.app.process import bound
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import ExitCheckRequested, OrderExecuteRequested
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading import Order, Position
from walltrack.data.models.trading_settings import ExitSettings, OrderSettings
from walltrack.data.postgres.database import Database
from walltrack.runtime.queues import CapturingQueuePort
from walltrack.services.base import RetryPolicy

WALLET = base58.b58encode(bytes([7]) * 32).decode()
UNKNOWN_MINT = base58.b58encode(bytes([9]) * 32).decode()
SIZE = 100_000_000  # 0.1 SOL
CALM = ExitSettings(take_profit=False, trailing_stop=False, time_stop=False)
"""Only the stop loss (30 %) and mirror-sell on: nothing fires on a plain fill."""


@dataclass
class Market:
    container: Container
    orders: CapturingQueuePort

    def sent(self) -> list[UUID]:
        return [UUID(json.loads(b)["order_id"]) for b in self.orders.bodies]


def _build(env: EnvSettings, jupiter_url: str | None = None) -> Market:
    if jupiter_url is not None:
        env = env.model_copy(update={"jupiter_base_url": jupiter_url})
    port = CapturingQueuePort()
    container = build_container(
        env,
        clock=ManualClock(EPOCH),
        queues={"order_execute": port, "exit_check": CapturingQueuePort()},
        transport={"retry": RetryPolicy(attempts=1), "timeout": 5.0},
    )
    return Market(container, port)


@pytest.fixture
def market(base_env: EnvSettings, clean_db: Database, sim: SimServer) -> Iterator[Market]:
    built = _build(market_env(base_env, sim.base_url))
    yield built
    built.container.close()


@pytest.fixture
def jupiter_down(base_env: EnvSettings, clean_db: Database, sim: SimServer) -> Iterator[Market]:
    """The same stack with Jupiter unreachable (a loopback port nothing listens on)."""
    built = _build(market_env(base_env, sim.base_url), f"http://127.0.0.1:{free_port()}")
    yield built
    built.container.close()


@pytest.fixture
def tradable(world: World) -> str:
    """A sim token with a live pool (routes from SOL)."""
    token = next(
        t for t in world.tokens[1:] if t.is_pump and any(world.pools[p].active for p in t.pools)
    )
    return str(token.mint)


def _open_entry(db: Database, mint: str, *, signal_id: int = 1, at: datetime = EPOCH) -> Order:
    """An opening position with its pending entry (what position_open writes)."""
    position_id = uuid4()
    order = Order(
        order_id=uuid4(),
        position_id=position_id,
        side="entry",
        reason="signal",
        status="pending",
        requested_at=at,
        input_mint=SOL_MINT,
        output_mint=mint,
        amount_in=SIZE,
    )
    with db.connection() as conn:
        conn.execute(
            "insert into public.positions (position_id, signal_id, token_mint, wallet, owner_id,"
            " status, opened_at, size_lamports, token_decimals, exit_plan)"
            " values (%s, %s, %s, %s, 'own', 'opening', %s, %s, 6, %s::jsonb)",
            (position_id, signal_id, mint, WALLET, EPOCH, SIZE,
             json.dumps(CALM.model_dump(mode="json"))),
        )  # fmt: skip
        conn.execute(
            "insert into public.orders (order_id, position_id, side, reason, status,"
            " requested_at, input_mint, output_mint, amount_in)"
            " values (%s, %s, 'entry', 'signal', 'pending', %s, %s, %s, %s)",
            (order.order_id, position_id, at, SOL_MINT, mint, SIZE),
        )
    return order


def _position(market: Market, order: Order) -> Position:
    found = market.container.orders.position(order.position_id)
    assert found is not None
    return found


def _filled_position(market: Market, mint: str) -> Position:
    entry = _open_entry(market.container.db, mint)
    filled = market.container.order_jobs.process(OrderExecuteRequested.for_order(entry.order_id))
    assert filled is not None
    assert filled.status == "filled"
    return _position(market, entry)


def _sqs(*messages: OrderExecuteRequested | ExitCheckRequested) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"sqs-{i}",
                "receiptHandle": f"rh-{i}",
                "body": m.model_dump_json(),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:OrderExecuteQueue",
                "awsRegion": "us-east-1",
            }
            for i, m in enumerate(messages)
        ]
    }


def test_a_pending_entry_fills_from_a_fresh_quote_recorded_with_it(
    market: Market, tradable: str
) -> None:
    # Given an opening position's pending entry of 0.1 SOL on a live sim token
    entry = _open_entry(market.container.db, tradable)
    # When order_execute processes it
    done = market.container.order_jobs.process(OrderExecuteRequested.for_order(entry.order_id))
    # Then it is filled from the sim's quote, which is kept whole on the order
    assert done is not None
    assert done.status == "filled"
    assert done.filled_in == SIZE
    assert done.quote is not None
    assert done.filled_out == int(done.quote["outAmount"]) > 0
    assert done.quote["routePlan"][0]["swapInfo"]["ammKey"]
    assert done.route
    assert done.price_impact_pct is not None
    assert done.fees_lamports == 15_000  # network 5,000 + priority 10,000 (settings)
    assert done.venue_fees  # the curve's fee, per mint
    assert done.attempts == 1
    # And its position is open, holding what was bought at its cost, fees apart
    held = _position(market, entry)
    assert (held.status, held.held_units, held.cost_lamports) == ("open", done.filled_out, SIZE)
    assert held.fees_lamports == 15_000
    assert held.entry_price == Decimal(SIZE) / Decimal(done.filled_out)
    # And a re-delivery fills nothing twice
    again = market.container.order_jobs.process(OrderExecuteRequested.for_order(entry.order_id))
    assert again is not None
    assert again.filled_out == done.filled_out
    assert _position(market, entry).held_units == held.held_units


def test_no_route_rejects_the_entry_with_the_reason_and_fails_its_position(
    market: Market,
) -> None:
    # Given an entry on a mint the market does not know
    entry = _open_entry(market.container.db, UNKNOWN_MINT)
    # When it is processed
    done = market.container.order_jobs.process(OrderExecuteRequested.for_order(entry.order_id))
    # Then it is rejected with Jupiter's no-route reason, and its position failed with it
    assert done is not None
    assert done.status == "rejected"
    assert done.reject_reason is not None
    assert done.reject_reason.startswith("no route:")
    assert "Could not find any route" in done.reject_reason
    failed = _position(market, entry)
    assert failed.status == "failed"
    assert failed.close_reason == f"entry rejected: {done.reject_reason}"


def test_jupiter_down_rejects_an_entry_with_the_reason(jupiter_down: Market, tradable: str) -> None:
    # Given Jupiter unreachable / When an entry is processed
    entry = _open_entry(jupiter_down.container.db, tradable)
    done = jupiter_down.container.order_jobs.process(
        OrderExecuteRequested.for_order(entry.order_id)
    )
    # Then it is rejected saying so (a late entry is not the signal's trade) and nothing held
    assert done is not None
    assert done.status == "rejected"
    assert done.reject_reason is not None
    assert done.reject_reason.startswith("jupiter unavailable:")
    assert _position(jupiter_down, entry).status == "failed"


def test_jupiter_down_retries_an_exit_until_it_is_back(
    market: Market, jupiter_down: Market, tradable: str
) -> None:
    # Given an open position and a manual close ordered while Jupiter is down
    held = _filled_position(market, tradable)
    exit_order = market.container.exit_jobs.request_exit(held.position_id)
    message = OrderExecuteRequested.for_order(exit_order.order_id)
    # When order_execute handles its SQS record with Jupiter down
    # Then the record fails (a batch of it alone fails the invocation: SQS retries it), the
    # order counts 1 attempt and the position is untouched
    with bound(jupiter_down.container), pytest.raises(BatchProcessingError):
        order_execute(_sqs(message), None)
    pending = market.container.orders.get(exit_order.order_id)
    assert pending is not None
    assert (pending.status, pending.attempts) == ("pending", 1)
    assert market.container.orders.position(held.position_id) == held
    # When SQS redelivers it once Jupiter is back
    with bound(market.container):
        assert order_execute(_sqs(message), None) == {"batchItemFailures": []}
    # Then it is filled, everything sold, and the position closed by the manual close
    filled = market.container.orders.get(exit_order.order_id)
    assert filled is not None
    assert (filled.status, filled.attempts, filled.filled_in) == ("filled", 2, held.held_units)
    closed = market.container.orders.position(held.position_id)
    assert closed is not None
    assert (closed.status, closed.close_reason, closed.held_units) == ("closed", "manual", 0)


def test_an_exit_is_rejected_after_its_retry_limit_and_its_position_stays_open(
    market: Market, jupiter_down: Market, tradable: str
) -> None:
    # Given exit_retry_limit 2 and an exit ordered while Jupiter is down
    market.container.step_settings.update("orders", {"exit_retry_limit": 2})
    held = _filled_position(market, tradable)
    exit_order = market.container.exit_jobs.request_exit(held.position_id)
    message = OrderExecuteRequested.for_order(exit_order.order_id)
    limit = market.container.step_settings.typed(OrderSettings).exit_retry_limit
    # When every attempt up to the limit fails
    with bound(jupiter_down.container):
        for _ in range(limit - 1):
            with pytest.raises(BatchProcessingError):
                order_execute(_sqs(message), None)
        # Then the last is rejected with the reason (its record succeeds: nothing to retry)
        assert order_execute(_sqs(message), None) == {"batchItemFailures": []}
    rejected = market.container.orders.get(exit_order.order_id)
    assert rejected is not None
    assert rejected.status == "rejected"
    assert rejected.reject_reason is not None
    assert rejected.reject_reason.startswith("jupiter unavailable:")
    assert f"after {limit} attempts" in rejected.reject_reason
    # And the position stays open for the monitor's next decision
    assert _position(market, rejected).status == "open"


def test_the_monitor_stop_loss_closes_the_position(market: Market, tradable: str) -> None:
    # Given an open position whose entry price is 3x what the market now pays (a 67 % drop)
    held = _filled_position(market, tradable)
    assert held.entry_price is not None
    with market.container.db.connection() as conn:
        conn.execute(
            "update public.positions set entry_price = %s, peak_price = %s where position_id = %s",
            (held.entry_price * 3, held.entry_price * 3, held.position_id),
        )
    # When the monitor checks it
    report = market.container.exit_jobs.monitor()
    # Then it orders one stop-loss exit of everything, sent to order_execute
    assert report.marked == 1
    [order_id] = report.exits
    assert market.sent() == [order_id]
    ordered = market.container.orders.get(order_id)
    assert ordered is not None
    assert (ordered.reason, ordered.amount_in, ordered.fraction) == (
        "stop_loss",
        held.held_units,
        Decimal(1),
    )
    # When order_execute fills it, then the position is closed by the stop loss
    market.container.order_jobs.process(OrderExecuteRequested.for_order(order_id))
    closed = market.container.orders.position(held.position_id)
    assert closed is not None
    assert (closed.status, closed.close_reason, closed.held_units, closed.cost_lamports) == (
        "closed",
        "stop_loss",
        0,
        0,
    )
    assert closed.realised_lamports < 0


def test_an_exit_signal_mirror_sells_the_same_fraction(market: Market, tradable: str) -> None:
    # Given an open position the followed wallet's buy opened, holding an odd number of units
    held = _filled_position(market, tradable)
    # When that wallet sells half of its holding (its exit signal reaches exit_monitor)
    with market.container.db.connection() as conn:
        row = conn.execute(
            "insert into public.signals (signature, wallet, token_mint, kind, side, owner_id,"
            " token_amount, quote_mint, quote_amount, onchain_at, received_at, scored_at, via,"
            " components, consensus_owners, fraction_sold, accepted, reason)"
            " values ('sig-exit', %s, %s, 'exit', 'sell', 'own', 500, %s, 0.05, %s, %s, %s,"
            " 'webhook', '[]'::jsonb, '{}', 0.5, true, 'sold 50.0%% of its holding')"
            " returning id",
            (WALLET, tradable, SOL_MINT, EPOCH, EPOCH, EPOCH),
        ).fetchone()
    assert row is not None
    [order] = market.container.exit_jobs.mirror(ExitCheckRequested.for_signal(row["id"]))
    # Then a mirror-sell of half what we hold (rounded down) is ordered and filled
    assert (order.reason, order.amount_in) == ("mirror_sell", held.held_units // 2)
    market.container.order_jobs.process(OrderExecuteRequested.for_order(order.order_id))
    after = market.container.orders.position(held.position_id)
    assert after is not None
    assert after.status == "open"
    assert after.held_units == held.held_units - held.held_units // 2
    assert (
        after.cost_lamports
        == held.cost_lamports - held.cost_lamports * (held.held_units // 2) // held.held_units
    )


def test_two_monitors_at_once_order_one_exit(market: Market, tradable: str) -> None:
    # Given a position past its stop loss
    held = _filled_position(market, tradable)
    assert held.entry_price is not None
    with market.container.db.connection() as conn:
        conn.execute(
            "update public.positions set entry_price = %s where position_id = %s",
            (held.entry_price * 3, held.position_id),
        )
    # When two monitors check it at the same moment
    start = threading.Barrier(2)
    reports = []

    def run() -> None:
        start.wait(timeout=30)
        reports.append(market.container.exit_jobs.monitor())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then both decided, but one exit order exists (pending) and one message was sent
    assert sorted(len(r.exits) for r in reports) == [0, 1]
    with market.container.db.connection() as conn:
        rows = conn.execute(
            "select status from public.orders where position_id = %s and side = 'exit'",
            (held.position_id,),
        ).fetchall()
    assert [r["status"] for r in rows] == ["pending"]
    assert len(market.sent()) == 1


def test_the_api_lists_orders_newest_first_and_opens_one_with_its_whole_quote(
    market: Market, tradable: str, auth_headers: dict[str, str]
) -> None:
    # Given a filled entry, then a rejected one (no route), then a pending manual exit
    held = _filled_position(market, tradable)
    market.container.clock.advance(1)  # type: ignore[attr-defined]
    rejected = _open_entry(
        market.container.db, UNKNOWN_MINT, signal_id=2, at=market.container.clock.now()
    )
    market.container.order_jobs.process(OrderExecuteRequested.for_order(rejected.order_id))
    market.container.clock.advance(1)  # type: ignore[attr-defined]
    exit_order = market.container.exit_jobs.request_exit(held.position_id)
    client = TestClient(create_app(market.container), headers=auth_headers)
    # When the Orders tab reads GET /orders
    page = client.get("/orders").json()
    # Then all three are listed newest first, with the quote's headline, fees and reasons
    assert page["total"] == 3
    exit_row, rejected_row, filled_row = page["items"]
    assert (exit_row["order_id"], exit_row["side"], exit_row["reason"], exit_row["status"]) == (
        str(exit_order.order_id), "exit", "manual", "pending",
    )  # fmt: skip
    assert rejected_row["reject_reason"].startswith("no route:")
    assert filled_row["token_mint"] == tradable
    assert filled_row["quoted_out"] == filled_row["filled_out"] > 0
    assert filled_row["min_out"] < filled_row["quoted_out"]
    assert filled_row["fees_lamports"] == 15_000
    assert filled_row["route"]
    assert "quote" not in filled_row
    # And the filters narrow it
    assert client.get("/orders", params={"side": "exit"}).json()["total"] == 1
    assert client.get("/orders", params={"status": "rejected"}).json()["total"] == 1
    assert client.get("/orders", params={"position": str(held.position_id)}).json()["total"] == 2
    # And one order carries the whole quote it was judged on
    detail = client.get(f"/orders/{filled_row['order_id']}").json()
    assert detail["quote"]["routePlan"][0]["swapInfo"]["ammKey"]
    # And an unknown order is 404, a bad filter 422
    assert client.get(f"/orders/{uuid4()}").status_code == 404
    assert client.get("/orders", params={"side": "sideways"}).status_code == 422


def test_the_tick_marks_positions_due_by_the_interval_and_exits_ignore_the_kill_switch(
    market: Market, tradable: str
) -> None:
    # Given an open position, the kill switch on, and a 60 s monitor interval
    held = _filled_position(market, tradable)
    market.container.step_settings.update("risk", {"kill_switch": True})
    clock = market.container.clock
    assert isinstance(clock, ManualClock)
    # When the schedule ticks right after the fill marked it
    # Then nothing is due yet
    assert market.container.exit_jobs.tick().marked == 0
    # When 60 s pass and its price has fallen past the stop loss
    clock.advance(60)
    assert held.entry_price is not None
    with market.container.db.connection() as conn:
        conn.execute(
            "update public.positions set entry_price = %s where position_id = %s",
            (held.entry_price * 3, held.position_id),
        )
    report = market.container.exit_jobs.tick()
    # Then it is marked and its stop-loss exit is ordered, kill switch or not
    assert report.marked == 1
    assert len(report.exits) == 1
    marked = market.container.orders.position(held.position_id)
    assert marked is not None
    assert marked.last_priced_at == clock.now()


def test_exit_monitor_handles_a_tick_and_a_batch_of_exit_signals(
    market: Market, tradable: str
) -> None:
    # Given an open position and an exit signal of its wallet selling everything
    held = _filled_position(market, tradable)
    with market.container.db.connection() as conn:
        row = conn.execute(
            "insert into public.signals (signature, wallet, token_mint, kind, side, owner_id,"
            " token_amount, quote_mint, quote_amount, onchain_at, received_at, scored_at, via,"
            " components, consensus_owners, fraction_sold, accepted, reason)"
            " values ('sig-all', %s, %s, 'exit', 'sell', 'own', 500, %s, 0.05, %s, %s, %s,"
            " 'webhook', '[]'::jsonb, '{}', 1, true, 'sold 100.0%% of its holding')"
            " returning id",
            (WALLET, tradable, SOL_MINT, EPOCH, EPOCH, EPOCH),
        ).fetchone()
    assert row is not None
    clock = market.container.clock
    assert isinstance(clock, ManualClock)
    clock.advance(3600)
    with bound(market.container):
        # When the schedule invokes it, then the due position is marked
        assert exit_monitor({"source": "aws.events"}, None) == {
            "marked": 1,
            "exits": 0,
            "unpriced": 0,
        }
        # When the exit_check queue delivers the signal, then a mirror-sell of all is ordered
        event = _sqs(ExitCheckRequested.for_signal(row["id"]))
        assert exit_monitor(event, None) == {"batchItemFailures": []}
    [order_id] = market.sent()
    ordered = market.container.orders.get(order_id)
    assert ordered is not None
    assert (ordered.reason, ordered.amount_in) == ("mirror_sell", held.held_units)


def test_a_rugged_token_is_marked_at_zero_and_its_stop_loss_writes_it_off(
    market: Market, world: World
) -> None:
    # Given an open position in a token whose pool the sim's dev pulled (Jupiter: not tradable)
    rugged = next(
        t
        for t in world.tokens[1:]
        if t.fate == "rug"
        and t.rugged_ms is not None
        and not any(world.pools[p].active for p in t.pools)
    )
    position_id = uuid4()
    with market.container.db.connection() as conn:
        conn.execute(
            "insert into public.positions (position_id, signal_id, token_mint, wallet, owner_id,"
            " status, opened_at, size_lamports, held_units, cost_lamports, fees_lamports,"
            " entry_price, peak_price, last_price, last_priced_at, exit_plan)"
            " values (%s, 7, %s, %s, 'own', 'open', %s, %s, 1000000000, %s, 15000, 0.1, 0.1,"
            " 0.1, %s, %s::jsonb)",
            (position_id, str(rugged.mint), WALLET, EPOCH, SIZE, SIZE, EPOCH,
             json.dumps(CALM.model_dump(mode="json"))),
        )  # fmt: skip
    # When the monitor checks it
    report = market.container.exit_jobs.monitor()
    # Then it is marked at 0 (nothing can be sold) and the stop loss orders everything sold
    assert (report.marked, report.unpriced) == (1, 0)
    [order_id] = report.exits
    marked = market.container.orders.position(position_id)
    assert marked is not None
    assert marked.last_price == 0
    # When order_execute processes the exit: Jupiter still has no route
    done = market.container.order_jobs.process(OrderExecuteRequested.for_order(order_id))
    # Then the units are written off: sold for 0, no fee, the reason kept on the order
    assert done is not None
    assert (done.status, done.filled_in, done.filled_out, done.fees_lamports) == (
        "filled", 1_000_000_000, 0, 0,
    )  # fmt: skip
    assert done.route is not None
    assert done.route.startswith("written off: no route:")
    assert "not tradable" in done.route
    # And the position is closed by its stop loss with the whole cost realised as the loss
    closed = market.container.orders.position(position_id)
    assert closed is not None
    assert (closed.status, closed.close_reason, closed.held_units, closed.cost_lamports) == (
        "closed", "stop_loss", 0, 0,
    )  # fmt: skip
    assert (closed.realised_lamports, closed.fees_lamports) == (-SIZE, 15_000)
