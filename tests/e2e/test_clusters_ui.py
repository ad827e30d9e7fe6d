"""Step 4 in a real browser against `walltrack run` and the simulated market: run a clustering
from the Clusters tab, find a hidden insider cluster (funded through hop wallets) as one owner,
look at its graph picture, reach it from the Wallets tab, and edit the Clustering settings.

The world is the calibrated scenario (the one whose owners hide: hop chains, exchange
withdrawals, shared fee payers, chance co-entries) over 6 hours of history, its clock frozen.
Which cluster and token to use is chosen here from the sim's own trade records and truth; the
product never sees either. The token's wallets are discovered and profiled through the API (the
Wallets tab's own browser test covers that part), then everything else goes through the page.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sim.world import SWAP, Scenario, World, build_world
from tests.e2e.conftest import Stack, save_settings_until, start_stack, stop_stack

SEED = 7
HISTORY_HOURS = 6
# What the default wallet_discovery settings keep as early buyers (a guess used only to choose
# the token): the first 50 buyers of >= 0.05 SOL within 30 min of launch.
EARLY_BUYERS, EARLY_WINDOW_MS, MIN_BUY_LAMPORTS = 50, 30 * 60_000, 50_000_000
MIN_MEMBERS = 4
PROFILED_WITHIN_S = 480
CLUSTERED_WITHIN_S = 300


@pytest.fixture(scope="module")
def owners_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("clusters"),
        {
            "WALLTRACK_SIM_SEED": str(SEED),
            "WALLTRACK_SIM_SMALL": "0",
            "WALLTRACK_SIM_SPEED": "0",
            "WALLTRACK_SIM_ARGS": f"--scenario calibrated --history-hours {HISTORY_HOURS}",
            # the sim enforces no plan: the top plan's rates let the profiles finish in minutes
            "WALLTRACK_HELIUS_PLAN": "professional",
        },
    )
    yield running
    stop_stack(running)


@pytest.fixture(scope="module")
def world(owners_stack: Stack) -> World:
    """The world the stack's market serves, built in-process to read who bought what when;
    checked against the served truth."""
    built = build_world(
        dataclasses.replace(Scenario.calibrated(seed=SEED), history_hours=float(HISTORY_HOURS))
    )
    served = httpx.get(f"{owners_stack.sim_url}/__sim/truth", timeout=30).json()
    assert served["now"] == built.truth()["now"]
    assert [w["address"] for w in served["wallets"]] == [
        w["address"] for w in built.truth()["wallets"]
    ]
    return built


def _early_buyers(world: World) -> dict[str, list[str]]:
    """Per token: its first buyers of at least MIN_BUY_LAMPORTS within the early window."""
    early: dict[str, list[str]] = defaultdict(list)
    for tx in range(world.n_tx()):
        if world.t_kind[tx] != SWAP or world.t_token[tx] <= 0 or world.t_side[tx] != 0:
            continue
        token = world.tokens[world.t_token[tx]]
        wallet = world.addr[world.t_wallet[tx]]
        young = world.t_ts[tx] - token.created_ms <= EARLY_WINDOW_MS
        if young and world.t_in[tx] >= MIN_BUY_LAMPORTS and wallet not in early[token.mint]:
            early[token.mint].append(wallet)
    return early


def _pick(world: World, truth: dict[str, Any]) -> tuple[dict[str, Any], str, set[str]]:
    """A cluster whose owner hid behind hop wallets, and the token most of its members bought
    among its first buyers (the smallest such cluster: the fewest profiles to wait for)."""
    early = _early_buyers(world)
    best: tuple[int, int, str] | None = None
    chosen: dict[str, Any] = {}
    for cluster in truth["clusters"]:
        if cluster.get("funding") != "hops":
            continue
        members = set(cluster["members"])
        for mint, buyers in early.items():
            caught = members & set(buyers[:EARLY_BUYERS])
            if len(caught) >= MIN_MEMBERS:
                key = (len(members), len(buyers), mint)
                if best is None or key < best:
                    best, chosen = key, {"cluster": cluster, "caught": caught}
    assert best is not None, "no hop-funded cluster bought one token among its early buyers"
    return chosen["cluster"], best[2], chosen["caught"]


def _profile_token(stack: Stack, mint: str) -> None:
    """Add the token and discover its wallets through the API; wait until all are profiled."""
    added = httpx.post(
        f"{stack.base_url}/discovery/tokens", headers=stack.auth, json={"mint": mint}, timeout=60
    )
    assert added.status_code in {200, 201}, added.text
    run = httpx.post(
        f"{stack.base_url}/discovery/wallets/run",
        headers=stack.auth,
        json={"mint": mint},
        timeout=60,
    )
    assert run.status_code == 202, run.text
    run_id = run.json()["run_id"]
    deadline = time.monotonic() + PROFILED_WITHIN_S
    while time.monotonic() < deadline:
        status = httpx.get(
            f"{stack.base_url}/status/schedule-runs/{run_id}", headers=stack.auth, timeout=30
        ).json()["status"]
        listed = httpx.get(
            f"{stack.base_url}/wallets",
            headers=stack.auth,
            params={"token": mint, "limit": 1},
            timeout=30,
        ).json()
        if status != "running" and listed["pending"] == 0 and listed["total"] > 0:
            return
        time.sleep(3)
    pytest.fail(f"{mint}'s wallets not profiled within {PROFILED_WITHIN_S} s\n{stack.log_tail()}")


def _owner_of(stack: Stack, address: str) -> dict[str, Any] | None:
    detail = httpx.get(f"{stack.base_url}/wallets/{address}", headers=stack.auth, timeout=30)
    assert detail.status_code == 200, detail.text
    owner: dict[str, Any] | None = detail.json()["owner"]
    return owner


NODE_POINTS = """
el => {
  const gd = el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
  const layers = gd.querySelectorAll('.scatterlayer .trace');
  let nodes = 0;
  gd.data.forEach((trace, i) => {
    if (trace.meta === 'wallets') nodes += layers[i].querySelectorAll('path.point').length;
  });
  return {nodes, traces: gd.data.length, layers: layers.length,
          legend: Array.from(gd.querySelectorAll('.legendtext')).map(t => t.textContent)};
}
"""
"""What the browser drew: the wallet points (traces marked `wallets`), counted in the SVG."""


@pytest.mark.timeout(PROFILED_WITHIN_S + CLUSTERED_WITHIN_S + 300)
def test_a_hop_funded_insider_cluster_is_one_owner_with_its_graph_picture(
    page: Any, owners_stack: Stack, world: World
) -> None:
    stack = owners_stack
    truth = httpx.get(f"{stack.sim_url}/__sim/truth", timeout=30).json()
    cluster, mint, caught = _pick(world, truth)
    # Given the wallets of a token that members of a hop-funded insider cluster bought early,
    # profiled
    _profile_token(stack, mint)
    profiled = {
        w["address"]
        for w in httpx.get(
            f"{stack.base_url}/wallets",
            headers=stack.auth,
            params={"token": mint, "status": "profiled", "limit": 500},
            timeout=30,
        ).json()["items"]
    }
    insiders = profiled & set(cluster["members"])
    assert len(insiders) >= MIN_MEMBERS - 1, (len(insiders), len(caught), len(profiled))

    # When the Clusters tab's Run button is pressed
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Clusters").click()
    page.locator("#clusters-run").click()
    progress = page.locator("#clusters-progress")
    # Then the progress follows the run until it has grouped the wallets
    progress.get_by_text("Clustering").first.wait_for()
    deadline = time.monotonic() + CLUSTERED_WITHIN_S
    while "Clustering succeeded" not in (text := progress.inner_text()):
        assert "failed" not in text, f"{text}\n{stack.log_tail()}"
        assert time.monotonic() < deadline, f"not clustered in time: {text}\n{stack.log_tail()}"
        time.sleep(2)
    # And the owners are listed
    count = page.locator("#clusters-count")
    count.get_by_text("owners").wait_for()
    assert page.locator("#clusters-table [data-testid^='cell-']").count() > 0

    # And the insider cluster's profiled members are one owner, which holds them all
    owners = {address: _owner_of(stack, address) for address in insiders}
    ids = {o["owner_id"] if o else None for o in owners.values()}
    assert len(ids) == 1, f"the insiders are split over owners: {owners}"
    (owner_id,) = ids
    assert owner_id is not None
    detail = httpx.get(f"{stack.base_url}/clusters/{owner_id}", headers=stack.auth, timeout=30)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    grouped = set(body["owner"]["members"])
    assert insiders <= grouped
    outsiders = grouped - set(cluster["members"])
    assert len(outsiders) <= len(grouped) // 10, f"wallets of other owners merged in: {outsiders}"

    # When that owner is opened on the Clusters tab
    page.locator("#cluster-owner-id textarea, #cluster-owner-id input").first.fill(owner_id)
    page.locator("#cluster-show").click()
    page.locator("#cluster-summary").get_by_text(owner_id).wait_for()
    # Then its graph picture is drawn: one point per member, with the evidence in the legend
    graph = page.locator("#cluster-graph .js-plotly-plot").first
    graph.locator(".scatterlayer .trace").first.wait_for()
    drawn = graph.evaluate(NODE_POINTS)
    assert drawn["nodes"] == len(body["members"]), drawn
    assert drawn["layers"] == drawn["traces"], drawn
    kinds = {e["kind"] for e in body["edges"]}
    assert kinds, "the owner has evidence"
    for kind in kinds:
        assert any(text.startswith(kind) for text in drawn["legend"]), (kind, drawn["legend"])
    # And its members are listed
    members_table = page.locator("#cluster-members").inner_text()
    for address in insiders:
        assert address in members_table

    # When one of the insiders is shown on the Wallets tab
    insider = sorted(insiders)[0]
    page.get_by_role("tab", name="Wallets").click()
    page.locator("#wallet-detail-address textarea, #wallet-detail-address input").first.fill(
        insider
    )
    page.locator("#wallet-detail-show").click()
    # Then it names its owner, and the owner opens on the Clusters tab
    page.locator("#wallet-owner").get_by_text(owner_id).wait_for()
    page.locator("#wallet-open-owner").click()
    page.locator("#cluster-summary").get_by_text(owner_id).wait_for()
    assert page.locator("#cluster-summary").is_visible()
    print(  # noqa: T201 - the figures are the report (-s to see them)
        f"\ncluster {cluster['id']} ({len(cluster['members'])} members, hops) on {mint}: "
        f"{len(profiled)} wallets profiled, {len(insiders)} insiders among them, one owner "
        f"{owner_id} of {len(grouped)} ({len(outsiders)} outsiders), {drawn['nodes']} points"
    )


def test_the_clustering_settings_are_shown_and_saved(page: Any, owners_stack: Stack) -> None:
    stack = owners_stack
    field = "#setting-clustering-hop_limit input"
    # Given the Settings tab on the Clustering group
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Settings").click()
    page.locator("#settings-step input").click()
    page.get_by_role("option", name="Clustering (step 4)").click()
    page.locator(field).wait_for(state="visible")
    for name in ("denylist", "co_entry_window_slots", "weight_co_entered", "interval_minutes"):
        page.locator(f"#setting-clustering-{name}").wait_for(state="visible")
    stored = httpx.get(f"{stack.base_url}/config/clustering", headers=stack.auth).json()
    assert page.locator(field).input_value() == str(stored["values"]["hop_limit"])
    # When the hop limit is changed and saved
    wanted = 2 if stored["values"]["hop_limit"] != 2 else 4
    page.locator(field).fill(str(wanted))
    save_settings_until(page, "Saved")
    # Then it is stored as a new version
    after = httpx.get(f"{stack.base_url}/config/clustering", headers=stack.auth).json()
    assert after["values"]["hop_limit"] == wanted
    assert after["version"] == stored["version"] + 1
    assert after["values"]["denylist"] == stored["values"]["denylist"]
