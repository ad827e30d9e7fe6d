"""CLI: ``python -m sim --seed N --speed X`` serves; ``python -m sim truth`` prints the truth;
``python -m sim calibrate --seed N --scenario NAME`` prints the calibration report."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

import orjson

from sim.scenarios import SCENARIOS, named_scenario
from sim.server import DOCUMENTED_LIMITS, SimConfig, run
from sim.webhooks import Faults
from sim.world import World, build_world


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m sim", description="Simulated Solana market")
    parser.add_argument(
        "command", nargs="?", default="serve", choices=("serve", "truth", "status", "calibrate")
    )
    parser.add_argument(
        "--scenario",
        default=None,
        choices=sorted(SCENARIOS),
        help="a named scenario (default: the default day; --small: the small one)",
    )
    parser.add_argument(
        "--json", action="store_true", help="calibrate: the rows as JSON instead of a table"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=1.0, help="0 frozen, 1 real time, N = N x")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--small", action="store_true", help="the small test scenario")
    parser.add_argument("--history-hours", type=float, default=None)
    parser.add_argument("--api-key", default="sim-key")
    parser.add_argument("--rate-limits", choices=("off", "documented"), default="off")
    parser.add_argument("--error-5xx", type=float, default=0.0, help="503 chance, Helius")
    parser.add_argument("--dex-error-5xx", type=float, default=0.0, help="503 chance, DexScreener")
    parser.add_argument(
        "--dex-malformed", type=float, default=0.0, help="share of broken DexScreener items"
    )
    parser.add_argument("--feed-size", type=int, default=30, help="profiles/boosts per answer")
    parser.add_argument("--drop", type=float, default=0.0)
    parser.add_argument("--duplicate", type=float, default=0.0)
    parser.add_argument("--reorder", type=float, default=0.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--malformed", type=float, default=0.0)
    parser.add_argument("--retry-delay", type=float, default=60.0)
    parser.add_argument(
        "--resume-at",
        default=None,
        help="serve from this market time (ISO 8601, at or after the history's end) instead of"
        " from the history's end: the world runs its live events up to it before serving",
    )
    args = parser.parse_args(argv)
    name = args.scenario or ("small" if args.small else "default")
    scenario = named_scenario(name, args.seed)
    if args.history_hours is not None:
        scenario.history_hours = args.history_hours
    if args.command == "serve":
        config = SimConfig(
            api_key=args.api_key,
            rate_limits=dict(DOCUMENTED_LIMITS) if args.rate_limits == "documented" else {},
            error_5xx=args.error_5xx,
            dex_error_5xx=args.dex_error_5xx,
            dex_malformed=args.dex_malformed,
            feed_size=args.feed_size,
            faults=Faults(
                drop=args.drop,
                duplicate=args.duplicate,
                reorder=args.reorder,
                delay=args.delay,
                malformed=args.malformed,
                retry_delay_s=args.retry_delay,
            ),
        )
        run(
            host=args.host,
            port=args.port,
            speed=args.speed,
            scenario=scenario,
            config=config,
            resume_at_ms=_resume_at_ms(parser, args.resume_at),
        )
        return 0
    started = time.perf_counter()
    world = build_world(scenario)
    if args.command == "calibrate":
        return _calibrate(world, name, started, as_json=args.json)
    if args.command == "truth":
        sys.stdout.buffer.write(orjson.dumps(world.truth(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        counts = world.counts()
        counts["generationSeconds"] = round(time.perf_counter() - started, 2)  # type: ignore[assignment]
        sys.stdout.buffer.write(orjson.dumps(counts, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def _resume_at_ms(parser: argparse.ArgumentParser, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parser.error(f"--resume-at: not an ISO 8601 time: {text!r}")
    if when.tzinfo is None:
        parser.error(f"--resume-at: give a time zone (e.g. Z): {text!r}")
    return int(when.timestamp() * 1000)


def _calibrate(world: World, name: str, started: float, *, as_json: bool) -> int:
    """Print the calibration report; exit 1 when a row is out of its band."""
    from sim.calibration import format_table, report  # noqa: PLC0415 - only this command

    built_s = time.perf_counter() - started
    table = report(world)
    if as_json:
        rows = [
            {
                "name": r.name,
                "value": r.value,
                "market": r.market,
                "low": r.low,
                "high": r.high,
                "ok": r.ok,
            }
            for r in table
        ]
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        measured_s = time.perf_counter() - started - built_s
        title = (
            f"Calibration of scenario {name!r}, seed {world.seed} "
            f"(built in {built_s:.1f} s, measured in {measured_s:.1f} s)\n"
        )
        sys.stdout.write(format_table(table, title=title) + "\n")
    return 0 if all(r.ok for r in table) else 1


if __name__ == "__main__":
    raise SystemExit(main())
