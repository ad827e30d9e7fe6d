"""template.yaml's step 7: position_open fed by PositionOpenQueue with partial batch responses,
signal_score able to send to it, and the outbox sweep able to re-send its messages."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from walltrack.runtime.template import (
    GetAtt,
    Ref,
    SqsEvent,
    check_queue_rules,
    load_template,
)

TEMPLATE = load_template(REPO_ROOT / "template.yaml")


def test_position_open_consumes_its_queue_with_partial_batch_responses() -> None:
    # Given the template / When its PositionOpenFunction is read
    function = TEMPLATE.functions["PositionOpenFunction"]
    # Then it runs the position_open handler on PositionOpenQueue, each failed record
    # reported alone, with a bounded concurrency
    assert function.handler == "functions.position_open.handler"
    [event] = [e for e in function.events if isinstance(e, SqsEvent)]
    assert event.queue_id == "PositionOpenQueue"
    assert event.report_batch_item_failures
    assert event.maximum_concurrency is not None


def test_position_open_queue_redrives_to_its_dlq_after_the_consumer_timeout_rules() -> None:
    # Given the queue the consumer reads / Then a poison record ends in PositionOpenDLQ, and
    # the visibility timeout covers 6 x the consumer's timeout
    queue = TEMPLATE.queues["PositionOpenQueue"]
    assert queue.dlq_id == "PositionOpenDLQ"
    assert queue.max_receive_count is not None
    assert queue.visibility_timeout >= 6 * TEMPLATE.functions["PositionOpenFunction"].timeout
    assert check_queue_rules(TEMPLATE) == []


def test_signal_score_and_the_sweep_may_send_to_position_open() -> None:
    # Given the producer (signal_score) and the outbox sweep
    for name in ("SignalScoreFunction", "OutboxRelayFunction"):
        function = TEMPLATE.functions[name]
        # Then each is given the queue's URL and a send policy on it
        env = function.properties["Environment"]["Variables"]
        assert env["WALLTRACK_POSITION_OPEN_QUEUE_URL"] == Ref("PositionOpenQueue"), name
        policies = [p for p in function.properties["Policies"] if "SQSSendMessagePolicy" in p]
        queues = [p["SQSSendMessagePolicy"]["QueueName"] for p in policies]
        assert GetAtt("PositionOpenQueue", "QueueName") in queues, name


def test_the_producers_of_step_7_may_send_where_their_messages_go() -> None:
    # Given signal_score (an exit signal owes exit_check) and position_open (an opened
    # position owes order_execute)
    for name, variable, queue in (
        ("SignalScoreFunction", "WALLTRACK_EXIT_CHECK_QUEUE_URL", "ExitCheckQueue"),
        ("PositionOpenFunction", "WALLTRACK_ORDER_EXECUTE_QUEUE_URL", "OrderExecuteQueue"),
    ):
        function = TEMPLATE.functions[name]
        # Then each is given that queue's URL and a send policy on it
        assert function.properties["Environment"]["Variables"][variable] == Ref(queue), name
        policies = [p for p in function.properties["Policies"] if "SQSSendMessagePolicy" in p]
        queues = [p["SQSSendMessagePolicy"]["QueueName"] for p in policies]
        assert GetAtt(queue, "QueueName") in queues, name
