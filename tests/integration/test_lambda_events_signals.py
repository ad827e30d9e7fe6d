"""Step 6's consumer called through the handler path template.yaml names, with the event `sam
local generate-event` makes for its trigger (tests/fixtures/events), on the local stack:
SignalScoreFunction's SignalScoreQueue batch. SAM's SQS body is replaced by a real message of
ours (and its MD5)."""

from __future__ import annotations

import copy
import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from tests.integration.test_lambda_events import _event, _spec, invoke
from tests.support.stack import Stack
from walltrack.data.models.messages import SignalScoreRequested
from walltrack.data.models.signals import SignalQuery
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap

WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
MINT = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"


def _carrying(spec_event: dict[str, Any], message: SignalScoreRequested) -> dict[str, Any]:
    event = copy.deepcopy(spec_event)
    [record] = event["Records"]
    record["body"] = message.model_dump_json()
    record["md5OfBody"] = hashlib.md5(record["body"].encode(), usedforsecurity=False).hexdigest()
    return event


def _message(swap: Swap) -> SignalScoreRequested:
    return SignalScoreRequested.for_swap(
        signature=swap.signature,
        wallet=swap.wallet,
        token_mint=swap.token_mint,
        received_at=swap.timestamp + timedelta(seconds=1),
        via="webhook",
    )


def test_signal_score_scores_the_swap_its_batch_carries(stack: Stack) -> None:
    # Given a stored sell of a watched wallet (an exit signal: no market read needed)
    app = stack.container
    now = app.clock.now()
    sell = Swap(
        signature="4" * 87,
        wallet=WALLET,
        side="sell",
        token_mint=MINT,
        token_amount=Decimal("10"),
        quote_mint=SOL_MINT,
        quote_amount=Decimal("0.1"),
        source="PUMP_AMM",
        timestamp=now - timedelta(seconds=5),
        slot=2,
    )
    app.wallets.add_swaps([sell])
    spec = _spec("SignalScoreFunction", "Swaps")
    # When its SQS batch carries the swap's message, then no record fails and one signal exists
    assert invoke(stack, spec, _carrying(_event(spec), _message(sell))) == {"batchItemFailures": []}
    [signal] = app.signals.page(SignalQuery(wallet=WALLET))[0]
    assert (signal.kind, signal.signature) == ("exit", sell.signature)
    # When it carries a swap that is not stored, then that record fails
    unstored = sell.model_copy(update={"signature": "3" * 87})
    with pytest.raises(BatchProcessingError, match="All records failed"):
        invoke(stack, spec, _carrying(_event(spec), _message(unstored)))
