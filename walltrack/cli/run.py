"""`walltrack run`: the whole product on this machine, in one process tree.

1. embedded Postgres + migrations   2. embedded Bolt graph server   3. the simulated market
4. the local runtime (template.yaml: schedules, queues, Function URLs)   5. API + UI (uvicorn)
Ctrl-C stops everything; data persists under WALLTRACK_DATA_DIR (default ./.walltrack).
"""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from typing import Any

from walltrack.cli.market import (
    MarketProcess,
    add_market_arguments,
    options_from,
    point_services_at,
    spawn_market,
    wait_until_ready,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


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
    try:
        return _serve(args, market)
    except KeyboardInterrupt:
        return 0
    finally:
        if market is not None:
            market.stop()


def _serve(args: argparse.Namespace, market: MarketProcess | None) -> int:
    # The stack is heavy to import (Postgres, graph, uvicorn, Gradio): only `run` pays for it.
    import uvicorn

    from walltrack.api.app import create_app
    from walltrack.app.container import build_container, resolve_database_url
    from walltrack.app.process import bound
    from walltrack.clock import clock_from_text
    from walltrack.config.settings import EnvSettings
    from walltrack.data.postgres.migrations import apply_migrations
    from walltrack.log import configure_logging, get_logger
    from walltrack.runtime.local import LocalRuntime

    if args.host:
        os.environ["WALLTRACK_API_HOST"] = args.host
    if args.port:
        os.environ["WALLTRACK_API_PORT"] = str(args.port)
        os.environ.setdefault("WALLTRACK_API_BASE_URL", f"http://127.0.0.1:{args.port}")
    env = EnvSettings()
    configure_logging(level=env.log_level)
    log = get_logger(component="run")

    env.data_dir.mkdir(parents=True, exist_ok=True)
    applied = apply_migrations(resolve_database_url(env))
    log.info("migrations", applied=len(applied))
    if market is not None:
        wait_until_ready(market)  # from here on the product's clock follows the market's
        log.info("simulated market ready", base_url=market.options.base_url)
        env = EnvSettings()

    # The template's schedules and queues in this process (the API is served by uvicorn).
    # Schedules and visibility timeouts run on business time, so a fast-forwarded market also
    # fast-forwards the schedules that watch it. The runtime sets each function's environment
    # (its queue URLs), as Lambda would, before the container reads it.
    clock = clock_from_text(env.clock)
    runtime = LocalRuntime(TEMPLATE, clock=clock, exclude={"ApiFunction"}, apply_env=True)
    container = build_container(EnvSettings(), clock=clock)
    runtime.invocation_scope = lambda: bound(container)
    container.graph.ping()  # the embedded graph server starts now, not at the first request
    runtime.start()
    app = create_app(container)
    app.include_router(runtime.url_router())
    if not args.no_ui:
        app = _mount_ui(app, env.api_base_url)

    base = f"http://{env.api_host}:{env.api_port}"
    print(
        f"\nWallTrack is starting:\n  UI      {base}/ui\n  API     {base}/docs\n"
        f"  health  {base}/health\n  data    {Path(env.data_dir).resolve()}\n"
        + (f"  market  {market.options.base_url} (simulated)\n" if market else ""),
        flush=True,
    )
    try:
        uvicorn.run(app, host=env.api_host, port=env.api_port, log_level="warning", workers=1)
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping")
        runtime.close()
        container.close()
    return 0


def _mount_ui(app: Any, api_base_url: str) -> Any:
    import gradio as gr

    from ui.app import build_ui

    return gr.mount_gradio_app(app, build_ui(api_base_url), path="/ui")
