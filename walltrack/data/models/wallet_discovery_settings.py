"""Step 3 settings for finding wallets: which of a token's traders become candidates.

A candidate is an early buyer (within the early window after launch, among the first buyers)
or a top trader by realised PnL on the token; addresses that are infrastructure (programs,
pools, routers, exchange hot wallets) are dropped by a denylist and two heuristics.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from walltrack.data.models.inputs import StrictDecimal, StrictFloat
from walltrack.data.models.solana import SolanaAddress
from walltrack.data.models.step_settings import StepSettings

DEFAULT_DENYLIST = (
    "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P",  # pump.fun program
    "pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA",  # PumpSwap AMM program
    "CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C",  # Raydium CPMM program
    "675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8",  # Raydium AMM v4 program
    "5Q544fKrFoe6tsEbD7S8EmxGTJYAKtTVhAW5Q5pge4j1",  # Raydium AMM v4 authority
    "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4",  # Jupiter aggregator v6
    "whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc",  # Orca Whirlpools program
    "5tzFkiKscXHK5ZXCGbXZxdw7gTjjD1mBwuoFbhUvuAi9",  # Binance hot wallet 2
    "2ojv9BAiHUrvsm9gxDe7fJSzbNZSJcxZvf8dqmWGHG8S",  # Coinbase hot wallet
    "H8sMJSCQxfKiFTCfDR3DUMLPwcRbM61LGFJ8N4dK3WjS",  # Coinbase hot wallet 2
)


class WalletDiscoverySettings(StepSettings):
    """Step 3 (wallet discovery): a token's history → candidate wallets to profile."""

    step: ClassVar[str] = "wallet_discovery"
    title: ClassVar[str] = "Wallet discovery (step 3)"

    token_history_max_transactions: int = Field(
        5_000,
        ge=100,
        le=200_000,
        description="Newest transactions read per token; reaching it marks its history partial",
    )
    early_window_minutes: int = Field(
        30, ge=1, le=10_080, description="Buys this soon after launch make an early buyer"
    )
    early_buyers: int = Field(
        50, ge=0, le=1_000, description="First distinct buyers kept as early buyers"
    )
    top_traders: int = Field(
        25, ge=0, le=1_000, description="Best traders by realised PnL on the token kept"
    )
    min_buy_sol: StrictDecimal = Field(
        Decimal("0.05"),
        ge=0,
        le=10_000,
        max_digits=20,
        decimal_places=9,
        description="Smallest buy (SOL) that counts a wallet as an early buyer",
    )
    min_wallet_volume_sol: StrictDecimal = Field(
        Decimal("0.2"),
        ge=0,
        le=1_000_000,
        max_digits=20,
        decimal_places=9,
        description="A wallet's bought + sold SOL on the token below this is ignored",
    )
    max_swap_share: StrictFloat = Field(
        0.25,
        gt=0,
        le=1,
        description="A wallet in more than this share of a token's swaps is infrastructure",
    )
    infra_min_swaps: int = Field(
        50, ge=2, le=100_000, description="Swaps needed before the share rule applies"
    )
    reprofile_after_hours: StrictFloat = Field(
        24.0, ge=0, le=8_760, description="A known wallet is profiled again after this long"
    )
    market_tape_max_age_minutes: int = Field(
        15,
        ge=0,
        le=10_080,
        description="A token's stored trades read longer ago are read again before a profile",
    )
    max_tapes_per_profile: int = Field(
        100,
        ge=0,
        le=10_000,
        description="Traded tokens whose trades one profile reads again (most recent first)",
    )
    denylist: list[SolanaAddress] = Field(
        default_factory=lambda: list(DEFAULT_DENYLIST),
        max_length=1_000,
        description="Addresses never kept (programs, pools, routers, exchange hot wallets)",
    )
