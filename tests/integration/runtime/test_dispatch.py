"""The background dispatcher of the local runtime: a send to an idle consumer is handed to it
with no receive; a send to a busy one starts it at once when it is done, without first counting
every queue (each count or receive is a database round trip with the Postgres store); polling
every queue still finds what no send announced."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.runtime import handlers
from walltrack.clock import ManualClock
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.local_queue import MemoryQueueStore

TEMPLATE_PATH = Path(__file__).with_name("template.yaml")
START = datetime(2026, 3, 10, 14, 0, 30, tzinfo=UTC)
AN_HOUR = 3600.0


class CountingStore(MemoryQueueStore):
    """The in-memory store, noting every read of the queues' states: which queues were
    counted, and how many reads (the runtime reads them on a full poll, and when it goes idle
    its wait needs each consumed queue's next visible time)."""

    def __init__(self) -> None:
        super().__init__()
        self.counted: list[str] = []
        self.idle_checks = 0
        self.other_reads = 0
        self.claims = 0  # receives that found messages
        self._notes = threading.Lock()

    def claim(self, queue_id: str, **kwargs: Any) -> Any:
        claimed = super().claim(queue_id, **kwargs)
        if claimed.messages:
            with self._notes:
                self.claims += 1
        return claimed

    def states(self, queue_ids: Collection[str], *, now: datetime) -> dict[str, Any]:
        with self._notes:
            self.counted.extend(queue_ids)
            self.idle_checks += 1
        return super().states(queue_ids, now=now)

    def counts(self, queue_id: str, *, now: datetime) -> tuple[int, int]:
        with self._notes:
            self.other_reads += 1
        return super().counts(queue_id, now=now)

    def next_visible_at(self, queue_id: str) -> datetime | None:
        with self._notes:
            self.other_reads += 1
        return super().next_visible_at(queue_id)


def _until(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def store() -> CountingStore:
    return CountingStore()


@pytest.fixture
def started(store: CountingStore) -> Iterator[LocalRuntime]:
    """A runtime in background mode whose clock never moves (no schedule comes due) and whose
    timer would poll every queue only after an hour, idle after its first pass."""
    handlers.reset()
    with LocalRuntime(
        TEMPLATE_PATH,
        clock=ManualClock(START),
        env={},
        queue_store=store,
        poll_interval=AN_HOUR,
    ) as rt:
        rt.start()
        _until(lambda: store.idle_checks > 0)
        yield rt
        handlers.release.set()
        rt.stop()


def _counted_at_invocation(rt: LocalRuntime, store: CountingStore) -> list[int]:
    """How many counts the store had served when each invocation began."""
    seen: list[int] = []
    invoke = rt.invoke

    def recorded(function_id: str, event: Any) -> Any:
        seen.append(len(store.counted))
        return invoke(function_id, event)

    rt.invoke = recorded  # type: ignore[method-assign]
    return seen


def test_a_full_poll_reads_every_queue_once_and_going_idle_reads_nothing_more(
    started: LocalRuntime, store: CountingStore
) -> None:
    # Given the runtime idle after its first pass (a full poll)
    # Then that pass read both consumed queues' states in one read, its idle wait took the
    # next visible times from that same read, and no queue was asked on its own
    assert store.idle_checks == 1
    assert sorted(store.counted) == ["LegacyQueue", "WorkQueue"]
    assert store.other_reads == 0


def test_a_send_to_an_idle_consumer_is_handed_to_it_with_no_count_and_no_receive(
    started: LocalRuntime, store: CountingStore
) -> None:
    # Given the idle runtime, whose first pass counted both consumed queues
    assert sorted(store.counted) == ["LegacyQueue", "WorkQueue"]
    counted_at = _counted_at_invocation(started, store)
    # When a message is sent to WorkQueue
    [message_id] = started.queue("WorkQueue").send_many([{"signal": True}])
    # Then its consumer runs with it, received once, and no queue was counted before
    assert handlers.delivered.wait(timeout=10)
    assert counted_at == [2]
    [seen] = handlers.seen
    assert (seen["message_id"], seen["receive_count"]) == (message_id, 1)
    # And no receive found it (it was stored received) and, handled, it is deleted
    assert store.claims == 0
    _until(lambda: store.messages("WorkQueue") == [])


def test_a_handed_message_whose_invocation_fails_returns_after_its_visibility_timeout() -> None:
    # Given a runtime in background mode whose timer polls every 20 ms
    handlers.reset()
    clock = ManualClock(START)
    with LocalRuntime(
        TEMPLATE_PATH, clock=clock, env={}, queue_store=MemoryQueueStore(), poll_interval=0.02
    ) as rt:
        rt.start()
        # When a message whose first delivery fails the whole batch is handed to its consumer
        rt.queue("WorkQueue").send({"crash_below_receive": 2, "signal": True})
        _until(lambda: len(handlers.seen) == 1)
        # Then it stays in flight, hidden for WorkQueue's visibility timeout (60 s)
        [held] = rt.queue("WorkQueue").messages()
        assert (held.receive_count, held.visible_at) == (1, START + timedelta(seconds=60))
        assert not handlers.delivered.wait(timeout=0.2)
        # And once that has passed, a receive delivers it again, its second receive
        clock.advance(61)
        assert handlers.delivered.wait(timeout=10)
        assert [s["receive_count"] for s in handlers.seen] == [1, 2]
        rt.stop()


class ObservedWake(threading.Event):
    """The dispatcher's wake-up event, counting its waits (a wait begins once a pass is over)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waits += 1
        return super().wait(timeout)


def test_a_send_to_a_busy_consumer_waits_without_a_count_and_follows_when_it_is_done(
    store: CountingStore,
) -> None:
    # Given an idle runtime in background mode (clock stopped, timer an hour away) whose
    # dispatcher's waits are observed, and WorkerFunction busy with a long invocation
    handlers.reset()
    with LocalRuntime(
        TEMPLATE_PATH, clock=ManualClock(START), env={}, queue_store=store, poll_interval=AN_HOUR
    ) as rt:
        wake = ObservedWake()
        rt._wake = wake  # white box: the only sign that a pass is over
        rt.start()
        _until(lambda: wake.waits > 0)
        counted_at = _counted_at_invocation(rt, store)
        rt.queue("WorkQueue").send({"block": True})
        _until(lambda: len(handlers.seen) == 1)
        idle_checks, waits = store.idle_checks, wake.waits
        # When another message is sent to its queue meanwhile
        rt.queue("WorkQueue").send({"signal": True})
        try:
            # Then the dispatcher, woken, went back to waiting without asking each queue again
            # when its next message becomes visible (nothing but a worker changes that)
            _until(lambda: wake.waits > waits)
            assert store.idle_checks == idle_checks
            assert not handlers.delivered.is_set()
        finally:
            handlers.release.set()
        # And when the busy invocation ends, the message sent meanwhile is delivered (received
        # from the queue: the consumer was busy when it was sent), with no full poll before
        assert handlers.delivered.wait(timeout=10)
        assert store.claims == 1
        assert counted_at == [2, 2]
        rt.stop()


def test_a_message_no_send_announced_is_found_when_a_consumer_that_received_finishes(
    store: CountingStore,
) -> None:
    # Given WorkerFunction busy with a long invocation of a message it received (stored before
    # the runtime started: the first pass polls every queue)
    handlers.reset()
    store.add(
        "WorkQueue", [(str(uuid.uuid4()), '{"block": true}')], sent_at=START, visible_at=START
    )
    with LocalRuntime(
        TEMPLATE_PATH, clock=ManualClock(START), env={}, queue_store=store, poll_interval=AN_HOUR
    ) as rt:
        rt.start()
        _until(lambda: len(handlers.seen) == 1)
        # When a message reaches WorkQueue without a send through the runtime (another
        # process's send: the queues are shared through Postgres under `walltrack run`), then
        # it finishes
        store.add(
            "WorkQueue",
            [(str(uuid.uuid4()), '{"signal": true}')],
            sent_at=START,
            visible_at=START,
        )
        handlers.release.set()
        # Then the pass after the invocation polls every queue and delivers it (the timer's
        # would come only after an hour)
        assert handlers.delivered.wait(timeout=10)
        rt.stop()


def test_the_timer_still_polls_every_queue_for_messages_no_send_announced() -> None:
    # Given an idle runtime in background mode polling every 50 ms
    handlers.reset()
    store = MemoryQueueStore()
    with LocalRuntime(
        TEMPLATE_PATH, clock=ManualClock(START), env={}, queue_store=store, poll_interval=0.05
    ) as rt:
        rt.start()
        # When a message reaches LegacyQueue without a send through the runtime
        store.add(
            "LegacyQueue",
            [(str(uuid.uuid4()), '{"signal": true}')],
            sent_at=START,
            visible_at=START,
        )
        # Then a timed pass finds it and its consumer runs
        assert handlers.delivered.wait(timeout=10)
        rt.stop()
