"""How the calibrated market hides its insider owners (``Scenario.cluster_*``, ``early_crowd``),
read through the Helius shapes the sim serves."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sim.calibrated import CalibratedWorld
from sim.render import Renderer
from sim.world import SOL_TRANSFER, SWAP, TOKEN_TRANSFER, Scenario, World, build_world


@pytest.fixture(scope="module")
def world() -> CalibratedWorld:
    """The calibrated day of seed 1 (a few seconds to build)."""
    built = build_world(Scenario.calibrated(seed=1))
    assert isinstance(built, CalibratedWorld)
    return built


def _first_inbound_sol(world: World, renderer: Renderer, wallet: int) -> dict[str, Any]:
    """The wallet's earliest rendered native transfer in, as a Helius history page shows it."""
    address = world.addr[wallet]
    for tx in world.tx_index[wallet]:
        for transfer in renderer.enhanced(tx)["nativeTransfers"]:
            if transfer["toUserAccount"] == address and transfer["amount"] > 0:
                return dict(transfer)
    raise AssertionError(f"{address} was never funded")


def test_cluster_funding_kinds_follow_the_scenario_shares(world: CalibratedWorld) -> None:
    # Given the calibrated world's 40 clusters
    truth = world.truth()
    kinds = [cluster["funding"] for cluster in truth["clusters"]]
    n = len(kinds)
    # Then 40 % are funded through hops, 30 % through exchanges, the rest directly
    assert kinds.count("hops") == round(n * world.scenario.cluster_hop_share)
    assert kinds.count("exchange") == round(n * world.scenario.cluster_exchange_share)
    assert kinds.count("direct") == n - kinds.count("hops") - kinds.count("exchange")


def test_hop_chains_lead_back_to_the_owner_within_two_hops(world: CalibratedWorld) -> None:
    # Given every member of a hop-funded cluster and the rendered transfers
    renderer = Renderer(world)
    exchanges = {world.addr[e] for e in world.exchanges}
    checked = 0
    for cluster, kind in enumerate(world.cluster_funding):
        owner = world.addr[world.cluster_funder[cluster]]
        for member in world.clusters[cluster]:
            # When its first inbound SOL is followed back through each sender's first inbound
            chain = []
            wallet = member
            while True:
                sender = _first_inbound_sol(world, renderer, wallet)["fromUserAccount"]
                chain.append(sender)
                if sender == owner or sender in exchanges or len(chain) > 3:
                    break
                wallet = world.by_addr[sender]
            # Then hop members reach the owner through 1-2 fresh wallets, direct ones at once,
            # and exchange-funded ones only reach an exchange
            if kind == "hops":
                assert chain[-1] == owner, chain
                assert 2 <= len(chain) <= 3, chain
            elif kind == "direct":
                assert chain == [owner]
            else:
                assert chain[0] in exchanges
            checked += 1
    assert checked == len(world.wallets_by_label["insider"])


def test_fee_payer_is_shared_by_some_money_linked_clusters_only(world: CalibratedWorld) -> None:
    # Given the clusters that share a fee payer
    renderer = Renderer(world)
    sharing = [c for c, shared in enumerate(world.cluster_fee_payer) if shared]
    # Then some do, none of them is exchange-funded, and a member's swap is paid by the owner
    assert sharing
    assert all(world.cluster_funding[c] != "exchange" for c in sharing)
    member = world.clusters[sharing[0]][0]
    swap = next(tx for tx in world.tx_index[member] if world.t_kind[tx] == SWAP)
    rendered = renderer.enhanced(swap)
    assert rendered["feePayer"] == world.addr[world.cluster_funder[sharing[0]]]
    assert rendered["feePayer"] != world.addr[member]


def test_members_of_money_linked_clusters_move_sol_and_tokens_between_them(
    world: CalibratedWorld,
) -> None:
    # Given every transfer whose both ends are insiders
    renderer = Renderer(world)
    kinds: dict[str, int] = {"sol": 0, "token": 0}
    for members in world.clusters:
        for member in members:
            for tx in world.tx_index[member]:
                kind = world.t_kind[tx]
                if kind not in (SOL_TRANSFER, TOKEN_TRANSFER) or world.t_wallet[tx] != member:
                    continue
                recipient = world.t_counterpart[tx]
                if recipient not in world.cluster_of:
                    continue
                # Then the recipient is of the same cluster, never an exchange-funded one
                cluster = world.cluster_of[member]
                assert world.cluster_of[recipient] == cluster
                assert world.cluster_funding[cluster] != "exchange"
                rendered = renderer.enhanced(tx)
                if kind == SOL_TRANSFER:
                    kinds["sol"] += 1
                    assert rendered["nativeTransfers"][0]["toUserAccount"] == world.addr[recipient]
                else:
                    kinds["token"] += 1
                    assert rendered["tokenTransfers"][0]["toUserAccount"] == world.addr[recipient]
    # And both kinds occur
    assert kinds["sol"] > 5, kinds
    assert kinds["token"] > 5, kinds


