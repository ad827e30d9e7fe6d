"""`walltrack sim`: the simulated market alone (the child process `walltrack run` starts)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from walltrack.cli.market import add_market_arguments, options_from


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "sim", help="serve the simulated Solana market alone on 127.0.0.1"
    )
    add_market_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    options = options_from(args)
    print(f"simulated market on {options.base_url} (seed {options.seed}, speed {options.speed})")
    argv = options.argv()
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process with the simulator; no shell
    return 0  # pragma: no cover - execv does not return
