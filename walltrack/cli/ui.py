"""`walltrack ui`: the dashboard on its own (Spaces / a container), pointed at a deployed API.

Environment contract (the Docker image and the Space build on it): WALLTRACK_API_BASE_URL,
WALLTRACK_API_TOKEN, WALLTRACK_DASHBOARD_USER, WALLTRACK_DASHBOARD_PASSWORD.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from walltrack.cli.dashboard import dashboard_login, dashboard_token
from walltrack.config.settings import EnvSettings


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "ui", help="serve the dashboard alone, calling the API at --api-base-url"
    )
    parser.add_argument("--api-base-url", default=None, help="default WALLTRACK_API_BASE_URL")
    parser.add_argument(
        "--api-token-file",
        type=Path,
        default=None,
        help="read the API token from this file (default: WALLTRACK_API_TOKEN)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="bind address; beyond loopback (0.0.0.0 in a container) WALLTRACK_DASHBOARD_PASSWORD "
        "is required",
    )
    parser.add_argument("--port", type=int, default=7860)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Checked before Gradio loads: a refusal is immediate and serves nothing.
    env = EnvSettings()
    login = dashboard_login(env, args.host)
    token = dashboard_token(env, args.api_token_file)
    from ui.app import build_ui  # noqa: PLC0415 - Gradio loads only for this command

    base_url = args.api_base_url or env.api_base_url
    build_ui(base_url, api_token=token).launch(
        server_name=args.host, server_port=args.port, auth=login
    )
    return 0
