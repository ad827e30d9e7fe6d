"""Step 7's position_open on the real embedded Postgres against the sim's Jupiter: an accepted
entry signal's message → one opening position, one pending entry order and one order_execute
message, written in one transaction; duplicates open nothing twice; a failure between the
position and its order leaves neither and the message is retried; the risk rules refuse with
their rule and open nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from functions.position_open import handler
from sim.market import best_route
from sim.world import World
from tests.conftest import REPO_ROOT
from tests.support.stack import Stack
from walltrack.app.container import Container
from walltrack.app.process import bound
from walltrack.data.models.messages import (
    ExitCheckRequested,
    OrderExecuteRequested,
    PositionOpenRequested,
    SignalScoreRequested,
)
from walltrack.data.models.signals import Signal, SignalQuery
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import SafetyVerdict, Token, TokenMarket
from walltrack.data.models.trading import Order
from walltrack.data.postgres.positions import PositionRepository
from walltrack.runtime.template import load_template

STACK_EXCLUDE = tuple(set(load_template(REPO_ROOT / "template.yaml").functions) - {"ApiFunction"})
"""The tests consume position_open themselves; nothing else runs."""
AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
WALLET = "Wa11et1111111111111111111111111111111111111"


def _routable_mints(world: World, count: int) -> list[str]:
    """Tokens the sim's Jupiter routes from SOL with a small impact for 0.5 SOL."""
    found = []
    for token in world.tokens:
        route = best_route(world, SOL_MINT, token.mint, 500_000_000)
        if token.mint != SOL_MINT and route is not None and route[1][-1][1] > 0:
            found.append(token.mint)
        if len(found) == count:
            return found
    raise AssertionError("the sim world routes too few tokens")


def _signal(container: Container, mint: str, *, n: int, accepted: bool = True,
            kind: str = "entry", owner: str = "owner-a", score: float = 0.8) -> int:  # fmt: skip
    signal = Signal(
        kind=kind,
        signature=f"sig{n:04d}" + "1" * 80,
        wallet=WALLET,
        owner_id=owner,
        token_mint=mint,
        side="buy" if kind == "entry" else "sell",
        token_amount=Decimal(1000),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(1),
        onchain_at=AT,
        received_at=AT,
        scored_at=AT,
        via="webhook",
        score=score if kind == "entry" else None,
        accepted=accepted,
        reason="accepted" if accepted else "score under min_score",
    )
    signal_id = container.signals.add(signal)
    assert signal_id is not None
    return signal_id


def _event(*messages: PositionOpenRequested) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"sqs-{i}",
                "receiptHandle": f"rh-{i}",
                "body": message.model_dump_json(),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:PositionOpenQueue",
                "awsRegion": "eu-west-1",
            }
            for i, message in enumerate(messages)
        ]
    }


def _consume(container: Container, *messages: PositionOpenRequested) -> dict[str, Any]:
    with bound(container):
        return handler(_event(*messages), None)


def _count(container: Container, table: str, where: str = "true") -> int:
    with container.db.connection() as conn:
        row = conn.execute(f"select count(*) as n from public.{table} where {where}").fetchone()
    assert row is not None
    return int(row["n"])


def _order_messages(container: Container) -> list[dict[str, Any]]:
    with container.db.connection() as conn:
        rows = conn.execute(
            "select body from public.outbox where queue = 'order_execute'"
        ).fetchall()
    return [r["body"] if isinstance(r["body"], dict) else json.loads(r["body"]) for r in rows]


@pytest.fixture
def mints(world: World) -> list[str]:
    return _routable_mints(world, 2)


def test_an_accepted_entry_opens_one_position_its_pending_entry_and_its_message(
    stack: Stack, mints: list[str]
) -> None:
    # Given an accepted entry signal on a token the sim routes
    container = stack.container
    signal_id = _signal(container, mints[0], n=1)
    # When its position_open message is consumed
    response = _consume(container, PositionOpenRequested.for_signal(signal_id))
    # Then one opening position (sized: 0.5 SOL x score 0.8), one pending SOL -> token entry
    # order spending that size, and one order_execute message for that order
    assert response == {"batchItemFailures": []}
    [position] = container.positions.page("all")[0]
    assert (position.signal_id, position.status, position.token_mint) == (
        signal_id, "opening", mints[0],
    )  # fmt: skip
    assert position.size_lamports == 400_000_000
    assert position.exit_plan["stop_loss_pct"] == "30"
    [order] = container.positions.orders_of(position.position_id)
    assert (order.side, order.status, order.reason) == ("entry", "pending", "signal")
    assert (order.input_mint, order.output_mint, order.amount_in) == (
        SOL_MINT, mints[0], 400_000_000,
    )  # fmt: skip
    assert [m["order_id"] for m in _order_messages(container)] == [str(order.order_id)]


