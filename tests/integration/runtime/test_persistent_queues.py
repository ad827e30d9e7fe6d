"""The local runtime's queues kept in the embedded Postgres (`walltrack run`): SQS semantics
(visibility timeout, receive count, redrive to the DLQ, delete by receipt handle, send order)
held by both stores, messages that outlive a killed runtime, and concurrent consumers that never
share a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REPO_ROOT
from tests.integration.runtime import handlers
from walltrack.app.container import build_local_queue_store
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.local_queues import PostgresQueueStore
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.local_queue import LocalMessage, LocalQueue, MemoryQueueStore, QueueStore

TEMPLATE_PATH = Path(__file__).with_name("template.yaml")
START = datetime(2026, 3, 10, 14, 0, 30, tzinfo=UTC)
VISIBILITY_TIMEOUT = 60  # WorkQueue in the test template
MAX_RECEIVE_COUNT = 5  # its redrive policy


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _runtime(clock: ManualClock, store: QueueStore) -> LocalRuntime:
    return LocalRuntime(TEMPLATE_PATH, clock=clock, env={}, region="us-east-1", queue_store=store)


@pytest.fixture(params=["memory", "postgres"])
def runtime(
    request: pytest.FixtureRequest, clock: ManualClock, base_env: EnvSettings, clean_db: Database
) -> Iterator[LocalRuntime]:
    """The test template's runtime over each store (the Postgres one emptied first)."""
    handlers.reset()
    store = MemoryQueueStore() if request.param == "memory" else build_local_queue_store(base_env)
    with _runtime(clock, store) as rt:
        yield rt


# -- the same SQS semantics in both stores --------------------------------------------------------


