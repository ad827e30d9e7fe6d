"""The transactional outbox: how a step hands work to the next one without ever losing it.

1. A step writes the messages it owes (`PipelineOutbox.put`, or one of the steps' named ports)
   in the same transaction as the state change that owes them (`Database.transaction`).
2. After that transaction commits, `OutboxRelay.relay` sends them to their queues (from memory:
   the step just wrote them) and marks them sent. A failed send is recorded on the rows and
   left for the sweep. The relay takes no row lock: the sweep only takes rows older than
   `SWEEP_MIN_AGE`, so the two can meet only when a relay runs that long after its commit, and
   then a message sent twice is skipped by its consumer (4.). One round trip per relay instead
   of four: the copy loop relays three times between a webhook and its fill.
3. `OutboxRelay.sweep` (the `outbox_relay` function, every minute) re-sends whatever is still
   unsent: a send that failed, or a process that died between the commit and the send.
4. Every message keeps its `message_id` across re-sends; consumers skip an id they have
   handled (`walltrack.app.handlers`), so a message sent twice changes nothing twice.

Under the local runtime whose queues are tables of the same database (`walltrack run`), 1.
writes the message into its queue too, and 2. and 3. have nothing to do (`PipelineOutbox`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from walltrack.data.models.messages import (
    ClusterEvidenceRequested,
    QueueName,
    StepMessage,
    TokenScanRequested,
    WalletDiscoveryRequested,
    WalletProfileRequested,
)
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.local_queues import PostgresQueueStore
from walltrack.data.postgres.messages import ConsumedMessages, OutboxRepository, OutboxRow
from walltrack.errors import DependencyUnavailableError
from walltrack.log import get_logger
from walltrack.runtime.local_queue import LocalQueue
from walltrack.runtime.queues import (
    LocalQueueHandle,
    LocalQueueNotRegisteredError,
    QueuePort,
    QueueSendError,
    registered_local_queue,
)

log = get_logger(component="outbox")

QUEUE_URL_VARIABLES: dict[QueueName, str] = {
    "token_scan": "WALLTRACK_TOKEN_SCAN_QUEUE_URL",
    "wallet_discovery": "WALLTRACK_WALLET_DISCOVERY_QUEUE_URL",
    "wallet_profile": "WALLTRACK_WALLET_PROFILE_QUEUE_URL",
    "cluster_evidence": "WALLTRACK_CLUSTER_EVIDENCE_QUEUE_URL",
    "signal_score": "WALLTRACK_SIGNAL_SCORE_QUEUE_URL",
    "position_open": "WALLTRACK_POSITION_OPEN_QUEUE_URL",
    "order_execute": "WALLTRACK_ORDER_EXECUTE_QUEUE_URL",
    "exit_check": "WALLTRACK_EXIT_CHECK_QUEUE_URL",
}
SWEEP_MIN_AGE = timedelta(seconds=30)
"""The sweep leaves younger rows to the relay of the transaction that wrote them."""
KEEP_SENT = timedelta(days=7)
KEEP_CONSUMED = timedelta(days=7)
"""Longer than SQS keeps a message (4 days by default): no redelivery outlives its id."""


class QueuePorts:
    """The queue port of each logical queue, made on first use from its URL (a function is
    only given the URLs of the queues it sends to: asking for another is a clear error)."""

    def __init__(
        self,
        urls: Mapping[QueueName, str | None],
        open_port: Callable[[str], QueuePort],
        *,
        given: Mapping[QueueName, QueuePort] | None = None,
    ) -> None:
        self._urls = dict(urls)
        self._open = open_port
        self._ports: dict[QueueName, QueuePort] = dict(given or {})

    def port(self, queue: QueueName) -> QueuePort:
        if queue not in self._ports:
            url = self._urls.get(queue)
            if not url:
                raise DependencyUnavailableError(
                    "queue",
                    f"{QUEUE_URL_VARIABLES[queue]} is not set "
                    "(template.yaml sets it for the functions that send there)",
                )
            self._ports[queue] = self._open(url)
        return self._ports[queue]


@dataclass(frozen=True)
class SweepReport:
    sent: int
    failed: int
    purged: int


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        outbox: OutboxRepository,
        consumed: ConsumedMessages,
        queues: QueuePorts,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._consumed = consumed
        self._queues = queues

    def relay(self, messages: Sequence[StepMessage]) -> int:
        """Send these just-committed messages now; what fails waits for the sweep."""
        rows = [OutboxRow(m.message_id, m.queue, m.model_dump(mode="json"), 0) for m in messages]
        try:
            sent, _ = self._send_rows(rows)
        except Exception as exc:  # noqa: BLE001 - the sweep retries; the step has committed
            log.warning("outbox relay failed; the sweep will send", error=str(exc))
            return 0
        return sent

    def sweep(self, *, min_age: timedelta = SWEEP_MIN_AGE, batch: int = 500) -> SweepReport:
        """Send every message still unsent after `min_age`, oldest first; forget sent
        messages and consumed ids old enough that no redelivery can follow."""
        sent = failed = 0
        while True:
            batch_sent, batch_failed = self._send(older_than=min_age, limit=batch)
            sent, failed = sent + batch_sent, failed + batch_failed
            if batch_sent + batch_failed < batch or batch_sent == 0:
                break
        purged = self._outbox.purge_sent(older_than=KEEP_SENT)
        purged += self._consumed.purge(older_than=KEEP_CONSUMED)
        if sent or failed:
            log.info("outbox swept", sent=sent, failed=failed)
        return SweepReport(sent=sent, failed=failed, purged=purged)

    def _send(self, *, older_than: timedelta, limit: int) -> tuple[int, int]:
        with self._db.transaction():  # the claimed rows stay locked until marked
            rows = self._outbox.claim_unsent(older_than=older_than, limit=limit)
            return self._send_rows(rows)

    def _send_rows(self, rows: Sequence[OutboxRow]) -> tuple[int, int]:
        """Send `rows` queue by queue and mark each sent or failed; (sent, failed)."""
        sent = failed = 0
        by_queue: dict[QueueName, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            by_queue[row.queue].append(row)
        for queue, group in by_queue.items():
            done, errors = self._send_group(queue, group)
            self._outbox.mark_sent(done)
            for error, failed_ids in errors.items():
                self._outbox.mark_failed(failed_ids, error)
            sent += len(done)
            failed += sum(len(v) for v in errors.values())
        return sent, failed

    def _send_group(
        self, queue: QueueName, rows: list[OutboxRow]
    ) -> tuple[list[UUID], dict[str, list[UUID]]]:
        ids = [row.id for row in rows]
        try:
            self._queues.port(queue).send_many([row.body for row in rows])
        except QueueSendError as exc:  # SQS took some entries of a batch and refused others
            refused = {int(f["Id"]) for f in exc.failed if str(f.get("Id", "")).isdigit()}
            log.warning("outbox send partly refused", queue=queue, refused=len(refused))
            kept = [i for n, i in enumerate(ids) if n not in refused]
            return kept, {str(exc): [i for n, i in enumerate(ids) if n in refused]}
        except Exception as exc:  # noqa: BLE001 - any send failure is recorded and retried
            log.warning("outbox send failed", queue=queue, messages=len(ids), error=str(exc))
            return [], {f"{type(exc).__name__}: {exc}": ids}
        return ids, {}


class PipelineOutbox:
    """Where steps write the messages they owe; each step's port is one named method.

    Under the local runtime with its queues in this database (`walltrack run`), a message owed
    to one queue is written straight into that queue's table in the caller's transaction
    (`OutboxRepository.add_enqueued`: the outbox row is kept, already sent): the queue is as
    durable and transactional as the outbox, so the relay has nothing left to do. Anywhere
    else (SQS, in-memory local queues) the outbox and its relay work as the module says."""

    def __init__(
        self,
        db: Database,
        outbox: OutboxRepository,
        relay: OutboxRelay,
        *,
        queues: QueuePorts | None = None,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._relay = relay
        self._queues = queues

    def put(self, messages: Sequence[StepMessage]) -> None:
        """Store `messages` with the caller's transaction; send them once it commits."""
        if not messages:
            return
        kept = list(messages)
        local = self._local_queue(kept)
        if local is not None:
            staged = local.stage([m.model_dump(mode="json") for m in kept])
            self._outbox.add_enqueued(
                kept,
                queue_id=staged.queue_id,
                staged=staged.messages,
                sent_at=staged.sent_at,
                visible_at=staged.visible_at,
                receipt_handles=staged.receipt_handles,
            )
            self._db.after_commit(lambda: local.staged_sent(staged))
            return
        self._outbox.add(kept)
        self._db.after_commit(lambda: self._relay.relay(kept))

    def _local_queue(self, messages: Sequence[StepMessage]) -> LocalQueue | None:
        """The local queue all `messages` go to when it is a table of this database (looked up
        on every put: tests start several runtimes in one process), else None."""
        names = {m.queue for m in messages}
        if self._queues is None or len(names) != 1:
            return None
        try:
            port = self._queues.port(names.pop())
        except DependencyUnavailableError:
            return None  # no URL: the relay reports it, as before
        if not isinstance(port, LocalQueueHandle):
            return None
        return local_queue_in(self._db, port.queue_id)

    # token_scan → wallet_discovery (core.discovery.scan.DiscoveryOutbox)
    def token_discovered(self, mint: str) -> None:
        self.put([WalletDiscoveryRequested.new(mint=mint)])

    # wallet_discovery → wallet_profile (core.discovery.wallets.ProfileOutbox)
    def profiles_requested(self, wallets: Sequence[str]) -> None:
        self.put([WalletProfileRequested.new(address=wallet) for wallet in wallets])

    # API → token_scan
    def scan_requested(self, run_id: UUID) -> None:
        self.put([TokenScanRequested.new(run_id=run_id)])

    # API → wallet_discovery, one message per token of a manual run
    def discovery_requested(self, run_id: UUID, mints: Sequence[str]) -> None:
        self.put([WalletDiscoveryRequested.new(mint=mint, run_id=run_id) for mint in mints])

    # clustering (schedule or API) → cluster_evidence, one message per wallet of the run
    def evidence_requested(self, run_id: UUID, wallets: Sequence[str]) -> None:
        self.put([ClusterEvidenceRequested.new(run_id=run_id, address=w) for w in wallets])


def local_queue_in(db: Database, queue_id: str) -> LocalQueue | None:
    """The local runtime's queue `queue_id` when it is registered in this process and its
    messages are rows of `db`'s own database (the Postgres store), else None."""
    try:
        queue = registered_local_queue(queue_id)
    except LocalQueueNotRegisteredError:
        return None
    if not isinstance(queue, LocalQueue):
        return None
    store = queue.store
    same = isinstance(store, PostgresQueueStore) and store.database.same_database(db)
    return queue if same else None
