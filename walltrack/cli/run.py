"""`walltrack run`: the whole product on this machine, in one process tree.

1. embedded Postgres + migrations   2. embedded Bolt graph server   3. the simulated market
4. the local runtime (template.yaml: schedules, queues, Function URLs)   5. API + UI (uvicorn)
Ctrl-C stops everything, the market last; data persists under WALLTRACK_DATA_DIR (default
./.walltrack), and the market's clock resumes where it stopped (walltrack.cli.market_clock).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from walltrack.cli.market import (
    MarketStartError,
    add_market_arguments,
    options_from,
    point_services_at,
    spawn_market,
)
from walltrack.cli.market_clock import resume_options
from walltrack.config.settings import EnvSettings


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run", help="run WallTrack locally (embedded Postgres + graph, API, UI)"
    )
    parser.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="API/UI port (default 8000)")
    parser.add_argument("--no-ui", action="store_true", help="serve the API only")
    parser.add_argument(
        "--no-sim",
        action="store_true",
        help="don't start the simulated market; use the configured (real) external base URLs",
    )
    add_market_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # SIGTERM (from a supervisor or a test) must unwind like Ctrl-C so children stop too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    market = None
    if not args.no_sim:
        # The market's clock goes on where this data folder's last run left it.
        try:
            options = resume_options(options_from(args), Path(EnvSettings().data_dir))
        except MarketStartError as exc:
            print(f"walltrack run: {exc}", file=sys.stderr)
            return 2
        # Started first: it builds its history while Postgres and the graph come up.
        market = spawn_market(options)
        point_services_at(market.options.base_url)
    # The stack is heavy to import (Postgres, graph, uvicorn, Gradio): only `run` pays for it.
    from walltrack.cli.stack import serve  # noqa: PLC0415

    try:
        return serve(args, market)
    except KeyboardInterrupt:
        return 0
    finally:
        if market is not None:
            market.stop()  # last: the work stopping before it still had its market
