"""A small fast-forwarded world shared by the sim unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sim.world import Scenario, World, build_world

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "fixtures"


@pytest.fixture(scope="session")
def small_world() -> World:
    """Two hours of history of the small scenario (about a second to build)."""
    return build_world(Scenario.small(seed=7))


def load_fixture(name: str) -> Any:
    """A reference fixture by relative path, e.g. ``helius/enhanced_tx_failed.json``."""
    return json.loads((FIXTURES / name).read_text())
