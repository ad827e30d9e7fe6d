"""Under the local runtime with its queues in Postgres (`walltrack run`), a message a step owes
goes straight into its queue's table in the step's own transaction (`PipelineOutbox.put`): in
the queue exactly when the state change that owes it commits, its outbox row kept as sent,
nothing left for the relay. And a consumer of such a queue commits without waiting for the WAL
flush (`relaxed_commits`: its message's delete is logged after its commit). On real Postgres,
with the runtime's own queue store."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest

from tests.support.stack import Stack
from walltrack.app.handlers import _commits_for
from walltrack.data.models.messages import PositionOpenRequested
from walltrack.runtime.local_queue import LocalQueue

STACK_EXCLUDE = ("WalletProfileFunction",)
QUEUE = "PositionOpenQueue"


class CrashError(Exception):
    """Stands for a failure inside the step's transaction, after its message was put."""


def _queued(queue: LocalQueue) -> list[dict[str, object]]:
    return [json.loads(m.body) for m in queue.store.messages(QUEUE)]


def _outbox(stack: Stack) -> list[tuple[str, bool]]:
    with stack.container.db.connection() as conn:
        rows = conn.execute(
            "select id::text as id, sent_at is not null as sent from public.outbox order by id"
        ).fetchall()
    return [(r["id"], r["sent"]) for r in rows]


def test_a_message_is_in_its_local_queue_exactly_when_the_transaction_that_owes_it_commits(
    stack: Stack,
) -> None:
    # Given the runtime's position_open queue, kept in the container's own database
    queue = stack.runtime.queue(QUEUE)
    container = stack.container
    message = PositionOpenRequested.for_signal(41)
    # When a step puts a message for it inside its transaction
    with container.db.transaction():
        container.outbox.put([message])
        # Then it is already in the queue's table inside that transaction (no relay after)
        with container.db.connection() as conn:
            inside = conn.execute(
                "select count(*) as n from public.local_queue_messages where queue_id = %s",
                (QUEUE,),
            ).fetchone()
        assert inside == {"n": 1}
        # And nobody else sees it before the commit
        assert _queued(queue) == []
    # And once committed it is in the queue, as the relay would have sent it
    assert _queued(queue) == [message.model_dump(mode="json")]
    # And its outbox row is kept, already sent: the sweep has nothing to send
    assert _outbox(stack) == [(str(message.message_id), True)]
    assert container.relay.sweep(min_age=timedelta(0)).sent == 0


def test_a_rolled_back_transaction_leaves_neither_the_message_nor_its_outbox_row(
    stack: Stack,
) -> None:
    # Given the runtime's position_open queue in the container's database
    queue = stack.runtime.queue(QUEUE)
    container = stack.container

    def step() -> None:
        with container.db.transaction():
            container.outbox.put([PositionOpenRequested.for_signal(42)])
            raise CrashError

    # When the step's transaction fails after putting its message
    with pytest.raises(CrashError):
        step()
    # Then neither the queue nor the outbox holds it
    assert _queued(queue) == []
    assert _outbox(stack) == []


def test_the_consumer_receives_a_message_put_directly_and_handles_it(stack: Stack) -> None:
    # Given a message put for position_open naming a signal that is not stored
    container = stack.container
    with container.db.transaction():
        container.outbox.put([PositionOpenRequested.for_signal(43)])
    # When the runtime delivers its queue
    stack.runtime.run_until_idle()
    # Then position_open received it (and failed it: the signal is not stored), so it is
    # back in flight with one receive, as any message its consumer failed
    [stored] = stack.runtime.queue(QUEUE).store.messages(QUEUE)
    assert stored.receive_count == 1


def test_in_background_a_message_put_directly_is_handed_to_its_idle_consumer_at_the_commit(
    stack: Stack,
) -> None:
    # Given the runtime running in background mode, position_open idle, its receives counted
    runtime = stack.runtime
    queue = runtime.queue(QUEUE)
    invoked: list[list[int]] = []
    invoke = runtime.invoke

    def recorded(function_id: str, event: Any) -> Any:
        if function_id == "PositionOpenFunction":
            counts = [int(r["attributes"]["ApproximateReceiveCount"]) for r in event["Records"]]
            invoked.append(counts)
        return invoke(function_id, event)

    runtime.invoke = recorded  # type: ignore[method-assign]
    receive = queue.receive
    receives: list[int] = []

    def counted(max_messages: int = 10) -> Any:
        got = receive(max_messages)
        receives.append(len(got))
        return got

    queue.receive = counted  # type: ignore[method-assign]
    runtime.start()
    try:
        # When a step puts a message for it and commits
        with stack.container.db.transaction():
            stack.container.outbox.put([PositionOpenRequested.for_signal(44)])
            # (stored already received by its consumer, not yet visible to anyone else)
            assert _queued(queue) == []
        # Then position_open is invoked with it, received once, and no receive found it
        deadline = time.monotonic() + 10
        while not invoked:
            assert time.monotonic() < deadline, "position_open was not invoked"
            time.sleep(0.01)
        assert invoked == [[1]]
        assert sum(receives) == 0
    finally:
        runtime.stop()
    # And, failed (its signal is not stored), it stays in flight for its visibility timeout
    [stored] = queue.store.messages(QUEUE)
    assert stored.receive_count == 1
    assert stored.visible_at > runtime.clock.now()


def _synchronous_commit(stack: Stack) -> str:
    db = stack.container.db
    with db.transaction(), db.connection() as conn:
        row = conn.execute("show synchronous_commit").fetchone()
    assert row is not None
    return str(row["synchronous_commit"])


def test_a_consumer_of_a_local_queue_in_its_own_database_commits_without_waiting_for_the_flush(
    stack: Stack,
) -> None:
    # Given records from the runtime's own position_open queue (kept in the container's
    # database), from a real SQS queue, and from a local queue this process does not run
    queue = stack.runtime.queue(QUEUE)
    local = {"Records": [{"eventSourceARN": queue.arn}]}
    sqs = {"Records": [{"eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:" + QUEUE}]}
    unknown = {"Records": [{"eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:NoSuchQueue"}]}
    # When a job's transaction runs while each is consumed
    seen = {}
    for name, event in (("local", local), ("sqs", sqs), ("unknown", unknown)):
        with _commits_for(event, stack.container):
            seen[name] = _synchronous_commit(stack)
    # Then only the local queue's consumer commits without waiting for the WAL flush
    assert seen == {"local": "off", "sqs": "on", "unknown": "on"}
    # And outside any consumer, commits wait as always
    assert _synchronous_commit(stack) == "on"
