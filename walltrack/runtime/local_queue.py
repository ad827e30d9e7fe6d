"""An in-process queue with the SQS behaviour the pipeline relies on.

Visibility timeout, ApproximateReceiveCount, and redrive to a DLQ when a message would be
received a (maxReceiveCount + 1)-th time, as SQS does. Standard-queue semantics only: FIFO
message groups and deduplication are not modelled.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

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


def _epoch_ms(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


class LocalQueue:
    """Thread-safe: handlers send from worker threads while the runner receives."""

    def __init__(
        self,
        queue_id: str,
        *,
        clock: Clock,
        visibility_timeout: int = 30,
        delay_seconds: int = 0,
        dead_letter: LocalQueue | None = None,
        max_receive_count: int | None = None,
        region: str = "us-east-1",
        on_send: Callable[[], None] | None = None,
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
        self._on_send = on_send
        self._messages: dict[str, LocalMessage] = {}  # insertion order = send order
        self.dead_lettered = 0  # messages this queue has moved to its DLQ, ever
        self._lock = threading.Lock()
        self._log = get_logger(queue=queue_id)

    # -- QueuePort --------------------------------------------------------------------------------

    def send(self, body: MessageBody) -> str:
        return self.send_many([body])[0]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        now = self._clock.now()
        visible_at = now + timedelta(seconds=self.delay_seconds)
        messages = [
            LocalMessage(str(uuid.uuid4()), encode_body(b), sent_at=now, visible_at=visible_at)
            for b in bodies
        ]
        with self._lock:
            for message in messages:
                self._messages[message.message_id] = message
        for message in messages:
            self._log.debug("message sent", message_id=message.message_id)
        if messages and self._on_send is not None:
            self._on_send()
        return [m.message_id for m in messages]

    # -- the consumer side ------------------------------------------------------------------------

    def receive(self, max_messages: int = 10) -> list[LocalMessage]:
        """Up to `max_messages` visible messages, now hidden for the visibility timeout.

        A visible message already received maxReceiveCount times goes to the DLQ instead.
        """
        now = self._clock.now()
        batch: list[LocalMessage] = []
        exhausted: list[LocalMessage] = []
        with self._lock:
            for message in list(self._messages.values()):
                if len(batch) >= max_messages:
                    break
                if message.visible_at > now:
                    continue
                if (
                    self.dead_letter is not None
                    and self.max_receive_count is not None
                    and message.receive_count >= self.max_receive_count
                ):
                    del self._messages[message.message_id]
                    exhausted.append(message)
                    self.dead_lettered += 1
                    continue
                message.receive_count += 1
                message.first_received_at = message.first_received_at or now
                message.receipt_handle = f"{uuid.uuid4().hex}-{message.receive_count}"
                message.visible_at = now + timedelta(seconds=self.visibility_timeout)
                batch.append(replace(message))
        for message in exhausted:
            self._log.warning(
                "message moved to the DLQ",
                message_id=message.message_id,
                receive_count=message.receive_count,
                dlq=self.dead_letter.queue_id if self.dead_letter else None,
            )
            if self.dead_letter is not None:
                self.dead_letter.accept_dead_letter(message)
        return batch

    def delete(self, receipt_handle: str) -> bool:
        """Delete by the handle of the latest receive; an older handle no longer matches."""
        with self._lock:
            for message_id, message in self._messages.items():
                if message.receipt_handle == receipt_handle:
                    del self._messages[message_id]
                    return True
        return False

    def accept_dead_letter(self, message: LocalMessage) -> None:
        """Keep id, body, sent time and receive count, as SQS does when it redrives."""
        moved = replace(message, visible_at=self._clock.now(), receipt_handle=None)
        with self._lock:
            self._messages[moved.message_id] = moved
        if self._on_send is not None:
            self._on_send()

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
        now = self._clock.now()
        with self._lock:
            return sum(1 for m in self._messages.values() if m.visible_at <= now)

    def approximate_not_visible_count(self) -> int:
        """ApproximateNumberOfMessagesNotVisible: in flight or delayed."""
        now = self._clock.now()
        with self._lock:
            return sum(1 for m in self._messages.values() if m.visible_at > now)

    def messages(self) -> list[LocalMessage]:
        with self._lock:
            return [replace(m) for m in self._messages.values()]

    def messages_in_dlq(self) -> list[LocalMessage]:
        return self.dead_letter.messages() if self.dead_letter is not None else []

    def next_visible_at(self) -> datetime | None:
        with self._lock:
            return min((m.visible_at for m in self._messages.values()), default=None)

    def purge(self) -> int:
        with self._lock:
            count = len(self._messages)
            self._messages.clear()
            return count

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
