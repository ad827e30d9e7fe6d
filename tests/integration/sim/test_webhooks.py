"""Webhook CRUD and delivery over loopback, with retries and injected faults.

Deliveries are driven by moving a frozen clock (``run_clock_to``), which returns once every POST
and retry is finished: the tests know exactly which transactions a webhook matched and assert
exact counts. One test keeps a running clock and waits on its first delivery.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from sim.server import SimConfig, SimServer
from sim.webhooks import Faults
from sim.world import (
    FAILED,
    NFT_TRADE,
    SOL_TRANSFER,
    SWAP,
    TOKEN_TRANSFER,
    Scenario,
    World,
    build_world,
)
from tests.integration.sim.conftest import (
    Receiver,
    at_parser_limit,
    expected_swaps,
    run_clock_to,
    swap_fields,
    wait_until,
)
from tests.unit.sim.conftest import load_fixture
from tests.unit.sim.shapes import shape_errors
from walltrack.app.swaps import parse_transactions

KEY = {"api-key": "sim-key"}
SEED = 9
N_WATCHED = 300  # retail wallets a webhook watches
WINDOW_MS = 20 * 60_000  # sim time delivered after the webhook is created
BATCH = 100  # transactions per POST at most, as Helius


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    """Opens loopback endpoints (``fail_first`` POSTs answered 500) and closes them after."""
    opened: list[Receiver] = []

    def open_receiver(fail_first: int = 0) -> Receiver:
        receiver = Receiver(fail_first=fail_first)
        opened.append(receiver)
        return receiver

    yield open_receiver
    for receiver in opened:
        receiver.close()


@dataclass
class Delivery:
    """What one webhook saw of the window: the sim's counters and ledger, and the truth."""

    world: World
    counters: dict[str, int]
    ledger: dict[str, Any]
    expected: set[str]  # successful transactions of the window that touch a watched wallet
    failed_touching: int  # failed ones that touch a watched wallet (webhooks skip them)
    watched: list[str]

    @property
    def batches(self) -> int:
        return math.ceil(len(self.expected) / BATCH)


def _serve(faults: Faults, *, speed: float = 0.0) -> SimServer:
    world = build_world(Scenario.small(seed=SEED))
    return SimServer(world, SimConfig(speed=speed, tick_s=0.05, faults=faults))


def _watched(client: httpx.Client) -> list[str]:
    truth = client.get("/__sim/truth").json()
    return [w["address"] for w in truth["wallets"] if w["label"] == "retail"][:N_WATCHED]


def _touching(world: World, watched: set[str], txs: range) -> tuple[set[str], int]:
    """(signatures of the successful txs signed by or sent to a watched wallet, failed count)."""
    successful: set[str] = set()
    failed = 0
    for tx in txs:
        recipient = world.t_counterpart[tx]
        transfer_in = world.t_kind[tx] in (SOL_TRANSFER, TOKEN_TRANSFER) and recipient >= 0
        if world.addr[world.t_wallet[tx]] in watched or (
            transfer_in and world.addr[recipient] in watched
        ):
            if world.t_kind[tx] == FAILED:
                failed += 1
            else:
                successful.add(world.sigs.encode(tx))
    return successful, failed


def _deliver_window(faults: Faults, receiver: Receiver, **hook_fields: Any) -> Delivery:
    """Serve a fresh small world, point a webhook on retail wallets at ``receiver``, run the
    frozen clock ``WINDOW_MS`` forward and return once every delivery has finished."""
    with _serve(faults) as server, httpx.Client(base_url=server.base_url) as client:
        world = server.sim.world
        watched = _watched(client)
        created = client.post(
            "/v0/webhooks",
            params=KEY,
            json={"webhookURL": receiver.url, "accountAddresses": watched, **hook_fields},
        )
        assert created.status_code == 200, created.text
        first_tx = world.n_tx()
        run_clock_to(server, world.now_ms + WINDOW_MS)
        status = client.get("/__sim/status").json()["deliveries"]
        expected, failed = _touching(world, set(watched), range(first_tx, world.n_tx()))
    assert expected, "the window has trades of the watched wallets"
    return Delivery(world, status["counters"], status["webhooks"][0], expected, failed, watched)


