"""`walltrack run`'s supervisor: a local engine that dies is started again, with backoff.

It watches the engines this process started (embedded Postgres, the embedded graph engine) from
one thread each. When one is gone it is restarted at once; a failed attempt, or an engine that
dies again within `stable_after_s` of coming back, waits longer before the next (exponential,
tenacity), so a crash loop does not spin. What it sees is what `/health` shows under `engines`:
`restarting` (since when, after what) while an engine is down, `running` with the count of
restarts once it is back.

It lives in the CLI because only `walltrack run` starts engines (Lambda has none to watch), and
because it has to reach both the engines (data adapters) and the API's health schema: the local
runtime sits in the adapters' layer, beside `data.postgres` and `data.graph`, which it may not
import, and the API may not import the runtime.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    stop_when_event_set,
    wait_exponential,
)

from walltrack.api.routes.health import EngineStatus
from walltrack.config.settings import EnvSettings
from walltrack.log import get_logger


class Engine(Protocol):
    """What the supervisor needs of an engine (EmbeddedPostgres, EmbeddedGraph)."""

    def alive(self) -> bool: ...

    def restart(self) -> None: ...

    def exit_reason(self) -> str | None: ...


class EngineDied(RuntimeError):  # noqa: N818 - an event, raised to make tenacity back off
    """A restarted engine died again before it was stable."""


def _now() -> datetime:
    return datetime.now(UTC)


class EngineSupervisor:
    """Watches named engines and restarts the dead ones (see the module docstring)."""

    def __init__(
        self,
        engines: Mapping[str, Engine],
        *,
        poll_s: float = 0.2,
        first_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        stable_after_s: float = 30.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._engines = dict(engines)
        self._poll_s = poll_s
        self._wait = wait_exponential(multiplier=first_backoff_s, max=max_backoff_s)
        self._stable_after_s = stable_after_s
        self._stopping = threading.Event()
        self._sleep = sleep or self._pause
        self._lock = threading.Lock()
        self._status = {name: EngineStatus(state="running") for name in self._engines}
        self._threads: list[threading.Thread] = []

    def _pause(self, seconds: float) -> None:
        """tenacity's sleep: a backoff that ends early when the supervisor stops."""
        self._stopping.wait(seconds)

    # -- what /health reads ----------------------------------------------------------------
    def engine_status(self) -> dict[str, EngineStatus]:
        with self._lock:
            return dict(self._status)

    def _update(self, name: str, **changes: object) -> EngineStatus:
        with self._lock:
            self._status[name] = self._status[name].model_copy(update=changes)
            return self._status[name]

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        for name, engine in self._engines.items():
            thread = threading.Thread(
                target=self._watch, args=(name, engine), name=f"supervise-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop watching (before the engines are stopped on purpose)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)
        self._threads.clear()

    # -- one engine ------------------------------------------------------------------------
    def _watch(self, name: str, engine: Engine) -> None:
        log = get_logger(component="supervisor", engine=name)
        while not self._stopping.is_set():
            if engine.alive():
                self._stopping.wait(self._poll_s)
                continue
            self._recover(name, engine, log)

    def _recover(self, name: str, engine: Engine, log: Any) -> None:
        reason = engine.exit_reason() or "gone"
        self._update(name, state="restarting", down_since=_now(), last_exit=reason)
        log.warning("engine down", reason=reason)

        def failed(state: RetryCallState) -> None:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            wait_s = state.next_action.sleep if state.next_action is not None else 0.0
            self._update(name, last_error=f"{type(error).__name__}: {error}"[:300])
            log.warning(
                "engine restart failed",
                attempt=state.attempt_number,
                error=str(error)[:300],
                retry_in_s=round(wait_s, 2),
            )

        retrying = Retrying(
            wait=self._wait,
            stop=stop_when_event_set(self._stopping),
            sleep=self._sleep,
            before_sleep=failed,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._attempt(name, engine, log)
        except RetryError:
            return  # stopping

    def _attempt(self, name: str, engine: Engine, log: Any) -> None:
        """Restart; then stay here until the engine proves stable, so that an early death
        counts as a failed attempt and the next one waits longer."""
        engine.restart()
        restarts = self._status[name].restarts + 1
        self._update(
            name, state="running", restarts=restarts, down_since=None, last_recovered_at=_now()
        )
        log.info("engine back", restarts=restarts)
        stable_at = time.monotonic() + self._stable_after_s
        while time.monotonic() < stable_at and not self._stopping.is_set():
            if not engine.alive():
                reason = engine.exit_reason() or "gone"
                self._update(name, state="restarting", down_since=_now(), last_exit=reason)
                raise EngineDied(reason)
            self._stopping.wait(self._poll_s)


def supervise_engines(env: EnvSettings, **options: Any) -> EngineSupervisor:
    """A supervisor for the embedded engines this process started for `env` (none when
    `env` points at Supabase and Neo4j Aura)."""
    # local-only engines: their modules import nothing heavy, but keep Lambda paths clean
    from walltrack.data.graph.embedded import embedded_graph  # noqa: PLC0415
    from walltrack.data.postgres.embedded import embedded_postgres  # noqa: PLC0415

    engines: dict[str, Engine] = {}
    if env.database_url is None and (postgres := embedded_postgres(env.data_dir)) is not None:
        engines["postgres"] = postgres
    if env.neo4j_uri is None and (graph := embedded_graph(env.data_dir)) is not None:
        engines["graph"] = graph
    return EngineSupervisor(engines, **options)
