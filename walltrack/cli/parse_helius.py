"""`walltrack parse-helius FILE`: a webhook body (JSON array of enhanced txs) → swaps as JSON lines.

A debugging and fixture tool for step 3's normaliser: what would WallTrack record for this body?
Exit 0 even when some items are malformed (they are reported on stderr, like ingest skips them);
exit 2 only when the file itself cannot be used.

Speed: a day's body is tens of thousands of transactions. msgspec splits the array into its
items without building them, and the items are parsed in chunks by `--jobs` processes (default:
the CPUs this process may use), each decoding its own items (JSON numbers as exact Decimals,
like the stdlib's `parse_float=Decimal`, at about twice its speed); chunks are written in input
order as they come back (lines as `json.dumps` prints them: the documented lines stay the same).
The parser is pure Python and CPU-bound, so processes, not threads. The cyclic garbage collector
is off for the run: the body is a tree of small objects without cycles, and the collector's
passes over it would cost more than parsing it.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO

import msgspec

from walltrack.app.swaps import parse_transaction
from walltrack.core.swaps import swap_record
from walltrack.errors import MalformedTransaction

EXIT_UNUSABLE_INPUT = 2
_DECODE = msgspec.json.Decoder(float_hook=Decimal).decode
_SPLIT = msgspec.json.Decoder(list[msgspec.Raw]).decode
CHUNK = 2_000
"""Transactions per chunk: a unit of work for a process and of writing (a few hundred kB)."""

_worker_input: dict[str, Any] = {}
"""A worker's split body and wallets: handed over by fork (the pool's initializer arguments are
not pickled then), so workers read their chunks from the parent's memory, not through a pipe."""


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
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=usable_cpus(),
        metavar="N",
        help="processes parsing chunks of the body in parallel (default: usable CPUs)",
    )
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of processes >= 1")
    return value


def usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


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
        items = _SPLIT(text)
    except (msgspec.DecodeError, RecursionError):
        return _unusable_body(text, name, err)
    _write_swaps(items, args.wallet, out, err, jobs=getattr(args, "jobs", 1))
    return 0


def _unusable_body(text: str, name: str, err: TextIO) -> int:
    """Not an array of JSON values: say what the file holds instead."""
    try:
        body = _DECODE(text)
    except (msgspec.DecodeError, RecursionError) as exc:
        print(f"parse-helius: {name} is not valid JSON: {exc}", file=err)
        return EXIT_UNUSABLE_INPUT
    print(
        f"parse-helius: {name} holds a JSON {_json_kind(body)}, expected an array of "
        "enhanced transactions (wrap a single transaction in [ ])",
        file=err,
    )
    return EXIT_UNUSABLE_INPUT


def _write_swaps(
    items: Sequence[msgspec.Raw], wallets: list[str] | None, out: TextIO, err: TextIO, *, jobs: int
) -> None:
    """Each transaction's swaps, one JSON line each, in input order; a malformed item is named
    on `err` and skipped."""
    for text, skipped in _chunks(items, wallets, jobs=jobs):
        for line in skipped:
            print(line, file=err)
        out.write(text)


def _chunks(
    items: Sequence[msgspec.Raw], wallets: list[str] | None, *, jobs: int
) -> Iterator[tuple[str, list[str]]]:
    starts = range(0, len(items), CHUNK)
    if min(jobs, len(starts)) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (_chunk(items, wallets, start) for start in starts)
        return
    # fork, before the pool starts its threads: workers start in milliseconds with the parser
    # imported and the body in memory
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(starts)), _adopt, (items, wallets)) as pool:
        yield from pool.imap(_worker_chunk, starts)


def _adopt(items: Sequence[msgspec.Raw], wallets: list[str] | None) -> None:
    _worker_input.update(items=items, wallets=wallets)


def _worker_chunk(start: int) -> tuple[str, list[str]]:
    return _chunk(_worker_input["items"], _worker_input["wallets"], start)


def _chunk(
    items: Sequence[msgspec.Raw], wallets: list[str] | None, start: int
) -> tuple[str, list[str]]:
    """The swap lines of items [start, start + CHUNK), and a report for each skipped item."""
    lines: list[str] = []
    skipped: list[str] = []
    for index in range(start, min(start + CHUNK, len(items))):
        try:
            swaps = parse_transaction(_DECODE(items[index]), wallets=wallets)
        except RecursionError:
            skipped.append(f"parse-helius: item {index} skipped: nested too deeply")
            continue
        except MalformedTransaction as exc:
            skipped.append(f"parse-helius: item {index} skipped: {exc}")
            continue
        lines.extend(json.dumps(swap_record(swap)) for swap in swaps)
    return "".join(line + "\n" for line in lines), skipped


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"
