"""bench/api_load.py's arithmetic: percentiles, per-phase figures and the targets' verdict
(the load itself is measured by running the bench, never asserted here)."""

from __future__ import annotations

import importlib.util
import math
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_load", REPO_ROOT / "bench" / "api_load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("api_load", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _phase(*, rps: float, p99_ms: float, errors: int = 0) -> object:
    return bench.Phase(
        name="x",
        requests=1000,
        errors=errors,
        rps=rps,
        p50_ms=1.0,
        p99_ms=p99_ms,
        server_cpu=0.5,
        server_ms_per_request=1.0,
        postgres_ms_per_request=0.1,
    )


def test_percentiles_are_latencies_some_request_had() -> None:
    # Given 1..100 ms and a lone value
    values = [float(v) for v in range(1, 101)]
    # When p50 and p99 are taken by the nearest rank
    # Then they are the 50th and 99th values, and one value is every percentile of itself
    assert bench.percentile(values, 50) == 50.0
    assert bench.percentile(values, 99) == 99.0
    assert bench.percentile(values[:10], 99) == 10.0
    assert bench.percentile([7.0], 1) == 7.0
    assert math.isnan(bench.percentile([], 99))


def test_a_phase_counts_failed_requests_in_its_cpu_per_request() -> None:
    # Given 4 answered requests in 2 s, one failure, and 0.5 s (server) + 0.1 s (Postgres) CPU
    phase = bench.phase_of("GET /x", [0.004, 0.001, 0.003, 0.002], 1, 2.0, (0.5, 0.1))
    # Then requests/s counts answers, latencies are in ms, CPU is per request sent
    assert phase.requests == 4
    assert phase.rps == 2.0
    assert phase.p50_ms == pytest.approx(2.0)
    assert phase.p99_ms == pytest.approx(4.0)
    assert phase.server_cpu == pytest.approx(0.25)
    assert phase.server_ms_per_request == pytest.approx(100.0)
    assert phase.postgres_ms_per_request == pytest.approx(20.0)


def test_the_median_round_is_taken_figure_by_figure() -> None:
    # Given three rounds of one endpoint
    rounds = [_phase(rps=r, p99_ms=p) for r, p in ((100, 9.0), (300, 1.0), (200, 5.0))]
    # When they are combined
    combined = bench.median_phase(rounds)
    # Then each figure is its own median and the requests add up
    assert (combined.rps, combined.p99_ms, combined.requests) == (200, 5.0, 3000)


@pytest.mark.parametrize(
    ("rps", "p99_ms", "errors", "met"),
    [
        (500.0, 40.0, 0, True),  # exactly half the throughput, exactly 4× the p99
        (499.0, 10.0, 0, False),  # below half the throughput
        (900.0, 41.0, 0, False),  # p99 above 4×
        (900.0, 10.0, 1, False),  # a failed request
    ],
)
def test_targets_are_half_the_bare_throughput_and_four_times_its_p99(
    rps: float, p99_ms: float, errors: int, met: bool
) -> None:
    # Given the bare endpoint at 1,000 requests/s with a 10 ms p99
    bare = _phase(rps=1000.0, p99_ms=10.0)
    # When an endpoint is judged against it
    share, factor, ok = bench.verdict(_phase(rps=rps, p99_ms=p99_ms, errors=errors), bare)
    # Then its share and factor are the ratios, and the verdict follows the targets
    assert share == pytest.approx(rps / 1000.0)
    assert factor == pytest.approx(p99_ms / 10.0)
    assert ok is met
