"""Market clients live as long as their thread: built at its first call, reused by every later
one (a warm Lambda keeps its connections), closed once at shutdown."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from walltrack.app.markets import MarketPorts, Markets


class Opened:
    def __init__(self) -> None:
        self.built: list[str] = []
        self.closed: list[str] = []
        self.loops: list[Any] = []

    def __call__(self) -> tuple[MarketPorts, Any]:
        name = threading.current_thread().name
        self.built.append(name)

        async def close() -> None:
            self.closed.append(name)

        return MarketPorts(None, None, None, None, None, None), close  # type: ignore[arg-type]


def test_one_set_of_clients_per_thread_reused_across_calls_and_closed_once() -> None:
    opened = Opened()
    markets = Markets(opened)

    async def work(_: MarketPorts) -> int:
        opened.loops.append(asyncio.get_running_loop())
        return 1

    # Given three calls on this thread and two on another
    assert sum(markets.run(work) for _ in range(3)) == 3
    worker = threading.Thread(target=lambda: [markets.run(work) for _ in range(2)], name="other")
    worker.start()
    worker.join()
    # Then each thread built its clients once and kept one event loop for all its calls
    assert sorted(opened.built) == sorted([threading.current_thread().name, "other"])
    assert len({id(loop) for loop in opened.loops}) == 2
    # And closing closes both sets
    markets.close()
    assert sorted(opened.closed) == sorted(opened.built)


def test_a_thread_still_busy_at_shutdown_does_not_stop_the_others_closing() -> None:
    opened = Opened()
    markets = Markets(opened)
    started, release = threading.Event(), threading.Event()

    async def busy(_: MarketPorts) -> None:
        started.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait)

    async def quick(_: MarketPorts) -> int:
        return 1

    # Given one thread whose call is still running (shutdown's wait for it ran out)
    worker = threading.Thread(target=lambda: markets.run(busy), name="busy", daemon=True)
    worker.start()
    assert started.wait(5)
    markets.run(quick)
    try:
        # When the process closes the market clients
        markets.close()
        # Then it does not raise, and the idle thread's clients are closed
        assert opened.closed == [threading.current_thread().name]
    finally:
        release.set()
        worker.join(5)
