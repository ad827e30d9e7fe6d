"""Every function in template.yaml, called through the handler path the template names, with the
event `sam local generate-event` makes for its trigger (tests/fixtures/events; `make
events-check` keeps them what the SAM CLI generates): what `sam local invoke` would feed it,
without a container engine. Against the local stack: real Postgres and graph, the simulated
market, the runtime's queues holding what the producers really sent.

An SQS event's generated body is SAM's own text; where the step's real message is wanted, the
message its producer put on the queue takes that body's place (and its MD5), nothing else.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from sim.server import SimServer
from tests.conftest import REPO_ROOT
from tests.support.stack import RELAXED, Stack
from tools.lambda_events import EVENTS_DIR, EventSpec, event_specs
from walltrack.app.process import bound
from walltrack.runtime.local import LambdaContext
from walltrack.runtime.template import load_template, resolve_handler

TEMPLATE = load_template(REPO_ROOT / "template.yaml")
SPECS = event_specs(TEMPLATE)
SQS_SPECS = [spec for spec in SPECS if spec.kind == "sqs"]


ELSEWHERE = {
    "test_lambda_events_signals.py": {"SignalScoreFunction.Swaps.json"},
    "test_lambda_events_positions.py": {"PositionOpenFunction.Signals.json"},
    "test_lambda_events_orders.py": {
        "OrderExecuteFunction.Orders.json",
        "ExitMonitorFunction.Tick.json",
        "ExitMonitorFunction.ExitSignals.json",
    },
}
"""Triggers exercised by a step's own module (each checked to name them: see the test below)."""


def test_the_triggers_exercised_elsewhere_are_exercised_there() -> None:
    # Given the modules said to exercise some triggers / Then each names each of its events
    for module, names in ELSEWHERE.items():
        text = (REPO_ROOT / "tests" / "integration" / module).read_text(encoding="utf-8")
        for name in names:
            function_id, trigger = name.removesuffix(".json").split(".")
            assert f'_spec("{function_id}", "{trigger}")' in text, (module, name)


def _event(spec: EventSpec) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / spec.file_name).read_text(encoding="utf-8"))
    return event


def _spec(function_id: str, trigger: str) -> EventSpec:
    [spec] = [s for s in SPECS if (s.function_id, s.trigger) == (function_id, trigger)]
    return spec


def invoke(stack: Stack, spec: EventSpec, event: dict[str, Any]) -> Any:
    """Call the handler template.yaml names for the function, as Lambda would, on the stack."""
    function = TEMPLATE.functions[spec.function_id]
    handler = resolve_handler(function.handler, function_id=spec.function_id)
    context = LambdaContext(
        function_name=spec.function_id,
        aws_request_id=str(uuid4()),
        memory_limit_in_mb=function.memory_size,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{spec.function_id}",
        timeout_seconds=function.timeout,
    )
    with bound(stack.container):
        return handler(event, context)


def with_queued_message(stack: Stack, spec: EventSpec, queue_id: str) -> tuple[dict[str, Any], str]:
    """The SAM event of `spec`, its one record carrying the next message on `queue_id` (the
    body a producer of ours sent there); and that message's receipt handle."""
    [message] = stack.runtime.queue(queue_id).receive(max_messages=1)
    assert message.receipt_handle is not None
    event = copy.deepcopy(_event(spec))
    [record] = event["Records"]
    record["body"] = message.body
    record["md5OfBody"] = hashlib.md5(message.body.encode(), usedforsecurity=False).hexdigest()
    return event, message.receipt_handle


def test_every_function_has_a_generated_event_for_each_trigger() -> None:
    # Given the functions of template.yaml
    # Then each has at least one trigger, and each trigger its event as the SAM CLI made it
    assert {spec.function_id for spec in SPECS} == set(TEMPLATE.functions)
    for spec in SPECS:
        assert (EVENTS_DIR / spec.file_name).is_file(), f"run `make events` ({spec.file_name})"


@pytest.mark.parametrize("spec", SQS_SPECS, ids=lambda spec: spec.file_name)
def test_an_sqs_batch_of_no_message_of_ours_fails_whole(stack: Stack, spec: EventSpec) -> None:
    # Given the SQS event SAM generates, its one body ("Hello from SQS!") no message of ours
    event = _event(spec)
    # When the function the template names gets it
    # Then the invocation fails (Powertools raises when every record of a batch failed), so SQS
    # retries the batch and, after maxReceiveCount receives, moves it to the DLQ
    with pytest.raises(BatchProcessingError, match="All records failed"):
        invoke(stack, spec, event)


