"""`walltrack parse-helius FILE`: a webhook body (JSON array of enhanced txs) → swaps as JSON lines.

A debugging and fixture tool for step 3's normaliser: what would WallTrack record for this body?
Exit 0 even when some items are malformed (they are reported on stderr, like ingest skips them);
exit 2 only when the file itself cannot be used.

Speed: a day's body is tens of thousands of transactions. msgspec decodes it (JSON numbers as
exact Decimals, like the stdlib's `parse_float=Decimal`, at about twice its speed), each
transaction's swaps are written as soon as they are parsed, in buffered chunks (as `json.dumps`
prints them: the documented lines stay the same), and the cyclic
garbage collector is off for the run: the body is a tree of small objects without cycles, and
the collector's passes over it would cost more than parsing it.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TextIO

import msgspec

from walltrack.app.swaps import parse_transaction
from walltrack.core.swaps import swap_record
from walltrack.errors import MalformedTransaction

EXIT_UNUSABLE_INPUT = 2
_DECODE = msgspec.json.Decoder(float_hook=Decimal).decode
_LINES_PER_WRITE = 1_000


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "parse-helius",
        help="print the swaps in a Helius webhook body (JSON array of enhanced transactions)",
        description=(
            "Print one JSON object per swap per line: signature, wallet, side (buy|sell|swap), "
            "token_mint, token_amount, quote_mint, quote_amount, source, timestamp, slot. "
            "Amounts are exact decimal strings; timestamp is ISO 8601 UTC."
        ),
    )
    parser.add_argument(
        "file", help="JSON file holding an array of enhanced transactions; - = stdin"
    )
    parser.add_argument(
        "--wallet",
        action="append",
        metavar="ADDRESS",
        help="report these wallets' trades (repeatable); default: each transaction's trader",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    gc.disable()
    try:
        return _run(args, sys.stdout, sys.stderr)
    finally:
        gc.enable()


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    name = "stdin" if args.file == "-" else args.file
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"parse-helius: cannot read {name}: {reason}", file=err)
        return EXIT_UNUSABLE_INPUT
    try:
        body = _DECODE(text)
    except (msgspec.DecodeError, RecursionError) as exc:
        print(f"parse-helius: {name} is not valid JSON: {exc}", file=err)
        return EXIT_UNUSABLE_INPUT
    if not isinstance(body, list):
        print(
            f"parse-helius: {name} holds a JSON {_json_kind(body)}, expected an array of "
            "enhanced transactions (wrap a single transaction in [ ])",
            file=err,
        )
        return EXIT_UNUSABLE_INPUT
    _write_swaps(body, args.wallet, out, err)
    return 0


def _write_swaps(body: Sequence[Any], wallets: list[str] | None, out: TextIO, err: TextIO) -> None:
    """Each transaction's swaps, one JSON line each, in input order; a malformed item is named
    on `err` and skipped."""
    lines: list[str] = []
    for index, tx in enumerate(body):
        try:
            swaps = parse_transaction(tx, wallets=wallets)
        except MalformedTransaction as exc:
            print(f"parse-helius: item {index} skipped: {exc}", file=err)
            continue
        lines.extend(json.dumps(swap_record(swap)) for swap in swaps)
        if len(lines) >= _LINES_PER_WRITE:
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"
