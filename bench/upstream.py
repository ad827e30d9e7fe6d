"""Wall time spent inside upstream HTTP calls, shared by bench/loop.py and
bench/runtime_loop.py: the sim serves from a thread of the bench's process, so its handling of
our calls lands on our wall clock; "excluding the sim's own delays" takes these spans out."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx


class UpstreamClock:
    """Wall time spent inside upstream HTTP calls (`httpx.AsyncClient.send`: the sim's
    Jupiter, DexScreener, RugCheck, Helius), summed over every thread (the bench sends one
    delivery at a time, so the difference over a delivery is that delivery's)."""

    def __init__(self) -> None:
        self.spent_s = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        send = httpx.AsyncClient.send
        clock = self

        async def timed_send(client: httpx.AsyncClient, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await send(client, *args, **kwargs)
            finally:
                with clock._lock:
                    clock.spent_s += time.perf_counter() - started
                    clock.calls += 1

        httpx.AsyncClient.send = timed_send  # type: ignore[method-assign,assignment]

    def read(self) -> tuple[float, int]:
        with self._lock:
            return self.spent_s, self.calls


UPSTREAM = UpstreamClock()
