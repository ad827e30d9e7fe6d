"""load_template: CloudFormation tags, SAM Globals, queues and events, and clear refusals."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from walltrack.runtime.template import (
    GetAtt,
    Intrinsic,
    Ref,
    ScheduleEvent,
    SqsEvent,
    Template,
    TemplateError,
    parse_template,
    resolve_handler,
)

TEMPLATE = textwrap.dedent(
    """
    Parameters:
      MaxReceives: {Type: Number, Default: 7}
      Stage: {Type: String, Default: dev}
      ApiKey: {Type: String, NoEcho: true}
    Globals:
      Function:
        Timeout: 20
        MemorySize: 256
        Layers: [global-layer]
        Environment:
          Variables:
            SHARED: !Ref Stage
            OVERRIDDEN: from-globals
    Resources:
      Work:
        Type: AWS::SQS::Queue
        Properties:
          VisibilityTimeout: 180
          RedrivePolicy:
            deadLetterTargetArn: !GetAtt WorkDLQ.Arn
            maxReceiveCount: !Ref MaxReceives
      WorkDLQ:
        Type: AWS::SQS::Queue
      Consumer:
        Type: AWS::Serverless::Function
        Properties:
          Handler: pkg.consumer.handler
          Timeout: 30
          Layers: [own-layer]
          Environment:
            Variables:
              OVERRIDDEN: from-function
              NAME: !Sub "${Stage}-consumer"
              PICK: !If [IsProd, a, b]
              JOINED: !Join ["-", [a, !Ref Stage]]
              LONG_FORM: {"Fn::GetAtt": ["Work", "QueueUrl"]}
              LONG_REF: {"Ref": "Work"}
          Events:
            Queue:
              Type: SQS
              Properties:
                Queue: !GetAtt Work.Arn
                BatchSize: 5
                MaximumBatchingWindowInSeconds: 2
                FunctionResponseTypes: [ReportBatchItemFailures]
            Nightly:
              Type: Schedule
              Properties:
                Schedule: cron(0 3 * * ? *)
                Enabled: false
                Input: '{"kind": "nightly"}'
            Hourly:
              Type: ScheduleV2
              Properties:
                ScheduleExpression: rate(1 hour)
                State: DISABLED
            Api:
              Type: Api
              Properties: {Path: /x, Method: get}
      Web:
        Type: AWS::Serverless::Function
        Properties:
          Handler: pkg.web.handler
          FunctionUrlConfig: {AuthType: NONE}
    """
)


@pytest.fixture
def template() -> Template:
    return parse_template(TEMPLATE, path=Path("/repo/template.yaml"))


def test_short_and_long_form_intrinsics_become_objects(template: Template) -> None:
    env = template.functions["Consumer"].env
    assert env["SHARED"] == Ref("Stage")
    assert env["NAME"] == Intrinsic("Fn::Sub", "${Stage}-consumer")
    assert env["PICK"] == Intrinsic("Fn::If", ["IsProd", "a", "b"])
    assert env["JOINED"] == Intrinsic("Fn::Join", ["-", ["a", Ref("Stage")]])
    assert env["LONG_FORM"] == GetAtt("Work", "QueueUrl")
    assert env["LONG_REF"] == Ref("Work")


def test_globals_merge_as_sam_does(template: Template) -> None:
    consumer, web = template.functions["Consumer"], template.functions["Web"]
    # scalars: the function wins; maps merge; lists add up (Globals first)
    assert consumer.timeout == 30
    assert web.timeout == 20
    assert consumer.memory_size == 256
    assert consumer.env["OVERRIDDEN"] == "from-function"
    assert web.env == {"SHARED": Ref("Stage"), "OVERRIDDEN": "from-globals"}
    assert consumer.properties["Layers"] == ["global-layer", "own-layer"]


def test_events_are_typed(template: Template) -> None:
    consumer = template.functions["Consumer"]
    assert consumer.sqs_events == [
        SqsEvent(
            name="Queue",
            queue_id="Work",
            batch_size=5,
            report_batch_item_failures=True,
            max_batching_window=2,
        )
    ]
    nightly, hourly = consumer.schedules
    assert nightly == ScheduleEvent(
        name="Nightly", expression="cron(0 3 * * ? *)", enabled=False, input='{"kind": "nightly"}'
    )
    assert hourly.kind == "ScheduleV2"
    assert hourly.expression == "rate(1 hour)"
    assert hourly.enabled is False
    assert consumer.unsupported_events == ["Api (Api)"]
    assert consumer.function_url is False
    assert template.functions["Web"].function_url is True


def test_queues_resolve_their_dlq_and_receive_count(template: Template) -> None:
    work = template.queues["Work"]
    assert work.visibility_timeout == 180
    assert work.dlq_id == "WorkDLQ"
    assert work.max_receive_count == 7  # the parameter's Default
    dlq = template.queues["WorkDLQ"]
    assert (dlq.dlq_id, dlq.max_receive_count, dlq.visibility_timeout) == (None, None, 30)


def test_parameters_know_no_echo_and_defaults(template: Template) -> None:
    assert template.parameters["ApiKey"].no_echo is True
    assert template.parameters["ApiKey"].has_default is False
    assert template.parameters["Stage"].default == "dev"


def test_code_uri_is_relative_to_the_template() -> None:
    text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n"
    text += "    Properties: {Handler: a.b, CodeUri: src}\n"
    spec = parse_template(text, path=Path("/repo/template.yaml")).functions["F"]
    assert spec.code_dir == Path("/repo/src")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[1, 2]", "a mapping with a Resources section"),
        ("Parameters: {}", "no Resources section"),
        ("Resources: {X: {Type: AWS::Serverless::Function, Properties: {}}}", "Handler must"),
        (
            "Resources: {X: {Type: AWS::Serverless::Function, Properties: {Handler: a.b, "
            "Events: {E: {Type: SQS, Properties: {Queue: arn:aws:sqs:x}}}}}}",
            "Queue must be !GetAtt",
        ),
        (
            "Resources: {Q: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: "
            "{deadLetterTargetArn: !GetAtt D.Arn, maxReceiveCount: !Ref Missing}}}}",
            "!Ref Missing is not a parameter",
        ),
        ("Resources: {X: !GetAtt NoDot}", "malformed GetAtt"),
        ("Resources: [unclosed", "not valid YAML"),
    ],
)
def test_unreadable_templates_fail_clearly(text: str, why: str) -> None:
    with pytest.raises(TemplateError, match=why):
        parse_template(text)


def test_resolve_handler_names_the_function_and_handler() -> None:
    with pytest.raises(
        TemplateError,
        match=r"function Ghost: handler 'json\.nope' cannot be imported: "
        r"module 'json' has no attribute 'nope'",
    ):
        resolve_handler("json.nope", function_id="Ghost")
    assert resolve_handler("json.dumps") is not None
