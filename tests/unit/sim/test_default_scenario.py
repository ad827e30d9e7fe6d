"""The acceptance-size day: sizes and generation time (slow; run with ``-m slow``)."""

from __future__ import annotations

import time

import pytest

from sim.world import Scenario, build_world


@pytest.mark.slow
def test_default_day_is_big_enough_and_fast_enough() -> None:
    # Given the default scenario
    started = time.perf_counter()
    # When one day of history is fast-forwarded
    world = build_world(Scenario(seed=1))
    elapsed = time.perf_counter() - started
    counts = world.counts()
    sizes = [len(c) for c in world.clusters]
    # Then it meets the acceptance sizes within 60 s
    assert elapsed <= 60
    assert counts["tokens"] >= 300
    assert counts["wallets"] >= 10_000
    assert counts["smart"] >= 20
    assert counts["clusters"] >= 5
    assert min(sizes) >= 3
    assert max(sizes) <= 12
    assert counts["swaps"] >= 500_000
