"""The Status tab and the token charts as a user reads them (issue 14 item 9), in a real browser
against `walltrack run` and the simulated market."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.e2e.conftest import Stack

MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+")
READABLE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \((\d+ (s|min)|\d+ h \d+ min) ago\)")


def _add_token_with_snapshots(stack: Stack, *, at_least: int) -> tuple[str, list[str]]:
    """A token added by mint, once the refresh schedule has taken `at_least` snapshots."""
    mint = httpx.get(f"{stack.sim_url}/__sim/truth").json()["tokens"][-2]["mint"]
    added = httpx.post(
        f"{stack.base_url}/discovery/tokens", headers=stack.auth, json={"mint": mint}, timeout=60
    )
    assert added.status_code in {200, 201}, added.text
    deadline = time.monotonic() + 90
    while True:
        detail = httpx.get(f"{stack.base_url}/discovery/tokens/{mint}", headers=stack.auth).json()
        if len(detail["snapshots"]) >= at_least or time.monotonic() > deadline:
            return mint, [s["taken_at"] for s in detail["snapshots"]]
        time.sleep(1)


def test_the_status_tab_shows_readable_times_profiling_and_whole_tables(
    page: Any, stack: Stack
) -> None:
    # Given a stack that has run its schedules (the first scan starts on its own)
    _add_token_with_snapshots(stack, at_least=1)
    # When the dashboard opens on the Status tab
    page.goto(f"{stack.base_url}/ui/")
    runs = page.locator("#runs-table")
    page.wait_for_function(
        "() => document.querySelector('#runs-table')?.innerText.includes('token_')"
    )
    # Then times read to the second with their age, never raw ISO with microseconds
    for table in ("#schedules-table", "#runs-table"):
        text = page.locator(table).inner_text()
        assert not MICROSECONDS.search(text), text
        assert "T" not in re.findall(r"\d{4}-\d{2}-\d{2}.", text)[0], text
        assert READABLE.search(text), text
    # And wallet profiling's activity is shown
    page.locator("#profiling-activity").get_by_text("Wallet profiling").wait_for()
    assert re.search(
        r"\d+ profiled · \d+ waiting", page.locator("#profiling-activity").inner_text()
    )
    # And no column of the runs table is cut off: it fits its width without scrolling
    overflow = runs.evaluate(
        "el => [...el.querySelectorAll('table')].map(t => t.scrollWidth - t.parentElement"
        ".clientWidth)"
    )
    assert overflow
    assert max(overflow) <= 1, overflow


def test_the_charts_read_a_24_hour_clock_and_hide_until_there_is_data(
    browser: Any, stack: Stack
) -> None:
    # Given a token with snapshots taken in the market's afternoon, and a browser on UTC
    mint, taken = _add_token_with_snapshots(stack, at_least=2)
    hours = {datetime.fromisoformat(t).astimezone(UTC).hour for t in taken}
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{stack.base_url}/ui/")
        page.get_by_role("tab", name="Discovery").click()
        # Then before a token is chosen there is no empty chart (bare axes)
        page.locator("#detail-mint").wait_for()
        assert not page.locator("#token-price-chart").is_visible()
        # When its detail is shown
        page.locator("#detail-mint textarea, #detail-mint input").first.fill(mint)
        page.locator("#detail-show").click()
        page.locator("#token-price-chart svg text").first.wait_for()
        # Then the time axis reads the hours of a 24-hour clock (14:02, not 02:02)
        labels = page.locator("#token-price-chart svg text").all_text_contents()
        ticks = [t for t in labels if re.fullmatch(r"\d{2}:\d{2}", t.strip())]
        assert ticks, labels
        assert {int(t[:2]) for t in ticks} <= hours | {(h + 1) % 24 for h in hours}, (
            ticks,
            hours,
        )
    finally:
        context.close()


def test_no_token_table_header_breaks_inside_a_word(page: Any, stack: Stack) -> None:
    # Given the Discovery tab at the default width
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Discovery").click()
    header = page.locator("#tokens-table thead").first
    header.wait_for()
    # When each header's text is laid out / Then every one-word header sits on one line
    lines = header.evaluate(
        """el => [...el.querySelectorAll('th')].map(th => {
            const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
            let lines = 0, node;
            while ((node = walker.nextNode())) {
                if (!node.textContent.trim()) continue;
                const r = document.createRange(); r.selectNodeContents(node);
                const tops = new Set([...r.getClientRects()].filter(x => x.width > 0)
                                      .map(x => Math.round(x.top)));
                lines = Math.max(lines, tops.size);
            }
            return [th.innerText.trim(), lines];
        })"""
    )
    broken = [name for name, count in lines if " " not in name and count > 1]
    assert not broken, lines
