"""`walltrack run`'s supervisor against fake engines: restart, backoff, status, stop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from walltrack.cli.supervisor import EngineSupervisor

WAIT_S = 5.0  # bound on every wait for the supervisor's threads (a hang fails, never passes)


class FakeEngine:
    """An engine whose death and restart outcomes the test scripts."""

    def __init__(self, restart_outcomes: list[bool] | None = None) -> None:
        self.running = True
        self.outcomes = list(restart_outcomes or [])
        self.restarts = 0
        self.restarted = threading.Event()

    def alive(self) -> bool:
        return self.running

    def exit_reason(self) -> str | None:
        return None if self.running else "engine killed by SIGKILL"

    def restart(self) -> None:
        self.restarts += 1
        if self.outcomes and not self.outcomes.pop(0):
            raise RuntimeError("pg_ctl: could not start server")
        self.running = True
        self.restarted.set()


def wait_for(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(int(WAIT_S / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not met within the bound")


class Backoffs:
    """The supervisor's sleep in these tests: each backoff is recorded; the first `budget`
    return at once (a fake clock), later ones hold the supervisor until the test ends, so a
    restart loop can never run ahead of the assertions that watch it."""

    BUDGET = 5

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.released = threading.Event()

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) > self.BUDGET:
            self.released.wait(WAIT_S)


@pytest.fixture
def backoffs() -> Backoffs:
    return Backoffs()


@pytest.fixture
def sleeps(backoffs: Backoffs) -> list[float]:
    return backoffs.waits


@pytest.fixture
def make(backoffs: Backoffs) -> Iterator[Callable[..., EngineSupervisor]]:
    made: list[EngineSupervisor] = []

    def build(engines: dict[str, FakeEngine], **options: float) -> EngineSupervisor:
        supervisor = EngineSupervisor(
            engines,  # FakeEngine follows the Engine protocol
            poll_s=0.005,
            stable_after_s=options.pop("stable_after_s", 0.05),
            sleep=backoffs,
            **options,
        )
        made.append(supervisor)
        supervisor.start()
        return supervisor

    yield build
    backoffs.released.set()
    for supervisor in made:
        supervisor.stop()


def test_a_dead_engine_is_restarted_and_its_status_tells(
    make: Callable[..., EngineSupervisor],
) -> None:
    # Given a supervised engine, running
    engine = FakeEngine()
    supervisor = make({"graph": engine})
    assert supervisor.engine_status()["graph"].state == "running"
    # When it dies
    engine.running = False
    # Then it is started again, and the status says after what and how often
    assert engine.restarted.wait(WAIT_S)
    wait_for(lambda: supervisor.engine_status()["graph"].restarts == 1)
    status = supervisor.engine_status()["graph"]
    assert status.state == "running"
    assert status.last_exit == "engine killed by SIGKILL"
    assert status.last_recovered_at is not None
    assert status.down_since is None


def test_failed_restarts_back_off_exponentially(
    make: Callable[..., EngineSupervisor], sleeps: list[float]
) -> None:
    # Given an engine whose next three restarts fail
    engine = FakeEngine(restart_outcomes=[False, False, False, True])
    supervisor = make({"postgres": engine}, first_backoff_s=0.5)
    # When it dies
    engine.running = False
    # Then the supervisor waits 0.5, 1 and 2 s between attempts, then succeeds
    assert engine.restarted.wait(WAIT_S)
    assert sleeps == [0.5, 1.0, 2.0]
    wait_for(lambda: supervisor.engine_status()["postgres"].restarts == 1)
    assert "could not start server" in (supervisor.engine_status()["postgres"].last_error or "")


def test_while_restarting_the_status_says_so(
    make: Callable[..., EngineSupervisor], sleeps: list[float]
) -> None:
    # Given an engine that cannot come back for now (more failures than backoffs let through)
    engine = FakeEngine(restart_outcomes=[False] * (Backoffs.BUDGET + 3))
    supervisor = make({"graph": engine})
    # When it dies
    engine.running = False
    # Then /health's source reports the outage: restarting, since when, after what
    wait_for(lambda: len(sleeps) > Backoffs.BUDGET)  # the supervisor is now held in a backoff
    status = supervisor.engine_status()["graph"]
    assert status.state == "restarting"
    assert status.down_since is not None
    assert status.last_exit == "engine killed by SIGKILL"
    assert status.restarts == 0


def test_an_engine_dying_right_after_a_restart_keeps_backing_off(
    make: Callable[..., EngineSupervisor], sleeps: list[float]
) -> None:
    # Given an engine that dies again as soon as it is restarted, twice
    engine = FakeEngine()
    deaths = iter([True, True, False])

    def restart_then_maybe_die() -> None:
        FakeEngine.restart(engine)
        if next(deaths):
            engine.running = False

    engine.restart = restart_then_maybe_die  # type: ignore[method-assign]
    supervisor = make({"graph": engine}, first_backoff_s=0.5, stable_after_s=0.2)
    # When it dies
    engine.running = False
    # Then each early death counts as a failed attempt: the waits grow
    wait_for(lambda: supervisor.engine_status()["graph"].restarts == 3)
    assert sleeps == [0.5, 1.0]


def test_stop_ends_the_watch_without_restarting(make: Callable[..., EngineSupervisor]) -> None:
    # Given a supervisor that is stopped (as `walltrack run` does before stopping engines)
    engine = FakeEngine()
    supervisor = make({"graph": engine})
    supervisor.stop()
    # When the engine then stops
    engine.running = False
    # Then nobody restarts it
    assert not engine.restarted.wait(0.1)
    assert engine.restarts == 0


def test_a_backoff_really_waits_and_stop_cuts_it_short() -> None:
    # Given the supervisor's own sleep (no fake), a 30 s first backoff, and an engine whose
    # restarts keep failing
    engine = FakeEngine(restart_outcomes=[False] * 10)
    supervisor = EngineSupervisor({"graph": engine}, poll_s=0.005, first_backoff_s=30.0)
    supervisor.start()
    try:
        # When it dies and the first restart fails
        engine.running = False
        wait_for(lambda: engine.restarts == 1)
        # Then no second attempt follows while the backoff runs
        assert not engine.restarted.wait(0.3)
        assert engine.restarts == 1
    finally:
        # And stop ends the backoff at once, not after 30 s (the join is bounded)
        supervisor.stop(timeout_s=WAIT_S)
    assert not any(
        thread.is_alive() for thread in threading.enumerate() if thread.name == "supervise-graph"
    )
