"""Benchmark: fast-forward the default sim scenario (one day) and report sizes and time.

Acceptance: >= 300 tokens, >= 10,000 wallets (>= 20 smart, >= 5 clusters of 3-12), >= 500,000 swaps
in <= 60 s on the 2-core dev machine.  Run: ``.venv/bin/python bench/sim_generate.py [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
import time

from sim.world import Scenario, build_world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    world = build_world(Scenario(seed=args.seed))
    elapsed = time.perf_counter() - started
    counts = world.counts()
    sizes = [len(c) for c in world.clusters]
    report = {
        "seconds": round(elapsed, 2),
        **counts,
        "clusterSizes": [min(sizes), max(sizes)],
        "swapsPerSecond": round(counts["swaps"] / elapsed),
    }
    print(json.dumps(report, indent=2))
    ok = (
        elapsed <= 60
        and counts["tokens"] >= 300
        and counts["wallets"] >= 10_000
        and counts["smart"] >= 20
        and counts["clusters"] >= 5
        and min(sizes) >= 3
        and max(sizes) <= 12
        and counts["swaps"] >= 500_000
    )
    print("PASS" if ok else "FAIL")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
