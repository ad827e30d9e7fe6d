"""Benchmark: p50/p95 latency of a 100-transaction Helius history page over loopback.

Acceptance: p50 <= 10 ms.  Run: ``.venv/bin/python bench/sim_serve.py [--small] [--n 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import httpx

from sim.server import SimConfig, SimServer
from sim.world import Scenario, build_world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="use the small scenario (quick check)")
    parser.add_argument("--n", type=int, default=300, help="requests to time")
    args = parser.parse_args()
    world = build_world(Scenario.small() if args.small else Scenario())
    busy = sorted(world.tx_index, key=lambda e: -len(world.tx_index[e]))
    wallets = [
        world.addr[e]
        for e in busy
        if world.role[e] in ("retail", "wash", "sniper", "smart") and len(world.tx_index[e]) >= 100
    ][:50]
    with (
        SimServer(world, SimConfig(speed=0.0)) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        timings = []
        for i in range(args.n + 20):
            wallet = wallets[i % len(wallets)]
            started = time.perf_counter()
            resp = client.get(
                f"/v0/addresses/{wallet}/transactions", params={"api-key": "sim-key", "limit": 100}
            )
            elapsed = time.perf_counter() - started
            assert resp.status_code == 200
            assert len(resp.json()) == 100
            if i >= 20:  # warm-up excluded
                timings.append(elapsed * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    report = {
        "requests": len(timings),
        "p50_ms": round(p50, 2),
        "p95_ms": round(timings[int(len(timings) * 0.95)], 2),
        "max_ms": round(timings[-1], 2),
    }
    print(json.dumps(report, indent=2))
    print("PASS" if p50 <= 10 else "FAIL")
    raise SystemExit(0 if p50 <= 10 else 1)


if __name__ == "__main__":
    main()
