"""What the thin handlers in `functions/` share: logging, context binding, and consuming a
queue's typed messages.

SQS batches go through Powertools' BatchProcessor (a maintained implementation of partial
batch responses, ReportBatchItemFailures, rather than our own loop): a record whose handling
raises is reported as failed (SQS retries it, then moves it to the DLQ); its neighbours are not.
A record whose body its queue's message model rejects fails alone, with the reason logged, and
is never half-handled. A message id the consumer has handled before is skipped: SQS delivers at
least once, and the outbox sweep may re-send a message whose first send did arrive. A consumer
whose job already makes a repeat a no-op by its first read (the copy loop's: a signal's unique
swap key, a position's signal, an order still pending) keeps no handled ids
(`handled_ids=False`): their check and mark were two round trips per message that only said
again what that read says, on the path from a webhook to a fill.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from walltrack.app.process import current
from walltrack.data.models.messages import StepMessage
from walltrack.errors import MalformedMessageError
from walltrack.log import bind_context, configure_logging, get_logger
from walltrack.runtime.local_queue import LOCAL_ACCOUNT_ID

if TYPE_CHECKING:  # the container (and psycopg with it) loads at the first invocation
    from walltrack.app.container import Container
    from walltrack.data.postgres.messages import ConsumedMessages

M = TypeVar("M", bound=StepMessage)
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
log = get_logger(component="consumer")

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


def parse_message(body: str, model: type[M]) -> M:
    """The record's body as its queue's message model, or `MalformedMessageError` saying why."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:5]
        )
        raise MalformedMessageError(f"not a {model.__name__} message: {reasons}") from None


def consume(
    event: dict[str, Any],
    context: Any,
    *,
    consumer: str,
    message: type[M],
    handle: Callable[[M], None],
    consumed: ConsumedMessages | None,
) -> dict[str, Any]:
    """Handle each record of an SQS batch as one `message`; the partial batch response.
    `consumed`: the handled ids to skip and record (None: the job itself is idempotent)."""

    def record_handler(record: SQSRecord) -> None:
        try:
            parsed = parse_message(record.body, message)
        except MalformedMessageError as exc:
            log.error("unreadable message", sqs_message_id=record.message_id, reason=str(exc))
            raise
        bound = log.bind(message_id=str(parsed.message_id), sqs_message_id=record.message_id)
        if consumed is None:
            handle(parsed)
            return
        if consumed.seen(consumer, parsed.message_id):
            bound.info("message handled before; skipped")
            return
        handle(parsed)
        consumed.mark(consumer, parsed.message_id)

    processor = BatchProcessor(event_type=EventType.SQS)
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
    return response


def queue_consumer(
    function: str,
    message: type[M],
    job: Callable[[Container], Callable[[M], None]],
    *,
    handled_ids: bool = True,
) -> LambdaHandler:
    """The Lambda handler of a function fed by one queue: each record, parsed as `message`, goes
    to `job(container)`; `function` names it in logs and in the consumed-ids table.
    `handled_ids=False` for a job that makes a repeated message a no-op itself (module doc);
    such a consumer's figures are not in the consumed-ids table."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        start_invocation(function, context)
        app = current()
        with _commits_for(event, app):
            return consume(
                event,
                context,
                consumer=function,
                message=message,
                handle=job(app),
                consumed=app.consumed if handled_ids else None,
            )

    return handler


def _commits_for(event: dict[str, Any], app: Container) -> AbstractContextManager[None]:
    """`relaxed_commits` when every record comes from a local runtime queue kept in the
    container's own database (the job's commits need not wait for the WAL flush: see there),
    else nothing changed."""
    arns = {r.get("eventSourceARN") for r in event.get("Records") or []}
    arn = arns.pop() if len(arns) == 1 else None
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[4] != LOCAL_ACCOUNT_ID:
        return nullcontext()
    # imported here: a Lambda's handler module loads without psycopg (see TYPE_CHECKING)
    from walltrack.app.outbox import local_queue_in  # noqa: PLC0415
    from walltrack.data.postgres.database import relaxed_commits  # noqa: PLC0415

    return relaxed_commits() if local_queue_in(app.db, parts[5]) is not None else nullcontext()
