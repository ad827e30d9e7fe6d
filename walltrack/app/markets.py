"""The market ports the steps' recipes call (DexScreener, Helius, RugCheck, Jupiter), kept for
the life of the process.

httpx clients (their connection pools) and asyncio belong to one event loop, so each thread
keeps one loop of its own (`asyncio.Runner`) and, on it, one set of clients: built at the
thread's first call, reused by every later one. A Lambda container has one thread, so its
clients and their open connections serve every invocation; the local runtime gives each
function one long-lived worker thread. Rate limits are not per client: every client of an
upstream account shares that account's limiter (`walltrack.app.rate_limits`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from walltrack.log import get_logger
from walltrack.services.helius.webhooks import HeliusWebhooksClient
from walltrack.services.jupiter import JupiterClient
from walltrack.services.token_market import DexScreenerCandidates, MarketSafetyFacts
from walltrack.services.wallet_market import HeliusTransactionSource, JupiterSolPrices

T = TypeVar("T")
log = get_logger(component="markets")


@dataclass(frozen=True)
class MarketPorts:
    """What steps 1-3 read from the market, as their recipes' ports, and the Helius webhooks
    step 5 keeps in step with the watchlist."""

    candidates: DexScreenerCandidates
    safety: MarketSafetyFacts
    transactions: HeliusTransactionSource
    prices: JupiterSolPrices
    webhooks: HeliusWebhooksClient
    quotes: JupiterClient
    """Steps 7-8: Jupiter swap quotes (`quote`), for sizing entries and filling paper orders."""


Close = Callable[[], Coroutine[Any, Any, None]]
OpenPorts = Callable[[], tuple[MarketPorts, Close]]
"""Builds one set of ports (called on the thread's loop) and how to close them."""


@dataclass
class _ThreadMarket:
    runner: asyncio.Runner
    ports: MarketPorts
    close: Close


class Markets:
    def __init__(self, open_ports: OpenPorts) -> None:
        self._open = open_ports
        self._local = threading.local()
        self._opened: list[_ThreadMarket] = []
        self._lock = threading.Lock()
        self._closed = False

    def run(self, work: Callable[[MarketPorts], Coroutine[Any, Any, T]]) -> T:
        """Run `work(ports)` to completion on this thread's loop (a sync caller's bridge)."""
        market: _ThreadMarket | None = getattr(self._local, "market", None)
        if market is None:
            market = self._open_for_this_thread()
        return market.runner.run(work(market.ports))

    def _open_for_this_thread(self) -> _ThreadMarket:
        with self._lock:
            if self._closed:
                raise RuntimeError("the market clients are closed")
            runner = asyncio.Runner()
            ports, close = self._open()
            market = _ThreadMarket(runner, ports, close)
            self._opened.append(market)
        self._local.market = market
        return market

    def close(self) -> None:
        """Close every thread's clients and loop (at shutdown; those threads must be idle)."""
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for market in opened:
            if market.runner.get_loop().is_running():
                # A function still busy when shutdown's wait ran out: its loop belongs to its
                # thread, which dies with the process. Closing it from here would raise.
                log.warning("market clients still in use at shutdown; left to the process exit")
                continue
            try:
                market.runner.run(market.close())
            except Exception as exc:  # noqa: BLE001 - shutdown goes on for the other threads
                log.warning("closing market clients failed", error=str(exc))
            market.runner.close()
