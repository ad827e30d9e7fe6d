"""Steps 1-2 end to end below the browser: the API, the token_scan / token_refresh functions run
from their template.yaml entries by the local runtime, real Postgres, the simulated market."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from fastapi.testclient import TestClient

from functions.token_scan import handler as token_scan_handler
from sim.server import SimServer
from tests.support.stack import RELAXED, Stack
from walltrack.app.container import build_container
from walltrack.app.process import bound
from walltrack.cli.market import SIM_API_KEY
from walltrack.runtime.local import LambdaContext

STACK_EXCLUDE = ("WalletDiscoveryFunction", "WalletProfileFunction")
"""Step 3's consumers left out: the wallet-discovery queue keeps what token_scan sent."""


def _configure(client: TestClient, step: str, values: dict[str, Any]) -> None:
    response = client.put(f"/config/{step}", json=values)
    assert response.status_code == 200, response.text


def _sim_json(sim: SimServer, path: str) -> Any:
    return httpx.get(f"{sim.base_url}{path}", timeout=10).json()


def test_run_now_scans_through_the_queue_and_lists_the_passing_tokens(
    stack: Stack,
) -> None:
    client, runtime = stack.client, stack.runtime
    _configure(client, "token_discovery", RELAXED)
    # When the user asks for a scan
    started = client.post("/discovery/tokens/run")
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    # Then the run is recorded at once and runs when the token_scan function takes the message
    assert client.get(f"/status/schedule-runs/{run_id}").json()["status"] == "running"
    runtime.run_until_idle()
    run = client.get(f"/status/schedule-runs/{run_id}").json()
    assert run["status"] == "succeeded", run
    counts = run["counts"]
    assert counts["passed_filters"] > 0
    listed = client.get("/discovery/tokens", params={"filters": "passed", "limit": 500}).json()
    assert listed["total"] == counts["passed_filters"]
    # And each new token was announced to wallet discovery (step 3's queue)
    assert runtime.queue("WalletDiscoveryQueue").approximate_count() == counts["new_tokens"]

    # When the filters tighten to the single most liquid pool and the scan runs again
    liquidities = sorted(float(t["market"]["liquidity_usd"] or 0) for t in listed["items"])
    curves = sum(t["dex_id"] == "pumpfun" for t in listed["items"])
    _configure(client, "token_discovery", {"min_liquidity_usd": str(int(liquidities[-1]) - 1)})
    second = client.post("/discovery/tokens/run").json()["run_id"]
    runtime.run_until_idle()
    # Then the passing list shrinks to it and the bonding curves (the liquidity rule judges
    # pools only); the other pools stay stored, flagged with the reason
    assert client.get(f"/status/schedule-runs/{second}").json()["status"] == "succeeded"
    tight = client.get("/discovery/tokens", params={"filters": "passed", "limit": 500}).json()
    assert tight["total"] == 1 + curves
    assert sum(t["dex_id"] != "pumpfun" for t in tight["items"]) == 1
    rejected = client.get("/discovery/tokens", params={"filters": "rejected"}).json()
    assert rejected["total"] == listed["total"] - 1 - curves > 0
    assert "liquidity" in rejected["items"][0]["filter_reasons"][0]


def test_manual_add_valid_malformed_and_unknown(stack: Stack, sim: SimServer) -> None:
    client = stack.client
    truth = _sim_json(sim, "/__sim/truth")
    mint = truth["tokens"][-3]["mint"]
    # A valid sim mint is added, with a safety verdict
    added = client.post("/discovery/tokens", json={"mint": mint})
    assert added.status_code == 201, added.text
    assert added.json()["safety"]["verdict"] in {"pass", "warn", "fail"}
    assert "manual" in added.json()["sources"]
    # A malformed mint is a 422 with a clear message; an unknown one a 404; nothing stored
    before = client.get("/discovery/tokens").json()["total"]
    bad = client.post("/discovery/tokens", json={"mint": "not-a-mint"})
    assert bad.status_code == 422
    assert "not a Solana mint address" in bad.json()["message"]
    unknown = client.post("/discovery/tokens", json={"mint": "11111111111111111111111111111112"})
    assert unknown.status_code == 404
    assert "no market knows the mint" in unknown.json()["message"]
    assert client.get("/discovery/tokens").json()["total"] == before
    # The detail has its snapshot and safety reasons; DELETE blocks it
    detail = client.get(f"/discovery/tokens/{mint}").json()
    assert len(detail["snapshots"]) == 1
    assert detail["token"]["safety"]["checks"]
    assert client.delete(f"/discovery/tokens/{mint}").json()["status"] == "blocked"
    assert client.get("/discovery/tokens/NoSuchMint111").status_code == 404


