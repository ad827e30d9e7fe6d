"""The local stack `walltrack run` serves, in this order:

1. embedded Postgres + migrations   2. the simulated market's clock (when it runs)
3. the local runtime (template.yaml: schedules, queues, Function URLs)   4. one container (the
composition root) for the runtime's functions and the API   5. the embedded graph engine
6. the engines' supervisor (a crashed one is restarted; /health shows it)   7. API + UI (uvicorn)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import uvicorn

from walltrack.api.app import create_app
from walltrack.app.container import (
    build_container,
    build_local_queue_store,
    resolve_database_url,
)
from walltrack.app.process import bound
from walltrack.cli.dashboard import dashboard_login
from walltrack.cli.local_token import local_api_token, local_webhook_secret
from walltrack.cli.market import MarketProcess, wait_until_ready
from walltrack.cli.market_clock import MarketClockKeeper
from walltrack.cli.supervisor import supervise_engines
from walltrack.clock import clock_from_text
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.migrations import apply_migrations
from walltrack.log import configure_logging, get_logger
from walltrack.runtime.local import LocalRuntime

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def serve(args: argparse.Namespace, market: MarketProcess | None) -> int:
    if args.host:
        os.environ["WALLTRACK_API_HOST"] = args.host
    if args.port:
        os.environ["WALLTRACK_API_PORT"] = str(args.port)
        os.environ.setdefault("WALLTRACK_API_BASE_URL", f"http://127.0.0.1:{args.port}")
    env = EnvSettings()
    configure_logging(level=env.log_level)
    log = get_logger(component="run")
    # Refused before anything starts: a dashboard served beyond loopback needs a login.
    login = None if args.no_ui else dashboard_login(env, env.api_host)

    env.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # local state: owner only
    # The API asks every caller but /health for this token (create_app reads it from the
    # environment, as in Lambda); the in-process dashboard is handed it directly.
    api_token, token_file = local_api_token(env)
    os.environ["WALLTRACK_API_TOKEN"] = api_token
    # What Helius (here the simulated market) must echo in Authorization to webhook_ingest:
    # kept private in the data folder like the API token, never printed.
    os.environ["WALLTRACK_WEBHOOK_AUTH_SECRET"] = local_webhook_secret(env)
    applied = apply_migrations(resolve_database_url(env))
    log.info("migrations", applied=len(applied))
    keeper = None
    if market is not None:
        wait_until_ready(market)  # from here on the product's clock follows the market's
        log.info(
            "simulated market ready",
            base_url=market.options.base_url,
            market_time=market.options.started_at.isoformat(),
        )
        env = EnvSettings()
        # the business time reached, kept in the data folder for the next start to resume at
        keeper = MarketClockKeeper(Path(env.data_dir), market.options, clock_from_text(env.clock))
        keeper.start()

    # The template's schedules and queues in this process (the API is served by uvicorn).
    # Schedules and visibility timeouts run on business time, so a fast-forwarded market also
    # fast-forwards the schedules that watch it. The runtime sets each function's environment
    # (its queue URLs), as Lambda would, before the container reads it. Its queues are kept in
    # Postgres: work queued or in flight at Ctrl-C is delivered again after the restart.
    clock = clock_from_text(env.clock)
    runtime = LocalRuntime(
        TEMPLATE,
        clock=clock,
        exclude={"ApiFunction"},
        apply_env=True,
        queue_store=build_local_queue_store(env),
        # webhook_ingest's Function URL as served below (/fn/<Function>/ on the local API):
        # what WALLTRACK_WEBHOOK_INGEST_URL says, so the webhook Helius calls reaches it.
        function_url_base=env.api_base_url,
    )
    container = build_container(EnvSettings(), clock=clock)
    runtime.invocation_scope = lambda: bound(container)
    container.graph.ping()  # the embedded graph server starts now, not at the first request
    supervisor = supervise_engines(env)
    supervisor.start()
    runtime.start()
    app = create_app(container)
    app.state.engines = supervisor  # what /health reports under `engines`
    app.include_router(runtime.url_router())
    if not args.no_ui:
        app = _mount_ui(app, env.api_base_url, api_token, login)

    base = f"http://{env.api_host}:{env.api_port}"
    print(
        f"\nWallTrack is starting:\n  UI      {base}/ui\n  API     {base}/docs\n"
        f"  health  {base}/health\n  data    {Path(env.data_dir).resolve()}\n"
        + (
            f"  token   {token_file.resolve()} (the API's bearer token)\n"
            if token_file
            else "  token   from WALLTRACK_API_TOKEN\n"
        )
        + ("  login   required (WALLTRACK_DASHBOARD_PASSWORD)\n" if login else "")
        + (f"  market  {market.options.base_url} (simulated)\n" if market else ""),
        flush=True,
    )
    try:
        uvicorn.run(app, host=env.api_host, port=env.api_port, log_level="warning", workers=1)
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping")
        supervisor.stop()  # first: engines stopped on purpose must not be restarted
        runtime.close()  # waits for the work in flight (the market is stopped after serve)
        container.close()
        if keeper is not None:
            keeper.stop()  # after the last work: no stored time lies past the saved one
    return 0


def _mount_ui(app: Any, api_base_url: str, api_token: str, login: tuple[str, str] | None) -> Any:
    # The dashboard is an optional extra (pip install ".[ui]"): Gradio loads only when mounted.
    import gradio as gr  # noqa: PLC0415

    from ui.app import build_ui  # noqa: PLC0415

    blocks = build_ui(api_base_url, api_token=api_token)
    return gr.mount_gradio_app(app, blocks, path="/ui", auth=login)
