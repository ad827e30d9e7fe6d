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
    return TradeSpec(
        side=side,
        shape=shape,
        quote_raw=quote_raw,
        token_raw=draw(st.integers(min_value=1, max_value=U64)),
        decimals=draw(st.sampled_from([0, 6, 8, 9])),
        fee=draw(st.integers(min_value=5_000, max_value=50_000_000)),
        tip=draw(st.sampled_from([0, 1_000, 10_000_000])),
        ata_rent=draw(st.booleans()),
        relayer=draw(st.booleans()),
        venue_fee=venue_fee,
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
