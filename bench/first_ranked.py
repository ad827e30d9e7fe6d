"""Time from `make run` to the first ranked wallets, on the world `make run` serves.

Run: .venv/bin/python bench/first_ranked.py [--seed 1] [--cap-minutes 30] [--target 20]
     (make bench-first-ranked ARGS="...")

Starts `walltrack run` as `make run` does (its default world — the calibrated one since
2026-12-07; figures before that date are the older default day — real-time market, API + UI), in a
fresh temp data folder, on free loopback ports, and polls `GET /wallets?status=profiled` every
2 s. Prints the seconds from the start until the API answers, until the first profiled wallet
with a score is listed, and until `--target` are; then stops the stack with SIGINT (Ctrl-C).
Gives up at `--cap-minutes` and says how far it got.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
POLL_S = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def bolt_port() -> int:
    """The embedded graph's Bolt port must be below 32768 (README)."""
    for candidate in range(17700, 18700):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    raise RuntimeError("no free port for the graph's Bolt listener")


def profiled(client: httpx.Client, base: str, headers: dict[str, str]) -> tuple[int, int]:
    """(profiled wallets with a score, profiles pending) as the API lists them."""
    page = client.get(
        f"{base}/wallets", params={"status": "profiled", "limit": 500}, headers=headers
    ).json()
    scored = sum(1 for w in page.get("items", []) if w.get("score") is not None)
    return scored, int(page.get("pending", 0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cap-minutes", type=float, default=30.0)
    parser.add_argument("--target", type=int, default=20, help="profiled wallets to wait for")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wt-bench-first-") as tmp:
        data_dir = Path(tmp) / "data"
        api_port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "WALLTRACK_DATA_DIR": str(data_dir),
                "WALLTRACK_API_PORT": str(api_port),
                "WALLTRACK_API_BASE_URL": f"http://127.0.0.1:{api_port}",
                "WALLTRACK_GRAPH_BOLT_PORT": str(bolt_port()),
                "WALLTRACK_GRAPH_REDIS_PORT": str(free_port()),
            }
        )
        argv = [str(REPO / ".venv/bin/walltrack"), "run", "--port", str(api_port)]
        argv += ["--seed", str(args.seed), "--sim-port", str(free_port())]
        log_path = Path(tmp) / "run.log"
        started = time.monotonic()
        with log_path.open("wb") as log:
            stack = subprocess.Popen(  # our own entry point, no shell
                argv, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
            )
        base = f"http://127.0.0.1:{api_port}"
        marks: dict[str, float] = {}
        scored = pending = 0
        try:
            with httpx.Client(timeout=30) as client:
                while time.monotonic() - started < args.cap_minutes * 60:
                    if stack.poll() is not None:
                        print(f"walltrack run exited with code {stack.returncode}")
                        print(log_path.read_text()[-3000:])
                        return 1
                    elapsed = time.monotonic() - started
                    try:
                        token = (data_dir / "api-token").read_text().strip()
                        headers = {"Authorization": f"Bearer {token}"}
                        scored, pending = profiled(client, base, headers)
                    except (OSError, httpx.HTTPError, ValueError):
                        time.sleep(POLL_S)
                        continue
                    marks.setdefault("api answers", elapsed)
                    if scored >= 1:
                        marks.setdefault("first ranked wallet", elapsed)
                    if scored >= args.target:
                        marks.setdefault(f"{args.target} ranked wallets", elapsed)
                        break
                    time.sleep(POLL_S)
        finally:
            os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C, as a terminal sends it
            try:
                stack.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(stack.pid, signal.SIGKILL)
                stack.wait()
    world = "walltrack run's default world (calibrated)"
    print(f"{world}, seed {args.seed}, cap {args.cap_minutes:g} min")
    for label in ("api answers", "first ranked wallet", f"{args.target} ranked wallets"):
        at = marks.get(label)
        print(f"  {label:<24}{f'{at:8.1f} s' if at is not None else '   not reached'}")
    print(f"  at the end: {scored} profiled wallets listed, {pending} pending")
    return 0 if f"{args.target} ranked wallets" in marks else 1


if __name__ == "__main__":
    sys.exit(main())
