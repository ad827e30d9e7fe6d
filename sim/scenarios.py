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


SCENARIOS: dict[str, Callable[[int], Scenario]] = {
    "default": lambda seed: Scenario(seed=seed),
    "small": Scenario.small,
    "bench": bench_scenario,
    "calibrated": Scenario.calibrated,
}


def named_scenario(name: str, seed: int) -> Scenario:
    """The scenario called ``name`` for ``seed`` (``SCENARIOS`` lists the names)."""
    try:
        make = SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"unknown scenario {name!r}; known: {known}") from None
    return make(seed)
