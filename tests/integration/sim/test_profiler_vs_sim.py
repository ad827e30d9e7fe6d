"""The profiler against the simulated market's hidden truth: does the score find the wallets
whose trades can still be copied after our latency, and keep bots and snipers out?

The world is the small scenario run for a whole day (24 h of history) with the default day's
30 smart wallets and 30 snipers: the 2 h small world has 8 smart wallets with a handful of
trades each, too few for a top-20 to mean anything. Swaps are built straight from the sim's
trade records (not through the normaliser); token launch slots, pool events and current prices
are what a real market publishes. Only the assertions read the truth, never the profiler.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from sim.chain import USDC_MINT as SIM_USDC_MINT
from sim.chain import slot_at
from sim.world import F_MULTIHOP, SWAP, Scenario, World, build_world
from walltrack.core.discovery.profiler import MarketContext, TokenHistory, profile_wallet
from walltrack.data.models.swap import SOL_MINT, USDC_MINT, Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings

SEEDS = (7, 11)
BOT_LABELS = ("sniper", "wash")
TOP = 20


def day_world(seed: int) -> World:
    scenario = dataclasses.replace(
        Scenario.small(seed=seed), history_hours=24.0, n_smart=30, n_snipers=30
    )
    return build_world(scenario)


def swaps_of(world: World) -> list[Swap]:
    """Every executed swap as the product's `Swap` (USDC-pool trades quoted in USDC)."""
    swaps = []
    for tx in range(world.n_tx()):
        if world.t_kind[tx] != SWAP or world.t_token[tx] <= 0:
            continue
        token = world.tokens[world.t_token[tx]]
        pool = world.pools[world.t_pool[tx]]
        buy = world.t_side[tx] == 0
        in_usdc = pool.quote_mint == SIM_USDC_MINT and not world.t_flags[tx] & F_MULTIHOP
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
                timestamp=datetime.fromtimestamp(ts / 1000, tz=UTC),
                slot=slot_at(ts),
            )
        )
    return swaps


def token_histories(
    world: World, by_token: dict[str, list[Swap]], sol_per_usdc: Decimal
) -> dict[str, TokenHistory]:
    """Per token: its prints, launch slot, pool-event slots and current quote (all public)."""
    histories = {}
    for mint, swaps in by_token.items():
        token = world.tokens[world.by_mint[mint]]
        events = [slot_at(world.pools[p].created_ms) for p in token.pools[1:]]
        if token.graduated_ms is not None:
            events.append(slot_at(token.graduated_ms))
        active = world.pools[token.active_pool].active
        histories[mint] = TokenHistory.from_swaps(
            mint,
            swaps,
            sol_per_usdc=sol_per_usdc,
            launch_slot=slot_at(token.created_ms) if token.is_pump else None,
            pool_event_slots=events if token.is_pump else (),
            current_price_sol=Decimal(repr(world.token_price_sol(token.idx)))
            if active
            else Decimal(0),
        )
    return histories


@dataclass(frozen=True)
class Ranking:
    seed: int
    profiles: list[WalletProfile]
    label: dict[str, str]
    truth_edge: dict[str, float | None]

    def of(self, *labels: str) -> list[WalletProfile]:
        return [p for p in self.profiles if self.label[p.wallet] in labels]

    def top(self, key: Callable[[WalletProfile], float]) -> list[WalletProfile]:
        return sorted(self.profiles, key=key, reverse=True)[:TOP]

    def precision(self, key: Callable[[WalletProfile], float]) -> float:
        return sum(self.label[p.wallet] == "smart" for p in self.top(key)) / TOP

    def spearman(self, key: Callable[[WalletProfile], float]) -> float:
        known = [p for p in self.profiles if self.truth_edge[p.wallet] is not None]
        return spearman([key(p) for p in known], [self.truth_edge[p.wallet] or 0.0 for p in known])


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


def by_score(p: WalletProfile) -> float:
    return p.score


def by_realised_pnl(p: WalletProfile) -> float:
    return float(p.realised_pnl_sol)


def by_win_rate(p: WalletProfile) -> float:
    return p.win_rate or 0.0


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def ranking(request: pytest.FixtureRequest) -> Ranking:
    world = day_world(request.param)
    swaps = swaps_of(world)
    by_token: dict[str, list[Swap]] = defaultdict(list)
    by_wallet: dict[str, list[Swap]] = defaultdict(list)
    for s in swaps:
        by_token[s.token_mint].append(s)
        by_wallet[s.wallet].append(s)
    sol_per_usdc = Decimal(repr(1 / world.sol_usd()))
    histories = token_histories(world, by_token, sol_per_usdc)
    now = datetime.fromtimestamp(world.now_ms / 1000, tz=UTC)
    settings = WalletProfileSettings()
    profiles = []
    for wallet, own in by_wallet.items():
        market = MarketContext(
            tokens={s.token_mint: histories[s.token_mint] for s in own}, sol_per_usdc=sol_per_usdc
        )
        profile = profile_wallet(
            wallet=wallet, swaps=own, market=market, settings=settings, now=now, partial=False
        )
        if profile.qualified:
            profiles.append(profile)
    truth: dict[str, dict[str, Any]] = {w["address"]: w for w in world.truth()["wallets"]}
    labelled = [p for p in profiles if p.wallet in truth]  # devs are not agents with a label
    return Ranking(
        seed=request.param,
        profiles=labelled,
        label={a: w["label"] for a, w in truth.items()},
        truth_edge={a: w["copyableEdge"] for a, w in truth.items()},
    )


def test_smart_wallets_score_above_retail(ranking: Ranking) -> None:
    smart = statistics.median(p.score for p in ranking.of("smart"))
    retail = statistics.median(p.score for p in ranking.of("retail"))
    assert smart > 0 > retail


def test_bots_and_snipers_are_flagged(ranking: Ranking) -> None:
    bots = ranking.of(*BOT_LABELS)
    recall = sum(p.is_bot for p in bots) / len(bots)
    assert len(bots) >= 30
    assert recall >= 0.8
    # And no smart wallet is mistaken for a bot
    assert not any(p.is_bot for p in ranking.of("smart"))


def test_the_top_20_is_mostly_smart_and_free_of_bots(ranking: Ranking) -> None:
    top = ranking.top(by_score)
    assert ranking.precision(by_score) >= 0.6
    assert not any(ranking.label[p.wallet] in BOT_LABELS for p in top)


def test_the_score_beats_ranking_by_pnl_or_win_rate(ranking: Ranking) -> None:
    figures = {
        name: (ranking.precision(key), ranking.spearman(key))
        for name, key in (
            ("score", by_score),
            ("realised PnL", by_realised_pnl),
            ("win rate", by_win_rate),
        )
    }
    bots = ranking.of(*BOT_LABELS)
    recall = sum(p.is_bot for p in bots) / len(bots)
    lines = [
        f"seed {ranking.seed}: {len(ranking.profiles)} wallets profiled, bot recall {recall:.2f}"
    ]
    lines += [f"  {n:<12} precision@20 {p:.2f}  spearman {r:+.3f}" for n, (p, r) in figures.items()]
    print("\n".join(lines))  # noqa: T201 - the figures are the report (-s to see them)
    precision, rho = figures["score"]
    assert rho >= 0.5
    for baseline in ("realised PnL", "win rate"):
        assert precision > figures[baseline][0]
        assert rho > figures[baseline][1]
