"""The local runner on a test-only template: SQS semantics, schedules, Function URLs, wiring."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.parser.models import (
    EventBridgeModel,
    LambdaFunctionUrlModel,
    SqsModel,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.runtime import handlers
from walltrack.clock import ManualClock
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.queues import (
    LocalQueueNotRegisteredError,
    queue_port_for,
)
from walltrack.runtime.template import (
    TemplateError,
    check_queue_rules,
    load_template,
    resolve_handler,
)

TEMPLATE_PATH = Path(__file__).with_name("template.yaml")
START = datetime(2026, 3, 10, 14, 0, 30, tzinfo=UTC)
VISIBILITY_TIMEOUT = 60  # WorkQueue and LegacyQueue in the test template


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def env() -> dict[str, str]:
    return {}


@pytest.fixture
def runtime(clock: ManualClock, env: dict[str, str]) -> Iterator[LocalRuntime]:
    handlers.reset()
    with LocalRuntime(TEMPLATE_PATH, clock=clock, env=env, region="us-east-1") as rt:
        yield rt


def _load_fixture(fixtures_dir: Path, name: str) -> Any:
    return json.loads((fixtures_dir / "aws" / name).read_text(encoding="utf-8"))


def _key_tree(value: Any, *, skip: frozenset[str] = frozenset()) -> Any:
    """The nested key structure of a JSON value (values ignored; `skip` keys kept shallow)."""
    if isinstance(value, dict):
        return {k: (None if k in skip else _key_tree(v, skip=skip)) for k, v in value.items()}
    return None


def _fired_rules(function_name: str = "TickFunction") -> list[str]:
    return [e["resources"][0].rsplit("/", 1)[-1] for e in handlers.events[function_name]]


# -- wiring ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("function_id", sorted(load_template(TEMPLATE_PATH).functions))
def test_every_handler_in_the_test_template_imports(function_id: str) -> None:
    # Given the test template / When its handler is resolved / Then it is a callable
    spec = load_template(TEMPLATE_PATH).functions[function_id]
    assert callable(resolve_handler(spec.handler, function_id=function_id, code_dir=spec.code_dir))


def test_a_missing_handler_fails_at_construction_naming_function_and_handler(
    tmp_path: Path,
) -> None:
    # Given a template whose function names a handler that does not exist
    bad = tmp_path / "template.yaml"
    bad.write_text(
        TEMPLATE_PATH.read_text(encoding="utf-8").replace(
            "tests.integration.runtime.handlers.tick", "tests.integration.runtime.handlers.nope"
        ),
        encoding="utf-8",
    )
    # When the runtime is built / Then it refuses, naming the function and the handler
    with pytest.raises(TemplateError) as caught:
        LocalRuntime(bad, clock=ManualClock(START), env={})
    message = str(caught.value)
    assert "function TickFunction" in message
    assert "'tests.integration.runtime.handlers.nope'" in message
    assert "has no attribute 'nope'" in message
    # and it left no queue registered behind it
    with pytest.raises(LocalQueueNotRegisteredError):
        queue_port_for("local://queue/WorkQueue")


def test_a_handler_in_a_missing_module_fails_at_construction(tmp_path: Path) -> None:
    # Given a handler whose module cannot be imported
    bad = tmp_path / "template.yaml"
    bad.write_text(
        TEMPLATE_PATH.read_text(encoding="utf-8").replace(
            "tests.integration.runtime.handlers.webhook", "functions.no_such_module.handler"
        ),
        encoding="utf-8",
    )
    # When / Then
    with pytest.raises(TemplateError, match=r"function WebhookFunction: handler "
                       r"'functions\.no_such_module\.handler' cannot be imported: "
                       r"ModuleNotFoundError"):  # fmt: skip
        LocalRuntime(bad, clock=ManualClock(START), env={})


def test_the_test_template_breaks_exactly_the_rule_it_breaks_on_purpose() -> None:
    # Given the test template (LegacyWorkerFunction has no ReportBatchItemFailures)
    # When the queue rules are checked / Then that is the only violation
    assert check_queue_rules(load_template(TEMPLATE_PATH)) == [
        "function LegacyWorkerFunction event Legacy: "
        "FunctionResponseTypes must include ReportBatchItemFailures"
    ]


def test_environment_resolves_queue_refs_literals_and_parameter_defaults(
    runtime: LocalRuntime, env: dict[str, str]
) -> None:
    # Given an environment where the developer already exported the greeting
    env["RUNTIME_TEST_GREETING"] = "from-the-shell"
    # When the template's environment is applied
    runtime.apply_environment()
    # Then queue refs point at the in-process queue; the developer's export wins over the
    # parameter Default; literals are set; unresolvable values (no Default, !Sub) are left out
    assert env["RUNTIME_TEST_WORK_QUEUE_URL"] == "local://queue/WorkQueue"
    assert env["RUNTIME_TEST_GREETING"] == "from-the-shell"
    assert env["RUNTIME_TEST_LITERAL"] == "literal-value"
    assert "RUNTIME_TEST_SECRET" not in env
    assert "RUNTIME_TEST_SUB" not in env
    assert env["WALLTRACK_LOCAL_RUNTIME"] == "1"


def test_queue_env_var_reaches_the_in_process_queue(
    runtime: LocalRuntime, env: dict[str, str]
) -> None:
    # Given the applied environment
    runtime.apply_environment()
    # When a producer sends through the port for its queue URL
    port = queue_port_for(env["RUNTIME_TEST_WORK_QUEUE_URL"])
    message_id = port.send({"n": 1})
    # Then the message waits in the runtime's WorkQueue
    queue = runtime.queue("WorkQueue")
    assert queue.approximate_count() == 1
    assert [m.message_id for m in queue.messages()] == [message_id]


def test_conflicting_env_values_across_functions_fail_clearly(tmp_path: Path) -> None:
    # Given two functions that give the same var different queue URLs
    text = TEMPLATE_PATH.read_text(encoding="utf-8").replace(
        "      Handler: tests.integration.runtime.handlers.tick\n",
        "      Handler: tests.integration.runtime.handlers.tick\n"
        "      Environment:\n        Variables:\n"
        "          RUNTIME_TEST_WORK_QUEUE_URL: !Ref LegacyQueue\n",
    )
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    # When the environment is applied / Then the clash is named
    with (
        LocalRuntime(path, clock=ManualClock(START), env={}) as rt,
        pytest.raises(TemplateError, match="RUNTIME_TEST_WORK_QUEUE_URL"),
    ):
        rt.apply_environment()


def test_queue_port_for_a_local_url_without_a_runtime_fails_clearly() -> None:
    # Given no runtime holds a queue named Nowhere / When / Then
    with pytest.raises(LocalQueueNotRegisteredError, match="no in-process queue 'Nowhere'"):
        queue_port_for("local://queue/Nowhere")


# -- SQS semantics --------------------------------------------------------------------------------


def test_poison_message_lands_in_the_dlq_after_max_receive_count_while_neighbours_succeed(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given four good messages and one poison message in one batch
    queue = runtime.queue("WorkQueue")
    good = queue.send_many([{"n": i} for i in range(4)])
    poison = queue.send({"poison": True})
    # When the runner delivers, and re-delivers after each visibility timeout
    runtime.run_until_idle()
    for _ in range(4):
        clock.advance(VISIBILITY_TIMEOUT)
        runtime.run_until_idle()
    # Then (after 5 receives) the poison message is still in the queue, not yet in the DLQ
    assert queue.messages_in_dlq() == []
    # When its visibility timeout expires once more
    clock.advance(VISIBILITY_TIMEOUT)
    runtime.run_until_idle()
    # Then every neighbour was processed exactly once
    assert sorted(handlers.done) == sorted(good)
    # and the poison message was received 5 times, then moved to the DLQ
    poison_receipts = [s["receive_count"] for s in handlers.seen if s["message_id"] == poison]
    assert poison_receipts == [1, 2, 3, 4, 5]
    assert [m.message_id for m in queue.messages_in_dlq()] == [poison]
    assert queue.messages_in_dlq()[0].body == '{"poison":true}'
    assert len(queue) == 0


def test_a_failed_message_is_not_redelivered_before_its_visibility_timeout(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given a poison message that failed once
    queue = runtime.queue("WorkQueue")
    queue.send({"poison": True})
    runtime.run_until_idle()
    # When the clock moves to one second before the timeout
    clock.advance(VISIBILITY_TIMEOUT - 1)
    # Then nothing is delivered; it is in flight, not visible
    assert runtime.run_until_idle() == 0
    assert queue.approximate_count() == 0
    assert queue.approximate_not_visible_count() == 1


def test_whole_batch_failure_retries_every_message(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given a batch in which one message makes the handler raise on first delivery
    queue = runtime.queue("WorkQueue")
    ids = queue.send_many([{"n": 1}, {"n": 2, "crash_below_receive": 2}, {"n": 3}])
    # When the batch fails and its visibility timeout passes
    runtime.run_until_idle()
    assert handlers.done == []
    clock.advance(VISIBILITY_TIMEOUT)
    runtime.run_until_idle()
    # Then all three were delivered twice and processed on the second delivery
    assert sorted(s["message_id"] for s in handlers.seen) == sorted(ids * 2)
    assert {s["receive_count"] for s in handlers.seen} == {1, 2}
    assert sorted(handlers.done) == sorted(ids)
    assert len(queue) == 0


def test_a_partial_response_is_ignored_without_report_batch_item_failures(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given a consumer whose SQS event lacks ReportBatchItemFailures
    queue = runtime.queue("LegacyQueue")
    queue.send_many([{"n": 1}, {"poison": True}])
    # When the handler reports the poison message as a batch item failure
    runtime.run_until_idle()
    clock.advance(VISIBILITY_TIMEOUT)
    runtime.run_until_idle()
    # Then, as on AWS, the response is ignored: the whole batch is deleted (the poison lost)
    assert len(queue) == 0
    assert queue.messages_in_dlq() == []
    assert len(handlers.seen) == 2


def test_records_have_the_shape_of_the_aws_fixture(
    runtime: LocalRuntime, fixtures_dir: Path
) -> None:
    # Given the AWS SQS event fixture (a FIFO queue's record)
    fixture = _load_fixture(fixtures_dir, "sqs_event.json")["Records"][0]
    # When a message is delivered from a (standard) local queue
    runtime.queue("WorkQueue").send({"n": 1})
    runtime.run_until_idle()
    record = handlers.seen[0]["record"]
    # Then it has the fixture's keys; attributes are the standard-queue subset
    assert record.keys() == fixture.keys()
    fifo_only = {"SequenceNumber", "MessageGroupId", "MessageDeduplicationId"}
    assert record["attributes"].keys() == fixture["attributes"].keys() - fifo_only
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:000000000000:WorkQueue"
    assert record["eventSource"] == "aws:sqs"
    assert record["md5OfBody"] == hashlib.md5(b'{"n":1}').hexdigest()
    assert record["attributes"]["SentTimestamp"] == str(int(START.timestamp() * 1000))


# -- schedules ------------------------------------------------------------------------------------


def test_rate_schedule_fires_when_the_clock_passes_its_time_and_not_before(
    runtime: LocalRuntime, clock: ManualClock, fixtures_dir: Path
) -> None:
    # Given a rate(1 minute) schedule armed at 14:00:30
    # When 59 seconds pass / Then it has not fired
    clock.advance(59)
    runtime.run_until_idle()
    assert "TickFunction-EveryMinute" not in _fired_rules()
    # When the minute is up / Then it fires once, with an EventBridge scheduled event
    clock.advance(1)
    runtime.run_until_idle()
    assert _fired_rules() == ["TickFunction-EveryMinute"]
    event = handlers.events["TickFunction"][0]
    fixture = _load_fixture(fixtures_dir, "eventbridge_scheduled_event.json")
    assert _key_tree(event) == _key_tree(fixture)
    assert event["time"] == "2026-03-10T14:01:30Z"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [
        "arn:aws:events:us-east-1:000000000000:rule/TickFunction-EveryMinute"
    ]


def test_a_long_pause_fires_a_rate_schedule_once_not_in_a_burst(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given the runner was blocked for ten minutes
    clock.advance(600)
    # When it catches up / Then the rate schedule fires once
    runtime.run_until_idle()
    assert _fired_rules().count("TickFunction-EveryMinute") == 1


def test_cron_schedule_fires_at_its_minute_and_not_before(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given cron(30 2 * * ? *) and a clock just before 02:30 the next night
    clock.set(datetime(2026, 3, 11, 2, 29, 59, tzinfo=UTC))
    runtime.run_until_idle()
    assert "TickFunction-Nightly" not in _fired_rules()
    # When the clock reaches 02:30 / Then it fires, stamped with its scheduled time
    clock.advance(1)
    runtime.run_until_idle()
    nightly = [e for e in handlers.events["TickFunction"] if e["resources"][0].endswith("Nightly")]
    assert [e["time"] for e in nightly] == ["2026-03-11T02:30:00Z"]


def test_a_disabled_schedule_never_fires(runtime: LocalRuntime, clock: ManualClock) -> None:
    # Given the Paused schedule (Enabled: false) / When minutes pass
    for _ in range(3):
        clock.advance(60)
        runtime.run_until_idle()
    # Then only the enabled rate schedule fired
    assert _fired_rules() == ["TickFunction-EveryMinute"] * 3


def test_fire_schedule_runs_a_schedule_now(runtime: LocalRuntime) -> None:
    # Given no time has passed / When the Nightly schedule is fired by hand
    runtime.fire_schedule("TickFunction", "Nightly")
    # Then the function ran once, with the current time
    assert _fired_rules() == ["TickFunction-Nightly"]
    assert handlers.events["TickFunction"][0]["time"] == "2026-03-10T14:00:30Z"


# -- Function URL ---------------------------------------------------------------------------------


@pytest.fixture
def client(runtime: LocalRuntime) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(runtime.url_router())
    with TestClient(app) as test_client:
        yield test_client


def test_function_url_route_hands_the_handler_a_payload_2_event(
    client: TestClient, fixtures_dir: Path
) -> None:
    # Given the Function URL fixture / When a webhook is POSTed to the local route
    payload = [{"signature": "abc", "type": "SWAP"}]
    response = client.post(
        "/fn/WebhookFunction/hooks/helius",
        json=payload,
        headers={"Authorization": "Bearer secret-value"},
    )
    # Then the handler's status, headers, cookies and body come back
    assert response.status_code == 201
    assert response.headers["x-echo"] == "yes"
    assert response.cookies.get("session") == "abc"
    assert json.loads(response.json()["received"]) == payload
    assert response.json()["remaining_ms"] > 0
    # and the event it got has the fixture's key structure, recursively
    event = handlers.events["WebhookFunction"][0]
    fixture = _load_fixture(fixtures_dir, "function_url_event.json")
    skip = frozenset({"headers"})
    assert _key_tree(event, skip=skip) == _key_tree(fixture, skip=skip)
    assert event["rawPath"] == "/hooks/helius"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["headers"]["authorization"] == "Bearer secret-value"
    assert event["isBase64Encoded"] is False


def test_function_url_query_string_and_binary_body(client: TestClient) -> None:
    # When a binary body is sent with a query string
    client.put(
        "/fn/WebhookFunction/upload?a=1&a=2&b=x",
        content=b"\x00\xff",
        headers={"content-type": "application/octet-stream"},
    )
    # Then the event carries both as payload 2.0 does
    event = handlers.events["WebhookFunction"][0]
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AP8="


def test_function_url_result_without_status_code_is_a_200_json(client: TestClient) -> None:
    # When the handler returns a plain dict / Then AWS's inferred 200 JSON response
    response = client.get("/fn/WebhookFunction/plain")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": True}


def test_function_url_handler_error_is_a_502(client: TestClient) -> None:
    # When the handler raises / Then the caller sees what a Function URL answers
    response = client.get("/fn/WebhookFunction/boom")
    assert response.status_code == 502
    assert response.json() == {"Message": "Internal Server Error"}


def test_function_url_route_for_an_unknown_function_is_a_404(client: TestClient) -> None:
    # When a function without a Function URL is called / Then 404
    assert client.get("/fn/TickFunction/").status_code == 404


def test_a_function_url_handler_can_enqueue_for_a_consumer(
    runtime: LocalRuntime,
    client: TestClient,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the queue URL the template gives WebhookFunction, in the process environment
    runtime.apply_environment()
    monkeypatch.setenv("RUNTIME_TEST_WORK_QUEUE_URL", env["RUNTIME_TEST_WORK_QUEUE_URL"])
    # When the webhook enqueues and the runner drains the queue
    response = client.post("/fn/WebhookFunction/enqueue", content=b"{}")
    runtime.run_until_idle()
    # Then the consumer processed that very message
    assert response.status_code == 202
    message_id = response.json()["message_id"]
    assert handlers.done == [message_id]


# -- real time ------------------------------------------------------------------------------------


def test_start_and_stop_deliver_a_message_on_the_runner_thread() -> None:
    # Given a runtime on the real clock, polling often
    handlers.reset()
    with LocalRuntime(TEMPLATE_PATH, env={}, poll_interval=0.05) as rt:
        rt.start()
        # When a message is sent
        rt.queue("WorkQueue").send({"signal": True})
        # Then the runner thread delivers it
        assert handlers.delivered.wait(timeout=10)
        rt.stop()
    assert len(rt.queue("WorkQueue")) == 0


def test_in_the_background_a_long_invocation_does_not_hold_back_another_function() -> None:
    # Given a running runtime whose WorkerFunction is busy with a long invocation
    handlers.reset()
    with LocalRuntime(TEMPLATE_PATH, env={}, poll_interval=0.05) as rt:
        rt.start()
        rt.queue("WorkQueue").send({"block": True})
        # When a message arrives for another function
        rt.queue("LegacyQueue").send({"signal": True})
        # Then it is delivered while the first is still running (as separate Lambdas would)
        try:
            assert handlers.delivered.wait(timeout=10)
            assert len(rt.queue("WorkQueue")) == 1
        finally:
            handlers.release.set()
        rt.stop()
    assert len(rt.queue("WorkQueue")) == 0


# -- the events against Powertools' own models of the AWS shapes ----------------------------------


def test_every_event_kind_validates_against_powertools_models(
    runtime: LocalRuntime, client: TestClient, clock: ManualClock
) -> None:
    # Given Powertools' pydantic models of AWS events (what handlers may parse with)

    # When one event of each kind is produced
    runtime.queue("WorkQueue").send({"n": 1})
    runtime.run_until_idle()
    clock.advance(60)
    runtime.run_until_idle()
    client.post("/fn/WebhookFunction/hooks", json={"a": 1})
    # Then each validates
    SqsModel.model_validate({"Records": [handlers.seen[0]["record"]]})
    EventBridgeModel.model_validate(handlers.events["TickFunction"][0])
    LambdaFunctionUrlModel.model_validate(handlers.events["WebhookFunction"][0])


def test_powertools_batch_processor_reports_the_local_poison_message(
    runtime: LocalRuntime,
) -> None:
    # Given a batch received from a local queue, holding one poison message

    queue = runtime.queue("WorkQueue")
    queue.send({"n": 1})
    poison = queue.send({"poison": True})
    event = {"Records": [queue.record(m) for m in queue.receive(10)]}

    def record_handler(record: Any) -> None:
        if json.loads(record.body).get("poison"):
            raise ValueError("poison")

    # When Powertools processes it as a handler would
    response = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
    )
    # Then the partial response names just the poison message, in the fixture's shape
    assert response == {"batchItemFailures": [{"itemIdentifier": poison}]}
