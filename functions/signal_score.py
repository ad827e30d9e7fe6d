"""signal_score (step 6): one ingested swap of a watched wallet per message → one stored signal
(a buy scored into an entry signal, a sell into an exit signal with the share sold), accepted or
rejected with the reason. A failed record is retried alone (partial batch response), then goes
to the DLQ."""

from __future__ import annotations

from walltrack.app.handlers import queue_consumer
from walltrack.data.models.messages import SignalScoreRequested

# no handled ids: a swap already scored writes nothing (its signal's unique swap key)
handler = queue_consumer(
    "signal_score",
    SignalScoreRequested,
    lambda app: app.signal_jobs.score,
    handled_ids=False,
)
