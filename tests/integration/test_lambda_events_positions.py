"""Step 7's function called through the handler path template.yaml names, with the event `sam
local generate-event` makes for its trigger (tests/fixtures/events), on the local stack:
PositionOpenFunction's PositionOpenQueue batch. SAM's SQS body is replaced by a real message of
ours (and its MD5)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from sim.world import World
from tests.integration.test_lambda_events import _event, _spec, invoke
from tests.integration.test_positions import _routable_mints, _signal
from tests.support.stack import Stack
from walltrack.data.models.messages import PositionOpenRequested


def _carrying(spec_event: dict[str, Any], message: PositionOpenRequested) -> dict[str, Any]:
    event = copy.deepcopy(spec_event)
    [record] = event["Records"]
    record["body"] = message.model_dump_json()
    record["md5OfBody"] = hashlib.md5(record["body"].encode(), usedforsecurity=False).hexdigest()
    return event


def test_position_open_opens_the_position_its_batch_carries(stack: Stack, world: World) -> None:
    # Given an accepted entry signal on a token the sim routes
    [mint] = _routable_mints(world, 1)
    signal_id = _signal(stack.container, mint, n=1)
    spec = _spec("PositionOpenFunction", "Signals")
    # When its SQS batch carries the signal's message, then no record fails and it is opening
    message = PositionOpenRequested.for_signal(signal_id)
    assert invoke(stack, spec, _carrying(_event(spec), message)) == {"batchItemFailures": []}
    [position] = stack.container.positions.page("open")[0]
    assert (position.signal_id, position.status) == (signal_id, "opening")
    # When it carries a signal that is not stored, then that record fails
    with pytest.raises(BatchProcessingError, match="All records failed"):
        invoke(stack, spec, _carrying(_event(spec), PositionOpenRequested.for_signal(424242)))
