"""Chain primitives of the simulated market: addresses, signatures, slots and pool maths.

Everything money-like is an integer (lamports or raw token units) so that quotes, executed
swaps and the reserves they leave behind agree to the last unit.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import base58

WSOL_MINT = "So11111111111111111111111111111111111111112"
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SYSTEM_PROGRAM = "11111111111111111111111111111111"
TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"  # noqa: S105 - program id, not a secret
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"  # noqa: S105 - program id, not a secret
ATA_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111"
SYSVAR_RENT = "SysvarRent111111111111111111111111111111111"
PUMP_FUN_PROGRAM = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"
PUMP_AMM_PROGRAM = "pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA"
PUMP_FEE_RECIPIENT = "CebN5WGQ4jvEPvsVU4EoHEpgzq1VV7AbicfhtW4xC9iM"
RAYDIUM_CPMM = "CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C"
JUPITER_V6 = "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4"
ORCA_WHIRLPOOL = "whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc"
MERKLE_DISTRIBUTOR = (
    "mERKcfxMC5SqJn4Ld4BUris3WKZZ1ojjWJ3A3J5CKxv"  # Jito's (JTO) airdrop distributor
)
MAGIC_EDEN_V2 = "M2mx93ekt1fmXSVkTrUL9xVFHkmME8HTUi5Cyc5aF7K"
TENSOR_SWAP = "TSWAPaqyCSx2KABk68Shruf4rp7CxcNi8hAsbdwmHbN"
JITO_TIP_ACCOUNTS = (
    "96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5",
    "HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe",
    "Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY",
    "ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49",
)

LAMPORTS_PER_SOL = 1_000_000_000
TOKEN_ACCOUNT_SPACE = 165
ATA_RENT = 2_039_280  # rent_exempt(TOKEN_ACCOUNT_SPACE)
BASE_FEE = 5_000
SLOT_MS = 400
T0 = 1_773_151_200  # 2026-03-10T14:00:00Z, the fixtures' epoch
SLOT_AT_T0 = 405_300_000

# pump.fun bonding curve (fixture model parameters, see fixtures/README.md §4)
CURVE_VIRTUAL_SOL = 30 * LAMPORTS_PER_SOL
CURVE_VIRTUAL_TOKENS = 1_073_000_000 * 10**6
CURVE_REAL_TOKENS = 793_100_000 * 10**6
CURVE_SUPPLY = 1_000_000_000 * 10**6
CURVE_FEE_BPS = 100
CPMM_FEE_BPS = 25
MIGRATION_FEE = 15_000_001


def slot_at(ts_ms: int) -> int:
    """Slot number of a sim time in Unix milliseconds (one slot per 400 ms since T0)."""
    return SLOT_AT_T0 + (ts_ms - T0 * 1000) // SLOT_MS


def b58(data: bytes) -> str:
    """Base58 text of raw bytes (Bitcoin alphabet, as Solana uses)."""
    return base58.b58encode(data).decode("ascii")


def rent_exempt(space: int) -> int:
    """Lamports that keep an account of ``space`` data bytes rent-exempt (two years of rent at
    3,480 lamports per byte-year, the 128-byte account header included)."""
    return (128 + space) * 6_960


# System-program instruction data, as on chain: a u32 little-endian discriminator and the
# instruction's fields (bincode), base58 in Helius' ``instructions[].data``
_CREATE_ACCOUNT, _TRANSFER, _CREATE_ACCOUNT_WITH_SEED = 0, 2, 3


def system_transfer_data(*, lamports: int) -> str:
    """``transfer``: discriminator 2 and the lamports (u64)."""
    return b58(struct.pack("<IQ", _TRANSFER, lamports))


def system_create_account_data(*, lamports: int, space: int, owner: str) -> str:
    """``createAccount``: discriminator 0, lamports, space (u64 each) and the owner program."""
    return b58(struct.pack("<IQQ", _CREATE_ACCOUNT, lamports, space) + base58.b58decode(owner))


def system_create_account_with_seed_data(
    *, base: str, seed: str, lamports: int, space: int, owner: str
) -> str:
    """``createAccountWithSeed``: discriminator 3, the base address, the seed (a u64 length and
    its bytes), lamports, space and the owner program."""
    seed_bytes = seed.encode()
    return b58(
        struct.pack("<I", _CREATE_ACCOUNT_WITH_SEED)
        + base58.b58decode(base)
        + struct.pack("<Q", len(seed_bytes))
        + seed_bytes
        + struct.pack("<QQ", lamports, space)
        + base58.b58decode(owner)
    )


def address_with_seed(*, base: str, seed: str, owner: str) -> str:
    """The address ``createAccountWithSeed`` creates: sha256(base, seed, owner), as on chain."""
    return b58(
        hashlib.sha256(base58.b58decode(base) + seed.encode() + base58.b58decode(owner)).digest()
    )


def derive_bytes(seed: int, label: str, length: int) -> bytes:
    """Deterministic pseudo-random bytes for one labelled thing of one world."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.blake2b(f"{seed}:{label}:{counter}".encode(), digest_size=64).digest()
        counter += 1
    return out[:length]


def derive_address(seed: int, label: str) -> str:
    """A 32-byte base58 address that belongs to nobody, fixed by (seed, label)."""
    return b58(derive_bytes(seed, label, 32))


