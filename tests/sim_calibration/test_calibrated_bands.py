"""The calibrated scenario stays within the real market's bands (``python -m sim calibrate``).

Slow (a simulated day per seed, ~5-10 s each): outside the unit tier, run by ``make test`` and
on its own by ``make calibration``.
"""

from __future__ import annotations

import pytest

from sim.calibrated import COPY_LATENCIES_MS
from sim.calibration import format_table, report
from sim.world import Scenario, build_world


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_calibration_figure_is_within_its_band(seed: int) -> None:
    # Given the calibrated scenario's day for this seed
    world = build_world(Scenario.calibrated(seed))
    # When the calibration report measures it
    table = report(world)
    # Then every row is within its market band
    out = [row for row in table if not row.ok]
    assert not out, format_table(table, title=f"seed {seed}: {len(out)} rows out of band")


@pytest.mark.slow
def test_truth_carries_copy_edge_by_latency_and_some_smart_wallets_are_copyable_late() -> None:
    # Given the calibrated day / When its truth is read
    truth = build_world(Scenario.calibrated(1)).truth()
    smart = [w for w in truth["wallets"] if w["label"] == "smart"]
    copy_bots = [w for w in truth["wallets"] if w["label"] == "copy"]
    # Then every smart wallet has an edge per latency and a copyable-at list
    assert smart
    assert all(set(w["copyEdgeByLatencyMs"]) == {str(x) for x in COPY_LATENCIES_MS} for w in smart)
    at_3s = [w for w in smart if 3_000 in w["copyableAtMs"]]
    at_1slot = [w for w in smart if 400 in w["copyableAtMs"]]
    # and some are copyable at the product's 3 s, fewer than at one slot (edges decay)
    assert 0 < len(at_3s) < len(at_1slot) < len(smart)
    # and the copy bots follow smart wallets and every launch has an archetype
    smart_addresses = {w["address"] for w in smart}
    assert copy_bots
    assert all(set(bot["follows"]) <= smart_addresses for bot in copy_bots)
    assert {t["archetype"] for t in truth["tokens"]} >= {
        "runner",
        "pump_dump",
        "farm",
        "no_traction",
    }
