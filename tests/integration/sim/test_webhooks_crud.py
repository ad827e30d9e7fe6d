"""The sim's Helius webhooks CRUD as Helius documents it: PUT replaces the whole webhook (an
address left out is no longer watched), PATCH changes only the fields it sends; calls are
counted by method and rate-limited with Retry-After like the other Helius groups."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sim.server import SimConfig, SimServer
from sim.world import Scenario, build_world

KEY = {"api-key": "sim-key"}
HOOK = "http://127.0.0.1:9/hook"  # never called: the frozen clock makes no new trades


@pytest.fixture(scope="module")
def served() -> Any:
    world = build_world(Scenario.small(seed=3))
    with SimServer(world, SimConfig(speed=0.0, rate_limits={"webhooks": 6})) as server:
        yield server


def _wallets(client: httpx.Client, n: int) -> list[str]:
    return [w["address"] for w in client.get("/__sim/truth").json()["wallets"][:n]]


def test_put_replaces_the_whole_webhook_and_patch_only_what_it_sends(served: SimServer) -> None:
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        a, b, c = _wallets(client, 3)
        # Given a webhook on a and b with an auth header
        body = {
            "webhookURL": HOOK,
            "transactionTypes": ["ANY"],
            "accountAddresses": [a, b],
            "webhookType": "enhanced",
            "authHeader": "Bearer one",
        }
        hook_id = client.post("/v0/webhooks", params=KEY, json=body).json()["webhookID"]
        # When PUT with only c and no auth header
        put = client.put(
            f"/v0/webhooks/{hook_id}",
            params=KEY,
            json={"webhookURL": HOOK, "accountAddresses": [c], "webhookType": "enhanced"},
        )
        # Then the webhook holds c alone and its auth header is gone (replaced, not merged)
        assert put.status_code == 200
        got = client.get(f"/v0/webhooks/{hook_id}", params=KEY).json()
        assert got["accountAddresses"] == [c]
        assert got["authHeader"] == ""
        # When PATCHed with an auth header only / Then the addresses stay
        client.patch(f"/v0/webhooks/{hook_id}", params=KEY, json={"authHeader": "Bearer two"})
        got = client.get(f"/v0/webhooks/{hook_id}", params=KEY).json()
        assert (got["accountAddresses"], got["authHeader"]) == ([c], "Bearer two")
        # and the calls were counted by method
        calls = served.sim.webhook_calls
        assert (calls["POST"], calls["PUT"], calls["PATCH"]) == (1, 1, 1)
        # When more calls than the group's limit (6 a minute) arrive
        statuses = [client.get("/v0/webhooks", params=KEY) for _ in range(4)]
        # Then the excess is refused with 429 and a Retry-After
        assert [r.status_code for r in statuses][-1] == 429
        assert int(statuses[-1].headers["Retry-After"]) >= 1