def test_the_same_message_twice_and_two_signals_of_one_token_open_one_position(
    stack: Stack, mints: list[str]
) -> None:
    # Given two accepted entry signals on one token
    container = stack.container
    first, second = _signal(container, mints[0], n=1), _signal(container, mints[0], n=2)
    message = PositionOpenRequested.for_signal(first)
    # When the first's message arrives twice through the consumer (which keeps no handled ids:
    # the job's first read says the signal was decided) and is decided a third time directly,
    # then the second's
    _consume(container, message)
    _consume(container, message)
    container.position_jobs.open(message)
    _consume(container, PositionOpenRequested.for_signal(second))
    # Then one position, one entry order, one order message; the second signal is refused
    # because its token already has a live position
    assert _count(container, "positions") == 1
    assert _count(container, "orders") == 1
    assert len(_order_messages(container)) == 1
    refusals, _ = container.positions.refusals()
    assert [(r.signal_id, r.rule) for r in refusals] == [(second, "one_position_per_token")]
    # And no handled id was recorded: the repeat was a no-op by the job's own read
    assert _count(container, "consumed_messages") == 0


class _FailingOrders(PositionRepository):
    """The real repository, failing after the position insert (a crash between the two)."""

    def insert_entry_order(self, order: Order) -> None:
        raise RuntimeError("crash between the position and its entry order")


def test_a_crash_between_the_position_and_its_order_leaves_neither_and_is_retried(
    stack: Stack, mints: list[str]
) -> None:
    # Given position_open whose order insert fails after the position insert
    container = stack.container
    signal_id = _signal(container, mints[0], n=1)
    good = container.position_jobs
    container.position_jobs = good.__class__(
        positions=_FailingOrders(container.db),
        steps=container.step_settings,
        markets=container.markets,
        outbox=container.outbox,
        atomic=container.db.transaction,
        clock=container.clock,
    )
    message = PositionOpenRequested.for_signal(signal_id)
    other = PositionOpenRequested.for_signal(_signal(container, mints[1], n=2, accepted=False))
    # When its message is consumed (in a batch with a rejected signal's, which succeeds)
    response = _consume(container, message, other)
    # Then the record is reported failed (SQS retries it) and nothing was written
    assert response == {"batchItemFailures": [{"itemIdentifier": "sqs-0"}]}
    assert _count(container, "positions") == 0
    assert _count(container, "orders") == 0
    assert _order_messages(container) == []
    # When the retry runs with the repository healthy again
    container.position_jobs = good
    assert _consume(container, message) == {"batchItemFailures": []}
    # Then the position and its order exist once
    assert _count(container, "positions") == 1
    assert _count(container, "orders") == 1


def test_a_refused_entry_stores_its_rule_and_opens_nothing(stack: Stack, mints: list[str]) -> None:
    # Given at most 1 open position, one already open on another token
    container = stack.container
    container.step_settings.update("risk", {"max_open_positions": 1})
    _consume(container, PositionOpenRequested.for_signal(_signal(container, mints[0], n=1)))
    blocked = _signal(container, mints[1], n=2)
    # When an accepted entry on a second token is consumed
    _consume(container, PositionOpenRequested.for_signal(blocked))
    # Then it is refused by max_open_positions, stored with its detail, and opens nothing
    [refusal], total = container.positions.refusals()
    assert (total, refusal.signal_id, refusal.rule) == (1, blocked, "max_open_positions")
    assert refusal.detail == "1 positions open, at most 1"
    assert _count(container, "positions") == 1
    assert len(_order_messages(container)) == 1


