"""The simulated market as the profiler sees it: executed swaps as the product's `Swap`s and,
per token, the public tape (prints, launch and pool-event slots, current quote).

Shared by `tests/integration/sim/test_profiler_vs_sim.py` and `bench/alpha.py`. Swaps are built
straight from the sim's trade records (not through the normaliser, which has its own test);
only what a real market publishes goes into a `PriceTape`, so the profiler never sees the
truth. `cutoff_ms` gives the market as it stood at that moment: prints, launches and pool events
after it are left out, and the current quote is the last print before it.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sim.chain import USDC_MINT as SIM_USDC_MINT
from sim.chain import slot_at
from sim.render import Renderer
from sim.world import FLAG_MULTIHOP, SWAP, Scenario, World, build_world
from walltrack.app.swaps import parse_transaction
from walltrack.core.discovery.profiler import MarketContext, PriceTape, profile_wallet
from walltrack.data.models.solana import SOL_MINT, USDC_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings


def day_scenario(seed: int, *, hours: float = 24.0) -> Scenario:
    """The small scenario over a day (default) with the default day's 30 smart wallets and
    30 snipers: the 2 h small world has too few smart trades for a top-20 to mean anything."""
    return dataclasses.replace(
        Scenario.small(seed=seed), history_hours=hours, n_smart=30, n_snipers=30
    )


def day_world(seed: int, *, hours: float = 24.0, until_ms: int | None = None) -> World:
    """`day_scenario` fast-forwarded to `until_ms` (default: the end of its history)."""
    return build_world(day_scenario(seed, hours=hours), until_ms=until_ms)


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def sol_per_usdc(world: World) -> Decimal:
    """The SOL/USDC pool's price at the world's now."""
    return Decimal(repr(1 / world.sol_usd()))


def swaps_of(world: World) -> list[Swap]:
    """Every executed swap as the product's `Swap` (USDC-pool trades quoted in USDC)."""
    swaps = []
    for tx in range(world.n_tx()):
        if world.t_kind[tx] != SWAP or world.t_token[tx] <= 0:
            continue
        token = world.tokens[world.t_token[tx]]
        pool = world.pools[world.t_pool[tx]]
        buy = world.t_side[tx] == 0
        in_usdc = pool.quote_mint == SIM_USDC_MINT and not world.t_flags[tx] & FLAG_MULTIHOP
        token_raw, quote_raw = (
            (world.t_out[tx], world.t_in[tx]) if buy else (world.t_in[tx], world.t_out[tx])
        )
        if token_raw <= 0 or quote_raw <= 0:
            continue
        ts = world.t_ts[tx]
        swaps.append(
            Swap(
                signature=world.sigs.encode(tx),
                wallet=world.addr[world.t_wallet[tx]],
                side="buy" if buy else "sell",
                token_mint=token.mint,
                token_amount=Decimal(token_raw).scaleb(-token.decimals),
                quote_mint=USDC_MINT if in_usdc else SOL_MINT,
                quote_amount=Decimal(quote_raw).scaleb(-6 if in_usdc else -9),
                source=pool.venue,
                timestamp=utc(ts),
                slot=slot_at(ts),
            )
        )
    return swaps


def parsed_swaps_of(world: World) -> list[Swap]:
    """Every swap the product's parser finds in the world's rendered enhanced transactions (one
    trader per transaction, as wallet discovery reads a token's history): what the product
    would see, where `swaps_of` is what the market knows happened."""
    renderer = Renderer(world)
    return [swap for tx in range(world.n_tx()) for swap in parse_transaction(renderer.enhanced(tx))]


def group(swaps: Iterable[Swap], key: str) -> dict[str, list[Swap]]:
    """Swaps by `token_mint` or `wallet`, each list in input order."""
    out: dict[str, list[Swap]] = defaultdict(list)
    for s in swaps:
        out[getattr(s, key)].append(s)
    return dict(out)


def token_histories(
    world: World,
    by_token: Mapping[str, Sequence[Swap]],
    sol_per_usdc: Decimal,
    *,
    cutoff_ms: int | None = None,
) -> dict[str, PriceTape]:
    """Per token: its prints, launch slot, pool-event slots and current quote (all public).

    Without a cutoff the quote is the world's current price (0 when the market is gone); with
    one, events after the cutoff are dropped and the quote is the last print (`by_token` must
    hold only swaps before the cutoff).
    """
    histories = {}
    for mint, swaps in by_token.items():
        token = world.tokens[world.by_mint[mint]]
        events_ms = [world.pools[p].created_ms for p in token.pools[1:]]
        if token.graduated_ms is not None:
            events_ms.append(token.graduated_ms)
        if cutoff_ms is not None:
            events_ms = [ms for ms in events_ms if ms <= cutoff_ms]
        history = PriceTape.from_swaps(
            mint,
            swaps,
            sol_per_usdc=sol_per_usdc,
            launch_slot=slot_at(token.created_ms) if token.is_pump else None,
            pool_event_slots=[slot_at(ms) for ms in events_ms] if token.is_pump else (),
        )
        quote: Decimal | None
        if cutoff_ms is None:
            active = world.pools[token.active_pool].active
            quote = Decimal(repr(world.token_price_sol(token.idx))) if active else Decimal(0)
        else:
            quote = history.prices[-1] if history.prices else None
        histories[mint] = dataclasses.replace(history, current_price_sol=quote)
    return histories


def profile_all(
    by_wallet: Mapping[str, Sequence[Swap]],
    histories: Mapping[str, PriceTape],
    sol_per_usdc: Decimal,
    *,
    now: datetime,
    settings: WalletProfileSettings | None = None,
) -> dict[str, WalletProfile]:
    """Every wallet's profile at `now`, each against the tapes of the tokens it traded."""
    settings = settings or WalletProfileSettings()
    profiles = {}
    for wallet, own in by_wallet.items():
        market = MarketContext(
            tokens={s.token_mint: histories[s.token_mint] for s in own}, sol_per_usdc=sol_per_usdc
        )
        profiles[wallet] = profile_wallet(
            wallet=wallet, swaps=own, market=market, settings=settings, now=now, partial=False
        )
    return profiles


def _ranks(values: Sequence[float]) -> list[float]:
    """Average ranks (ties share the mean of their positions)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rho: Pearson's correlation of the average ranks (scipy is not installed)."""
    return statistics.correlation(_ranks(xs), _ranks(ys))