def test_popular_launches_draw_a_crowd_of_unrelated_early_buyers(world: CalibratedWorld) -> None:
    # Given the runners (popular launches) and their buys in the first few slots
    window_ms = (world.scenario.early_crowd_slots + 1) * 400
    runners = [idx for idx, kind in world.archetype.items() if kind == "runner"]
    assert runners
    for token in runners:
        created = world.tokens[token].created_ms
        early_retail = {
            world.t_wallet[tx]
            for tx in world.tx_index[world.tokens[token].entity]
            if world.t_kind[tx] == SWAP
            and world.t_side[tx] == 0
            and world.t_ts[tx] - created <= window_ms
            and world.role[world.t_wallet[tx]] == "retail"
        }
        # Then many distinct retail wallets buy early (the curve may stall a few of them out)
        assert len(early_retail) >= world.scenario.early_crowd // 2, (token, len(early_retail))


def test_the_classic_world_ignores_the_owner_knobs() -> None:
    # Given the small classic scenario with and without the owner knobs turned up
    base = Scenario.small(seed=5)
    turned = dataclasses.replace(
        base,
        cluster_hop_share=1.0,
        cluster_exchange_share=0.0,
        cluster_fee_payer_share=1.0,
        cluster_transfer_rate=1.0,
        early_crowd=200,
        cluster_bundles_min=3,
        cluster_bundles_max=3,
        cluster_bundle_buyers=1,
        cluster_fresh_share=1.0,
    )
    a, b = build_world(base), build_world(turned)
    # Then the two histories and truths are the same
    assert a.n_tx() == b.n_tx()
    assert bytes(a.t_ts) == bytes(b.t_ts)
    assert bytes(a.t_wallet) == bytes(b.t_wallet)
    assert a.truth() == b.truth()


def _bundle_buyers_by_launch(world: CalibratedWorld) -> dict[int, set[int]]:
    """Per bundled launch (pump-and-dump, farm): the insiders whose buys of it come first."""
    buyers: dict[int, set[int]] = {}
    for token, kind in world.archetype.items():
        if kind not in ("pump_dump", "farm"):
            continue
        tok = world.tokens[token]
        bought = {
            world.t_wallet[tx]
            for tx in world.tx_index[tok.entity]
            if world.t_kind[tx] == SWAP
            and world.t_side[tx] == 0
            and world.role[world.t_wallet[tx]] == "insider"
            and world.t_ts[tx] - tok.created_ms < 8 * 400  # 25 members: 7 bundles' slots
        }
        if bought:
            buyers[token] = bought
    return buyers


def test_a_cluster_bundles_each_launch_with_a_varying_subset_of_its_members(
    world: CalibratedWorld,
) -> None:
    # Given the insiders that bought each bundled launch in its first slots
    buyers = _bundle_buyers_by_launch(world)
    assert len(buyers) > 50
    per_cluster: dict[int, list[frozenset[int]]] = {}
    for bought in buyers.values():
        clusters = {world.cluster_of[w] for w in bought}
        # Then one cluster buys it, through at most 4 bundles of 4 buyers
        assert len(clusters) == 1, clusters
        assert len(bought) <= 16, len(bought)
        per_cluster.setdefault(clusters.pop(), []).append(frozenset(bought))
    # And large clusters buy with a part of their members, a different part across launches
    partial = [
        len(bought) / len(world.clusters[cluster])
        for cluster, launches in per_cluster.items()
        for bought in launches
    ]
    assert sum(partial) / len(partial) < 0.8, sum(partial) / len(partial)
    repeated = [launches for launches in per_cluster.values() if len(launches) > 1]
    assert repeated
    assert all(len(set(launches)) > 1 for launches in repeated if len(launches) > 2)
    assert sum(len(set(launches)) > 1 for launches in repeated) >= 0.9 * len(repeated)


def test_every_member_bundles_when_the_bundle_knob_is_off() -> None:
    # Given the calibrated world with cluster_bundles_max 0 (the world before the bundle knobs)
    world = build_world(dataclasses.replace(Scenario.calibrated(seed=2), cluster_bundles_max=0))
    assert isinstance(world, CalibratedWorld)
    buyers = _bundle_buyers_by_launch(world)
    # Then bundled launches are bought by every member of their cluster (but the few a
    # stalling curve turned a buy away from)
    assert buyers
    shares = [
        len(bought) / len(world.clusters[world.cluster_of[next(iter(bought))]])
        for bought in buyers.values()
    ]
    assert sum(shares) / len(shares) >= 0.9, sum(shares) / len(shares)
