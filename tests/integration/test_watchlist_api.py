"""Step 5's routes on the real embedded Postgres against the simulated market: the list with
why each wallet is on or off, pin and ban with who/when/why (and their history), a sync started
through the API (one run, progress at its status URL, the webhooks it left), and clear 4xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sim.server import SimServer
from tests.integration.test_watchlist_sync import HOOK_URL, address, env_for, hooks, seed_wallets
from walltrack.api.app import create_app
from walltrack.app.container import build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database

GOOD, WEAK, BOT = address(11), address(12), address(13)
UNKNOWN = address(14)


@pytest.fixture
def api(
    base_env: EnvSettings, clean_db: Database, sim: SimServer, auth_headers: dict[str, str]
) -> Iterator[TestClient]:
    """The API over a container pointed at the module's sim, with three profiled wallets."""
    sim.sim.deliverer.hooks.clear()
    container = build_container(env_for(base_env, sim))
    seed_wallets(
        container.db,
        [(GOOD, 0.9, "own-a", []), (WEAK, -0.4, None, []), (BOT, 0.8, None, ["launch_sniper"])],
    )
    with TestClient(create_app(container), headers=auth_headers) as client:
        yield client
    container.close()


def test_a_sync_through_the_api_is_a_run_that_leaves_the_webhook_and_its_state(
    api: TestClient, sim: SimServer
) -> None:
    # When a sync is asked for
    started = api.post("/watchlist/sync")
    # Then it is accepted as a run whose status URL shows it done
    assert started.status_code == 202
    body = started.json()
    assert body["started"] is True
    run = api.get(body["status_url"]).json()
    assert (run["job"], run["status"]) == ("watchlist_sync", "succeeded")
    assert run["counts"]["stage"] == "done"
    assert run["counts"]["created"] == 1
    # and the Status tab's schedules list the sync's, started then
    schedules = {s["job"]: s for s in api.get("/status/schedules").json()}
    assert schedules["watchlist_sync"]["last_started_at"] == run["started_at"]
    assert schedules["watchlist_sync"]["interval_minutes"] == 15
    # and the webhooks route shows the webhook the sim now holds, and the last sync
    state = api.get("/watchlist/webhooks").json()
    [hook] = hooks(sim)
    assert hook["accountAddresses"] == [GOOD]
    assert hook["webhookURL"] == HOOK_URL
    assert [(s["webhook_id"], s["addresses"]) for s in state["shards"]] == [(hook["webhookID"], 1)]
    assert (state["last_sync"]["state"], state["last_sync"]["listed"]) == ("synced", 1)
    # and the list says who is followed and why the others are not
    page = api.get("/watchlist").json()
    assert (page["total"], page["listed"], page["version"]) == (3, 1, 1)
    first = page["items"][0]
    assert (first["address"], first["listed"], first["owner_id"], first["rank"]) == (
        GOOD,
        True,
        "own-a",
        1,
    )
    reasons = {item["address"]: item["reason"] for item in page["items"]}
    assert reasons[BOT] == "flagged launch_sniper"
    assert reasons[WEAK].startswith("score -0.40 <")
    # and the filter and paging work
    off = api.get("/watchlist", params={"listed": "false", "limit": 1}).json()
    assert (off["total"], len(off["items"])) == (2, 1)
    assert not off["items"][0]["listed"]


def test_pin_and_ban_change_the_entry_at_once_with_who_when_why(api: TestClient) -> None:
    api.post("/watchlist/sync")
    # When the bot is pinned by the dashboard with a reason
    pinned = api.post(
        f"/watchlist/wallets/{BOT}/pin", json={"reason": "I know him", "by": "dashboard"}
    )
    # Then its entry is listed, says it is pinned and why
    assert pinned.status_code == 200
    entry = pinned.json()
    assert (entry["listed"], entry["pinned"], entry["reason"]) == (True, True, "pinned: I know him")
    assert entry["override"]["by"] == "dashboard"
    # When it is banned too / Then the ban wins
    banned = api.post(f"/watchlist/wallets/{BOT}/ban", json={"reason": "rugged us"}).json()
    assert (banned["listed"], banned["banned"], banned["reason"]) == (
        False,
        True,
        "banned: rugged us",
    )
    # When the ban is lifted / Then the pin holds again
    lifted = api.delete(f"/watchlist/wallets/{BOT}/ban").json()
    assert (lifted["listed"], lifted["reason"]) == (True, "pinned: I know him")
    # and the detail keeps the history: who, when, why, and who lifted it
    detail = api.get(f"/watchlist/wallets/{BOT}").json()
    kinds = [(o["kind"], o["created_by"], o["removed_by"]) for o in detail["overrides"]]
    assert kinds == [("ban", "api", "api"), ("pin", "dashboard", None)]
    assert [c["listed_after"] for c in detail["changes"]] == [True, False, True, False]


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(api: TestClient) -> None:
    # A wallet never discovered: 404
    unknown = api.post(f"/watchlist/wallets/{UNKNOWN}/pin", json={"reason": "x"})
    assert unknown.status_code == 404
    assert "unknown wallet" in unknown.text
    # Not an address: 422
    assert (
        api.post("/watchlist/wallets/not-an-address/pin", json={"reason": "x"}).status_code == 422
    )
    # No reason, an empty one, or an unknown field: 422
    assert api.post(f"/watchlist/wallets/{GOOD}/ban", json={}).status_code == 422
    assert api.post(f"/watchlist/wallets/{GOOD}/ban", json={"reason": "  "}).status_code == 422
    assert (
        api.post(f"/watchlist/wallets/{GOOD}/ban", json={"reason": "x", "oops": 1}).status_code
        == 422
    )
    # Lifting a pin that does not exist: 404
    assert api.delete(f"/watchlist/wallets/{GOOD}/pin").status_code == 404
    # A bad filter: 422; a sync with options: 422
    assert api.get("/watchlist", params={"listed": "maybe"}).status_code == 422
    assert api.post("/watchlist/sync", json={"force": True}).status_code == 422
    # A method a route does not take: 405 (no per-wallet route shadows the list's actions)
    assert api.get("/watchlist/sync").status_code == 405
    assert api.post("/watchlist/webhooks").status_code == 405
    # and nothing was written
    assert api.get("/watchlist").json()["total"] == 0
    assert api.get(f"/watchlist/wallets/{GOOD}").status_code == 404
