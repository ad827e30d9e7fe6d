"""The normaliser against the simulated market's hidden truth: every rendered transaction of two
small worlds gives exactly the trade the world executed, or nothing for what is not a trade
(transfers, failed transactions, airdrop claims, NFT trades, SOL → X → USDC routes), whether
the Helius API serves it (full) or a webhook delivers it (some bodies trimmed).

The one answer that is not the world's trade is the parser's documented limit (README, `walltrack
parse-helius`): in a body without instructions, a fee paid to an unknown trading-bot wallet
stays in the quote. Those cases are counted apart and their answer is checked to the lamport:
the venue's price plus that fee.

No server: the renderer is called directly, which is what the Helius routes serve.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from sim.chain import USDC_MINT, WSOL_MINT
from sim.render import TRIMMABLE_KINDS, Renderer
from sim.side import nft_standard
from sim.world import (
    AIRDROP_CLAIM,
    FAILED,
    FLAG_FUNDER_PAYS,
    FLAG_MULTIHOP,
    FLAG_STANDING_WSOL,
    LIQUIDITY_WITHDRAW,
    NFT_TRADE,
    QUOTE_ROUTE,
    SOL_TRANSFER,
    SWAP,
    TOKEN_TRANSFER,
    WRAP,
    Scenario,
    World,
    build_world,
)
from tests.integration.sim.conftest import (
    at_parser_limit,
    expected_swaps,
    swap_fields,
    world_trade,
)
from walltrack.app.swaps import parse_transaction, parse_transactions

SEEDS = (5, 7)  # together: relayer-paid curve and AMM trades, standing WSOL, USDC, 2-hop routes
SIDE_KINDS = (AIRDROP_CLAIM, NFT_TRADE, QUOTE_ROUTE)


@pytest.fixture(scope="module", params=SEEDS)
def world(request: pytest.FixtureRequest) -> World:
    return build_world(Scenario.small(seed=request.param))


def _shape(w: World, r: Renderer, tx: int) -> tuple[Any, ...]:
    """The variety a transaction stands for: its kind, or a swap's venue and particulars."""
    kind = w.t_kind[tx]
    if kind == NFT_TRADE:
        standard = nft_standard(w.t_counterpart[tx])
        return ("kind", kind, "sale" if w.t_side[tx] else "buy", standard or "no-standard")
    if kind != SWAP:
        return ("kind", kind)
    flags = w.t_flags[tx]
    pool = w.pools[w.t_pool[tx]]
    temp = r.temp_wsol(tx)
    bot = w.t_bot[tx]
    return (
        pool.venue,
        "USDC" if pool.quote_mint == USDC_MINT else "SOL",
        "multihop" if flags & FLAG_MULTIHOP else "",
        "relayer" if flags & FLAG_FUNDER_PAYS else "",
        "standing-wsol" if flags & FLAG_STANDING_WSOL else "",
        "tip" if w.t_tip[tx] else "",
        "known-bot" if bot > 0 else "unknown-bot" if bot < 0 else "",
        f"temp-{temp[0]}" if temp else "",
        "venue-fees" if r.venue_fee_accounts(tx) else "",
    )


def test_every_rendered_transaction_gives_the_worlds_trade(world: World) -> None:
    # Given every transaction of a small world, rendered as the Helius API serves it
    r = Renderer(world)
    mismatches = []
    seen: Counter[tuple[Any, ...]] = Counter()
    for tx_id in range(world.n_tx()):
        tx = r.enhanced(tx_id)
        # When normalised
        got = [swap_fields(s) for s in parse_transaction(tx)]
        # Then it is exactly the executed trade (wallet, side, mint, amounts to the last unit),
        # and nothing for what is not a trade: trading-bot fees, tips and rent are never the
        # price, PumpSwap's protocol and creator fees always are
        truth = world_trade(world, tx_id)
        want = [] if truth is None else [truth]
        seen[_shape(world, r, tx_id)] += 1
        if got != want:
            mismatches.append((tx_id, _shape(world, r, tx_id), want, got))
        else:
            assert all(s.source == tx["source"] for s in parse_transaction(tx))
    assert mismatches[:3] == []
    # And the sample held every shape the parser must handle
    kinds = {s[0] for s in seen}
    assert {"pumpfun", "pumpswap", "raydium"} <= kinds
    assert {
        ("kind", k)
        for k in (
            FAILED,
            SOL_TRANSFER,
            TOKEN_TRANSFER,
            LIQUIDITY_WITHDRAW,
            WRAP,
            AIRDROP_CLAIM,
            QUOTE_ROUTE,
        )
    } <= set(seen)
    nfts = {s[2:] for s in seen if s[:2] == ("kind", NFT_TRADE)}
    assert {s[0] for s in nfts} == {"buy", "sale"}
    assert {s[1] for s in nfts} >= {"NonFungible", "ProgrammableNonFungible", "no-standard"}
    flags = {f for s in seen if s[0] != "kind" for f in s[1:]}
    assert {"USDC", "multihop", "relayer", "standing-wsol", "tip"} <= flags
    assert {"known-bot", "unknown-bot", "venue-fees"} <= flags
    assert {"temp-ata", "temp-keypair", "temp-seed"} <= flags