def test_the_kill_switch_refuses_entries(stack: Stack, mints: list[str]) -> None:
    # Given the kill switch on
    container = stack.container
    container.step_settings.update("risk", {"kill_switch": True})
    signal_id = _signal(container, mints[0], n=1)
    # When an accepted entry arrives
    _consume(container, PositionOpenRequested.for_signal(signal_id))
    # Then it is refused by the kill switch and nothing opens
    [refusal], _ = container.positions.refusals()
    assert refusal.rule == "kill_switch"
    assert _count(container, "positions") == 0


def test_rejected_and_exit_signals_open_nothing(stack: Stack, mints: list[str]) -> None:
    # Given a rejected entry and an exit signal
    container = stack.container
    rejected = _signal(container, mints[0], n=1, accepted=False)
    exit_signal = _signal(container, mints[0], n=2, kind="exit")
    # When their messages are consumed
    _consume(
        container,
        PositionOpenRequested.for_signal(rejected),
        PositionOpenRequested.for_signal(exit_signal),
    )
    # Then nothing is opened nor refused
    assert _count(container, "positions") == 0
    assert _count(container, "risk_refusals") == 0


def test_an_entry_whose_impact_stays_over_the_cap_is_refused(
    stack: Stack, mints: list[str]
) -> None:
    # Given a price impact cap no quote can meet (0 %)
    container = stack.container
    container.step_settings.update("sizing", {"max_price_impact_pct": "0"})
    signal_id = _signal(container, mints[0], n=1)
    # When the entry is decided
    _consume(container, PositionOpenRequested.for_signal(signal_id))
    # Then it is refused by price_impact and nothing opens
    [refusal], _ = container.positions.refusals()
    assert refusal.rule == "price_impact", refusal.detail
    assert _count(container, "positions") == 0


def _stored_swap(container: Container, mint: str, side: str, n: int, tokens: str) -> Swap:
    swap = Swap(
        signature=f"swap{n:04d}" + "1" * 80,
        wallet=WALLET,
        side=side,
        token_mint=mint,
        token_amount=Decimal(tokens),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(1),
        source="PUMP_AMM",
        timestamp=AT + timedelta(minutes=n),
        slot=1000 + n,
    )
    container.wallets.add_swaps([swap])
    return swap


def _outbox(container: Container) -> list[tuple[str, dict[str, Any]]]:
    with container.db.connection() as conn:
        rows = conn.execute("select queue, body from public.outbox order by queue").fetchall()
    return [
        (r["queue"], r["body"] if isinstance(r["body"], dict) else json.loads(r["body"]))
        for r in rows
        if r["queue"] != "signal_score"
    ]


def test_signal_score_owes_position_open_for_an_accepted_entry_and_exit_check_for_an_exit(
    stack: Stack, mints: list[str]
) -> None:
    # Given a profiled wallet and a young, safe, liquid token; its stored buy, then its sell
    container = stack.container
    with container.db.connection() as conn:
        conn.execute(
            "insert into public.wallets (address, status, first_seen_at, profiled_at, score,"
            " confidence) values (%s, 'profiled', %s, %s, 0.9, 0.9)",
            (WALLET, AT, AT),
        )
    token = Token(
        mint=mints[0],
        dex_id="raydium",
        pair_created_at=AT - timedelta(hours=2),
        market=TokenMarket(liquidity_usd=Decimal("250000")),
    )
    container.tokens.upsert_discovered(token, at=AT - timedelta(hours=1))
    container.tokens.set_safety(mints[0], SafetyVerdict(verdict="pass", checks=[], checked_at=AT))
    buy = _stored_swap(container, mints[0], "buy", 1, "1000")
    sell = _stored_swap(container, mints[0], "sell", 2, "500")
    # When signal_score judges each
    signals = [
        container.signal_jobs.judge(
            SignalScoreRequested.for_swap(
                signature=s.signature, wallet=s.wallet, token_mint=s.token_mint,
                received_at=s.timestamp, via="webhook",
            )
        )
        for s in (buy, sell)
    ]  # fmt: skip
    # Then the accepted entry owes one position_open message, the exit one exit_check message,
    # each naming its stored signal
    entry, exit_ = (container.signals.page(SignalQuery(kind=k))[0][0] for k in ("entry", "exit"))
    assert signals[0].accepted, signals[0].reason
    assert exit_.id is not None
    assert entry.id is not None
    assert [(q, body["message_id"], body["signal_id"]) for q, body in _outbox(container)] == [
        ("exit_check", str(ExitCheckRequested.for_signal(exit_.id).message_id), exit_.id),
        ("position_open", str(PositionOpenRequested.for_signal(entry.id).message_id), entry.id),
    ]