def test_crud_round_trip_matches_fixture_shapes() -> None:
    # Given a served world
    with _serve(Faults()) as server, httpx.Client(base_url=server.base_url) as client:
        req = load_fixture("helius/webhook_create_request.json")
        # When a webhook is created, listed, updated, read and deleted
        created = client.post("/v0/webhooks", params=KEY, json=req)
        hook_id = created.json()["webhookID"]
        listed = client.get("/v0/webhooks", params=KEY)
        update = load_fixture("helius/webhook_update_request.json")
        updated = client.put(f"/v0/webhooks/{hook_id}", params=KEY, json=update)
        got = client.get(f"/v0/webhooks/{hook_id}", params=KEY)
        deleted = client.delete(f"/v0/webhooks/{hook_id}", params=KEY)
        after_delete = client.get(f"/v0/webhooks/{hook_id}", params=KEY)
    # Then each has the documented shape and status, and the deleted webhook is gone
    assert created.status_code == 200
    assert not shape_errors(created.json(), load_fixture("helius/webhook_create_response.json"))
    assert not shape_errors(listed.json(), load_fixture("helius/webhook_list_response.json"))
    assert updated.json()["accountAddresses"] == update["accountAddresses"]
    assert got.status_code == 200
    assert deleted.status_code == 200
    assert after_delete.status_code == 404


def test_a_webhook_without_a_url_is_rejected() -> None:
    # Given a served world
    with _serve(Faults()) as server, httpx.Client(base_url=server.base_url) as client:
        # When a webhook is created without webhookURL
        response = client.post("/v0/webhooks", params=KEY, json={"accountAddresses": []})
        listed = client.get("/v0/webhooks", params=KEY).json()
    # Then it is refused with a 400 and nothing is registered
    assert response.status_code == 400
    assert listed == []


def test_a_webhook_gets_exactly_the_successful_transactions_touching_its_wallets(
    receivers: Callable[..., Receiver],
) -> None:
    # Given a reliable endpoint and no injected faults
    receiver = receivers()
    # When twenty sim minutes are delivered to a webhook on 300 retail wallets
    delivery = _deliver_window(Faults(retry_delay_s=0.0), receiver)
    # Then the webhook matched, and the endpoint received, exactly the window's successful
    # transactions signed by or sent to a watched wallet (failed ones are skipped)
    assert delivery.failed_touching > 0, "the window has failed transactions to skip"
    assert delivery.ledger["matched"] == len(delivery.expected)
    assert delivery.counters["transactionsMatched"] == len(delivery.expected)
    assert sorted(receiver.signatures()) == sorted(delivery.expected)
    # Then they came in full batches of at most 100, one POST each
    assert len(receiver.bodies) == delivery.batches
    assert all(len(body) <= BATCH for body in receiver.bodies)
    assert delivery.counters["attempts"] == delivery.counters["ok"] == delivery.batches


def test_an_endpoint_failing_twice_still_receives_every_transaction_once(
    receivers: Callable[..., Receiver],
) -> None:
    # Given an endpoint that answers its first two POSTs with a 500
    receiver = receivers(fail_first=2)
    # When the window is delivered
    delivery = _deliver_window(Faults(retry_delay_s=0.0, max_retries=3), receiver)
    # Then exactly the two failed POSTs were retried, and every transaction arrived once
    counters = delivery.counters
    assert counters["non2xx"] == 2
    assert counters["retries"] == 2
    assert counters["lostAfterRetries"] == 0
    assert counters["attempts"] == delivery.batches + 2 == len(receiver.raw)
    assert sorted(receiver.signatures()) == sorted(delivery.expected)
    assert delivery.ledger["delivered"] == len(delivery.expected)


def test_an_endpoint_that_always_fails_gets_its_retries_then_the_loss_is_recorded(
    receivers: Callable[..., Receiver],
) -> None:
    # Given an endpoint that always answers 500, and one retry per POST
    receiver = receivers(fail_first=10**9)
    # When the window is delivered
    delivery = _deliver_window(Faults(retry_delay_s=0.0, max_retries=1), receiver)
    # Then each batch was tried exactly twice and every matched transaction is recorded as lost
    counters = delivery.counters
    assert counters["attempts"] == 2 * delivery.batches == len(receiver.raw)
    assert counters["retries"] == delivery.batches
    assert counters["lostAfterRetries"] == delivery.batches
    assert delivery.ledger["lost"] == delivery.ledger["matched"] == len(delivery.expected)
    assert delivery.ledger["delivered"] == 0
    assert delivery.ledger["undelivered"] == []


