"""A local queue with the SQS behaviour the pipeline relies on, over a pluggable store.

Visibility timeout, ApproximateReceiveCount, redrive to a DLQ when a message would be received
a (maxReceiveCount + 1)-th time, and delete by the latest receipt handle, as SQS does.
Standard-queue semantics only: FIFO message groups and deduplication are not modelled.

Where the messages live is a `QueueStore`: `walltrack run` gives the runtime the Postgres store
(`walltrack.data.postgres.local_queues`, built by the composition root) so in-flight messages
survive a restart; `MemoryQueueStore` below is the default for runtimes that must start empty
and need no database (unit tests, template checks, tests driving a runtime on a manual clock).
Both are held to the same SQS semantics by tests/integration/runtime/test_persistent_queues.py.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from walltrack.clock import Clock
from walltrack.log import get_logger
from walltrack.runtime.queues import MessageBody, encode_body

LOCAL_ACCOUNT_ID = "000000000000"
LOCAL_SENDER_ID = "AIDALOCALRUNTIME00000"


@dataclass
class LocalMessage:
    message_id: str
    body: str
    sent_at: datetime
    visible_at: datetime
    receive_count: int = 0
    first_received_at: datetime | None = None
    receipt_handle: str | None = None


@dataclass(frozen=True)
class StagedSend:
    """A send of a local queue's, prepared for a caller that writes it into the store's table
    inside a transaction of its own (the outbox, when the store is the same database): the
    (message id, encoded body) pairs in order, and their times. `LocalQueue.staged_sent`
    once it has committed.

    `receipt_handles`, one per message, when the queue's consumer takes them at once (the
    runtime's hand-off, `ConsumerHandoff`): they are stored as received once by it, in flight
    until `visible_at` (the visibility timeout), and `staged_sent` gives them to it, with no
    receive. None: stored visible, for a receive to find."""

    queue_id: str
    messages: list[tuple[str, str]]
    sent_at: datetime
    visible_at: datetime
    receipt_handles: tuple[str, ...] | None = None


class ConsumerHandoff(Protocol):
    """The runtime's side of a send whose consumer takes the messages from the sender's hand.

    Without it, a sent message waits in the store until the dispatcher, woken, starts the
    consumer's worker, which receives it: a wake-up, a thread hand-off and a receive (a
    database round trip with the Postgres store, ~3 ms of each copy-loop hop under load). With
    it, the send stores the messages already received (in flight, as a receive leaves them)
    and, once stored, hands them to the consumer's worker. Nothing of SQS's behaviour changes:
    a hand-off lost with the process leaves them in flight until their visibility timeout (or
    the next runtime's start), as a consumer's crash does."""

    def takes(self, queue_id: str, count: int) -> bool:
        """Whether `queue_id`'s consumer would take `count` messages sent now."""
        ...

    def deliver(self, queue_id: str, messages: list[LocalMessage]) -> None:
        """Messages `takes` agreed to, now stored as received: invoke their consumer."""
        ...


class QueuedMessage(Protocol):
    """A stored message as a store returns it."""

    @property
    def message_id(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def sent_at(self) -> datetime: ...
    @property
    def visible_at(self) -> datetime: ...
    @property
    def receive_count(self) -> int: ...
    @property
    def first_received_at(self) -> datetime | None: ...
    @property
    def receipt_handle(self) -> str | None: ...


class ClaimResult(Protocol):
    @property
    def messages(self) -> Sequence[QueuedMessage]: ...
    @property
    def dead_lettered(self) -> Sequence[QueuedMessage]: ...


class QueueState(Protocol):
    """One queue at a glance, as a store returns it: visible now, not visible (in flight or
    delayed), and when the first message becomes visible."""

    @property
    def visible(self) -> int: ...
    @property
    def hidden(self) -> int: ...
    @property
    def next_visible_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class _State:
    visible: int = 0
    hidden: int = 0
    next_visible_at: datetime | None = None


class QueueStore(Protocol):
    """Where a runtime's queues keep their messages; every queue of a runtime shares one."""

    def add(
        self,
        queue_id: str,
        messages: Sequence[tuple[str, str]],
        *,
        sent_at: datetime,
        visible_at: datetime,
        receipt_handles: Sequence[str] | None = None,
    ) -> None:
        """Store (message id, body) pairs in order; with `receipt_handles` (one per message)
        already received once, by a hand-off (`StagedSend`)."""
        ...

    def claim(
        self,
        queue_id: str,
        *,
        now: datetime,
        limit: int,
        visibility_timeout: timedelta,
        dead_letter_queue_id: str | None = None,
        max_receive_count: int | None = None,
    ) -> ClaimResult: ...

    def delete(self, queue_id: str, receipt_handle: str) -> bool: ...

    def counts(self, queue_id: str, *, now: datetime) -> tuple[int, int]: ...

    def next_visible_at(self, queue_id: str) -> datetime | None: ...

    def states(self, queue_ids: Collection[str], *, now: datetime) -> Mapping[str, QueueState]:
        """Every queue of `queue_ids` at once (one round trip in a database): the runtime's
        dispatcher reads them on each pass that polls every queue."""
        ...

    def messages(self, queue_id: str) -> Sequence[QueuedMessage]: ...

    def purge(self, queue_id: str) -> int: ...

    def release_in_flight(self, queue_ids: Collection[str], *, now: datetime) -> int: ...

    def close(self) -> None: ...


def _local(message: QueuedMessage) -> LocalMessage:
    return LocalMessage(
        message_id=message.message_id,
        body=message.body,
        sent_at=message.sent_at,
        visible_at=message.visible_at,
        receive_count=message.receive_count,
        first_received_at=message.first_received_at,
        receipt_handle=message.receipt_handle,
    )


@dataclass(frozen=True)
class _Claimed:
    messages: list[LocalMessage]
    dead_lettered: list[LocalMessage]


class MemoryQueueStore:
    """Messages in this process's memory: gone with it. Thread-safe: handlers send from worker
    threads while the runner receives."""

    def __init__(self) -> None:
        self._queues: dict[str, dict[str, LocalMessage]] = {}  # insertion order = send order
        self._lock = threading.Lock()

    def _queue(self, queue_id: str) -> dict[str, LocalMessage]:
        return self._queues.setdefault(queue_id, {})

    def add(
        self,
        queue_id: str,
        messages: Sequence[tuple[str, str]],
        *,
        sent_at: datetime,
        visible_at: datetime,
        receipt_handles: Sequence[str] | None = None,
    ) -> None:
        handles = receipt_handles if receipt_handles is not None else [None] * len(messages)
        with self._lock:
            queue = self._queue(queue_id)
            for (message_id, body), handle in zip(messages, handles, strict=True):
                queue[message_id] = LocalMessage(
                    message_id,
                    body,
                    sent_at=sent_at,
                    visible_at=visible_at,
                    receive_count=0 if handle is None else 1,
                    first_received_at=None if handle is None else sent_at,
                    receipt_handle=handle,
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
    ) -> _Claimed:
        batch: list[LocalMessage] = []
        dead: list[LocalMessage] = []
        with self._lock:
            queue = self._queue(queue_id)
            for message in list(queue.values()):
                if message.visible_at > now:
                    continue
                if (
                    dead_letter_queue_id is not None
                    and max_receive_count is not None
                    and message.receive_count >= max_receive_count
                ):
                    # kept: id, body, sent time and receive count, as SQS does when it redrives
                    del queue[message.message_id]
                    moved = replace(message, visible_at=now, receipt_handle=None)
                    self._queue(dead_letter_queue_id)[moved.message_id] = moved
                    dead.append(replace(moved))
                    continue
                if len(batch) >= limit:
                    continue
                message.receive_count += 1
                message.first_received_at = message.first_received_at or now
                message.receipt_handle = f"{uuid.uuid4().hex}-{message.receive_count}"
                message.visible_at = now + visibility_timeout
                batch.append(replace(message))
        return _Claimed(batch, dead)

    def delete(self, queue_id: str, receipt_handle: str) -> bool:
        with self._lock:
            queue = self._queue(queue_id)
            for message_id, message in queue.items():
                if message.receipt_handle == receipt_handle:
                    del queue[message_id]
                    return True
        return False

    def counts(self, queue_id: str, *, now: datetime) -> tuple[int, int]:
        state = self.states([queue_id], now=now)[queue_id]
        return state.visible, state.hidden

    def next_visible_at(self, queue_id: str) -> datetime | None:
        with self._lock:
            return min((m.visible_at for m in self._queue(queue_id).values()), default=None)

    def states(self, queue_ids: Collection[str], *, now: datetime) -> dict[str, _State]:
        with self._lock:
            times = {q: [m.visible_at for m in self._queue(q).values()] for q in queue_ids}
        return {
            q: _State(
                visible=sum(1 for t in ts if t <= now),
                hidden=sum(1 for t in ts if t > now),
                next_visible_at=min(ts, default=None),
            )
            for q, ts in times.items()
        }

    def messages(self, queue_id: str) -> list[LocalMessage]:
        with self._lock:
            return [replace(m) for m in self._queue(queue_id).values()]

    def purge(self, queue_id: str) -> int:
        with self._lock:
            queue = self._queue(queue_id)
            count = len(queue)
            queue.clear()
            return count

    def release_in_flight(self, queue_ids: Collection[str], *, now: datetime) -> int:
        released = 0
        with self._lock:
            for queue_id in queue_ids:
                for message in self._queue(queue_id).values():
                    if message.receipt_handle is not None and message.visible_at > now:
                        message.visible_at, message.receipt_handle = now, None
                        released += 1
        return released

    def close(self) -> None:
        """Nothing to release: the messages go with the process."""


def _epoch_ms(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


class LocalQueue:
    """One template queue: SQS's send/receive/delete over its runtime's store."""

    def __init__(
        self,
        queue_id: str,
        *,
        clock: Clock,
        store: QueueStore | None = None,
        visibility_timeout: int = 30,
        delay_seconds: int = 0,
        dead_letter: LocalQueue | None = None,
        max_receive_count: int | None = None,
        region: str = "us-east-1",
        on_send: Callable[[], None] | None = None,
        handoff: ConsumerHandoff | None = None,
    ) -> None:
        if dead_letter is not None and not max_receive_count:
            raise ValueError(f"queue {queue_id}: a DLQ needs a maxReceiveCount")
        self.queue_id = queue_id
        self.visibility_timeout = visibility_timeout
        self.delay_seconds = delay_seconds
        self.dead_letter = dead_letter
        self.max_receive_count = max_receive_count
        self.region = region
        self.arn = f"arn:aws:sqs:{region}:{LOCAL_ACCOUNT_ID}:{queue_id}"
        self._clock = clock
        self._store: QueueStore = store if store is not None else MemoryQueueStore()
        self._on_send = on_send
        self._handoff = handoff
        self.dead_lettered = 0  # messages this queue has moved to its DLQ, in this process
        self._log = get_logger(queue=queue_id)

    # -- QueuePort --------------------------------------------------------------------------------

    def send(self, body: MessageBody) -> str:
        return self.send_many([body])[0]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        staged = self.stage(bodies)
        self._store.add(
            self.queue_id,
            staged.messages,
            sent_at=staged.sent_at,
            visible_at=staged.visible_at,
            receipt_handles=staged.receipt_handles,
        )
        self.staged_sent(staged)
        return [message_id for message_id, _body in staged.messages]

    @property
    def store(self) -> QueueStore:
        return self._store

    def stage(self, bodies: Iterable[MessageBody]) -> StagedSend:
        """What sending `bodies` now stores (ids, encoded bodies, sent and visible times), for a
        caller that writes it to the store itself, in its own transaction."""
        now = self._clock.now()
        messages = [(str(uuid.uuid4()), encode_body(b)) for b in bodies]
        handoff = self._handoff
        if (
            messages
            and self.delay_seconds == 0
            and handoff is not None
            and handoff.takes(self.queue_id, len(messages))
        ):
            # as a receive now would leave them: received once, hidden for the timeout
            return StagedSend(
                self.queue_id,
                messages,
                sent_at=now,
                visible_at=now + timedelta(seconds=self.visibility_timeout),
                receipt_handles=tuple(f"{uuid.uuid4().hex}-1" for _ in messages),
            )
        return StagedSend(
            self.queue_id,
            messages,
            sent_at=now,
            visible_at=now + timedelta(seconds=self.delay_seconds),
        )

    def staged_sent(self, staged: StagedSend) -> None:
        """`staged` is stored (committed): hand it to its consumer when it was staged for that,
        else wake the dispatcher, as a send does."""
        for message_id, _body in staged.messages:
            self._log.debug("message sent", message_id=message_id)
        if staged.receipt_handles is not None and self._handoff is not None:
            self._handoff.deliver(
                self.queue_id,
                [
                    LocalMessage(
                        message_id,
                        body,
                        sent_at=staged.sent_at,
                        visible_at=staged.visible_at,
                        receive_count=1,
                        first_received_at=staged.sent_at,
                        receipt_handle=handle,
                    )
                    for (message_id, body), handle in zip(
                        staged.messages, staged.receipt_handles, strict=True
                    )
                ],
            )
            return
        if staged.messages and self._on_send is not None:
            self._on_send()

    # -- the consumer side ------------------------------------------------------------------------

    def receive(self, max_messages: int = 10) -> list[LocalMessage]:
        """Up to `max_messages` visible messages, now hidden for the visibility timeout.

        A visible message already received maxReceiveCount times goes to the DLQ instead.
        """
        dlq = self.dead_letter
        claimed = self._store.claim(
            self.queue_id,
            now=self._clock.now(),
            limit=max_messages,
            visibility_timeout=timedelta(seconds=self.visibility_timeout),
            dead_letter_queue_id=dlq.queue_id if dlq is not None else None,
            max_receive_count=self.max_receive_count if dlq is not None else None,
        )
        for message in claimed.dead_lettered:
            self._log.warning(
                "message moved to the DLQ",
                message_id=message.message_id,
                receive_count=message.receive_count,
                dlq=dlq.queue_id if dlq else None,
            )
        if claimed.dead_lettered:
            self.dead_lettered += len(claimed.dead_lettered)
            if self._on_send is not None:  # the runtime's wake-up: the DLQ's consumer has work
                self._on_send()
        return [_local(m) for m in claimed.messages]

    def delete(self, receipt_handle: str) -> bool:
        """Delete by the handle of the latest receive; an older handle no longer matches."""
        return self._store.delete(self.queue_id, receipt_handle)

    def record(self, message: LocalMessage) -> dict[str, Any]:
        """The message as one SQS event record (fixtures/aws/sqs_event.json)."""
        first = message.first_received_at or message.sent_at
        return {
            "messageId": message.message_id,
            "receiptHandle": message.receipt_handle or "",
            "body": message.body,
            "attributes": {
                "ApproximateReceiveCount": str(message.receive_count),
                "SentTimestamp": _epoch_ms(message.sent_at),
                "SenderId": LOCAL_SENDER_ID,
                "ApproximateFirstReceiveTimestamp": _epoch_ms(first),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(message.body.encode(), usedforsecurity=False).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": self.region,
        }

    # -- inspection (tests, the Scheduler tab) ---------------------------------------------

    def approximate_count(self) -> int:
        """ApproximateNumberOfMessages: visible now."""
        return self._store.counts(self.queue_id, now=self._clock.now())[0]

    def approximate_not_visible_count(self) -> int:
        """ApproximateNumberOfMessagesNotVisible: in flight or delayed."""
        return self._store.counts(self.queue_id, now=self._clock.now())[1]

    def messages(self) -> list[LocalMessage]:
        return [_local(m) for m in self._store.messages(self.queue_id)]

    def messages_in_dlq(self) -> list[LocalMessage]:
        return self.dead_letter.messages() if self.dead_letter is not None else []

    def next_visible_at(self) -> datetime | None:
        return self._store.next_visible_at(self.queue_id)

    def purge(self) -> int:
        return self._store.purge(self.queue_id)

    def __len__(self) -> int:
        return sum(self._store.counts(self.queue_id, now=self._clock.now()))
