"""Step 3 end to end below the browser: the API, the wallet_discovery and wallet_profile
functions run from their template.yaml entries by the local runtime, real Postgres, the
simulated market over HTTP. Only the assertions read the sim's truth."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sim.server import SimConfig, SimServer
from sim.world import SWAP, World
from tests.support.stack import Stack, local_stack
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import WalletProfileRequested
from walltrack.data.models.swap import Swap
from walltrack.data.postgres.database import Database
from walltrack.runtime.local import LocalRuntime

UNKNOWN = "11111111111111111111111111111112"


@pytest.fixture(scope="module")
def flaky_sim(world: World) -> Iterator[SimServer]:
    """The same market answering 10 % of Helius calls with a 503."""
    with SimServer(world, SimConfig(speed=0, error_5xx=0.1)) as server:
        yield server


@pytest.fixture
def flaky_stack(
    base_env: EnvSettings,
    clean_db: Database,
    flaky_sim: SimServer,
    auth_headers: dict[str, str],
) -> Iterator[Stack]:
    with local_stack(base_env, market_url=flaky_sim.base_url, headers=auth_headers) as running:
        yield running


def traders_by_label(world: World) -> dict[str, dict[str, set[str]]]:
    """Truth: per token mint, its traders grouped by hidden label."""
    label = {w["address"]: w["label"] for w in world.truth()["wallets"]}
    per: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for tx in range(world.n_tx()):
        if world.t_kind[tx] == SWAP and world.t_token[tx] > 0:
            address = world.addr[world.t_wallet[tx]]
            mint = world.tokens[world.t_token[tx]].mint
            per[mint][label.get(address, "other")].add(address)
    return per


def _token_with(per: dict[str, dict[str, set[str]]], *labels: str) -> str:
    """The token with the most smart traders among those where every label traded."""
    return max(
        (mint for mint, d in per.items() if all(d[label] for label in labels)),
        key=lambda mint: len(per[mint]["smart"]),
    )


def _discover(client: TestClient, runtime: LocalRuntime, mint: str) -> dict[str, Any]:
    added = client.post("/discovery/tokens", json={"mint": mint})
    assert added.status_code == 201, added.text
    started = client.post("/discovery/wallets/run", json={"mint": mint})
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    runtime.run_until_idle()
    run: dict[str, Any] = client.get(f"/status/schedule-runs/{run_id}").json()
    return run


def test_a_tokens_wallets_are_found_profiled_and_ranked(stack: Stack, world: World) -> None:
    client, runtime = stack.client, stack.runtime
    per = traders_by_label(world)
    mint = _token_with(per, "smart", "retail", "sniper")
    # Given a token traded by smart wallets, retail and snipers
    # When the user runs wallet discovery on it and the functions drain their queues
    run = _discover(client, runtime, mint)
    # Then the run succeeded with candidates found (their profiles were requested by the
    # discovery the manual add triggered, or by this run: never twice)
    assert run["status"] == "succeeded", run
    assert run["job"] == "wallet_discovery"
    assert run["counts"]["candidates"] > 0
    assert run["counts"]["queued_profiles"] in (0, run["counts"]["candidates"])
    assert run["counts"]["tokens_done"] == 1
    # And every candidate got profiled (nothing pending, nothing in the DLQ)
    # (by score alone: in this 2-hour world a smart wallet has too few trades to qualify, and
    # the default rank puts the qualified ones first)
    page = client.get("/wallets", params={"token": mint, "limit": 500, "sort": "score"}).json()
    assert page["pending"] == 0
    assert page["total"] == run["counts"]["candidates"]
    assert runtime.queue("WalletProfileDLQ").approximate_count() == 0
    ranked = [w["address"] for w in page["items"]]  # by score, best first
    assert all(w["status"] == "profiled" and w["score"] is not None for w in page["items"])
    # And the smart wallets found rank above the retail wallets found (median rank)
    rank = {address: i for i, address in enumerate(ranked)}
    smart = [rank[a] for a in per[mint]["smart"] if a in rank]
    retail = [rank[a] for a in per[mint]["retail"] if a in rank]
    snipers = [a for a in per[mint]["sniper"] if a in rank]
    assert smart
    assert retail
    assert snipers
    assert statistics.median(smart) < statistics.median(retail)
    # And a sniper is flagged as a bot and ranked below every smart wallet found
    by_address = {w["address"]: w for w in page["items"]}
    flagged = [a for a in snipers if by_address[a]["is_bot"]]
    assert flagged, [by_address[a] for a in snipers]
    assert min(rank[a] for a in flagged) > max(smart)
    # And a wallet's detail has its profile, trades and a PnL curve ending at its realised PnL
    best = client.get(f"/wallets/{ranked[0]}").json()
    assert best["profile"]["wallet"] == ranked[0]
    assert best["trades"]
    if best["pnl_curve"]:
        assert best["pnl_curve"][-1]["cumulative_pnl_sol"] == best["profile"]["realised_pnl_sol"]
    # And its trades are those of the profiled window: a swap seen after it is not listed
    _store_swap_after_the_window(stack, best)
    again = client.get(f"/wallets/{ranked[0]}").json()
    assert again["trades"] == best["trades"]
    # And the smart wallets found on the token say why
    reasons = {r for a in per[mint]["smart"] if a in by_address for r in
               by_address[a]["discovered_from"][0]["reasons"]}  # fmt: skip
    assert reasons
    assert reasons <= {"early_buyer", "top_trader"}


def _store_swap_after_the_window(stack: Stack, detail: dict[str, Any]) -> None:
    last = Swap.model_validate(detail["trades"][-1])
    end = datetime.fromisoformat(detail["profile"]["window_end"])
    later = last.model_copy(update={"signature": f"after-{last.signature}"[:88],
                                    "timestamp": end + timedelta(hours=1)})  # fmt: skip
    assert stack.container.wallets.add_swaps([later]) == 1


def test_a_wallet_over_the_history_cap_is_profiled_as_partial(stack: Stack, world: World) -> None:
    client, runtime = stack.client, stack.runtime
    # Given a history cap of 10 transactions per wallet
    response = client.put("/config/wallet_profile", json={"history_max_transactions": 10})
    assert response.status_code == 200, response.text
    mint = _token_with(traders_by_label(world), "smart", "retail")
    # When a token's wallets are found and profiled
    run = _discover(client, runtime, mint)
    assert run["status"] == "succeeded", run
    page = client.get("/wallets", params={"token": mint, "limit": 500}).json()
    # Then wallets with more history than the cap are profiled as partial, the others are not
    partial = [w for w in page["items"] if w["partial"]]
    assert partial
    detail = client.get(f"/wallets/{partial[0]['address']}").json()
    assert detail["profile"]["partial"] is True
    assert detail["profile"]["trades"] <= 10


def test_all_active_tokens_run_one_message_per_token_and_close_once(
    stack: Stack, world: World
) -> None:
    client, runtime = stack.client, stack.runtime
    per = traders_by_label(world)
    mints = sorted(per, key=lambda m: len(per[m]["retail"]))[:2]  # two small tokens
    for mint in mints:
        assert client.post("/discovery/tokens", json={"mint": mint}).status_code == 201
    runtime.run_until_idle()  # the discoveries the manual adds announced
    # When the user runs discovery over every active token
    started = client.post("/discovery/wallets/run", json={})
    assert started.status_code == 202, started.text
    assert started.json()["tokens"] == 2
    # Then one message per token is queued, and the run closes when both are done
    assert runtime.queue("WalletDiscoveryQueue").approximate_count() == 2
    runtime.run_until_idle()
    run = client.get(started.json()["status_url"]).json()
    assert run["status"] == "succeeded", run
    assert run["counts"]["tokens_done"] == 2
    assert run["counts"]["candidates"] > 0
    assert run["ended_at"] is not None


def test_helius_5xx_are_retried_and_every_wallet_still_gets_profiled(
    flaky_stack: Stack, flaky_sim: SimServer, world: World
) -> None:
    client, runtime = flaky_stack.client, flaky_stack.runtime
    per = traders_by_label(world)
    mint = sorted(per, key=lambda m: len(per[m]["retail"]))[0]
    # Given a market that answers one Helius call in ten with a 503
    # When a token's wallets are found and profiled
    run = _discover(client, runtime, mint)
    # Then the 503s were retried: the run succeeded and no profile is pending or dead-lettered
    assert run["status"] == "succeeded", run
    page = client.get("/wallets", params={"token": mint, "limit": 500}).json()
    assert page["total"] > 0
    assert page["pending"] == 0
    assert all(w["status"] == "profiled" for w in page["items"])
    assert runtime.queue("WalletProfileDLQ").approximate_count() == 0
    assert httpx.get(f"{flaky_sim.base_url}/__sim/status").json()["injected5xx"] > 0


def test_bad_requests_are_clear_and_store_nothing(stack: Stack) -> None:
    client, runtime = stack.client, stack.runtime
    # A malformed mint is a 422, a token we do not hold a 404; no run is recorded
    bad = client.post("/discovery/wallets/run", json={"mint": "not-a-mint"})
    assert bad.status_code == 422
    assert "not a Solana mint address" in bad.json()["message"]
    unknown = client.post("/discovery/wallets/run", json={"mint": UNKNOWN})
    assert unknown.status_code == 404
    assert "unknown token" in unknown.json()["message"]
    # With no active token, "all tokens" is a 404 that says what to do
    everything = client.post("/discovery/wallets/run", json={})
    assert everything.status_code == 404
    assert "token scan" in everything.json()["message"]
    assert client.get("/status/schedule-runs").json() == []
    # Wallet detail: malformed address 422, unknown wallet 404
    assert client.get("/wallets/xyz").status_code == 422
    assert client.get(f"/wallets/{UNKNOWN}").status_code == 404
    assert runtime.queue("WalletDiscoveryQueue").approximate_count() == 0


def test_a_bad_profile_message_fails_alone(stack: Stack) -> None:
    runtime = stack.runtime
    # Given a batch with unreadable messages between two valid ones: an address that is not
    # one, a body without a message id (not ours), and a version this consumer does not know
    good = WalletProfileRequested.new(address="11111111111111111111111111111112")
    other = WalletProfileRequested.new(address="11111111111111111111111111111113")
    records = [
        {"messageId": "m1", "body": good.model_dump_json()},
        {"messageId": "m2", "body": good.model_dump_json().replace(good.address, "not-one")},
        {"messageId": "m3", "body": f'{{"address": "{good.address}"}}'},
        {
            "messageId": "m4",
            "body": good.model_dump_json().replace('"schema_version":1', '"schema_version":2'),
        },
        {"messageId": "m5", "body": other.model_dump_json()},
    ]
    event = {
        "Records": [
            {**r, "receiptHandle": r["messageId"], "eventSource": "aws:sqs", "attributes": {}}
            for r in records
        ]
    }
    # When wallet_profile handles it
    result = runtime.invoke("WalletProfileFunction", event)
    # Then only the unreadable records are reported as failed (partial batch response)
    failed = [item["itemIdentifier"] for item in result["batchItemFailures"]]
    assert failed == ["m2", "m3", "m4"]