def test_a_token_with_a_live_freeze_authority_fails_with_that_reason(
    stack: Stack, sim: SimServer
) -> None:
    client = stack.client
    # Given a sim token whose freeze authority is still set (read from the sim's DAS)
    frozen = None
    for token in _sim_json(sim, "/__sim/truth")["tokens"]:
        asset = httpx.post(
            f"{sim.base_url}/?api-key={SIM_API_KEY}",
            json={"jsonrpc": "2.0", "id": 1, "method": "getAsset", "params": {"id": token["mint"]}},
            timeout=10,
        ).json()
        if asset.get("result", {}).get("token_info", {}).get("freeze_authority"):
            frozen = token["mint"]
            break
    assert frozen is not None, "the small world has a token with a live freeze authority"
    # When it is added
    token = client.post("/discovery/tokens", json={"mint": frozen}).json()
    # Then its verdict is fail, naming the freeze authority
    assert token["safety"]["verdict"] == "fail"
    assert any("freeze authority" in c["detail"] for c in token["safety"]["checks"]
               if c["outcome"] == "fail")  # fmt: skip


def test_the_refresh_schedule_runs_when_due_and_follows_its_setting(
    stack: Stack, sim: SimServer
) -> None:
    client, runtime = stack.client, stack.runtime
    mint = _sim_json(sim, "/__sim/truth")["tokens"][-2]["mint"]
    assert client.post("/discovery/tokens", json={"mint": mint}).status_code == 201
    # When token_refresh's template schedule fires (an EventBridge scheduled event)
    first = runtime.fire_schedule("TokenRefreshFunction")
    again = runtime.fire_schedule("TokenRefreshFunction")
    # Then the first tick refreshes (never ran: due) and the second, a moment later, does not
    assert first["ran"] is True
    assert first["counts"]["snapshots"] >= 1
    assert again["ran"] is False
    runs = client.get("/status/schedule-runs", params={"job": "token_refresh"}).json()
    assert len(runs) == 1
    assert runs[0]["status"] == "succeeded"
    schedules = {s["job"]: s for s in client.get("/status/schedules").json()}
    assert schedules["token_refresh"]["next_run_at"] is not None
    assert schedules["token_refresh"]["last_started_at"] == runs[0]["started_at"]
    # And step 4's clustering schedule is listed beside the token jobs' (never run yet)
    assert schedules["clustering"]["last_started_at"] is None
    assert len(client.get(f"/discovery/tokens/{mint}").json()["snapshots"]) == 2


def test_a_scan_whose_market_is_down_is_recorded_failed_and_keeps_previous_data(
    stack: Stack, sim: SimServer
) -> None:
    client, runtime = stack.client, stack.runtime
    mint = _sim_json(sim, "/__sim/truth")["tokens"][-2]["mint"]
    assert client.post("/discovery/tokens", json={"mint": mint}).status_code == 201
    # Given the functions' DexScreener unreachable (a container whose DexScreener is down)
    down_env = stack.container.env.model_copy(update={"dexscreener_base_url": "http://127.0.0.1:9"})
    down = build_container(down_env, clock=stack.container.clock)
    runtime.invocation_scope = lambda: bound(down)
    # When a scan runs
    run_id = client.post("/discovery/tokens/run").json()["run_id"]
    runtime.run_until_idle()
    down.close()
    # Then it is recorded failed with the error, not retried into the DLQ, and data is intact
    run = client.get(f"/status/schedule-runs/{run_id}").json()
    assert run["status"] == "failed"
    assert run["error"]
    assert runtime.queue("TokenScanDLQ").approximate_count() == 0
    assert client.get(f"/discovery/tokens/{mint}").status_code == 200