def test_every_webhook_body_gives_the_worlds_trade_or_the_documented_limit(world: World) -> None:
    # Given every transaction as a webhook delivers it (about a tenth of bodies trimmed)
    r = Renderer(world)
    trimmed: Counter[int] = Counter()
    at_limit = 0
    for tx_id in range(world.n_tx()):
        body = r.webhook(tx_id)
        # When normalised
        got = [swap_fields(s) for s in parse_transaction(body)]
        # Then it is the world's trade (or nothing), except at the README's limit, where it is
        # the venue's price plus the unknown bot's fee, to the lamport
        assert got == expected_swaps(world, tx_id, body), (tx_id, _shape(world, r, tx_id))
        if r.is_trimmed(tx_id):
            trimmed[world.t_kind[tx_id]] += 1
            at_limit += at_parser_limit(world, tx_id, body)
            # Then a trimmed body is as the real ones: 2-3 accounts, no instructions
            assert len(body["accountData"]) <= 3
            assert body["instructions"] == []
    # And trimmed bodies came with trades and lookalikes, some at the limit, never a claim
    assert trimmed[SWAP] > 0
    assert trimmed[NFT_TRADE] + trimmed[QUOTE_ROUTE] > 0
    assert 0.05 < trimmed.total() / world.n_tx() < 0.15
    assert set(trimmed) <= TRIMMABLE_KINDS
    assert at_limit > 0


def test_every_transaction_trimmed_gives_the_worlds_trade_or_the_documented_limit(
    world: World,
) -> None:
    # Given every transaction a webhook may trim, each in its trimmed body: 2-3 accountData rows,
    # no instructions, no venue-fee transfers; half without the wallet's funding of its
    # temporary WSOL account, whose row is gone too
    r = Renderer(world)
    cases: Counter[str] = Counter()
    for tx_id in range(world.n_tx()):
        if world.t_kind[tx_id] not in TRIMMABLE_KINDS:
            continue
        full = r.enhanced(tx_id)
        body = r.trim(tx_id, full)
        # When normalised
        got = [swap_fields(s) for s in parse_transaction(body)]
        # Then it is the world's trade, or exactly the limit's answer
        assert got == expected_swaps(world, tx_id, body), (tx_id, _shape(world, r, tx_id))
        temp = r.temp_wsol(tx_id)
        if temp is not None:
            funded = any(t["toUserAccount"] == temp[1] for t in body["nativeTransfers"])
            cases["temp WSOL, funding shown" if funded else "temp WSOL, funding trimmed"] += 1
        if at_parser_limit(world, tx_id, body):
            cases["unknown bot fee (limit)"] += 1
        if world.t_kind[tx_id] == SWAP and world.t_bot[tx_id] > 0:
            cases["known bot fee"] += 1
        cases[f"kind {world.t_kind[tx_id]}"] += 1
    # And every case was met
    assert {
        "temp WSOL, funding shown",
        "temp WSOL, funding trimmed",
        "unknown bot fee (limit)",
        "known bot fee",
        f"kind {NFT_TRADE}",
        f"kind {QUOTE_ROUTE}",
    } <= set(cases)


def test_side_transactions_give_nothing_for_their_wallet_either(world: World) -> None:
    # Given the side transactions (claims, NFT trades, quote routes), read for their own wallet
    # as webhook ingest reads a watched wallet
    r = Renderer(world)
    side_txs = [tx for tx in range(world.n_tx()) if world.t_kind[tx] in SIDE_KINDS]
    for tx_id in side_txs:
        wallet = world.addr[world.t_wallet[tx_id]]
        # When normalised for that wallet, full and trimmed
        for body in (r.enhanced(tx_id), r.webhook(tx_id)):
            # Then no trade is reported: not for the wallet, nor for a pool, router or vault
            assert parse_transaction(body, wallets=[wallet]) == []
            assert parse_transaction(body) == []
    assert {world.t_kind[tx] for tx in side_txs} == set(SIDE_KINDS)


def test_a_webhook_batch_keeps_order_and_only_trades(world: World) -> None:
    # Given a batch of 300 consecutive transactions (a webhook body or a history page)
    r = Renderer(world)
    ids = range(1_000, 1_300)
    # When normalised as a batch
    swaps, errors = parse_transactions([r.enhanced(i) for i in ids])
    # Then the swaps are the batch's trades in order, and nothing is malformed
    assert errors == []
    truths = [t for t in (world_trade(world, i) for i in ids) if t is not None]
    assert [swap_fields(s) for s in swaps] == truths


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
        assert [swap_fields(s) for s in parse_transaction(trimmed)] == [world_trade(world, tx_id)]


def test_without_account_data_the_trade_is_right_or_absent_never_wrong(world: World) -> None:
    # Given bodies with no accountData at all (more than any real webhook trims)
    r = Renderer(world)
    missing: Counter[tuple[Any, ...]] = Counter()
    nft_read_as_token = 0
    for tx_id in range(0, world.n_tx(), 3):
        tx = {**r.enhanced(tx_id), "accountData": []}
        got = [swap_fields(s) for s in parse_transaction(tx)]
        truth = world_trade(world, tx_id)
        if world.t_kind[tx_id] == NFT_TRADE and nft_standard(world.t_counterpart[tx_id]) is None:
            # an NFT whose transfer names no tokenStandard: its decimals (0) are only in the
            # balance changes, so without them its single unit reads as a token's
            assert [(s["token_amount"], s["quote_mint"]) for s in got] in ([], [(1, WSOL_MINT)])
            nft_read_as_token += len(got)
            continue
        # Then each trade is either exact or absent
        if got != ([] if truth is None else [truth]):
            assert got == [], (tx_id, got, truth)
            missing[(_shape(world, r, tx_id)[0], world.t_side[tx_id])] += 1
    # And only pump.fun curve sells go missing: their proceeds exist only in accountData
    assert set(missing) <= {("pumpfun", 1)}
