"""order_execute (step 8): one pending paper order per message, filled from a Jupiter quote
taken now (the position opened, reduced or closed in the same transaction) or rejected with the
reason. A Jupiter outage rejects an entry; an exit's record fails so SQS retries it (the order
counts its attempts; after `exit_retry_limit` it is rejected and the position stays open)."""

from __future__ import annotations

from walltrack.app.handlers import queue_consumer
from walltrack.data.models.messages import OrderExecuteRequested

# no handled ids: only a pending order is processed (its first statement says so)
handler = queue_consumer(
    "order_execute",
    OrderExecuteRequested,
    lambda app: app.order_jobs.execute,
    handled_ids=False,
)
