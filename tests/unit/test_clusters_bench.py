"""bench/clusters.py's arithmetic: the adjusted Rand index and pairwise scores on textbook
examples (the owners' figures themselves are measured by running the bench)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clusters", REPO_ROOT / "bench" / "clusters.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("clusters_bench", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def labels(values: list[int]) -> dict[str, str]:
    return {f"item{i}": str(v) for i, v in enumerate(values)}


@pytest.mark.parametrize(
    ("predicted", "actual", "expected"),
    [
        # scikit-learn's documented examples (adjusted_rand_score), worked by hand:
        ([0, 0, 1, 1], [0, 0, 1, 1], 1.0),  # identical partitions
        ([1, 1, 0, 0], [0, 0, 1, 1], 1.0),  # label names do not matter
        ([0, 0, 1, 2], [0, 0, 1, 1], 4 / 7),  # index 1, expected 1/3, max 3/2
        ([0, 0, 1, 1], [0, 1, 0, 1], -0.5),  # discordant: below chance
        ([0, 0, 0, 0], [0, 1, 2, 3], 0.0),  # one cluster vs all alone
    ],
)
def test_the_adjusted_rand_index_of_textbook_partitions(
    predicted: list[int], actual: list[int], expected: float
) -> None:
    # Given two partitions of the same items / When compared
    found = bench.adjusted_rand_index(labels(predicted), labels(actual))
    # Then the index is the textbook's
    assert found == pytest.approx(expected)


def test_pairwise_precision_and_recall_of_same_owner() -> None:
    # Given predicted {a,b,c} {d} against actual {a,b} {c,d}
    predicted = {"a": "1", "b": "1", "c": "1", "d": "2"}
    actual = {"a": "x", "b": "x", "c": "y", "d": "y"}
    # When scored / Then 1 of 3 predicted pairs is right and 1 of 2 actual pairs is found
    precision, recall, pairs = bench.pair_scores(predicted, actual)
    assert (precision, recall, pairs) == (pytest.approx(1 / 3), 0.5, 3)


def test_partitions_of_different_items_are_refused() -> None:
    with pytest.raises(ValueError, match="same items"):
        bench.adjusted_rand_index({"a": "1"}, {"b": "1"})
