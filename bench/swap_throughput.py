"""Benchmark: step 3's hot paths, the swap parser and the FIFO PnL.

Parser: every transaction of a simulated world (swaps with their bot fees, tips and venue
fees, transfers, failed, wraps, liquidity pulls, airdrop claims, NFT trades, SOL → X → USDC
routes, in the mix the world produced) is rendered as a Helius enhanced transaction (as the API
serves it: full, with its instructions) and put through a JSON round trip beforehand, so only
`parse_transaction` (read + normalise) on parsed JSON is timed.
Target >= 20,000 transactions/s.

CLI: `walltrack parse-helius` on a file of 40,000 transactions of the simulated day (every
transaction in turn, up to 40,000), against a plain `json.load` of the same file, each in a
fresh interpreter (start-up included in both). Target: CLI time <= 1.5 x `json.load` time with
one process (`--jobs 1`: the parser's own speed); the default (a process per usable CPU) is
printed beside it.

FIFO: every swap of the simulated day (`tests.support.sim_market.swaps_of`), all wallets and
tokens in one ledger: `build_ledger` (SOL valuation, time sort, matching) and `match_fifo`
alone over the pre-converted trades. Target >= 50,000 swaps/s.

Each figure is the best of ``--repeat`` runs (default 3). Run from the repo root:
``.venv/bin/python bench/swap_throughput.py [--seed 7] [--hours 24] [--check]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support

from sim.render import Renderer
from sim.world import SWAP, Scenario, World, build_world
from tests.support.sim_market import day_world, sol_per_usdc, swaps_of
from walltrack.app.swaps import parse_transaction
from walltrack.cli.parse_helius import usable_cpus
from walltrack.core.discovery.fifo import build_ledger, match_fifo, sol_trades

TARGET_PARSE = 20_000
TARGET_FIFO = 50_000
TARGET_CLI_RATIO = 1.5
CLI_TRANSACTIONS = 40_000


def best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest wall time of `repeat` runs, and the last run's result."""
    fastest, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest, result


def _timed_process(argv: list[str], repeat: int) -> float:
    """Fastest wall time of `repeat` runs of a fresh interpreter (its output discarded)."""

    def once() -> None:
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)

    fastest, _ = best(once, repeat)
    return fastest


def cli_ratio(day: World, repeat: int) -> float:
    """`walltrack parse-helius` time / `json.load` time on one day-sized file; printed."""
    renderer = Renderer(day)
    step = max(1, day.n_tx() // CLI_TRANSACTIONS)
    txs = [renderer.enhanced(i) for i in range(0, day.n_tx(), step)][:CLI_TRANSACTIONS]
    with tempfile.TemporaryDirectory(prefix="wt-cli-") as tmp:
        path = Path(tmp) / "day.json"
        path.write_text(json.dumps(txs))
        size_mb = path.stat().st_size / 1e6
        load = _timed_process(
            [sys.executable, "-c", f"import json; json.load(open({str(path)!r}))"], repeat
        )
        command = [sys.executable, "-m", "walltrack.cli", "parse-helius", str(path)]
        cli = _timed_process([*command, "--jobs", "1"], repeat)
        cli_default = _timed_process(command, repeat)
    ratio = cli / load
    print(
        f"cli: parse-helius on {len(txs):,} transactions ({size_mb:.0f} MB) {cli:.2f} s with "
        f"one process, json.load {load:.2f} s: ratio {ratio:.2f}; target <= {TARGET_CLI_RATIO}"
        f" (default --jobs, {usable_cpus()} CPUs: {cli_default:.2f} s, ratio "
        f"{cli_default / load:.2f})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=float, default=24.0, help="history of the FIFO's day")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    world = build_world(Scenario.small(seed=args.seed))
    renderer = Renderer(world)
    txs = [json.loads(json.dumps(renderer.enhanced(i))) for i in range(world.n_tx())]
    swap_txs = [tx for i, tx in enumerate(txs) if world.t_kind[i] == SWAP]

    def parse_all(batch: list[dict[str, Any]]) -> int:
        return sum(len(parse_transaction(tx)) for tx in batch)

    t_all, n_swaps = best(lambda: parse_all(txs), args.repeat)
    t_swaps, _ = best(lambda: parse_all(swap_txs), args.repeat)
    parse_rate = len(txs) / t_all
    print(
        f"parser: {len(txs):,} transactions ({len(swap_txs):,} swaps) -> {n_swaps:,} swaps in "
        f"{t_all:.3f} s = {parse_rate:,.0f} tx/s (swap transactions only: "
        f"{len(swap_txs) / t_swaps:,.0f} tx/s); target >= {TARGET_PARSE:,}"
    )

    day = day_world(args.seed, hours=args.hours)
    swaps = swaps_of(day)
    price = sol_per_usdc(day)
    t_ledger, ledger = best(lambda: build_ledger(swaps, sol_per_usdc=price), args.repeat)
    trades, skipped = sol_trades(swaps, sol_per_usdc=price)
    t_match, _ = best(lambda: match_fifo(trades, skipped=skipped), args.repeat)
    fifo_rate = len(swaps) / t_ledger
    print(
        f"fifo: {len(swaps):,} swaps -> {len(ledger.round_trips):,} round trips, "
        f"{len(ledger.open_lots):,} open lots; build_ledger {t_ledger:.3f} s = "
        f"{fifo_rate:,.0f} swaps/s, match_fifo alone {len(trades) / t_match:,.0f} swaps/s; "
        f"target >= {TARGET_FIFO:,}"
    )
    ratio = cli_ratio(day, args.repeat)
    misses = []
    if ratio > TARGET_CLI_RATIO:
        misses.append(f"parse-helius {ratio:.2f} x json.load > {TARGET_CLI_RATIO}")
    if parse_rate < TARGET_PARSE:
        misses.append(f"parser {parse_rate:,.0f} tx/s < {TARGET_PARSE:,}")
    if fifo_rate < TARGET_FIFO:
        misses.append(f"fifo {fifo_rate:,.0f} swaps/s < {TARGET_FIFO:,}")
    print("PASS" if not misses else "MISSED: " + "; ".join(misses))
    if args.check and misses:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
