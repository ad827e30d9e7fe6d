"""The calibrated world speaks the same API shapes as the classic one (its copy bots, snipes and
informed bursts are rendered by the same renderer)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest

from sim.render import Renderer
from sim.world import Scenario, build_world
from tests.unit.sim.conftest import load_fixture
from tests.unit.sim.shapes import shape_errors
from tests.unit.sim.test_render import _fixture_for


@pytest.mark.slow
def test_every_calibrated_transaction_kind_matches_its_fixture_and_balances() -> None:
    # Given three hours of the calibrated scenario
    world = build_world(dataclasses.replace(Scenario.calibrated(5), history_hours=3.0))
    renderer = Renderer(world)
    seen: dict[tuple[object, object, object], int] = defaultdict(int)
    for tx_id in range(world.n_tx()):
        # When each transaction is rendered as Helius would
        tx = renderer.enhanced(tx_id)
        # Then the fee invariant of the fixtures holds
        assert sum(a["nativeBalanceChange"] for a in tx["accountData"]) == -tx["fee"]
        key = (tx["type"], tx["source"], world.role[world.t_wallet[tx_id]])
        seen[key] += 1
        if seen[key] <= 20:
            # and keys and value types agree with the fixture of its kind
            errors = shape_errors(tx, load_fixture(_fixture_for(tx)))
            assert not errors, (key, errors[:5])
    # and copy bots, snipers and wash bots all traded on the curve
    traders = {role for (_, source, role) in seen if source == "PUMP_FUN"}
    assert {"copy", "sniper", "wash", "smart", "insider", "retail"} <= traders