def derive_pump_mint(seed: int, label: str) -> str:
    """A valid 32-byte address whose text ends in ``pump`` like pump.fun vanity mints."""
    for attempt in range(1000):
        text = derive_address(seed, f"{label}:{attempt}")
        if len(text) != 44:
            continue
        candidate = text[:40] + "pump"
        raw = base58.b58decode(candidate)
        if len(raw) == 32 and b58(raw) == candidate:
            return candidate
    raise RuntimeError("could not derive a pump mint")  # pragma: no cover - 1000 tries suffice


_MASK64 = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15
_MIX_INV = pow(_MIX, -1, 1 << 64)


class SignatureCodec:
    """Signatures that encode their transaction id, so lookups need no 500k-entry index.

    The last 8 bytes carry the id mixed with a seed key; the first 56 bytes are a keyed hash
    of the id, which a decoder checks so that foreign signatures are rejected.
    """

    def __init__(self, seed: int) -> None:
        self._key = int.from_bytes(derive_bytes(seed, "sigkey", 8), "big")
        self._salt = derive_bytes(seed, "sigsalt", 16)
        self._cache: dict[int, str] = {}

    def _keyed_hash(self, tx_id: int) -> bytes:
        return hashlib.blake2b(tx_id.to_bytes(8, "big"), digest_size=56, key=self._salt).digest()

    def encode(self, tx_id: int) -> str:
        """The base58 signature of transaction ``tx_id``."""
        cached = self._cache.get(tx_id)
        if cached is not None:
            return cached
        tail = (((tx_id ^ self._key) * _MIX) & _MASK64).to_bytes(8, "big")
        signature = b58(self._keyed_hash(tx_id) + tail)
        if len(self._cache) < 2_000_000:
            self._cache[tx_id] = signature
        return signature

    def decode(self, signature: str) -> int | None:
        """The transaction id of a signature of this world, or None for anything else."""
        try:
            raw = base58.b58decode(signature)
        except ValueError:
            return None
        if len(raw) != 64:
            return None
        tx_id = ((int.from_bytes(raw[56:], "big") * _MIX_INV) & _MASK64) ^ self._key
        if tx_id >= 1 << 40 or raw[:56] != self._keyed_hash(tx_id):
            return None
        return tx_id


@dataclass(slots=True)
class Pool:
    """One market: a pump.fun bonding curve or a constant-product pool.

    ``quote``/``base`` are the reserves that price the swap (virtual ones for a curve);
    ``real_quote``/``real_base`` are what the accounts actually hold.
    """

    pool_id: int
    token: int  # token index
    quote_mint: str  # WSOL_MINT or USDC_MINT
    venue: str  # "pumpfun", "pumpswap", "raydium"
    fee_bps: int
    quote: int
    base: int
    real_quote: int
    real_base: int
    created_ms: int
    active: bool = True
    is_curve: bool = False

    def buy_out(self, amount_in: int) -> tuple[int, int]:
        """(base out, venue fee) for ``amount_in`` quote units paid in (fee included)."""
        if self.is_curve:
            net_in = amount_in * 10_000 // (10_000 + self.fee_bps)
            fee = amount_in - net_in
            out = self.base * net_in // (self.quote + net_in)
            out = min(out, self.real_base)
            return out, fee
        net_in = amount_in * (10_000 - self.fee_bps) // 10_000
        out = self.base * net_in // (self.quote + net_in)
        return out, amount_in - net_in

    def sell_out(self, amount_in: int) -> tuple[int, int]:
        """(quote out, venue fee) for ``amount_in`` base units sold."""
        if self.is_curve:
            gross = self.quote * amount_in // (self.base + amount_in)
            gross = min(gross, self.real_quote)
            fee = gross * self.fee_bps // 10_000
            return gross - fee, fee
        net_in = amount_in * (10_000 - self.fee_bps) // 10_000
        out = self.quote * net_in // (self.base + net_in)
        return out, 0

    def impact(self, is_buy: bool, amount_in: int) -> float:
        """Price impact as a fraction: how far the fill is from the spot price."""
        if is_buy:
            net_in = amount_in * 10_000 // (10_000 + self.fee_bps) if self.is_curve else amount_in
            reserve = self.quote
        else:
            net_in = amount_in
            reserve = self.base
        if reserve + net_in <= 0:
            return 1.0
        return net_in / (reserve + net_in)

    def apply_buy(self, amount_in: int) -> tuple[int, int]:
        """Execute a buy; returns (base out, fee). The reserves move exactly as quoted."""
        out, fee = self.buy_out(amount_in)
        if self.is_curve:
            self.quote += amount_in - fee
            self.real_quote += amount_in - fee
        else:
            self.quote += amount_in
            self.real_quote += amount_in
        self.base -= out
        self.real_base -= out
        return out, fee

    def apply_sell(self, amount_in: int) -> tuple[int, int]:
        """Execute a sell; returns (quote out to the seller, fee)."""
        out, fee = self.sell_out(amount_in)
        self.base += amount_in
        self.real_base += amount_in
        self.quote -= out + fee
        self.real_quote -= out + fee
        return out, fee

    def price(self) -> float:
        """Spot price of one raw base unit in raw quote units."""
        return self.quote / self.base if self.base > 0 else 0.0
