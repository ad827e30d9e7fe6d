"""Step 5 in a real browser against `walltrack run` and the simulated market: "Sync now" on the
Watchlist tab makes the sim's Helius hold our webhook (pointed at webhook_ingest's local
Function URL, with our secret) with exactly the followed wallets; a ban and an unban from the
tab change the wallet's row.

The wallets are seeded as step 3 leaves them (profiled rows in the stack's own embedded
Postgres, which several processes may attach to): the sim's smart wallets with good scores, a
sniper flagged, a retail wallet scoring below zero. Profiling them for real is the Wallets
tab's browser test; here only the watchlist's part goes through the page.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

from tests.e2e.conftest import Stack
from walltrack.cli.market import SIM_API_KEY
from walltrack.data.postgres.embedded import ensure_embedded_postgres

INGEST_PATH = "/fn/WebhookIngestFunction/"
SYNCED_WITHIN_MS = 60_000
WIDTH = 8  # the table's columns: #, address, owner, score, confidence, followed, why, pin / ban


def _seed(stack: Stack) -> dict[str, list[str]]:
    """Profiled wallets by kind, taken from the sim's truth (3 smart, 1 sniper, 1 retail)."""
    truth = httpx.get(f"{stack.sim_url}/__sim/truth", timeout=30).json()
    by_label: dict[str, list[str]] = {}
    for wallet in truth["wallets"]:
        by_label.setdefault(wallet["label"], []).append(wallet["address"])
    chosen = {
        "smart": by_label["smart"][:3],
        "sniper": by_label["sniper"][:1],
        "retail": by_label["retail"][:1],
    }
    rows = [
        *((a, 0.8 - i / 10, [], True) for i, a in enumerate(chosen["smart"])),
        (chosen["sniper"][0], 0.9, ["launch_sniper"], False),
        (chosen["retail"][0], -0.3, [], True),
    ]
    at = datetime.now(UTC)
    with psycopg.connect(ensure_embedded_postgres(stack.data_dir), autocommit=True) as conn:
        for address, score, flags, qualified in rows:
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, profiled_at, score,"
                " confidence, is_bot, bot_flags, qualified) values"
                " (%s, 'profiled', %s, %s, %s, 0.9, %s, %s, %s) on conflict (address) do update"
                " set status = 'profiled', score = excluded.score, confidence = 0.9,"
                " is_bot = excluded.is_bot, bot_flags = excluded.bot_flags,"
                " qualified = excluded.qualified",
                (address, at, at, score, bool(flags), flags, qualified),
            )
    return chosen


def _our_webhooks(stack: Stack) -> list[dict[str, Any]]:
    hooks = httpx.get(
        f"{stack.sim_url}/v0/webhooks", params={"api-key": SIM_API_KEY}, timeout=30
    ).json()
    return [h for h in hooks if h["webhookURL"].endswith(INGEST_PATH)]


def _listed(stack: Stack) -> set[str]:
    body = httpx.get(
        f"{stack.base_url}/watchlist",
        headers=stack.auth,
        params={"listed": "true", "limit": 500},
        timeout=30,
    ).json()
    return {item["address"] for item in body["items"]}


def _wait_synced(page: Any, stack: Stack) -> None:
    """Wait for the progress line to say the sync succeeded; on timeout, say what it said."""
    progress = page.locator("#watchlist-progress")
    try:
        progress.get_by_text("Sync succeeded").wait_for(timeout=SYNCED_WITHIN_MS)
    except Exception as exc:  # the timeout, with what the page and the stack said
        raise AssertionError(
            f"no succeeded sync: progress {progress.inner_text()!r}\n{stack.log_tail()}"
        ) from exc


def _row_of(page: Any, address: str, *, containing: str = "", timeout_s: float = 20) -> str:
    """The table row of `address` (cells joined by " | ") once it holds `containing`; the
    table may render only its visible rows, so the wallet must be near the top."""
    deadline = time.monotonic() + timeout_s
    while True:
        cells = page.locator("#watchlist-table [data-testid^='cell-']").all_inner_texts()
        rows = [cells[i : i + WIDTH] for i in range(0, len(cells) - WIDTH + 1, WIDTH)]
        found = [" | ".join(r) for r in rows if len(r) > 1 and r[1].strip() == address]
        if found and containing in found[0]:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no row of {address} holding {containing!r}: {found}")
        time.sleep(0.2)


def _choose(page: Any, option: str) -> None:
    page.locator("#watchlist-filter input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_sync_now_puts_exactly_the_followed_wallets_on_the_sims_webhook(
    page: Any, stack: Stack
) -> None:
    # Given profiled wallets: three smart, a flagged sniper and a retail wallet scoring < 0
    chosen = _seed(stack)
    # When "Sync now" is pressed on the Watchlist tab
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Watchlist").click()
    page.locator("#watchlist-sync").click()
    # Then the progress follows the run to its end
    _wait_synced(page, stack)
    # and the sim holds our webhook(s) with exactly the followed wallets, and our secret
    listed = _listed(stack)
    assert set(chosen["smart"]) <= listed
    assert not (set(chosen["sniper"]) | set(chosen["retail"])) & listed
    ours = _our_webhooks(stack)
    assert ours, "no webhook points at webhook_ingest's Function URL"
    held = [a for hook in ours for a in hook["accountAddresses"]]
    assert sorted(held) == sorted(listed)
    assert all(hook["authHeader"] for hook in ours)
    # and the tab shows the webhook shard and each wallet's reason
    page.locator("#watchlist-webhooks").get_by_text("Last sync").wait_for()
    assert ours[0]["webhookID"] in page.locator("#watchlist-shards").inner_text()
    target = chosen["smart"][0]
    assert "| yes | rank " in _row_of(page, target, containing="yes")
    _choose(page, "not followed")
    _row_of(page, chosen["sniper"][0], containing="flagged launch_sniper")

    # When the best smart wallet is banned from the tab with a reason
    page.locator("#watchlist-address textarea, #watchlist-address input").first.fill(target)
    page.locator("#watchlist-reason textarea, #watchlist-reason input").first.fill("e2e insider")
    page.locator("#watchlist-ban").click()
    # Then its row says it is no longer followed, banned by the dashboard with the reason
    page.locator("#watchlist-outcome").get_by_text("not followed").wait_for()
    row = _row_of(page, target, containing="banned by dashboard: e2e insider")
    assert "| no | banned: e2e insider |" in row
    assert target not in _listed(stack)
    # When it is unbanned / Then it is followed again
    page.locator("#watchlist-unban").click()
    page.locator("#watchlist-outcome").get_by_text("is now followed").wait_for()
    _choose(page, "followed")
    assert "banned" not in _row_of(page, target, containing="yes")
    assert target in _listed(stack)
