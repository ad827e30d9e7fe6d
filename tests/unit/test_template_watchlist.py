"""template.yaml's watchlist_sync: a one-minute tick (the interval setting decides when it
syncs), pointed at webhook_ingest's Function URL, with the Helius key and webhook secret the
other functions get; the API can start a sync too, so it knows the same URL."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from walltrack.runtime.template import GetAtt, Ref, load_template

TEMPLATE = load_template(REPO_ROOT / "template.yaml")
INGEST_URL = GetAtt("WebhookIngestFunctionUrl", "FunctionUrl")


def test_watchlist_sync_ticks_every_minute_with_the_ingest_url() -> None:
    # Given the template / When its WatchlistSyncFunction is read
    function = TEMPLATE.functions["WatchlistSyncFunction"]
    # Then it runs the watchlist_sync handler every minute, pointed at webhook_ingest's URL
    assert function.handler == "functions.watchlist_sync.handler"
    assert [s.expression for s in function.schedules] == ["rate(1 minute)"]
    assert function.sqs_events == []
    assert function.env["WALLTRACK_WEBHOOK_INGEST_URL"] == INGEST_URL
    # and that URL is a Function URL of a function in the template
    assert TEMPLATE.functions["WebhookIngestFunction"].function_url


def test_watchlist_sync_gets_the_helius_key_and_the_webhook_secret_as_parameters() -> None:
    # Given the function's environment (Globals merged)
    env = TEMPLATE.functions["WatchlistSyncFunction"].env
    # Then the Helius key and the secret it sends as authHeader are NoEcho parameters
    assert env["WALLTRACK_HELIUS_API_KEY"] == Ref("HeliusApiKey")
    assert env["WALLTRACK_WEBHOOK_AUTH_SECRET"] == Ref("WebhookAuthSecret")
    for name in ("HeliusApiKey", "WebhookAuthSecret"):
        assert TEMPLATE.parameters[name].properties.get("NoEcho") is True


def test_the_api_knows_the_ingest_url_for_a_sync_started_from_the_dashboard() -> None:
    env = TEMPLATE.functions["ApiFunction"].env
    assert env["WALLTRACK_WEBHOOK_INGEST_URL"] == INGEST_URL