def _at(event: dict[str, Any], path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The Function URL `event` for `path`, with `headers` added."""
    event = copy.deepcopy(event)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["headers"].update(headers or {})
    return event


def test_each_function_handles_the_events_of_its_triggers(
    stack: Stack, api_token: str, sim: SimServer
) -> None:
    client, runtime = stack.client, stack.runtime
    called: list[str] = []

    def call(function_id: str, trigger: str, make: Callable[[EventSpec], dict[str, Any]]) -> Any:
        spec = _spec(function_id, trigger)
        called.append(spec.file_name)
        return invoke(stack, spec, make(spec))

    # Given scheduled scans on and every token of one DexScreener list let through the filters
    # (each passing token costs a RugCheck call, paced at one a second)
    settings = {**RELAXED, "scheduled_scan": True, "source_latest_profiles": False,
                "source_latest_boosts": False}  # fmt: skip
    assert client.put("/config/token_discovery", json=settings).status_code == 200

    # When the API function gets its Function URL event: payload format 2.0 as an HTTP API
    # sends it (GET /health, with cookies, a query string, a JWT authorizer block and a base64
    # body, which a Function URL request may carry too)
    answer = call("ApiFunction", "FunctionUrl", _event)
    # Then Mangum routes it to FastAPI, which answers with Postgres and the graph up
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["status"] == "ok"
    # And the same event for another route: refused without the API token (the Function URL's
    # AuthType is NONE: the token is the API's lock), answered with it
    refused = call("ApiFunction", "FunctionUrl", lambda spec: _at(_event(spec), "/config"))
    assert refused["statusCode"] == 401, refused
    assert refused["headers"]["www-authenticate"] == "Bearer"
    bearer = {"authorization": f"Bearer {api_token}"}
    answered = call("ApiFunction", "FunctionUrl", lambda spec: _at(_event(spec), "/config", bearer))
    assert answered["statusCode"] == 200, answered
    assert "token_discovery" in answered["body"]

    # When token_scan's schedule ticks (an EventBridge scheduled event)
    tick = call("TokenScanFunction", "Tick", _event)
    # Then it scans (none ran before: due) and announces each new token to wallet discovery
    assert tick["ran"] is True, tick
    assert tick["counts"]["new_tokens"] > 0
    discovery_queue = runtime.queue("WalletDiscoveryQueue")
    assert discovery_queue.approximate_count() == tick["counts"]["new_tokens"]

    # When the user narrows the filters to the most liquid token, asks for a scan, and
    # token_scan gets the request from its queue
    listed = client.get("/discovery/tokens", params={"filters": "passed", "limit": 500}).json()
    deepest = max(int(float(t["market"]["liquidity_usd"] or 0)) for t in listed["items"])
    curves = sum(t["dex_id"] == "pumpfun" for t in listed["items"])  # no pool: not judged on it
    narrow = {"min_liquidity_usd": str(deepest - 1)}
    assert client.put("/config/token_discovery", json=narrow).status_code == 200
    run_id = client.post("/discovery/tokens/run").json()["run_id"]
    scan_event, receipt = with_queued_message(stack, _spec("TokenScanFunction", "ManualRun"),
                                              "TokenScanQueue")  # fmt: skip
    manual = call("TokenScanFunction", "ManualRun", lambda _: scan_event)
    # Then no record failed and the run the API opened has finished
    assert manual == {"batchItemFailures": []}
    runtime.queue("TokenScanQueue").delete(receipt)
    run = client.get(f"/status/schedule-runs/{run_id}").json()
    assert run["status"] == "succeeded", run
    assert run["counts"]["passed_filters"] == 1 + curves

    # When wallet_discovery gets a token's announcement from its queue
    tokens_event, receipt = with_queued_message(stack, _spec("WalletDiscoveryFunction", "Tokens"),
                                                "WalletDiscoveryQueue")  # fmt: skip
    mint = json.loads(tokens_event["Records"][0]["body"])["mint"]
    found = call("WalletDiscoveryFunction", "Tokens", lambda _: tokens_event)
    # Then no record failed, the token's discovery run succeeded and profiles were requested
    assert found == {"batchItemFailures": []}
    discovery_queue.delete(receipt)
    [found_run] = client.get("/status/schedule-runs", params={"job": "wallet_discovery"}).json()
    assert found_run["status"] == "succeeded", found_run
    assert found_run["counts"]["candidates"] > 0, (mint, found_run)
    profile_queue = runtime.queue("WalletProfileQueue")
    assert profile_queue.approximate_count() == found_run["counts"]["queued_profiles"] > 0

    # When wallet_profile gets a batch of SAM's record (not a message of ours) and one of
    # those requests from its queue
    wallets_spec = _spec("WalletProfileFunction", "Wallets")
    [foreign] = _event(wallets_spec)["Records"]
    wallets_event, receipt = with_queued_message(stack, wallets_spec, "WalletProfileQueue")
    [ours] = wallets_event["Records"]
    ours["messageId"] = str(uuid4())  # SQS ids differ within a batch; SAM's sample has one
    wallets_event["Records"] = [foreign, ours]
    address = json.loads(ours["body"])["address"]
    profiled = call("WalletProfileFunction", "Wallets", lambda _: wallets_event)
    # Then SAM's record alone failed (partial batch response) and the wallet has its profile
    assert profiled == {"batchItemFailures": [{"itemIdentifier": foreign["messageId"]}]}
    profile_queue.delete(receipt)
    detail = client.get(f"/wallets/{address}").json()
    assert detail["profile"]["wallet"] == address

    # When clustering's schedule ticks (none ran before: due)
    clustered = call("ClusteringFunction", "Tick", _event)
    # Then a run started, one evidence message for the one profiled wallet
    assert clustered["ran"] is True, clustered
    evidence_event, receipt = with_queued_message(stack, _spec("ClusterEvidenceFunction",
                                                  "Wallets"), "ClusterEvidenceQueue")  # fmt: skip
    assert json.loads(evidence_event["Records"][0]["body"])["address"] == address
    # When cluster_evidence gets it from its queue
    collected = call("ClusterEvidenceFunction", "Wallets", lambda _: evidence_event)
    # Then no record failed, the run (its last wallet in) grouped, and the wallet has an owner
    assert collected == {"batchItemFailures": []}
    runtime.queue("ClusterEvidenceQueue").delete(receipt)
    grouped = client.get(f"/status/schedule-runs/{clustered['run_id']}").json()
    assert grouped["status"] == "succeeded", grouped
    assert grouped["counts"]["owners"] == 1
    assert set(stack.container.owners.owner_of([address])) == {address}

    # When watchlist_sync's schedule ticks (none ran before: due)
    synced = call("WatchlistSyncFunction", "Tick", _event)
    # Then a sync ran and the sim's Helius holds our webhook (on webhook_ingest's Function URL)
    # with exactly the wallets the watchlist follows
    assert synced["ran"] is True, synced
    run = client.get(f"/status/schedule-runs/{synced['run_id']}").json()
    assert run["status"] == "succeeded", run
    followed = client.get("/watchlist", params={"listed": "true"}).json()["items"]
    hooks = httpx.get(f"{sim.base_url}/v0/webhooks", params={"api-key": "sim-key"}, timeout=10)
    ours = [h for h in hooks.json() if h["webhookURL"].endswith("/fn/WebhookIngestFunction/")]
    held = sorted(a for h in ours for a in h["accountAddresses"])
    assert held == sorted(item["address"] for item in followed)

    # When token_refresh's schedule ticks
    refreshed = call("TokenRefreshFunction", "Tick", _event)
    # Then it refreshes the stored tokens (none refreshed before: due)
    assert refreshed["ran"] is True, refreshed
    assert refreshed["counts"]["snapshots"] > 0

    # Given a step message whose send was lost (left unsent, old enough for the sweep)
    with stack.container.db.connection() as conn:
        conn.execute(
            "update public.outbox set sent_at = null, created_at = now() - interval '5 minutes'"
            " where id = (select id from public.outbox where queue = 'wallet_profile' limit 1)"
        )
    waiting = profile_queue.approximate_count()
    # When outbox_relay's schedule ticks
    swept = call("OutboxRelayFunction", "Tick", _event)
    # Then it sends that message again
    assert swept["sent"] == 1, swept
    assert swept["failed"] == 0
    assert profile_queue.approximate_count() == waiting + 1

    # When webhook_ingest's Function URL gets a delivery without the Helius secret
    delivery = call("WebhookIngestFunction", "FunctionUrl", lambda spec: _at(_event(spec), "/"))
    # Then it is refused, and only the attempt is counted
    assert delivery["statusCode"] == 401, delivery
    assert stack.container.reconcile.status().refused == 1
    # When reconcile's schedule ticks (due: it never ran)
    reconciled = call("ReconcileFunction", "Tick", _event)
    # Then a run went over the listed wallets (none here) and recovered nothing
    assert reconciled == {"ran": True, "recovered": 0}, reconciled

    # And every trigger of every function in the template was exercised above, or in the
    # module of its own step (named in ELSEWHERE)
    elsewhere = {name for names in ELSEWHERE.values() for name in names}
    assert sorted(set(called) | elsewhere) == sorted(spec.file_name for spec in SPECS)
