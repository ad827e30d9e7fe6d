"""Component health: each probe's status and latency, checked concurrently with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Literal

from pydantic import BaseModel

Probe = Callable[[], object]


class ComponentHealth(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float
    error: str | None = None


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    components: dict[str, ComponentHealth]

    @property
    def down(self) -> list[str]:
        return [name for name, c in self.components.items() if c.status == "down"]


def _timed(probe: Probe) -> ComponentHealth:
    start = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure of a probe means "down"
        return ComponentHealth(
            status="down",
            latency_ms=round((time.perf_counter() - start) * 1000, 2),
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        )
    return ComponentHealth(status="up", latency_ms=round((time.perf_counter() - start) * 1000, 2))


def check_health(probes: Mapping[str, Probe], *, timeout_s: float = 5.0) -> HealthReport:
    """Run every probe at once; a probe still running after `timeout_s` counts as down."""
    results: dict[str, ComponentHealth] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(probes)), thread_name_prefix="health")
    try:
        futures = {name: pool.submit(_timed, probe) for name, probe in probes.items()}
        deadline = time.monotonic() + timeout_s
        for name, future in futures.items():
            try:
                results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                results[name] = ComponentHealth(
                    status="down", latency_ms=timeout_s * 1000, error="timed out"
                )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    status: Literal["ok", "degraded"] = (
        "ok" if all(c.status == "up" for c in results.values()) else "degraded"
    )
    return HealthReport(status=status, components=results)
