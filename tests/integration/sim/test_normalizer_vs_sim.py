"""The normaliser against the simulated market's hidden truth: every rendered transaction of a
small world gives exactly the trade the world executed (or nothing, for non-trades).

No server: the renderer is called directly, which is what the Helius routes serve.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from sim.chain import USDC_MINT, WSOL_MINT
from sim.render import Renderer
from sim.world import (
    FAILED,
    FLAG_FUNDER_PAYS,
    FLAG_MULTIHOP,
    FLAG_STANDING_WSOL,
    LIQUIDITY_WITHDRAW,
    SOL_TRANSFER,
    SWAP,
    TOKEN_TRANSFER,
    WRAP,
    Scenario,
    World,
    build_world,
)
from walltrack.app.swaps import parse_transaction, parse_transactions

SEEDS = (5, 7)  # together: relayer-paid curve and AMM trades, standing WSOL, USDC, 2-hop routes


@pytest.fixture(scope="module", params=SEEDS)
def world(request: pytest.FixtureRequest) -> World:
    return build_world(Scenario.small(seed=request.param))


def _truth(w: World, tx: int) -> dict[str, Any] | None:
    """The trade the world executed in `tx`, in the normaliser's terms (None: not a trade)."""
    if w.t_kind[tx] != SWAP:
        return None
    pool, tok = w.pools[w.t_pool[tx]], w.tokens[w.t_token[tx]]
    # a 2-hop route is paid in SOL into the SOL/USDC pool, then USDC into the token's USDC pool
    quote_mint = WSOL_MINT if w.t_flags[tx] & FLAG_MULTIHOP else pool.quote_mint
    quote_decimals = 6 if quote_mint == USDC_MINT else 9
    buy = w.t_side[tx] == 0
    token_raw, quote_raw = (w.t_out[tx], w.t_in[tx]) if buy else (w.t_in[tx], w.t_out[tx])
    return {
        "wallet": w.addr[w.t_wallet[tx]],
        "side": "buy" if buy else "sell",
        "token_mint": tok.mint,
        "token_amount": Decimal(token_raw).scaleb(-tok.decimals),
        "quote_mint": quote_mint,
        "quote_amount": Decimal(quote_raw).scaleb(-quote_decimals),
    }


def _fields(swap: Any) -> dict[str, Any]:
    return {
        k: getattr(swap, k)
        for k in ("wallet", "side", "token_mint", "token_amount", "quote_mint", "quote_amount")
    }


def _shape(w: World, tx: int) -> tuple[Any, ...]:
    kind = w.t_kind[tx]
    if kind != SWAP:
        return ("kind", kind)
    flags = w.t_flags[tx]
    pool = w.pools[w.t_pool[tx]]
    return (
        pool.venue,
        "USDC" if pool.quote_mint == USDC_MINT else "SOL",
        "multihop" if flags & FLAG_MULTIHOP else "",
        "relayer" if flags & FLAG_FUNDER_PAYS else "",
        "standing-wsol" if flags & FLAG_STANDING_WSOL else "",
        "tip" if w.t_tip[tx] else "",
    )


def test_every_rendered_transaction_gives_the_worlds_trade(world: World) -> None:
    # Given every transaction of a small world, rendered as Helius would serve it
    r = Renderer(world)
    mismatches = []
    seen: Counter[tuple[Any, ...]] = Counter()
    for tx_id in range(world.n_tx()):
        tx = r.enhanced(tx_id)
        # When normalised
        got = [_fields(s) for s in parse_transaction(tx)]
        # Then it is exactly the executed trade (wallet, side, mint, amounts to the last unit)
        truth = _truth(world, tx_id)
        want = [] if truth is None else [truth]
        seen[_shape(world, tx_id)] += 1
        if got != want:
            mismatches.append((tx_id, _shape(world, tx_id), want, got))
        else:
            assert all(s.source == tx["source"] for s in parse_transaction(tx))
    assert mismatches[:3] == []
    # And the sample held every shape the parser must handle
    kinds = {s[0] for s in seen}
    assert {"pumpfun", "pumpswap", "raydium"} <= kinds
    assert {
        ("kind", k) for k in (FAILED, SOL_TRANSFER, TOKEN_TRANSFER, LIQUIDITY_WITHDRAW, WRAP)
    } <= set(seen)
    flags = {f for s in seen if s[0] != "kind" for f in s[1:]}
    assert {"USDC", "multihop", "relayer", "standing-wsol", "tip"} <= flags


def test_a_webhook_batch_keeps_order_and_only_trades(world: World) -> None:
    # Given a batch of 300 consecutive transactions (a webhook body or a history page)
    r = Renderer(world)
    ids = range(1_000, 1_300)
    # When normalised as a batch
    swaps, errors = parse_transactions([r.enhanced(i) for i in ids])
    # Then the swaps are the batch's trades in order, and nothing is malformed
    assert errors == []
    truths = [t for t in (_truth(world, i) for i in ids) if t is not None]
    assert [_fields(s) for s in swaps] == truths


def test_trimmed_account_data_keeping_the_wallet_row_gives_the_same_trades(world: World) -> None:
    # Given webhook-style bodies whose accountData kept only the fee payer's and wallet's rows
    r = Renderer(world)
    for tx_id in range(0, world.n_tx(), 3):
        if world.t_kind[tx_id] != SWAP:
            continue
        tx = r.enhanced(tx_id)
        keep = {tx["feePayer"], world.addr[world.t_wallet[tx_id]]}
        trimmed = {**tx, "accountData": [a for a in tx["accountData"] if a["account"] in keep]}
        # Then the same trade comes out (tokens from transfers, rent from native transfers)
        assert [_fields(s) for s in parse_transaction(trimmed)] == [_truth(world, tx_id)]


def test_without_account_data_the_trade_is_right_or_absent_never_wrong(world: World) -> None:
    # Given bodies with no accountData at all
    r = Renderer(world)
    missing: Counter[tuple[Any, ...]] = Counter()
    for tx_id in range(0, world.n_tx(), 3):
        tx = {**r.enhanced(tx_id), "accountData": []}
        got = [_fields(s) for s in parse_transaction(tx)]
        truth = _truth(world, tx_id)
        # Then each trade is either exact or absent
        if got != ([] if truth is None else [truth]):
            assert got == [], (tx_id, got, truth)
            missing[(_shape(world, tx_id)[0], world.t_side[tx_id])] += 1
    # And only pump.fun curve sells go missing: their proceeds exist only in accountData
    assert set(missing) <= {("pumpfun", 1)}
