"""Hand-built enhanced transactions that balance like real ones, for the normaliser's tests.

`TxBuilder` records System transfers (listed in `nativeTransfers`), lamports a program moves
directly (not listed, like pump.fun sell proceeds or a closed account's refund) and token
transfers (WSOL ones move lamports too), then renders `accountData` with Σ native change = −fee.
`trade_tx` builds one trade of a given shape and returns the swap the normaliser must find.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import base58

from walltrack.data.models.solana import SOL_MINT, USDC_MINT

T0 = 1_773_151_200
ATA_RENT = 2_039_280
WSOL = SOL_MINT
USDC = USDC_MINT
TRADER = "Trader1111111111111111111111111111111111111"
TRADER_2 = "Trader2222222222222222222222222222222222222"
RELAYER = "Re1ayer111111111111111111111111111111111111"
RECIPIENT = "Recipient11111111111111111111111111111111111"
TOKEN = "Token1111111111111111111111111111111111pump"
TOKEN_B = "TokenB11111111111111111111111111111111111111"
LP_MINT = "LPmint1111111111111111111111111111111111111"
ATA = "TraderTokenAta11111111111111111111111111111"
ATA_B = "TraderTokenBAta1111111111111111111111111111"
ATA_2 = "Trader2TokenAta1111111111111111111111111111"
LP_ATA = "TraderLpAta111111111111111111111111111111111"
USDC_ATA = "TraderUsdcAta1111111111111111111111111111111"
WSOL_TMP = "TraderWsolTemp11111111111111111111111111111"
WSOL_STANDING = "TraderWsolStanding111111111111111111111111"
RECIPIENT_ATA = "RecipientTokenAta11111111111111111111111111"
CURVE = "Curve111111111111111111111111111111111111111"
CURVE_VAULT = "CurveVau1t11111111111111111111111111111111111"
POOL_AUTH = "Poo1Authority1111111111111111111111111111111"
VAULT_QUOTE = "Poo1VaultQuote111111111111111111111111111111"
VAULT_BASE = "Poo1VaultBase1111111111111111111111111111111"
VAULT_B = "Poo1VaultTokenB11111111111111111111111111111"
HOP_AUTH = "HopAuthority11111111111111111111111111111111"
HOP_QUOTE = "HopVaultQuote1111111111111111111111111111111"
HOP_BASE = "HopVaultBase11111111111111111111111111111111"
ROUTER = "Router1111111111111111111111111111111111111"
ROUTER_USDC = "RouterUsdc111111111111111111111111111111111"
ROUTER_WSOL = "RouterWso1111111111111111111111111111111111"
PUMP_FEE = "CebN5WGQ4jvEPvsVU4EoHEpgzq1VV7AbicfhtW4xC9iM"
JITO_TIP = "96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5"
BOT_FEE_WALLET = "BotFee1111111111111111111111111111111111111"
TROJAN_FEE = "9yMwSPk9mrXSN7yDHUuZurAh1sjbJsfpUqjZ7SvVtdco"  # a known trading-bot fee wallet
SYSTEM_PROGRAM = "11111111111111111111111111111111"
PUMP_PROGRAM = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"
PROGRAMS = (
    SYSTEM_PROGRAM,
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "ComputeBudget111111111111111111111111111111",
)

Shape = Literal["curve", "temp_wsol", "standing_wsol", "usdc"]
Side = Literal["buy", "sell"]
TempListing = Literal["funding", "closing", "none"]
"""Which of a temporary WSOL account's lamport moves Helius lists in `nativeTransfers`: its
funding by the trader, its closing into the trader, or neither (a createAccountWithSeed funding
and a close both unlisted, as in real PumpSwap webhook bodies)."""


def ui(raw: int, decimals: int) -> Decimal:
    return Decimal(raw).scaleb(-decimals)


def system_instruction(kind: int, accounts: list[str], lamports: int) -> dict[str, Any]:
    """A System-program instruction as Helius lists it, its data encoded as on chain:
    u32 discriminator (0 createAccount, 2 transfer), u64 lamports (+ space and owner)."""
    data = struct.pack("<IQ", kind, lamports)
    if kind == 0:
        data += struct.pack("<Q", 165) + bytes(32)
    return {
        "accounts": accounts,
        "data": base58.b58encode(data).decode(),
        "programId": SYSTEM_PROGRAM,
        "innerInstructions": [],
    }


def to_json(body: Any) -> str:
    """JSON text with every Decimal written as a JSON number, digit for digit (as Helius does)."""
    text = json.dumps(body, default=lambda d: f"__decimal__{d}")
    return re.sub(r'"__decimal__([^"]+)"', r"\1", text)


@dataclass
class TxBuilder:
    fee_payer: str = TRADER
    fee: int = 5_000
    signers: tuple[str, ...] = ()
    signature: str = "5igNature1111111111111111111111111111111111111111111111111111111111111111"
    slot: int = 405_300_300
    timestamp: int = T0 + 120
    source: str = "UNKNOWN"
    tx_type: str = "SWAP"
    native: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, dict[tuple[str, str], tuple[int, int]]] = field(default_factory=dict)
    temporary: set[str] = field(default_factory=set)
    native_transfers: list[dict[str, Any]] = field(default_factory=list)
    token_transfers: list[dict[str, Any]] = field(default_factory=list)
    instructions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for account in (self.fee_payer, *self.signers):
            self._touch(account)
        self.native[self.fee_payer] -= self.fee

    def _touch(self, account: str) -> None:
        self.native.setdefault(account, 0)

    def move_lamports(self, frm: str, to: str, lamports: int) -> TxBuilder:
        """Lamports a program moves directly: invisible in `nativeTransfers`."""
        self._touch(frm)
        self._touch(to)
        self.native[frm] -= lamports
        self.native[to] += lamports
        return self

    def system_transfer(self, frm: str, to: str, lamports: int) -> TxBuilder:
        self.move_lamports(frm, to, lamports)
        self.native_transfers.append(
            {"fromUserAccount": frm, "toUserAccount": to, "amount": lamports}
        )
        return self

    def token_transfer(
        self,
        frm: tuple[str, str],
        to: tuple[str, str],
        mint: str,
        raw: int,
        decimals: int,
        standard: str = "Fungible",
    ) -> TxBuilder:
        """`frm`/`to` are (owner, token account); WSOL moves the same lamports."""
        for (owner, account), signed in ((frm, -raw), (to, raw)):
            self._touch(account)
            per = self.tokens.setdefault(account, {})
            old, _ = per.get((owner, mint), (0, decimals))
            per[(owner, mint)] = (old + signed, decimals)
        if mint == WSOL:
            self.move_lamports(frm[1], to[1], raw)
        self.token_transfers.append(
            {
                "fromTokenAccount": frm[1],
                "toTokenAccount": to[1],
                "fromUserAccount": frm[0],
                "toUserAccount": to[0],
                "tokenAmount": ui(raw, decimals),
                "mint": mint,
                "tokenStandard": standard,
            }
        )
        return self

    def temp_account(self, account: str) -> TxBuilder:
        """Opened and closed inside the tx: Helius shows no token balance change for it."""
        self.temporary.add(account)
        return self

    def build(self, *, keep_rows: set[str] | None = None, **overrides: Any) -> dict[str, Any]:
        """The enhanced transaction; with `keep_rows`, `accountData` keeps only those accounts'
        rows and `instructions` stays empty, as in a trimmed webhook body."""
        rows: list[dict[str, Any]] = []
        for account in [*self.native, *(p for p in PROGRAMS if p not in self.native)]:
            changes = [
                {
                    "userAccount": owner,
                    "tokenAccount": account,
                    "rawTokenAmount": {"tokenAmount": str(raw), "decimals": decimals},
                    "mint": mint,
                }
                for (owner, mint), (raw, decimals) in self.tokens.get(account, {}).items()
                if raw and account not in self.temporary
            ]
            rows.append(
                {
                    "account": account,
                    "nativeBalanceChange": self.native.get(account, 0),
                    "tokenBalanceChanges": changes,
                }
            )
        assert sum(r["nativeBalanceChange"] for r in rows) == -self.fee
        if keep_rows is not None:
            rows = [r for r in rows if r["account"] in keep_rows]
        tx: dict[str, Any] = {
            "description": "",
            "type": self.tx_type,
            "source": self.source,
            "fee": self.fee,
            "feePayer": self.fee_payer,
            "signature": self.signature,
            "slot": self.slot,
            "timestamp": self.timestamp,
            "tokenTransfers": self.token_transfers,
            "nativeTransfers": self.native_transfers,
            "accountData": rows,
            "transactionError": None,
            "instructions": self.instructions if keep_rows is None else [],
            "events": {},
        }
        tx.update(overrides)
        return tx


@dataclass(frozen=True)
class TradeSpec:
    """One trade by TRADER. `quote_raw` is what the trader pays (buy, venue fee included) or
    receives (sell, venue fee already taken): the quote amount the normaliser must report.
    """

    side: Side = "buy"
    shape: Shape = "curve"
    quote_raw: int = 500_000_000
    token_raw: int = 9_837_047_783_676
    decimals: int = 6
    fee: int = 105_000
    tip: int = 0
    ata_rent: bool = False  # buy: creates the token ATA; sell: closes it
    relayer: bool = False
    venue_fee: int = 0  # curve only: the pump.fun 1 % (inside quote_raw for buys)
    bot_fee: int = 0  # to a trading bot's fee wallet: a side payment, never in the quote
    trimmed: bool = False  # a webhook body: only the signers' and the trader's token rows
    temp_listing: TempListing = "funding"  # temp_wsol only

    @property
    def quote_mint(self) -> str:
        return USDC if self.shape == "usdc" else WSOL

    def expected(self) -> dict[str, Any]:
        return {
            "wallet": TRADER,
            "side": self.side,
            "token_mint": TOKEN,
            "token_amount": ui(self.token_raw, self.decimals),
            "quote_mint": self.quote_mint,
            "quote_amount": ui(self.quote_raw, 6 if self.shape == "usdc" else 9),
        }


def trade_tx(spec: TradeSpec, **overrides: Any) -> dict[str, Any]:
    """The enhanced transaction of `spec`, shaped like the venue it names."""
    b = TxBuilder(
        fee_payer=RELAYER if spec.relayer else TRADER,
        fee=spec.fee,
        signers=(TRADER,) if spec.relayer else (),
        source="PUMP_FUN" if spec.shape == "curve" else "RAYDIUM",
    )
    token, dec, q = TOKEN, spec.decimals, spec.quote_raw
    if spec.side == "buy" and spec.ata_rent:
        b.system_transfer(TRADER, ATA, ATA_RENT)
    if spec.shape == "curve":
        _curve(b, spec)
    elif spec.shape == "temp_wsol":
        fund = b.system_transfer if spec.temp_listing == "funding" else b.move_lamports
        close = b.system_transfer if spec.temp_listing == "closing" else b.move_lamports
        if spec.side == "buy":
            fund(TRADER, WSOL_TMP, q + ATA_RENT)
            b.token_transfer((TRADER, WSOL_TMP), (POOL_AUTH, VAULT_QUOTE), WSOL, q, 9)
            b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), token, spec.token_raw, dec)
            close(WSOL_TMP, TRADER, ATA_RENT)
        else:
            fund(TRADER, WSOL_TMP, ATA_RENT)
            b.token_transfer((TRADER, ATA), (POOL_AUTH, VAULT_BASE), token, spec.token_raw, dec)
            b.token_transfer((POOL_AUTH, VAULT_QUOTE), (TRADER, WSOL_TMP), WSOL, q, 9)
            close(WSOL_TMP, TRADER, q + ATA_RENT)
        b.temp_account(WSOL_TMP)
    else:
        quote_acc, mint, qdec = (
            (WSOL_STANDING, WSOL, 9) if spec.shape == "standing_wsol" else (USDC_ATA, USDC, 6)
        )
        if spec.side == "buy":
            b.token_transfer((TRADER, quote_acc), (POOL_AUTH, VAULT_QUOTE), mint, q, qdec)
            b.token_transfer((POOL_AUTH, VAULT_BASE), (TRADER, ATA), token, spec.token_raw, dec)
        else:
            b.token_transfer((TRADER, ATA), (POOL_AUTH, VAULT_BASE), token, spec.token_raw, dec)
            b.token_transfer((POOL_AUTH, VAULT_QUOTE), (TRADER, quote_acc), mint, q, qdec)
    if spec.side == "sell" and spec.ata_rent:
        b.move_lamports(ATA, TRADER, ATA_RENT)  # the emptied token account is closed
    if spec.tip:
        b.system_transfer(TRADER, JITO_TIP, spec.tip)
    if spec.bot_fee:
        b.system_transfer(TRADER, TROJAN_FEE, spec.bot_fee)
    if spec.trimmed:
        signers = {TRADER, b.fee_payer}
        token_rows = {ATA}  # the quote-side token accounts are dropped too
        return b.build(keep_rows=signers | token_rows, **overrides)
    return b.build(**overrides)


def _curve(b: TxBuilder, spec: TradeSpec) -> None:
    token, dec, q = TOKEN, spec.decimals, spec.quote_raw
    if spec.side == "buy":
        b.token_transfer((CURVE, CURVE_VAULT), (TRADER, ATA), token, spec.token_raw, dec)
        b.system_transfer(TRADER, CURVE, q - spec.venue_fee)
        if spec.venue_fee:
            b.system_transfer(TRADER, PUMP_FEE, spec.venue_fee)
    else:
        b.token_transfer((TRADER, ATA), (CURVE, CURVE_VAULT), token, spec.token_raw, dec)
        b.move_lamports(CURVE, TRADER, q)  # proceeds: not in nativeTransfers
        if spec.venue_fee:
            b.move_lamports(CURVE, PUMP_FEE, spec.venue_fee)


def swap_fields(swap: Any) -> dict[str, Any]:
    """The fields `TradeSpec.expected` pins down."""
    return {
        k: getattr(swap, k)
        for k in ("wallet", "side", "token_mint", "token_amount", "quote_mint", "quote_amount")
    }
