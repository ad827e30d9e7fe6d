"""Invariants of the normaliser over generated trades and arbitrary mutations of real shapes."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any, get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED_REFERENCE
from tests.unit.swaps.builders import (
    TOKEN,
    TRADER,
    Shape,
    Side,
    TempListing,
    TradeSpec,
    swap_fields,
    trade_tx,
)
from walltrack.app.swaps import parse_transaction
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.errors import MalformedTransaction

HELIUS = SHARED_REFERENCE / "fixtures" / "helius"
FIXTURES = [
    json.loads(p.read_text(), parse_float=Decimal)
    for p in sorted(HELIUS.glob("enhanced_tx_*.json"))
]

U64 = 2**64 - 1


@st.composite
def trade_specs(draw: st.DrawFn) -> TradeSpec:
    """Any trade shape, side, size, fee, tip, rent and fee payer the builder knows."""
    shape: Shape = draw(st.sampled_from(get_args(Shape)))
    side: Side = draw(st.sampled_from(get_args(Side)))
    quote_raw = draw(st.integers(min_value=1, max_value=10**15))
    venue_fee = 0
    if shape == "curve":
        venue_fee = draw(st.integers(min_value=0, max_value=quote_raw // 50))
        if side == "buy" and venue_fee >= quote_raw:
            venue_fee = 0
    decimals = draw(st.sampled_from([0, 6, 8, 9]))
    token_raw = draw(st.integers(min_value=1, max_value=U64))
    if decimals == 0 and token_raw == 1:
        token_raw = 2  # a single unit of a 0-decimal mint is an NFT, not a fungible trade
    return TradeSpec(
        side=side,
        shape=shape,
        quote_raw=quote_raw,
        token_raw=token_raw,
        decimals=decimals,
        fee=draw(st.integers(min_value=5_000, max_value=50_000_000)),
        tip=draw(st.sampled_from([0, 1_000, 10_000_000])),
        ata_rent=draw(st.booleans()),
        relayer=draw(st.booleans()),
        venue_fee=venue_fee,
        bot_fee=draw(st.sampled_from([0, 10_000, quote_raw // 100 + 1])),
        trimmed=draw(st.booleans()),
        temp_listing=draw(st.sampled_from(get_args(TempListing))),
    )


def _token_change_of_trader(tx: dict[str, Any]) -> int:
    return sum(
        int(c["rawTokenAmount"]["tokenAmount"])
        for row in tx["accountData"]
        for c in row["tokenBalanceChanges"]
        if c["userAccount"] == TRADER and c["mint"] == TOKEN
    )


@given(trade_specs())
def test_a_trade_gives_exactly_its_swap(spec: TradeSpec) -> None:
    # Given any generated trade
    tx = trade_tx(spec)
    # When normalised
    swaps = parse_transaction(tx)
    # Then exactly its swap, positive amounts, side following the sign of the token change
    assert [swap_fields(s) for s in swaps] == [spec.expected()]
    swap = swaps[0]
    assert swap.token_amount > 0
    assert swap.quote_amount > 0
    change = _token_change_of_trader(tx)
    assert (swap.side == "buy") == (change > 0)
    assert (swap.side == "sell") == (change < 0)


@st.composite
def trimmed_bodies(draw: st.DrawFn) -> tuple[TradeSpec, dict[str, Any], dict[str, Any]]:
    """A generated trade, and the same body as a webhook may trim it: any of the non-signer
    rows dropped, and the instructions with them."""
    spec = replace(draw(trade_specs()), trimmed=False)
    full = trade_tx(spec)
    signers = {TRADER, full["feePayer"]}
    trimmed = copy.deepcopy(full)
    trimmed["accountData"] = [
        row for row in full["accountData"] if row["account"] in signers or draw(st.booleans())
    ]
    trimmed["instructions"] = []
    return spec, full, trimmed


def _outflow(full: dict[str, Any], wallet: str, mint: str) -> Decimal:
    """What the wallet's own rows of the full body lost of `mint` (SOL: native and WSOL)."""
    lost = Decimal(0)
    for row in full["accountData"]:
        if mint == SOL_MINT and row["account"] == wallet and row["nativeBalanceChange"] < 0:
            lost -= Decimal(row["nativeBalanceChange"]).scaleb(-9)
        for change in row["tokenBalanceChanges"]:
            raw = int(change["rawTokenAmount"]["tokenAmount"])
            if change["userAccount"] == wallet and change["mint"] == mint and raw < 0:
                lost -= Decimal(raw).scaleb(-change["rawTokenAmount"]["decimals"])
    return lost


@given(trimmed_bodies())
def test_no_trade_is_attributed_to_an_account_that_did_not_sign_or_pay(
    case: tuple[TradeSpec, dict[str, Any], dict[str, Any]],
) -> None:
    # Given a trade, whole or trimmed as a webhook may deliver it
    _, full, trimmed = case
    # When each is parsed / Then every trader reported signed it or paid its fee: never the
    # curve, pool, vault or router that mirrors the trade
    for body in (full, trimmed):
        assert {s.wallet for s in parse_transaction(body)} <= {TRADER, full["feePayer"]}


