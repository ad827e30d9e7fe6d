"""What real wallet histories carry beside the agents' trades, and how often: trading-bot fees,
airdrop claims, NFT trades and SOL → X → USDC conversions (issue 12: a parser must meet them).

Why apart from the agents: these flows must not change a single trade of the world. The world
draws them from their own random stream (never ``World.rng``) and books their SOL and tokens in
a `SideLedger`, never in ``World.sol`` or ``World.holdings``, which the agents' decisions read. A
wallet's balance on chain is the sum of both (``World.balance``). Before a side payment would
take a wallet's side balance below zero, its exchange tops it up with a SOL transfer of its own
(flagged ``FLAG_SIDE``), so rendered balances never go negative either.

Where no figure exists in shared/reference (market-stats.md, helius-swaps.md), the rates below
are choices, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.chain import LAMPORTS_PER_SOL, MAGIC_EDEN_V2, TENSOR_SWAP, derive_address, rent_exempt

# ---------------------------------------------------------------------------- trading-bot fees
BOT_FEE_SHARE = 0.30
"""Share of retail and smart wallets' direct SOL swaps placed through a trading bot or terminal
(Trojan, Photon, BullX, Axiom, GMGN, ...), which then pays the bot's fee wallet. No public share
was found; 3 of the 4 real swaps in tests/fixtures/real pay one, and the bots' volume is a large
part of pump.fun's. 30 % keeps plain trades the majority. Snipers, wash bots, insiders and devs
run their own tooling: no fee."""
KNOWN_BOT_SHARE = 2 / 3
"""Of those fees, the share paid to the big bots' public fee wallets (below); the rest goes to
smaller bots whose fee wallets no public list names."""
BOT_FEE_BPS = (75, 90, 100, 100)
"""About 1 % of the trade's SOL (helius-swaps.md; ≈1.00-1.01 % in the real Trojan fees), lower
with volume tiers and referral discounts."""
KNOWN_BOT_FEE_WALLETS = (
    "9yMwSPk9mrXSN7yDHUuZurAh1sjbJsfpUqjZ7SvVtdco",  # Trojan (seen in tests/fixtures/real)
    "AVUCZyuT35YSuj4RH7fwiyPu82Djn2Hfg7y2ND2XcnZH",  # Photon
    "4o9p5PaYQcfNiLZCCN5ZsZckdtj6Up3xzLvSoZx8GufA",  # BullX
    "AaG6of1gbj1pbDumvbSiTuJhRCRkkUNaWVxijSbWvTJW",  # Axiom
)
"""Real public fee wallets (the sim's own list: it never imports the product's)."""
N_UNKNOWN_BOTS = 6
"""Smaller bots, each with a fee wallet derived for the world (``unknown-bot:<k>``)."""

# ---------------------------------------------------------------------------- PumpSwap fees
PUMPSWAP_PROTOCOL_FEE_BPS = 5
"""PumpSwap's protocol fee, 0.05 % (market-stats.md §1, GlobalConfig)."""
PUMPSWAP_CREATOR_FEE_BPS = 5
"""PumpSwap's coin-creator fee, 0.05 % since 13 May 2025 (market-stats.md §1): every sim
PumpSwap pool is a migrated pump.fun coin, so every swap pays its creator."""

# ---------------------------------------------------------------------------- side transactions
SIDE_EVENT_SHARES = (0.003, 0.004, 0.006)
"""After each swap of a retail or smart wallet, the chance that the same wallet later (1 min to
1 h) claims an airdrop, trades an NFT, or converts SOL to USDC through a two-hop route. A
memecoin trader's history is almost all swaps; no figure exists for these, so they are set to
show up in a 2-hour test world (tens of each) and stay well under 1 % of all transactions."""
SIDE_EVENT_DELAY_MS = (60_000, 3_600_000)
SIDE_PRIORITY_FEE_MEDIAN = 20_000
"""Lamports; a wallet not racing anyone (market-stats.md §4 presets start at 0.0001 SOL)."""
SIDE_GENESIS_MEDIAN_SOL = 1.0
"""SOL a retail or smart wallet held before the history began (lognormal around this), kept on
the side ledger: its side payments draw on it first."""
TOP_UP_SOL = (1.0, 5.0)
"""SOL an exchange sends beyond what a side payment lacks (the agents' top-ups are 1-10 SOL)."""


@dataclass(frozen=True, slots=True)
class Airdrop:
    """A distributor's token: its mint is derived as ``airdrop-mint:<index>``."""

    symbol: str
    decimals: int
    median_ui: float


AIRDROPS = (Airdrop("DROP", 6, 800.0), Airdrop("CLAIM", 9, 35.0), Airdrop("GRANT", 6, 4_000.0))
CLAIM_STATUS_SPACE = 64
"""A merkle distributor's ClaimStatus: Anchor discriminator, claimant, three u64 amounts."""
CLAIM_STATUS_RENT = rent_exempt(CLAIM_STATUS_SPACE)


