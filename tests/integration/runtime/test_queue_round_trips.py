"""The Postgres queue store's receive is one statement: it is on the path of every queue hop
of the local runtime (webhook -> signal -> position -> fill), where each round trip to the
database counts. (Its SQS semantics are held by test_persistent_queues.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from psycopg import Connection
from psycopg.rows import DictRow

from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.local_queues import PostgresQueueStore

NOW = datetime(2026, 3, 10, 14, 0, 30, tzinfo=UTC)
TIMEOUT = timedelta(seconds=60)
MAX_RECEIVE_COUNT = 5


class _CountedConnection:
    """A pooled connection whose statements and transaction blocks are counted."""

    def __init__(self, conn: Connection[DictRow], owner: CountingDatabase) -> None:
        self._conn = conn
        self._owner = owner

    def execute(self, query: Any, params: Any = None) -> Any:
        self._owner.statements += 1
        return self._conn.execute(query, params)

    def transaction(self) -> AbstractContextManager[Any]:
        self._owner.transactions += 1
        return self._conn.transaction()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class CountingDatabase(Database):
    def __init__(self, url: str) -> None:
        super().__init__(create_pool(url, min_size=1, max_size=2))
        self.statements = 0
        self.transactions = 0

    @contextmanager
    def own_connection(self) -> Iterator[Connection[DictRow]]:
        with super().own_connection() as conn:
            yield _CountedConnection(conn, self)  # type: ignore[misc]

    def relaxed(self, query: str, params: Any, *, own: bool = False) -> Any:
        # BEGIN, SET LOCAL, the statement and COMMIT go as one message: one round trip
        self.statements += 1
        return super().relaxed(query, params, own=own)

    def reset_counts(self) -> None:
        self.statements = self.transactions = 0


@pytest.fixture
def db(pg_url: str, clean_db: Database) -> Iterator[CountingDatabase]:
    counting = CountingDatabase(pg_url)
    yield counting
    counting.close()


def _receive(store: PostgresQueueStore, now: datetime) -> Any:
    return store.claim(
        "WorkQueue",
        now=now,
        limit=10,
        visibility_timeout=TIMEOUT,
        dead_letter_queue_id="WorkDLQ",
        max_receive_count=MAX_RECEIVE_COUNT,
    )


def test_a_receive_with_a_redrive_policy_is_one_statement(db: CountingDatabase) -> None:
    # Given a queue with a DLQ holding one message
    store = PostgresQueueStore(db)
    message_id = str(uuid.uuid4())
    store.add("WorkQueue", [(message_id, '{"n": 1}')], sent_at=NOW, visible_at=NOW)
    db.reset_counts()
    # When it is received
    claimed = _receive(store, NOW)
    # Then it was claimed by one statement, outside any transaction block (one round trip)
    assert [m.message_id for m in claimed.messages] == [message_id]
    assert (db.statements, db.transactions) == (1, 0)


def test_the_receive_that_moves_a_message_to_the_dlq_is_one_statement_too(
    db: CountingDatabase,
) -> None:
    # Given a message already received maxReceiveCount times, and a fresh one behind it
    store = PostgresQueueStore(db)
    exhausted, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    store.add("WorkQueue", [(exhausted, "{}")], sent_at=NOW, visible_at=NOW)
    now = NOW
    for _ in range(MAX_RECEIVE_COUNT):
        assert [m.message_id for m in _receive(store, now).messages] == [exhausted]
        now += TIMEOUT
    store.add("WorkQueue", [(fresh, "{}")], sent_at=now, visible_at=now)
    db.reset_counts()
    # When the queue is received from again
    claimed = _receive(store, now)
    # Then one statement moved the exhausted message to the DLQ and claimed the fresh one
    assert [m.message_id for m in claimed.dead_lettered] == [exhausted]
    assert [m.message_id for m in claimed.messages] == [fresh]
    assert (db.statements, db.transactions) == (1, 0)
    assert [m.message_id for m in store.messages("WorkDLQ")] == [exhausted]
