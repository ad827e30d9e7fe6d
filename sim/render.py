"""Lazy JSON rendering of stored transactions and market snapshots, in the real services' shapes.

Nothing here is precomputed: a transaction is rendered from its compact record when a request
asks for it, so generation stays fast and responses stay deterministic.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from sim.chain import (
    ATA_PROGRAM,
    ATA_RENT,
    COMPUTE_BUDGET,
    JITO_TIP_ACCOUNTS,
    JUPITER_V6,
    PUMP_AMM_PROGRAM,
    PUMP_FEE_RECIPIENT,
    PUMP_FUN_PROGRAM,
    RAYDIUM_CPMM,
    SYSTEM_PROGRAM,
    TOKEN_PROGRAM,
    USDC_MINT,
    WSOL_MINT,
    b58,
    derive_address,
    slot_at,
)
from sim.world import (
    FAILED,
    FLAG_FUNDER_PAYS,
    FLAG_MULTIHOP,
    FLAG_NEW_ATA,
    FLAG_NEW_DEST_ATA,
    FLAG_STANDING_WSOL,
    LIQUIDITY_WITHDRAW,
    SOL_TRANSFER,
    SWAP,
    TOKEN_TRANSFER,
    WRAP,
    Token,
    World,
)

Json = dict[str, Any]
_PROGRAM_OF = {"pumpfun": PUMP_FUN_PROGRAM, "pumpswap": PUMP_AMM_PROGRAM, "raydium": RAYDIUM_CPMM}
_SOURCE_OF = {"pumpfun": "PUMP_FUN", "pumpswap": "PUMP_AMM", "raydium": "RAYDIUM"}
_LABEL_OF = {"pumpfun": "Pump.fun", "pumpswap": "Pump.fun Amm", "raydium": "Raydium CPMM"}


@dataclass(frozen=True, slots=True)
class _AmmAccounts:
    """The accounts one constant-product swap touches."""

    wallet: str  # the trader
    pool: str  # the pool's own account
    authority: str  # owner of the pool's vaults
    quote_vault: str
    base_vault: str
    quote_account: str  # the trader's quote side: standing WSOL, a temporary WSOL or USDC ATA
    ata: str  # the trader's token account


class Renderer:
    """Turns a world's compact records into API JSON; caches derived addresses."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._derived_cache: dict[str, str] = {}

    # ------------------------------------------------------------------ helpers
    def _derived(self, label: str) -> str:
        text = self._derived_cache.get(label)
        if text is None:
            text = derive_address(self.world.seed, label)
            self._derived_cache[label] = text
        return text

    def vault(self, pool_id: int, side: str) -> str:
        """Token account of a pool holding its quote ("q") or base ("b") reserve."""
        return self._derived(f"vault:{side}:{pool_id}")

    def authority(self, pool_id: int) -> str:
        """Owner of a pool's vaults (a curve owns its own vault)."""
        pool = self.world.pools[pool_id]
        if pool.is_curve:
            return self.world.addr[self.world.pool_entity[pool_id]]
        return self._derived(f"authority:{pool_id}")

    def _pool_address(self, pool_id: int) -> str:
        return self.world.addr[self.world.pool_entity[pool_id]]

    def _instruction_data(self, tx: int, salt: int, n_bytes: int = 12) -> str:
        """Opaque base58 instruction data, fixed by the transaction and a per-site salt."""
        return b58(hashlib.blake2b(f"{tx}:{salt}".encode(), digest_size=n_bytes).digest())

    def _tip_account(self, tx: int) -> str:
        return JITO_TIP_ACCOUNTS[tx % len(JITO_TIP_ACCOUNTS)]

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

    def type_of(self, tx: int) -> str:
        """Helius TransactionType of a stored transaction (cheap, used by filters)."""
        world = self.world
        kind = world.t_kind[tx]
        if kind == SWAP:
            venue = world.pools[world.t_pool[tx]].venue
            if venue == "pumpswap" and not world.t_flags[tx] & FLAG_MULTIHOP:
                return "SELL" if world.t_side[tx] else "BUY"
            return "SWAP"
        if kind in (SOL_TRANSFER, TOKEN_TRANSFER, WRAP):
            return "TRANSFER"
        if kind == LIQUIDITY_WITHDRAW:
            return "WITHDRAW_LIQUIDITY"
        return "UNKNOWN"

    # ------------------------------------------------------------------ enhanced tx
    def enhanced(self, tx: int) -> Json:
        """The EnhancedTransaction of one stored transaction."""
        world = self.world
        kind = world.t_kind[tx]
        ts = world.t_ts[tx]
        wallet = world.t_wallet[tx]
        payer = world.addr[wallet]
        if world.t_flags[tx] & FLAG_FUNDER_PAYS:
            payer = world.addr[world.cluster_funder[world.cluster_of[wallet]]]
        out: Json = {
            "description": "",
            "type": self.type_of(tx),
            "source": "UNKNOWN",
            "fee": world.t_fee[tx],
            "feePayer": payer,
            "signature": world.sigs.encode(tx),
            "slot": slot_at(ts),
            "timestamp": ts // 1000,
            "tokenTransfers": [],
            "nativeTransfers": [],
            "accountData": [],
            "transactionError": None,
            "instructions": [],
            "events": {},
        }
        if kind == SOL_TRANSFER:
            self._render_sol_transfer(tx, out)
        elif kind == TOKEN_TRANSFER:
            self._render_token_transfer(tx, out)
        elif kind == FAILED:
            self._render_failed(tx, out, payer)
        elif kind == LIQUIDITY_WITHDRAW:
            self._render_withdraw(tx, out)
        elif kind == WRAP:
            self._render_wrap(tx, out)
        elif world.t_flags[tx] & FLAG_MULTIHOP:
            self._render_multihop(tx, out, payer)
        elif world.pools[world.t_pool[tx]].is_curve:
            self._render_curve_swap(tx, out, payer)
        else:
            self._render_amm_swap(tx, out, payer)
        return out

    def _fee_payer_rows(self, wallet_address: str, payer: str, fee: int) -> list[Json]:
        """The fee payer's row when someone else (a cluster funder) pays the fee."""
        return [] if payer == wallet_address else [self._account_row(payer, -fee)]

    def _render_sol_transfer(self, tx: int, out: Json) -> None:
        world = self.world
        sender = world.addr[world.t_wallet[tx]]
        recipient = world.addr[world.t_counterpart[tx]]
        amount = world.t_in[tx]
        out["type"], out["source"] = "TRANSFER", "SYSTEM_PROGRAM"
        out["description"] = f"{sender} transferred {_ui_amount(amount, 9)} SOL to {recipient}."
        out["nativeTransfers"] = [
            {"fromUserAccount": sender, "toUserAccount": recipient, "amount": amount}
        ]
        out["accountData"] = [
            self._account_row(sender, -amount - out["fee"]),
            self._account_row(recipient, amount),
            self._account_row(SYSTEM_PROGRAM, 0),
        ]
        out["instructions"] = [
            {
                "accounts": [sender, recipient],
                "data": self._instruction_data(tx, 2),
                "programId": SYSTEM_PROGRAM,
                "innerInstructions": [],
            }
        ]

    def _render_wrap(self, tx: int, out: Json) -> None:
        """SOL moved into a standing WSOL account (created on first use), then synced."""
        world = self.world
        wallet = world.t_wallet[tx]
        wallet_address = world.addr[wallet]
        wsol_account = self._derived(f"wsol:{wallet}")
        amount = world.t_in[tx]
        rent = ATA_RENT if world.t_flags[tx] & FLAG_NEW_ATA else 0
        out["type"], out["source"] = "TRANSFER", "SYSTEM_PROGRAM"
        out["description"] = (
            f"{wallet_address} transferred {_ui_amount(amount + rent, 9)} SOL to {wsol_account}."
        )
        out["nativeTransfers"] = [
            {
                "fromUserAccount": wallet_address,
                "toUserAccount": wsol_account,
                "amount": amount + rent,
            }
        ]
        wsol_change = self._token_balance_change(wallet_address, wsol_account, amount, 9, WSOL_MINT)
        out["accountData"] = [
            self._account_row(wallet_address, -amount - rent - out["fee"]),
            self._account_row(wsol_account, amount + rent, [wsol_change]),
            self._account_row(WSOL_MINT, 0),
            self._account_row(SYSTEM_PROGRAM, 0),
            self._account_row(TOKEN_PROGRAM, 0),
        ]
        out["instructions"] = [
            {
                "accounts": [wallet_address, wsol_account],
                "data": self._instruction_data(tx, 19, 12),
                "programId": SYSTEM_PROGRAM,
                "innerInstructions": [],
            },
            {
                "accounts": [wsol_account],
                "data": "J",
                "programId": TOKEN_PROGRAM,
                "innerInstructions": [],
            },
        ]

    def _render_token_transfer(self, tx: int, out: Json) -> None:
        world = self.world
        sender_entity, recipient_entity = world.t_wallet[tx], world.t_counterpart[tx]
        token = world.t_token[tx]
        tok = world.tokens[token]
        sender, recipient = world.addr[sender_entity], world.addr[recipient_entity]
        amount = world.t_in[tx]
        creates_ata = bool(world.t_flags[tx] & FLAG_NEW_DEST_ATA)
        sender_ata = world.ata(sender_entity, token)
        recipient_ata = world.ata(recipient_entity, token)
        out["type"], out["source"] = "TRANSFER", "SOLANA_PROGRAM_LIBRARY"
        out["description"] = (
            f"{sender} transferred {_ui_amount(amount, tok.decimals)} {tok.symbol} to {recipient}."
        )
        out["tokenTransfers"] = [
            self._token_transfer(
                from_account=sender_ata,
                to_account=recipient_ata,
                from_user=sender,
                to_user=recipient,
                raw_amount=amount,
                decimals=tok.decimals,
                mint=tok.mint,
            )
        ]
        if creates_ata:
            out["nativeTransfers"] = [
                {"fromUserAccount": sender, "toUserAccount": recipient_ata, "amount": ATA_RENT}
            ]
        received = self._token_balance_change(
            recipient, recipient_ata, amount, tok.decimals, tok.mint
        )
        sent = self._token_balance_change(sender, sender_ata, -amount, tok.decimals, tok.mint)
        out["accountData"] = [
            self._account_row(sender, -out["fee"] - (ATA_RENT if creates_ata else 0)),
            self._account_row(recipient_ata, ATA_RENT if creates_ata else 0, [received]),
            self._account_row(sender_ata, 0, [sent]),
            self._account_row(recipient, 0),
            self._account_row(tok.mint, 0),
            self._account_row(SYSTEM_PROGRAM, 0),
            self._account_row(tok.program, 0),
            self._account_row(ATA_PROGRAM, 0),
        ]
        instructions = []
        if creates_ata:
            instructions.append(
                {
                    "accounts": [
                        sender,
                        recipient_ata,
                        recipient,
                        tok.mint,
                        SYSTEM_PROGRAM,
                        tok.program,
                    ],
                    "data": "2",
                    "programId": ATA_PROGRAM,
                    "innerInstructions": [
                        {
                            "accounts": [sender, recipient_ata],
                            "data": self._instruction_data(tx, 3, 36),
                            "programId": SYSTEM_PROGRAM,
                        }
                    ],
                }
            )
        instructions.append(
            {
                "accounts": [sender_ata, tok.mint, recipient_ata, sender],
                "data": self._instruction_data(tx, 4, 9),
                "programId": tok.program,
                "innerInstructions": [],
            }
        )
        out["instructions"] = instructions

    def _render_failed(self, tx: int, out: Json, payer: str) -> None:
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        tok = world.tokens[world.t_token[tx]]
        wallet_address = world.addr[world.t_wallet[tx]]
        pool_address = self._pool_address(pool.pool_id)
        out["source"] = _SOURCE_OF[pool.venue]
        out["type"] = "UNKNOWN"
        out["transactionError"] = {"error": "custom program error: 0x1772"}
        rows = [self._account_row(wallet_address, -out["fee"] if payer == wallet_address else 0)]
        rows += self._fee_payer_rows(wallet_address, payer, out["fee"])
        for account in (
            world.ata(world.t_wallet[tx], tok.idx),
            pool_address,
            self.vault(pool.pool_id, "b"),
            tok.mint,
            SYSTEM_PROGRAM,
            TOKEN_PROGRAM,
            COMPUTE_BUDGET,
            _PROGRAM_OF[pool.venue],
        ):
            rows.append(self._account_row(account, 0))
        out["accountData"] = rows
        out["instructions"] = [
            *self._compute_budget_instructions(tx),
            {
                "accounts": [pool_address, self.vault(pool.pool_id, "b"), wallet_address, tok.mint],
                "data": self._instruction_data(tx, 5, 24),
                "programId": _PROGRAM_OF[pool.venue],
                "innerInstructions": [],
            },
        ]

    def _tip_rows(self, tx: int, wallet_address: str, out: Json) -> list[Json]:
        """The Jito tip: a native transfer (appended to ``out``) and the tip account's row."""
        tip = self.world.t_tip[tx]
        if not tip:
            return []
        tip_account = self._tip_account(tx)
        out["nativeTransfers"].append(
            {"fromUserAccount": wallet_address, "toUserAccount": tip_account, "amount": tip}
        )
        return [self._account_row(tip_account, tip)]

    def _render_curve_swap(self, tx: int, out: Json, payer: str) -> None:
        """A pump.fun bonding-curve buy or sell (``events`` stays empty, as on Helius)."""
        world = self.world
        wallet, pool_id, token = world.t_wallet[tx], world.t_pool[tx], world.t_token[tx]
        tok = world.tokens[token]
        wallet_address = world.addr[wallet]
        curve = self._pool_address(pool_id)
        curve_vault = self.vault(pool_id, "b")
        ata = world.ata(wallet, token)
        own_fee = out["fee"] if payer == wallet_address else 0
        tip = world.t_tip[tx]
        venue_fee = world.t_venue_fee[tx]
        out["source"] = "PUMP_FUN"
        decimals = tok.decimals
        is_buy = world.t_side[tx] == 0
        rows: list[Json]
        if is_buy:
            sol_in, tokens_out = world.t_in[tx], world.t_out[tx]
            new_ata = bool(world.t_flags[tx] & FLAG_NEW_ATA)
            rent = ATA_RENT if new_ata else 0
            out["tokenTransfers"] = [
                self._token_transfer(
                    from_account=curve_vault,
                    to_account=ata,
                    from_user=curve,
                    to_user=wallet_address,
                    raw_amount=tokens_out,
                    decimals=decimals,
                    mint=tok.mint,
                )
            ]
            native_transfers = []
            if new_ata:
                native_transfers.append(
                    {"fromUserAccount": wallet_address, "toUserAccount": ata, "amount": ATA_RENT}
                )
            native_transfers.append(
                {
                    "fromUserAccount": wallet_address,
                    "toUserAccount": curve,
                    "amount": sol_in - venue_fee,
                }
            )
            native_transfers.append(
                {
                    "fromUserAccount": wallet_address,
                    "toUserAccount": PUMP_FEE_RECIPIENT,
                    "amount": venue_fee,
                }
            )
            out["nativeTransfers"] = native_transfers
            bought = self._token_balance_change(wallet_address, ata, tokens_out, decimals, tok.mint)
            paid_out = self._token_balance_change(
                curve, curve_vault, -tokens_out, decimals, tok.mint
            )
            rows = [
                self._account_row(wallet_address, -sol_in - rent - tip - own_fee),
                self._account_row(ata, rent, [bought]),
                self._account_row(curve, sol_in - venue_fee),
                self._account_row(curve_vault, 0, [paid_out]),
                self._account_row(PUMP_FEE_RECIPIENT, venue_fee),
            ]
        else:
            tokens_sold, sol_out = world.t_in[tx], world.t_out[tx]
            out["tokenTransfers"] = [
                self._token_transfer(
                    from_account=ata,
                    to_account=curve_vault,
                    from_user=wallet_address,
                    to_user=curve,
                    raw_amount=tokens_sold,
                    decimals=decimals,
                    mint=tok.mint,
                )
            ]
            sold = self._token_balance_change(wallet_address, ata, -tokens_sold, decimals, tok.mint)
            taken_in = self._token_balance_change(
                curve, curve_vault, tokens_sold, decimals, tok.mint
            )
            rows = [
                self._account_row(wallet_address, sol_out - tip - own_fee),
                self._account_row(ata, 0, [sold]),
                self._account_row(curve, -sol_out - venue_fee),
                self._account_row(curve_vault, 0, [taken_in]),
                self._account_row(PUMP_FEE_RECIPIENT, venue_fee),
            ]
        rows += self._tip_rows(tx, wallet_address, out)
        rows += self._fee_payer_rows(wallet_address, payer, out["fee"])
        rows += [
            self._account_row(account, 0)
            for account in (
                tok.mint,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                COMPUTE_BUDGET,
                PUMP_FUN_PROGRAM,
            )
        ]
        out["accountData"] = rows
        inner = [
            {
                "accounts": [curve_vault, ata, curve]
                if is_buy
                else [ata, curve_vault, wallet_address],
                "data": self._instruction_data(tx, 6),
                "programId": TOKEN_PROGRAM,
            }
        ]
        out["instructions"] = [
            *self._compute_budget_instructions(tx),
            {
                "accounts": [
                    PUMP_FEE_RECIPIENT,
                    tok.mint,
                    curve,
                    curve_vault,
                    ata,
                    wallet_address,
                    SYSTEM_PROGRAM,
                    TOKEN_PROGRAM,
                ],
                "data": self._instruction_data(tx, 7, 24),
                "programId": PUMP_FUN_PROGRAM,
                "innerInstructions": inner,
            },
        ]

    def _render_amm_swap(self, tx: int, out: Json, payer: str) -> None:
        """A PumpSwap or Raydium CPMM swap, SOL- or USDC-quoted; Raydium ones carry a swap event.

        The trader's quote side is a standing WSOL account (bots), a temporary WSOL account
        opened and closed inside the transaction, or its USDC token account.
        """
        world = self.world
        wallet, pool_id, token = world.t_wallet[tx], world.t_pool[tx], world.t_token[tx]
        pool = world.pools[pool_id]
        tok = world.tokens[token]
        sol_quoted = pool.quote_mint == WSOL_MINT
        standing_wsol = bool(world.t_flags[tx] & FLAG_STANDING_WSOL)
        temp_wsol = sol_quoted and not standing_wsol
        if standing_wsol:
            quote_account = self._derived(f"wsol:{wallet}")
        elif sol_quoted:
            quote_account = self._derived(f"wsol-tmp:{tx}")
        else:
            quote_account = world.ata(wallet, 0)
        accounts = _AmmAccounts(
            wallet=world.addr[wallet],
            pool=self._pool_address(pool_id),
            authority=self.authority(pool_id),
            quote_vault=self.vault(pool_id, "q"),
            base_vault=self.vault(pool_id, "b"),
            quote_account=quote_account,
            ata=world.ata(wallet, token),
        )
        out["source"] = _SOURCE_OF[pool.venue]
        is_buy = world.t_side[tx] == 0
        legs = self._amm_buy_legs if is_buy else self._amm_sell_legs
        rows = legs(
            tx,
            out,
            accounts,
            own_fee=out["fee"] if payer == accounts.wallet else 0,
            temp_wsol=temp_wsol,
            standing_wsol=standing_wsol,
        )
        rows += self._tip_rows(tx, accounts.wallet, out)
        rows += self._fee_payer_rows(accounts.wallet, payer, out["fee"])
        rows += [
            self._account_row(account, 0)
            for account in (
                accounts.pool,
                accounts.authority,
                pool.quote_mint,
                tok.mint,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                COMPUTE_BUDGET,
                _PROGRAM_OF[pool.venue],
            )
        ]
        out["accountData"] = rows
        if pool.venue == "raydium":
            self._add_amm_swap_event(tx, out, accounts, temp_wsol=temp_wsol)
        out["instructions"] = self._amm_instructions(tx, accounts, temp_wsol=temp_wsol)

    def _amm_buy_legs(
        self,
        tx: int,
        out: Json,
        accounts: _AmmAccounts,
        *,
        own_fee: int,
        temp_wsol: bool,
        standing_wsol: bool,
    ) -> list[Json]:
        """Token transfers, native transfers and the first rows of an AMM buy."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        tok = world.tokens[world.t_token[tx]]
        wallet, quote_account, ata = accounts.wallet, accounts.quote_account, accounts.ata
        quote_vault, base_vault = accounts.quote_vault, accounts.base_vault
        quote_decimals = 9 if pool.quote_mint == WSOL_MINT else 6
        decimals = tok.decimals
        tip = world.t_tip[tx]
        rent = ATA_RENT if world.t_flags[tx] & FLAG_NEW_ATA else 0
        quote_in, base_out = world.t_in[tx], world.t_out[tx]
        out["tokenTransfers"] = [
            self._token_transfer(
                from_account=quote_account,
                to_account=quote_vault,
                from_user=wallet,
                to_user=accounts.authority,
                raw_amount=quote_in,
                decimals=quote_decimals,
                mint=pool.quote_mint,
            ),
            self._token_transfer(
                from_account=base_vault,
                to_account=ata,
                from_user=accounts.authority,
                to_user=wallet,
                raw_amount=base_out,
                decimals=decimals,
                mint=tok.mint,
            ),
        ]
        if temp_wsol:
            out["nativeTransfers"] = [
                {
                    "fromUserAccount": wallet,
                    "toUserAccount": quote_account,
                    "amount": quote_in + ATA_RENT,
                }
            ]
        if rent:
            out["nativeTransfers"].append(
                {"fromUserAccount": wallet, "toUserAccount": ata, "amount": rent}
            )
        quote_paid = self._token_balance_change(
            wallet, quote_account, -quote_in, quote_decimals, pool.quote_mint
        )
        quote_received = self._token_balance_change(
            accounts.authority, quote_vault, quote_in, quote_decimals, pool.quote_mint
        )
        return [
            self._account_row(wallet, -(quote_in if temp_wsol else 0) - own_fee - tip - rent),
            self._account_row(
                quote_account, -quote_in if standing_wsol else 0, [] if temp_wsol else [quote_paid]
            ),
            self._account_row(
                ata, rent, [self._token_balance_change(wallet, ata, base_out, decimals, tok.mint)]
            ),
            self._account_row(
                quote_vault, quote_in if pool.quote_mint == WSOL_MINT else 0, [quote_received]
            ),
            self._account_row(
                base_vault,
                0,
                [
                    self._token_balance_change(
                        accounts.authority, base_vault, -base_out, decimals, tok.mint
                    )
                ],
            ),
        ]

    def _amm_sell_legs(
        self,
        tx: int,
        out: Json,
        accounts: _AmmAccounts,
        *,
        own_fee: int,
        temp_wsol: bool,
        standing_wsol: bool,
    ) -> list[Json]:
        """Token transfers, native transfers and the first rows of an AMM sell."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        tok = world.tokens[world.t_token[tx]]
        wallet, quote_account, ata = accounts.wallet, accounts.quote_account, accounts.ata
        quote_vault, base_vault = accounts.quote_vault, accounts.base_vault
        quote_decimals = 9 if pool.quote_mint == WSOL_MINT else 6
        decimals = tok.decimals
        tip = world.t_tip[tx]
        base_in, quote_out = world.t_in[tx], world.t_out[tx]
        out["tokenTransfers"] = [
            self._token_transfer(
                from_account=ata,
                to_account=base_vault,
                from_user=wallet,
                to_user=accounts.authority,
                raw_amount=base_in,
                decimals=decimals,
                mint=tok.mint,
            ),
            self._token_transfer(
                from_account=quote_vault,
                to_account=quote_account,
                from_user=accounts.authority,
                to_user=wallet,
                raw_amount=quote_out,
                decimals=quote_decimals,
                mint=pool.quote_mint,
            ),
        ]
        if temp_wsol:
            out["nativeTransfers"] = [
                {"fromUserAccount": wallet, "toUserAccount": quote_account, "amount": ATA_RENT}
            ]
        quote_received = self._token_balance_change(
            wallet, quote_account, quote_out, quote_decimals, pool.quote_mint
        )
        quote_paid = self._token_balance_change(
            accounts.authority, quote_vault, -quote_out, quote_decimals, pool.quote_mint
        )
        return [
            self._account_row(wallet, (quote_out if temp_wsol else 0) - own_fee - tip),
            self._account_row(
                quote_account,
                quote_out if standing_wsol else 0,
                [] if temp_wsol else [quote_received],
            ),
            self._account_row(
                ata, 0, [self._token_balance_change(wallet, ata, -base_in, decimals, tok.mint)]
            ),
            self._account_row(
                quote_vault, -quote_out if pool.quote_mint == WSOL_MINT else 0, [quote_paid]
            ),
            self._account_row(
                base_vault,
                0,
                [
                    self._token_balance_change(
                        accounts.authority, base_vault, base_in, decimals, tok.mint
                    )
                ],
            ),
        ]

    def _add_amm_swap_event(
        self, tx: int, out: Json, accounts: _AmmAccounts, *, temp_wsol: bool
    ) -> None:
        """Raydium swaps: a description and ``events.swap``."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        tok = world.tokens[world.t_token[tx]]
        is_buy = world.t_side[tx] == 0
        quote_decimals = 9 if pool.quote_mint == WSOL_MINT else 6
        quote_symbol = "SOL" if pool.quote_mint == WSOL_MINT else "USDC"
        amount_in, amount_out = world.t_in[tx], world.t_out[tx]
        if is_buy:
            paid = (amount_in, quote_decimals, quote_symbol)
            got = (amount_out, tok.decimals, tok.symbol)
        else:
            paid = (amount_in, tok.decimals, tok.symbol)
            got = (amount_out, quote_decimals, quote_symbol)
        out["description"] = (
            f"{accounts.wallet} swapped {_ui_amount(*paid[:2])} {paid[2]} for "
            f"{_ui_amount(*got[:2])} {got[2]}"
        )
        transfers = out["tokenTransfers"]
        quote_side = (accounts.quote_account, amount_in, quote_decimals, pool.quote_mint)
        out["events"] = {
            "swap": self._swap_event(
                accounts.wallet,
                sol_in=amount_in if is_buy and temp_wsol else None,
                sol_out=amount_out if not is_buy and temp_wsol else None,
                inner_swaps=[(transfers[:1], transfers[1:], pool.venue)],
                token_in=(accounts.ata, amount_in, tok.decimals, tok.mint)
                if not is_buy
                else (None if temp_wsol else quote_side),
                token_out=(accounts.ata, amount_out, tok.decimals, tok.mint)
                if is_buy
                else (
                    None
                    if temp_wsol
                    else (accounts.quote_account, amount_out, quote_decimals, pool.quote_mint)
                ),
            )
        }

    def _amm_instructions(self, tx: int, accounts: _AmmAccounts, *, temp_wsol: bool) -> list[Json]:
        """Compute budget, the temporary WSOL account's funding, the swap, and its closing."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        mint = world.tokens[world.t_token[tx]].mint
        wallet, quote_account = accounts.wallet, accounts.quote_account
        instructions = self._compute_budget_instructions(tx)
        if temp_wsol:
            instructions.append(
                {
                    "accounts": [wallet, quote_account],
                    "data": self._instruction_data(tx, 8, 36),
                    "programId": SYSTEM_PROGRAM,
                    "innerInstructions": [],
                }
            )
        instructions.append(
            {
                "accounts": [
                    wallet,
                    accounts.authority,
                    accounts.pool,
                    quote_account,
                    accounts.ata,
                    accounts.quote_vault,
                    accounts.base_vault,
                    TOKEN_PROGRAM,
                    pool.quote_mint,
                    mint,
                ],
                "data": self._instruction_data(tx, 9, 24),
                "programId": _PROGRAM_OF[pool.venue],
                "innerInstructions": [
                    {
                        "accounts": [quote_account, pool.quote_mint, accounts.quote_vault, wallet],
                        "data": self._instruction_data(tx, 10, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [accounts.base_vault, mint, accounts.ata, accounts.authority],
                        "data": self._instruction_data(tx, 11, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                ],
            }
        )
        if temp_wsol:
            instructions.append(
                {
                    "accounts": [quote_account, wallet, wallet],
                    "data": "A",
                    "programId": TOKEN_PROGRAM,
                    "innerInstructions": [],
                }
            )
        return instructions

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
                        "source": _SOURCE_OF[venue],
                        "account": _PROGRAM_OF[venue],
                        "programName": "RAYDIUM_CPMM" if venue == "raydium" else venue.upper(),
                        "instructionName": "swapBaseInput",
                    },
                }
                for inputs, outputs, venue in inner_swaps
            ],
        }

    def _render_multihop(self, tx: int, out: Json, payer: str) -> None:
        """A Jupiter route SOL -> USDC (first hop, the SOL/USDC pool) -> token (USDC pool)."""
        world = self.world
        wallet, pool_id, token = world.t_wallet[tx], world.t_pool[tx], world.t_token[tx]
        hop_pool_id = world.t_counterpart[tx]
        tok = world.tokens[token]
        wallet_address = world.addr[wallet]
        sol_in, tokens_out = world.t_in[tx], world.t_out[tx]
        usdc_between = world.t_hop_amount[tx]
        own_fee = out["fee"] if payer == wallet_address else 0
        tip = world.t_tip[tx]
        rent = ATA_RENT if world.t_flags[tx] & FLAG_NEW_ATA else 0
        temp_wsol = self._derived(f"wsol-tmp:{tx}")
        router = self._derived("jupiter-authority")
        router_usdc = self._derived("jupiter-usdc")
        ata = world.ata(wallet, token)
        hop_authority, pool_authority = self.authority(hop_pool_id), self.authority(pool_id)
        hop_quote_vault, hop_base_vault = self.vault(hop_pool_id, "q"), self.vault(hop_pool_id, "b")
        pool_quote_vault, pool_base_vault = self.vault(pool_id, "q"), self.vault(pool_id, "b")
        out["source"] = "JUPITER"
        sol_to_hop = self._token_transfer(
            from_account=temp_wsol,
            to_account=hop_quote_vault,
            from_user=wallet_address,
            to_user=hop_authority,
            raw_amount=sol_in,
            decimals=9,
            mint=WSOL_MINT,
        )
        usdc_to_router = self._token_transfer(
            from_account=hop_base_vault,
            to_account=router_usdc,
            from_user=hop_authority,
            to_user=router,
            raw_amount=usdc_between,
            decimals=6,
            mint=USDC_MINT,
        )
        usdc_to_pool = self._token_transfer(
            from_account=router_usdc,
            to_account=pool_quote_vault,
            from_user=router,
            to_user=pool_authority,
            raw_amount=usdc_between,
            decimals=6,
            mint=USDC_MINT,
        )
        token_to_wallet = self._token_transfer(
            from_account=pool_base_vault,
            to_account=ata,
            from_user=pool_authority,
            to_user=wallet_address,
            raw_amount=tokens_out,
            decimals=tok.decimals,
            mint=tok.mint,
        )
        out["tokenTransfers"] = [sol_to_hop, usdc_to_router, usdc_to_pool, token_to_wallet]
        out["nativeTransfers"] = [
            {
                "fromUserAccount": wallet_address,
                "toUserAccount": temp_wsol,
                "amount": sol_in + ATA_RENT,
            }
        ]
        if rent:
            out["nativeTransfers"].append(
                {"fromUserAccount": wallet_address, "toUserAccount": ata, "amount": rent}
            )
        change = self._token_balance_change
        rows = [
            self._account_row(wallet_address, -sol_in - own_fee - tip - rent),
            self._account_row(temp_wsol, 0),
            self._account_row(
                ata, rent, [change(wallet_address, ata, tokens_out, tok.decimals, tok.mint)]
            ),
            self._account_row(
                hop_quote_vault,
                sol_in,
                [change(hop_authority, hop_quote_vault, sol_in, 9, WSOL_MINT)],
            ),
            self._account_row(
                hop_base_vault,
                0,
                [change(hop_authority, hop_base_vault, -usdc_between, 6, USDC_MINT)],
            ),
            self._account_row(router_usdc, 0),
            self._account_row(
                pool_quote_vault,
                0,
                [change(pool_authority, pool_quote_vault, usdc_between, 6, USDC_MINT)],
            ),
            self._account_row(
                pool_base_vault,
                0,
                [change(pool_authority, pool_base_vault, -tokens_out, tok.decimals, tok.mint)],
            ),
        ]
        rows += self._tip_rows(tx, wallet_address, out)
        rows += self._fee_payer_rows(wallet_address, payer, out["fee"])
        rows += [
            self._account_row(account, 0)
            for account in (
                self._pool_address(hop_pool_id),
                self._pool_address(pool_id),
                router,
                WSOL_MINT,
                USDC_MINT,
                tok.mint,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                COMPUTE_BUDGET,
                JUPITER_V6,
                RAYDIUM_CPMM,
            )
        ]
        out["accountData"] = rows
        out["description"] = (
            f"{wallet_address} swapped {_ui_amount(sol_in, 9)} SOL for "
            f"{_ui_amount(tokens_out, tok.decimals)} {tok.symbol}"
        )
        out["events"] = {
            "swap": self._swap_event(
                wallet_address,
                sol_in=sol_in,
                sol_out=None,
                inner_swaps=[
                    ([sol_to_hop], [usdc_to_router], "raydium"),
                    ([usdc_to_pool], [token_to_wallet], "raydium"),
                ],
                token_in=None,
                token_out=(ata, tokens_out, tok.decimals, tok.mint),
            )
        }
        out["instructions"] = [
            *self._compute_budget_instructions(tx),
            {
                "accounts": [wallet_address, temp_wsol],
                "data": self._instruction_data(tx, 12, 36),
                "programId": SYSTEM_PROGRAM,
                "innerInstructions": [],
            },
            {
                "accounts": [wallet_address, temp_wsol, ata, router, router_usdc, RAYDIUM_CPMM],
                "data": self._instruction_data(tx, 13, 24),
                "programId": JUPITER_V6,
                "innerInstructions": [
                    {
                        "accounts": [temp_wsol, hop_quote_vault, wallet_address],
                        "data": self._instruction_data(tx, 14, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [hop_base_vault, router_usdc, hop_authority],
                        "data": self._instruction_data(tx, 15, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [router_usdc, pool_quote_vault, router],
                        "data": self._instruction_data(tx, 16, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [pool_base_vault, ata, pool_authority],
                        "data": self._instruction_data(tx, 17, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                ],
            },
        ]

    def _render_withdraw(self, tx: int, out: Json) -> None:
        """The rug: the dev withdraws both reserves (SOL through a temporary WSOL account)."""
        world = self.world
        dev, pool_id, token = world.t_wallet[tx], world.t_pool[tx], world.t_token[tx]
        tok = world.tokens[token]
        pool = world.pools[pool_id]
        dev_address = world.addr[dev]
        quote_amount, base_amount = world.t_in[tx], world.t_out[tx]
        authority = self.authority(pool_id)
        quote_vault, base_vault = self.vault(pool_id, "q"), self.vault(pool_id, "b")
        temp_wsol = self._derived(f"wsol-tmp:{tx}")
        ata = world.ata(dev, token)
        out["source"] = _SOURCE_OF[pool.venue]
        out["tokenTransfers"] = [
            self._token_transfer(
                from_account=quote_vault,
                to_account=temp_wsol,
                from_user=authority,
                to_user=dev_address,
                raw_amount=quote_amount,
                decimals=9,
                mint=WSOL_MINT,
            ),
            self._token_transfer(
                from_account=base_vault,
                to_account=ata,
                from_user=authority,
                to_user=dev_address,
                raw_amount=base_amount,
                decimals=tok.decimals,
                mint=tok.mint,
            ),
        ]
        change = self._token_balance_change
        out["accountData"] = [
            self._account_row(dev_address, quote_amount - out["fee"]),
            self._account_row(temp_wsol, 0),
            self._account_row(
                ata, 0, [change(dev_address, ata, base_amount, tok.decimals, tok.mint)]
            ),
            self._account_row(
                quote_vault,
                -quote_amount,
                [change(authority, quote_vault, -quote_amount, 9, WSOL_MINT)],
            ),
            self._account_row(
                base_vault,
                0,
                [change(authority, base_vault, -base_amount, tok.decimals, tok.mint)],
            ),
            self._account_row(self._pool_address(pool_id), 0),
            self._account_row(tok.mint, 0),
            self._account_row(TOKEN_PROGRAM, 0),
            self._account_row(_PROGRAM_OF[pool.venue], 0),
        ]
        out["instructions"] = [
            {
                "accounts": [
                    dev_address,
                    authority,
                    self._pool_address(pool_id),
                    quote_vault,
                    base_vault,
                    temp_wsol,
                    ata,
                ],
                "data": self._instruction_data(tx, 18, 24),
                "programId": _PROGRAM_OF[pool.venue],
                "innerInstructions": [],
            }
        ]

    # ------------------------------------------------------------------ pools / tokens
    def pool_window(self, pool_id: int, seconds: int) -> tuple[int, int, float, float | None]:
        """(buys, sells, volume USD, price change %) of a pool over the last ``seconds``."""
        world = self.world
        txs = world.pool_txs[pool_id]
        now = world.now_ms
        times = world.t_ts
        first = bisect_left(txs, now - seconds * 1000, key=lambda tx: times[tx])
        end = bisect_right(txs, now, key=lambda tx: times[tx])
        pool = world.pools[pool_id]
        buys = sells = 0
        volume = 0  # in raw quote units
        for tx in txs[first:end]:
            if world.t_kind[tx] != SWAP:
                continue
            if world.t_side[tx] == 0:
                buys += 1
                direct = world.t_pool[tx] == pool_id and not world.t_flags[tx] & FLAG_MULTIHOP
                volume += world.t_in[tx] if direct else world.t_hop_amount[tx]
            else:
                sells += 1
                volume += world.t_out[tx]
        quote_decimals = 9 if pool.quote_mint == WSOL_MINT else 6
        quote_usd = world.sol_usd() if pool.quote_mint == WSOL_MINT else 1.0
        volume_usd = round(volume / 10**quote_decimals * quote_usd, 2)
        change = None
        if first > 0 and world.t_reserve_base[txs[first - 1]] > 0 and pool.base > 0:
            last_before = txs[first - 1]
            price_before = world.t_reserve_quote[last_before] / world.t_reserve_base[last_before]
            if price_before > 0:
                change = round((pool.quote / pool.base / price_before - 1) * 100, 2)
        elif first == 0 and pool.base > 0:
            initial_quote, initial_base = world.pool_initial_reserves[pool_id]
            if initial_base > 0 and initial_quote > 0 and pool.created_ms <= now - seconds * 1000:
                initial_price = initial_quote / initial_base
                change = round((pool.quote / pool.base / initial_price - 1) * 100, 2)
        return buys, sells, volume_usd, change

    def pair(self, pool_id: int) -> Json:
        """DexScreener Pair object of one pool."""
        world = self.world
        pool = world.pools[pool_id]
        tok = world.tokens[pool.token]
        pair_address = self._pool_address(pool_id)
        sol_usd = world.sol_usd()
        quote_usd = sol_usd if pool.quote_mint == WSOL_MINT else 1.0
        quote_decimals = 9 if pool.quote_mint == WSOL_MINT else 6
        price_native = (
            pool.quote / pool.base * 10 ** (tok.decimals - quote_decimals) if pool.base > 0 else 0.0
        )
        price_usd = price_native * quote_usd
        windows = {"m5": 300, "h1": 3600, "h6": 21600, "h24": 86400}
        txns: Json = {}
        volume: Json = {}
        change: Json = {}
        for window, seconds in windows.items():
            buys, sells, window_volume, window_change = self.pool_window(pool_id, seconds)
            txns[window] = {"buys": buys, "sells": sells}
            volume[window] = window_volume
            if window_change is not None:
                change[window] = window_change
        fdv = round(price_usd * tok.supply / 10**tok.decimals, 2)
        real_quote = pool.real_quote / 10**quote_decimals
        real_base = pool.real_base / 10**tok.decimals
        out: Json = {
            "chainId": "solana",
            "dexId": pool.venue,
            "url": f"https://dexscreener.com/solana/{pair_address.lower()}",
            "pairAddress": pair_address,
        }
        if pool.venue == "raydium":
            out["labels"] = ["CPMM"]
        out.update(
            {
                "baseToken": {"address": tok.mint, "name": tok.name, "symbol": tok.symbol},
                "quoteToken": {
                    "address": pool.quote_mint,
                    "name": "Wrapped SOL" if pool.quote_mint == WSOL_MINT else "USD Coin",
                    "symbol": "SOL" if pool.quote_mint == WSOL_MINT else "USDC",
                },
                "priceNative": _format_price(price_native),
                "priceUsd": _format_price(price_usd),
                "txns": txns,
                "volume": volume,
                "priceChange": change,
                "liquidity": {
                    "usd": round(real_quote * quote_usd * 2, 2) if not pool.is_curve else 0,
                    "base": round(real_base, 2),
                    "quote": round(real_quote, 4),
                },
                "fdv": fdv,
                "marketCap": fdv,
                "pairCreatedAt": pool.created_ms,
                "info": self._info(tok),
            }
        )
        if tok.boost:
            out["boosts"] = {"active": tok.boost}
        return out

    def _links(self, tok: Token) -> tuple[list[Json], list[Json]]:
        slug = tok.symbol.lower()
        return (
            [{"label": "Website", "url": f"https://{slug}.example.com/"}],
            [{"type": "twitter", "url": f"https://x.com/{slug}_sim"}],
        )

    def _image_url(self, tok: Token, suffix: str) -> str:
        return f"https://dd.dexscreener.com/ds-data/tokens/solana/{tok.mint}{suffix}"

    def _info(self, tok: Token) -> Json:
        websites, socials = self._links(tok)
        return {
            "imageUrl": self._image_url(tok, ".png"),
            "header": self._image_url(tok, "/header.png"),
            "openGraph": f"https://cdn.dexscreener.com/token-images/og/solana/{tok.mint}",
            "websites": websites,
            "socials": socials,
        }

    def profile(self, tok: Token, *, boost: bool = False) -> Json:
        """DexScreener token profile (or boost, with amounts) of one token."""
        websites, socials = self._links(tok)
        out: Json = {
            "url": f"https://dexscreener.com/solana/{tok.mint.lower()}",
            "chainId": "solana",
            "tokenAddress": tok.mint,
            "icon": self._image_url(tok, ".png"),
            "header": self._image_url(tok, "/header.png"),
            "openGraph": f"https://cdn.dexscreener.com/token-images/og/solana/{tok.mint}",
            "description": f"{tok.name}: a token of the simulated market.",
            "links": [*websites, *socials],
        }
        if boost:
            out["amount"] = min(tok.boost, 10)
            out["totalAmount"] = tok.boost
        return out


def _ui_amount(raw: int, decimals: int) -> str:
    """A raw integer amount as exact decimal text in UI units (no trailing zeros)."""
    whole, fraction = divmod(abs(raw), 10**decimals)
    text = (
        str(whole) if not fraction else f"{whole}.{str(fraction).rjust(decimals, '0').rstrip('0')}"
    )
    return ("-" if raw < 0 else "") + text


def _format_price(price: float) -> str:
    """A price as DexScreener prints it: 10 significant digits, never in exponent notation."""
    if price == 0:
        return "0"
    text = f"{price:.10g}"
    if "e" in text:
        text = f"{price:.{max(0, 4 - int(f'{price:e}'.split('e')[1]))}f}"
    return text
