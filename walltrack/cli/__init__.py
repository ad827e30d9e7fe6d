"""`walltrack …` commands. Each command lives in its own module with a `register(subparsers)`.

argparse (stdlib) rather than click/typer: registering every command stays cheap, and a
command's heavy dependencies (the stack, Gradio) load only when that command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from walltrack.cli import commands
from walltrack.errors import ConfigurationError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="walltrack", description="WallTrack: find Solana wallets worth copying (paper mode)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in commands.ALL:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except ConfigurationError as exc:
        # A command that refuses to start says why, once, without a traceback.
        print(f"walltrack {args.command}: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
