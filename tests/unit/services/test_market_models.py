"""Response models: exact numbers at the boundary, tolerant of extra fields, strict on shape."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from walltrack.data.models.market import (
    TOKEN_2022_PROGRAM,
    DasAsset,
    Pair,
    Parsed,
    RugCheckSummary,
    TokenProfile,
)

Load = Callable[[str], Any]
GCAT = "3BibvHyi1o5Y7eHfzfbxyq6DdnnEchwBCJWyyoKdpump"
WSOL = "So11111111111111111111111111111111111111112"


@pytest.fixture
def gcat_pair(load_fixture: Load) -> dict[str, Any]:
    pair: dict[str, Any] = load_fixture("dexscreener/tokens_v1.json")[0]
    return pair


@pytest.fixture
def orbt_asset(load_fixture: Load) -> dict[str, Any]:
    asset: dict[str, Any] = load_fixture("helius/rpc_get_asset.json")["result"]
    return asset


def test_json_floats_become_the_decimal_of_their_text(gcat_pair: dict[str, Any]) -> None:
    # Given a float volume and liquidity
    gcat_pair["volume"]["h1"] = 0.1
    # When parsed
    pair = Pair.model_validate(gcat_pair)
    # Then Decimal("0.1"), not the binary float's expansion
    assert pair.volume["h1"] == Decimal("0.1")
    assert pair.liquidity is not None
    assert pair.liquidity.quote == Decimal("10.2418")


def test_unknown_fields_are_tolerated(gcat_pair: dict[str, Any]) -> None:
    # Given a field the docs do not know
    gcat_pair["newFieldFromTomorrow"] = {"x": 1}
    # When parsed / Then it parses as before
    assert Pair.model_validate(gcat_pair).pair_address == gcat_pair["pairAddress"]


def test_a_boolean_is_not_accepted_as_a_number(gcat_pair: dict[str, Any]) -> None:
    # Given a boolean where a number belongs
    gcat_pair["fdv"] = True
    # When parsed / Then rejected
    with pytest.raises(ValidationError):
        Pair.model_validate(gcat_pair)


def test_a_pair_without_liquidity_has_zero_usd_liquidity(gcat_pair: dict[str, Any]) -> None:
    # Given a young pump.fun curve without a liquidity object
    del gcat_pair["liquidity"]
    # When parsed / Then liquidity reads as 0, never None
    assert Pair.model_validate(gcat_pair).liquidity_usd == Decimal(0)


def test_a_pair_where_the_mint_is_the_quote_does_not_trade_it(gcat_pair: dict[str, Any]) -> None:
    # Given the GCAT pair / When asked about WSOL (its quote side)
    pair = Pair.model_validate(gcat_pair)
    # Then only the base token counts
    assert pair.trades_token(GCAT)
    assert not pair.trades_token(WSOL)


def test_null_profile_fields_read_as_empty(load_fixture: Load) -> None:
    # Given the base-chain profile with null header/description/links
    raw = load_fixture("dexscreener/profiles_latest.json")[1]
    # When parsed
    profile = TokenProfile.model_validate(raw)
    # Then nulls stay None and links become an empty list
    assert (profile.header, profile.description, profile.links) == (None, None, [])


def test_parsed_of_keeps_good_items_and_counts_bad_ones(gcat_pair: dict[str, Any]) -> None:
    # Given one good pair, one with a non-numeric price, and null
    bad = {**gcat_pair, "priceUsd": "n/a"}
    # When parsed item by item
    parsed = Parsed.of(Pair, [gcat_pair, bad, None])
    # Then one kept, two skipped, reasons without the offending values
    assert len(parsed.items) == 1
    assert parsed.skipped == 2
    assert parsed.errors[0].startswith("item 1: priceUsd")
    assert "n/a" not in parsed.errors[0]


def test_parsed_results_add_up(gcat_pair: dict[str, Any]) -> None:
    # Given two batches' results
    first = Parsed.of(Pair, [gcat_pair, {}])
    second = Parsed.of(Pair, [gcat_pair])
    # When combined / Then items, counts and errors add up
    total = first + second
    assert (len(total.items), total.skipped, len(total.errors)) == (2, 1, 1)


def test_rugcheck_risks_with_null_text_read_as_empty() -> None:
    # Given a risk whose value and description are null
    raw = {"risks": [{"name": "Low Liquidity", "value": None, "description": None}]}
    # When parsed / Then empty strings
    risk = RugCheckSummary.model_validate(raw).risks[0]
    assert (risk.value, risk.description) == ("", "")


@pytest.mark.parametrize("how", ["absent", "null", "blank"])
def test_an_absent_null_or_blank_mint_authority_is_revoked(
    orbt_asset: dict[str, Any], how: str
) -> None:
    # Given the ORBT asset with its mint authority removed in one of three ways
    if how == "absent":
        del orbt_asset["token_info"]["mint_authority"]
    else:
        orbt_asset["token_info"]["mint_authority"] = None if how == "null" else ""
    # When parsed / Then revoked
    assert DasAsset.model_validate(orbt_asset).mint_authority_revoked


def test_a_present_freeze_authority_is_not_revoked(orbt_asset: dict[str, Any]) -> None:
    # Given a freeze authority set
    orbt_asset["token_info"]["freeze_authority"] = orbt_asset["authorities"][0]["address"]
    # When parsed / Then it is live
    assert not DasAsset.model_validate(orbt_asset).freeze_authority_revoked


def test_a_token_2022_asset_keeps_its_extensions(orbt_asset: dict[str, Any]) -> None:
    # Given a Token-2022 mint with a transfer fee
    orbt_asset["token_info"]["token_program"] = TOKEN_2022_PROGRAM
    orbt_asset["mint_extensions"] = {"transfer_fee_config": {"newer_transfer_fee": {"bps": 100}}}
    # When parsed
    asset = DasAsset.model_validate(orbt_asset)
    # Then it is recognised as Token-2022 with the extension readable
    assert asset.is_token_2022
    assert "transfer_fee_config" in asset.mint_extensions


def test_a_float_supply_is_rejected_as_inexact(orbt_asset: dict[str, Any]) -> None:
    # Given a supply that went through a float
    orbt_asset["token_info"]["supply"] = 1e17
    # When parsed / Then rejected: raw amounts must be exact integers
    with pytest.raises(ValidationError):
        DasAsset.model_validate(orbt_asset)
