"""What the thin handlers in `functions/` share: logging setup, context binding, and SQS partial
batches through Powertools' BatchProcessor (a maintained implementation of
ReportBatchItemFailures rather than our own loop)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from walltrack.log import bind_context, configure_logging

_configured = False


def start_invocation(function: str, context: Any) -> None:
    global _configured  # noqa: PLW0603 - configure once per process (Lambda reuses it)
    if not _configured:
        configure_logging()
        _configured = True
    bind_context(function=function, request_id=getattr(context, "aws_request_id", None))


def time_left(context: Any) -> Callable[[], float] | None:
    """Seconds the invocation has left, read from the Lambda context (None without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: remaining() / 1000


def is_sqs_event(event: dict[str, Any]) -> bool:
    records = event.get("Records") or []
    return bool(records) and records[0].get("eventSource") == "aws:sqs"


def process_sqs_batch(
    event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Call `handle(body)` per record; a record whose handler raises is reported as a batch item
    failure (retried by SQS, then sent to the DLQ), its neighbours are not."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    def record_handler(record: Any) -> None:
        handle(json.loads(record.body))

    processor = BatchProcessor(event_type=EventType.SQS)
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
    return response