def test_a_scan_invoked_with_little_time_left_defers_its_tokens_to_the_next_scan(
    stack: Stack,
) -> None:
    client, runtime = stack.client, stack.runtime
    _configure(client, "token_discovery", RELAXED)
    # Given a manual scan request taken by an invocation with 20 s left (under the reserve)
    run_id = client.post("/discovery/tokens/run").json()["run_id"]
    queue = runtime.queue("TokenScanQueue")
    [message] = queue.receive(max_messages=1)
    context = LambdaContext(
        function_name="token_scan",
        aws_request_id="short-of-time",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:local:000000000000:function:token_scan",
        timeout_seconds=20,
    )
    # When the handler runs it
    with bound(stack.container):
        response = token_scan_handler({"Records": [queue.record(message)]}, context)
    # Then the run succeeds with every passing token deferred, nothing checked or stored
    assert response == {"batchItemFailures": []}
    run = client.get(f"/status/schedule-runs/{run_id}").json()
    assert run["status"] == "succeeded", run
    assert run["counts"]["passed_filters"] > 0
    assert run["counts"]["deferred"] == run["counts"]["passed_filters"]
    assert run["counts"]["new_tokens"] == 0
    assert client.get("/discovery/tokens").json()["total"] == 0


def _queued_mints(stack: Stack) -> list[str]:
    """The mints of every message waiting in step 3's queue (received, so hidden afterwards)."""
    queue, mints = stack.runtime.queue("WalletDiscoveryQueue"), []
    while batch := queue.receive(max_messages=10):
        mints += [json.loads(m.body)["mint"] for m in batch]
    return mints


def test_every_rejected_candidate_is_listed_with_its_reasons_and_nothing_works_on_it(
    stack: Stack,
) -> None:
    client, runtime = stack.client, stack.runtime
    # Given filters that reject every sim token (no pool is that liquid, no token that busy)
    never = "999999999999"
    _configure(
        client,
        "token_discovery",
        {**RELAXED, "min_liquidity_usd": never, "min_volume_24h_usd": never},
    )
    # When a scan runs
    first = client.post("/discovery/tokens/run").json()["run_id"]
    runtime.run_until_idle()
    counts = client.get(f"/status/schedule-runs/{first}").json()["counts"]
    # Then every token the scan judged is listed as rejected, with its reasons
    assert counts["passed_filters"] == 0
    assert counts["rejected_new"] == counts["tokens"] > 0
    rejected = client.get("/discovery/tokens", params={"filters": "rejected", "limit": 500}).json()
    assert rejected["total"] == counts["tokens"] - counts["passed_filters"]
    assert all("24 h volume USD" in " ".join(t["filter_reasons"]) for t in rejected["items"])
    # And nothing works on them: no safety check, no snapshot, no announcement, no fan-out
    assert all(t["safety"] is None for t in rejected["items"])
    some = rejected["items"][0]["mint"]
    assert client.get(f"/discovery/tokens/{some}").json()["snapshots"] == []
    assert runtime.queue("WalletDiscoveryQueue").approximate_count() == 0
    assert client.post("/discovery/wallets/run", json={}).status_code == 404

    # When the filters let the most liquid pool through, and the bonding curves (no pool
    # liquidity: the liquidity rule judges pools only), and the scan runs again
    liquidity = sorted(Decimal(t["market"]["liquidity_usd"] or 0) for t in rejected["items"])
    assert liquidity[-1] >= 1
    _configure(
        client,
        "token_discovery",
        {"min_liquidity_usd": str(int(liquidity[-1])), "min_volume_24h_usd": "0"},
    )
    second = client.post("/discovery/tokens/run").json()["run_id"]
    runtime.run_until_idle()
    counts = client.get(f"/status/schedule-runs/{second}").json()["counts"]
    # Then the list of rejected ones is exactly the rest, and the passing ones are normal new
    # tokens: checked, snapshotted and announced once each
    passing = client.get("/discovery/tokens", params={"filters": "passed", "limit": 500}).json()
    passed = {t["mint"] for t in passing["items"]}
    assert 0 < counts["passed_filters"] < counts["tokens"]
    again = client.get("/discovery/tokens", params={"filters": "rejected", "limit": 500}).json()
    assert again["total"] == counts["tokens"] - counts["passed_filters"]
    assert counts["new_tokens"] == counts["passed_filters"] == len(passed)
    assert all(t["safety"] is not None for t in passing["items"])
    assert sorted(_queued_mints(stack)) == sorted(passed)
    # And refresh and a discovery of every active token take the passing ones only
    refresh = runtime.fire_schedule("TokenRefreshFunction")
    assert refresh["counts"]["active"] == len(passed)
    for token in again["items"]:
        assert client.get(f"/discovery/tokens/{token['mint']}").json()["snapshots"] == []
    everything = client.post("/discovery/wallets/run", json={}).json()
    assert everything["tokens"] == len(passed)
    assert sorted(_queued_mints(stack)) == sorted(passed)
