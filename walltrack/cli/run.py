"""`walltrack run`: the whole product on this machine, in one process tree.

1. embedded Postgres + migrations   2. embedded Bolt graph server   3. the simulated market
4. the local runtime (template.yaml: schedules, queues, Function URLs)   5. API + UI (uvicorn)
Ctrl-C stops everything; data persists under WALLTRACK_DATA_DIR (default ./.walltrack).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any


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
    from walltrack.cli.market import add_market_arguments

    add_market_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from walltrack.cli.market import options_from, point_services_at, spawn_market

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


def _serve(args: argparse.Namespace, market: Any) -> int:
    from walltrack.cli.market import wait_until_ready
    from walltrack.config.settings import get_settings
    from walltrack.log import configure_logging, get_logger, register_secrets

    if args.host:
        os.environ["WALLTRACK_API_HOST"] = args.host
    if args.port:
        os.environ["WALLTRACK_API_PORT"] = str(args.port)
    settings = get_settings()
    if args.port and "WALLTRACK_API_BASE_URL" not in os.environ:
        settings = settings.model_copy(
            update={"api_base_url": f"http://{settings.api_host}:{settings.api_port}"}
        )
    configure_logging(level=settings.log_level)
    register_secrets(settings.secret_values())
    log = get_logger(component="run")

    from walltrack.data.graph.driver import get_driver
    from walltrack.data.postgres.migrations import apply_migrations
    from walltrack.data.postgres.pool import get_pool, resolve_database_url

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied = apply_migrations(resolve_database_url(settings))
    log.info("migrations", applied=len(applied))
    get_pool(settings)
    get_driver(settings)
    if market is not None:
        wait_until_ready(market)
        log.info("simulated market ready", base_url=market.options.base_url)

    runtime = _start_runtime()
    app = _build_app(settings, with_ui=not args.no_ui)
    app.include_router(runtime.url_router())
    import uvicorn

    base = f"http://{settings.api_host}:{settings.api_port}"
    print(
        f"\nWallTrack is starting:\n  UI      {base}/ui\n  API     {base}/docs\n"
        f"  health  {base}/health\n  data    {Path(settings.data_dir).resolve()}\n"
        + (f"  market  {market.options.base_url} (simulated)\n" if market else ""),
        flush=True,
    )
    try:
        uvicorn.run(
            app, host=settings.api_host, port=settings.api_port, log_level="warning", workers=1
        )
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping")
        runtime.close()
    return 0


class _BusinessClock:
    """The local runtime's schedules and visibility timeouts run on business time, so a
    fast-forwarded market also fast-forwards the schedules that watch it."""

    def now(self) -> Any:
        from walltrack.config.clock import now

        return now()


def _start_runtime() -> Any:
    """template.yaml's schedules and queues in this process (the API is served by uvicorn)."""
    from walltrack.config.settings import get_settings
    from walltrack.runtime.local import LocalRuntime

    template = Path(__file__).resolve().parents[2] / "template.yaml"
    runtime = LocalRuntime(
        template, clock=_BusinessClock(), exclude={"ApiFunction"}, apply_env=True
    )
    get_settings.cache_clear()  # the queue URLs it set are part of the settings now
    runtime.start()
    return runtime


def _build_app(settings: Any, *, with_ui: bool) -> Any:
    from walltrack.api.app import create_app

    app = create_app()
    if with_ui:
        import gradio as gr

        from ui.app import build_ui

        app = gr.mount_gradio_app(app, build_ui(settings.api_base_url), path="/ui")
    return app


if __name__ == "__main__":  # pragma: no cover
    from walltrack.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
