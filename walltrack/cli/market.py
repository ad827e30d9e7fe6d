"""The simulated market as a child process of `walltrack run` (and `walltrack sim` on its own).

The product never imports the simulator: it runs as `python -m sim` in its own process and the
product only learns its base URL, exactly as it would learn a real service's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import httpx

from walltrack.clock import CLOCK_ENV, ScaledClock
from walltrack.data.graph.embedded import die_with

# Every external base URL points at the one sim port; the sim accepts this key as Helius's and
# Jupiter's (it is not a secret: it only opens the local simulator).
SIM_API_KEY = "sim-key"
# The market's clock when its history is built and it starts serving (sim/README.md "Model").
SIM_EPOCH = "2026-03-10T14:00:00+00:00"
# The world `walltrack run` serves unless told otherwise: the market calibrated on the real one
# (sim/README.md); `--scenario default` serves the older, easier default day.
DEFAULT_SCENARIO = "calibrated"


@dataclass(frozen=True)
class MarketOptions:
    seed: int = 1
    speed: float = 1.0
    port: int = 8765
    small: bool = False
    scenario: str | None = None
    """A named sim scenario (`python -m sim --scenario`); None: the sim's own default day, or
    its small world with `small`."""
    extra_args: tuple[str, ...] = field(default_factory=tuple)
    resume_at: datetime | None = None
    """Where the market's clock starts (None: its epoch); see walltrack.cli.market_clock."""

    def argv(self) -> list[str]:
        args = [sys.executable, "-m", "sim", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--seed", str(self.seed), "--speed", str(self.speed)]
        if self.small:
            args.append("--small")
        if self.scenario is not None:
            args += ["--scenario", self.scenario]
        if self.resume_at is not None:
            args += ["--resume-at", self.resume_at.isoformat()]
        return args + list(self.extra_args)

    @property
    def started_at(self) -> datetime:
        """The market's time when it starts serving."""
        return self.resume_at or datetime.fromisoformat(SIM_EPOCH)

    def world(self) -> dict[str, Any]:
        """What decides the market's world: its seed, size and world-shaping sim options (not
        its speed, port, rate limits or faults)."""
        shaping = argparse.ArgumentParser(add_help=False)
        shaping.add_argument("--scenario")
        shaping.add_argument("--history-hours", type=float)
        known, _ = shaping.parse_known_args(list(self.extra_args))
        scenario = known.scenario or self.scenario
        return {
            "seed": self.seed,
            "small": self.small,
            # the sim's default day as before scenarios were named, so its folders still match
            "scenario": None if scenario == "default" else scenario,
            "history_hours": known.history_hours,
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def add_market_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `walltrack run` and `walltrack sim` (env fallbacks for tests/CI)."""
    env = os.environ.get
    parser.add_argument("--seed", type=int, default=int(env("WALLTRACK_SIM_SEED", "1")))
    parser.add_argument(
        "--speed",
        type=float,
        default=float(env("WALLTRACK_SIM_SPEED", "1")),
        help="sim clock speed after the fast-forwarded history (0 frozen, 1 real time, N = N x)",
    )
    parser.add_argument("--sim-port", type=int, default=int(env("WALLTRACK_SIM_PORT", "8765")))
    parser.add_argument(
        "--small",
        action="store_true",
        default=env("WALLTRACK_SIM_SMALL", "") not in {"", "0", "false"},
        help="the small scenario (2 h of history, seconds to build) instead of a full day",
    )
    parser.add_argument(
        "--scenario",
        default=env("WALLTRACK_SIM_SCENARIO") or None,
        help=f"the simulated world (python -m sim's names; default {DEFAULT_SCENARIO}, or the "
        "small test world with --small; `default` is the older, easier default day)",
    )
    parser.add_argument(
        "--sim-arg",
        action="append",
        default=(env("WALLTRACK_SIM_ARGS", "") or "").split(),
        help="extra argument for the simulator, e.g. --sim-arg=--rate-limits=documented",
    )


def options_from(args: argparse.Namespace) -> MarketOptions:
    return MarketOptions(
        seed=args.seed,
        speed=args.speed,
        port=args.sim_port,
        small=args.small,
        scenario=args.scenario or (None if args.small else DEFAULT_SCENARIO),
        extra_args=tuple(a for a in args.sim_arg if a),
    )


def point_services_at(base_url: str) -> None:
    """Set every external base URL (and the sim's key) before settings are first read."""
    os.environ["WALLTRACK_DEXSCREENER_BASE_URL"] = base_url
    os.environ["WALLTRACK_HELIUS_API_BASE_URL"] = base_url
    os.environ["WALLTRACK_HELIUS_RPC_URL"] = base_url
    os.environ["WALLTRACK_JUPITER_BASE_URL"] = base_url
    os.environ["WALLTRACK_RUGCHECK_BASE_URL"] = base_url
    os.environ["WALLTRACK_HELIUS_API_KEY"] = SIM_API_KEY
    os.environ["WALLTRACK_JUPITER_API_KEY"] = SIM_API_KEY
    # The simulated market enforces no plan unless asked (`--rate-limits documented`); the
    # developer plan's 10 req/s keeps local wallet profiling quick. An export wins.
    os.environ.setdefault("WALLTRACK_HELIUS_PLAN", "developer")
    # Likewise Jupiter's developer plan (600/min): a profile asks one price batch each.
    os.environ.setdefault("WALLTRACK_JUPITER_PLAN", "developer")


@dataclass
class MarketProcess:
    options: MarketOptions
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class MarketStartError(RuntimeError):
    pass


def spawn_market(options: MarketOptions, *, log: IO[bytes] | None = None) -> MarketProcess:
    """Start the simulator (it builds its history first; see `wait_until_ready`).

    In a session of its own, so a Ctrl-C (SIGINT to the terminal's process group) does not
    reach it: the product's work in flight at Ctrl-C still has its market while `walltrack run`
    stops, which then stops the market last. It still dies with its parent (PR_SET_PDEATHSIG),
    even after a `kill -9`."""
    argv = options.argv()  # our own interpreter and fixed flags; no shell
    process = subprocess.Popen(  # noqa: S603
        argv,
        stdout=log,
        stderr=log,
        start_new_session=True,
        preexec_fn=die_with(os.getpid()),  # noqa: PLW1509 - spawned before any thread starts
    )
    return MarketProcess(options, process)


def wait_until_ready(market: MarketProcess, *, timeout_s: float = 120.0) -> None:
    """Wait until the simulator answers a DexScreener route, i.e. its history is built; from
    then on the product's clock follows the market's (epoch, speed)."""
    deadline = time.monotonic() + timeout_s
    probe = f"{market.options.base_url}/token-profiles/latest/v1"
    while time.monotonic() < deadline:
        code = market.process.poll()
        if code is not None:
            raise MarketStartError(f"the simulated market exited with code {code}")
        try:
            if httpx.get(probe, timeout=2).status_code == 200:
                follow_market_clock(market.options, started_wall=time.time())
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    market.stop()
    raise MarketStartError(f"the simulated market did not answer on {probe} in {timeout_s:.0f} s")


def follow_market_clock(options: MarketOptions, *, started_wall: float) -> None:
    """Business time = the market's time (see walltrack.config.clock)."""
    clock = ScaledClock(options.started_at, started_wall, options.speed)
    os.environ[CLOCK_ENV] = clock.encode()
