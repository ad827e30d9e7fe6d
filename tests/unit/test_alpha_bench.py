"""bench/alpha.py's analysis output: the precision@20 ceiling and how a top-20 miss is named
(the figures themselves are measured by running the bench)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType, SimpleNamespace

import pytest

from tests.conftest import REPO_ROOT


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
