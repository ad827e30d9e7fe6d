"""Steps 1-2 in a real browser against `walltrack run` and the simulated market.

The world is the calibrated one scaled down (`calibrated-small`, sim/scenarios.py: a tenth of its
wallets, 2 h of history, 20 % of launches graduating instead of 1 % so there are pools to
filter). The expected token counts are computed here from the simulated market (its DexScreener
routes and its truth), never by the product."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, save_settings_until, start_stack, stop_stack
from tests.support.stack import RELAXED
from walltrack.data.models.solana import SOL_MINT as SOL
from walltrack.data.models.solana import USDC_MINT as USDC

CALIBRATED_SMALL = {"WALLTRACK_SIM_SMALL": "0", "WALLTRACK_SIM_SCENARIO": "calibrated-small"}
CURVE = "pumpfun"  # DexScreener's dexId of a pump.fun bonding curve (no pool liquidity)


@pytest.fixture(scope="module")
def frozen_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose market clock stands still, so the expected counts cannot drift."""
    running = start_stack(
        tmp_path_factory.mktemp("frozen"), {**CALIBRATED_SMALL, "WALLTRACK_SIM_SPEED": "0"}
    )
    yield running
    stop_stack(running)


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The same world with its clock running (60x), for the automatic refresh."""
    running = start_stack(tmp_path_factory.mktemp("live"), CALIBRATED_SMALL)
    yield running
    stop_stack(running)


def _best_liquidity_by_mint(sim_url: str) -> dict[str, tuple[Decimal, str]]:
    """What the scan's sources offer: every mint of profiles/boosts, its main pair's liquidity
    and dexId."""
    mints: set[str] = set()
    for path in ("/token-profiles/latest/v1", "/token-boosts/latest/v1", "/token-boosts/top/v1"):
        items = httpx.get(f"{sim_url}{path}", timeout=10).json()
        mints |= {i["tokenAddress"] for i in items if i.get("chainId") == "solana"}
    best: dict[str, tuple[Decimal, str]] = {}
    ordered = sorted(mints)
    for start in range(0, len(ordered), 30):
        chunk = ",".join(ordered[start : start + 30])
        for pair in httpx.get(f"{sim_url}/tokens/v1/solana/{chunk}", timeout=10).json():
            mint = pair["baseToken"]["address"]
            if mint not in mints or pair["quoteToken"]["address"] not in {SOL, USDC}:
                continue
            liquidity = Decimal(str((pair.get("liquidity") or {}).get("usd") or 0))
            best[mint] = max(best.get(mint, (Decimal(0), "")), (liquidity, pair["dexId"]))
    return best


def _shown_count(page: Any) -> int:
    text = page.locator("#tokens-count").inner_text()
    match = re.search(r"(\d+) tokens", text)
    assert match, text
    return int(match.group(1))


def _run_scan(page: Any) -> None:
    """Click Run and wait for THIS scan to finish (the line may still say an earlier one
    finished: first wait for it to show the new run). A scan takes about a second per passing
    token (RugCheck's 1 request/s); the small world offers about 20."""
    progress = page.locator("#scan-progress")
    page.locator("#discovery-run").click()
    progress.get_by_text(re.compile("queued|running")).wait_for(timeout=30_000)
    progress.get_by_text("finished").wait_for(timeout=90_000)


def _open_discovery(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Discovery").click()
    # (the table shows the tokens that pass the current filters by default)


def test_run_lists_the_tokens_that_pass_and_a_tighter_filter_shrinks_the_list(
    page: Any, frozen_stack: Stack
) -> None:
    stack = frozen_stack
    assert (
        httpx.put(
            f"{stack.base_url}/config/token_discovery", headers=stack.auth, json=RELAXED
        ).status_code
        == 200
    )
    best = _best_liquidity_by_mint(stack.sim_url)
    truth = {t["mint"] for t in httpx.get(f"{stack.sim_url}/__sim/truth").json()["tokens"]}
    assert set(best) <= truth
    # When Run is clicked on the Discovery tab
    _open_discovery(page, stack)
    _run_scan(page)
    # Then every token the sim offers with an allowed quote is listed (relaxed filters)
    page.wait_for_function(
        "n => document.querySelector('#tokens-count').innerText.includes(n + ' tokens')",
        arg=str(len(best)),
    )
    assert _shown_count(page) == len(best)

    # When min liquidity is raised in Settings to the median of the pooled tokens, and Run again
    pooled = sorted(v for v, dex in best.values() if v > 0 and dex != CURVE)
    assert pooled, f"no pooled token among {len(best)}: the dense world graduates 20 %"
    threshold = pooled[len(pooled) // 2]
    # (a bonding curve has no pool liquidity: the rule judges pools only, so curves stay)
    expected = sum(1 for v, dex in best.values() if dex == CURVE or v >= threshold)
    page.get_by_role("tab", name="Settings").click()
    page.locator("#settings-step input").click()
    page.get_by_role("option", name="Token discovery (step 1)").click()
    field = page.locator("#setting-token_discovery-min_liquidity_usd textarea, "
                         "#setting-token_discovery-min_liquidity_usd input").first  # fmt: skip
    field.fill(str(threshold))
    save_settings_until(page, "Saved")
    page.get_by_role("tab", name="Discovery").click()
    _run_scan(page)
    # Then the list shrinks to exactly the tokens at or above it
    page.wait_for_function(
        "n => document.querySelector('#tokens-count').innerText.includes(n + ' tokens')",
        arg=str(expected),
    )
    assert 0 < expected < len(best)
    # And "rejected by filters" lists the others, each with its reason
    page.locator("#filter-passing input").click()
    page.get_by_role("option", name="rejected by filters").click()
    page.wait_for_function(
        "n => document.querySelector('#tokens-count').innerText.includes(n + ' tokens')",
        arg=str(len(best) - expected),
    )
    page.locator("#tokens-table thead").get_by_text("rejected because").wait_for()
    page.locator("#tokens-table [data-testid^='cell-']").get_by_text(
        "liquidity USD"
    ).first.wait_for()


def test_manual_add_valid_malformed_unknown_and_the_detail_view(
    page: Any, frozen_stack: Stack
) -> None:
    stack = frozen_stack
    mint = httpx.get(f"{stack.sim_url}/__sim/truth").json()["tokens"][-4]["mint"]
    _open_discovery(page, stack)
    message = page.locator("#add-mint-message")
    # A malformed mint: a clear 422, nothing stored
    before = httpx.get(f"{stack.base_url}/discovery/tokens", headers=stack.auth).json()["total"]
    page.locator("#add-mint textarea, #add-mint input").first.fill("not-a-mint")
    page.locator("#add-mint-button").click()
    message.get_by_text("Not added (422)").wait_for()
    assert "not a Solana mint address" in message.inner_text()
    # An unknown (well-formed) mint: a clear 404, nothing stored
    page.locator("#add-mint textarea, #add-mint input").first.fill(
        "11111111111111111111111111111112"
    )
    page.locator("#add-mint-button").click()
    message.get_by_text("Not added (404)").wait_for()
    assert "no market knows the mint" in message.inner_text()
    assert (
        httpx.get(f"{stack.base_url}/discovery/tokens", headers=stack.auth).json()["total"]
        == before
    )
    # A valid sim mint: added with its safety verdict, and its detail shows the reasons
    page.locator("#add-mint textarea, #add-mint input").first.fill(mint)
    page.locator("#add-mint-button").click()
    message.get_by_text("Added").wait_for(timeout=60_000)
    page.locator("#detail-mint textarea, #detail-mint input").first.fill(mint)
    page.locator("#detail-show").click()
    detail = page.locator("#token-detail")
    detail.get_by_text("Safety verdict").wait_for()
    assert "freeze_authority" in detail.inner_text()


def test_tokens_are_refreshed_automatically_and_the_chart_shows_the_snapshots(
    page: Any, live_stack: Stack
) -> None:
    stack = live_stack
    # Given the running market (60x) and a 1-minute refresh interval, a token added by hand
    assert (
        httpx.put(
            f"{stack.base_url}/config/token_refresh",
            headers=stack.auth,
            json={"interval_minutes": 1},
        ).status_code
        == 200
    )
    mint = httpx.get(f"{stack.sim_url}/__sim/truth").json()["tokens"][-3]["mint"]
    added = httpx.post(
        f"{stack.base_url}/discovery/tokens", headers=stack.auth, json={"mint": mint}, timeout=60
    )
    assert added.status_code in {200, 201}, added.text
    # When the schedule has ticked a few times (no click: token_refresh runs on its own)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        detail = httpx.get(f"{stack.base_url}/discovery/tokens/{mint}", headers=stack.auth).json()
        if len(detail["snapshots"]) >= 3:
            break
        time.sleep(1)
    # Then the detail view shows ≥ 3 snapshots in its charts
    _open_discovery(page, stack)
    page.locator("#detail-mint textarea, #detail-mint input").first.fill(mint)
    page.locator("#detail-show").click()
    snapshots = page.locator("#token-snapshots")
    snapshots.get_by_text("snapshots").wait_for()
    count = int(re.search(r"(\d+) snapshots", snapshots.inner_text()).group(1))  # type: ignore[union-attr]
    assert count >= 3
    page.locator("#token-price-chart canvas, #token-price-chart svg").first.wait_for()
    # And the Status tab shows token_refresh runs and its next run time
    page.get_by_role("tab", name="Status").click()
    for table in ("#schedules-table", "#runs-table"):
        page.wait_for_function(
            "sel => document.querySelector(sel).innerText.includes('token_refresh')", arg=table
        )


def test_a_token_blocked_in_the_detail_view_is_unblocked_with_its_button(
    page: Any, frozen_stack: Stack
) -> None:
    stack = frozen_stack
    # Given a token added by mint
    mint = httpx.get(f"{stack.sim_url}/__sim/truth").json()["tokens"][-5]["mint"]
    added = httpx.post(
        f"{stack.base_url}/discovery/tokens", headers=stack.auth, json={"mint": mint}, timeout=60
    )
    assert added.status_code in {200, 201}, added.text
    _open_discovery(page, stack)
    page.locator("#detail-mint textarea, #detail-mint input").first.fill(mint)
    detail = page.locator("#token-detail")
    # When it is blocked from its detail view
    page.locator("#detail-block").click()
    # Then the detail says so, and so does the API
    detail.get_by_text("Status: blocked").wait_for()
    token = httpx.get(f"{stack.base_url}/discovery/tokens/{mint}", headers=stack.auth).json()[
        "token"
    ]
    assert token["status"] == "blocked"
    # When the Unblock button is clicked
    page.locator("#detail-unblock").click()
    # Then it is active again, with the reason shown, in the page and in the API
    detail.get_by_text("Status: active (unblocked by user)").wait_for()
    token = httpx.get(f"{stack.base_url}/discovery/tokens/{mint}", headers=stack.auth).json()[
        "token"
    ]
    assert (token["status"], token["status_reason"]) == ("active", "unblocked by user")