@given(trimmed_bodies())
def test_what_a_trader_paid_never_exceeds_what_it_lost_of_that_asset(
    case: tuple[TradeSpec, dict[str, Any], dict[str, Any]],
) -> None:
    # Given a trade, whole or trimmed (a temporary WSOL account's leg shows twice in a trimmed
    # body: natively and as WSOL)
    _, full, trimmed = case
    for body in (full, trimmed):
        for swap in parse_transaction(body):
            # Then the amount of the asset paid is at most the trader's whole loss of it
            paid_mint, paid = (
                (swap.quote_mint, swap.quote_amount)
                if swap.side == "buy"
                else (swap.token_mint, swap.token_amount)
            )
            assert paid <= _outflow(full, swap.wallet, paid_mint)


@given(trade_specs())
def test_parsed_for_every_wallet_no_more_is_bought_than_sellers_supplied(spec: TradeSpec) -> None:
    # Given a trade parsed for every account in it (as for a watch list holding all of them)
    tx = trade_tx(spec)
    everyone = {row["account"] for row in tx["accountData"]} | {
        c["userAccount"] for row in tx["accountData"] for c in row["tokenBalanceChanges"]
    }
    swaps = parse_transaction(tx, wallets=everyone)
    # Then the token bought in total never exceeds what sellers' accounts sent
    bought = sum((s.token_amount for s in swaps if s.side == "buy"), Decimal(0))
    supplied = sum(
        (Decimal(t["tokenAmount"]) for t in tx["tokenTransfers"] if t["mint"] == TOKEN),
        Decimal(0),
    )
    assert bought <= supplied


@given(
    trade_specs(),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
    st.booleans(),
    st.booleans(),
)
def test_quote_never_includes_fee_tip_or_rent(
    spec: TradeSpec, fee: int, tip: int, rent: bool, relayer: bool
) -> None:
    # Given the same trade with any other fee, tip, rent and fee payer
    other = replace(spec, fee=fee, tip=tip, ata_rent=rent, relayer=relayer)
    # Then the swap is the same
    assert [swap_fields(s) for s in parse_transaction(trade_tx(other))] == [
        swap_fields(s) for s in parse_transaction(trade_tx(spec))
    ]


@given(trade_specs(), st.integers(min_value=2, max_value=1000))
def test_scaling_the_trade_scales_the_swap(spec: TradeSpec, k: int) -> None:
    # Given the same trade k times bigger (side payments unchanged)
    big = replace(spec, quote_raw=spec.quote_raw * k, venue_fee=spec.venue_fee * k)
    big = replace(big, token_raw=min(spec.token_raw * k, U64))
    small_swap = parse_transaction(trade_tx(spec))[0]
    big_swap = parse_transaction(trade_tx(big))[0]
    # Then the quote scales by k exactly (the token too, unless capped at u64)
    assert big_swap.quote_amount == small_swap.quote_amount * k
    if spec.token_raw * k <= U64:
        assert big_swap.token_amount == small_swap.token_amount * k


@given(trade_specs(), st.randoms(use_true_random=False))
def test_output_is_independent_of_transfer_order(spec: TradeSpec, rnd: Any) -> None:
    # Given the trade with its transfers and balance changes listed in another order
    tx = trade_tx(spec)
    shuffled = copy.deepcopy(tx)
    rnd.shuffle(shuffled["tokenTransfers"])
    rnd.shuffle(shuffled["nativeTransfers"])
    for row in shuffled["accountData"]:
        rnd.shuffle(row["tokenBalanceChanges"])
    if not spec.relayer:  # rows keep key order only for finding a relayer-paid trader
        rnd.shuffle(shuffled["accountData"])
    # Then the output is the same
    assert parse_transaction(shuffled) == parse_transaction(tx)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "-1", "1e999999", "NaN", TRADER, SOL_MINT]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@given(trade_specs(), json_values.filter(lambda v: v is not None))
def test_a_failed_transaction_yields_nothing(spec: TradeSpec, error: Any) -> None:
    assert parse_transaction(trade_tx(spec, transactionError=error)) == []


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> Any:
    """A fixture (or a generated trade) with 1-5 random edits: replace, delete or duplicate."""
    if draw(st.booleans()):
        tx: Any = copy.deepcopy(draw(st.sampled_from(FIXTURES)))
    else:
        tx = trade_tx(draw(trade_specs()))
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        path = draw(st.sampled_from(_paths(tx)))
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if not path:
            if action == "replace":
                tx = draw(json_values)
            continue
        parent = tx
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        if not isinstance(tx, dict | list):
            break
    return tx


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixtures())
def test_arbitrary_mutations_raise_only_malformed_transaction(tx: Any) -> None:
    # Given any edit of a real shape
    try:
        swaps, message = parse_transaction(tx), None
    except MalformedTransaction as exc:
        swaps, message = [], str(exc)
    # Then a bad field is a typed error with a message (never a KeyError or TypeError leaking),
    # or the result is still a list of valid swaps
    assert message is None or message
    assert all(isinstance(s, Swap) and s.token_amount > 0 and s.quote_amount > 0 for s in swaps)
