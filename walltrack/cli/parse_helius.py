"""`walltrack parse-helius FILE`: a webhook body (JSON array of enhanced txs) → swaps as JSON lines.

A debugging and fixture tool for step 3's normaliser: what would WallTrack record for this body?
Exit 0 even when some items are malformed (they are reported on stderr, like ingest skips them);
exit 2 only when the file itself cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from walltrack.app.swaps import parse_transactions
from walltrack.core.swaps import swap_record

EXIT_UNUSABLE_INPUT = 2


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
    name = "stdin" if args.file == "-" else args.file
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"parse-helius: cannot read {name}: {reason}", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    try:
        body = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        print(f"parse-helius: {name} is not valid JSON: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    if not isinstance(body, list):
        print(
            f"parse-helius: {name} holds a JSON {_json_kind(body)}, expected an array of "
            "enhanced transactions (wrap a single transaction in [ ])",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE_INPUT
    swaps, errors = parse_transactions(body, wallets=args.wallet)
    for swap in swaps:
        print(json.dumps(swap_record(swap)))
    for index, reason in errors:
        print(f"parse-helius: item {index} skipped: {reason}", file=sys.stderr)
    return 0


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"
