"""The dashboard's API client sends the API token on every call (respx: real HTTP shapes, no
server), and never shows it."""

from __future__ import annotations

import httpx
import respx

from ui.api_client import ApiClient

BASE = "http://127.0.0.1:9"
TOKEN = "dashboard-token-" + "z" * 32


@respx.mock
def test_every_call_carries_the_bearer_token() -> None:
    # Given an API that answers anything
    route = respx.route(host="127.0.0.1").mock(return_value=httpx.Response(200, json={}))
    client = ApiClient(BASE, api_token=TOKEN)
    # When the dashboard reads, writes and starts runs
    client.steps()
    client.save_step("token_refresh", {"interval_minutes": 5}, expected_version=1)
    client.start_token_scan()
    client.block_token("So11111111111111111111111111111111111111112")
    # Then each request said who it is
    assert route.call_count == 4
    for call in route.calls:
        assert call.request.headers["authorization"] == f"Bearer {TOKEN}"


@respx.mock
def test_without_a_token_nothing_is_sent_and_the_token_is_not_in_its_repr() -> None:
    route = respx.route(host="127.0.0.1").mock(return_value=httpx.Response(401, json={}))
    assert ApiClient(BASE).steps().status == 401
    assert "authorization" not in route.calls.last.request.headers
    assert TOKEN not in repr(ApiClient(BASE, api_token=TOKEN))
