"""Helius enhanced transactions (read into `EnhancedTx` views by the Helius reader) → `Swap`s,
from the trader's balance flows, not Helius' labels.

Why balances: `type`/`source` are often wrong and `events.swap` is often empty or names the
pool (reference helius-swaps.md), so `events` is ignored and `source` is only copied through.

Which wallet trades:
- With `wallets` (the watched set, as webhook ingest has it): every one of them whose non-quote
  token balance changed; several wallets in one transaction give one swap each.
- Without: one trader per transaction, the fee payer if its non-quote tokens changed; otherwise
  a relayer paid the fee and the trader is the first owner with such a change in `accountData`
  order (message key order, signers first: the trader precedes the pool that mirrors its trade).
  A bundle that trades for several wallets yields only that first one; pass `wallets` for all.

What a trade is, per wallet (net of the whole transaction, so multi-hop routes collapse to the
wallet's net in and out and intermediate tokens held by the router drop out):
- Assets: each non-WSOL mint's net change, and SOL = native + WSOL change with the network fee,
  Jito tips and the rent of the wallet's own token accounts taken out (`flows.sol_change`).
- A SOL leg of at most two token-account rents (0.00407856 SOL) is ignored when another asset
  moves the same way: it is rent for some other account, not a price.
- Exactly one asset paid and one received is a trade: token for SOL/USDC = `buy`, SOL/USDC for
  token = `sell`, token for token = `swap` with `quote_mint` the token paid. SOL↔USDC, transfers,
  airdrops, LP deposits/withdrawals (two assets one way) and failed transactions give nothing.
- USDT is a token, not a quote (the shared `QUOTE_MINTS`: SOL and USDC).

Limits: bot and platform fees paid in SOL to unknown wallets stay in the quote amount. A trimmed
`accountData` (some webhook bodies) loses what only balances show: without the wallet's row,
SOL a program moved directly (pump.fun sell proceeds) is invisible, so such a sell gives nothing
rather than a wrong price; without the row of a token account the sell closed, its rent refund
(0.00203928 SOL) is counted as proceeds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Context, Decimal, localcontext

from pydantic import ValidationError

from walltrack.core.swaps.flows import SOL_DECIMALS, Deltas, sol_change, token_deltas, traders
from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.solana import QUOTE_MINTS, SOL_MINT
from walltrack.data.models.swap import Swap, SwapSide

ATA_RENT_LAMPORTS = 2_039_280
RENT_DUST = Decimal(2 * ATA_RENT_LAMPORTS).scaleb(-SOL_DECIMALS)
_EXACT = Context(prec=800)
"""Wide enough that sums of u64 amounts with up to 255 decimals never round."""


def normalize_transaction(
    view: EnhancedTx, *, wallets: Collection[str] | None = None
) -> list[Swap]:
    """The swaps of one enhanced transaction (zero or more)."""
    if view.failed:
        return []
    with localcontext(_EXACT):
        deltas = token_deltas(view)
        swaps = []
        for wallet in traders(view, deltas, wallets):
            assets = dict(deltas.get(wallet, {}))
            sol = sol_change(view, wallet)
            if sol:
                assets[SOL_MINT] = sol
            swap = _classify(view, wallet, assets)
            if swap is not None:
                swaps.append(swap)
    return swaps


def normalize_many(
    views: Iterable[EnhancedTx], *, wallets: Collection[str] | None = None
) -> list[Swap]:
    """The swaps of every transaction, in input order."""
    return [swap for view in views for swap in normalize_transaction(view, wallets=wallets)]


def _classify(tx: EnhancedTx, wallet: str, assets: Deltas) -> Swap | None:
    paid = {mint: -d for mint, d in assets.items() if d < 0}
    got = {mint: d for mint, d in assets.items() if d > 0}
    for legs in (paid, got):
        if SOL_MINT in legs and len(legs) > 1 and legs[SOL_MINT] <= RENT_DUST:
            del legs[SOL_MINT]
    if len(paid) != 1 or len(got) != 1:
        return None
    (paid_mint, paid_amount), (got_mint, got_amount) = *paid.items(), *got.items()
    side: SwapSide
    if paid_mint in QUOTE_MINTS and got_mint in QUOTE_MINTS:
        return None  # SOL <-> USDC is a conversion, not a token trade
    if paid_mint in QUOTE_MINTS:
        side, token, quote = "buy", (got_mint, got_amount), (paid_mint, paid_amount)
    elif got_mint in QUOTE_MINTS:
        side, token, quote = "sell", (paid_mint, paid_amount), (got_mint, got_amount)
    else:
        side, token, quote = "swap", (got_mint, got_amount), (paid_mint, paid_amount)
    try:
        return Swap(
            signature=tx.signature,
            wallet=wallet,
            side=side,
            token_mint=token[0],
            token_amount=token[1],
            quote_mint=quote[0],
            quote_amount=quote[1],
            source=tx.source,
            timestamp=tx.timestamp,
            slot=tx.slot,
        )
    except ValidationError as exc:  # pragma: no cover - the reader's checks make this unreachable
        raise AssertionError(f"swap fields rejected: {exc.errors()[0]['msg']}") from exc
