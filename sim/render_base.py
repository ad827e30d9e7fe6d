"""The building blocks every rendered transaction is made of: account rows, token transfers and
balance changes, System and token-program instructions (System data in its on-chain layout),
temporary WSOL accounts, swap events, and the world's derived addresses.

Shared by the main renderer (``sim.render``) and the side kinds' (``sim.render_side``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sim.chain import (
    ATA_PROGRAM,
    ATA_RENT,
    COMPUTE_BUDGET,
    ORCA_WHIRLPOOL,
    PUMP_AMM_PROGRAM,
    PUMP_FUN_PROGRAM,
    RAYDIUM_CPMM,
    SYSTEM_PROGRAM,
    SYSVAR_RENT,
    TOKEN_ACCOUNT_SPACE,
    TOKEN_PROGRAM,
    WSOL_MINT,
    b58,
    derive_address,
    system_create_account_data,
    system_create_account_with_seed_data,
    system_transfer_data,
)
from sim.world import World

Json = dict[str, Any]
PROGRAM_OF = {
    "pumpfun": PUMP_FUN_PROGRAM,
    "pumpswap": PUMP_AMM_PROGRAM,
    "raydium": RAYDIUM_CPMM,
    "orca": ORCA_WHIRLPOOL,  # the side flows' SOL -> X -> USDC routes only
}
SOURCE_OF = {"pumpfun": "PUMP_FUN", "pumpswap": "PUMP_AMM", "raydium": "RAYDIUM", "orca": "ORCA"}
# how a swap opens its temporary WSOL account (``Renderer.temp_wsol``): the wallet's WSOL ATA
# (ATA program + System transfer + syncNative: pump.fun's front end, Jupiter, most bots), a
# fresh keypair account (System createAccount) or a seeded one (createAccountWithSeed: Raydium's
# SDK, as in the real Raydium buy of tests/fixtures/real)
TEMP_ATA, TEMP_KEYPAIR, TEMP_SEED = "ata", "keypair", "seed"


class RendererBase:
    """A world's renderer state (the world, derived addresses) and the shared pieces."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._derived_cache: dict[str, str] = {}

    def _derived(self, label: str) -> str:
        text = self._derived_cache.get(label)
        if text is None:
            text = derive_address(self.world.seed, label)
            self._derived_cache[label] = text
        return text

    def _instruction_data(self, tx: int, salt: int, n_bytes: int = 12) -> str:
        """Opaque base58 instruction data, fixed by the transaction and a per-site salt."""
        return b58(hashlib.blake2b(f"{tx}:{salt}".encode(), digest_size=n_bytes).digest())

    def draw(self, tx: int, salt: int) -> float:
        """A uniform [0, 1) number fixed by the world, the transaction and a per-site salt: the
        renderer's own choices (never the world's random stream)."""
        digest = hashlib.blake2b(f"{self.world.seed}:{tx}:{salt}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big") / 2**64

    @staticmethod
    def system_instruction(accounts: list[str], data: str, *, inner: bool = False) -> Json:
        """A System-program instruction (``data``: its on-chain layout, ``sim.chain``)."""
        instruction: Json = {"accounts": accounts, "data": data, "programId": SYSTEM_PROGRAM}
        if not inner:
            instruction["innerInstructions"] = []
        return instruction

    def create_token_account(
        self, tx: int, *, funder: str, account: str, owner: str, mint: str, program: str
    ) -> Json:
        """The ATA program's createIdempotent: the account's rent through an inner System
        createAccount, then the token program's initializeAccount3."""
        return {
            "accounts": [funder, account, owner, mint, SYSTEM_PROGRAM, program],
            "data": "2",
            "programId": ATA_PROGRAM,
            "innerInstructions": [
                self.system_instruction(
                    [funder, account],
                    system_create_account_data(
                        lamports=ATA_RENT, space=TOKEN_ACCOUNT_SPACE, owner=program
                    ),
                    inner=True,
                ),
                {
                    "accounts": [account, mint],
                    "data": self._instruction_data(tx, 40, 33),
                    "programId": program,
                },
            ],
        }

    @staticmethod
    def _token_transfer(
        *,
        from_account: str,
        to_account: str,
        from_user: str,
        to_user: str,
        raw_amount: int,
        decimals: int,
        mint: str,
    ) -> Json:
        """A ``tokenTransfers`` entry; the amount is in UI units (an int when whole)."""
        scale = 10**decimals
        return {
            "fromTokenAccount": from_account,
            "toTokenAccount": to_account,
            "fromUserAccount": from_user,
            "toUserAccount": to_user,
            "tokenAmount": raw_amount / scale if raw_amount % scale else raw_amount // scale,
            "mint": mint,
            "tokenStandard": "Fungible",
        }

    @staticmethod
    def _token_balance_change(
        user: str, token_account: str, raw_amount: int, decimals: int, mint: str
    ) -> Json:
        """A ``tokenBalanceChanges`` entry (also the shape of swap-event token inputs/outputs)."""
        return {
            "userAccount": user,
            "tokenAccount": token_account,
            "rawTokenAmount": {"tokenAmount": str(raw_amount), "decimals": decimals},
            "mint": mint,
        }

    @staticmethod
    def _account_row(
        account: str, native_change: int, token_changes: list[Json] | None = None
    ) -> Json:
        """An ``accountData`` row: one account's native and token balance changes."""
        return {
            "account": account,
            "nativeBalanceChange": native_change,
            "tokenBalanceChanges": token_changes or [],
        }

    def _compute_budget_instructions(self, tx: int) -> list[Json]:
        return [
            {
                "accounts": [],
                "data": self._instruction_data(tx, 1, 8),
                "programId": COMPUTE_BUDGET,
                "innerInstructions": [],
            },
            {
                "accounts": [],
                "data": "Fj2Eoy",
                "programId": COMPUTE_BUDGET,
                "innerInstructions": [],
            },
        ]

    def _seed_text(self, tx: int) -> str:
        """The 32-character seed of a seeded temporary account (random text, like the SDK's)."""
        digest = hashlib.blake2b(f"{self.world.seed}:{tx}:seed".encode(), digest_size=32)
        return b58(digest.digest())[:32]

    def _open_temp_wsol(
        self, tx: int, pattern: str, *, wallet: str, temp: str, lamports_in: int
    ) -> tuple[list[Json], list[Json]]:
        """(instructions, native transfers) that open the temporary WSOL account and put
        ``lamports_in`` of SOL in it (0 for a sell: rent only)."""
        if pattern == TEMP_ATA:
            instructions = [
                self.create_token_account(
                    tx,
                    funder=wallet,
                    account=temp,
                    owner=wallet,
                    mint=WSOL_MINT,
                    program=TOKEN_PROGRAM,
                )
            ]
            amounts = [ATA_RENT]
            if lamports_in:
                instructions += [
                    self.system_instruction(
                        [wallet, temp], system_transfer_data(lamports=lamports_in)
                    ),
                    sync_native(temp),
                ]
                amounts.append(lamports_in)
        else:
            funded = lamports_in + ATA_RENT
            if pattern == TEMP_SEED:
                data = system_create_account_with_seed_data(
                    base=wallet,
                    seed=self._seed_text(tx),
                    lamports=funded,
                    space=TOKEN_ACCOUNT_SPACE,
                    owner=TOKEN_PROGRAM,
                )
            else:
                data = system_create_account_data(
                    lamports=funded, space=TOKEN_ACCOUNT_SPACE, owner=TOKEN_PROGRAM
                )
            instructions = [
                self.system_instruction([wallet, temp], data),
                {
                    "accounts": [temp, WSOL_MINT, wallet, SYSVAR_RENT],
                    "data": "2",  # initializeAccount
                    "programId": TOKEN_PROGRAM,
                    "innerInstructions": [],
                },
            ]
            amounts = [funded]
        transfers = [
            {"fromUserAccount": wallet, "toUserAccount": temp, "amount": amount}
            for amount in amounts
        ]
        return instructions, transfers

    def _swap_event(
        self,
        wallet_address: str,
        *,
        sol_in: int | None,
        sol_out: int | None,
        inner_swaps: list[tuple[list[Json], list[Json], str]],
        token_in: tuple[str, int, int, str] | None,
        token_out: tuple[str, int, int, str] | None,
    ) -> Json:
        """``events.swap``; ``token_in``/``token_out`` are (token account, raw amount, decimals,
        mint) of the trader's token legs, ``inner_swaps`` (inputs, outputs, venue) per hop."""
        return {
            "nativeInput": None
            if sol_in is None
            else {"account": wallet_address, "amount": str(sol_in)},
            "nativeOutput": None
            if sol_out is None
            else {"account": wallet_address, "amount": str(sol_out)},
            "tokenInputs": []
            if token_in is None
            else [self._token_balance_change(wallet_address, *token_in)],
            "tokenOutputs": []
            if token_out is None
            else [self._token_balance_change(wallet_address, *token_out)],
            "tokenFees": [],
            "nativeFees": [],
            "innerSwaps": [
                {
                    "tokenInputs": inputs,
                    "tokenOutputs": outputs,
                    "tokenFees": [],
                    "nativeFees": [],
                    "programInfo": {
                        "source": SOURCE_OF[venue],
                        "account": PROGRAM_OF[venue],
                        "programName": "RAYDIUM_CPMM" if venue == "raydium" else venue.upper(),
                        "instructionName": "swapBaseInput",
                    },
                }
                for inputs, outputs, venue in inner_swaps
            ],
        }


def sync_native(account: str) -> Json:
    """The token program's syncNative: a WSOL account's token balance catches up with its SOL."""
    return {"accounts": [account], "data": "J", "programId": TOKEN_PROGRAM, "innerInstructions": []}


def close_account(account: str, owner: str) -> Json:
    """The token program's closeAccount: the account's lamports (its SOL) go back to the owner."""
    return {
        "accounts": [account, owner, owner],
        "data": "A",
        "programId": TOKEN_PROGRAM,
        "innerInstructions": [],
    }
