"""webhook_ingest (step 6): Helius POSTs deliveries to this Function URL. The rules (secret,
body cap, malformed, dedupe, one transaction with the signal messages) live in IngestJobs."""

from __future__ import annotations

import base64
import json
from typing import Any

from walltrack.app.handlers import start_invocation
from walltrack.app.process import current


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("webhook_ingest", context)
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
    status, answer = current().ingest.receive(event.get("headers") or {}, body)
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(answer),
    }
