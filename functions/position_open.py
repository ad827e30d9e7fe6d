"""position_open (step 7): one accepted entry signal per message → risk rules, sizing against
Jupiter quotes, then the paper position, its pending entry order and its order_execute message
in one transaction (or a risk refusal stored with its rule). A failed record is retried alone
(partial batch response), then goes to the DLQ."""

from __future__ import annotations

from walltrack.app.handlers import queue_consumer
from walltrack.data.models.messages import PositionOpenRequested

# no handled ids: a signal decided before writes nothing (its first read says so)
handler = queue_consumer(
    "position_open",
    PositionOpenRequested,
    lambda app: app.position_jobs.open,
    handled_ids=False,
)
