"""Hand-built variants of real swap shapes: who traded, what was paid, what is left out."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import SHARED_REFERENCE
from tests.unit.swaps.builders import (
    ATA,
    ATA_2,
    ATA_B,
    ATA_RENT,
    BOT_FEE_WALLET,
    CURVE,
    CURVE_VAULT,
    HOP_AUTH,
    HOP_BASE,
    HOP_QUOTE,
    LP_ATA,
    LP_MINT,
    POOL_AUTH,
    PUMP_FEE,
    PUMP_PROGRAM,
    RECIPIENT,
    RECIPIENT_ATA,
    RELAYER,
    ROUTER,
    ROUTER_USDC,
    ROUTER_WSOL,
    TOKEN,
    TOKEN_B,
    TRADER,
    TRADER_2,
    USDC,
    USDC_ATA,
    VAULT_B,
    VAULT_BASE,
    VAULT_QUOTE,
    WSOL,
    WSOL_TMP,
    Shape,
    Side,
    TradeSpec,
    TxBuilder,
    swap_fields,
    system_instruction,
    trade_tx,
    ui,
)
from walltrack.app.swaps import parse_transaction, parse_transactions
from walltrack.errors import InvalidInputError, MalformedTransaction

HELIUS = SHARED_REFERENCE / "fixtures" / "helius"


def _fixture(name: str) -> dict[str, Any]:
    tx: dict[str, Any] = json.loads((HELIUS / f"{name}.json").read_text(), parse_float=Decimal)
    return tx


def _only(tx: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    swaps = parse_transaction(tx, **kwargs)
    assert len(swaps) == 1, swaps
    return swap_fields(swaps[0])


# ------------------------------------------------------------------ side payments left out
def test_relayer_fee_payer_is_not_the_trader() -> None:
    # Given a curve buy whose fee a relayer paid (the trader still signs, listed second)
    spec = TradeSpec(relayer=True, fee=250_000)
    # When normalised
    swap = _only(trade_tx(spec))
    # Then the trader is the wallet whose tokens changed, and the fee is nobody's quote
    assert swap == spec.expected()


def test_relayer_trader_found_even_when_the_pools_token_rows_come_first() -> None:
    # Given a relayer-paid AMM sell whose pool vault rows precede every row of the trader
    tx = trade_tx(TradeSpec(side="sell", shape="standing_wsol", relayer=True))
    rows = tx["accountData"]
    vaults = [r for r in rows if r["account"] in (VAULT_BASE, VAULT_QUOTE)]
    rest = [r for r in rows if r not in vaults]
    tx["accountData"] = [rest[0], *vaults, *rest[1:]]
    # When normalised, Then the owner with its own (signer) row is the trader, not the pool
    assert _only(tx)["wallet"] == TRADER


def test_jito_tip_is_not_part_of_the_price() -> None:
    # Given a buy with a 0.01 SOL Jito tip and a 1 SOL priority-heavy fee
    spec = TradeSpec(tip=10_000_000, fee=1_000_000)
    # Then the quote is the venue leg only
    assert _only(trade_tx(spec)) == spec.expected()


def test_tip_on_a_sell_is_not_taken_from_the_proceeds() -> None:
    spec = TradeSpec(side="sell", quote_raw=250_590_080, token_raw=5 * 10**12, tip=2_000_000)
    assert _only(trade_tx(spec)) == spec.expected()


def test_ata_rent_on_buy_is_excluded() -> None:
    # Given a buy that creates the trader's token account (2,039,280 lamports of rent)
    spec = TradeSpec(ata_rent=True)
    # Then the rent is not part of the cost
    assert _only(trade_tx(spec))["quote_amount"] == Decimal("0.5")


def test_ata_close_refund_on_sell_is_excluded() -> None:
    # Given a sell of everything that closes the token account (rent refunded to the trader)
    spec = TradeSpec(side="sell", shape="temp_wsol", ata_rent=True, quote_raw=1_234_567_891)
    # Then the refund is not proceeds
    assert _only(trade_tx(spec))["quote_amount"] == Decimal("1.234567891")


def test_pump_fun_protocol_fee_is_part_of_what_the_buyer_paid() -> None:
    # Given a curve buy: 495,000,000 to the curve + 4,950,000 to pump.fun's fee account
    spec = TradeSpec(quote_raw=499_950_000, venue_fee=4_950_000, ata_rent=True)
    # Then the quote is both (the venue's price), not the curve leg alone
    assert _only(trade_tx(spec))["quote_amount"] == Decimal("0.49995")


def test_pump_fun_sell_proceeds_invisible_in_native_transfers_are_found() -> None:
    spec = TradeSpec(side="sell", quote_raw=250_590_080, venue_fee=2_531_212)
    tx = trade_tx(spec)
    assert tx["nativeTransfers"] == []
    assert _only(tx) == spec.expected()


# ------------------------------------------------------------------ WSOL, USDC, routes
@pytest.mark.parametrize("side", ["buy", "sell"])
def test_temporary_wsol_account_wrap_and_unwrap(side: Side) -> None:
    # Given SOL wrapped into a temp WSOL account, swapped, and the account closed
    spec = TradeSpec(side=side, shape="temp_wsol", quote_raw=2 * 10**9, decimals=9)
    # Then the wrap's rent and the unwrap's refund cancel; the WSOL leg is the SOL quote
    assert _only(trade_tx(spec)) == spec.expected()


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_standing_wsol_account_holds_the_sol_leg(side: Side) -> None:
    # Given a bot paying from a standing WSOL account (its native change is only fee + tip)
    spec = TradeSpec(side=side, shape="standing_wsol", tip=50_000, quote_raw=777_000_001)
    # Then the WSOL balance change is the SOL quote, reported under the SOL mint
    swap = _only(trade_tx(spec))
    assert swap == spec.expected()
    assert swap["quote_mint"] == WSOL


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_usdc_quote(side: Side) -> None:
    spec = TradeSpec(side=side, shape="usdc", quote_raw=12_345_678, decimals=8)
    swap = _only(trade_tx(spec))
    assert swap == spec.expected()
    assert swap["quote_mint"] == USDC
    assert swap["quote_amount"] == Decimal("12.345678")


def test_multi_hop_route_reports_the_net_in_and_out_only() -> None:
    # Given SOL → USDC (hop pool) → TOKEN (USDC pool) through a router's USDC account
    b = TxBuilder(source="JUPITER")
    size, mid, got = 1_500_000_000, 225_000_000, 42 * 10**6
    b.system_transfer(TRADER, WSOL_TMP, size + ATA_RENT)
    b.token_transfer((TRADER, WSOL_TMP), (HOP_AUTH, HOP_QUOTE), WSOL, size, 9)
    b.token_transfer((HOP_AUTH, HOP_BASE), (ROUTER, ROUTER_USDC), USDC, mid, 6)
    b.token_transfer((ROUTER, ROUTER_USDC), (POOL_AUTH, VAULT_QUOTE), USDC, mid, 6)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), TOKEN, got, 6)
    b.move_lamports(WSOL_TMP, TRADER, ATA_RENT)
    b.temp_account(WSOL_TMP)
    # When normalised
    swap = _only(b.build())
    # Then one buy: 1.5 SOL for 42 TOKEN; the USDC hop is not a leg
    assert swap == {
        "wallet": TRADER,
        "side": "buy",
        "token_mint": TOKEN,
        "token_amount": Decimal(42),
        "quote_mint": WSOL,
        "quote_amount": Decimal("1.5"),
    }


def test_multi_hop_through_the_traders_own_intermediate_account_nets_out() -> None:
    # Given USDC → SOL → TOKEN where the SOL passes through the trader's own WSOL account
    b = TxBuilder(source="JUPITER")
    b.token_transfer((TRADER, USDC_ATA), (HOP_AUTH, HOP_BASE), USDC, 100 * 10**6, 6)
    b.token_transfer((HOP_AUTH, HOP_QUOTE), (TRADER, WSOL_TMP), WSOL, 660_000_000, 9)
    b.token_transfer((TRADER, WSOL_TMP), (POOL_AUTH, VAULT_QUOTE), WSOL, 660_000_000, 9)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), TOKEN, 5 * 10**6, 6)
    # Then a USDC buy: the intermediate SOL is nobody's quote
    swap = _only(b.build())
    assert (swap["side"], swap["quote_mint"], swap["quote_amount"]) == ("buy", USDC, 100)


def test_token_to_token_is_a_swap_quoted_in_the_token_paid() -> None:
    # Given TOKEN_B (9 dp) → TOKEN (6 dp) with no SOL/USDC leg
    b = TxBuilder()
    b.token_transfer((TRADER, ATA_B), (POOL_AUTH, VAULT_B), TOKEN_B, 3_500_000_000, 9)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), TOKEN, 7_000_000, 6)
    # Then side "swap", token = what came in, quote = what went out
    assert _only(b.build()) == {
        "wallet": TRADER,
        "side": "swap",
        "token_mint": TOKEN,
        "token_amount": Decimal(7),
        "quote_mint": TOKEN_B,
        "quote_amount": Decimal("3.5"),
    }


def test_token_to_token_with_new_ata_rent_is_still_a_swap() -> None:
    # Given a token-to-token route that also pays rent for a router-side account
    b = TxBuilder()
    b.system_transfer(TRADER, ROUTER_WSOL, ATA_RENT)
    b.token_transfer((TRADER, ATA_B), (POOL_AUTH, VAULT_B), TOKEN_B, 10**9, 9)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), TOKEN, 10**6, 6)
    # Then the rent-sized SOL outflow is not a second paid asset
    assert _only(b.build())["side"] == "swap"


# ------------------------------------------------------------------ not trades
def test_failed_transaction_gives_nothing() -> None:
    tx = trade_tx(TradeSpec(), transactionError={"InstructionError": [2, {"Custom": 6002}]})
    assert parse_transaction(tx) == []


def test_plain_sol_transfer_gives_nothing() -> None:
    b = TxBuilder(tx_type="TRANSFER").system_transfer(TRADER, RECIPIENT, 3 * 10**9)
    assert parse_transaction(b.build()) == []


def test_token_transfer_paying_the_recipients_rent_is_not_a_sell() -> None:
    b = TxBuilder(tx_type="TRANSFER")
    b.system_transfer(TRADER, RECIPIENT_ATA, ATA_RENT)
    b.token_transfer((TRADER, ATA), (RECIPIENT, RECIPIENT_ATA), TOKEN, 10**12, 6)
    assert parse_transaction(b.build()) == []


def test_airdrop_received_for_nothing_is_not_a_buy() -> None:
    # Given a claim: the trader pays rent for its new ATA and receives tokens
    b = TxBuilder(tx_type="UNKNOWN")
    b.system_transfer(TRADER, ATA, ATA_RENT)
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), TOKEN, 10**9, 6)
    assert parse_transaction(b.build()) == []


def test_sol_to_usdc_is_not_a_token_trade() -> None:
    b = TxBuilder()
    b.system_transfer(TRADER, WSOL_TMP, 10**9 + ATA_RENT)
    b.token_transfer((TRADER, WSOL_TMP), (POOL_AUTH, VAULT_QUOTE), WSOL, 10**9, 9)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, USDC_ATA), USDC, 150 * 10**6, 6)
    b.move_lamports(WSOL_TMP, TRADER, ATA_RENT)
    b.temp_account(WSOL_TMP)
    assert parse_transaction(b.build()) == []


def test_liquidity_deposit_paying_two_assets_is_not_a_trade() -> None:
    # Given a pool deposit: TOKEN and SOL out, LP tokens in
    b = TxBuilder(tx_type="ADD_LIQUIDITY")
    b.system_transfer(TRADER, POOL_AUTH, 5 * 10**9)
    b.token_transfer((TRADER, ATA), (POOL_AUTH, VAULT_BASE), TOKEN, 10**12, 6)
    b.token_transfer((POOL_AUTH, VAULT_B), (TRADER, LP_ATA), LP_MINT, 10**9, 9)
    assert parse_transaction(b.build()) == []


def test_liquidity_withdrawal_receiving_two_assets_is_not_a_trade() -> None:
    b = TxBuilder(tx_type="WITHDRAW_LIQUIDITY")
    b.move_lamports(POOL_AUTH, TRADER, 80 * 10**9)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), TOKEN, 10**14, 6)
    assert parse_transaction(b.build()) == []


# ------------------------------------------------------------------ labels and hints ignored
def test_wrong_labels_do_not_matter_and_source_is_copied() -> None:
    # Given a pump.fun buy labelled TRANSFER / SYSTEM_PROGRAM (seen on mainnet)
    tx = trade_tx(TradeSpec(), type="TRANSFER", source="SYSTEM_PROGRAM")
    swaps = parse_transaction(tx)
    assert [s.side for s in swaps] == ["buy"]
    assert swaps[0].source == "SYSTEM_PROGRAM"


def test_a_lying_events_swap_is_ignored() -> None:
    # Given events.swap whose nativeInput is only a WSOL top-up, far below the trade
    spec = TradeSpec(shape="temp_wsol", quote_raw=3 * 10**9)
    event = {"nativeInput": {"account": TRADER, "amount": "1000"}, "tokenOutputs": []}
    tx = trade_tx(spec, events={"swap": event})
    assert _only(tx) == spec.expected()


def test_bot_fee_to_an_unknown_wallet_stays_in_the_quote() -> None:
    # Given a buy with a 1 % fee to a trading bot's wallet (not a known tip account)
    b = TxBuilder()
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), TOKEN, 10**9, 6)
    b.system_transfer(TRADER, CURVE, 10**9)
    b.system_transfer(TRADER, BOT_FEE_WALLET, 10**7)
    # Then it is counted (documented limit: only known side-payment accounts are excluded)
    assert _only(b.build())["quote_amount"] == Decimal("1.01")


def test_a_bot_fee_paid_by_its_own_top_level_instruction_is_not_the_price() -> None:
    # Given a curve buy whose venue payments happen inside pump.fun's instruction, and a 1 %
    # fee the trader's bot added as a top-level System transfer to its (unknown) fee wallet
    b = TxBuilder()
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), TOKEN, 10**9, 6)
    b.system_transfer(TRADER, CURVE, 10**9)
    b.system_transfer(TRADER, PUMP_FEE, 10**7)
    b.system_transfer(TRADER, BOT_FEE_WALLET, 10**7)
    venue: dict[str, Any] = {
        "accounts": [PUMP_FEE, CURVE, TRADER],
        "data": "x",
        "programId": PUMP_PROGRAM,
    }
    venue["innerInstructions"] = [
        system_instruction(2, [TRADER, CURVE], 10**9),
        system_instruction(2, [TRADER, PUMP_FEE], 10**7),
    ]
    b.instructions = [venue, system_instruction(2, [TRADER, BOT_FEE_WALLET], 10**7)]
    # Then the venue's fee is in the price and the bot's is not
    assert _only(b.build())["quote_amount"] == Decimal("1.01")


def test_a_known_bot_fee_wallet_is_not_the_price_even_without_instructions() -> None:
    # Given a trimmed-style buy (no instructions) paying 1 % to Trojan's fee wallet
    spec = TradeSpec(shape="temp_wsol", bot_fee=5 * 10**6, trimmed=True, temp_listing="none")
    # Then the quote is what reached the venue, once, however the WSOL went
    assert _only(trade_tx(spec)) == spec.expected()


def test_sol_to_x_to_usdc_route_is_not_a_token_trade_and_never_the_routers() -> None:
    # Given SOL → X → USDC through two pools and a router holding X in between
    b = TxBuilder()
    b.system_transfer(TRADER, WSOL_TMP, 10**9 + ATA_RENT)
    b.token_transfer((TRADER, WSOL_TMP), (HOP_AUTH, HOP_QUOTE), WSOL, 10**9, 9)
    b.token_transfer((HOP_AUTH, HOP_BASE), (ROUTER, ROUTER_WSOL), TOKEN, 5 * 10**9, 6)
    b.token_transfer((ROUTER, ROUTER_WSOL), (POOL_AUTH, VAULT_BASE), TOKEN, 4 * 10**9, 6)
    b.token_transfer((POOL_AUTH, VAULT_QUOTE), (TRADER, USDC_ATA), USDC, 150 * 10**6, 6)
    b.move_lamports(WSOL_TMP, TRADER, ATA_RENT)
    b.temp_account(WSOL_TMP)
    # (the router keeps a little X: its token change is not zero)
    # Then nothing is reported: the fee payer traded quote for quote, and no pool or router is
    # taken for the trader
    assert parse_transaction(b.build()) == []


def test_an_airdrop_claim_paying_rent_for_its_claim_record_is_not_a_buy() -> None:
    # Given a claim: the claimer's new ATA, and a claim-status record the distributor program
    # creates at the claimer's expense (an inner createAccount), tokens in from the vault
    claim_record = "C1aimStatus1111111111111111111111111111111"
    b = TxBuilder(tx_type="UNKNOWN")
    b.system_transfer(TRADER, ATA, ATA_RENT)
    b.system_transfer(TRADER, claim_record, 1_197_120)
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), TOKEN, 10**9, 6)
    distributor: dict[str, Any] = {
        "accounts": [claim_record, TRADER],
        "data": "x",
        "programId": "Distributor1",
    }
    distributor["innerInstructions"] = [system_instruction(0, [TRADER, claim_record], 1_197_120)]
    b.instructions = [distributor]
    # Then it is not a buy at a near-zero price
    assert parse_transaction(b.build()) == []


@pytest.mark.parametrize("standard", ["NonFungible", "ProgrammableNonFungible", None])
def test_an_nft_bought_for_sol_is_not_a_token_trade(standard: str | None) -> None:
    # Given a marketplace buy: 1 unit of a 0-decimal mint for 2 SOL (with or without
    # Helius' tokenStandard)
    b = TxBuilder(tx_type="NFT_SALE")
    b.system_transfer(TRADER, POOL_AUTH, 2 * 10**9)
    b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), TOKEN, 1, 0, standard or "")
    tx = b.build()
    if standard is None:
        for transfer in tx["tokenTransfers"]:
            del transfer["tokenStandard"]
    # Then nothing is reported (fungible tokens only), and the seller is not taken for it
    assert parse_transaction(tx) == []


# ------------------------------------------------------------------ several wallets
def _bundle() -> dict[str, Any]:
    """TRADER (fee payer) and TRADER_2 both buy on the curve in one transaction."""
    b = TxBuilder(signers=(TRADER_2,))
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), TOKEN, 10**9, 6)
    b.system_transfer(TRADER, CURVE, 10**8)
    b.token_transfer((CURVE, CURVE_VAULT), (TRADER_2, ATA_2), TOKEN, 2 * 10**9, 6)
    b.system_transfer(TRADER_2, CURVE, 2 * 10**8)
    return b.build()


def test_default_reports_only_the_fee_payers_trade() -> None:
    assert [s.wallet for s in parse_transaction(_bundle())] == [TRADER]


def test_watched_wallets_each_get_their_trade_in_account_order() -> None:
    # Given the watched set (any order), including one wallet that did not trade
    swaps = parse_transaction(_bundle(), wallets={TRADER_2, RECIPIENT, TRADER})
    # Then one swap per trading wallet, never the curve's mirror image
    assert [(s.wallet, s.token_amount, s.quote_amount) for s in swaps] == [
        (TRADER, Decimal(1000), Decimal("0.1")),
        (TRADER_2, Decimal(2000), Decimal("0.2")),
    ]


def test_a_single_watched_address_is_not_read_as_characters() -> None:
    assert [s.wallet for s in parse_transaction(_bundle(), wallets=TRADER_2)] == [TRADER_2]


def test_watched_wallet_that_is_a_relayer_only_gets_nothing() -> None:
    tx = trade_tx(TradeSpec(relayer=True))
    assert parse_transaction(tx, wallets=[RELAYER]) == []


# ------------------------------------------------------------------ trimmed webhook bodies
def test_trimmed_account_data_keeping_the_traders_row_still_gives_exact_amounts() -> None:
    # Given the pump.fun buy fixture with accountData cut to the wallet's row (webhook shape gap)
    tx = _fixture("enhanced_tx_pumpfun_buy")
    full = parse_transaction(tx)
    tx["accountData"] = tx["accountData"][:1]
    # Then the token comes from the transfer and the ATA rent from the native transfer
    assert parse_transaction(tx) == full


@pytest.mark.parametrize("shape", ["standing_wsol", "temp_wsol", "usdc", "curve"])
@pytest.mark.parametrize("side", ["buy", "sell"])
def test_trimmed_account_data_for_every_shape(shape: Shape, side: Side) -> None:
    # Given a trade (a buy creating its token account) whose accountData kept only the
    # trader's own row
    spec = TradeSpec(side=side, shape=shape, ata_rent=side == "buy", tip=10_000)
    tx = trade_tx(spec)
    tx["accountData"] = [row for row in tx["accountData"] if row["account"] == TRADER]
    # Then a standing WSOL account's leg comes from its WSOL transfers, a temporary one
    # (funded in the transaction) nets to nothing, and the result is the full-data answer
    assert _only(tx) == spec.expected()


def test_trimmed_sell_that_closes_its_token_account_counts_the_refund() -> None:
    # Given a sell that closes the emptied token account, accountData cut to the trader's row
    spec = TradeSpec(side="sell", shape="curve", ata_rent=True)
    tx = trade_tx(spec)
    tx["accountData"] = [row for row in tx["accountData"] if row["account"] == TRADER]
    # Then the refund (moved by the token program, invisible in nativeTransfers) cannot be told
    # from proceeds: a documented limit of trimmed bodies, off by one rent at most
    assert _only(tx)["quote_amount"] == Decimal("0.5") + ui(ATA_RENT, 9)


def test_without_account_data_a_buy_is_read_from_transfers() -> None:
    tx = _fixture("enhanced_tx_raydium_buy")
    full = parse_transaction(tx)
    tx["accountData"] = []
    assert parse_transaction(tx) == full


def test_without_account_data_a_curve_sell_gives_nothing_rather_than_a_wrong_price() -> None:
    tx = _fixture("enhanced_tx_pumpfun_sell")
    tx["accountData"] = []
    assert parse_transaction(tx) == []


def test_float_token_amounts_from_plain_json_are_read_through_their_repr() -> None:
    # Given a body parsed without parse_float=Decimal and no accountData
    tx = json.loads((HELIUS / "enhanced_tx_raydium_buy.json").read_text())
    tx["accountData"] = []
    swap = _only(tx)
    assert swap["token_amount"] == Decimal("99501.867218623")


# ------------------------------------------------------------------ exactness
def test_amounts_are_exact_beyond_float_precision() -> None:
    # Given a u64-sized raw amount at 9 decimals (float would round it)
    spec = TradeSpec(shape="temp_wsol", token_raw=18_446_744_073_709_551_615, decimals=9)
    swap = _only(trade_tx(spec))
    assert swap["token_amount"] == Decimal("18446744073.709551615")


def test_zero_decimal_tokens() -> None:
    spec = TradeSpec(token_raw=3, decimals=0)
    assert _only(trade_tx(spec))["token_amount"] == Decimal(3)


# ------------------------------------------------------------------ malformed input
def _raydium() -> dict[str, Any]:
    return _fixture("enhanced_tx_raydium_buy")


RAW = ("accountData", 2, "tokenBalanceChanges", 0, "rawTokenAmount")


def _set(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    tx = _raydium()
    target: Any = tx
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return tx


def _drop(key: str) -> dict[str, Any]:
    tx = _raydium()
    del tx[key]
    return tx


@pytest.mark.parametrize(
    ("tx", "message"),
    [
        ([], "transaction is an array, expected an object"),
        ("tx", "transaction is a string"),
        (None, "transaction is null"),
        (_drop("signature"), "signature is missing"),
        (_drop("timestamp"), "timestamp is missing"),
        (_drop("feePayer"), "feePayer is missing"),
        (_set(("slot",), -1), "slot is -1, outside"),
        (_set(("fee",), True), "fee is a boolean"),
        (_set(("timestamp",), Decimal("1773151500.5")), "timestamp is a number"),
        (_set(("timestamp",), 10**13), "timestamp is 10000000000000, outside"),
        (_set(("source",), 7), "source is a number"),
        (_set(("accountData",), {"a": 1}), "accountData is an object, expected an array"),
        (_set(("tokenTransfers",), "x"), "tokenTransfers is a string, expected an array"),
        (_set(("nativeTransfers", 0), 5), "nativeTransfers[0] is a number, expected an object"),
        (_set(("nativeTransfers", 0, "amount"), -5), "nativeTransfers[0].amount is -5"),
        (_set(("tokenTransfers", 1, "tokenAmount"), "abc"), "tokenTransfers[1].tokenAmount"),
        (_set(("tokenTransfers", 1, "tokenAmount"), float("inf")), "tokenAmount"),
        (_set(("tokenTransfers", 1, "mint"), ""), "tokenTransfers[1].mint is a string"),
        (_set(("accountData", 0, "nativeBalanceChange"), "-5"), "nativeBalanceChange is a"),
        (_set(("accountData", 0, "account"), None), "accountData[0].account is missing"),
        (
            _set(RAW, None),
            "accountData[2].tokenBalanceChanges[0].rawTokenAmount is null",
        ),
        (
            _set((*RAW, "tokenAmount"), "1.5"),
            "rawTokenAmount.tokenAmount is a string ('1.5'), expected a string of digits",
        ),
        (
            _set((*RAW, "decimals"), 300),
            "decimals is 300, outside [0, 255]",
        ),
        (
            _set((*RAW, "tokenAmount"), "9" * 30),
            "beyond a u64 amount",
        ),
    ],
)
def test_malformed_input_raises_a_typed_error_naming_the_field(tx: Any, message: str) -> None:
    with pytest.raises(MalformedTransaction) as caught:
        parse_transaction(tx)
    assert message in str(caught.value)
    assert isinstance(caught.value, InvalidInputError)  # the API's 422, never a bare KeyError


def test_malformed_message_names_the_signature_when_known() -> None:
    with pytest.raises(MalformedTransaction, match=r"\(signature 3XKpz3bC"):
        parse_transaction(_set(("slot",), "x"))


def test_missing_optional_lists_count_as_empty() -> None:
    tx = _raydium()
    for key in ("tokenTransfers", "nativeTransfers", "events", "instructions", "transactionError"):
        del tx[key]
    assert len(parse_transaction(tx)) == 1


def test_normalize_many_keeps_input_order_and_reports_bad_items_by_index() -> None:
    # Given a batch with good, failed and malformed items
    good_buy, good_sell = _fixture("enhanced_tx_pumpfun_buy"), _fixture("enhanced_tx_pumpfun_sell")
    batch = [good_sell, {"oops": 1}, _fixture("enhanced_tx_failed"), good_buy, 42]
    # When normalised together
    swaps, errors = parse_transactions(batch)
    # Then swaps keep the input order and each bad item is reported, not raised
    assert [s.side for s in swaps] == ["sell", "buy"]
    assert [i for i, _ in errors] == [1, 4]
    assert "signature is missing" in errors[0][1]


def test_input_is_not_mutated() -> None:
    tx = _raydium()
    before = copy.deepcopy(tx)
    parse_transaction(tx)
    assert tx == before


def test_ui_helper_matches_decimal_scaling() -> None:
    assert ui(2_039_280, 9) == Decimal("0.00203928")
