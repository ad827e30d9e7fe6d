"""The unit tier stays fast: a test marked `slow` belongs in tests/integration."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    misplaced = [
        item.nodeid
        for item in items
        if item.get_closest_marker("slow") and "tests/unit/" in item.nodeid.replace("\\", "/")
    ]
    if misplaced:
        raise pytest.UsageError(
            "slow tests belong in tests/integration, not the unit tier: " + ", ".join(misplaced)
        )
