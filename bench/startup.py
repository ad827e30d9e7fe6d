"""Time from `walltrack run` to a healthy /health, on a fresh data folder and on a warm one.

Run: .venv/bin/python bench/startup.py [--runs N]
The fresh case includes initdb, migrations and the graph server's first start.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    while True:
        port = random.randint(20_000, 32_000)
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port


def time_to_healthy(data_dir: Path) -> float:
    port = _free_port()
    env = {
        **os.environ,
        "WALLTRACK_DATA_DIR": str(data_dir),
        "WALLTRACK_GRAPH_BOLT_PORT": str(_free_port()),
        "WALLTRACK_GRAPH_REDIS_PORT": str(_free_port()),
        "WALLTRACK_API_BASE_URL": f"http://127.0.0.1:{port}",
        # the default simulated market (a full day, built before the API answers)
        "WALLTRACK_SIM_PORT": str(_free_port()),
    }
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "walltrack.cli", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("walltrack run exited before becoming healthy")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    return time.perf_counter() - start
            except httpx.HTTPError:
                pass
            if time.perf_counter() - start > 120:
                raise RuntimeError("not healthy within 120 s")
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = []
        warm = []
        for i in range(args.runs):
            data_dir = Path(tmp) / f"run{i}"
            fresh.append(time_to_healthy(data_dir))
            warm.append(time_to_healthy(data_dir))
    print("walltrack run → /health 200")
    for label, times in (("fresh data folder", fresh), ("warm data folder ", warm)):
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"  {label}: median {statistics.median(times):.2f} s  (runs: {runs})")


if __name__ == "__main__":
    main()
