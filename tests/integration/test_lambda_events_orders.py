"""Step 8's functions called through the handler path template.yaml names, with the events `sam
local generate-event` makes for their triggers (tests/fixtures/events), on the local stack:
ExitMonitorFunction's schedule tick and its ExitCheckQueue batch, OrderExecuteFunction's
OrderExecuteQueue batch. SAM's SQS body is replaced by a real message of ours (and its MD5)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any
from uuid import uuid4

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from sim.world import World
from tests.integration.test_lambda_events import _event, _spec, invoke
from tests.integration.test_orders import _open_entry
from tests.support.stack import Stack
from walltrack.data.models.messages import ExitCheckRequested, OrderExecuteRequested, StepMessage


def _carrying(spec_event: dict[str, Any], message: StepMessage) -> dict[str, Any]:
    event = copy.deepcopy(spec_event)
    [record] = event["Records"]
    record["body"] = message.model_dump_json()
    record["md5OfBody"] = hashlib.md5(record["body"].encode(), usedforsecurity=False).hexdigest()
    return event


def test_exit_monitor_handles_its_tick_and_its_exit_signal_batch(stack: Stack) -> None:
    # When the schedule's EventBridge event reaches it (no open position)
    tick = invoke(
        stack, _spec("ExitMonitorFunction", "Tick"), _event(_spec("ExitMonitorFunction", "Tick"))
    )
    # Then it ran the monitor over nothing
    assert tick == {"marked": 0, "exits": 0, "unpriced": 0}
    # When its SQS batch carries an exit check for a signal that is not stored
    spec = _spec("ExitMonitorFunction", "ExitSignals")
    # Then that record fails (the batch of it alone fails the invocation: SQS retries, then DLQ)
    with pytest.raises(BatchProcessingError, match="All records failed"):
        invoke(stack, spec, _carrying(_event(spec), ExitCheckRequested.for_signal(424242)))


def test_order_execute_fills_the_order_its_batch_carries(stack: Stack, world: World) -> None:
    # Given an opening position's pending entry on a live sim token
    token = next(
        t for t in world.tokens[1:] if t.is_pump and any(world.pools[p].active for p in t.pools)
    )
    entry = _open_entry(stack.container.db, str(token.mint))
    spec = _spec("OrderExecuteFunction", "Orders")
    # When its SQS batch carries the entry's message, then no record fails and it is filled
    message = OrderExecuteRequested.for_order(entry.order_id)
    assert invoke(stack, spec, _carrying(_event(spec), message)) == {"batchItemFailures": []}
    filled = stack.container.orders.get(entry.order_id)
    assert filled is not None
    assert filled.status == "filled"
    # When it carries an order that is not stored, then that record fails
    with pytest.raises(BatchProcessingError, match="All records failed"):
        invoke(stack, spec, _carrying(_event(spec), OrderExecuteRequested.for_order(uuid4())))
