"""The queue port: how a function hands work to the next step.

Production functions get their queue's URL from an env var (`!Ref SomeQueue` is the URL) and
send through SQS; the local runner sets the same var to `local://queue/<LogicalId>` and the same
call lands in an in-process queue. boto3 is imported only when an SQS port is built, to keep the
cold import of handlers that never send small.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from uuid import UUID

from walltrack.errors import DependencyUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

LOCAL_QUEUE_PREFIX = "local://queue/"
SQS_BATCH_MAX_ENTRIES = 10
SQS_BATCH_MAX_BYTES = 256 * 1024  # the batch payload limit every SQS region accepts

MessageBody = str | Mapping[str, Any]


@runtime_checkable
class QueuePort(Protocol):
    """Send messages to one queue; returns message ids (SQS's, or the in-process queue's)."""

    def send(self, body: MessageBody) -> str: ...

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]: ...


class QueueSendError(DependencyUnavailableError):
    """SQS refused some entries of a batch; `failed` lists them (Id, Code, Message, SenderFault)."""

    def __init__(self, queue_url: str, failed: list[dict[str, Any]]) -> None:
        codes = ", ".join(sorted({str(f.get("Code")) for f in failed}))
        super().__init__("sqs", f"{len(failed)} message(s) not sent to {queue_url}: {codes}")
        self.queue_url = queue_url
        self.failed = failed


class LocalQueueNotRegisteredError(DependencyUnavailableError, LookupError):
    """A `local://queue/...` URL was used while no LocalRuntime holds that queue."""

    def __init__(self, message: str) -> None:
        super().__init__("queue", message)


def _json_default(value: Any) -> Any:
    # Decimal as a plain (non-exponent) string: a float would lose the precision money needs
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in a queue message")


def encode_body(body: MessageBody) -> str:
    """A message body as sent: strings as they are, mappings as compact JSON (Decimal-safe)."""
    if isinstance(body, str):
        return body
    return json.dumps(body, default=_json_default, separators=(",", ":"), ensure_ascii=False)


class SqsQueuePort:
    """QueuePort over boto3 SQS."""

    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    @property
    def client(self) -> SQSClient:
        if self._client is None:
            import boto3  # noqa: PLC0415 - only a function that sends pays for its import

            self._client = boto3.client("sqs", region_name=_region_of(self.queue_url))
        return self._client

    def send(self, body: MessageBody) -> str:
        response = self.client.send_message(QueueUrl=self.queue_url, MessageBody=encode_body(body))
        return response["MessageId"]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        """Send in batches of up to 10; raise QueueSendError if SQS failed any entry."""
        encoded = [encode_body(b) for b in bodies]
        ids: list[str] = [""] * len(encoded)
        failed: list[dict[str, Any]] = []
        for chunk in _chunks(encoded):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(index), "MessageBody": text} for index, text in chunk
            ]
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for ok in response.get("Successful", []):
                ids[int(ok["Id"])] = ok["MessageId"]
            failed.extend(dict(f) for f in response.get("Failed", []))
        if failed:
            raise QueueSendError(self.queue_url, failed)
        return ids


def _chunks(encoded: list[str]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    size = 0
    for index, text in enumerate(encoded):
        length = len(text.encode())
        if chunk and (len(chunk) == SQS_BATCH_MAX_ENTRIES or size + length > SQS_BATCH_MAX_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append((index, text))
        size += length
    if chunk:
        yield chunk


def _region_of(queue_url: str) -> str | None:
    """`https://sqs.<region>.amazonaws.com/<account>/<name>` → region; None lets boto3 choose."""
    host = queue_url.split("://", 1)[-1].split("/", 1)[0]
    parts = host.split(".")
    if len(parts) >= 3 and parts[0] == "sqs":
        return parts[1]
    return None


# -- the in-process registry (filled by walltrack.runtime.local.LocalRuntime) ---------------------

_local_queues: dict[str, QueuePort] = {}
_registry_lock = threading.Lock()


def local_queue_url(queue_id: str) -> str:
    return f"{LOCAL_QUEUE_PREFIX}{queue_id}"


def register_local_queue(queue_id: str, queue: QueuePort) -> None:
    with _registry_lock:
        _local_queues[queue_id] = queue


def unregister_local_queue(queue_id: str, queue: QueuePort | None = None) -> None:
    """Forget a queue; with `queue`, only if it is still the registered one."""
    with _registry_lock:
        if queue is None or _local_queues.get(queue_id) is queue:
            _local_queues.pop(queue_id, None)


def registered_local_queue(queue_id: str) -> QueuePort:
    with _registry_lock:
        queue = _local_queues.get(queue_id)
    if queue is None:
        raise LocalQueueNotRegisteredError(
            f"no in-process queue {queue_id!r} is registered: {local_queue_url(queue_id)} only "
            "works inside a running walltrack.runtime.local.LocalRuntime whose template "
            "declares that queue"
        )
    return queue


@dataclass(frozen=True)
class LocalQueueHandle:
    """Looks the queue up on every send, so a handler module that kept its port from an earlier
    runtime (tests build several) still reaches the live one."""

    queue_id: str

    def send(self, body: MessageBody) -> str:
        return registered_local_queue(self.queue_id).send(body)

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        return registered_local_queue(self.queue_id).send_many(bodies)


class CapturingQueuePort:
    """A queue port that keeps what it is sent, in order, encoded as a queue carries it: for a
    bench or a test that delivers the messages itself instead of running a consumer."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, body: MessageBody) -> str:
        return self.send_many([body])[0]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        start = len(self.bodies)
        self.bodies += [encode_body(body) for body in bodies]
        return [f"captured-{i}" for i in range(start, len(self.bodies))]


def queue_port_for(url: str) -> QueuePort:
    """The port for a queue URL from the environment: in-process when local, SQS otherwise."""
    if url.startswith(LOCAL_QUEUE_PREFIX):
        queue_id = url.removeprefix(LOCAL_QUEUE_PREFIX)
        registered_local_queue(queue_id)  # fail here, with the clear message, not at first send
        return LocalQueueHandle(queue_id)
    if not url:
        raise ValueError("empty queue URL: is the function's queue env var set?")
    return SqsQueuePort(url)
