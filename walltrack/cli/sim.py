"""`walltrack sim`: the simulated market alone (the child process `walltrack run` starts)."""

from __future__ import annotations

import argparse
import os
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "sim", help="serve the simulated Solana market alone on 127.0.0.1"
    )
    from walltrack.cli.market import add_market_arguments

    add_market_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from walltrack.cli.market import options_from

    options = options_from(args)
    print(f"simulated market on {options.base_url} (seed {options.seed}, speed {options.speed})")
    argv = options.argv()
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process with the simulator; no shell
    return 0  # pragma: no cover - execv does not return
