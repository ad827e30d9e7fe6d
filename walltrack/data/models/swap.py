"""A wallet's swap as the product sees it: one side of one transaction, in exact UI units.

Shared by the normaliser (step 3 parser), the profiler (FIFO lots), webhook ingest (step 6)
and the `walltrack parse-helius` CLI, so every step agrees on what a swap is.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from walltrack.data.models.solana import QUOTE_SYMBOLS

SwapSide = Literal["buy", "sell", "swap"]


class Swap(BaseModel):
    """One wallet's net trade in one transaction.

    `side` is from the wallet's point of view: `buy` = quote out, token in; `sell` = token out,
    quote in; `swap` = token to token with no SOL/USDC leg (`quote_mint` is then the token paid).
    Amounts are positive decimals with the mint's decimals applied; the quote amount excludes
    the network fee, priority fee, tips and rent.
    """

    model_config = ConfigDict(frozen=True)

    signature: str
    wallet: str
    side: SwapSide
    token_mint: str
    token_amount: Decimal = Field(gt=0)
    quote_mint: str
    quote_amount: Decimal = Field(gt=0)
    source: str
    timestamp: datetime
    slot: int = Field(ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def quote_symbol(self) -> str | None:
        """SOL or USDC for a quoted trade (the dashboard's label), None for token-for-token."""
        return QUOTE_SYMBOLS.get(self.quote_mint)

    @property
    def price(self) -> Decimal:
        """Quote units paid or received per token unit."""
        return self.quote_amount / self.token_amount
