"""The real template.yaml keeps the house conventions (its header comment), whatever it grows to.

sam validate (both modes) misses a visibility timeout below the consumer's timeout, so these
checks are the project's own (ARCHITECTURE §5).
"""

from __future__ import annotations

import re
import textwrap

import pytest

from tests.conftest import REPO_ROOT
from walltrack.clock import ManualClock
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.schedules import parse_schedule
from walltrack.runtime.template import (
    check_queue_rules,
    load_template,
    parse_template,
    resolve_handler,
)

TEMPLATE = load_template(REPO_ROOT / "template.yaml")
SECRET_NAME = re.compile(r"Key|Secret|Password|DatabaseUrl")


def test_the_template_declares_functions() -> None:
    assert TEMPLATE.functions


@pytest.mark.parametrize("function_id", sorted(TEMPLATE.functions))
def test_every_handler_imports(function_id: str) -> None:
    # Given a function of the template / When its handler is imported / Then it is callable
    spec = TEMPLATE.functions[function_id]
    assert callable(resolve_handler(spec.handler, function_id=function_id, code_dir=spec.code_dir))


@pytest.mark.parametrize("function_id", sorted(TEMPLATE.functions))
def test_every_function_sets_a_timeout(function_id: str) -> None:
    # SAM's default (3 s) is never what a step wants; Globals or the function must say
    assert "Timeout" in TEMPLATE.functions[function_id].properties


def test_the_queue_rules_hold() -> None:
    assert check_queue_rules(TEMPLATE) == []


@pytest.mark.parametrize(
    "name", sorted(n for n in TEMPLATE.parameters if SECRET_NAME.search(n))
)  # fmt: skip
def test_secret_parameters_are_no_echo(name: str) -> None:
    assert TEMPLATE.parameters[name].no_echo, f"parameter {name} must be NoEcho: true"


def test_every_schedule_expression_parses() -> None:
    for spec in TEMPLATE.functions.values():
        for event in spec.schedules:
            parse_schedule(event.expression, timezone=event.timezone)


def test_the_outbox_sweep_can_send_to_every_queue_a_function_sends_to() -> None:
    # Given every queue URL any function is given (the queues it sends to)
    sent_to = {
        var: value.target
        for spec in TEMPLATE.functions.values()
        for var, value in spec.env.items()
        if getattr(value, "target", None) in TEMPLATE.queues
    }
    # Then the outbox_relay function has each too, on its schedule, allowed to send there
    relay = TEMPLATE.functions["OutboxRelayFunction"]
    assert relay.handler == "functions.outbox_relay.handler"
    relay_queues = {
        var: value.target
        for var, value in relay.env.items()
        if getattr(value, "target", None) in TEMPLATE.queues
    }
    assert relay_queues == sent_to
    assert [event.expression for event in relay.schedules] == ["rate(1 minute)"]
    policies = str(relay.properties.get("Policies"))
    assert all(queue in policies for queue in sent_to.values())


def test_the_local_runtime_can_wire_the_whole_template() -> None:
    # Given the real template / When the local runner wires it and applies its environment
    env: dict[str, str] = {}
    with LocalRuntime(TEMPLATE, clock=ManualClock(), env=env) as runtime:
        runtime.apply_environment()
    # Then every queue a function's env refers to resolved to an in-process URL
    for spec in TEMPLATE.functions.values():
        for var, value in spec.env.items():
            if getattr(value, "target", None) in TEMPLATE.queues:
                assert env[var] == f"local://queue/{value.target}"


