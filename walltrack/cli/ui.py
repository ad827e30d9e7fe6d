"""`walltrack ui`: the dashboard on its own (Spaces / a container), pointed at a deployed API."""

from __future__ import annotations

import argparse
from typing import Any

from walltrack.config.settings import EnvSettings


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "ui", help="serve the dashboard alone, calling the API at --api-base-url"
    )
    parser.add_argument("--api-base-url", default=None, help="default WALLTRACK_API_BASE_URL")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (0.0.0.0 in a container)")
    parser.add_argument("--port", type=int, default=7860)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ui.app import build_ui  # noqa: PLC0415 - Gradio loads only for this command

    base_url = args.api_base_url or EnvSettings().api_base_url
    build_ui(base_url).launch(server_name=args.host, server_port=args.port)
    return 0
