"""cluster_evidence (step 4): one wallet of a clustering run per message → its ownership
evidence (first history page and its funders', cached); the wallet that completes the run
groups it. A failed record is retried alone (partial batch response), then goes to the DLQ."""

from __future__ import annotations

from walltrack.app.handlers import queue_consumer
from walltrack.data.models.messages import ClusterEvidenceRequested

handler = queue_consumer(
    "cluster_evidence", ClusterEvidenceRequested, lambda app: app.clustering.evidence_requested
)