def test_the_states_of_several_queues_are_their_counts_and_next_visible_times(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given WorkQueue with one message in flight and one visible, and LegacyQueue empty
    work = runtime.queue("WorkQueue")
    work.send({"n": 1})
    [received] = work.receive(max_messages=1)
    work.send({"n": 2})
    # When both queues' states are read at once
    store = runtime._store  # white box: the dispatcher's read
    states = store.states(["WorkQueue", "LegacyQueue"], now=clock.now())
    # Then each says what the queue's own reads say
    assert (states["WorkQueue"].visible, states["WorkQueue"].hidden) == (1, 1)
    assert states["WorkQueue"].next_visible_at == work.next_visible_at() == START
    assert received.visible_at == START + timedelta(seconds=VISIBILITY_TIMEOUT)
    legacy = states["LegacyQueue"]
    assert (legacy.visible, legacy.hidden, legacy.next_visible_at) == (0, 0, None)


def test_a_received_message_stays_hidden_for_its_visibility_timeout_then_returns(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given a message received once and not deleted
    queue = runtime.queue("WorkQueue")
    sent = queue.send({"n": 1})
    [first] = queue.receive()
    assert (first.message_id, first.receive_count) == (sent, 1)
    # When the clock stops one second short of the visibility timeout
    clock.advance(VISIBILITY_TIMEOUT - 1)
    # Then it is in flight, not receivable
    assert queue.receive() == []
    assert (queue.approximate_count(), queue.approximate_not_visible_count()) == (0, 1)
    # When the timeout is up / Then it comes back, counted twice, under a new receipt handle
    clock.advance(1)
    [second] = queue.receive()
    assert (second.message_id, second.receive_count) == (sent, 2)
    assert second.receipt_handle != first.receipt_handle
    assert second.first_received_at == first.first_received_at == START
    # and only the latest handle deletes it, as in SQS
    assert first.receipt_handle is not None
    assert second.receipt_handle is not None
    assert queue.delete(first.receipt_handle) is False
    assert queue.delete(second.receipt_handle) is True
    assert len(queue) == 0


class _TakesAll:
    """A hand-off (the runtime's side) that takes every send and records what it was given."""

    def __init__(self) -> None:
        self.given: list[list[LocalMessage]] = []

    def takes(self, queue_id: str, count: int) -> bool:
        return True

    def deliver(self, queue_id: str, messages: list[LocalMessage]) -> None:
        self.given.append(messages)


def test_a_send_handed_to_its_consumer_is_stored_received_once_until_its_visibility_timeout(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given WorkQueue's store, and a queue over it whose consumer takes every send
    store = runtime._store  # white box: the runtime's store, each kind
    hand = _TakesAll()
    queue = LocalQueue(
        "WorkQueue", clock=clock, store=store, visibility_timeout=VISIBILITY_TIMEOUT, handoff=hand
    )
    # When a message is sent
    [message_id] = queue.send_many([{"n": 1}])
    # Then the consumer was given it, received once, with a receipt handle
    [[given]] = hand.given
    assert (given.message_id, given.receive_count, given.first_received_at) == (
        message_id,
        1,
        START,
    )
    assert given.receipt_handle
    # And it is stored so: in flight, hidden for the visibility timeout, with that handle
    [stored] = store.messages("WorkQueue")
    assert (stored.receive_count, stored.receipt_handle, stored.first_received_at) == (
        1, given.receipt_handle, START,
    )  # fmt: skip
    assert stored.visible_at == START + timedelta(seconds=VISIBILITY_TIMEOUT)
    assert queue.receive() == []
    # And unless deleted by that handle, it returns after the timeout: a second receive
    clock.advance(VISIBILITY_TIMEOUT)
    [again] = queue.receive()
    assert (again.message_id, again.receive_count) == (message_id, 2)
    assert not queue.delete(given.receipt_handle)  # an older receive's handle
    assert queue.delete(again.receipt_handle or "")


def test_messages_are_received_in_send_order_in_batches(runtime: LocalRuntime) -> None:
    # Given fifteen messages sent in order
    queue = runtime.queue("WorkQueue")
    sent = queue.send_many([{"n": i} for i in range(15)])
    # When received ten at a time / Then the first batch is the first ten, the next the rest
    assert [m.message_id for m in queue.receive(10)] == sent[:10]
    assert [m.message_id for m in queue.receive(10)] == sent[10:]
    assert queue.receive(10) == []


def test_a_poison_message_goes_to_the_dlq_after_max_receive_count_with_its_count(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given a poison message and a good one, consumed by the runner
    queue = runtime.queue("WorkQueue")
    good = queue.send({"n": 1})
    poison = queue.send({"poison": True})
    runtime.run_until_idle()
    # When it fails on every one of its maxReceiveCount deliveries
    for _ in range(MAX_RECEIVE_COUNT - 1):
        clock.advance(VISIBILITY_TIMEOUT)
        runtime.run_until_idle()
    # Then it is still in its queue
    assert queue.messages_in_dlq() == []
    # When it becomes visible once more / Then it moves to the DLQ instead of a 6th delivery
    clock.advance(VISIBILITY_TIMEOUT)
    runtime.run_until_idle()
    assert [s["receive_count"] for s in handlers.seen if s["message_id"] == poison] == [
        1,
        2,
        3,
        4,
        5,
    ]
    [dead] = queue.messages_in_dlq()
    assert (dead.message_id, dead.body, dead.receive_count) == (poison, '{"poison":true}', 5)
    assert dead.sent_at == START
    assert handlers.done == [good]
    assert len(queue) == 0


# -- surviving a restart (Postgres only) ----------------------------------------------------------

_DYING_RUNTIME = """
import json, os, signal, sys
from datetime import datetime
from pydantic import SecretStr
from walltrack.app.container import build_local_queue_store
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.runtime.local import LocalRuntime

env = EnvSettings(_env_file=None, database_url=SecretStr(sys.argv[2]))
clock = ManualClock(datetime.fromisoformat(sys.argv[3]))
runtime = LocalRuntime(sys.argv[1], clock=clock, env={}, queue_store=build_local_queue_store(env))
queue = runtime.queue("WorkQueue")
sent = queue.send_many([{"n": 1}, {"n": 2}, {"n": 3}])
received = [m.message_id for m in queue.receive(1)]  # a batch in flight when it dies
print(json.dumps({"sent": sent, "received": received}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no close, no cleanup: as a crash or `kill -9`
"""


def _run_and_kill_a_runtime(pg_url: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _DYING_RUNTIME, str(TEMPLATE_PATH), pg_url, START.isoformat()],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "WALLTRACK_LOG_LEVEL": "WARNING"},
    )
    assert done.returncode == -9, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_queued_and_in_flight_messages_survive_a_killed_runtime(
    base_env: EnvSettings, clean_db: Database, pg_url: str, clock: ManualClock
) -> None:
    # Given a runtime process that sent three messages, received the first, and was killed
    handlers.reset()
    killed = _run_and_kill_a_runtime(pg_url)
    first, second, third = killed["sent"]
    assert killed["received"] == [first]
    # When a new runtime starts on the same database, at the same business time
    with _runtime(clock, build_local_queue_store(base_env)) as restarted:
        queue = restarted.queue("WorkQueue")
        # Then all three are there, the one in flight visible again at once (its consumer is
        # gone), keeping its receive count
        assert [(m.message_id, m.receive_count) for m in queue.messages()] == [
            (first, 1),
            (second, 0),
            (third, 0),
        ]
        assert queue.approximate_count() == 3
        # When the runner consumes them
        restarted.run_until_idle()
        # Then each is delivered once more, in send order, the interrupted one as its 2nd receive
        assert [(s["message_id"], s["receive_count"]) for s in handlers.seen] == [
            (first, 2),
            (second, 1),
            (third, 1),
        ]
        assert handlers.done == [first, second, third]
        assert len(queue) == 0


def test_receive_counts_carry_over_restarts_so_a_poison_message_still_reaches_the_dlq(
    base_env: EnvSettings, clean_db: Database
) -> None:
    # Given a poison message delivered and failed by one runtime after another, each restarted
    # on the same database (a message that crashes its consumer every time)
    handlers.reset()
    clock = ManualClock(START)
    with _runtime(clock, build_local_queue_store(base_env)) as first:
        poison = first.queue("WorkQueue").send({"poison": True})
    for _ in range(MAX_RECEIVE_COUNT):
        with _runtime(clock, build_local_queue_store(base_env)) as rt:
            rt.run_until_idle()
        clock.advance(VISIBILITY_TIMEOUT)
    # When one more runtime starts and polls
    with _runtime(clock, build_local_queue_store(base_env)) as last:
        last.run_until_idle()
        # Then it was delivered maxReceiveCount times in all, then moved to the DLQ
        assert [s["receive_count"] for s in handlers.seen] == [1, 2, 3, 4, 5]
        assert [(m.message_id, m.receive_count) for m in last.queue("WorkDLQ").messages()] == [
            (poison, MAX_RECEIVE_COUNT)
        ]
        assert len(last.queue("WorkQueue")) == 0


def test_a_delayed_message_is_not_released_early_by_a_restart(
    base_env: EnvSettings, clean_db: Database
) -> None:
    # Given a message stored with a delay (never received) when its runtime stopped
    store = build_local_queue_store(base_env)
    later = START + timedelta(minutes=5)
    store.add("WorkQueue", [("6f1f4c1e-0000-4000-8000-000000000001", "{}")], sent_at=START,
              visible_at=later)  # fmt: skip
    store.close()
    # When a runtime restarts on it / Then the delay still holds
    with _runtime(ManualClock(START), build_local_queue_store(base_env)) as rt:
        assert rt.queue("WorkQueue").next_visible_at() == later
        assert rt.queue("WorkQueue").approximate_count() == 0


# -- concurrent consumers -------------------------------------------------------------------------

CONSUMERS = 8
MESSAGES = 400


def test_concurrent_consumers_never_receive_the_same_message(
    pg_url: str, clean_db: Database
) -> None:
    # Given many messages in one queue and eight consumers, each with a connection of its own
    stores = [
        PostgresQueueStore(Database(create_pool(pg_url, min_size=1, max_size=1)))
        for _ in range(CONSUMERS)
    ]
    stores[0].add(
        "WorkQueue",
        [(f"00000000-0000-4000-8000-{n:012d}", f'{{"n":{n}}}') for n in range(MESSAGES)],
        sent_at=START,
        visible_at=START,
    )
    got: list[list[str]] = [[] for _ in range(CONSUMERS)]
    start = threading.Barrier(CONSUMERS)

    def consume(index: int) -> None:
        start.wait(timeout=30)
        while True:
            claimed = stores[index].claim(
                "WorkQueue", now=START, limit=3, visibility_timeout=timedelta(minutes=10)
            )
            if not claimed.messages:
                return
            got[index].extend(m.message_id for m in claimed.messages)

    # When they all receive at once until the queue looks empty
    threads = [threading.Thread(target=consume, args=(i,)) for i in range(CONSUMERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for store in stores:
            store.close()
    # Then every message went to exactly one consumer
    received = [message_id for batch in got for message_id in batch]
    assert len(received) == len(set(received))
    assert len(set(received)) == MESSAGES
    assert sum(1 for batch in got if batch) > 1  # they did run side by side


# -- the table on Supabase ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_the_api_roles_hold_no_right_on_the_local_queue_table(pg_url: str, role: str) -> None:
    # Given the migrated database / When an API role's rights on the local queues are read
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    with psycopg.connect(pg_url) as conn:
        held = [
            p
            for p in privileges
            if conn.execute(
                "select has_table_privilege(%s, 'public.local_queue_messages', %s)", (role, p)
            ).fetchone()
            == (True,)
        ]
        rls = conn.execute(
            "select relrowsecurity from pg_class"
            " where oid = 'public.local_queue_messages'::regclass"
        ).fetchone()
    # Then it holds none, and row-level security is on
    assert held == []
    assert rls == (True,)
