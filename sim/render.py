"""Lazy JSON rendering of stored transactions and market snapshots, in the real services' shapes.

Nothing here is precomputed: a transaction is rendered from its compact record when a request
asks for it, so generation stays fast and responses stay deterministic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from sim.chain import (
    ATA_PROGRAM,
    ATA_RENT,
    COMPUTE_BUDGET,
    JITO_TIP_ACCOUNTS,
    JUPITER_V6,
    PUMP_FEE_RECIPIENT,
    PUMP_FUN_PROGRAM,
    RAYDIUM_CPMM,
    SYSTEM_PROGRAM,
    TOKEN_ACCOUNT_SPACE,
    TOKEN_PROGRAM,
    USDC_MINT,
    WSOL_MINT,
    address_with_seed,
    slot_at,
    system_create_account_data,
    system_transfer_data,
)
from sim.render_base import (
    PROGRAM_OF,
    SOURCE_OF,
    TEMP_ATA,
    TEMP_KEYPAIR,
    TEMP_SEED,
    Json,
    RendererBase,
    close_account,
    sync_native,
)
from sim.render_side import SideRenderer
from sim.side import (
    KNOWN_BOT_FEE_WALLETS,
    PUMPSWAP_CREATOR_FEE_BPS,
    PUMPSWAP_PROTOCOL_FEE_BPS,
    TRIMMED_WEBHOOK_SHARE,
    nft_standard,
)
from sim.world import (
    AIRDROP_CLAIM,
    FAILED,
    FLAG_FUNDER_PAYS,
    FLAG_MULTIHOP,
    FLAG_NEW_ATA,
    FLAG_NEW_DEST_ATA,
    FLAG_STANDING_WSOL,
    LIQUIDITY_WITHDRAW,
    NFT_TRADE,
    QUOTE_ROUTE,
    SOL_TRANSFER,
    SWAP,
    TOKEN_TRANSFER,
    WRAP,
    Token,
    World,
)

_LABEL_OF = {"pumpfun": "Pump.fun", "pumpswap": "Pump.fun Amm", "raydium": "Raydium CPMM"}
_TYPE_OF_KIND = {
    SOL_TRANSFER: "TRANSFER",
    TOKEN_TRANSFER: "TRANSFER",
    WRAP: "TRANSFER",
    LIQUIDITY_WITHDRAW: "WITHDRAW_LIQUIDITY",
    QUOTE_ROUTE: "SWAP",
}
TRIMMABLE_KINDS = frozenset(
    {SWAP, SOL_TRANSFER, TOKEN_TRANSFER, WRAP, LIQUIDITY_WITHDRAW, NFT_TRADE, QUOTE_ROUTE}
)
"""Kinds a webhook body may come trimmed in. Not airdrop claims: without instructions nothing
tells the claim record's rent from a price paid (a pump.fun buy has the same shape), so a
trimmed claim would read as a buy; no real trimmed claim was seen to say otherwise."""


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
    temp: str | None  # how the quote account is a temporary WSOL account (TEMP_*), or None
    venue_fees: tuple[tuple[str, str, int], ...]  # PumpSwap: (WSOL account, owner, lamports)


class Renderer(RendererBase):
    """Turns a world's compact records into API JSON; caches derived addresses."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.side = SideRenderer(self)

    # ------------------------------------------------------------------ helpers

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

    def bot_fee_wallet(self, bot: int) -> str:
        """The fee wallet of bot ``bot`` (``World.t_bot``: > 0 a public one, < 0 an unknown)."""
        if bot > 0:
            return KNOWN_BOT_FEE_WALLETS[bot - 1]
        return self._derived(f"unknown-bot:{-bot - 1}")

    def _tip_account(self, tx: int) -> str:
        return JITO_TIP_ACCOUNTS[tx % len(JITO_TIP_ACCOUNTS)]

    def type_of(self, tx: int) -> str:
        """Helius TransactionType of a stored transaction (cheap, used by filters)."""
        world = self.world
        kind = world.t_kind[tx]
        if kind == SWAP:
            venue = world.pools[world.t_pool[tx]].venue
            if venue == "pumpswap" and not world.t_flags[tx] & FLAG_MULTIHOP:
                return "SELL" if world.t_side[tx] else "BUY"
            return "SWAP"
        if kind == NFT_TRADE and nft_standard(world.t_counterpart[tx]) is not None:
            return "NFT_SALE"
        # failed transactions, airdrop claims and NFT sales Helius did not read: UNKNOWN
        return _TYPE_OF_KIND.get(kind, "UNKNOWN")

    # ------------------------------------------------------------------ webhook bodies
    def is_trimmed(self, tx: int) -> bool:
        """Whether webhooks deliver this transaction in a trimmed body (``sim.side``)."""
        kind = self.world.t_kind[tx]
        return kind in TRIMMABLE_KINDS and self.draw(tx, 50) < TRIMMED_WEBHOOK_SHARE

    def webhook(self, tx: int) -> Json:
        """The transaction as a webhook delivers it: its enhanced transaction, or (some) a
        trimmed body like the real PumpSwap ones in tests/fixtures/real/swaps."""
        out = self.enhanced(tx)
        return self.trim(tx, out) if self.is_trimmed(tx) else out

    def trim(self, tx: int, out: Json) -> Json:
        """A trimmed webhook body, as the real ones: ``accountData`` keeps only the fee payer's
        and the trader's rows and the trader's token accounts that changed (2-3 rows; when
        fewer, half the time also the pool vault that mirrors the trade, as in the real sell),
        ``instructions`` is empty, the venue's fee transfers are gone, and half the time so is
        the wallet's funding of its temporary WSOL account (as in the real buy)."""
        world = self.world
        trader = world.addr[world.t_wallet[tx]]
        own = {out["feePayer"], trader}
        kept = {
            row["account"]
            for row in out["accountData"]
            if row["account"] in own
            or any(change["userAccount"] == trader for change in row["tokenBalanceChanges"])
        }
        if world.t_kind[tx] == SWAP and len(kept) < 3 and self.draw(tx, 51) < 0.5:
            for row in out["accountData"]:
                if row["account"] not in kept and any(
                    change["mint"] not in (WSOL_MINT, USDC_MINT)
                    for change in row["tokenBalanceChanges"]
                ):
                    kept.add(row["account"])
                    break
        fee_accounts = {account for account, _, _ in self.venue_fee_accounts(tx)}
        native_transfers = out["nativeTransfers"]
        temp = self.temp_wsol(tx)
        if temp is not None and self.draw(tx, 52) < 0.5:
            native_transfers = [t for t in native_transfers if t["toUserAccount"] != temp[1]]
        return {
            **out,
            "accountData": [row for row in out["accountData"] if row["account"] in kept],
            "instructions": [],
            "tokenTransfers": [
                t for t in out["tokenTransfers"] if t["toTokenAccount"] not in fee_accounts
            ],
            "nativeTransfers": native_transfers,
        }

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
        elif kind == AIRDROP_CLAIM:
            self.side.airdrop_claim(tx, out)
        elif kind == NFT_TRADE:
            self.side.nft_trade(tx, out)
        elif kind == QUOTE_ROUTE:
            self.side.quote_route(tx, out)
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
            self.system_instruction([sender, recipient], system_transfer_data(lamports=amount))
        ]

    def _render_wrap(self, tx: int, out: Json) -> None:
        """SOL moved into a standing WSOL account (the wallet's WSOL ATA, created on first use),
        then synced."""
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
            {"fromUserAccount": wallet_address, "toUserAccount": wsol_account, "amount": lamports}
            for lamports in (rent, amount)
            if lamports
        ]
        wsol_change = self._token_balance_change(wallet_address, wsol_account, amount, 9, WSOL_MINT)
        out["accountData"] = [
            self._account_row(wallet_address, -amount - rent - out["fee"]),
            self._account_row(wsol_account, amount + rent, [wsol_change]),
            self._account_row(WSOL_MINT, 0),
            self._account_row(SYSTEM_PROGRAM, 0),
            self._account_row(TOKEN_PROGRAM, 0),
        ]
        instructions = []
        if rent:
            instructions.append(
                self.create_token_account(
                    tx,
                    funder=wallet_address,
                    account=wsol_account,
                    owner=wallet_address,
                    mint=WSOL_MINT,
                    program=TOKEN_PROGRAM,
                )
            )
        instructions += [
            self.system_instruction(
                [wallet_address, wsol_account], system_transfer_data(lamports=amount)
            ),
            sync_native(wsol_account),
        ]
        out["instructions"] = instructions

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
                        self.system_instruction(
                            [sender, recipient_ata],
                            system_create_account_data(
                                lamports=ATA_RENT, space=TOKEN_ACCOUNT_SPACE, owner=tok.program
                            ),
                            inner=True,
                        )
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
        out["source"] = SOURCE_OF[pool.venue]
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
            PROGRAM_OF[pool.venue],
        ):
            rows.append(self._account_row(account, 0))
        out["accountData"] = rows
        out["instructions"] = [
            *self._compute_budget_instructions(tx),
            {
                "accounts": [pool_address, self.vault(pool.pool_id, "b"), wallet_address, tok.mint],
                "data": self._instruction_data(tx, 5, 24),
                "programId": PROGRAM_OF[pool.venue],
                "innerInstructions": [],
            },
        ]

    def _side_payments(
        self, tx: int, wallet_address: str, out: Json
    ) -> tuple[list[Json], list[Json]]:
        """(rows, top-level instructions) of what the trader paid beside the venue: a trading
        bot's fee and a Jito tip, each a System transfer of the wallet's own at the end of the
        transaction (their native transfers are appended to ``out``)."""
        world = self.world
        rows: list[Json] = []
        instructions: list[Json] = []
        payments = []
        if world.t_bot[tx]:
            payments.append((self.bot_fee_wallet(world.t_bot[tx]), world.t_bot_fee[tx]))
        if world.t_tip[tx]:
            payments.append((self._tip_account(tx), world.t_tip[tx]))
        for account, lamports in payments:
            out["nativeTransfers"].append(
                {"fromUserAccount": wallet_address, "toUserAccount": account, "amount": lamports}
            )
            rows.append(self._account_row(account, lamports))
            instructions.append(
                self.system_instruction(
                    [wallet_address, account], system_transfer_data(lamports=lamports)
                )
            )
        return rows, instructions

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
        aside = world.t_tip[tx] + world.t_bot_fee[tx]  # paid beside the venue: tip, bot fee
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
                self._account_row(wallet_address, -sol_in - rent - aside - own_fee),
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
                self._account_row(wallet_address, sol_out - aside - own_fee),
                self._account_row(ata, 0, [sold]),
                self._account_row(curve, -sol_out - venue_fee),
                self._account_row(curve_vault, 0, [taken_in]),
                self._account_row(PUMP_FEE_RECIPIENT, venue_fee),
            ]
        side_rows, side_instructions = self._side_payments(tx, wallet_address, out)
        rows += side_rows
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
            *side_instructions,
        ]

    def temp_wsol(self, tx: int) -> tuple[str, str] | None:
        """(pattern, address) of the temporary WSOL account a swap opens and closes (``TEMP_*``),
        or None: a pump.fun curve (native SOL), a standing WSOL account or a USDC quote."""
        world = self.world
        if world.t_kind[tx] != SWAP:
            return None
        wallet, flags = world.t_wallet[tx], world.t_flags[tx]
        if flags & FLAG_MULTIHOP:
            return TEMP_ATA, self._derived(f"wsol:{wallet}")
        pool = world.pools[world.t_pool[tx]]
        if pool.is_curve or pool.quote_mint != WSOL_MINT or flags & FLAG_STANDING_WSOL:
            return None
        # a pattern per swap (no share is published): Raydium's SDK seeds its account, bots
        # that build their own transactions use a fresh keypair, the rest the wallet's ATA; a
        # wash bot's WSOL ATA is its standing account, so it takes a keypair one
        draw = self.draw(tx, 41)
        if pool.venue == "raydium" and draw < 0.4:
            seed = self._seed_text(tx)
            return TEMP_SEED, address_with_seed(
                base=world.addr[wallet], seed=seed, owner=TOKEN_PROGRAM
            )
        if world.role[wallet] == "wash" or draw > 0.8:
            return TEMP_KEYPAIR, self._derived(f"wsol-tmp:{tx}")
        return TEMP_ATA, self._derived(f"wsol:{wallet}")

    def venue_fee_accounts(self, tx: int) -> list[tuple[str, str, int]]:
        """(WSOL token account, its owner, lamports) of each fee a PumpSwap swap pays out of
        the pool's side: the protocol's and the coin creator's, on the trade's SOL (inside the
        venue's instruction, so part of the price). Empty for other venues."""
        world = self.world
        if world.t_kind[tx] != SWAP or world.t_flags[tx] & FLAG_MULTIHOP:
            return []
        if world.pools[world.t_pool[tx]].venue != "pumpswap":
            return []
        token = world.t_token[tx]
        amount = world.t_out[tx] if world.t_side[tx] else world.t_in[tx]
        fees = (
            (
                self._derived("pumpswap-protocol-fee-wsol"),
                self._derived("pumpswap-protocol-fee-recipient"),
                amount * PUMPSWAP_PROTOCOL_FEE_BPS // 10_000,
            ),
            (
                self._derived(f"pumpswap-creator-vault-wsol:{token}"),
                self._derived(f"pumpswap-creator-vault:{token}"),
                amount * PUMPSWAP_CREATOR_FEE_BPS // 10_000,
            ),
        )
        return [fee for fee in fees if fee[2] > 0]

    def _render_amm_swap(self, tx: int, out: Json, payer: str) -> None:
        """A PumpSwap or Raydium CPMM swap, SOL- or USDC-quoted; Raydium ones carry a swap event.

        The trader's quote side is a standing WSOL account (bots), a temporary WSOL account
        opened and closed inside the transaction (``temp_wsol``), or its USDC token account.
        """
        world = self.world
        wallet, pool_id, token = world.t_wallet[tx], world.t_pool[tx], world.t_token[tx]
        pool = world.pools[pool_id]
        tok = world.tokens[token]
        temp = self.temp_wsol(tx)
        if temp is not None:
            quote_account = temp[1]
        elif world.t_flags[tx] & FLAG_STANDING_WSOL:
            quote_account = self._derived(f"wsol:{wallet}")
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
            temp=None if temp is None else temp[0],
            venue_fees=tuple(self.venue_fee_accounts(tx)),
        )
        out["source"] = SOURCE_OF[pool.venue]
        is_buy = world.t_side[tx] == 0
        opening: list[Json] = []
        if accounts.temp is not None:
            opening, out["nativeTransfers"] = self._open_temp_wsol(
                tx,
                accounts.temp,
                wallet=accounts.wallet,
                temp=quote_account,
                lamports_in=world.t_in[tx] if is_buy else 0,
            )
        legs = self._amm_buy_legs if is_buy else self._amm_sell_legs
        rows = legs(tx, out, accounts, own_fee=out["fee"] if payer == accounts.wallet else 0)
        side_rows, side_instructions = self._side_payments(tx, accounts.wallet, out)
        rows += side_rows
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
                PROGRAM_OF[pool.venue],
            )
        ]
        out["accountData"] = rows
        if pool.venue == "raydium":
            self._add_amm_swap_event(tx, out, accounts, temp_wsol=accounts.temp is not None)
        out["instructions"] = [
            *self._compute_budget_instructions(tx),
            *opening,
            self._amm_swap_instruction(tx, accounts, is_buy=is_buy),
            *([close_account(quote_account, accounts.wallet)] if accounts.temp else []),
            *side_instructions,
        ]

    def _amm_buy_legs(
        self, tx: int, out: Json, accounts: _AmmAccounts, *, own_fee: int
    ) -> list[Json]:
        """Token transfers, the ATA's rent and the first rows of an AMM buy."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        tok = world.tokens[world.t_token[tx]]
        wallet, quote_account, ata = accounts.wallet, accounts.quote_account, accounts.ata
        quote_vault, base_vault = accounts.quote_vault, accounts.base_vault
        sol_quoted = pool.quote_mint == WSOL_MINT
        quote_decimals = 9 if sol_quoted else 6
        decimals = tok.decimals
        aside = world.t_tip[tx] + world.t_bot_fee[tx]
        rent = ATA_RENT if world.t_flags[tx] & FLAG_NEW_ATA else 0
        quote_in, base_out = world.t_in[tx], world.t_out[tx]
        to_pool = quote_in - sum(fee for _, _, fee in accounts.venue_fees)
        change = self._token_balance_change
        out["tokenTransfers"] = [
            self._token_transfer(
                from_account=quote_account,
                to_account=quote_vault,
                from_user=wallet,
                to_user=accounts.authority,
                raw_amount=to_pool,
                decimals=quote_decimals,
                mint=pool.quote_mint,
            ),
            *(
                self._token_transfer(
                    from_account=quote_account,
                    to_account=fee_account,
                    from_user=wallet,
                    to_user=owner,
                    raw_amount=fee,
                    decimals=quote_decimals,
                    mint=pool.quote_mint,
                )
                for fee_account, owner, fee in accounts.venue_fees
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
        if rent:
            out["nativeTransfers"].append(
                {"fromUserAccount": wallet, "toUserAccount": ata, "amount": rent}
            )
        temp = accounts.temp is not None
        standing = not temp and sol_quoted
        quote_paid = change(wallet, quote_account, -quote_in, quote_decimals, pool.quote_mint)
        return [
            self._account_row(wallet, -(quote_in if temp else 0) - own_fee - aside - rent),
            self._account_row(
                quote_account, -quote_in if standing else 0, [] if temp else [quote_paid]
            ),
            self._account_row(ata, rent, [change(wallet, ata, base_out, decimals, tok.mint)]),
            self._account_row(
                quote_vault,
                to_pool if sol_quoted else 0,
                [change(accounts.authority, quote_vault, to_pool, quote_decimals, pool.quote_mint)],
            ),
            self._account_row(
                base_vault,
                0,
                [change(accounts.authority, base_vault, -base_out, decimals, tok.mint)],
            ),
            *self._venue_fee_rows(accounts),
        ]

    def _amm_sell_legs(
        self, tx: int, out: Json, accounts: _AmmAccounts, *, own_fee: int
    ) -> list[Json]:
        """Token transfers and the first rows of an AMM sell."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        tok = world.tokens[world.t_token[tx]]
        wallet, quote_account, ata = accounts.wallet, accounts.quote_account, accounts.ata
        quote_vault, base_vault = accounts.quote_vault, accounts.base_vault
        sol_quoted = pool.quote_mint == WSOL_MINT
        quote_decimals = 9 if sol_quoted else 6
        decimals = tok.decimals
        aside = world.t_tip[tx] + world.t_bot_fee[tx]
        base_in, quote_out = world.t_in[tx], world.t_out[tx]
        from_pool = quote_out + sum(fee for _, _, fee in accounts.venue_fees)
        change = self._token_balance_change
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
            *(
                self._token_transfer(
                    from_account=quote_vault,
                    to_account=fee_account,
                    from_user=accounts.authority,
                    to_user=owner,
                    raw_amount=fee,
                    decimals=quote_decimals,
                    mint=pool.quote_mint,
                )
                for fee_account, owner, fee in accounts.venue_fees
            ),
        ]
        temp = accounts.temp is not None
        standing = not temp and sol_quoted
        quote_received = change(wallet, quote_account, quote_out, quote_decimals, pool.quote_mint)
        return [
            self._account_row(wallet, (quote_out if temp else 0) - own_fee - aside),
            self._account_row(
                quote_account, quote_out if standing else 0, [] if temp else [quote_received]
            ),
            self._account_row(ata, 0, [change(wallet, ata, -base_in, decimals, tok.mint)]),
            self._account_row(
                quote_vault,
                -from_pool if sol_quoted else 0,
                [
                    change(
                        accounts.authority, quote_vault, -from_pool, quote_decimals, pool.quote_mint
                    )
                ],
            ),
            self._account_row(
                base_vault, 0, [change(accounts.authority, base_vault, base_in, decimals, tok.mint)]
            ),
            *self._venue_fee_rows(accounts),
        ]

    def _venue_fee_rows(self, accounts: _AmmAccounts) -> list[Json]:
        """The rows of PumpSwap's fee accounts (WSOL: lamports and tokens move together)."""
        return [
            self._account_row(
                fee_account,
                fee,
                [self._token_balance_change(owner, fee_account, fee, 9, WSOL_MINT)],
            )
            for fee_account, owner, fee in accounts.venue_fees
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

    def _amm_swap_instruction(self, tx: int, accounts: _AmmAccounts, *, is_buy: bool) -> Json:
        """The venue's swap: its inner token transfers move both legs and the venue's fees."""
        world = self.world
        pool = world.pools[world.t_pool[tx]]
        mint = world.tokens[world.t_token[tx]].mint
        wallet, quote_account = accounts.wallet, accounts.quote_account
        fee_source, fee_signer = (
            (quote_account, wallet) if is_buy else (accounts.quote_vault, accounts.authority)
        )
        return {
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
            "programId": PROGRAM_OF[pool.venue],
            "innerInstructions": [
                {
                    "accounts": [quote_account, pool.quote_mint, accounts.quote_vault, wallet],
                    "data": self._instruction_data(tx, 10, 9),
                    "programId": TOKEN_PROGRAM,
                },
                *(
                    {
                        "accounts": [fee_source, pool.quote_mint, fee_account, fee_signer],
                        "data": self._instruction_data(tx, 42 + i, 9),
                        "programId": TOKEN_PROGRAM,
                    }
                    for i, (fee_account, _, _) in enumerate(accounts.venue_fees)
                ),
                {
                    "accounts": [accounts.base_vault, mint, accounts.ata, accounts.authority],
                    "data": self._instruction_data(tx, 11, 9),
                    "programId": TOKEN_PROGRAM,
                },
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
        aside = world.t_tip[tx] + world.t_bot_fee[tx]
        rent = ATA_RENT if world.t_flags[tx] & FLAG_NEW_ATA else 0
        temp = self.temp_wsol(tx)
        assert temp is not None  # a route always pays through a temporary WSOL account
        temp_pattern, temp_wsol = temp
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
        opening, out["nativeTransfers"] = self._open_temp_wsol(
            tx, temp_pattern, wallet=wallet_address, temp=temp_wsol, lamports_in=sol_in
        )
        if rent:
            out["nativeTransfers"].append(
                {"fromUserAccount": wallet_address, "toUserAccount": ata, "amount": rent}
            )
        change = self._token_balance_change
        rows = [
            self._account_row(wallet_address, -sol_in - own_fee - aside - rent),
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
        side_rows, side_instructions = self._side_payments(tx, wallet_address, out)
        rows += side_rows
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
            *opening,
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
            close_account(temp_wsol, wallet_address),
            *side_instructions,
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
        out["source"] = SOURCE_OF[pool.venue]
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
            self._account_row(PROGRAM_OF[pool.venue], 0),
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
                "programId": PROGRAM_OF[pool.venue],
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
