"""World consistency: reserves, balances, quotes and determinism."""

from __future__ import annotations

import copy
import dataclasses
import statistics

import orjson

from sim.chain import WSOL_MINT
from sim.market import best_route, execute_on_copy
from sim.render import Renderer
from sim.world import (
    AIRDROP_CLAIM,
    FLAG_MULTIHOP,
    FLAG_SIDE,
    LIQUIDITY_WITHDRAW,
    NFT_TRADE,
    QUOTE_ROUTE,
    SWAP,
    Scenario,
    World,
    build_world,
)


def test_every_pool_reserve_equals_its_start_plus_its_swaps(small_world: World) -> None:
    # Given the history of every pool
    w = small_world
    for pool_id, pool in enumerate(w.pools):
        initial_quote, initial_base = w.pool_initial_reserves[pool_id]
        real_q = 0 if pool.is_curve else initial_quote
        real_b = 793_100_000 * 10**6 if pool.is_curve else initial_base
        # When its swaps are replayed
        for tx in w.pool_txs[pool_id]:
            a_in, a_out, venue_fee = w.t_in[tx], w.t_out[tx], w.t_venue_fee[tx]
            if w.t_kind[tx] == LIQUIDITY_WITHDRAW:
                real_q -= a_in
                real_b -= a_out
                continue
            assert w.t_kind[tx] == SWAP
            hop_leg = w.t_flags[tx] & FLAG_MULTIHOP and w.t_counterpart[tx] == pool_id
            if hop_leg:
                real_q += a_in
                real_b -= w.t_hop_amount[tx]
            elif w.t_side[tx] == 0:
                paid = w.t_hop_amount[tx] if w.t_flags[tx] & FLAG_MULTIHOP else a_in
                real_q += paid - (venue_fee if pool.is_curve else 0)
                real_b -= a_out
            else:
                real_q -= a_out + (venue_fee if pool.is_curve else 0)
                real_b += a_in
            if not hop_leg:
                # Then each recorded post-trade reserve is the running sum
                assert (w.t_reserve_quote[tx], w.t_reserve_base[tx]) == (real_q, real_b)
        # Then the final reserves are the running sums (minus graduation moving the curve's funds)
        if pool.active or not pool.is_curve:
            assert (pool.real_quote, pool.real_base) == (real_q, real_b)


def test_balances_never_go_negative_and_equal_the_rendered_flows(small_world: World) -> None:
    # Given every transaction rendered as Helius would, from what each wallet held at genesis
    # (the agents' SOL and tokens, and the SOL that pays the side flows: bot fees, claims, ...)
    w = small_world
    r = Renderer(w)
    sol = dict(w.genesis_sol)
    for entity, lamports in w.side.genesis.items():
        sol[entity] = sol.get(entity, 0) + lamports
    tokens = {(owner, w.tokens[idx].mint): raw for (owner, idx), raw in w.genesis_tokens.items()}
    tokens.update(w.side.genesis_tokens)
    wsol: dict[int, int] = {}
    wallets = {e for e, role in enumerate(w.role) if role not in ("pool", "mint")}
    for tx in range(w.n_tx()):
        e = r.enhanced(tx)
        # Then the fee invariant of the fixtures holds
        assert sum(a["nativeBalanceChange"] for a in e["accountData"]) == -e["fee"]
        for row in e["accountData"]:
            ent = w.by_addr.get(row["account"])
            if ent in wallets:
                sol[ent] = sol.get(ent, 0) + row["nativeBalanceChange"]
                assert sol[ent] >= 0, (tx, row)
            for ch in row["tokenBalanceChanges"]:
                owner = w.by_addr.get(ch["userAccount"])
                if owner in wallets and ch["mint"] == WSOL_MINT:
                    # a standing WSOL account: SOL held as a token, tracked apart
                    wsol[owner] = wsol.get(owner, 0) + int(ch["rawTokenAmount"]["tokenAmount"])
                    assert wsol[owner] >= 0, (tx, ch)
                elif owner in wallets:
                    key = (owner, ch["mint"])
                    tokens[key] = tokens.get(key, 0) + int(ch["rawTokenAmount"]["tokenAmount"])
                    assert tokens[key] >= 0, (tx, ch)
    # Then each balance on chain (the agents' plus the side flows') is exactly the sum of the
    # flows, tokens of the market and of the side flows (airdrops, NFTs, USDC) alike
    for ent in wallets:
        assert w.balance(ent) == sol.get(ent, 0), w.addr[ent]
    held = {(owner, w.tokens[idx].mint): raw for (owner, idx), raw in w.holdings.items()}
    for key, raw in w.side.tokens.items():
        held[key] = held.get(key, 0) + raw
    assert {k: v for k, v in held.items() if v} == {k: v for k, v in tokens.items() if v}
    assert w.standing_wsol == wsol
    assert wsol, "the small world has bots with standing WSOL accounts"
    assert w.side.tokens, "the small world has side flows moving tokens"