def test_injected_drops_are_counted_so_nothing_is_silently_lost(
    receivers: Callable[..., Receiver],
) -> None:
    # Given every batch is dropped by the fault injector
    receiver = receivers()
    # When the window is delivered
    delivery = _deliver_window(Faults(drop=1.0, retry_delay_s=0.0), receiver)
    # Then nothing was POSTed, and the ledger accounts for every matched transaction as dropped
    assert receiver.raw == []
    assert delivery.counters["attempts"] == 0
    assert delivery.counters["injectedDrops"] == delivery.batches
    assert delivery.ledger["dropped"] == delivery.ledger["matched"] == len(delivery.expected)
    assert delivery.ledger["undelivered"] == []


def test_a_duplicated_post_delivers_the_batch_twice_and_is_counted_once(
    receivers: Callable[..., Receiver],
) -> None:
    # Given some batches are POSTed twice by the fault injector
    receiver = receivers()
    # When the window is delivered
    delivery = _deliver_window(Faults(duplicate=0.3, retry_delay_s=0.0), receiver)
    # Then each injected duplicate is one extra identical POST, and the ledger counts each
    # transaction once
    duplicates = delivery.counters["injectedDuplicates"]
    assert duplicates > 0, "the seed injects duplicates"
    distinct = {tuple(tx["signature"] for tx in body) for body in receiver.bodies}
    assert len(distinct) == delivery.batches
    assert len(receiver.bodies) == delivery.batches + duplicates
    assert set(receiver.signatures()) == delivery.expected
    assert delivery.ledger["delivered"] == len(delivery.expected)


def test_a_reordered_batch_arrives_reversed_and_complete(
    receivers: Callable[..., Receiver],
) -> None:
    # Given some batches are reversed by the fault injector
    receiver = receivers()
    # When the window is delivered
    delivery = _deliver_window(Faults(reorder=0.5, retry_delay_s=0.0), receiver)
    # Then exactly the injected number of batches arrive newest first, and nothing is missing
    reorders = delivery.counters["injectedReorders"]
    assert reorders > 0, "the seed injects reorders"
    tx_ids = [
        [delivery.world.sigs.decode(tx["signature"]) or 0 for tx in body]
        for body in receiver.bodies
    ]
    reversed_batches = [ids for ids in tx_ids if len(ids) > 1 and ids == sorted(ids, reverse=True)]
    assert len(reversed_batches) == reorders
    assert sorted(receiver.signatures()) == sorted(delivery.expected)


def test_a_malformed_post_is_rejected_then_retried_with_the_full_body(
    receivers: Callable[..., Receiver],
) -> None:
    # Given some batches' first POST carries a truncated body
    receiver = receivers()
    # When the window is delivered
    delivery = _deliver_window(Faults(malformed=0.3, retry_delay_s=0.0), receiver)
    # Then each malformed POST got a 400 and exactly one retry, and everything arrived once
    counters = delivery.counters
    malformed = counters["injectedMalformed"]
    assert malformed > 0, "the seed injects malformed bodies"
    assert counters["non2xx"] == counters["retries"] == malformed
    assert counters["attempts"] == delivery.batches + malformed == len(receiver.raw)
    assert counters["lostAfterRetries"] == 0
    assert sorted(receiver.signatures()) == sorted(delivery.expected)


def test_delayed_posts_still_arrive(receivers: Callable[..., Receiver]) -> None:
    # Given every batch is held back before its POST
    receiver = receivers()
    # When the window is delivered
    delivery = _deliver_window(Faults(delay=1.0, delay_s=0.05, retry_delay_s=0.0), receiver)
    # Then every batch was delayed once, and every transaction arrived once
    assert delivery.counters["injectedDelays"] == delivery.batches
    assert len(receiver.bodies) == delivery.batches
    assert sorted(receiver.signatures()) == sorted(delivery.expected)


def test_every_post_carries_the_webhooks_auth_header(receivers: Callable[..., Receiver]) -> None:
    # Given a webhook with an auth header and an endpoint that fails its first two POSTs
    receiver = receivers(fail_first=2)
    # When the window is delivered
    delivery = _deliver_window(Faults(retry_delay_s=0.0), receiver, authHeader="Bearer test-secret")
    # Then every POST, retries included, carried the header
    assert receiver.auth == ["Bearer test-secret"] * delivery.counters["attempts"]


