"""The profiler against the simulated market's hidden truth: does the score find the wallets
whose trades can still be copied after our latency, and keep bots and snipers out?

The world is the small scenario run for a whole day (24 h of history) with the default day's
30 smart wallets and 30 snipers: the 2 h small world has 8 smart wallets with a handful of
trades each, too few for a top-20 to mean anything. Swaps are built straight from the sim's
trade records (not through the normaliser); token launch slots, pool events and current prices
are what a real market publishes. Only the assertions read the truth, never the profiler.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.sim_market import (
    day_world,
    group,
    profile_all,
    sol_per_usdc,
    spearman,
    swaps_of,
    token_histories,
    utc,
)
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings

SEEDS = (7, 11)
BOT_LABELS = ("sniper", "wash")
TOP = 20


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
    price = sol_per_usdc(world)
    histories = token_histories(world, group(swaps, "token_mint"), price)
    everyone = profile_all(group(swaps, "wallet"), histories, price, now=utc(world.now_ms))
    # the wallets with enough trades to judge: `qualified` also leaves bots out now, and
    # these tests measure the bot flags on them
    min_trades = WalletProfileSettings().min_trades
    profiles = [p for p in everyone.values() if p.trades >= min_trades]
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
    # Scores shrink toward `score_prior` (below zero), not toward zero: the typical smart
    # wallet scores above that prior and the typical retail wallet below it (seeds 7/11:
    # -0.09/-0.16 and -0.49/-0.55 against -0.3; toward zero: smart above 0, retail below)
    assert smart > WalletProfileSettings().score_prior > retail


def test_bots_and_snipers_are_flagged(ranking: Ranking) -> None:
    bots = ranking.of(*BOT_LABELS)
    recall = sum(p.is_bot for p in bots) / len(bots)
    assert len(bots) >= 30
    assert recall >= 0.8
    # And no smart wallet is mistaken for a bot, and no flagged wallet is qualified
    assert not any(p.is_bot for p in ranking.of("smart"))
    assert not any(p.qualified for p in ranking.profiles if p.is_bot)


def test_the_top_20_is_mostly_smart_and_free_of_bots(ranking: Ranking) -> None:
    top = ranking.top(by_score)
    assert ranking.precision(by_score) >= 0.85
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
    # The per-buy gain cap trades some of the whole-ranking correlation (0.77/0.84 uncapped,
    # 0.70/0.80 capped on seeds 7/11) for out-of-sample precision@20 (bench/alpha.py)
    assert rho >= 0.65
    for baseline in ("realised PnL", "win rate"):
        assert precision > figures[baseline][0]
        assert rho > figures[baseline][1]