def test_the_rule_check_reports_each_broken_rule() -> None:
    # Given a template that breaks every queue rule
    bad = parse_template(
        textwrap.dedent(
            """
            Resources:
              NoDlqQueue:
                Type: AWS::SQS::Queue
                Properties: {VisibilityTimeout: 60}
              ShortQueue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: 100
                  RedrivePolicy:
                    deadLetterTargetArn: !GetAtt ShortDLQ.Arn
                    maxReceiveCount: 3
              ShortDLQ:
                Type: AWS::SQS::Queue
              Consumer:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: pkg.mod.handler
                  Timeout: 30
                  Events:
                    A:
                      Type: SQS
                      Properties: {Queue: !GetAtt NoDlqQueue.Arn}
                    B:
                      Type: SQS
                      Properties:
                        Queue: !GetAtt ShortQueue.Arn
                        FunctionResponseTypes: [ReportBatchItemFailures]
                        ScalingConfig: {MaximumConcurrency: 2}
            """
        )
    )
    # When the rules are checked / Then every violation is listed, in words
    assert check_queue_rules(bad) == [
        "function Consumer event A: FunctionResponseTypes must include ReportBatchItemFailures",
        "function Consumer event A: ScalingConfig.MaximumConcurrency must bound the consumer"
        " (2-1000), got None",
        "queue NoDlqQueue: no DLQ (RedrivePolicy missing)",
        "queue NoDlqQueue: VisibilityTimeout 60s < 6 x Consumer Timeout 30s (= 180s)",
        "queue ShortQueue: maxReceiveCount 3 < 5",
        "queue ShortQueue: VisibilityTimeout 100s < 6 x Consumer Timeout 30s (= 180s)",
    ]


def test_the_api_reads_its_token_from_the_ssm_parameter_it_may_read() -> None:
    # Given the API function / Then its environment names the SSM parameter (with its slash)
    # that its policy lets it read (SAM's policy template takes the name without it), and the
    # parameter is a template parameter, not a literal
    api = TEMPLATE.functions["ApiFunction"]
    named = str(api.properties["Environment"]["Variables"]["WALLTRACK_API_TOKEN_PARAMETER"])
    assert "/${ApiTokenParameterName}" in named
    [read] = [p for p in api.properties["Policies"] if "SSMParameterReadPolicy" in p]
    assert "ApiTokenParameterName" in str(read["SSMParameterReadPolicy"]["ParameterName"])
    assert "ApiTokenParameterName" in TEMPLATE.parameters


def test_the_api_may_read_the_depth_of_every_queue_the_pipeline_panel_shows() -> None:
    # Given the API function, the queues whose URLs it is given and their dead-letter queues
    api = TEMPLATE.functions["ApiFunction"]
    queues = {
        value.target
        for value in api.env.values()
        if getattr(value, "target", None) in TEMPLATE.queues
    }
    dlqs = {str(TEMPLATE.queues[queue].dlq_id) for queue in queues}
    # Then it is given the step queues (GET /status/pipeline reports each; POST /clusters/run
    # sends to the cluster evidence queue), each with a DLQ
    assert queues == {
        "TokenScanQueue", "WalletDiscoveryQueue", "WalletProfileQueue", "ClusterEvidenceQueue"
    }  # fmt: skip
    assert dlqs == {"TokenScanDLQ", "WalletDiscoveryDLQ", "WalletProfileDLQ", "ClusterEvidenceDLQ"}
    # And its policy lets it read each one's counts, and find and read each DLQ
    [statement] = [p["Statement"] for p in api.properties["Policies"] if "Statement" in p]
    allowed = {
        action: {str(resource) for resource in rule["Resource"]}
        for rule in statement
        for action in [rule["Action"]]
    }
    for queue in queues | dlqs:
        assert any(queue in arn for arn in allowed["sqs:GetQueueAttributes"]), queue
    for dlq in dlqs:
        assert any(dlq in arn for arn in allowed["sqs:GetQueueUrl"]), dlq


def test_step_4_is_a_scheduled_starter_and_a_bounded_evidence_consumer() -> None:
    # Given the two clustering functions of the template
    starter = TEMPLATE.functions["ClusteringFunction"]
    consumer = TEMPLATE.functions["ClusterEvidenceFunction"]
    # Then the starter ticks every minute (the interval is a setting) and may send its fan-out
    assert starter.handler == "functions.clustering.handler"
    assert [event.expression for event in starter.schedules] == ["rate(1 minute)"]
    assert starter.env["WALLTRACK_CLUSTER_EVIDENCE_QUEUE_URL"].target == "ClusterEvidenceQueue"
    assert "ClusterEvidenceQueue" in str(starter.properties["Policies"])
    # And the consumer reads that queue with partial batch responses and a bounded concurrency
    [event] = consumer.properties["Events"].values()
    assert consumer.handler == "functions.cluster_evidence.handler"
    assert event["Type"] == "SQS"
    assert "ClusterEvidenceQueue" in str(event["Properties"]["Queue"])
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= event["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= 4
    # And the queue has its DLQ
    assert TEMPLATE.queues["ClusterEvidenceQueue"].dlq_id == "ClusterEvidenceDLQ"
