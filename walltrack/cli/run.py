"""`walltrack run`: the whole product on this machine, in one process tree.

1. embedded Postgres + migrations   2. embedded Bolt graph server   3. the simulated market
4. the local runtime (template.yaml: schedules, queues, Function URLs)   5. API + UI (uvicorn)
Ctrl-C stops everything; data persists under WALLTRACK_DATA_DIR (default ./.walltrack).
"""

from __future__ import annotations

import argparse
import signal
from typing import Any

from walltrack.cli.market import (
    add_market_arguments,
    options_from,
    point_services_at,
    spawn_market,
)


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
        # Started first: it builds its history while Postgres and the graph come up.
        market = spawn_market(options_from(args))
        point_services_at(market.options.base_url)
    # The stack is heavy to import (Postgres, graph, uvicorn, Gradio): only `run` pays for it.
    from walltrack.cli.stack import serve  # noqa: PLC0415

    try:
        return serve(args, market)
    except KeyboardInterrupt:
        return 0
    finally:
        if market is not None:
            market.stop()
