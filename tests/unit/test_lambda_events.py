"""Which event each trigger of template.yaml gets, and how stale fixtures are found
(tools/lambda_events.py; the events themselves come from the SAM CLI)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tools.lambda_events import EventSpec, compare, event_specs, render
from tools.lambda_package import PackagingError
from walltrack.runtime.template import load_template, parse_template


def test_each_trigger_of_the_template_gets_the_sam_event_of_its_kind() -> None:
    # Given the real template / When its event specs are listed
    specs = {
        (s.function_id, s.trigger): s
        for s in event_specs(load_template(REPO_ROOT / "template.yaml"))
    }
    # Then a schedule gets EventBridge's scheduled event, a queue SQS's event naming the queue,
    # and the Function URL an HTTP API (payload 2.0) request for /health
    assert specs["TokenScanFunction", "Tick"].sam_args[:2] == ("cloudwatch", "scheduled-event")
    assert specs["TokenScanFunction", "ManualRun"].sam_args == (
        "sqs", "receive-message", "--queue-name", "TokenScanQueue",
    )  # fmt: skip
    assert specs["ApiFunction", "FunctionUrl"].sam_args == (
        "apigateway", "http-api-proxy", "--method", "GET", "--path", "health",
    )  # fmt: skip
    assert (
        specs["WalletProfileFunction", "Wallets"].file_name == "WalletProfileFunction.Wallets.json"
    )


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ("{Type: S3, Properties: {Bucket: b, Events: 's3:ObjectCreated:*'}}", "Upload (S3)"),
        ("{Type: ScheduleV2, Properties: {ScheduleExpression: 'rate(1 minute)'}}", "Upload"),
    ],
)
def test_a_trigger_without_a_generator_is_an_error(event: str, named: str) -> None:
    # Given a function with a kind of trigger no generator covers
    template = parse_template(
        textwrap.dedent(
            f"""
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: functions.fn.handler
                  Events:
                    Upload: {event}
            """
        )
    )
    # Then listing its events fails, naming the function and the trigger
    with pytest.raises(
        PackagingError, match=re.escape(f"function Fn: no event generator for {named}")
    ):
        event_specs(template)


def test_missing_stale_and_changed_fixtures_are_each_named(tmp_path: Path) -> None:
    # Given three triggers and their freshly generated events
    specs = [
        EventSpec("A", "Tick", "schedule", ()),
        EventSpec("B", "Queue", "sqs", ()),
        EventSpec("C", "FunctionUrl", "function_url", ()),
    ]
    generated = [{"n": 1}, {"n": 2}, {"n": 3}]
    # And fixtures: A's current, B's outdated, C's missing, and one nobody generates any more
    (tmp_path / "A.Tick.json").write_text(render({"n": 1}))
    (tmp_path / "B.Queue.json").write_text(json.dumps({"n": 0}))
    (tmp_path / "Old.Tick.json").write_text("{}")
    # When they are compared / Then each problem is named with its file
    assert compare(specs, generated, tmp_path) == [
        "Old.Tick.json: no trigger in template.yaml has this event (run `make events`)",
        "B.Queue.json: differs from what the SAM CLI generates now",
        "C.FunctionUrl.json: missing (run `make events`)",
    ]
