"""Helius enhanced-transactions client (respx): history pages, the backwards walk, parse."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.services.errors import (
    AuthError,
    InvalidResponseError,
    RateLimitedError,
    ServiceNotFoundError,
    TemporaryServiceError,
)
from walltrack.services.helius.transactions import (
    HeliusTransactionsClient,
    SearchPeriodExhaustedError,
)

pytestmark = pytest.mark.anyio

BASE = "https://api-mainnet.helius-rpc.com"
KEY = "helius-test-key-7c1d"
W1 = "47rZu3FeRkNuC4GiNUKzazSiWk6H69oFFrNj8E2jaMCz"
HISTORY = f"{BASE}/v0/addresses/{W1}/transactions"
PARSE = f"{BASE}/v0/transactions"
T0 = 1773151200

Load = Callable[[str], Any]
Tx = dict[str, Any]


def make_client(sleep: RecordingSleep) -> HeliusTransactionsClient:
    return HeliusTransactionsClient(
        BASE, api_key=SecretStr(KEY), enhanced_rate=FAST_RATE, retry=TEST_RETRY, sleep=sleep
    )


@pytest.fixture
def template(load_fixture: Load) -> Tx:
    tx: Tx = load_fixture("helius/enhanced_tx_pumpfun_buy.json")
    return tx


def history_of(template: Tx, count: int, *, start: int = T0, step: int = 60) -> list[Tx]:
    """`count` transactions of W1, newest first, one every `step` seconds back from `start`."""
    txs = []
    for i in range(count):
        tx = copy.deepcopy(template)
        tx["signature"] = f"Sig{i:04d}" + "1" * 80
        tx["timestamp"] = start - i * step
        txs.append(tx)
    return txs


class FakeHistory:
    """Serves a newest-first history the documented way: `before-signature` + `limit`."""

    def __init__(self, txs: list[Tx]) -> None:
        self.txs = txs
        self.requests: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.requests.append(params)
        start = 0
        if "before-signature" in params:
            start = [t["signature"] for t in self.txs].index(params["before-signature"]) + 1
        limit = int(params.get("limit", "10"))
        return httpx.Response(200, json=self.txs[start : start + limit])


async def walk_all(client: HeliusTransactionsClient, **kwargs: Any) -> tuple[list[str], Any]:
    walk = client.iter_history(W1, **kwargs)
    return [tx["signature"] async for tx in walk], walk


# --- one page ----------------------------------------------------------------------------------


async def test_a_page_keeps_raw_dicts_with_exact_amounts(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given a history page holding the pump.fun buy and the Raydium buy
    page = [load_fixture("helius/enhanced_tx_raydium_buy.json")]
    page.append(load_fixture("helius/enhanced_tx_pumpfun_buy.json"))
    mock_api.get(HISTORY).respond(200, json=page)
    # When one page is read
    async with make_client(sleep) as client:
        txs = await client.transactions_for_address(W1)
    # Then the dicts come back as sent, UI floats as exact Decimals, raw strings untouched
    assert [tx["signature"] for tx in txs] == [tx["signature"] for tx in page]
    orbt = txs[0]["tokenTransfers"][-1]
    assert orbt["tokenAmount"] == Decimal("99501.867218623")
    assert isinstance(orbt["tokenAmount"], Decimal)
    assert txs[0]["fee"] == page[0]["fee"]
    assert isinstance(txs[0]["fee"], int)


async def test_a_page_request_uses_the_current_paging_parameters(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given the history endpoint
    route = mock_api.get(HISTORY).respond(200, json=[])
    # When a filtered page before a signature is asked for
    async with make_client(sleep) as client:
        await client.transactions_for_address(
            W1, before_signature="SigX", type="SWAP", limit=25, commitment="confirmed"
        )
    # Then the key, limit, order, cursor and filter are query parameters; no legacy names
    params = dict(route.calls.last.request.url.params)
    assert params == {
        "api-key": KEY,
        "limit": "25",
        "sort-order": "desc",
        "before-signature": "SigX",
        "type": "SWAP",
        "commitment": "confirmed",
    }


async def test_paging_forwards_sends_after_signature_ascending(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given the history endpoint
    route = mock_api.get(HISTORY).respond(200, json=[])
    # When paged forwards
    async with make_client(sleep) as client:
        await client.transactions_for_address(W1, after_signature="SigA", sort_order="asc")
    # Then after-signature with sort-order=asc
    params = route.calls.last.request.url.params
    assert (params["after-signature"], params["sort-order"]) == ("SigA", "asc")
    assert "before-signature" not in params


@pytest.mark.parametrize("limit", [0, 101])
async def test_a_limit_outside_1_to_100_is_refused_before_sending(
    mock_api: respx.MockRouter, sleep: RecordingSleep, limit: int
) -> None:
    async with make_client(sleep) as client:
        with pytest.raises(ValueError, match="limit"):
            await client.transactions_for_address(W1, limit=limit)
    assert not mock_api.calls


# --- the backwards walk ------------------------------------------------------------------------


async def test_the_walk_follows_three_pages_to_the_empty_one(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given 250 transactions served 100 per page
    txs = history_of(template, 250)
    server = FakeHistory(txs)
    mock_api.get(HISTORY).mock(side_effect=server)
    # When walked with a cap well above
    async with make_client(sleep) as client:
        signatures, walk = await walk_all(client, max_transactions=1000)
    # Then every transaction once, newest first, ended by the empty fourth page
    assert signatures == [tx["signature"] for tx in txs]
    assert walk.stop_reason == "exhausted"
    assert not walk.partial
    assert not walk.capped
    assert walk.pages == 4
    # Then each page started before the previous page's last signature
    cursors = [r.get("before-signature") for r in server.requests]
    assert cursors == [None, txs[99]["signature"], txs[199]["signature"], txs[249]["signature"]]


async def test_reaching_the_cap_marks_the_walk_partial(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given 10 transactions and a cap of 5 with pages of 3
    server = FakeHistory(history_of(template, 10))
    mock_api.get(HISTORY).mock(side_effect=server)
    # When walked
    async with make_client(sleep) as client:
        signatures, walk = await walk_all(client, max_transactions=5, page_size=3)
    # Then exactly 5 came back and the walk says it was capped
    assert len(signatures) == 5
    assert walk.stop_reason == "cap"
    assert walk.capped
    assert walk.partial
    # Then the last page asked for one more than needed, to know more exist
    assert [r["limit"] for r in server.requests] == ["3", "3"]


async def test_a_history_shorter_than_the_cap_is_complete(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given 4 transactions and a cap of 5
    mock_api.get(HISTORY).mock(side_effect=FakeHistory(history_of(template, 4)))
    # When walked
    async with make_client(sleep) as client:
        signatures, walk = await walk_all(client, max_transactions=5)
    # Then all 4, not partial
    assert len(signatures) == 4
    assert walk.stop_reason == "exhausted"
    assert not walk.partial


async def test_until_time_stops_at_the_first_older_transaction(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given 300 transactions one minute apart, and a horizon 150 minutes back
    txs = history_of(template, 300)
    server = FakeHistory(txs)
    mock_api.get(HISTORY).mock(side_effect=server)
    horizon = datetime.fromtimestamp(T0 - 150 * 60, tz=UTC)
    # When walked
    async with make_client(sleep) as client:
        signatures, walk = await walk_all(client, max_transactions=1000, until_time=horizon)
    # Then the transactions at or after the horizon only, and two pages read (not three)
    assert signatures == [tx["signature"] for tx in txs[:151]]
    assert walk.stop_reason == "until_time"
    assert not walk.partial
    assert len(server.requests) == 2


def test_until_time_must_be_timezone_aware() -> None:
    client = HeliusTransactionsClient(BASE)
    with pytest.raises(ValueError, match="timezone"):
        client.iter_history(W1, max_transactions=10, until_time=datetime(2026, 3, 10))  # noqa: DTZ001


async def test_a_transaction_repeated_across_pages_is_yielded_once(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given a second page that repeats the first page's last transaction
    txs = history_of(template, 4)
    route = mock_api.get(HISTORY)
    route.side_effect = [
        httpx.Response(200, json=txs[:2]),
        httpx.Response(200, json=txs[1:4]),
        httpx.Response(200, json=[]),
    ]
    # When walked
    async with make_client(sleep) as client:
        signatures, _ = await walk_all(client, max_transactions=100)
    # Then each signature once
    assert signatures == [tx["signature"] for tx in txs]


async def test_a_page_that_does_not_move_the_cursor_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given a server that ignores before-signature and always answers the first page
    mock_api.get(HISTORY).respond(200, json=history_of(template, 3))
    # When walked / Then it stops with an invalid response instead of looping
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="did not move"):
            await walk_all(client, max_transactions=100)


async def test_a_walk_can_be_iterated_only_once(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.get(HISTORY).respond(200, json=[])
    async with make_client(sleep) as client:
        walk = client.iter_history(W1, max_transactions=10)
        assert [tx async for tx in walk] == []
        with pytest.raises(RuntimeError):
            walk.__aiter__()


# --- the filtered-scan continuation quirk (apis.md §2.1) ----------------------------------------


def continuation(signature: str) -> dict[str, str]:
    return {
        "error": "Failed to find events within the search period. To continue search, query the "
        f"API again with the `before-signature` parameter set to {signature}."
    }


@pytest.mark.parametrize("status", [200, 404])
async def test_a_continuation_object_is_followed_with_its_signature(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx, status: int
) -> None:
    # Given a SWAP-filtered scan: an empty window first, then matches, then the end
    anchor = "Anchor" + "2" * 82
    txs = history_of(template, 2)
    route = mock_api.get(HISTORY)
    route.side_effect = [
        httpx.Response(status, json=continuation(anchor)),
        httpx.Response(200, json=txs),
        httpx.Response(200, json=[]),
    ]
    # When walked
    async with make_client(sleep) as client:
        signatures, walk = await walk_all(client, max_transactions=100, type="SWAP")
    # Then the scan continued before the named signature and found both
    assert signatures == [tx["signature"] for tx in txs]
    assert route.calls[1].request.url.params["before-signature"] == anchor
    assert route.calls[1].request.url.params["type"] == "SWAP"
    assert walk.continuations == 1
    assert walk.stop_reason == "exhausted"
    assert route.call_count == 3  # not retried as an error


async def test_a_single_page_surfaces_the_continuation_as_a_typed_error(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    anchor = "Anchor" + "3" * 82
    mock_api.get(HISTORY).respond(200, json=continuation(anchor))
    async with make_client(sleep) as client:
        with pytest.raises(SearchPeriodExhaustedError) as caught:
            await client.transactions_for_address(W1, type="SWAP")
    assert caught.value.continue_before == anchor


async def test_too_many_continuations_end_the_walk_as_partial(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a scan that never finds anything
    anchors = iter(f"Anchor{'123456789ABCDEFGH'[i % 17]}" + "4" * 80 for i in range(100))
    mock_api.get(HISTORY).mock(
        side_effect=lambda _request: httpx.Response(200, json=continuation(next(anchors)))
    )
    # When walked with at most 3 continuations
    async with make_client(sleep) as client:
        signatures, walk = await walk_all(
            client, max_transactions=100, type="SWAP", max_continuations=3
        )
    # Then it gave up as partial after 4 calls
    assert signatures == []
    assert walk.stop_reason == "continuations"
    assert walk.partial
    assert len(mock_api.calls) == 4


# --- parse ---------------------------------------------------------------------------------------


async def test_parse_posts_signatures_and_returns_the_fixture_transactions(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the parse endpoint answering the webhook delivery's three transactions
    delivery = load_fixture("helius/webhook_delivery.json")
    route = mock_api.post(PARSE, params={"api-key": KEY}).respond(200, json=delivery)
    signatures = [tx["signature"] for tx in delivery]
    # When parsed
    async with make_client(sleep) as client:
        txs = await client.parse_transactions(signatures)
    # Then one POST with the documented body, and the three transactions back
    assert json.loads(route.calls.last.request.content) == {"transactions": signatures}
    assert [tx["signature"] for tx in txs] == signatures
    assert txs[2]["nativeTransfers"] == []


async def test_parse_batches_100_and_matches_results_by_signature(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given a service that answers each batch reversed and leaves out one unknown signature
    txs = history_of(template, 250)
    by_signature = {tx["signature"]: tx for tx in txs}
    unknown = "Unknown" + "5" * 81
    sizes: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)["transactions"]
        sizes.append(len(asked))
        return httpx.Response(200, json=[by_signature[s] for s in reversed(asked) if s != unknown])

    mock_api.post(PARSE).mock(side_effect=answer)
    wanted = [tx["signature"] for tx in txs]
    # When 251 signatures (one unknown, one repeated) are parsed
    async with make_client(sleep) as client:
        result = await client.parse_transactions([*wanted[:120], unknown, *wanted[120:], wanted[0]])
    # Then three calls of at most 100, and the known ones back in the asked order
    assert sizes == [100, 100, 51]
    assert [tx["signature"] for tx in result] == wanted


async def test_parse_with_no_signatures_makes_no_call(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    async with make_client(sleep) as client:
        assert await client.parse_transactions([]) == []
    assert not mock_api.calls


# --- faults --------------------------------------------------------------------------------------


async def test_a_wrong_key_is_an_auth_error_without_the_key(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a 401 whose JSON-RPC style body echoes the key
    body = {"jsonrpc": "2.0", "error": {"code": -32401, "message": f"invalid key {KEY}"}}
    route = mock_api.get(HISTORY).respond(401, json=body)
    # When read / Then AuthError, not retried, key absent
    async with make_client(sleep) as client:
        with pytest.raises(AuthError) as caught:
            await client.transactions_for_address(W1)
    assert route.call_count == 1
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_a_404_is_not_found(mock_api: respx.MockRouter, sleep: RecordingSleep) -> None:
    mock_api.get(HISTORY).respond(404, json={"error": "not found"})
    async with make_client(sleep) as client:
        with pytest.raises(ServiceNotFoundError):
            await client.transactions_for_address(W1)


async def test_a_429_waits_the_requested_retry_after(
    mock_api: respx.MockRouter, sleep: RecordingSleep, template: Tx
) -> None:
    # Given one 429 asking for 7 s, then a page
    route = mock_api.get(HISTORY)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(200, json=history_of(template, 1)),
    ]
    # When read
    async with make_client(sleep) as client:
        txs = await client.transactions_for_address(W1)
    # Then it paused exactly 7 s and returned the page
    assert sleep.waits == [7.0]
    assert len(txs) == 1


async def test_a_persistent_429_surfaces_as_rate_limited(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.post(PARSE).respond(429, headers={"Retry-After": "1"})
    async with make_client(sleep) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.parse_transactions(["SigA"])
    assert caught.value.retry_after == 1.0


async def test_repeated_5xx_are_retried_then_surface(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a history endpoint answering 503 every time
    route = mock_api.get(HISTORY).respond(503)
    # When read / Then every attempt was used, with backoff pauses, then a temporary error
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError):
            await client.transactions_for_address(W1)
    assert route.call_count == TEST_RETRY.attempts
    assert len(sleep.waits) == TEST_RETRY.attempts - 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b'{"transactions": []}', "expected a JSON array"),
        (b'[{"type": "SWAP"}]', "signature"),
        (b'["just-a-string"]', "signature"),
    ],
)
async def test_a_malformed_body_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep, body: bytes, reason: str
) -> None:
    route = mock_api.get(HISTORY).respond(200, content=body)
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match=reason):
            await client.transactions_for_address(W1)
    assert route.call_count == 1


async def test_retry_and_info_log_lines_never_carry_the_key(
    mock_api: respx.MockRouter, sleep: RecordingSleep, captured_logs: io.StringIO
) -> None:
    # Given JSON logs captured, and a 503 whose body echoes the key, then a parse missing one
    route = mock_api.post(PARSE)
    route.side_effect = [
        httpx.Response(503, text=f"overloaded, retry ?api-key={KEY}"),
        httpx.Response(200, json=[]),
    ]
    # When parsed
    async with make_client(sleep) as client:
        await client.parse_transactions(["SigA"])
    # Then the retry and the missing signature were logged, without the key
    logs = captured_logs.getvalue()
    assert "service call retried" in logs
    assert "signatures not returned by parse" in logs
    assert KEY not in logs