# -- the API ----------------------------------------------------------------------------------


def _opened(container: Container, mint: str, n: int = 1) -> UUID:
    """An opened position (through position_open), its entry filled by order_execute."""
    _consume(container, PositionOpenRequested.for_signal(_signal(container, mint, n=n)))
    [position] = container.positions.page("open")[0]
    [entry] = container.positions.orders_of(position.position_id)
    with bound(container):
        container.order_jobs.execute(OrderExecuteRequested.for_order(entry.order_id))
    return position.position_id


def test_the_api_lists_positions_with_their_pnl_and_opens_one_with_its_orders(
    stack: Stack, mints: list[str]
) -> None:
    # Given an open position (entry filled at the sim's quote) and a refused entry
    container = stack.container
    position_id = _opened(container, mints[0])
    refused = _signal(container, mints[0], n=2)
    _consume(container, PositionOpenRequested.for_signal(refused))
    # When the API lists the open ones, the closed ones, and opens the position
    opened = stack.client.get("/positions", params={"status": "open"}).json()
    closed = stack.client.get("/positions", params={"status": "closed"}).json()
    detail = stack.client.get(f"/positions/{position_id}").json()
    # Then the open list has it with its figures (held, cost, fees, mark, unrealised, exit plan)
    assert (opened["total"], closed["total"]) == (1, 0)
    [row] = opened["items"]
    assert (row["position_id"], row["status"]) == (str(position_id), "open")
    assert row["held_units"] > 0
    assert 0 < row["cost_lamports"] <= row["size_lamports"]
    assert row["fees_lamports"] > 0
    assert row["unrealised_lamports"] is not None
    assert row["net_pnl_lamports"] == (
        row["realised_lamports"] - row["fees_lamports"] + row["unrealised_lamports"]
    )
    assert row["exit_plan"]["mirror_sell"] is True
    assert [(o["side"], o["status"]) for o in detail["orders"]] == [("entry", "filled")]
    # And the refusal is listed with its rule
    refusals = stack.client.get("/risk/refusals").json()
    assert [(r["signal_id"], r["rule"]) for r in refusals["items"]] == [
        (refused, "one_position_per_token")
    ]
    # And an unknown position is a 404, a bad status a 422
    assert stack.client.get(f"/positions/{uuid4()}").status_code == 404
    assert stack.client.get("/positions", params={"status": "nope"}).status_code == 422


def test_a_manual_close_asks_an_exit_of_the_whole_holding_once(
    stack: Stack, mints: list[str]
) -> None:
    # Given an open position
    position_id = _opened(stack.container, mints[0])
    # When it is closed through the API, twice
    first = stack.client.post(f"/positions/{position_id}/close")
    second = stack.client.post(f"/positions/{position_id}/close")
    # Then the first asks a pending manual exit of everything held; the second is a conflict
    # (an exit is pending); an unknown position is a 404
    assert first.status_code == 202, first.text
    order = first.json()
    assert (order["side"], order["reason"], order["status"]) == ("exit", "manual", "pending")
    assert Decimal(str(order["fraction"])) == 1
    assert second.status_code == 409
    assert stack.client.post(f"/positions/{uuid4()}/close").status_code == 404


def test_the_kill_switch_through_the_api_is_a_risk_setting_and_blocks_entries(
    stack: Stack, mints: list[str]
) -> None:
    # Given the kill switch turned on through the API
    response = stack.client.post("/risk/kill-switch", json={"on": True})
    assert response.status_code == 200, response.text
    # Then the API and the Risk settings say so, and an entry is refused by it
    assert stack.client.get("/risk/kill-switch").json()["on"] is True
    assert stack.client.get("/config/risk").json()["values"]["kill_switch"] is True
    _consume(
        stack.container, PositionOpenRequested.for_signal(_signal(stack.container, mints[0], n=1))
    )
    assert [r["rule"] for r in stack.client.get("/risk/refusals").json()["items"]] == [
        "kill_switch"
    ]
    # When it is turned off / Then it is off; a body that is not a bool is a 422
    assert stack.client.post("/risk/kill-switch", json={"on": False}).json()["on"] is False
    assert stack.client.post("/risk/kill-switch", json={"on": "yes"}).status_code == 422
