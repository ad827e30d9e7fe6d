"""template.yaml's signal_score consumer: fed by SignalScoreQueue with partial batch responses,
bounded in concurrency, and short enough for the queue's visibility timeout."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from walltrack.runtime.template import SqsEvent, check_queue_rules, load_template

TEMPLATE = load_template(REPO_ROOT / "template.yaml")


def test_signal_score_consumes_its_queue_with_partial_batch_responses() -> None:
    # Given the template / When its SignalScoreFunction is read
    function = TEMPLATE.functions["SignalScoreFunction"]
    # Then it runs the signal_score handler on SignalScoreQueue, 10 records a batch, each
    # failed record reported alone, with a bounded concurrency
    assert function.handler == "functions.signal_score.handler"
    [event] = [e for e in function.events if isinstance(e, SqsEvent)]
    assert event.queue_id == "SignalScoreQueue"
    assert event.batch_size == 10
    assert event.report_batch_item_failures
    assert event.maximum_concurrency is not None


def test_signal_score_queue_redrives_to_its_dlq_after_the_consumer_timeout_rules() -> None:
    # Given the queue the consumer reads / Then a poison record ends in SignalScoreDLQ, and the
    # visibility timeout covers 6 x the consumer's timeout (the queue rules)
    queue = TEMPLATE.queues["SignalScoreQueue"]
    assert queue.dlq_id == "SignalScoreDLQ"
    assert queue.max_receive_count is not None
    assert queue.visibility_timeout >= 6 * TEMPLATE.functions["SignalScoreFunction"].timeout
    assert check_queue_rules(TEMPLATE) == []
