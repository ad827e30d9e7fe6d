"""Step 6's ingest in template.yaml: webhook_ingest on its own Function URL, reconcile on a
schedule, both producing to SignalScoreQueue (with its DLQ), and the local wiring of the
Function URL's address."""

from __future__ import annotations

import textwrap

from tests.conftest import REPO_ROOT
from walltrack.clock import ManualClock
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.template import load_template, parse_template

TEMPLATE = load_template(REPO_ROOT / "template.yaml")
PRODUCERS = ("WebhookIngestFunction", "ReconcileFunction")


def test_webhook_ingest_is_a_function_url_authenticated_by_the_helius_secret() -> None:
    fn = TEMPLATE.functions["WebhookIngestFunction"]
    assert fn.handler == "functions.webhook_ingest.handler"
    assert fn.function_url
    # AuthType NONE: Helius cannot sign (SigV4); the secret it echoes is checked in code
    assert fn.properties["FunctionUrlConfig"]["AuthType"] == "NONE"
    assert fn.properties["Environment"]["Variables"]["WALLTRACK_WEBHOOK_AUTH_SECRET"].target == (
        "WebhookAuthSecret"
    )
    assert TEMPLATE.parameters["WebhookAuthSecret"].no_echo


def test_reconcile_ticks_every_minute() -> None:
    fn = TEMPLATE.functions["ReconcileFunction"]
    assert fn.handler == "functions.reconcile.handler"
    assert [e.expression for e in fn.schedules] == ["rate(1 minute)"]
    assert not fn.sqs_events


def test_both_producers_may_send_to_the_signal_queue_and_know_its_url() -> None:
    for function_id in PRODUCERS:
        fn = TEMPLATE.functions[function_id]
        assert fn.env["WALLTRACK_SIGNAL_SCORE_QUEUE_URL"].target == "SignalScoreQueue"
        assert "SignalScoreQueue" in str(fn.properties["Policies"]), function_id


def test_the_signal_queue_has_a_dlq_and_room_for_a_minute_long_consumer() -> None:
    queue = TEMPLATE.queues["SignalScoreQueue"]
    assert queue.dlq_id == "SignalScoreDLQ"
    assert queue.visibility_timeout >= 6 * 60


def test_the_handlers_stay_thin() -> None:
    for name in ("webhook_ingest", "reconcile"):
        lines = (REPO_ROOT / "functions" / f"{name}.py").read_text().splitlines()
        assert len(lines) <= 30, f"functions/{name}.py has {len(lines)} lines"


def test_the_local_runtime_points_a_function_url_attribute_at_its_local_route() -> None:
    # Given a template whose function hands another function's Function URL in its env
    template = parse_template(
        textwrap.dedent(
            """
            Resources:
              HookFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: functions.webhook_ingest.handler
                  Timeout: 30
                  FunctionUrlConfig: {AuthType: NONE}
              SyncFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: functions.reconcile.handler
                  Timeout: 30
                  Environment:
                    Variables:
                      HOOK_URL: !GetAtt HookFunctionUrl.FunctionUrl
            """
        ),
        path=REPO_ROOT / "template.yaml",
    )
    # When the local runtime applies it with the local API's base URL, and without one
    served: dict[str, str] = {}
    with LocalRuntime(
        template, clock=ManualClock(), env=served, function_url_base="http://127.0.0.1:8123/"
    ) as runtime:
        runtime.apply_environment()
    bare: dict[str, str] = {}
    with LocalRuntime(template, clock=ManualClock(), env=bare) as runtime:
        runtime.apply_environment()
    tunnel = {"HOOK_URL": "https://hooks.example/fn/"}
    with LocalRuntime(
        template, clock=ManualClock(), env=tunnel, function_url_base="http://127.0.0.1:8123"
    ) as runtime:
        runtime.apply_environment()
    # Then it is the route `url_router()` serves; without a base it is left unset
    assert served["HOOK_URL"] == "http://127.0.0.1:8123/fn/HookFunction/"
    assert "HOOK_URL" not in bare
    # And a developer's export (a public tunnel for the real Helius) wins
    assert tunnel["HOOK_URL"] == "https://hooks.example/fn/"


def test_locally_the_webhook_url_helius_is_given_is_webhook_ingests_route() -> None:
    # Given the real template run locally with the API on port 8123
    env: dict[str, str] = {}
    with LocalRuntime(
        TEMPLATE, clock=ManualClock(), env=env, function_url_base="http://127.0.0.1:8123"
    ) as runtime:
        runtime.apply_environment()
    # Then the URL the watchlist gives Helius is webhook_ingest's Function URL route
    assert env["WALLTRACK_WEBHOOK_INGEST_URL"] == (
        "http://127.0.0.1:8123/fn/WebhookIngestFunction/"
    )
