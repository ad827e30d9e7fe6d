"""outbox and consumed_messages: the SQL behind "no message lost, no effect doubled".

`OutboxRepository.add` joins the caller's transaction (see `Database.transaction`), so a
message is stored exactly when the state change that owes it commits. `claim_unsent` locks the
rows it returns (`for update skip locked`) for the caller's transaction: two sweeps running at
once never both send the same row (the relay sends rows too young for a sweep: `app.outbox`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from walltrack.data.models.messages import QueueName, StepMessage
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.local_queues import ENQUEUE, enqueue_params


@dataclass(frozen=True)
class OutboxRow:
    id: UUID
    queue: QueueName
    body: dict[str, Any]
    attempts: int


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, messages: Sequence[StepMessage]) -> None:
        if not messages:
            return
        # one statement (atomic by itself, one round trip), not executemany's pipeline
        with self._db.connection() as conn:
            conn.execute(
                "insert into public.outbox (id, queue, body)"
                " select * from unnest(%s::uuid[], %s::text[], %s::jsonb[])",
                (
                    [m.message_id for m in messages],
                    [m.queue for m in messages],
                    [Jsonb(m.model_dump(mode="json")) for m in messages],
                ),
            )

    def add_enqueued(
        self,
        messages: Sequence[StepMessage],
        *,
        queue_id: str,
        staged: Sequence[tuple[str, str]],
        sent_at: datetime,
        visible_at: datetime,
        receipt_handles: Sequence[str] | None = None,
    ) -> None:
        """The local runtime, whose queues are tables of this database: `messages` go into
        their queue (`staged`: its (message id, encoded body) pairs) and into the outbox
        already marked sent, in ONE statement that joins the caller's transaction. The send
        commits with the state change that owes it, so there is nothing to relay or mark
        afterwards: two round trips fewer per hand-on of the copy loop. `receipt_handles`: the
        messages are stored received once, by the runtime's hand-off (`StagedSend`)."""
        if not messages:
            return
        with self._db.connection() as conn:
            conn.execute(
                "with queued as (" + ENQUEUE + ")"  # noqa: S608 - constants only
                " insert into public.outbox (id, queue, body, sent_at, attempts)"
                " select o.id, o.queue, o.body, now(), 1"
                " from unnest(%(outbox_ids)s::uuid[], %(outbox_queues)s::text[],"
                " %(outbox_bodies)s::jsonb[]) as o(id, queue, body)",
                {
                    **enqueue_params(
                        queue_id,
                        staged,
                        sent_at=sent_at,
                        visible_at=visible_at,
                        receipt_handles=receipt_handles,
                    ),
                    "outbox_ids": [m.message_id for m in messages],
                    "outbox_queues": [m.queue for m in messages],
                    "outbox_bodies": [Jsonb(m.model_dump(mode="json")) for m in messages],
                },
            )

    def claim_unsent(self, *, older_than: timedelta, limit: int = 500) -> list[OutboxRow]:
        """Unsent rows written more than `older_than` ago, oldest first, locked until the
        caller's transaction ends; rows another transaction holds are skipped. Call inside
        `Database.transaction()`."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select id, queue, body, attempts from public.outbox"
                " where sent_at is null and created_at <= now() - %(age)s"
                " order by created_at, id limit %(limit)s for update skip locked",
                {"age": older_than, "limit": limit},
            ).fetchall()
        return [OutboxRow(r["id"], r["queue"], r["body"], r["attempts"]) for r in rows]

    def mark_sent(self, ids: Sequence[UUID]) -> None:
        if not ids:
            return
        # a mark lost in a crash only makes the sweep send again (consumers skip the id)
        self._db.relaxed(
            "update public.outbox set sent_at = now(), attempts = attempts + 1,"
            " last_error = null where id = any(%(ids)s)",
            {"ids": list(ids)},
        )

    def mark_failed(self, ids: Sequence[UUID], error: str) -> None:
        if not ids:
            return
        with self._db.connection() as conn:
            conn.execute(
                "update public.outbox set attempts = attempts + 1, last_error = %s"
                " where id = any(%s)",
                (error[:500], list(ids)),
            )

    def unsent(self) -> int:
        with self._db.connection() as conn:
            row = conn.execute(
                "select count(*) as n from public.outbox where sent_at is null"
            ).fetchone()
        return int(row["n"]) if row else 0

    def purge_sent(self, *, older_than: timedelta) -> int:
        """Forget messages sent long ago (the table would otherwise only grow)."""
        with self._db.connection() as conn:
            return conn.execute(
                "delete from public.outbox where sent_at < now() - %s", (older_than,)
            ).rowcount


class ConsumedMessages:
    """Which messages each consumer has handled (it skips a message id it has seen)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def seen(self, consumer: str, message_id: UUID) -> bool:
        with self._db.connection() as conn:
            row = conn.execute(
                "select 1 from public.consumed_messages where consumer = %s and message_id = %s",
                (consumer, message_id),
            ).fetchone()
        return row is not None

    def mark(self, consumer: str, message_id: UUID) -> None:
        # a mark lost in a crash only lets a redelivery run the (idempotent) job again
        self._db.relaxed(
            "insert into public.consumed_messages (consumer, message_id)"
            " values (%(consumer)s, %(id)s) on conflict do nothing",
            {"consumer": consumer, "id": message_id},
        )

    def purge(self, *, older_than: timedelta) -> int:
        """Forget ids older than any redelivery could be (SQS keeps a message 4 days)."""
        with self._db.connection() as conn:
            return conn.execute(
                "delete from public.consumed_messages where consumed_at < now() - %s",
                (older_than,),
            ).rowcount
