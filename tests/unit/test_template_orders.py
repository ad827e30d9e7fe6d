"""template.yaml's step 8 functions: order_execute consumes OrderExecuteQueue with partial batch
responses; exit_monitor ticks every minute AND consumes ExitCheckQueue; both queues redrive to
their DLQs within the timeout rules; exit_monitor may send to order_execute."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from walltrack.runtime.template import GetAtt, Ref, SqsEvent, check_queue_rules, load_template

TEMPLATE = load_template(REPO_ROOT / "template.yaml")


def test_order_execute_consumes_its_queue_with_partial_batch_responses() -> None:
    # Given the template / When its OrderExecuteFunction is read
    function = TEMPLATE.functions["OrderExecuteFunction"]
    # Then it runs order_execute on OrderExecuteQueue, each failed record reported alone (an
    # exit whose quote failed is retried without its neighbours), with a bounded concurrency
    assert function.handler == "functions.order_execute.handler"
    [event] = function.sqs_events
    assert event.queue_id == "OrderExecuteQueue"
    assert event.report_batch_item_failures
    assert event.maximum_concurrency is not None


def test_exit_monitor_ticks_every_minute_and_consumes_exit_signals() -> None:
    # Given the template / When its ExitMonitorFunction is read
    function = TEMPLATE.functions["ExitMonitorFunction"]
    # Then one handler serves both the schedule tick and the exit_check queue
    assert function.handler == "functions.exit_monitor.handler"
    assert [e.expression for e in function.schedules] == ["rate(1 minute)"]
    [event] = [e for e in function.events if isinstance(e, SqsEvent)]
    assert event.queue_id == "ExitCheckQueue"
    assert event.report_batch_item_failures


def test_step_8_queues_redrive_to_their_dlqs_within_the_timeout_rules() -> None:
    for queue_id, dlq, consumer in (
        ("OrderExecuteQueue", "OrderExecuteDLQ", "OrderExecuteFunction"),
        ("ExitCheckQueue", "ExitCheckDLQ", "ExitMonitorFunction"),
    ):
        queue = TEMPLATE.queues[queue_id]
        assert queue.dlq_id == dlq
        assert queue.max_receive_count is not None
        assert queue.visibility_timeout >= 6 * TEMPLATE.functions[consumer].timeout
    assert check_queue_rules(TEMPLATE) == []


def test_exit_monitor_and_the_sweep_may_send_to_order_execute() -> None:
    for name in ("ExitMonitorFunction", "OutboxRelayFunction"):
        function = TEMPLATE.functions[name]
        env = function.properties["Environment"]["Variables"]
        assert env["WALLTRACK_ORDER_EXECUTE_QUEUE_URL"] == Ref("OrderExecuteQueue"), name
        policies = [p for p in function.properties["Policies"] if "SQSSendMessagePolicy" in p]
        queues = [p["SQSSendMessagePolicy"]["QueueName"] for p in policies]
        assert GetAtt("OrderExecuteQueue", "QueueName") in queues, name