@dataclass(frozen=True, slots=True)
class Marketplace:
    source: str  # Helius' source
    program: str
    fee_bps: int  # the marketplace's fee, out of the seller's proceeds


MARKETPLACES = (
    Marketplace("MAGIC_EDEN", MAGIC_EDEN_V2, 200),
    Marketplace("TENSOR", TENSOR_SWAP, 150),
)
COLLECTION_ROYALTY_BPS = (0, 250, 500, 0, 500, 100)
"""One entry per collection (an NFT's collection is its serial modulo their number)."""
NFT_STANDARDS = (None, *["NonFungible"] * 12, *["ProgrammableNonFungible"] * 5, None, None)
"""Helius' ``tokenStandard`` on an NFT's transfer, by serial modulo 20 (spread by a stride of 7,
the first NFT of a world taking the first entry): NonFungible 60 %, ProgrammableNonFungible 25 %,
none 15 % (Helius did not recognise the sale: no standard, type UNKNOWN, as in the real escrow
lookalikes of tests/fixtures/real). A guess: Helius labels most marketplace sales."""
NFT_SALE_SHARE = 0.4
"""Chance that an NFT trade is a sale (of one bought earlier, or held from before the history;
else a buy)."""
NFT_PRICE_MEDIAN_SOL = 0.4


@dataclass(frozen=True, slots=True)
class Intermediate:
    """The token a SOL → X → USDC route passes through (held by the router in between)."""

    symbol: str
    mint: str
    decimals: int
    sol_per_unit: float | None  # a liquid-staking token's value in SOL; None: a USD stablecoin


INTERMEDIATES = (
    Intermediate("USDT", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", 6, None),
    Intermediate("JitoSOL", "J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn", 9, 1.18),
    Intermediate("mSOL", "mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So", 9, 1.27),
)
ROUTE_HOP_FEE_BPS = 5
"""Stable and liquid-staking pools charge a few basis points per hop."""
ROUTE_SIZE_MEDIAN_SOL = 1.0

TRIMMED_WEBHOOK_SHARE = 0.10
"""Share of webhook bodies delivered trimmed (2-3 accountData rows, no instructions). 2 of the
corpus' 4 real swaps are such bodies, all from one source; the rate across webhook bodies is not
known. 10 % puts them in every delivery window of the tests."""


@dataclass(slots=True)
class SideLedger:
    """The side flows' balances per entity (what they moved, plus what a wallet held for them
    before the history): SOL in lamports, tokens in raw units by mint."""

    sol: dict[int, int] = field(default_factory=dict)
    genesis: dict[int, int] = field(default_factory=dict)  # SOL held before the history
    genesis_tokens: dict[tuple[int, str], int] = field(default_factory=dict)  # NFTs held before
    tokens: dict[tuple[int, str], int] = field(default_factory=dict)
    nfts: dict[int, list[int]] = field(default_factory=dict)  # wallet -> NFT serials it holds
    claimed: set[tuple[int, int]] = field(default_factory=set)  # (wallet, airdrop index)
    next_nft: int = 0
    transactions: dict[int, int] = field(default_factory=dict)  # wallet -> side txs it has

    def count_transaction(self, wallet: int) -> None:
        self.transactions[wallet] = self.transactions.get(wallet, 0) + 1

    def move_sol(self, entity: int, lamports: int) -> None:
        self.sol[entity] = self.sol.get(entity, 0) + lamports

    def move_tokens(self, entity: int, mint: str, raw: int) -> None:
        key = (entity, mint)
        self.tokens[key] = self.tokens.get(key, 0) + raw


def lamports(sol: float) -> int:
    return int(sol * LAMPORTS_PER_SOL)


def airdrop_mint(seed: int, index: int) -> str:
    return derive_address(seed, f"airdrop-mint:{index}")


def nft_mint(seed: int, serial: int) -> str:
    return derive_address(seed, f"nft-mint:{serial}")


def nft_standard(serial: int) -> str | None:
    return NFT_STANDARDS[(serial * 7) % len(NFT_STANDARDS)]


def nft_marketplace(*, serial: int, side: int) -> Marketplace:
    """Where an NFT trade happens (buys and sales alternate between the marketplaces)."""
    return MARKETPLACES[(serial + side) % len(MARKETPLACES)]


def nft_sale_split(*, serial: int, side: int, price: int) -> tuple[int, int, int]:
    """(seller's proceeds, creator royalty, marketplace fee) of an NFT sold for ``price``
    lamports: the buyer pays the price, the royalty and fee come out of the seller's share."""
    royalty = price * COLLECTION_ROYALTY_BPS[serial % len(COLLECTION_ROYALTY_BPS)] // 10_000
    market_fee = price * nft_marketplace(serial=serial, side=side).fee_bps // 10_000
    return price - royalty - market_fee, royalty, market_fee
