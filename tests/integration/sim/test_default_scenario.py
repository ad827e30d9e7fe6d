"""The acceptance-size day has the acceptance sizes (its generation time is measured by
``bench/sim_generate.py``, never asserted here)."""

from __future__ import annotations

import pytest

from sim.world import Scenario, build_world


@pytest.mark.slow
def test_default_day_is_big_enough() -> None:
    # Given the default scenario / When one day of history is fast-forwarded
    world = build_world(Scenario(seed=1))
    counts = world.counts()
    sizes = [len(c) for c in world.clusters]
    # Then it meets the acceptance sizes
    assert counts["tokens"] >= 300
    assert counts["wallets"] >= 10_000
    assert counts["smart"] >= 20
    assert counts["clusters"] >= 5
    assert min(sizes) >= 3
    assert max(sizes) <= 12
    assert counts["swaps"] >= 500_000
