"""Helius webhooks CRUD client (respx): fixtures, full-replacement PUT, address cap, secrets."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.data.models.helius import MAX_ADDRESSES_PER_WEBHOOK
from walltrack.services.errors import (
    AuthError,
    BadRequestError,
    InvalidResponseError,
    ServiceNotFoundError,
    TemporaryServiceError,
)
from walltrack.services.helius.webhooks import HeliusWebhooksClient, TooManyAddressesError

pytestmark = pytest.mark.anyio

BASE = "https://api-mainnet.helius-rpc.com"
KEY = "helius-test-key-9e0b"
HOOKS = f"{BASE}/v0/webhooks"
HOOK_ID = "6f3c1e2a-9b7d-4c5e-8a1f-2d3b4c5e6f70"
HOOK = f"{HOOKS}/{HOOK_ID}"
AUTH = "Bearer wt-sim-4f9c2e71b8a34d0e"
FUNCTION_URL = "https://k3v7q2x9m4n8p1r6s5t0w2y4z6a8b0c1.lambda-url.us-east-1.on.aws/"
W1 = "47rZu3FeRkNuC4GiNUKzazSiWk6H69oFFrNj8E2jaMCz"
W2 = "8LLaxkLYnJCpLmidbL88bUfEnmGNSeCTyWuopFZSS5JN"
W3 = "6EN7KPG6wz1Btu2RLkmQ4kPBeMWZtLjryxZQ94RzVAsX"

Load = Callable[[str], Any]


def make_client(sleep: RecordingSleep) -> HeliusWebhooksClient:
    return HeliusWebhooksClient(
        BASE, api_key=SecretStr(KEY), webhooks_rate=FAST_RATE, retry=TEST_RETRY, sleep=sleep
    )


async def test_create_sends_the_documented_body_and_parses_the_webhook(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the create endpoint answering the fixture
    route = mock_api.post(HOOKS, params={"api-key": KEY}).respond(
        200, json=load_fixture("helius/webhook_create_response.json")
    )
    # When W1 and W2 are watched
    async with make_client(sleep) as client:
        webhook = await client.create(
            FUNCTION_URL, [W1, W2], auth_header=SecretStr(AUTH), txn_status="success"
        )
    # Then the body is exactly the fixture request (ANY, enhanced, auth header revealed)
    sent = json.loads(route.calls.last.request.content)
    assert sent == load_fixture("helius/webhook_create_request.json")
    # Then the webhook is parsed, its auth header kept secret
    assert webhook.webhook_id == HOOK_ID
    assert webhook.account_addresses == [W1, W2]
    assert webhook.auth_header is not None
    assert webhook.auth_header.get_secret_value() == AUTH
    assert AUTH not in repr(webhook)


async def test_list_tolerates_the_undocumented_extras(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the list fixture with `txnStatus` and `active`
    mock_api.get(HOOKS).respond(200, json=load_fixture("helius/webhook_list_response.json"))
    # When listed
    async with make_client(sleep) as client:
        (webhook,) = await client.list()
    # Then the extras are read
    assert (webhook.webhook_id, webhook.active, webhook.txn_status) == (HOOK_ID, True, "success")
    assert webhook.wallet == "T2PKmuHX56mP7hmfAkwZeFT9hixeuogMawQCFbfCvP6"


async def test_list_skips_a_malformed_webhook(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    good = load_fixture("helius/webhook_create_response.json")
    mock_api.get(HOOKS).respond(200, json=[good, {"wallet": "no id"}])
    async with make_client(sleep) as client:
        webhooks = await client.list()
    assert [w.webhook_id for w in webhooks] == [HOOK_ID]


async def test_get_reads_one_and_404_is_not_found(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given one known id and one unknown
    mock_api.get(HOOK).respond(200, json=load_fixture("helius/webhook_create_response.json"))
    missing = {"jsonrpc": "2.0", "error": {"code": -32404, "message": "webhook not found"}}
    mock_api.get(f"{HOOKS}/nope").respond(404, json=missing)
    async with make_client(sleep) as client:
        # When read / Then the known one comes back and the unknown one is not found
        assert (await client.get(HOOK_ID)).webhook_url == FUNCTION_URL
        with pytest.raises(ServiceNotFoundError):
            await client.get("nope")


async def test_update_puts_the_whole_webhook(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the PUT endpoint echoing the new state
    request_fixture = load_fixture("helius/webhook_update_request.json")
    answer = {
        **load_fixture("helius/webhook_create_response.json"),
        "accountAddresses": [W1, W2, W3],
    }
    route = mock_api.put(HOOK, params={"api-key": KEY}).respond(200, json=answer)
    # When W3 is added
    async with make_client(sleep) as client:
        webhook = await client.update(
            HOOK_ID, FUNCTION_URL, [W1, W2, W3], auth_header=AUTH, txn_status="success"
        )
    # Then every field is sent (a full replacement), as in the fixture
    assert json.loads(route.calls.last.request.content) == request_fixture
    assert webhook.account_addresses == [W1, W2, W3]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"message": "Webhook deleted"}),
        httpx.Response(200),
        httpx.Response(204),
    ],
)
async def test_delete_accepts_a_message_an_empty_200_or_204(
    mock_api: respx.MockRouter, sleep: RecordingSleep, response: httpx.Response
) -> None:
    route = mock_api.delete(HOOK, params={"api-key": KEY}).mock(return_value=response)
    async with make_client(sleep) as client:
        await client.delete(HOOK_ID)
    assert route.call_count == 1


async def test_more_addresses_than_a_webhook_holds_are_refused_before_sending(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given one address more than the documented cap
    addresses = [f"Addr{i}" for i in range(MAX_ADDRESSES_PER_WEBHOOK + 1)]
    # When created or updated / Then a typed error, and nothing sent
    async with make_client(sleep) as client:
        with pytest.raises(TooManyAddressesError, match="100000"):
            await client.create(FUNCTION_URL, addresses, auth_header=AUTH)
        with pytest.raises(BadRequestError):
            await client.update(HOOK_ID, FUNCTION_URL, addresses, auth_header=AUTH)
    assert not mock_api.calls


async def test_repeated_addresses_count_once_toward_the_cap(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given exactly the cap of distinct addresses, plus repeats
    addresses = [f"Addr{i}" for i in range(MAX_ADDRESSES_PER_WEBHOOK)]
    route = mock_api.post(HOOKS).respond(
        200, json=load_fixture("helius/webhook_create_response.json")
    )
    # When created
    async with make_client(sleep) as client:
        await client.create(FUNCTION_URL, addresses + addresses[:10], auth_header=AUTH)
    # Then it is sent, each address once, in order
    assert json.loads(route.calls.last.request.content)["accountAddresses"] == addresses


async def test_a_wrong_key_is_an_auth_error(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = mock_api.get(HOOKS).respond(401, json={"error": f"invalid api key {KEY}"})
    async with make_client(sleep) as client:
        with pytest.raises(AuthError) as caught:
            await client.list()
    assert route.call_count == 1
    assert KEY not in str(caught.value)


async def test_a_429_waits_the_requested_retry_after(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    route = mock_api.get(HOOKS)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, json=load_fixture("helius/webhook_list_response.json")),
    ]
    async with make_client(sleep) as client:
        assert len(await client.list()) == 1
    assert sleep.waits == [3.0]


async def test_repeated_5xx_are_retried_then_surface(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = mock_api.delete(HOOK).respond(500)
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError):
            await client.delete(HOOK_ID)
    assert route.call_count == TEST_RETRY.attempts


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"<html>oops</html>"),
        httpx.Response(200, json={"webhookURL": FUNCTION_URL}),
        httpx.Response(200),
    ],
)
async def test_a_malformed_create_answer_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep, response: httpx.Response
) -> None:
    mock_api.post(HOOKS).mock(return_value=response)
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError):
            await client.create(FUNCTION_URL, [W1], auth_header=AUTH)


async def test_a_list_answer_that_is_not_an_array_is_invalid(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.get(HOOKS).respond(200, json={"webhooks": []})
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="expected a JSON array"):
            await client.list()


async def test_the_auth_header_and_key_never_reach_logs_or_errors(
    mock_api: respx.MockRouter, sleep: RecordingSleep, captured_logs: io.StringIO
) -> None:
    # Given a secret auth header, a 503 echoing it (logged as a retry), then a 400 echoing it
    secret = "Bearer wt-very-secret-77aa"
    route = mock_api.post(HOOKS)
    route.side_effect = [
        httpx.Response(503, text=f"busy; got authHeader={secret} key={KEY}"),
        httpx.Response(400, json={"error": f"bad webhookURL for {secret}"}),
    ]
    # When a webhook is created
    async with make_client(sleep) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.create(FUNCTION_URL, [W1], auth_header=SecretStr(secret))
    # Then neither the error nor any log line shows the auth header or the key
    logs = captured_logs.getvalue()
    assert "service call retried" in logs
    for text in (str(caught.value), logs):
        assert secret not in text
        assert "wt-very-secret-77aa" not in text
        assert KEY not in text


async def test_success_logs_name_the_webhook_not_its_secret(
    mock_api: respx.MockRouter,
    sleep: RecordingSleep,
    load_fixture: Load,
    captured_logs: io.StringIO,
) -> None:
    mock_api.post(HOOKS).respond(200, json=load_fixture("helius/webhook_create_response.json"))
    async with make_client(sleep) as client:
        await client.create(FUNCTION_URL, [W1, W2], auth_header=AUTH)
    line = json.loads(captured_logs.getvalue().splitlines()[-1])
    assert (line["event"], line["webhook_id"], line["addresses"]) == ("webhook created", HOOK_ID, 2)
    assert "wt-sim-4f9c2e71b8a34d0e" not in captured_logs.getvalue()
