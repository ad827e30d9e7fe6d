"""Webhook CRUD and delivery over loopback, with retries and injected faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from sim.server import SimConfig, SimServer
from sim.webhooks import Faults
from sim.world import Scenario, World
from tests.integration.sim.conftest import Receiver
from tests.unit.sim.conftest import load_fixture
from tests.unit.sim.shapes import shape_errors

KEY = {"api-key": "sim-key"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback endpoint that fails its first two POSTs."""
    rec = Receiver(fail_first=2)
    yield rec
    rec.close()


def _live_server(faults: Faults) -> SimServer:
    world = World(Scenario.small(seed=9))
    world.advance_to(world.history_end_ms)
    # x600: ten sim minutes per real second, so new trades appear quickly
    return SimServer(world, SimConfig(speed=600.0, tick_s=0.05, faults=faults))


def test_crud_round_trip_matches_fixture_shapes() -> None:
    # Given a served world
    with _live_server(Faults(retry_delay_s=0.01)) as server:
        client = httpx.Client(base_url=server.base_url)
        req = load_fixture("helius/webhook_create_request.json")
        # When a webhook is created, listed, updated, read and deleted
        created = client.post("/v0/webhooks", params=KEY, json=req)
        hook_id = created.json()["webhookID"]
        listed = client.get("/v0/webhooks", params=KEY)
        update = load_fixture("helius/webhook_update_request.json")
        updated = client.put(f"/v0/webhooks/{hook_id}", params=KEY, json=update)
        got = client.get(f"/v0/webhooks/{hook_id}", params=KEY)
        deleted = client.delete(f"/v0/webhooks/{hook_id}", params=KEY)
        # Then each has the documented shape and status
        assert created.status_code == 200
        assert not shape_errors(created.json(), load_fixture("helius/webhook_create_response.json"))
        assert not shape_errors(listed.json(), load_fixture("helius/webhook_list_response.json"))
        assert updated.json()["accountAddresses"] == update["accountAddresses"]
        assert got.status_code == 200
        assert deleted.status_code == 200
        assert client.get(f"/v0/webhooks/{hook_id}", params=KEY).status_code == 404
        assert (
            client.post("/v0/webhooks", params=KEY, json={"accountAddresses": []}).status_code
            == 400
        )


def test_deliveries_reach_the_endpoint_despite_failures_and_faults(receiver: Receiver) -> None:
    # Given a live world with duplicate/reorder/malformed faults and a receiver that fails twice
    faults = Faults(duplicate=0.3, reorder=0.5, malformed=0.2, retry_delay_s=0.05, max_retries=3)
    with _live_server(faults) as server:
        client = httpx.Client(base_url=server.base_url)
        truth = client.get("/__sim/truth").json()
        watched = [w["address"] for w in truth["wallets"] if w["label"] == "retail"][:300]
        # When a webhook watches many wallets for a couple of real seconds
        hook = client.post(
            "/v0/webhooks",
            params=KEY,
            json={
                "webhookURL": receiver.url,
                "transactionTypes": ["ANY"],
                "accountAddresses": watched,
                "webhookType": "enhanced",
                "authHeader": "Bearer test-secret",
            },
        ).json()
        time.sleep(2.0)
        client.delete(f"/v0/webhooks/{hook['webhookID']}", params=KEY)
        server.call(server.sim.deliverer.drain)
        status = client.get("/__sim/status").json()["deliveries"]
    # Then every matched transaction was delivered (no drops were injected), with the auth header
    ledger = status["webhooks"][0] if status["webhooks"] else None
    counters = status["counters"]
    delivered = {tx["signature"] for body in receiver.bodies for tx in body}
    assert counters["transactionsMatched"] > 0
    assert counters["lostAfterRetries"] == 0
    assert counters["retries"] >= 2
    assert ledger is None  # deleted webhooks leave the list
    assert len(delivered) == counters["transactionsMatched"]
    assert set(receiver.auth) == {"Bearer test-secret"}
    # Then each delivered element has an enhanced-transaction shape
    pump_sell, raydium = (
        load_fixture("helius/webhook_delivery.json")[2],
        load_fixture("helius/enhanced_tx_raydium_buy.json"),
    )
    transfer = load_fixture("helius/enhanced_tx_sol_transfer.json")
    token_transfer = load_fixture("helius/enhanced_tx_token_transfer.json")
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
            assert tx["transactionError"] is None  # enhanced webhooks skip failed transactions


def test_injected_drops_are_counted_so_nothing_is_silently_lost(receiver: Receiver) -> None:
    # Given every batch is dropped by the fault injector
    with _live_server(Faults(drop=1.0, retry_delay_s=0.01)) as server:
        client = httpx.Client(base_url=server.base_url)
        truth = client.get("/__sim/truth").json()
        watched = [w["address"] for w in truth["wallets"] if w["label"] == "retail"][:300]
        client.post(
            "/v0/webhooks",
            params=KEY,
            json={
                "webhookURL": receiver.url,
                "accountAddresses": watched,
                "transactionTypes": ["ANY"],
                "webhookType": "enhanced",
            },
        )
        time.sleep(1.0)
        server.call(server.sim.deliverer.drain)
        status = client.get("/__sim/status").json()["deliveries"]
    # Then nothing arrived, and the ledger accounts for every matched transaction as dropped
    hook = status["webhooks"][0]
    assert receiver.bodies == []
    assert hook["matched"] > 0
    assert hook["dropped"] == hook["matched"]
    assert hook["undelivered"] == []


def test_an_endpoint_that_always_fails_gets_retries_then_the_loss_is_recorded() -> None:
    # Given a receiver that always answers 500, one retry, and delayed first POSTs
    rec = Receiver(fail_first=10**9)
    try:
        with _live_server(
            Faults(delay=1.0, delay_s=0.01, retry_delay_s=0.01, max_retries=1)
        ) as server:
            client = httpx.Client(base_url=server.base_url)
            truth = client.get("/__sim/truth").json()
            watched = [w["address"] for w in truth["wallets"] if w["label"] == "retail"][:300]
            hook_id = client.post(
                "/v0/webhooks",
                params=KEY,
                json={
                    "webhookURL": rec.url,
                    "accountAddresses": watched,
                    "webhookType": "enhanced",
                },
            ).json()["webhookID"]
            time.sleep(1.0)
            # stop new matches (the hook and its ledger stay), then let in-flight POSTs finish
            client.put(f"/v0/webhooks/{hook_id}", params=KEY, json={"accountAddresses": []})
            server.call(server.sim.deliverer.drain)
            status = client.get("/__sim/status").json()["deliveries"]
    finally:
        rec.close()
    # Then each batch was tried twice and every matched transaction is recorded as lost
    counters, hook = status["counters"], status["webhooks"][0]
    batches = counters["injectedDelays"]
    assert batches > 0
    assert counters["attempts"] == 2 * batches == len(rec.raw)
    assert counters["lostAfterRetries"] == batches
    assert hook["lost"] == hook["matched"] > 0
