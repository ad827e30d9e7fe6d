"""Scenarios by name, for the CLI (``--scenario``) and the calibration report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sim.world import Scenario


def bench_scenario(seed: int) -> Scenario:
    """The world ``bench/alpha.py`` runs on (``tests/support/sim_market.day_scenario``): the
    small scenario over a day with the default day's 30 smart wallets and 30 snipers."""
    return dataclasses.replace(
        Scenario.small(seed=seed), history_hours=24.0, n_smart=30, n_snipers=30
    )


def calibrated_small(seed: int) -> Scenario:
    """The calibrated market scaled down for browser tests, and what it scales down: its
    wallets to a tenth (the same mix: ~1 % smart, snipers, wash and copy bots, 4 insider
    clusters), 2 h of history (``--history-hours`` lengthens it) and, dense, 20 % of launches
    graduating instead of 1 % (runners first, then farms), so a short world has pools."""
    return dataclasses.replace(
        Scenario.calibrated(seed=seed),
        history_hours=2.0,
        live_hours=2.0,
        n_retail=860,
        n_usdc_retail=10,
        n_smart=10,
        n_snipers=15,
        n_wash=25,
        n_copy=30,
        n_clusters=4,
        graduation_share=0.2,
    )


SCENARIOS: dict[str, Callable[[int], Scenario]] = {
    "default": lambda seed: Scenario(seed=seed),
    "small": Scenario.small,
    "bench": bench_scenario,
    "calibrated": Scenario.calibrated,
    "calibrated-small": calibrated_small,
}


def named_scenario(name: str, seed: int) -> Scenario:
    """The scenario called ``name`` for ``seed`` (``SCENARIOS`` lists the names)."""
    try:
        make = SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"unknown scenario {name!r}; known: {known}") from None
    return make(seed)