def test_delivered_transactions_have_the_enhanced_shapes(
    receivers: Callable[..., Receiver],
) -> None:
    # Given the reference shapes of each kind of enhanced transaction
    pump_sell = load_fixture("helius/webhook_delivery.json")[2]
    raydium = load_fixture("helius/enhanced_tx_raydium_buy.json")
    transfer = load_fixture("helius/enhanced_tx_sol_transfer.json")
    token_transfer = load_fixture("helius/enhanced_tx_token_transfer.json")
    receiver = receivers()
    # When the window is delivered
    _deliver_window(Faults(retry_delay_s=0.0), receiver)
    # Then each delivered element has its kind's shape and none is a failed transaction
    for body in receiver.bodies:
        for tx in body:
            ref = (
                raydium
                if tx["events"]
                else transfer
                if tx["source"] == "SYSTEM_PROGRAM"
                else token_transfer
                if tx["source"] == "SOLANA_PROGRAM_LIBRARY"
                else pump_sell
            )
            assert not shape_errors(tx, ref), tx["signature"]
            assert tx["transactionError"] is None


def test_some_bodies_come_trimmed_and_ingest_still_reads_the_exact_swaps(
    receivers: Callable[..., Receiver],
) -> None:
    # Given a reliable endpoint
    receiver = receivers()
    # When the window is delivered to a webhook on 300 retail wallets
    delivery = _deliver_window(Faults(retry_delay_s=0.0), receiver)
    world, watched = delivery.world, delivery.watched
    # Then some transactions came in trimmed bodies, as real ones do: 2-3 accountData rows
    # and no instructions (trades among them)
    delivered = [tx for body in receiver.bodies for tx in body]
    trimmed = [tx for tx in delivered if tx["instructions"] == []]
    assert all(len(tx["accountData"]) <= 3 for tx in trimmed)
    tx_ids = {tx["signature"]: world.sigs.decode(tx["signature"]) for tx in delivered}
    assert any(world.t_kind[tx_ids[tx["signature"]] or 0] == SWAP for tx in trimmed)
    assert any(world.t_kind[tx_ids[tx["signature"]] or 0] == NFT_TRADE for tx in delivered)
    # When ingest parses each body for the watched wallets
    for body in receiver.bodies:
        swaps, errors = parse_transactions(body, wallets=watched)
        # Then it records exactly the watched wallets' trades of the body, in order (at the
        # README's limit, a trimmed trade paying an unknown bot: the venue's price + that fee)
        assert errors == []
        want = [
            swap
            for tx in body
            for swap in expected_swaps(world, tx_ids[tx["signature"]] or 0, tx)
            if swap["wallet"] in watched
        ]
        assert [swap_fields(s) for s in swaps] == want
    # And the window held that limit too
    assert any(at_parser_limit(world, tx_ids[tx["signature"]] or 0, tx) for tx in trimmed)


def test_a_running_clock_delivers_new_transactions_on_its_own(
    receivers: Callable[..., Receiver],
) -> None:
    # Given a live world (ten sim minutes per real second) and a webhook on retail wallets
    receiver = receivers()
    with (
        _serve(Faults(retry_delay_s=0.0), speed=600.0) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        hook_id = client.post(
            "/v0/webhooks",
            params=KEY,
            json={"webhookURL": receiver.url, "accountAddresses": _watched(client)},
        ).json()["webhookID"]
        # When the clock runs, with no test driving it
        wait_until(lambda: bool(receiver.bodies), message="the first delivery arrives")
        # stop new matches (the ledger stays), then let in-flight POSTs finish; PATCH changes
        # only the addresses (a PUT replaces the whole webhook and must carry its URL)
        client.patch(f"/v0/webhooks/{hook_id}", params=KEY, json={"accountAddresses": []})
        server.call(server.sim.deliverer.drain)
        ledger = client.get("/__sim/status").json()["deliveries"]["webhooks"][0]
    # Then what arrived is exactly what the ledger matched and delivered
    assert ledger["matched"] == ledger["delivered"] == len(set(receiver.signatures()))
