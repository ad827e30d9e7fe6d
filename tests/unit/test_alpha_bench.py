"""bench/alpha.py's analysis output: the precision@20 ceiling and how a top-20 miss is named
(the figures themselves are measured by running the bench)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from types import ModuleType, SimpleNamespace

import pytest

from sim.world import Scenario, build_world
from tests.conftest import REPO_ROOT
from walltrack.data.models.wallet_settings import WalletProfileSettings


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("alpha_bench", REPO_ROOT / "bench" / "alpha.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("alpha_bench", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.mark.parametrize(("qualified", "ceiling"), [(0, 0.0), (14, 0.70), (20, 1.0), (31, 1.0)])
def test_the_ceiling_is_what_a_perfect_ranking_of_the_qualified_reaches(
    qualified: int, ceiling: float
) -> None:
    # Given a seed where `qualified` copyable smart wallets passed qualification
    outcome = SimpleNamespace(copyable_qualified=qualified)
    # When the ceiling is read
    # Then it is the share of the top 20 they could fill at best
    assert bench.Outcome.ceiling.fget(outcome) == pytest.approx(ceiling)


def test_a_miss_is_named_by_what_the_truth_says_it_is() -> None:
    # Given labels and the set of smart wallets copyable at 3 s
    label = {"A": "smart", "B": "smart", "C": "retail"}
    copyable = {"A"}
    # When each wallet is named
    names = [bench._kind(a, label, copyable) for a in ("A", "B", "C", "D")]
    # Then a smart wallet whose edge does not survive our latency is named apart from a hit
    assert names == ["copyable smart", "smart not copyable at 3 s", "retail", "?"]


def test_the_per_buy_copy_pnl_adds_up_to_each_wallets_second_half_replay() -> None:
    # Given a small world played to its end, split at its midpoint, and its busiest wallets
    world = build_world(Scenario.small(seed=7))
    mid_ms = (world.start_ms + world.now_ms) // 2
    midpoint = bench.utc(mid_ms)
    later = [s for s in bench.swaps_of(world) if s.timestamp >= midpoint]
    busiest = [w for w, _ in Counter(s.wallet for s in later).most_common(8)]
    settings = WalletProfileSettings()
    # When each copied buy's PnL is read apart, and each wallet's replay as a whole
    per_buy = bench.copy_pnl_per_buy(world, busiest, mid_ms, settings)
    whole = bench.second_half_pnl(world, busiest, mid_ms, settings)
    # Then a wallet's buys add up to its whole replay (sales and marked open lots, less costs)
    signatures = {(s.signature, s.token_mint): s.wallet for s in later}
    copied = Counter(signatures[key] for key in per_buy)
    assert sum(copied.values()) > 10
    for wallet in busiest:
        mine = sum(v for key, v in per_buy.items() if signatures[key] == wallet)
        assert mine == pytest.approx(whole[wallet], abs=1e-9), wallet
