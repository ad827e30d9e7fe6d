"""Rendered enhanced transactions have the fixtures' shapes, in every variety the sim produces."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import base58
import pytest

from sim.chain import (
    MERKLE_DISTRIBUTOR,
    SYSTEM_PROGRAM,
    TOKEN_2022_PROGRAM,
    TOKEN_PROGRAM,
    WSOL_MINT,
    address_with_seed,
    b58,
)
from sim.render import Renderer
from sim.world import FLAG_NEW_ATA, FLAG_STANDING_WSOL, World
from tests.unit.sim.conftest import load_fixture
from tests.unit.sim.shapes import shape_errors


def _fixture_for(tx: dict[str, object]) -> str:
    if tx["transactionError"] is not None:
        return "helius/enhanced_tx_failed.json"
    if tx["source"] == "SYSTEM_PROGRAM":
        return "helius/enhanced_tx_sol_transfer.json"
    if tx["source"] == "SOLANA_PROGRAM_LIBRARY":
        return "helius/enhanced_tx_token_transfer.json"
    if tx["source"] in ("RAYDIUM", "JUPITER") and tx["events"]:
        return "helius/enhanced_tx_raydium_buy.json"
    return "helius/enhanced_tx_pumpfun_buy.json"


def test_every_variety_matches_its_fixture_shape(small_world: World) -> None:
    # Given every transaction of the small world, grouped by (type, source)
    r = Renderer(small_world)
    seen: dict[tuple[object, object], int] = defaultdict(int)
    for tx_id in range(small_world.n_tx()):
        tx = r.enhanced(tx_id)
        key = (tx["type"], tx["source"])
        seen[key] += 1
        if seen[key] > 40:
            continue
        # When it is compared with the fixture of its kind
        errors = shape_errors(tx, load_fixture(_fixture_for(tx)))
        # Then keys and value types agree
        assert not errors, (key, errors[:5])
    # Then the variety a parser meets is there
    assert {
        ("SWAP", "PUMP_FUN"),
        ("SWAP", "RAYDIUM"),
        ("BUY", "PUMP_AMM"),
        ("SELL", "PUMP_AMM"),
        ("TRANSFER", "SYSTEM_PROGRAM"),
        ("TRANSFER", "SOLANA_PROGRAM_LIBRARY"),
        ("SWAP", "JUPITER"),
        ("UNKNOWN", "PUMP_FUN"),
        ("UNKNOWN", "UNKNOWN"),  # airdrop claims, NFT sales Helius did not read
        ("NFT_SALE", "MAGIC_EDEN"),
        ("NFT_SALE", "TENSOR"),
    } <= set(seen)


def test_pump_fun_sells_hide_proceeds_from_native_transfers(small_world: World) -> None:
    # Given pump.fun curve sells without tips or trading-bot fees
    r = Renderer(small_world)
    w = small_world
    sells = [
        t
        for t in range(w.n_tx())
        if w.t_kind[t] == 0
        and w.t_side[t] == 1
        and w.pools[w.t_pool[t]].is_curve
        and not w.t_tip[t]
        and not w.t_bot[t]
    ][:20]
    assert sells
    for tx_id in sells:
        tx = r.enhanced(tx_id)
        # Then like the fixture, nativeTransfers is empty and events is {}
        assert tx["nativeTransfers"] == []
        assert tx["events"] == {}


@pytest.mark.parametrize(
    ("raw", "dec", "expected"), [(9_837_047_783_676, 6, 9837047.783676), (2 * 10**9, 9, 2)]
)
def test_token_amounts_are_ui_numbers(raw: int, dec: int, expected: float) -> None:
    # When a transfer is rendered
    transfer = Renderer._token_transfer(
        from_account="a",
        to_account="b",
        from_user="c",
        to_user="d",
        raw_amount=raw,
        decimals=dec,
        mint="m",
    )
    # Then tokenAmount is the UI amount as a JSON number (an int when whole, as in the fixtures)
    assert transfer["tokenAmount"] == expected
    assert type(transfer["tokenAmount"]) is type(expected)


def test_bots_with_standing_wsol_show_the_sol_leg_only_in_their_wsol_account(
    small_world: World,
) -> None:
    # Given swaps paid from a standing WSOL account
    w = small_world
    r = Renderer(w)
    standing = [
        t for t in range(w.n_tx()) if w.t_kind[t] == 0 and w.t_flags[t] & FLAG_STANDING_WSOL
    ]
    assert standing
    for tx_id in standing[:30]:
        tx = r.enhanced(tx_id)
        wallet = w.addr[w.t_wallet[tx_id]]
        rows = {row["account"]: row for row in tx["accountData"]}
        own = [
            row
            for row in tx["accountData"]
            for ch in row["tokenBalanceChanges"]
            if ch["userAccount"] == wallet and ch["mint"] == WSOL_MINT
        ]
        # Then the wallet's native change is only fee and tip (no temp account, no SOL transfer)
        assert rows[wallet]["nativeBalanceChange"] == -tx["fee"] - w.t_tip[tx_id] - (
            2_039_280 if w.t_side[tx_id] == 0 and w.t_flags[tx_id] & FLAG_NEW_ATA else 0
        )
        # Then the SOL leg sits in its WSOL account, as a native and a WSOL token change
        expected = -w.t_in[tx_id] if w.t_side[tx_id] == 0 else w.t_out[tx_id]
        assert [o["nativeBalanceChange"] for o in own] == [expected]
        # Then the shape is still an enhanced transaction's
        assert not shape_errors(tx, load_fixture(_fixture_for(tx)))


def _system_instructions(tx: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for instruction in tx["instructions"]:
        for item in (instruction, *instruction["innerInstructions"]):
            if item["programId"] == SYSTEM_PROGRAM:
                yield item


def _u64(raw: bytes, at: int) -> int:
    return int.from_bytes(raw[at : at + 8], "little")


def test_system_instructions_carry_their_on_chain_layout(small_world: World) -> None:
    # Given every System-program instruction the small world renders, top level and inner
    r = Renderer(small_world)
    seen: Counter[int] = Counter()
    owners = {TOKEN_PROGRAM, TOKEN_2022_PROGRAM, MERKLE_DISTRIBUTOR}
    for tx_id in range(small_world.n_tx()):
        tx = r.enhanced(tx_id)
        moved = {
            (t["fromUserAccount"], t["toUserAccount"], t["amount"]) for t in tx["nativeTransfers"]
        }
        for instruction in _system_instructions(tx):
            raw = base58.b58decode(instruction["data"])
            source, target = instruction["accounts"][:2]
            discriminator = int.from_bytes(raw[:4], "little")
            # Then each is a transfer, createAccount or createAccountWithSeed, laid out exactly
            # as on chain (u32 discriminator, u64 amounts, 32-byte keys, a length-prefixed seed)
            if discriminator == 2:
                assert len(raw) == 12
                lamports = _u64(raw, 4)
            elif discriminator == 0:
                assert len(raw) == 52
                assert b58(raw[20:52]) in owners
                lamports = _u64(raw, 4)
            elif discriminator == 3:
                base, seed_length = b58(raw[4:36]), _u64(raw, 36)
                seed = raw[44 : 44 + seed_length].decode()
                end = 44 + seed_length
                assert len(raw) == end + 48
                assert b58(raw[end + 16 :]) == TOKEN_PROGRAM
                assert address_with_seed(base=base, seed=seed, owner=TOKEN_PROGRAM) == target
                lamports = _u64(raw, end)
            else:
                pytest.fail(f"unexpected System instruction {discriminator} in {tx_id}")
            # Then it moves exactly the lamports of one of the transaction's native transfers
            assert (source, target, lamports) in moved, (tx_id, instruction)
            seen[discriminator] += 1
    assert set(seen) == {0, 2, 3}
