"""RugCheck report-summary client against the reference fixtures (respx)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.services.errors import (
    BadRequestError,
    InvalidResponseError,
    ServiceNotFoundError,
    TemporaryServiceError,
)
from walltrack.services.rugcheck import REPORTS_RATE, RugCheckClient

pytestmark = pytest.mark.anyio

BASE = "https://api.rugcheck.xyz"
GCAT = "3BibvHyi1o5Y7eHfzfbxyq6DdnnEchwBCJWyyoKdpump"
ORBT = "5kPxHhTpBUNU2RxZ6b6RoggtCDru2Z9kvoRs5Uyy4BJm"

Load = Callable[[str], Any]


def make_client(sleep: RecordingSleep, api_key: SecretStr | None = None) -> RugCheckClient:
    return RugCheckClient(
        BASE, api_key=api_key, reports_rate=FAST_RATE, retry=TEST_RETRY, sleep=sleep
    )


def summary_url(mint: str) -> str:
    return f"{BASE}/v1/tokens/{mint}/report/summary"


async def test_a_clean_token_has_no_risks_and_a_low_score(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given GCAT's clean summary
    mock_api.get(summary_url(GCAT)).respond(200, json=load_fixture("rugcheck/summary_good.json"))
    # When read
    async with make_client(sleep) as client:
        summary = await client.report_summary(GCAT)
    # Then no risks, normalised score 1, LP fully locked, stamped with the asked mint
    assert summary.risks == []
    assert summary.score_normalised == 1
    assert summary.lp_locked_pct == Decimal(100)
    assert summary.mint == GCAT


async def test_a_risky_token_lists_its_danger_risks(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given ORBT's risky summary
    mock_api.get(summary_url(ORBT)).respond(200, json=load_fixture("rugcheck/summary_risky.json"))
    # When read
    async with make_client(sleep) as client:
        summary = await client.report_summary(ORBT)
    # Then the two danger risks are named, with the raw and normalised scores
    assert [r.name for r in summary.danger_risks] == [
        "Mint Authority still enabled",
        "Large Amount of LP Unlocked",
    ]
    assert (summary.score, summary.score_normalised) == (44101, 87)


async def test_an_unknown_mint_answering_400_not_found_is_not_found(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given RugCheck's answer for a mint it has no report of
    route = mock_api.get(summary_url(GCAT)).respond(400, json={"error": "not found"})
    # When read / Then ServiceNotFoundError, asked once
    async with make_client(sleep) as client:
        with pytest.raises(ServiceNotFoundError):
            await client.report_summary(GCAT)
    assert route.call_count == 1


async def test_a_malformed_mint_answering_400_is_a_bad_request(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a 400 with a decode message
    mock_api.get(summary_url("not-base58")).respond(
        400, json={"error": "invalid mint: decode base58"}
    )
    # When read / Then the request itself is blamed
    async with make_client(sleep) as client:
        with pytest.raises(BadRequestError):
            await client.report_summary("not-base58")


async def test_a_mint_cannot_escape_its_path_segment(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given a "mint" containing a slash
    route = mock_api.get(f"{BASE}/v1/tokens/a%2F..%2Fb/report/summary").respond(
        200, json=load_fixture("rugcheck/summary_good.json")
    )
    # When read
    async with make_client(sleep) as client:
        await client.report_summary("a/../b")
    # Then the slash was escaped inside the one segment
    assert route.called


async def test_repeated_5xx_surface_a_temporary_error(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given RugCheck failing every time
    route = mock_api.get(summary_url(GCAT)).respond(503)
    # When read / Then a temporary error after every attempt
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError):
            await client.report_summary(GCAT)
    assert route.call_count == TEST_RETRY.attempts


async def test_a_summary_with_a_wrongly_typed_field_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a summary whose risks are not a list
    mock_api.get(summary_url(GCAT)).respond(200, json={"risks": "none", "score": 1})
    # When read / Then invalid, naming the field but not its value
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="risks"):
            await client.report_summary(GCAT)


async def test_an_api_key_goes_in_the_authorization_header(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given a configured key
    route = mock_api.get(summary_url(GCAT)).respond(
        200, json=load_fixture("rugcheck/summary_good.json")
    )
    # When read
    async with make_client(sleep, api_key=SecretStr("rc-key-42")) as client:
        await client.report_summary(GCAT)
    # Then it travelled as the Authorization header
    request: httpx.Request = route.calls.last.request
    assert request.headers["Authorization"] == "rc-key-42"


def test_defaults_keep_to_one_request_per_second() -> None:
    # Given a client made with its defaults
    client = RugCheckClient("http://127.0.0.1:9/rc")
    # Then the unpublished limit is taken conservatively
    assert client.rate_limits == {"reports": REPORTS_RATE}
    assert REPORTS_RATE.interval_s == 1.0