def test_a_quote_equals_what_executing_it_gives(small_world: World) -> None:
    # Given tokens with live markets
    w = copy.deepcopy(small_world)
    checked = 0
    for tok in w.tokens[1:]:
        for amount, (src, dst) in (
            (50_000_000, (WSOL_MINT, tok.mint)),
            (10**9, (tok.mint, WSOL_MINT)),
        ):
            # When a route is quoted and then executed on the same state
            found = best_route(w, src, dst, amount)
            if found is None:
                continue
            route, legs = found
            # Then the executed output equals the quoted output
            assert execute_on_copy(w, route, amount) == legs[-1][1]
            checked += 1
    assert checked > 10


def test_same_seed_gives_identical_history_and_truth() -> None:
    # Given two worlds of the same seed and one of another
    a = build_world(Scenario.small(seed=11))
    b = build_world(Scenario.small(seed=11))
    c = build_world(Scenario.small(seed=12))
    ra, rb = Renderer(a), Renderer(b)
    # Then their transactions and truth are byte-identical; another seed differs
    assert a.n_tx() == b.n_tx()
    assert all(
        orjson.dumps(ra.enhanced(t)) == orjson.dumps(rb.enhanced(t)) for t in range(0, a.n_tx(), 37)
    )
    assert orjson.dumps(a.truth()) == orjson.dumps(b.truth())
    assert orjson.dumps(a.truth()) != orjson.dumps(c.truth())


def test_truth_has_learnable_labels(small_world: World) -> None:
    # Given the ground truth of the small world
    truth = small_world.truth()
    wallets = truth["wallets"]
    assert isinstance(wallets, list)
    by_label: dict[str, list[float]] = {}
    for row in wallets:
        if row["copyableEdge"] is not None:
            by_label.setdefault(row["label"], []).append(row["copyableEdge"])
    # Then smart wallets are copyable at a profit while retail and snipers are not, on average
    assert statistics.mean(by_label["smart"]) > 0.05
    assert statistics.mean(by_label["retail"]) < statistics.mean(by_label["smart"])
    assert statistics.mean(by_label["sniper"]) < statistics.mean(by_label["smart"])
    # Then clusters have 3-12 members sharing one funder
    clusters = truth["clusters"]
    assert isinstance(clusters, list)
    assert all(3 <= len(c["members"]) <= 12 for c in clusters)
    assert {t["fate"] for t in truth["tokens"]} >= {"pump", "rug", "dead", "bleed"}


def test_live_advance_continues_the_same_history() -> None:
    # Given one world built in one step and one advanced in many small steps
    sc = Scenario.small(seed=3)
    whole = build_world(sc, until_ms=None)
    stepped = World(sc)
    t = stepped.start_ms
    while t < stepped.history_end_ms:
        t += 97_000
        stepped.advance_to(min(t, stepped.history_end_ms))
    # Then both hold the same transactions
    assert whole.n_tx() == stepped.n_tx()
    assert list(whole.t_out) == list(stepped.t_out)
    # When the stepped one advances further (live mode), new swaps appear
    assert stepped.advance_to(stepped.history_end_ms + 600_000) > 0


def _agents_records(w: World) -> list[tuple[int, ...]]:
    """Every transaction of the agents (the side flows' own left out), as its stored record."""
    columns = (
        w.t_kind, w.t_side, w.t_flags, w.t_ts, w.t_wallet, w.t_pool, w.t_token, w.t_in, w.t_out,
        w.t_venue_fee, w.t_fee, w.t_tip, w.t_reserve_quote, w.t_reserve_base, w.t_counterpart,
        w.t_hop_amount,
    )  # fmt: skip
    side = (AIRDROP_CLAIM, NFT_TRADE, QUOTE_ROUTE)
    return [
        tuple(column[tx] for column in columns)
        for tx in range(w.n_tx())
        if w.t_kind[tx] not in side and not w.t_flags[tx] & FLAG_SIDE
    ]


def test_the_side_flows_change_no_trade_and_no_truth() -> None:
    # Given one small world with the side flows (bot fees, claims, NFT trades, quote routes)
    # and the same world without them
    scenario = Scenario.small(seed=7)
    with_side = build_world(scenario)
    without = build_world(dataclasses.replace(scenario, side_flows=False))
    # Then every transaction of the agents is the same record in the same order, their
    # balances and the pools end the same, and the truth is identical
    assert _agents_records(with_side) == _agents_records(without)
    assert with_side.sol == without.sol
    assert with_side.holdings == without.holdings
    assert [(p.quote, p.base) for p in with_side.pools] == [
        (p.quote, p.base) for p in without.pools
    ]
    assert with_side.truth() == without.truth()
    # And the side flows did happen, between the agents' transactions
    counts = with_side.counts()
    assert all(counts[k] > 0 for k in ("airdropClaims", "nftTrades", "quoteRoutes", "botFees"))
    assert without.counts()["botFees"] == 0
    assert with_side.n_tx() > without.n_tx()
