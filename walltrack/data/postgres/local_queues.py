"""local_queue_messages: the local runtime's SQS queues, kept in Postgres (ARCHITECTURE §5).

`walltrack run` keeps template.yaml's queues here so a message sent, or received and not yet
deleted, outlives the process, as an SQS message outlives its consumer. The SQS behaviour
(visibility timeout, receive count, redrive to the DLQ, delete by the latest receipt handle) is
the same as the in-memory store's in `walltrack.runtime.local_queue`; times are the runtime's
business clock, passed in, so a fast-forwarded market fast-forwards visibility too.

Every call runs on a connection of its own and commits at once: like SQS, a send or a delete
never joins the caller's transaction. A receive claims its rows with `FOR UPDATE SKIP LOCKED`,
so two consumers never get the same message and never wait for each other.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from walltrack.data.postgres.database import Database


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored (the shape `walltrack.runtime.local_queue.QueuedMessage` reads)."""

    message_id: str
    body: str
    sent_at: datetime
    visible_at: datetime
    receive_count: int
    first_received_at: datetime | None
    receipt_handle: str | None


@dataclass(frozen=True)
class StoredQueueState:
    """A queue at a glance (the shape `walltrack.runtime.local_queue.QueueState` reads)."""

    visible: int = 0
    hidden: int = 0
    next_visible_at: datetime | None = None


@dataclass(frozen=True)
class Claimed:
    messages: list[StoredMessage]
    """Received now, in send order, hidden until `now + visibility timeout`."""
    dead_lettered: list[StoredMessage]
    """Moved to the DLQ instead: they had been received maxReceiveCount times already."""


def _message(row: dict[str, Any]) -> StoredMessage:
    return StoredMessage(
        message_id=row["message_id"],
        body=row["body"],
        sent_at=row["sent_at"],
        visible_at=row["visible_at"],
        receive_count=row["receive_count"],
        first_received_at=row["first_received_at"],
        receipt_handle=row["receipt_handle"],
    )


ENQUEUE = (
    "insert into public.local_queue_messages (queue_id, message_id, body, sent_at, visible_at,"
    " receive_count, first_received_at, receipt_handle)"
    " select %(queue)s, m.id, m.body, %(sent)s, %(visible)s,"
    " case when m.handle = '' then 0 else 1 end,"
    " case when m.handle = '' then null else %(sent)s::timestamptz end,"
    " nullif(m.handle, '')"
    " from unnest(%(ids)s::uuid[], %(bodies)s::text[], %(handles)s::text[])"
    " with ordinality as m(id, body, handle, n)"
    " order by m.n"
)
"""Messages into a queue, in the given order (`seq` follows it), visible or (with a receipt
handle) already received once; parameters: `enqueue_params`. Also the outbox's, for a queue in
its own database (`OutboxRepository.add_enqueued`)."""


def enqueue_params(
    queue_id: str,
    messages: Sequence[tuple[str, str]],
    *,
    sent_at: datetime,
    visible_at: datetime,
    receipt_handles: Sequence[str] | None = None,
) -> dict[str, Any]:
    """ENQUEUE's parameters for (message id, body) pairs (no handle: '' in the array)."""
    return {
        "queue": queue_id,
        "ids": [mid for mid, _ in messages],
        "bodies": [body for _, body in messages],
        "handles": list(receipt_handles) if receipt_handles is not None else [""] * len(messages),
        "sent": sent_at,
        "visible": visible_at,
    }


class PostgresQueueStore:
    """The queue store of `walltrack.runtime.local_queue.LocalQueue`, in Postgres."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def database(self) -> Database:
        return self._db

    def add(
        self,
        queue_id: str,
        messages: Sequence[tuple[str, str]],
        *,
        sent_at: datetime,
        visible_at: datetime,
        receipt_handles: Sequence[str] | None = None,
    ) -> None:
        """Store (message_id, body) pairs, in order, visible from `visible_at` (with
        `receipt_handles`: received once, by the runtime's hand-off).

        One statement (atomic by itself, one round trip; `seq` follows the given order), not
        waited for on disk: every send comes from the outbox relay, which marks its rows sent
        after this (also unwaited, and later in the same write-ahead log), so a crash of the
        machine that loses this insert loses that mark too and the relay's sweep sends again.
        A crash of WallTrack alone loses nothing either way."""
        if not messages:
            return
        self._db.relaxed(
            ENQUEUE,
            enqueue_params(
                queue_id,
                messages,
                sent_at=sent_at,
                visible_at=visible_at,
                receipt_handles=receipt_handles,
            ),
            own=True,
        )

    def claim(
        self,
        queue_id: str,
        *,
        now: datetime,
        limit: int,
        visibility_timeout: timedelta,
        dead_letter_queue_id: str | None = None,
        max_receive_count: int | None = None,
    ) -> Claimed:
        """Receive up to `limit` visible messages; first move the visible ones already received
        `max_receive_count` times to the DLQ (with their id, body, sent time and count), as SQS
        does on the receive that would exceed it. One statement (one round trip: a receive is
        on the path of every queue hop), so one transaction; locked rows are skipped. The two
        parts never touch the same row: the DLQ's take the exhausted ones, the claim's only
        the others. Not waited for on disk: a receive lost in a crash of the machine leaves
        the message visible with its count, as if never received (SQS delivers at least once;
        each consumer skips a message id it has handled)."""
        redrive = dead_letter_queue_id is not None and max_receive_count is not None
        rows = self._db.relaxed(
            "with exhausted as ("
            " select seq from public.local_queue_messages"
            " where %(redrive)s and queue_id = %(queue)s and visible_at <= %(now)s"
            " and receive_count >= %(max)s"
            " order by seq for update skip locked),"
            " moved as ("
            " update public.local_queue_messages m"
            " set queue_id = %(dlq)s, seq = default, visible_at = %(now)s,"
            " receipt_handle = null"
            " from exhausted where m.seq = exhausted.seq"
            " returning true as dead, m.seq, m.message_id::text as message_id, m.body,"
            " m.sent_at, m.visible_at, m.receive_count, m.first_received_at,"
            " m.receipt_handle),"
            " picked as ("
            " select seq from public.local_queue_messages"
            " where queue_id = %(queue)s and visible_at <= %(now)s"
            " and (not %(redrive)s or receive_count < %(max)s)"
            " order by seq limit %(limit)s for update skip locked),"
            " claimed as ("
            " update public.local_queue_messages m"
            " set receive_count = m.receive_count + 1,"
            " first_received_at = coalesce(m.first_received_at, %(now)s),"
            " receipt_handle = replace(gen_random_uuid()::text, '-', '')"
            " || '-' || (m.receive_count + 1),"
            " visible_at = %(now)s + %(timeout)s"
            " from picked where m.seq = picked.seq"
            " returning false as dead, m.seq, m.message_id::text as message_id, m.body,"
            " m.sent_at, m.visible_at, m.receive_count, m.first_received_at,"
            " m.receipt_handle)"
            " select * from moved union all select * from claimed",
            {
                "redrive": redrive,
                "queue": queue_id,
                "now": now,
                "max": max_receive_count if redrive else 0,
                "dlq": dead_letter_queue_id if redrive else queue_id,
                "limit": limit,
                "timeout": visibility_timeout,
            },
            own=True,
        ).rows
        ordered = sorted(rows, key=lambda r: r["seq"])
        return Claimed(
            [_message(r) for r in ordered if not r["dead"]],
            [_message(r) for r in ordered if r["dead"]],
        )

    def delete(self, queue_id: str, receipt_handle: str) -> bool:
        """Delete by the latest receive's handle; an older handle matches nothing, as in SQS."""
        # a delete lost in a crash redelivers the message, as SQS may: consumers skip its id
        done = self._db.relaxed(
            "delete from public.local_queue_messages"
            " where queue_id = %(queue)s and receipt_handle = %(handle)s",
            {"queue": queue_id, "handle": receipt_handle},
            own=True,
        )
        return done.rowcount > 0

    def counts(self, queue_id: str, *, now: datetime) -> tuple[int, int]:
        """(visible now, not visible: in flight or delayed)."""
        state = self.states([queue_id], now=now)[queue_id]
        return state.visible, state.hidden

    def states(self, queue_ids: Collection[str], *, now: datetime) -> dict[str, StoredQueueState]:
        """Counts and next visible time of every queue in `queue_ids`, in one statement: the
        runtime's dispatcher reads every consumed queue at once (it used to ask two statements
        per queue, ~30 a pass, racing the consumers it had just started), the pipeline panel a
        queue and its DLQ; an empty queue reads as zeros."""
        with self._db.own_connection() as conn:
            rows = conn.execute(
                "select queue_id,"
                " count(*) filter (where visible_at <= %(now)s) as visible,"
                " count(*) filter (where visible_at > %(now)s) as hidden,"
                " min(visible_at) as next_at"
                " from public.local_queue_messages where queue_id = any(%(queues)s)"
                " group by queue_id",
                {"queues": list(queue_ids), "now": now},
            ).fetchall()
        found = {
            r["queue_id"]: StoredQueueState(int(r["visible"]), int(r["hidden"]), r["next_at"])
            for r in rows
        }
        return {queue_id: found.get(queue_id, StoredQueueState()) for queue_id in queue_ids}

    def next_visible_at(self, queue_id: str) -> datetime | None:
        with self._db.own_connection() as conn:
            row = conn.execute(
                "select min(visible_at) as at from public.local_queue_messages where queue_id = %s",
                (queue_id,),
            ).fetchone()
        return row["at"] if row else None

    def messages(self, queue_id: str) -> list[StoredMessage]:
        """Every message of the queue, in send order."""
        with self._db.own_connection() as conn:
            rows = conn.execute(
                "select message_id::text as message_id, body, sent_at, visible_at, receive_count,"
                " first_received_at, receipt_handle from public.local_queue_messages"
                " where queue_id = %s order by seq",
                (queue_id,),
            ).fetchall()
        return [_message(r) for r in rows]

    def purge(self, queue_id: str) -> int:
        with self._db.own_connection() as conn:
            return conn.execute(
                "delete from public.local_queue_messages where queue_id = %s", (queue_id,)
            ).rowcount

    def release_in_flight(self, queue_ids: Collection[str], *, now: datetime) -> int:
        """Make every received-but-not-deleted message of `queue_ids` visible at `now`, its
        receipt handle void and its receive count kept; returns how many. Delayed messages
        never received stay delayed."""
        with self._db.own_connection() as conn:
            return conn.execute(
                "update public.local_queue_messages"
                " set visible_at = %(now)s, receipt_handle = null"
                " where queue_id = any(%(queues)s) and receipt_handle is not null"
                " and visible_at > %(now)s",
                {"queues": list(queue_ids), "now": now},
            ).rowcount

    def close(self) -> None:
        """Close the store's own pool (the composition root gives it one)."""
        self._db.close()
